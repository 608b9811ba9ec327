package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kaoping/kaoping/quizzes"
	qstore "github.com/kaoping/kaoping/quizzes/store"
)

// shortQuiz is a quiz of n short-answer questions, so that every save can
// carry its own text.
func shortQuiz(t *testing.T, f *fixture, code string, n int) *qstore.Quiz {
	t.Helper()
	qs := make([]quizzes.Question, n)
	for i := range qs {
		qs[i] = quizzes.Question{Type: quizzes.ShortAnswer, Name: fmt.Sprint("填空", i), Text: "填 A", Answers: []quizzes.Answer{{Text: "A", Fraction: 1}}}
	}
	qz, _ := f.quiz(t, code, func(q *qstore.Quiz) { q.TimeLimitSeconds = 3600 }, qs...)
	return qz
}

// storedTexts reads the saved text answers of an attempt by position.
func storedTexts(t *testing.T, f *fixture, attemptID int64) map[int]string {
	t.Helper()
	var rows []struct {
		Position int
		Response string
	}
	if err := f.db.NewSelect().Table("attempt_questions").Column("position", "response").
		Where("attempt_id = ?", attemptID).Scan(context.Background(), &rows); err != nil {
		t.Fatal(err)
	}
	out := make(map[int]string, len(rows))
	for _, r := range rows {
		if r.Response != "" {
			out[r.Position] = r.Response
		}
	}
	return out
}

// TestSaveAnswerConcurrentSavesAllPersisted has many takers save at once,
// through two instances, so that saves share commits: every acknowledged
// save is stored, and each taker's sequential saves of one position end
// with the last one (last write wins, in order).
func TestSaveAnswerConcurrentSavesAllPersisted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	const takers, positions, rounds = 48, 3, 8
	qz := shortQuiz(t, f, "m1", positions)
	// One committer, several, and the default of another instance.
	stores := []*qstore.Store{
		qstore.New(f.db, f.clock.Now, qstore.Options{SaveCommitters: 1}),
		qstore.New(f.db, f.clock.Now, qstore.Options{SaveCommitters: 4}),
		f.store(t),
	}
	ids := make([]int64, takers)
	for i := range ids {
		a, err := f.st.Start(ctx, qz.ID, f.person(t, fmt.Sprint("p", i)), nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = a.ID
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := stores[i%len(stores)]
			for r := range rounds {
				for pos := 1; pos <= positions; pos++ {
					if _, err := st.SaveAnswer(ctx, id, pos, quizzes.Response{Text: fmt.Sprintf("t%d-r%d-p%d", i, r, pos)}); err != nil {
						t.Errorf("taker %d SaveAnswer(%d): %v", i, pos, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for i, id := range ids {
		got := storedTexts(t, f, id)
		for pos := 1; pos <= positions; pos++ {
			want := mustJSON(t, quizzes.Response{Text: fmt.Sprintf("t%d-r%d-p%d", i, rounds-1, pos)})
			if got[pos] != want {
				t.Errorf("taker %d position %d: stored %s, want %s", i, pos, got[pos], want)
			}
		}
	}
}

// TestSaveAnswerBatchRefusesOnlyItsOwnRow saves at once to open attempts,
// to a submitted one and to one whose deadline has passed (changed behind
// the instance's cache, so the refusal comes from the row check inside the
// shared commit): the refused callers get their own error, the others are
// saved.
func TestSaveAnswerBatchRefusesOnlyItsOwnRow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	qz := shortQuiz(t, f, "m1", 2)
	st := qstore.New(f.db, f.clock.Now, qstore.Options{SaveCommitters: 1})
	start := func(no string) int64 {
		a, err := st.Start(ctx, qz.ID, f.person(t, no), nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		// Warm the instance's cache of the attempt, as a taker's first save does.
		if _, err := st.SaveAnswer(ctx, a.ID, 1, quizzes.Response{Text: "first"}); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	closed, late := start("closed"), start("late")
	open := make([]int64, 16)
	for i := range open {
		open[i] = start(fmt.Sprint("open", i))
	}
	if _, err := st.Submit(ctx, closed, "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.NewUpdate().Table("attempts").Set("closes_at = ?", f.clock.Now().Add(-time.Second)).
		Where("id = ?", late).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	const rounds = 10
	var wg sync.WaitGroup
	save := func(id int64, want error) {
		defer wg.Done()
		for r := range rounds {
			_, err := st.SaveAnswer(ctx, id, 2, quizzes.Response{Text: fmt.Sprint("r", r)})
			switch {
			case want == nil && err != nil:
				t.Errorf("attempt %d: SaveAnswer = %v, want saved", id, err)
				return
			case want != nil && !errors.Is(err, want):
				t.Errorf("attempt %d: SaveAnswer = %v, want %v", id, err, want)
				return
			}
		}
	}
	for _, id := range open {
		wg.Add(1)
		go save(id, nil)
	}
	wg.Add(2)
	go save(closed, qstore.ErrAttemptClosed)
	go save(late, qstore.ErrDeadlinePassed)
	wg.Wait()
	want := mustJSON(t, quizzes.Response{Text: fmt.Sprint("r", rounds-1)})
	for _, id := range open {
		if got := storedTexts(t, f, id)[2]; got != want {
			t.Errorf("attempt %d: stored %s, want %s", id, got, want)
		}
	}
	for _, id := range []int64{closed, late} {
		if got, ok := storedTexts(t, f, id)[2]; ok {
			t.Errorf("refused attempt %d: stored %s, want nothing", id, got)
		}
	}
}
