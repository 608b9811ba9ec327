package store

import (
	"cmp"
	"context"
	"slices"

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

// QuizAttempt is an attempt at the quiz of an enrolment's module made under
// the enrolment, as ResultOf needs it.
type QuizAttempt struct {
	ID           int64
	Number       int
	Finished     bool // state finished
	GradePercent *float64
}

// ResultOf is the EnrolmentResult of an enrolment whose module has a quiz
// with the grading method and pass mark given, from the attempts at that
// quiz made under the enrolment, in any order (it sorts them).
//
// A caller that reads enrolments by the hundred thousand (the scores of a
// big center's period) joins the quizzes and attempts to its own query
// and calls ResultOf per enrolment: one pass, where EnrolmentResults would
// need the ids back in chunks.
func ResultOf(gradingMethod string, passPercent float64, attempts []QuizAttempt) EnrolmentResult {
	r := EnrolmentResult{HasQuiz: true, Attempted: len(attempts) > 0, Attempts: len(attempts)}
	var finished []gradedAttempt
	for _, a := range attempts {
		if a.Finished {
			finished = append(finished, gradedAttempt{ID: a.ID, Number: a.Number, GradePercent: a.GradePercent})
		}
	}
	// The grading methods read the finished attempts in number order.
	slices.SortFunc(finished, func(x, y gradedAttempt) int {
		return cmp.Or(cmp.Compare(x.Number, y.Number), cmp.Compare(x.ID, y.ID))
	})
	r.Grade = combine(gradingMethod, finished)
	r.Passed = passes(r.Grade, passPercent)
	return r
}

// EnrolmentResults returns the quiz outcome of each of the enrolments, in
// one query per 5,000 enrolments: their modules' quizzes joined with the
// attempts at them made under the enrolments. Enrolments of modules without
// a quiz map to a zero EnrolmentResult.
func (s *Store) EnrolmentResults(ctx context.Context, enrolmentIDs []int64) (map[int64]EnrolmentResult, error) {
	type row struct {
		EnrolmentID   int64    `bun:"enrolment_id"`
		GradingMethod string   `bun:"grading_method"`
		PassPercent   float64  `bun:"pass_percent"`
		AttemptID     *int64   `bun:"attempt_id"`
		Number        *int     `bun:"number"`
		State         *string  `bun:"state"`
		GradePercent  *float64 `bun:"grade_percent"`
	}
	out := make(map[int64]EnrolmentResult, len(enrolmentIDs))
	for lo := 0; lo < len(enrolmentIDs); lo += 5000 {
		ids := enrolmentIDs[lo:min(lo+5000, len(enrolmentIDs))]
		var rows []row
		if err := s.db.NewSelect().TableExpr("enrolments AS e").
			Join("JOIN quizzes AS qz ON qz.module_id = e.module_id").
			Join("LEFT JOIN attempts AS a ON a.enrolment_id = e.id AND a.quiz_id = qz.id").
			ColumnExpr("e.id AS enrolment_id, qz.grading_method, qz.pass_percent").
			ColumnExpr("a.id AS attempt_id, a.number, a.state, a.grade_percent").
			Where("e.id IN (?)", bun.List(ids)).OrderExpr("e.id").Scan(ctx, &rows); err != nil {
			return nil, wrap(err, "quiz outcomes of enrolments")
		}
		var attempts []QuizAttempt
		for i, r := range rows {
			if r.AttemptID != nil {
				attempts = append(attempts, QuizAttempt{ID: *r.AttemptID, Number: *r.Number, Finished: *r.State == StateFinished, GradePercent: r.GradePercent})
			}
			if i+1 == len(rows) || rows[i+1].EnrolmentID != r.EnrolmentID {
				out[r.EnrolmentID] = ResultOf(r.GradingMethod, r.PassPercent, attempts)
				attempts = attempts[:0]
			}
		}
	}
	return out, nil
}
