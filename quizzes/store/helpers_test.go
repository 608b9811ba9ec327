package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store/storetest"
	"github.com/kaoping/kaoping/quizzes"
	qstore "github.com/kaoping/kaoping/quizzes/store"
)

// trainer is the user id that writes questions in tests (no users table
// needed: user ids are plain numbers).
const trainer int64 = 7

type fixture struct {
	db     *bun.DB
	dsn    storetest.DSN
	clock  *storetest.Clock
	st     *qstore.Store
	opt    qstore.Options
	center int64

	mu     sync.Mutex
	passed []int64 // enrolments given to OnPassed, in call order
}

// newFixture gives a test its own migrated database, a clock at
// 2026-03-02 01:00:00.25 UTC (09:00 in Shanghai; the fraction makes every
// deadline comparison deal with sub-second times) and a store whose
// OnPassed hook records its calls.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, dsn := storetest.NewDSN(t)
	f := &fixture{db: db, dsn: dsn, clock: storetest.NewClock(time.Date(2026, 3, 2, 1, 0, 0, 250_000_000, time.UTC))}
	if err := db.NewSelect().Table("centers").Column("id").OrderExpr("id").Limit(1).Scan(context.Background(), &f.center); err != nil {
		t.Fatalf("default center: %v", err)
	}
	f.opt = qstore.Options{OnPassed: func(_ context.Context, enrolmentID int64) error {
		f.mu.Lock()
		f.passed = append(f.passed, enrolmentID)
		f.mu.Unlock()
		return nil
	}}
	f.st = qstore.New(db, f.clock.Now, f.opt)
	return f
}

// store returns another Store with its own pool on the same database, like
// a second server instance.
func (f *fixture) store(t *testing.T) *qstore.Store {
	t.Helper()
	return qstore.New(f.dsn.Open(t), f.clock.Now, f.opt)
}

func (f *fixture) passedCalls() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.passed...)
}

