package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/quizzes"
	qstore "github.com/kaoping/kaoping/quizzes/store"
)

func TestGradingMethods(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	qz, _ := f.quiz(t, "m1", nil, trueFalse("一", true), trueFalse("二", true), trueFalse("三", true),
		trueFalse("四", true), trueFalse("五", true))
	who := f.person(t, "001")
	if g, passed, err := f.st.QuizGrade(ctx, qz.ID, who); err != nil || g != nil || passed {
		t.Fatalf("QuizGrade with no attempt = %s, %v, %v; want nil, false", fmtGrade(g), passed, err)
	}
	for i, right := range []int{2, 4, 3} { // 40 %, 80 %, 60 %
		a, err := f.st.Start(ctx, qz.ID, who, nil, int64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		f.answerAll(t, a, right)
		if _, err := f.st.Submit(ctx, a.ID, "k"); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Minute)
	}
	// An attempt in progress does not count.
	if _, err := f.st.Start(ctx, qz.ID, who, nil, 9); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method string
		grade  string
		passed bool // pass mark 60
	}{
		{qstore.GradeHighest, "80.0000", true},
		{qstore.GradeAverage, "60.0000", true},
		{qstore.GradeFirst, "40.0000", false},
		{qstore.GradeLast, "60.0000", true},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			qz.GradingMethod = tt.method
			if err := f.st.SaveQuiz(ctx, qz); err != nil {
				t.Fatal(err)
			}
			g, passed, err := f.st.QuizGrade(ctx, qz.ID, who)
			if err != nil {
				t.Fatal(err)
			}
			if fmtGrade(g) != tt.grade || passed != tt.passed {
				t.Fatalf("QuizGrade(%s) = %s, %v; want %s, %v", tt.method, fmtGrade(g), passed, tt.grade, tt.passed)
			}
		})
	}
}

func TestSaveQuizValidates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	moduleID, _ := f.module(t, "m1")
	tests := []struct {
		field string
		quiz  qstore.Quiz
	}{
		{"pass_percent", qstore.Quiz{ModuleID: moduleID, PassPercent: 101}},
		{"attempts_allowed", qstore.Quiz{ModuleID: moduleID, AttemptsAllowed: -1}},
		{"time_limit_seconds", qstore.Quiz{ModuleID: moduleID, TimeLimitSeconds: -5}},
		{"grace_seconds", qstore.Quiz{ModuleID: moduleID, GraceSeconds: -5}},
		{"overdue_handling", qstore.Quiz{ModuleID: moduleID, OverdueHandling: "later"}},
		{"grading_method", qstore.Quiz{ModuleID: moduleID, GradingMethod: "best"}},
		{"review_when", qstore.Quiz{ModuleID: moduleID, ReviewWhen: "soon"}},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			if err := f.st.SaveQuiz(ctx, &tt.quiz); !errors.Is(err, quizzes.ErrInvalid) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("SaveQuiz = %v, want ErrInvalid naming %s", err, tt.field)
			}
		})
	}
	qz := &qstore.Quiz{ModuleID: moduleID}
	if err := f.st.SaveQuiz(ctx, qz); err != nil {
		t.Fatal(err)
	}
	if qz.OverdueHandling != qstore.OverdueAutosubmit || qz.GradingMethod != qstore.GradeHighest || qz.ReviewWhen != qstore.ReviewImmediately {
		t.Fatalf("defaults = %s, %s, %s", qz.OverdueHandling, qz.GradingMethod, qz.ReviewWhen)
	}
	if err := f.st.SaveQuiz(ctx, &qstore.Quiz{ModuleID: moduleID}); err == nil {
		t.Fatal("a second quiz for the module was accepted")
	}
	if err := f.st.SetSlots(ctx, qz.ID, []qstore.Slot{{Kind: qstore.SlotRandom, CategoryID: 999, Count: 1}}); !errors.Is(err, quizzes.ErrInvalid) ||
		!strings.Contains(err.Error(), "slots[0].category_id") {
		t.Fatalf("SetSlots with a missing category = %v, want ErrInvalid naming slots[0].category_id", err)
	}
}

