package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/quizzes"
	qstore "github.com/kaoping/kaoping/quizzes/store"
)

func TestStartResumesTheOpenAttempt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	qz, _ := f.quiz(t, "m1", func(q *qstore.Quiz) { q.TimeLimitSeconds = 600 }, single("一"), trueFalse("二", true))
	who := f.person(t, "001")

	a, err := f.st.Start(ctx, qz.ID, who, nil, 1)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if a.Number != 1 || a.State != qstore.StateInProgress || len(a.Questions) != 2 {
		t.Fatalf("attempt = number %d, state %s, %d questions; want 1, inprogress, 2", a.Number, a.State, len(a.Questions))
	}
	if want := f.clock.Now().Add(10 * time.Minute); a.DeadlineAt == nil || !a.DeadlineAt.Equal(want) {
		t.Fatalf("deadline = %v, want %v", a.DeadlineAt, want)
	}
	if _, err := f.st.SaveAnswer(ctx, a.ID, 2, quizzes.Response{Bool: boolp(true)}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	b, err := f.st.Start(ctx, qz.ID, who, nil, 2)
	if err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if b.ID != a.ID || !b.DeadlineAt.Equal(*a.DeadlineAt) {
		t.Fatalf("second Start = attempt %d (deadline %v), want the open attempt %d (deadline %v)", b.ID, b.DeadlineAt, a.ID, a.DeadlineAt)
	}
	if r := b.Questions[1].Response; r == nil || r.Bool == nil || !*r.Bool {
		t.Fatalf("resumed answer = %+v, want the saved true", r)
	}
}

func TestStartConcurrentOpensOneAttempt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	qz, _ := f.quiz(t, "m1", nil, single("一"))
	who := f.person(t, "001")
	stores := []*qstore.Store{f.st, f.store(t), f.store(t)}
	ids := make([]int64, 12)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := stores[i%len(stores)].Start(ctx, qz.ID, who, nil, int64(i+1))
			if err != nil {
				t.Errorf("Start %d: %v", i, err)
				return
			}
			ids[i] = a.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent Start returned attempts %v, want one", ids)
		}
	}
	as, err := f.st.Attempts(ctx, qz.ID, who)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 {
		t.Fatalf("attempts = %d, want 1", len(as))
	}
}

func TestAttemptsAllowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	qz, _ := f.quiz(t, "m1", func(q *qstore.Quiz) { q.AttemptsAllowed = 2 }, trueFalse("一", true))
	who := f.person(t, "001")
	for i := 1; i <= 2; i++ {
		a, err := f.st.Start(ctx, qz.ID, who, nil, int64(i))
		if err != nil {
			t.Fatalf("Start %d: %v", i, err)
		}
		if a.Number != i {
			t.Fatalf("attempt number = %d, want %d", a.Number, i)
		}
		if _, err := f.st.Submit(ctx, a.ID, fmt.Sprint("k", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.Start(ctx, qz.ID, who, nil, 3); !errors.Is(err, qstore.ErrNoAttemptsLeft) {
		t.Fatalf("third Start = %v, want ErrNoAttemptsLeft", err)
	}
	// An enrolment counts its own attempts: a re-certification starts afresh.
	mod, _ := f.st.Quiz(ctx, qz.ID)
	var versionID int64
	if err := f.db.NewSelect().Table("module_versions").Column("id").Where("module_id = ?", mod.ModuleID).Scan(ctx, &versionID); err != nil {
		t.Fatal(err)
	}
	e := f.enrolment(t, who, mod.ModuleID, versionID)
	a, err := f.st.Start(ctx, qz.ID, who, &e, 4)
	if err != nil {
		t.Fatalf("Start under an enrolment: %v", err)
	}
	if a.Number != 3 || a.EnrolmentID == nil || *a.EnrolmentID != e {
		t.Fatalf("attempt = number %d, enrolment %v; want 3, %d", a.Number, a.EnrolmentID, e)
	}
	other := f.person(t, "002")
	if _, err := f.st.Start(ctx, qz.ID, other, &e, 5); !errors.Is(err, quizzes.ErrInvalid) {
		t.Fatalf("Start with somebody else's enrolment = %v, want ErrInvalid", err)
	}
}

// randomQuiz makes a quiz of one random slot drawing n of the given
// questions.
func (f *fixture) randomQuiz(t *testing.T, code string, n int, names ...string) (*qstore.Quiz, map[int64]string) {
	t.Helper()
	ctx := context.Background()
	var qs []quizzes.Question
	for _, name := range names {
		q := trueFalse(name, true)
		q.Category = "随机/" + code
		qs = append(qs, q)
	}
	bank, err := f.st.AddQuestions(ctx, f.center, qs, trainer)
	if err != nil {
		t.Fatal(err)
	}
	qz, _ := f.quiz(t, code, nil)
	if err := f.st.SetSlots(ctx, qz.ID, []qstore.Slot{{Kind: qstore.SlotRandom, CategoryID: bank[0].CategoryID, Count: n}}); err != nil {
		t.Fatal(err)
	}
	names2 := map[int64]string{}
	for _, b := range bank {
		names2[b.VersionID] = b.Question.Name
	}
	return qz, names2
}

// shown lists the question names of an attempt, sorted.
func shown(a *qstore.Attempt) []string {
	var out []string
	for _, q := range a.Questions {
		out = append(out, q.Presented.Name)
	}
	slices.Sort(out)
	return out
}

func TestRandomPickPrefersUnseenThenLeastUsed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	qz, _ := f.randomQuiz(t, "r1", 2, "Q1", "Q2", "Q3", "Q4", "Q5")
	ann, bob := f.person(t, "001"), f.person(t, "002")

	take := func(who, seed int64) []string {
		t.Helper()
		a, err := f.st.Start(ctx, qz.ID, who, nil, seed)
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		if _, err := f.st.Submit(ctx, a.ID, "k"); err != nil {
			t.Fatal(err)
		}
		return shown(a)
	}
	first := take(ann, 42)
	second := take(ann, 42)
	if len(first) != 2 || len(second) != 2 {
		t.Fatalf("picks = %v, %v; want 2 each", first, second)
	}
	for _, n := range second {
		if slices.Contains(first, n) {
			t.Fatalf("second attempt %v repeats a question of the first %v although unseen ones were left", second, first)
		}
	}
	// Ann's third attempt: one unseen question is left, then the seen ones.
	third := take(ann, 42)
	seen := append(append([]string{}, first...), second...)
	unseen := 0
	for _, n := range third {
		if !slices.Contains(seen, n) {
			unseen++
		}
	}
	if unseen != 1 {
		t.Fatalf("third attempt %v has %d unseen questions, want the 1 left", third, unseen)
	}
	// Bob has seen nothing: he gets the least used questions. Ann saw every
	// question but the one of her third attempt's unseen pick… count uses.
	uses := map[string]int{}
	for _, n := range append(seen, third...) {
		uses[n]++
	}
	bobs := take(bob, 7)
	for _, n := range bobs {
		for other, u := range uses {
			if !slices.Contains(bobs, other) && u < uses[n] {
				t.Fatalf("Bob got %v (uses %v), but %s was used less", bobs, uses, other)
			}
		}
	}

	// The same seed on the same data draws the same questions.
	g := newFixture(t)
	qz2, _ := g.randomQuiz(t, "r1", 2, "Q1", "Q2", "Q3", "Q4", "Q5")
	who := g.person(t, "001")
	a, err := g.st.Start(ctx, qz2.ID, who, nil, 42)
	if err != nil {
		t.Fatal(err)
	}
	if got := shown(a); !slices.Equal(got, first) {
		t.Fatalf("seed 42 drew %v on a fresh database, want %v again", got, first)
	}

	// A slot that draws more than its category holds cannot start.
	qz3, _ := f.randomQuiz(t, "r2", 3, "X1", "X2")
	if _, err := f.st.Start(ctx, qz3.ID, ann, nil, 1); !errors.Is(err, quizzes.ErrInvalid) || !strings.Contains(err.Error(), "slots[0].count") {
		t.Fatalf("Start with too few questions = %v, want ErrInvalid naming slots[0].count", err)
	}
}

func TestPinnedVersionSurvivesUpdate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	qz, bank := f.quiz(t, "m1", nil, single("原题"))
	who := f.person(t, "001")
	a, err := f.st.Start(ctx, qz.ID, who, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	oldText := a.Questions[0].Presented.Text

	q := bank[0].Question
	q.Text = "新版本的题干"
	b, err := f.st.UpdateQuestion(ctx, bank[0].ID, q, trainer)
	if err != nil {
		t.Fatalf("UpdateQuestion: %v", err)
	}
	if b.Version != 2 || b.VersionID == bank[0].VersionID {
		t.Fatalf("edit after use: version %d (id %d), want a new version 2", b.Version, b.VersionID)
	}
	again, err := f.st.Attempt(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Questions[0].Presented.Text; got != oldText {
		t.Fatalf("attempt shows %q after the edit, want the pinned %q", got, oldText)
	}
	old, err := f.st.QuestionVersion(ctx, bank[0].VersionID)
	if err != nil || old.Text != oldText {
		t.Fatalf("QuestionVersion(old) = %v, %v; want %q", old, err, oldText)
	}
	// Version 2 is unused: editing it again changes it in place.
	q.Text = "新版本的题干（修订）"
	c, err := f.st.UpdateQuestion(ctx, bank[0].ID, q, trainer)
	if err != nil || c.Version != 2 || c.VersionID != b.VersionID {
		t.Fatalf("second edit = version %d (id %d), %v; want version 2 in place", c.Version, c.VersionID, err)
	}
	// The database itself refuses to change a version an attempt used.
	if _, err := f.db.ExecContext(ctx, "UPDATE question_versions SET content = '{}' WHERE id = ?", bank[0].VersionID); err == nil {
		t.Fatal("UPDATE of a used question version succeeded, want refusal")
	}
	// A new attempt pins the new version.
	if _, err := f.st.Submit(ctx, a.ID, "k"); err != nil {
		t.Fatal(err)
	}
	a2, err := f.st.Start(ctx, qz.ID, who, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := a2.Questions[0].Presented.Text; got != q.Text {
		t.Fatalf("new attempt shows %q, want %q", got, q.Text)
	}
}

func TestSaveAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	match := quizzes.Question{Type: quizzes.Matching, Name: "配对", Text: "把材料和用途配对",
		Pairs: []quizzes.Pair{{Question: "营业执照", Answer: "证明主体"}, {Question: "身份证", Answer: "证明身份"}, {Answer: "干扰项"}}}
	order := quizzes.Question{Type: quizzes.Ordering, Name: "排序", Text: "排出受理步骤", Items: []string{"查验身份", "审核材料", "受理出证"}}
	qz, _ := f.quiz(t, "m1", func(q *qstore.Quiz) { q.ShuffleAnswers = true }, single("单选"), match, order,
		quizzes.Question{Type: quizzes.Description, Name: "说明", Text: "以下为说明"})
	who := f.person(t, "001")
	a, err := f.st.Start(ctx, qz.ID, who, nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	right := choose(t, a.Questions[0], "单选 正确项")
	if _, err := f.st.SaveAnswer(ctx, a.ID, 1, right); err != nil {
		t.Fatalf("SaveAnswer: %v", err)
	}
	// Ordering: post the items in their correct order, by shown index.
	var ord []int
	for _, item := range order.Items {
		for _, c := range a.Questions[2].Presented.Items {
			if c.Text == item {
				ord = append(ord, c.Index)
			}
		}
	}
	if _, err := f.st.SaveAnswer(ctx, a.ID, 3, quizzes.Response{Order: ord}); err != nil {
		t.Fatalf("SaveAnswer(order): %v", err)
	}
	if _, err := f.st.SaveAnswer(ctx, a.ID, 2, quizzes.Response{Matches: []string{"证明主体", "证明身份"}}); err != nil {
		t.Fatalf("SaveAnswer(matches): %v", err)
	}
	bad := []struct {
		name     string
		position int
		r        quizzes.Response
		field    string
	}{
		{"choice out of range", 1, quizzes.Response{Choices: []int{3}}, "response.choices"},
		{"two choices for a single answer", 1, quizzes.Response{Choices: []int{0, 1}}, "response.choices"},
		{"repeated order item", 3, quizzes.Response{Order: []int{0, 0, 1}}, "response.order"},
		{"unknown match option", 2, quizzes.Response{Matches: []string{"别的"}}, "response.matches[0]"},
		{"too many matches", 2, quizzes.Response{Matches: []string{"", "", ""}}, "response.matches"},
		{"no such position", 9, quizzes.Response{}, "position"},
		{"a description takes no answer", 4, quizzes.Response{Text: "x"}, "position"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.st.SaveAnswer(ctx, a.ID, tt.position, tt.r)
			if !errors.Is(err, quizzes.ErrInvalid) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("SaveAnswer = %v, want ErrInvalid naming %s", err, tt.field)
			}
		})
	}
	if _, err := f.st.SaveAnswer(ctx, 9999, 1, right); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SaveAnswer(missing attempt) = %v, want ErrNotFound", err)
	}
	// The saved answers come back in shown positions.
	got, err := f.st.Attempt(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Questions[0].Response; r == nil || !slices.Equal(r.Choices, right.Choices) {
		t.Fatalf("saved choice = %+v, want %v", r, right.Choices)
	}
	if r := got.Questions[2].Response; r == nil || !slices.Equal(r.Order, ord) {
		t.Fatalf("saved order = %+v, want %v", r, ord)
	}
	// And grade as the right answers they are.
	done, err := f.st.Submit(ctx, a.ID, "k")
	if err != nil {
		t.Fatal(err)
	}
	if done.GradePercent == nil || *done.GradePercent != 100 || done.MaxMarks != 3 {
		t.Fatalf("grade = %s of max %v, want 100 of 3 (a description is worth nothing)", fmtGrade(done.GradePercent), done.MaxMarks)
	}
	if _, err := f.st.SaveAnswer(ctx, a.ID, 1, right); !errors.Is(err, qstore.ErrAttemptClosed) {
		t.Fatalf("SaveAnswer after Submit = %v, want ErrAttemptClosed", err)
	}
}

func TestSaveAnswerAfterDeadline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		handling string
		grace    int
		ok       time.Duration // still accepted at this offset from the start
		refused  time.Duration
	}{
		{"autosubmit", qstore.OverdueAutosubmit, 30, 59 * time.Second, 60 * time.Second},
		{"grace period", qstore.OverdueGracePeriod, 30, 89 * time.Second, 90 * time.Second},
		{"never submit", qstore.OverdueNeverSubmit, 30, 59 * time.Second, 60 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			qz, _ := f.quiz(t, "m1", func(q *qstore.Quiz) {
				q.TimeLimitSeconds, q.OverdueHandling, q.GraceSeconds = 60, tt.handling, tt.grace
			}, trueFalse("一", true))
			a, err := f.st.Start(ctx, qz.ID, f.person(t, "001"), nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			start := f.clock.Now()
			f.clock.Add(tt.ok)
			if _, err := f.st.SaveAnswer(ctx, a.ID, 1, quizzes.Response{Bool: boolp(true)}); err != nil {
				t.Fatalf("SaveAnswer at +%v: %v", tt.ok, err)
			}
			f.clock.Add(tt.refused - f.clock.Now().Sub(start))
			// A second instance, whose cache knows nothing, refuses too.
			for _, st := range []*qstore.Store{f.st, f.store(t)} {
				if _, err := st.SaveAnswer(ctx, a.ID, 1, quizzes.Response{Bool: boolp(false)}); !errors.Is(err, qstore.ErrDeadlinePassed) {
					t.Fatalf("SaveAnswer at +%v = %v, want ErrDeadlinePassed", tt.refused, err)
				}
			}
		})
	}
}

func TestSubmitIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	qz, _ := f.quiz(t, "m1", nil, single("一"), trueFalse("二", true), trueFalse("三", true))
	a, err := f.st.Start(ctx, qz.ID, f.person(t, "001"), nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.answerAll(t, a, 2)
	stores := []*qstore.Store{f.st, f.store(t)}
	results := make([]*qstore.Attempt, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := stores[i%2].Submit(ctx, a.ID, fmt.Sprint("key-", i%3))
			if err != nil {
				t.Errorf("Submit %d: %v", i, err)
				return
			}
			results[i] = r
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	first := mustJSON(t, results[0])
	for i, r := range results {
		if got := mustJSON(t, r); got != first {
			t.Fatalf("Submit %d returned\n%s\nwant the same as\n%s", i, got, first)
		}
	}
	if g := results[0].GradePercent; results[0].State != qstore.StateFinished || g == nil || fmtGrade(g) != "66.6667" {
		t.Fatalf("state %s, grade %s; want finished, 66.6667", results[0].State, fmtGrade(g))
	}
	f.clock.Add(time.Hour)
	again, err := f.st.Submit(ctx, a.ID, "another key")
	if err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(t, again); got != first {
		t.Fatalf("a later Submit changed the attempt:\n%s\nwant\n%s", got, first)
	}
}

func TestFinalizeOverdue(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	begin := func(code, handling string) *qstore.Attempt {
		qz, _ := f.quiz(t, code, func(q *qstore.Quiz) {
			q.TimeLimitSeconds, q.OverdueHandling, q.GraceSeconds = 60, handling, 30
		}, trueFalse("一", true), trueFalse("二", true))
		a, err := f.st.Start(ctx, qz.ID, f.person(t, code), nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.SaveAnswer(ctx, a.ID, 1, quizzes.Response{Bool: boolp(true)}); err != nil {
			t.Fatal(err)
		}
		return a
	}
	auto := begin("auto", qstore.OverdueAutosubmit)
	grace := begin("grace", qstore.OverdueGracePeriod)
	never := begin("never", qstore.OverdueNeverSubmit)
	untimed, _ := f.quiz(t, "untimed", nil, trueFalse("一", true))
	open, err := f.st.Start(ctx, untimed.ID, f.person(t, "u"), nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	start := f.clock.Now()

	if n, err := f.st.FinalizeOverdue(ctx, start.Add(59*time.Second)); err != nil || n != 0 {
		t.Fatalf("FinalizeOverdue before the deadline = %d, %v; want 0", n, err)
	}
	// Two instances sweep at once: every attempt is finalized once.
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i, st := range []*qstore.Store{f.st, f.store(t)} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := st.FinalizeOverdue(ctx, start.Add(60*time.Second))
			if err != nil {
				t.Errorf("FinalizeOverdue: %v", err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != 2 {
		t.Fatalf("FinalizeOverdue at the deadline finalized %v, want 2 in all (autosubmit, neversubmit)", counts)
	}
	f.clock.Add(60 * time.Second)
	check := func(a *qstore.Attempt, state, grade string, finished time.Time) {
		t.Helper()
		got, err := f.st.Attempt(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != state || fmtGrade(got.GradePercent) != grade {
			t.Fatalf("attempt %d: state %s, grade %s; want %s, %s", a.ID, got.State, fmtGrade(got.GradePercent), state, grade)
		}
		if !finished.IsZero() && (got.FinishedAt == nil || !got.FinishedAt.Equal(finished) || got.SubmittedAt != nil) {
			t.Fatalf("attempt %d: finished %v, submitted %v; want finished at %v by the server", a.ID, got.FinishedAt, got.SubmittedAt, finished)
		}
	}
	check(auto, qstore.StateFinished, "50.0000", start.Add(60*time.Second))
	check(never, qstore.StateAbandoned, "nil", start.Add(60*time.Second))
	check(grace, qstore.StateOverdue, "nil", time.Time{})
	// In its grace period the attempt still takes answers.
	f.clock.Add(29 * time.Second)
	if _, err := f.st.SaveAnswer(ctx, grace.ID, 2, quizzes.Response{Bool: boolp(true)}); err != nil {
		t.Fatalf("SaveAnswer in the grace period: %v", err)
	}
	if n, err := f.st.FinalizeOverdue(ctx, start.Add(90*time.Second)); err != nil || n != 1 {
		t.Fatalf("FinalizeOverdue after the grace = %d, %v; want 1", n, err)
	}
	check(grace, qstore.StateFinished, "100.0000", start.Add(90*time.Second))
	check(open, qstore.StateInProgress, "nil", time.Time{})
	if _, err := f.st.Submit(ctx, never.ID, "late"); !errors.Is(err, qstore.ErrAttemptClosed) {
		t.Fatalf("Submit of an abandoned attempt = %v, want ErrAttemptClosed", err)
	}
}

func TestLateSubmit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, tt := range []struct {
		handling string
		want     error
	}{
		{qstore.OverdueAutosubmit, nil},
		{qstore.OverdueNeverSubmit, qstore.ErrDeadlinePassed},
	} {
		qz, _ := f.quiz(t, tt.handling, func(q *qstore.Quiz) { q.TimeLimitSeconds, q.OverdueHandling = 60, tt.handling },
			trueFalse("一", true))
		a, err := f.st.Start(ctx, qz.ID, f.person(t, tt.handling), nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Add(2 * time.Minute)
		got, err := f.st.Submit(ctx, a.ID, "late")
		if !errors.Is(err, tt.want) {
			t.Fatalf("%s: late Submit = %v, want %v", tt.handling, err, tt.want)
		}
		if tt.want == nil && (got.State != qstore.StateFinished || got.SubmittedAt != nil) {
			t.Fatalf("%s: late Submit = %s (submitted %v), want finished by the server", tt.handling, got.State, got.SubmittedAt)
		}
	}
}

// TestSaveAnswerRacingSubmit saves answers while the attempt is submitted:
// every answer acknowledged is one the grade saw, and none is acknowledged
// after it.
func TestSaveAnswerRacingSubmit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	short := quizzes.Question{Type: quizzes.ShortAnswer, Name: "填空", Text: "填 A", Answers: []quizzes.Answer{{Text: "A", Fraction: 1}}}
	qz, _ := f.quiz(t, "m1", nil, short)
	st2 := f.store(t)
	for round := range 5 {
		a, err := f.st.Start(ctx, qz.ID, f.person(t, fmt.Sprint("p", round)), nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		acked := 0
		var wg sync.WaitGroup
		for g := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st := []*qstore.Store{f.st, st2}[g%2]
				for i := 0; ; i++ {
					text := []string{"A", "B"}[(g+i)%2]
					_, err := st.SaveAnswer(ctx, a.ID, 1, quizzes.Response{Text: text})
					if errors.Is(err, qstore.ErrAttemptClosed) {
						return
					}
					if err != nil {
						t.Errorf("SaveAnswer: %v", err)
						return
					}
					mu.Lock()
					acked++
					mu.Unlock()
				}
			}()
		}
		for {
			mu.Lock()
			n := acked
			mu.Unlock()
			if n >= 20 {
				break
			}
			runtimeGosched()
		}
		done, err := st2.Submit(ctx, a.ID, "k")
		if err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		var resp string
		var fraction float64
		if err := f.db.NewSelect().Table("attempt_questions").Column("response", "fraction").Where("attempt_id = ?", a.ID).
			Scan(ctx, &resp, &fraction); err != nil {
			t.Fatal(err)
		}
		want := 0.0
		if strings.Contains(resp, `"A"`) {
			want = 1
		}
		if fraction != want || fmtGrade(done.GradePercent) != fmtGrade(&[]float64{want * 100}[0]) {
			t.Fatalf("round %d: stored response %s graded %v (attempt %s): an answer was saved after grading", round, resp, fraction, fmtGrade(done.GradePercent))
		}
	}
}

// TestStartPlanOvertakenByEdit: the questions of an attempt are drawn
// before its write transaction; an in-place edit of a drawn, still unused
// question that lands in between is seen, and the attempt shows the
// edited text — never the planned one with a shuffle of the old answers.
func TestStartPlanOvertakenByEdit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	qz, bank := f.quiz(t, "m1", func(q *qstore.Quiz) { q.ShuffleAnswers = true }, single("原题"))
	who := f.person(t, "001")
	q := bank[0].Question
	q.Text = "开考前改过的题干"
	q.Answers = append(q.Answers, quizzes.Answer{Text: "新增的错误项", Fraction: 0})
	id, err := f.st.StartWithPause(ctx, qz.ID, who, nil, 7, func() {
		b, err := f.st.UpdateQuestion(ctx, bank[0].ID, q, trainer)
		if err != nil || b.VersionID != bank[0].VersionID {
			t.Errorf("edit of an unused version: %v, version id %d (want %d, in place)", err, b.VersionID, bank[0].VersionID)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.st.Attempt(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	p := a.Questions[0].Presented
	if p.Text != q.Text || len(p.Choices) != 4 {
		t.Fatalf("attempt shows %q with %d choices, want the edited %q with 4", p.Text, len(p.Choices), q.Text)
	}
	// Without an edit in between the plan is used as it is: the same seed
	// gives the same attempt as Start.
	who2 := f.person(t, "002")
	id2, err := f.st.StartWithPause(ctx, qz.ID, who2, nil, 7, func() {})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.st.Attempt(ctx, id2)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustJSON(t, b.Questions[0].Presented), mustJSON(t, p); got != want {
		t.Errorf("same seed, another person: %s, want %s", got, want)
	}
}
