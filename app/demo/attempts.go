package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/quizzes"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
)

// seedAttempts lets some of the people take the quizzes of their enrolments
// through the quiz store, as the attempt pages would: start, save an
// answer per question, submit; then the essays get a grade.
func seedAttempts(ctx context.Context, a *app.App, centerID int64) error {
	// The takers have read every lesson (seedTraining), with how many
	// questions each leaves unanswered in the first attempt (0: full
	// marks). Someone who fails tries again with everything answered.
	// Essays are graded by the team lead, or by HR when the lead is the
	// taker. So the scores show competence from real attempts: grades
	// below 100, a failed first attempt, a re-take.
	takers := []struct {
		staffNo string
		blank   int
	}{
		{"W001", 0}, {"W003", 2}, {"O001", 5}, {"H001", 1},
	}
	bank, err := a.Quizzes().Questions(ctx, centerID, quizstore.QuestionFilter{})
	if err != nil {
		return err
	}
	byName := make(map[string]*quizzes.Question, len(bank))
	for i := range bank {
		byName[bank[i].Question.Name] = &bank[i].Question
	}
	lead, err := a.Auth().UserByName(ctx, "lead")
	if err != nil {
		return err
	}
	hr, err := a.Auth().UserByName(ctx, "hr")
	if err != nil {
		return err
	}
	for i, tk := range takers {
		m, err := a.Staff().StaffByNo(ctx, centerID, tk.staffNo)
		if err != nil {
			return err
		}
		grader := lead.ID
		if lead.StaffID != nil && *lead.StaffID == m.ID {
			grader = hr.ID
		}
		es, err := a.Training().StaffEnrolments(ctx, m.ID)
		if err != nil {
			return err
		}
		for j, e := range es {
			qz, err := a.Quizzes().QuizForModule(ctx, e.ModuleID)
			if errors.Is(err, store.ErrNotFound) {
				continue // a module without a quiz
			} else if err != nil {
				return err
			}
			blank := tk.blank
			for try := 0; try < 2; try++ {
				seed := int64(1000*i + 10*j + try + 1)
				passed, err := takeQuiz(ctx, a, qz.ID, m.ID, e.ID, seed, byName, blank, grader)
				if err != nil {
					return fmt.Errorf("%s quiz %d: %w", tk.staffNo, qz.ID, err)
				}
				if passed {
					break
				}
				blank = 0
			}
		}
	}
	return nil
}

// takeQuiz runs one attempt: every question answered with its key except
// the first `blank` ones, essays graded 80 %. It reports whether the
// attempt passed.
func takeQuiz(ctx context.Context, a *app.App, quizID, staffID, enrolmentID, seed int64, bank map[string]*quizzes.Question, blank int, grader int64) (bool, error) {
	qs := a.Quizzes()
	at, err := qs.Start(ctx, quizID, staffID, &enrolmentID, seed)
	if err != nil {
		return false, err
	}
	var essays []int64
	for k, aq := range at.Questions {
		q := bank[aq.Presented.Name]
		if q == nil || k < blank || q.Type == quizzes.Description {
			continue
		}
		if q.Type == quizzes.Essay {
			essays = append(essays, aq.ID)
		}
		if _, err := qs.SaveAnswer(ctx, at.ID, aq.Position, keyResponse(q, aq.Presented)); err != nil {
			return false, err
		}
	}
	done, err := qs.Submit(ctx, at.ID, fmt.Sprintf("demo-%d", seed))
	if err != nil {
		return false, err
	}
	for _, id := range essays {
		if err := qs.GradeEssay(ctx, id, 0.8, "要点齐全，表述可再精炼。", grader); err != nil {
			return false, err
		}
	}
	if done, err = qs.Attempt(ctx, done.ID); err != nil {
		return false, err
	}
	qz, err := qs.Quiz(ctx, quizID)
	if err != nil {
		return false, err
	}
	return done.GradePercent != nil && *done.GradePercent >= qz.PassPercent, nil
}

// keyResponse is the full-marks answer to q as presented (shuffled
// choices, match options and items are answered by their shown index or
// text). Essays get a short text.
func keyResponse(q *quizzes.Question, p quizzes.Presented) quizzes.Response {
	var r quizzes.Response
	switch q.Type {
	case quizzes.MultiChoice:
		best := 0.0
		for _, ans := range q.Answers {
			best = max(best, ans.Fraction)
		}
		for _, c := range p.Choices {
			for _, ans := range q.Answers {
				if ans.Text == c.Text && (ans.Fraction > 0 && !q.Single || q.Single && ans.Fraction == best) {
					r.Choices = append(r.Choices, c.Index)
					break
				}
			}
			if q.Single && len(r.Choices) == 1 {
				break
			}
		}
	case quizzes.TrueFalse:
		b := q.Correct
		r.Bool = &b
	case quizzes.ShortAnswer:
		for _, ans := range q.Answers {
			if ans.Fraction == 1 {
				r.Text = ans.Text
				break
			}
		}
	case quizzes.Numerical:
		for _, ans := range q.Answers {
			if ans.Fraction == 1 {
				r.Text = fmt.Sprint(ans.Value)
				break
			}
		}
	case quizzes.Matching:
		for _, pr := range q.Pairs {
			if pr.Question != "" {
				r.Matches = append(r.Matches, pr.Answer)
			}
		}
	case quizzes.Ordering:
		for _, item := range q.Items {
			for _, c := range p.Items {
				if c.Text == item {
					r.Order = append(r.Order, c.Index)
					break
				}
			}
		}
	case quizzes.Essay:
		r.Text = "告知单应列明：需补正的全部材料、补正方式与期限、受理窗口及联系电话，并由经办人签字、注明日期。"
	}
	return r
}
