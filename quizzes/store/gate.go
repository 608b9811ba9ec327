package store

import (
	"context"
	"errors"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// Gate answers training's quiz gate (training.QuizGate): an enrolment in
// a module whose quiz has questions completes only once that quiz is
// passed. Both methods only read, so training may call them inside its
// own transaction.
type Gate struct {
	s *Store
}

// Gate returns the store's quiz gate, for training.Options.Quiz.
func (s *Store) Gate() Gate {
	return Gate{s: s}
}

// HasQuiz reports whether the module of a module version has a quiz with
// at least one slot.
func (g Gate) HasQuiz(ctx context.Context, db bun.IDB, versionID int64) (bool, error) {
	if db == nil {
		db = g.s.db
	}
	ok, err := db.NewSelect().TableExpr("quizzes AS qz").
		Join("JOIN module_versions AS mv ON mv.module_id = qz.module_id").
		Where("mv.id = ?", versionID).
		Where("EXISTS (SELECT 1 FROM quiz_slots AS qs WHERE qs.quiz_id = qz.id)").
		Exists(ctx)
	if err != nil {
		return false, wrap(err, "find quiz of module version %d", versionID)
	}
	return ok, nil
}

// Passed reports whether the attempts made under the enrolment pass its
// module's quiz (EnrolmentGrade). Attempts of other enrolments do not
// count: a re-certification has to pass the quiz again.
func (g Gate) Passed(ctx context.Context, db bun.IDB, enrolmentID int64) (bool, error) {
	if db == nil {
		db = g.s.db
	}
	_, passed, err := enrolmentGrade(ctx, db, enrolmentID)
	if errors.Is(err, store.ErrNotFound) {
		// No enrolment or no quiz: nothing passed.
		return false, nil
	}
	return passed, err
}
