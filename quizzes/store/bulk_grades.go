package store

import (
	"context"

	"github.com/uptrace/bun"
)

// EnrolmentResult is the quiz outcome of one enrolment, as scoring needs it.
type EnrolmentResult struct {
	HasQuiz   bool     // the enrolment's module has a quiz
	Attempted bool     // at least one attempt was started under the enrolment
	Attempts  int      // attempts started under the enrolment
	Grade     *float64 // per the quiz's grading method over the finished attempts; nil if none counts
	Passed    bool
}

// EnrolmentResults returns the quiz outcome of each of the enrolments, in
// three queries whatever their number: the quizzes of their modules, and
// every attempt made under them. Enrolments of modules without a quiz map
// to a zero EnrolmentResult.
func (s *Store) EnrolmentResults(ctx context.Context, enrolmentIDs []int64) (map[int64]EnrolmentResult, error) {
	out := make(map[int64]EnrolmentResult, len(enrolmentIDs))
	if len(enrolmentIDs) == 0 {
		return out, nil
	}
	type quizOf struct {
		EnrolmentID   int64   `bun:"enrolment_id"`
		QuizID        int64   `bun:"quiz_id"`
		GradingMethod string  `bun:"grading_method"`
		PassPercent   float64 `bun:"pass_percent"`
	}
	type attemptOf struct {
		EnrolmentID  int64    `bun:"enrolment_id"`
		QuizID       int64    `bun:"quiz_id"`
		Number       int      `bun:"number"`
		State        string   `bun:"state"`
		GradePercent *float64 `bun:"grade_percent"`
	}
	quizzes := make(map[int64]quizOf, len(enrolmentIDs))
	attempts := make(map[int64][]gradedAttempt)
	for lo := 0; lo < len(enrolmentIDs); lo += 5000 {
		ids := enrolmentIDs[lo:min(lo+5000, len(enrolmentIDs))]
		var qs []quizOf
		if err := s.db.NewSelect().TableExpr("enrolments AS e").
			Join("JOIN quizzes AS qz ON qz.module_id = e.module_id").
			ColumnExpr("e.id AS enrolment_id, qz.id AS quiz_id, qz.grading_method, qz.pass_percent").
			Where("e.id IN (?)", bun.List(ids)).Scan(ctx, &qs); err != nil {
			return nil, wrap(err, "quizzes of enrolments")
		}
		for _, q := range qs {
			quizzes[q.EnrolmentID] = q
		}
		var as []attemptOf
		if err := s.db.NewSelect().TableExpr("attempts AS a").
			ColumnExpr("a.enrolment_id, a.quiz_id, a.number, a.state, a.grade_percent").
			Where("a.enrolment_id IN (?)", bun.List(ids)).
			OrderExpr("a.enrolment_id, a.number, a.id").Scan(ctx, &as); err != nil {
			return nil, wrap(err, "attempts of enrolments")
		}
		for _, a := range as {
			q, ok := quizzes[a.EnrolmentID]
			if !ok || q.QuizID != a.QuizID {
				continue
			}
			r := out[a.EnrolmentID]
			r.Attempted = true
			r.Attempts++
			out[a.EnrolmentID] = r
			if a.State == StateFinished {
				attempts[a.EnrolmentID] = append(attempts[a.EnrolmentID], gradedAttempt{Number: a.Number, GradePercent: a.GradePercent})
			}
		}
	}
	for id, q := range quizzes {
		r := out[id]
		r.HasQuiz = true
		r.Grade = combine(q.GradingMethod, attempts[id])
		r.Passed = passes(r.Grade, q.PassPercent)
		out[id] = r
	}
	return out, nil
}
