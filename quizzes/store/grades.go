package store

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/quizzes"
)

// MaxGraderComment bounds a grader's comment, in characters.
const MaxGraderComment = 10000

// passEpsilon absorbs float rounding when a grade is compared with the pass
// mark: 3 × 33.333… % passes at 100 %.
const passEpsilon = 1e-9

// percent is sum/max in percent, rounded to 1e-6 so that equal marks give
// equal grades on both databases; 0 when nothing could be earned.
func percent(sum, max float64) float64 {
	if max <= 0 {
		return 0
	}
	return math.Round(sum/max*100*1e6) / 1e6
}

func passes(grade *float64, passPercent float64) bool {
	return grade != nil && *grade+passEpsilon >= passPercent
}

// gradedAttempt is a finished attempt as the grading methods see it.
type gradedAttempt struct {
	ID           int64    `bun:"id"`
	Number       int      `bun:"number"`
	GradePercent *float64 `bun:"grade_percent"`
}

// combine applies a grading method to finished attempts in number order.
// Highest and average use the fully graded attempts; first and last take
// that attempt, whose grade is nil while an essay of it waits — as Moodle
// does.
func combine(method string, as []gradedAttempt) *float64 {
	if len(as) == 0 {
		return nil
	}
	switch method {
	case GradeFirst:
		return as[0].GradePercent
	case GradeLast:
		return as[len(as)-1].GradePercent
	}
	var best, sum float64
	n := 0
	for _, a := range as {
		if a.GradePercent == nil {
			continue
		}
		if n == 0 || *a.GradePercent > best {
			best = *a.GradePercent
		}
		sum += *a.GradePercent
		n++
	}
	if n == 0 {
		return nil
	}
	if method == GradeAverage {
		avg := math.Round(sum/float64(n)*1e6) / 1e6
		return &avg
	}
	return &best
}

// finished lists the finished attempts selected by q (on attempts AS a).
func finished(ctx context.Context, q *bun.SelectQuery) ([]gradedAttempt, error) {
	var out []gradedAttempt
	if err := q.Column("a.id", "a.number", "a.grade_percent").Where("a.state = ?", StateFinished).
		OrderExpr("a.number, a.id").Scan(ctx, &out); err != nil {
		return nil, wrap(err, "list finished attempts")
	}
	return out, nil
}

// QuizGrade is a person's grade at a quiz over all their finished attempts
// (with and without enrolment), per the quiz's grading method, and whether
// it reaches the pass mark. The grade is nil while no attempt counts (none
// finished, or the one that counts waits for an essay grade). The training
// gate counts one enrolment's attempts only: see EnrolmentGrade.
func (s *Store) QuizGrade(ctx context.Context, quizID, staffID int64) (grade *float64, passed bool, err error) {
	qz := new(quizRow)
	if err := s.db.NewSelect().Model(qz).Where("qz.id = ?", quizID).Scan(ctx); err != nil {
		return nil, false, notFound(err, "quiz %d", quizID)
	}
	as, err := finished(ctx, s.db.NewSelect().Model((*attemptRow)(nil)).Where("a.quiz_id = ?", quizID).Where("a.staff_id = ?", staffID))
	if err != nil {
		return nil, false, err
	}
	grade = combine(qz.GradingMethod, as)
	return grade, passes(grade, qz.PassPercent), nil
}

// EnrolmentGrade is the grade of the attempts made under one enrolment at
// its module's quiz, per the grading method, and whether it passes. A
// module without a quiz is store.ErrNotFound.
func (s *Store) EnrolmentGrade(ctx context.Context, enrolmentID int64) (grade *float64, passed bool, err error) {
	return enrolmentGrade(ctx, s.db, enrolmentID)
}

func enrolmentGrade(ctx context.Context, db bun.IDB, enrolmentID int64) (*float64, bool, error) {
	var staffID, moduleID int64
	if err := db.NewSelect().Table("enrolments").Column("staff_id", "module_id").Where("id = ?", enrolmentID).
		Scan(ctx, &staffID, &moduleID); err != nil {
		return nil, false, notFound(err, "enrolment %d", enrolmentID)
	}
	qz := new(quizRow)
	if err := db.NewSelect().Model(qz).Where("qz.module_id = ?", moduleID).Scan(ctx); err != nil {
		return nil, false, notFound(err, "quiz of module %d", moduleID)
	}
	as, err := finished(ctx, seriesQuery(db.NewSelect().Model((*attemptRow)(nil)), qz.ID, staffID, &enrolmentID))
	if err != nil {
		return nil, false, err
	}
	grade := combine(qz.GradingMethod, as)
	return grade, passes(grade, qz.PassPercent), nil
}