func TestEssayGradingQueue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	qz, _ := f.quiz(t, "m1", nil, trueFalse("一", true), essay("论述"))
	who, other := f.person(t, "001"), f.person(t, "002")
	e := f.enrolment(t, who, qz.ModuleID, f.versionOf(t, qz.ModuleID))
	a, err := f.st.Start(ctx, qz.ID, who, &e, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.answerAll(t, a, 1)
	done, err := f.st.Submit(ctx, a.ID, "k")
	if err != nil {
		t.Fatal(err)
	}
	if done.GradePercent != nil || !done.NeedsGrading || done.SumMarks != 1 {
		t.Fatalf("submitted with an essay: grade %s, needs grading %v, sum %v; want nil, true, 1", fmtGrade(done.GradePercent), done.NeedsGrading, done.SumMarks)
	}
	if got := f.passedCalls(); len(got) != 0 {
		t.Fatalf("OnPassed called %v before the essay was graded", got)
	}
	queue, err := f.st.GradingQueue(ctx, f.center, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(queue) != 1 || queue[0].StaffID != who || queue[0].StaffName != "员工001" || queue[0].Position != 2 ||
		!strings.Contains(queue[0].Question.Rubric, "RUBRIC-SECRET") || !strings.Contains(queue[0].Answer, "审核材料") {
		t.Fatalf("GradingQueue = %+v", queue)
	}
	for _, ids := range [][]int64{{other}, {}} {
		if q, err := f.st.GradingQueue(ctx, f.center, ids); err != nil || len(q) != 0 {
			t.Fatalf("GradingQueue(%v) = %d items, %v; want none", ids, len(q), err)
		}
	}
	if q, err := f.st.GradingQueue(ctx, f.center, []int64{other, who}); err != nil || len(q) != 1 {
		t.Fatalf("GradingQueue(both) = %d items, %v; want 1", len(q), err)
	}

	att, err := f.st.Attempt(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.GradeEssay(ctx, att.Questions[0].ID, 1, "", 99); !errors.Is(err, quizzes.ErrInvalid) {
		t.Fatalf("GradeEssay of a true/false question = %v, want ErrInvalid", err)
	}
	if err := f.st.GradeEssay(ctx, queue[0].AttemptQuestionID, 1.5, "", 99); !errors.Is(err, quizzes.ErrInvalid) {
		t.Fatalf("GradeEssay(1.5) = %v, want ErrInvalid", err)
	}
	if err := f.st.GradeEssay(ctx, queue[0].AttemptQuestionID, 0.5, "要点不全", 99); err != nil {
		t.Fatalf("GradeEssay: %v", err)
	}
	got, err := f.st.Attempt(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fmtGrade(got.GradePercent) != "75.0000" || got.NeedsGrading {
		t.Fatalf("after grading: grade %s, needs grading %v; want 75, false", fmtGrade(got.GradePercent), got.NeedsGrading)
	}
	if calls := f.passedCalls(); !slices.Equal(calls, []int64{e}) {
		t.Fatalf("OnPassed calls = %v, want [%d]", calls, e)
	}
	// A regrade that keeps the pass calls nothing again.
	if err := f.st.GradeEssay(ctx, queue[0].AttemptQuestionID, 0.3, "复核", 99); err != nil {
		t.Fatal(err)
	}
	if calls := f.passedCalls(); !slices.Equal(calls, []int64{e}) {
		t.Fatalf("OnPassed calls after a regrade = %v, want [%d] still", calls, e)
	}
	if q, err := f.st.GradingQueue(ctx, f.center, nil); err != nil || len(q) != 0 {
		t.Fatalf("GradingQueue after grading = %d, %v; want empty", len(q), err)
	}
	// Essays of an attempt still in progress cannot be graded.
	b, err := f.st.Start(ctx, qz.ID, who, &e, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.GradeEssay(ctx, b.Questions[1].ID, 1, "", 99); !errors.Is(err, qstore.ErrNotFinished) {
		t.Fatalf("GradeEssay in progress = %v, want ErrNotFinished", err)
	}
}

// versionOf returns the id of version 1 of a module.
func (f *fixture) versionOf(t *testing.T, moduleID int64) int64 {
	t.Helper()
	var id int64
	if err := f.db.NewSelect().Table("module_versions").Column("id").Where("module_id = ?", moduleID).
		OrderExpr("number").Limit(1).Scan(context.Background(), &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// secretQuiz has one question of every type, each hiding its key behind a
// marker that must never reach the taker before submission.
func secretQuestions() []quizzes.Question {
	mc := single("单选")
	mc.GeneralFeedback = "GENERAL-SECRET"
	return []quizzes.Question{
		mc,
		{Type: quizzes.MultiChoice, Name: "多选", Text: "选出必备材料", Answers: []quizzes.Answer{
			{Text: "申请书", Fraction: 0.5, Feedback: "FB-MULTI-1"}, {Text: "执照", Fraction: 0.5, Feedback: "FB-MULTI-2"},
			{Text: "照片", Fraction: -1, Feedback: "FB-MULTI-3"}}},
		trueFalse("判断", true),
		{Type: quizzes.ShortAnswer, Name: "填空", Text: "法定时限是几天？", Answers: []quizzes.Answer{
			{Text: "ACCEPTED-SECRET", Fraction: 1, Feedback: "FB-SHORT"}}},
		{Type: quizzes.Numerical, Name: "数值", Text: "收费多少元？", Answers: []quizzes.Answer{
			{Value: 4242.5, Tolerance: 0.25, Fraction: 1, Feedback: "FB-NUM"}}},
		{Type: quizzes.Matching, Name: "配对", Text: "配对", Pairs: []quizzes.Pair{
			{Question: "营业执照", Answer: "证明主体"}, {Question: "身份证", Answer: "证明身份"}}},
		{Type: quizzes.Ordering, Name: "排序", Text: "排序", Items: []string{"查验身份", "审核材料", "受理出证"}},
		essay("论述"),
	}
}

// keyMarkers are strings that only the key contains.
var keyMarkers = []string{"SECRET", "FB-", "4242", "fraction", `"feedback"`, `"right_answer":`, `"mark":`, "rubric", "tolerance", "general_feedback"}

func assertNoKey(t *testing.T, what string, v any) {
	t.Helper()
	js := mustJSON(t, v)
	for _, m := range keyMarkers {
		if strings.Contains(js, m) {
			t.Errorf("%s contains %q before submission:\n%s", what, m, js)
		}
	}
}

func TestNothingOfTheKeyBeforeSubmission(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	qz, _ := f.quiz(t, "m1", func(q *qstore.Quiz) {
		q.ShuffleAnswers, q.ReviewMarks, q.ReviewRightAnswers, q.ReviewFeedback = true, true, true, true
	}, secretQuestions()...)
	who := f.person(t, "001")
	a, err := f.st.Start(ctx, qz.ID, who, nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	assertNoKey(t, "Start", a)
	// Answer everything, rightly where easy, so that the saved responses are
	// in the attempt too.
	for _, aq := range a.Questions {
		var r quizzes.Response
		switch aq.Presented.Type {
		case quizzes.MultiChoice:
			r.Choices = []int{0}
		case quizzes.TrueFalse:
			r.Bool = boolp(true)
		case quizzes.ShortAnswer:
			r.Text = "七天"
		case quizzes.Numerical:
			r.Text = "12"
		case quizzes.Matching:
			r.Matches = []string{aq.Presented.MatchOptions[0]}
		case quizzes.Ordering:
			r.Order = []int{0, 1, 2}
			items := []string{aq.Presented.Items[0].Text, aq.Presented.Items[1].Text, aq.Presented.Items[2].Text}
			if slices.Equal(items, []string{"查验身份", "审核材料", "受理出证"}) {
				t.Errorf("ordering items shown in the right order: %v", items)
			}
		case quizzes.Essay:
			r.Text = "我的论述"
		}
		if _, err := f.st.SaveAnswer(ctx, a.ID, aq.Position, r); err != nil {
			t.Fatalf("SaveAnswer(%s): %v", aq.Presented.Type, err)
		}
	}
	got, err := f.st.Attempt(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertNoKey(t, "Attempt", got)
	again, err := f.st.Start(ctx, qz.ID, who, nil, 6)
	if err != nil {
		t.Fatal(err)
	}
	assertNoKey(t, "resumed Start", again)
	rv, err := f.st.Review(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertNoKey(t, "Review", rv)
	if rv.ShowMarks || rv.ShowRightAnswers || rv.ShowFeedback {
		t.Fatalf("Review before submission shows %v %v %v", rv.ShowMarks, rv.ShowRightAnswers, rv.ShowFeedback)
	}

	// After submission the review options let the key through.
	if _, err := f.st.Submit(ctx, a.ID, "k"); err != nil {
		t.Fatal(err)
	}
	rv, err = f.st.Review(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	js := mustJSON(t, rv)
	for _, want := range []string{"ACCEPTED-SECRET", "GENERAL-SECRET", `"mark":`} {
		if !strings.Contains(js, want) {
			t.Errorf("Review after submission lacks %q:\n%s", want, js)
		}
	}
}

func TestReviewOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		configure         func(*qstore.Quiz)
		marks, right, fbk bool // shown right after submission
		laterMarks        bool // shown once the deadline has passed
	}{
		{"immediately, everything", func(q *qstore.Quiz) {
			q.ReviewMarks, q.ReviewRightAnswers, q.ReviewFeedback = true, true, true
		}, true, true, true, true},
		{"immediately, marks only", func(q *qstore.Quiz) { q.ReviewMarks = true }, true, false, false, true},
		{"never", func(q *qstore.Quiz) {
			q.ReviewMarks, q.ReviewRightAnswers, q.ReviewFeedback, q.ReviewWhen = true, true, true, qstore.ReviewNever
		}, false, false, false, false},
		{"after close", func(q *qstore.Quiz) {
			q.ReviewMarks, q.ReviewWhen = true, qstore.ReviewAfterClose
		}, false, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			qz, _ := f.quiz(t, "m1", func(q *qstore.Quiz) {
				q.TimeLimitSeconds = 600
				tt.configure(q)
			}, single("单选"))
			a, err := f.st.Start(ctx, qz.ID, f.person(t, "001"), nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			f.answerAll(t, a, 1)
			f.clock.Add(time.Minute)
			if _, err := f.st.Submit(ctx, a.ID, "k"); err != nil {
				t.Fatal(err)
			}
			rv, err := f.st.Review(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			q := rv.Questions[0]
			if got := q.Mark != nil; got != tt.marks || rv.ShowMarks != tt.marks || (rv.Attempt.GradePercent != nil) != tt.marks {
				t.Errorf("marks shown = %v (grade %s), want %v", got, fmtGrade(rv.Attempt.GradePercent), tt.marks)
			}
			if got := q.RightAnswer != ""; got != tt.right {
				t.Errorf("right answer shown = %v (%q), want %v", got, q.RightAnswer, tt.right)
			}
			if got := len(q.Feedback) > 0; got != tt.fbk {
				t.Errorf("feedback shown = %v (%v), want %v", got, q.Feedback, tt.fbk)
			}
			f.clock.Add(10 * time.Minute)
			rv, err = f.st.Review(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := rv.Questions[0].Mark != nil; got != tt.laterMarks {
				t.Errorf("marks shown after the deadline = %v, want %v", got, tt.laterMarks)
			}
		})
	}
}
