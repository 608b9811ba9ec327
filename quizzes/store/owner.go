package store

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/quizzes"
)

// EssayOwner returns the attempt and the person of an attempt question, so
// that the caller can authorize a grader for that person's team.
func (s *Store) EssayOwner(ctx context.Context, attemptQuestionID int64) (attemptID, staffID int64, err error) {
	var row struct {
		AttemptID int64
		StaffID   int64
	}
	err = s.db.NewSelect().TableExpr("attempt_questions AS aq").
		Join("JOIN attempts AS a ON a.id = aq.attempt_id").
		ColumnExpr("aq.attempt_id, a.staff_id").
		Where("aq.id = ?", attemptQuestionID).Scan(ctx, &row)
	if err != nil {
		return 0, 0, notFound(err, "attempt question %d", attemptQuestionID)
	}
	return row.AttemptID, row.StaffID, nil
}

// AttemptInfo is the small part of an attempt that authorization needs:
// whose it is, of which quiz and center. None of it changes once the
// attempt is started (whether the attempt is still open is for the write
// itself to check).
type AttemptInfo struct {
	ID       int64
	QuizID   int64
	StaffID  int64
	CenterID int64
}

const attemptInfoSQL = `SELECT a.id, a.quiz_id, a.staff_id, a.center_id FROM attempts AS a WHERE a.id = ?`

// AttemptInfo reads an attempt's owner without its questions. It is the
// owner check of every autosave, so it is cached in process (the fields never
// change and attempts are never deleted).
func (s *Store) AttemptInfo(ctx context.Context, id int64) (*AttemptInfo, error) {
	if in, ok := s.infos.get(id); ok {
		return &in, nil
	}
	var out []AttemptInfo
	if err := s.infoStmt.Scan(ctx, &out, id); err != nil {
		return nil, wrap(err, "attempt %d", id)
	}
	if len(out) == 0 {
		return nil, notFound(sql.ErrNoRows, "attempt %d", id)
	}
	s.infos.put(out[0].ID, out[0])
	return &out[0], nil
}

// ImportIntoQuiz stores questions in the bank and appends each as a fixed
// slot of the quiz, in one transaction: a failure leaves neither.
func (s *Store) ImportIntoQuiz(ctx context.Context, quiz *Quiz, qs []quizzes.Question, by int64) ([]BankQuestion, error) {
	tags, err := checkQuestions(qs)
	if err != nil {
		return nil, err
	}
	var added []BankQuestion
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if added, err = s.addQuestions(ctx, tx, quiz.CenterID, qs, tags, by); err != nil {
			return err
		}
		slots, err := loadSlots(ctx, tx, quiz.ID)
		if err != nil {
			return err
		}
		for _, bq := range added {
			slots = append(slots, Slot{Kind: SlotFixed, QuestionID: bq.ID, Count: 1})
		}
		return s.setSlots(ctx, tx, quiz.ID, slots)
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}