// enrolmentPassed reports whether the enrolment of attempt a has its quiz
// passed, as seen inside tx (false for an attempt without enrolment).
func (s *Store) enrolmentPassed(ctx context.Context, tx bun.Tx, a *attemptRow) (bool, error) {
	if a.EnrolmentID == nil {
		return false, nil
	}
	_, passed, err := enrolmentGrade(ctx, tx, *a.EnrolmentID)
	return passed, err
}

// PendingEssay is an essay answer waiting for a grader.
type PendingEssay struct {
	AttemptQuestionID int64            `json:"attempt_question_id"` // what GradeEssay takes
	AttemptID         int64            `json:"attempt_id"`
	AttemptNumber     int              `json:"attempt_number"`
	QuizID            int64            `json:"quiz_id"`
	QuizTitle         string           `json:"quiz_title"`
	ModuleID          int64            `json:"module_id"`
	StaffID           int64            `json:"staff_id"`
	StaffNo           string           `json:"staff_no"`
	StaffName         string           `json:"staff_name"`
	Position          int              `json:"position"`
	MaxMark           float64          `json:"max_mark"`
	Question          quizzes.Question `json:"question"` // the version the person answered, with its rubric
	Answer            string           `json:"answer"`
	FinishedAt        time.Time        `json:"finished_at"`
}

// GradingQueue lists the essays of finished attempts in the center that wait
// for a grader, oldest attempt first. staffIDs restricts it to a team lead's
// people; nil means everybody, an empty slice nobody.
func (s *Store) GradingQueue(ctx context.Context, centerID int64, staffIDs []int64) ([]PendingEssay, error) {
	if staffIDs != nil && len(staffIDs) == 0 {
		return nil, nil
	}
	base := func() *bun.SelectQuery {
		return s.db.NewSelect().TableExpr("attempt_questions AS aq").
			Join("JOIN attempts AS a ON a.id = aq.attempt_id").
			Join("JOIN quizzes AS qz ON qz.id = a.quiz_id").
			Join("JOIN staff AS st ON st.id = a.staff_id").
			Join("JOIN question_versions AS qv ON qv.id = aq.question_version_id").
			ColumnExpr("aq.id AS attempt_question_id, aq.attempt_id, a.number AS attempt_number, a.quiz_id, qz.title AS quiz_title").
			ColumnExpr("qz.module_id, a.staff_id, st.staff_no, st.name AS staff_name, aq.position, aq.max_mark").
			ColumnExpr("qv.id AS version_id, qv.content, aq.response, a.finished_at").
			Where("a.center_id = ?", centerID).Where("a.needs_grading = ?", true).Where("a.state = ?", StateFinished).
			Where("aq.needs_manual = ?", true).Where("aq.graded_at IS NULL")
	}
	type row struct {
		AttemptQuestionID int64
		AttemptID         int64
		AttemptNumber     int
		QuizID            int64
		QuizTitle         string
		ModuleID          int64
		StaffID           int64
		StaffNo           string
		StaffName         string
		Position          int
		MaxMark           float64
		VersionID         int64
		Content           string
		Response          string
		FinishedAt        time.Time
	}
	var rows []row
	if staffIDs == nil {
		if err := base().Scan(ctx, &rows); err != nil {
			return nil, wrap(err, "list the grading queue")
		}
	}
	for _, ch := range chunks(staffIDs) {
		var part []row
		if err := base().Where("a.staff_id IN (?)", bun.List(ch)).Scan(ctx, &part); err != nil {
			return nil, wrap(err, "list the grading queue")
		}
		rows = append(rows, part...)
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !a.FinishedAt.Equal(b.FinishedAt) {
			return a.FinishedAt.Before(b.FinishedAt)
		}
		if a.AttemptID != b.AttemptID {
			return a.AttemptID < b.AttemptID
		}
		return a.Position < b.Position
	})
	out := make([]PendingEssay, len(rows))
	for i, r := range rows {
		q, err := decodeQuestion(r.VersionID, r.Content)
		if err != nil {
			return nil, err
		}
		resp, err := decodeResponse(r.Response)
		if err != nil {
			return nil, err
		}
		out[i] = PendingEssay{AttemptQuestionID: r.AttemptQuestionID, AttemptID: r.AttemptID, AttemptNumber: r.AttemptNumber,
			QuizID: r.QuizID, QuizTitle: r.QuizTitle, ModuleID: r.ModuleID, StaffID: r.StaffID, StaffNo: r.StaffNo,
			StaffName: r.StaffName, Position: r.Position, MaxMark: r.MaxMark, Question: *q, FinishedAt: r.FinishedAt}
		if resp != nil {
			out[i].Answer = resp.Text
		}
	}
	return out, nil
}