func (f *fixture) insertID(t *testing.T, query string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := f.db.QueryRowContext(context.Background(), query+" RETURNING id", args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

// person inserts a staff member of the default center.
func (f *fixture) person(t *testing.T, no string) int64 {
	t.Helper()
	now := f.clock.Now()
	return f.insertID(t, "INSERT INTO staff (center_id, staff_no, name, channels, active, created_at, updated_at) VALUES (?, ?, ?, 'offline', ?, ?, ?)",
		f.center, no, "员工"+no, true, now, now)
}

// module inserts a module with a published version 1 (and no lessons) and
// returns the module and version ids.
func (f *fixture) module(t *testing.T, code string) (moduleID, versionID int64) {
	t.Helper()
	now := f.clock.Now()
	moduleID = f.insertID(t, "INSERT INTO modules (center_id, code, validity_months, created_by, created_at, updated_at) VALUES (?, ?, 0, 1, ?, ?)",
		f.center, code, now, now)
	versionID = f.insertID(t, `INSERT INTO module_versions (module_id, number, status, title, summary, standard, recert_policy, recert_days,
 author_id, published_at, reject_reason, created_at, updated_at) VALUES (?, 1, 'published', ?, '', '{}', 'grandfather', 0, 1, ?, '', ?, ?)`,
		moduleID, "模块 "+code, now, now, now)
	return moduleID, versionID
}

// enrolment inserts an enrolment of staffID in the module.
func (f *fixture) enrolment(t *testing.T, staffID, moduleID, versionID int64) int64 {
	t.Helper()
	return f.insertID(t, `INSERT INTO enrolments (center_id, staff_id, module_id, version_id, reason, due_date, status, created_at)
 VALUES (?, ?, ?, ?, 'assigned', '2026-03-31', 'in_progress', ?)`, f.center, staffID, moduleID, versionID, f.clock.Now())
}

// quiz creates the quiz of a new module with settings from configure and
// fixed slots for qs (added to the bank under "测试").
func (f *fixture) quiz(t *testing.T, code string, configure func(*qstore.Quiz), qs ...quizzes.Question) (*qstore.Quiz, []qstore.BankQuestion) {
	t.Helper()
	ctx := context.Background()
	moduleID, _ := f.module(t, code)
	qz := &qstore.Quiz{ModuleID: moduleID, Title: "测验 " + code, PassPercent: 60}
	if configure != nil {
		configure(qz)
	}
	if err := f.st.SaveQuiz(ctx, qz); err != nil {
		t.Fatalf("SaveQuiz: %v", err)
	}
	var bank []qstore.BankQuestion
	if len(qs) > 0 {
		for i := range qs {
			if qs[i].Category == "" {
				qs[i].Category = "测试/" + code
			}
		}
		var err error
		if bank, err = f.st.AddQuestions(ctx, f.center, qs, trainer); err != nil {
			t.Fatalf("AddQuestions: %v", err)
		}
		slots := make([]qstore.Slot, len(bank))
		for i, b := range bank {
			slots[i] = qstore.Slot{Kind: qstore.SlotFixed, QuestionID: b.ID}
		}
		if err := f.st.SetSlots(ctx, qz.ID, slots); err != nil {
			t.Fatalf("SetSlots: %v", err)
		}
	}
	got, err := f.st.Quiz(ctx, qz.ID)
	if err != nil {
		t.Fatalf("Quiz: %v", err)
	}
	return got, bank
}

// Question builders. The first answer of a multichoice question is the
// right one, as authors (and GIFT files) often write it.

func single(name string) quizzes.Question {
	return quizzes.Question{Type: quizzes.MultiChoice, Name: name, Text: name + "：哪项正确？", Single: true,
		Answers: []quizzes.Answer{
			{Text: name + " 正确项", Fraction: 1, Feedback: "FB-RIGHT " + name},
			{Text: name + " 错误项一", Fraction: 0, Feedback: "FB-WRONG " + name},
			{Text: name + " 错误项二", Fraction: 0},
		}}
}

func trueFalse(name string, correct bool) quizzes.Question {
	return quizzes.Question{Type: quizzes.TrueFalse, Name: name, Text: name + "：对还是错？", Correct: correct,
		FeedbackCorrect: "FB-TF-RIGHT", FeedbackWrong: "FB-TF-WRONG"}
}

func essay(name string) quizzes.Question {
	return quizzes.Question{Type: quizzes.Essay, Name: name, Text: name + "：请简述受理流程。", Rubric: "RUBRIC-SECRET 三个要点"}
}

func boolp(b bool) *bool { return &b }

// choose answers a multichoice question by the text of the choice shown.
func choose(t *testing.T, aq qstore.AttemptQuestion, text string) quizzes.Response {
	t.Helper()
	for _, c := range aq.Presented.Choices {
		if c.Text == text {
			return quizzes.Response{Choices: []int{c.Index}}
		}
	}
	t.Fatalf("question %d has no choice %q: %+v", aq.Position, text, aq.Presented.Choices)
	return quizzes.Response{}
}

// answerAll answers every question of an attempt: right ones for the first
// `right` positions (true/false and single choice only), wrong after.
func (f *fixture) answerAll(t *testing.T, a *qstore.Attempt, right int) {
	t.Helper()
	ctx := context.Background()
	for _, aq := range a.Questions {
		ok := aq.Position <= right
		var r quizzes.Response
		switch aq.Presented.Type {
		case quizzes.TrueFalse:
			// Every true/false question of these tests is true.
			r.Bool = boolp(ok)
		case quizzes.MultiChoice:
			suffix := " 错误项一"
			if ok {
				suffix = " 正确项"
			}
			r = choose(t, aq, aq.Presented.Name+suffix)
		case quizzes.Essay:
			r.Text = "先查验身份，再审核材料，最后受理出证。"
		default:
			t.Fatalf("answerAll: type %s", aq.Presented.Type)
		}
		if _, err := f.st.SaveAnswer(ctx, a.ID, aq.Position, r); err != nil {
			t.Fatalf("SaveAnswer(%d, %d): %v", a.ID, aq.Position, err)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fmtGrade(g *float64) string {
	if g == nil {
		return "nil"
	}
	return fmt.Sprintf("%.4f", *g)
}

func runtimeGosched() { runtime.Gosched() }
