package store

import (
	"context"

	"github.com/kaoping/kaoping/quizzes"
)

// AttemptReview is what the taker may see of an attempt: the questions as
// shown and the answers, plus — once the attempt is finished and the quiz's
// review options allow it — marks, right answers and feedback. Each Show
// flag says whether that part is filled.
type AttemptReview struct {
	Attempt          Attempt          `json:"attempt"` // without questions; marks only when ShowMarks
	ShowMarks        bool             `json:"show_marks"`
	ShowRightAnswers bool             `json:"show_right_answers"`
	ShowFeedback     bool             `json:"show_feedback"`
	Questions        []QuestionReview `json:"questions"`
}

// QuestionReview is one question of an AttemptReview.
type QuestionReview struct {
	Position  int               `json:"position"`
	MaxMark   float64           `json:"max_mark"`
	Presented quizzes.Presented `json:"presented"`
	Response  *quizzes.Response `json:"response,omitempty"` // shown positions, as in AttemptQuestion
	// ShowMarks: the mark earned; nil while a grader has not graded it
	// (Pending).
	Mark    *float64 `json:"mark,omitempty"`
	Pending bool     `json:"pending,omitempty"`
	// ShowRightAnswers: the key in words (quizzes.Review.RightAnswer).
	RightAnswer string `json:"right_answer,omitempty"`
	// ShowFeedback: feedback of the chosen answers, the question's general
	// feedback and the grader's comment.
	Feedback        []string `json:"feedback,omitempty"`
	GeneralFeedback string   `json:"general_feedback,omitempty"`
	GraderComment   string   `json:"grader_comment,omitempty"`
}

// Review returns the taker's review of an attempt. Before the attempt is
// finished it holds nothing of the key. After, the quiz's review options
// decide: ReviewWhen (immediately; after_close: once the attempt's deadline
// has passed, at once for an untimed quiz; never) and then ReviewMarks,
// ReviewRightAnswers and ReviewFeedback.
func (s *Store) Review(ctx context.Context, attemptID int64) (*AttemptReview, error) {
	a, err := s.Attempt(ctx, attemptID)
	if err != nil {
		return nil, err
	}
	qz := new(quizRow)
	if err := s.db.NewSelect().Model(qz).Where("qz.id = ?", a.QuizID).Scan(ctx); err != nil {
		return nil, notFound(err, "quiz %d", a.QuizID)
	}
	open := a.State == StateFinished
	switch qz.ReviewWhen {
	case ReviewNever:
		open = false
	case ReviewAfterClose:
		open = open && (a.DeadlineAt == nil || !s.clock().Before(*a.DeadlineAt))
	}
	rv := &AttemptReview{
		ShowMarks:        open && qz.ReviewMarks,
		ShowRightAnswers: open && qz.ReviewRightAnswers,
		ShowFeedback:     open && qz.ReviewFeedback,
	}
	rv.Attempt = *a
	rv.Attempt.Questions = nil
	if !rv.ShowMarks {
		rv.Attempt.SumMarks, rv.Attempt.GradePercent = 0, nil
	}
	rv.Questions = make([]QuestionReview, len(a.Questions))
	for i, aq := range a.Questions {
		rv.Questions[i] = QuestionReview{Position: aq.Position, MaxMark: aq.MaxMark, Presented: aq.Presented, Response: aq.Response}
	}
	if !open || !(rv.ShowMarks || rv.ShowRightAnswers || rv.ShowFeedback) {
		return rv, nil
	}
	p, err := s.pinnedOf(ctx, s.db, attemptID)
	if err != nil {
		return nil, err
	}
	var rows []attemptQuestionRow
	if err := s.db.NewSelect().Model(&rows).Where("aq.attempt_id = ?", attemptID).OrderExpr("aq.position").Scan(ctx); err != nil {
		return nil, wrap(err, "load answers of attempt %d", attemptID)
	}
	for _, row := range rows {
		pq, err := p.question(row.Position)
		if err != nil {
			return nil, err
		}
		resp, err := decodeResponse(row.Response)
		if err != nil {
			return nil, err
		}
		if resp == nil {
			resp = &quizzes.Response{}
		}
		full := quizzes.ReviewOf(pq.q, *resp)
		qr := &rv.Questions[row.Position-1]
		if rv.ShowMarks {
			qr.Mark = row.Mark
			qr.Pending = row.NeedsManual && row.GradedAt == nil
		}
		if rv.ShowRightAnswers {
			qr.RightAnswer = full.RightAnswer
		}
		if rv.ShowFeedback {
			qr.Feedback, qr.GeneralFeedback, qr.GraderComment = full.Feedback, full.GeneralFeedback, row.GraderComment
		}
	}
	return rv, nil
}
