package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/quizzes"
)

func (a *App) moduleByCode(ctx context.Context, centerID int64, code string) (*training.Module, error) {
	if centerID == 0 {
		c, err := a.staff.DefaultCenter(ctx)
		if err != nil {
			return nil, err
		}
		centerID = c.ID
	}
	m, err := a.training.ModuleByCode(ctx, centerID, code)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid("module", "no module %q", code)
	}
	return m, err
}

// ImportQuestions stores questions in the bank and adds them to the module's
// quiz (created with default settings if it has none), in one transaction.
func (a *App) ImportQuestions(ctx context.Context, centerID int64, moduleCode string, qs []quizzes.Question, by Actor) (int, error) {
	m, err := a.moduleByCode(ctx, centerID, moduleCode)
	if err != nil {
		return 0, err
	}
	if len(qs) == 0 {
		return 0, invalid("file", "no questions")
	}
	q, err := a.ensureQuiz(ctx, m)
	if err != nil {
		return 0, err
	}
	for i := range qs {
		if qs[i].Category == "" {
			qs[i].Category = m.Code
		}
	}
	added, err := a.quizzes.ImportIntoQuiz(ctx, q, qs, 0)
	if err != nil {
		return 0, err
	}
	cid := m.CenterID
	if err := a.audit.Record(ctx, nil, audit.Entry{CenterID: &cid, Actor: by.Name, IP: by.IP, Action: "quiz.import",
		Target: "module:" + m.Code, Detail: fmt.Sprintf("questions=%d", len(added))}); err != nil {
		return 0, err
	}
	return len(added), nil
}

// QuizQuestions returns the current content of the fixed questions of a
// module's quiz, for GIFT export.
func (a *App) QuizQuestions(ctx context.Context, centerID int64, moduleCode string) ([]quizzes.Question, error) {
	m, err := a.moduleByCode(ctx, centerID, moduleCode)
	if err != nil {
		return nil, err
	}
	q, err := a.quizzes.QuizForModule(ctx, m.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid("module", "module %q has no quiz", moduleCode)
	} else if err != nil {
		return nil, err
	}
	bqs, err := a.quizzes.QuizQuestions(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	out := make([]quizzes.Question, 0, len(bqs))
	for _, bq := range bqs {
		out = append(out, bq.Question)
	}
	return out, nil
}
