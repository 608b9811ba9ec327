package store

import (
	"context"
	"math"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/quizzes"
)

type analysisAttempt struct {
	ID           int64
	StaffID      int64
	StartedAt    time.Time
	GradePercent float64
}

type analysisMark struct {
	AttemptID  int64
	Position   int
	QuestionID int64
	Name       string
	MaxMark    float64
	Mark       *float64
}

// ItemAnalysis computes the statistics of a quiz (quizzes.ComputeStats) over
// its finished, fully graded attempts, one per person chosen by pick
// (first by default, as Moodle) or all of them. Columns are questions (all
// versions of a question together), in order of first appearance; a
// question an attempt did not draw (random slots) counts as not attempted.
// staffIDs, when not nil, restricts the analysis to those people (a team
// lead's team). It returns the statistics and the column names.
func (s *Store) ItemAnalysis(ctx context.Context, quizID int64, pick quizzes.AttemptPick, staffIDs []int64) (quizzes.QuizStats, []string, error) {
	var attempts []analysisAttempt
	q := s.db.NewSelect().TableExpr("attempts AS a").
		Column("a.id", "a.staff_id", "a.started_at", "a.grade_percent").
		Where("a.quiz_id = ? AND a.state = ? AND a.grade_percent IS NOT NULL", quizID, StateFinished).
		OrderExpr("a.started_at, a.id")
	if staffIDs != nil {
		if len(staffIDs) == 0 {
			return quizzes.QuizStats{}, nil, nil
		}
		q = q.Where("a.staff_id IN (?)", bun.List(staffIDs))
	}
	err := q.Scan(ctx, &attempts)
	if err != nil {
		return quizzes.QuizStats{}, nil, wrap(err, "item analysis of quiz %d", quizID)
	}
	picked := quizzes.PickAttempts(attempts,
		func(a analysisAttempt) int64 { return a.StaffID },
		func(a analysisAttempt) time.Time { return a.StartedAt },
		func(a analysisAttempt) float64 { return a.GradePercent }, pick)
	if len(picked) == 0 {
		return quizzes.QuizStats{}, nil, nil
	}
	ids := make([]int64, len(picked))
	row := map[int64]int{}
	for i, a := range picked {
		ids[i], row[a.ID] = a.ID, i
	}
	var marks []analysisMark
	for _, chunk := range chunks(ids) {
		var part []analysisMark
		err := s.db.NewSelect().TableExpr("attempt_questions AS aq").
			Join("JOIN question_versions AS qv ON qv.id = aq.question_version_id").
			ColumnExpr("aq.attempt_id, aq.position, qv.question_id, qv.name, aq.max_mark, aq.mark").
			Where("aq.attempt_id IN (?)", bun.List(chunk)).
			OrderExpr("aq.attempt_id, aq.position").Scan(ctx, &part)
		if err != nil {
			return quizzes.QuizStats{}, nil, wrap(err, "item analysis of quiz %d", quizID)
		}
		marks = append(marks, part...)
	}
	col := map[int64]int{}
	var names []string
	var maxMarks []float64
	for _, m := range marks {
		c, ok := col[m.QuestionID]
		if !ok {
			c = len(names)
			col[m.QuestionID] = c
			names = append(names, m.Name)
			maxMarks = append(maxMarks, 0)
		}
		maxMarks[c] = math.Max(maxMarks[c], m.MaxMark)
	}
	grid := make([][]float64, len(picked))
	for i := range grid {
		grid[i] = make([]float64, len(names))
		for j := range grid[i] {
			grid[i][j] = math.NaN()
		}
	}
	for _, m := range marks {
		if m.Mark == nil || m.MaxMark <= 0 {
			continue
		}
		c := col[m.QuestionID]
		// Scale to the column's maximum when versions were worth different marks.
		grid[row[m.AttemptID]][c] = *m.Mark / m.MaxMark * maxMarks[c]
	}
	st, err := quizzes.ComputeStats(quizzes.StatsInput{MaxMarks: maxMarks, Marks: grid})
	return st, names, err
}