// GradeEssay records a grader's fraction (0..1) and comment for a manually
// graded question of a finished attempt (ErrNotFinished otherwise); grading
// it again replaces the grade. When no essay of the attempt is left
// waiting, the attempt gets its grade; if that makes the enrolment's quiz
// passed, Options.OnPassed is called after the commit.
func (s *Store) GradeEssay(ctx context.Context, attemptQuestionID int64, fraction float64, comment string, graderID int64) error {
	if math.IsNaN(fraction) || fraction < 0 || fraction > 1 {
		return invalidf("fraction", "want 0 to 1, got %v", fraction)
	}
	if n := utf8.RuneCountInString(comment); n > MaxGraderComment {
		return invalidf("comment", "%d characters, at most %d", n, MaxGraderComment)
	}
	now := s.clock()
	var out outcome
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		out = outcome{}
		aq := new(attemptQuestionRow)
		if err := tx.NewSelect().Model(aq).Where("aq.id = ?", attemptQuestionID).Scan(ctx); err != nil {
			return notFound(err, "attempt question %d", attemptQuestionID)
		}
		// Lock the attempt (PostgreSQL: row lock by the update) so that two
		// graders finishing the last essays of one attempt see each other.
		if _, err := tx.NewUpdate().Model((*attemptRow)(nil)).Set("updated_at = ?", now).Where("id = ?", aq.AttemptID).Exec(ctx); err != nil {
			return wrap(err, "lock attempt %d", aq.AttemptID)
		}
		a := new(attemptRow)
		if err := tx.NewSelect().Model(a).Where("a.id = ?", aq.AttemptID).Scan(ctx); err != nil {
			return notFound(err, "attempt %d", aq.AttemptID)
		}
		if a.State != StateFinished {
			return fmt.Errorf("quizzes: attempt %d is %s: %w", a.ID, a.State, ErrNotFinished)
		}
		if !aq.NeedsManual {
			return invalidf("attempt_question_id", "question %d of attempt %d is graded automatically", aq.Position, a.ID)
		}
		before, err := s.enrolmentPassed(ctx, tx, a)
		if err != nil {
			return err
		}
		mark := fraction * aq.MaxMark
		if _, err := tx.NewUpdate().Model((*attemptQuestionRow)(nil)).Set("fraction = ?", fraction).Set("mark = ?", mark).
			Set("grader_id = ?", graderID).Set("grader_comment = ?", comment).Set("graded_at = ?", now).
			Where("id = ?", aq.ID).Exec(ctx); err != nil {
			return wrap(err, "grade question %d of attempt %d", aq.Position, a.ID)
		}
		var sum float64
		var waiting int
		if err := tx.NewSelect().Model((*attemptQuestionRow)(nil)).
			ColumnExpr("COALESCE(SUM(aq.mark), 0)").
			ColumnExpr("COALESCE(SUM(CASE WHEN aq.needs_manual = ? AND aq.graded_at IS NULL THEN 1 ELSE 0 END), 0)", true).
			Where("aq.attempt_id = ?", a.ID).Scan(ctx, &sum, &waiting); err != nil {
			return wrap(err, "sum marks of attempt %d", a.ID)
		}
		var grade *float64
		if waiting == 0 {
			g := percent(sum, a.MaxMarks)
			grade = &g
		}
		if _, err := tx.NewUpdate().Model((*attemptRow)(nil)).Set("sum_marks = ?", sum).Set("grade_percent = ?", grade).
			Set("needs_grading = ?", waiting > 0).Where("id = ?", a.ID).Exec(ctx); err != nil {
			return wrap(err, "grade attempt %d", a.ID)
		}
		after, err := s.enrolmentPassed(ctx, tx, a)
		if err != nil {
			return err
		}
		if !before && after {
			out.passed = a.EnrolmentID
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.afterCommit(ctx, out)
}
