package app

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/quizzes"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
	"github.com/kaoping/kaoping/rbac"
)

// localsAttempt carries the attempt the scope resolver loaded to the handler.
const localsAttempt = "kaoping.attempt"

// scopeAttempt places an attempt in its person's domains.
//
// Every save of an exam comes through here, from the taker: then the
// person's own domain and center are tried first, without looking up their
// team (a query with the time zone and membership history, ~15 % of an
// autosave's server time). A decision allowed on some of the domains is
// allowed on all of them, so this only skips the lookup; when it is not
// allowed, the full list decides as before.
func (a *App) scopeAttempt(param string) scopeFunc {
	return func(c *fiber.Ctx, p *Principal) ([]string, error) {
		id, err := paramID(c, param)
		if err != nil {
			return nil, err
		}
		at, err := a.quizzes.AttemptInfo(c.UserContext(), id)
		if err != nil {
			return nil, err
		}
		c.Locals(localsAttempt, at)
		if p.User != nil && p.User.StaffID != nil && *p.User.StaffID == at.StaffID {
			own := []string{rbac.StaffDomain(at.StaffID), rbac.CenterDomain(p.User.CenterID)}
			method := c.Method()
			if method == fiber.MethodHead {
				method = fiber.MethodGet
			}
			if ok, err := a.authz.Can(p.Subject, own, c.Route().Path, method); err == nil && ok {
				return own, nil
			}
		}
		return a.staffDomains(c, at.StaffID)
	}
}

// scopeEssay places an essay answer in its author's domains, so a team lead
// grades only their own team's essays.
func (a *App) scopeEssay(param string) scopeFunc {
	return func(c *fiber.Ctx, _ *Principal) ([]string, error) {
		id, err := paramID(c, param)
		if err != nil {
			return nil, err
		}
		_, staffID, err := a.quizzes.EssayOwner(c.UserContext(), id)
		if err != nil {
			return nil, err
		}
		return a.staffDomains(c, staffID)
	}
}

type quizIntroView struct {
	E        *enrolmentView
	Quiz     *quizstore.Quiz
	Attempts []quizstore.Attempt
	Grade    *float64
	Passed   bool
	Open     *quizstore.Attempt
	Left     int // attempts left; -1 unlimited
}

// quizIntro shows the quiz of an enrolment: its rules, the person's attempts
// and grade, and the start (or resume) button.
func (a *App) quizIntro(c *fiber.Ctx) error {
	ctx := c.UserContext()
	ev, err := a.loadEnrolment(c)
	if err != nil {
		return err
	}
	q, err := a.quizzes.QuizForModule(ctx, ev.E.ModuleID)
	if err != nil {
		return err
	}
	v := quizIntroView{E: ev, Quiz: q, Left: -1}
	if v.Attempts, err = a.quizzes.Attempts(ctx, q.ID, ev.E.StaffID); err != nil {
		return err
	}
	if v.Grade, v.Passed, err = a.quizzes.QuizGrade(ctx, q.ID, ev.E.StaffID); err != nil {
		return err
	}
	for i := range v.Attempts {
		if v.Attempts[i].State == quizstore.StateInProgress {
			v.Open = &v.Attempts[i]
		}
	}
	if q.AttemptsAllowed > 0 {
		v.Left = max(0, q.AttemptsAllowed-len(v.Attempts))
	}
	return a.render(c, "quiz_intro", "quiz_intro.title", v)
}

// quizStart starts an attempt (or resumes the open one) and opens it.
//
// A whole department starts the same exam within seconds, so this reads
// only the enrolment row (the scope resolver's, when it ran), not the
// enrolment page's module, lessons and progress.
func (a *App) quizStart(c *fiber.Ctx) error {
	ctx := c.UserContext()
	e, _ := c.Locals(localsEnrolment).(*training.Enrolment)
	if e == nil {
		id, err := paramID(c, "id")
		if err != nil {
			return err
		}
		if e, err = a.training.EnrolmentRow(ctx, id); err != nil {
			return err
		}
	}
	if p := principal(c); p.User == nil || p.User.StaffID == nil || *p.User.StaffID != e.StaffID {
		return fiber.NewError(fiber.StatusForbidden, "only the enrolled person can take the quiz")
	}
	q, err := a.quizzes.QuizForModule(ctx, e.ModuleID)
	if err != nil {
		return err
	}
	var seed [8]byte
	_, _ = rand.Read(seed[:])
	enr := e.ID
	id, err := a.quizzes.StartID(ctx, q.ID, e.StaffID, &enr, int64(binary.LittleEndian.Uint64(seed[:])>>1))
	if errors.Is(err, quizstore.ErrNoAttemptsLeft) {
		return fiber.NewError(fiber.StatusConflict, a.msgs.T(lang(c), "quiz.no_attempts"))
	}
	if err != nil {
		return err
	}
	return c.Redirect("/attempts/"+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
}

type attemptView struct {
	A         *quizstore.Attempt
	Deadline  string // RFC 3339, for the countdown
	ServerNow string
	SubmitKey string
}

// ownAttempt loads the :id attempt and refuses anyone but its taker.
func (a *App) ownAttempt(c *fiber.Ctx) (*quizstore.Attempt, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	at, err := a.quizzes.Attempt(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	p := principal(c)
	if p.User == nil || p.User.StaffID == nil || *p.User.StaffID != at.StaffID {
		return nil, fiber.NewError(fiber.StatusForbidden, "only the taker can open an attempt")
	}
	return at, nil
}

// attemptPage shows an attempt: the questions as presented (never the key),
// the saved answers and the server's deadline. A finished attempt goes to
// its review.
func (a *App) attemptPage(c *fiber.Ctx) error {
	at, err := a.ownAttempt(c)
	if err != nil {
		return err
	}
	if at.State != quizstore.StateInProgress {
		return c.Redirect("/attempts/"+strconv.FormatInt(at.ID, 10)+"/review", fiber.StatusSeeOther)
	}
	v := attemptView{A: at, ServerNow: a.now().UTC().Format(time.RFC3339), SubmitKey: randomToken()}
	if at.DeadlineAt != nil {
		v.Deadline = at.DeadlineAt.UTC().Format(time.RFC3339)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.render(c, "attempt", "attempt.title", v)
}

// attemptPost is the page-submit path (works without JavaScript): it saves
// every answer on the page and, with action=submit, submits.
func (a *App) attemptPost(c *fiber.Ctx) error {
	ctx := c.UserContext()
	at, err := a.ownAttempt(c)
	if err != nil {
		return err
	}
	base := "/attempts/" + strconv.FormatInt(at.ID, 10)
	timeUp := at.State != quizstore.StateInProgress
	if !timeUp {
		for _, q := range at.Questions {
			r, present := responseFromForm(c, q)
			if !present {
				continue
			}
			if _, err := a.quizzes.SaveAnswer(ctx, at.ID, q.Position, r); err != nil {
				if errors.Is(err, quizstore.ErrDeadlinePassed) || errors.Is(err, quizstore.ErrAttemptClosed) {
					timeUp = true
					break
				}
				return err
			}
		}
	}
	if c.FormValue("action") != "submit" {
		if timeUp {
			// Nothing was saved: say so, with the status the autosave API uses.
			a.flash(c, a.msgs.T(lang(c), "attempt.time_up"))
			c.Status(fiber.StatusConflict)
			return c.Redirect(base, fiber.StatusSeeOther)
		}
		a.flash(c, a.msgs.T(lang(c), "attempt.saved"))
		return c.Redirect(base, fiber.StatusSeeOther)
	}
	if _, err := a.quizzes.Submit(ctx, at.ID, c.FormValue("submit_key")); err != nil {
		return err
	}
	a.record(c, "quiz.submit", "attempt:"+strconv.FormatInt(at.ID, 10), "")
	return c.Redirect(base+"/review", fiber.StatusSeeOther)
}

// responseFromForm reads one question's answer from the posted form, in
// shown positions. present is false when the form did not carry the
// question at all (nothing to save).
func responseFromForm(c *fiber.Ctx, q quizstore.AttemptQuestion) (quizzes.Response, bool) {
	name := "q" + strconv.Itoa(q.Position)
	var r quizzes.Response
	args := c.Request().PostArgs()
	mf, _ := c.MultipartForm()
	values := func(key string) []string {
		if mf != nil {
			return mf.Value[key]
		}
		var out []string
		for _, v := range args.PeekMulti(key) {
			out = append(out, string(v))
		}
		return out
	}
	if len(values(name+"_present")) == 0 {
		return r, false
	}
	switch q.Presented.Type {
	case quizzes.MultiChoice:
		for _, v := range values(name) {
			if n, err := strconv.Atoi(v); err == nil {
				r.Choices = append(r.Choices, n)
			}
		}
	case quizzes.TrueFalse:
		if v := values(name); len(v) > 0 {
			b := v[0] == "true"
			r.Bool = &b
		}
	case quizzes.ShortAnswer, quizzes.Numerical, quizzes.Essay:
		if v := values(name); len(v) > 0 {
			r.Text = v[0]
		}
	case quizzes.Matching:
		for i := range q.Presented.MatchQuestions {
			v := values(name + "_m" + strconv.Itoa(i))
			if len(v) > 0 {
				r.Matches = append(r.Matches, v[0])
			} else {
				r.Matches = append(r.Matches, "")
			}
		}
	case quizzes.Ordering:
		type ranked struct{ idx, rank int }
		var rs []ranked
		for _, it := range q.Presented.Items {
			v := values(name + "_o" + strconv.Itoa(it.Index))
			rank := 1 << 30
			if len(v) > 0 {
				if n, err := strconv.Atoi(strings.TrimSpace(v[0])); err == nil {
					rank = n
				}
			}
			rs = append(rs, ranked{it.Index, rank})
		}
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].rank < rs[j].rank })
		for _, x := range rs {
			r.Order = append(r.Order, x.idx)
		}
	}
	return r, true
}

type saveAnswerRequest struct {
	Position int              `json:"position"`
	Response quizzes.Response `json:"response"`
}

// apiSaveAnswer is the autosave endpoint: one answer, saved at once, with
// the server's time of saving; refused after the deadline.
func (a *App) apiSaveAnswer(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var req saveAnswerRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p := principal(c)
	info, _ := c.Locals(localsAttempt).(*quizstore.AttemptInfo)
	if info == nil || info.ID != id {
		if info, err = a.quizzes.AttemptInfo(c.UserContext(), id); err != nil {
			return err
		}
	}
	if p.User == nil || p.User.StaffID == nil || *p.User.StaffID != info.StaffID {
		return fiber.NewError(fiber.StatusForbidden, "only the taker can answer")
	}
	at, err := a.quizzes.SaveAnswer(c.UserContext(), id, req.Position, req.Response)
	switch {
	case errors.Is(err, quizstore.ErrDeadlinePassed):
		return fiber.NewError(fiber.StatusConflict, "the time for this attempt is up")
	case errors.Is(err, quizstore.ErrAttemptClosed):
		return fiber.NewError(fiber.StatusConflict, "the attempt is closed")
	case err != nil:
		return err
	}
	return c.JSON(fiber.Map{"saved_at": at.UTC().Format(time.RFC3339Nano)})
}

// attemptReview shows a finished attempt within the quiz's review options.
func (a *App) attemptReview(c *fiber.Ctx) error {
	at, err := a.ownAttempt(c)
	if err != nil {
		return err
	}
	rv, err := a.quizzes.Review(c.UserContext(), at.ID)
	if err != nil {
		return err
	}
	return a.render(c, "attempt_review", "review.title", rv)
}

// gradingQueue lists the essays of a team's members waiting for a grade.
func (a *App) gradingQueue(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tv, err := a.team(c)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(tv.Members))
	for _, m := range tv.Members {
		ids = append(ids, m.ID)
	}
	q, err := a.quizzes.GradingQueue(ctx, tv.Team.CenterID, ids)
	if err != nil {
		return err
	}
	return a.render(c, "grading", "grading.title", fiber.Map{"Team": tv.Team, "Queue": q})
}

// gradeEssay records a grader's mark and comment for one essay answer.
func (a *App) gradeEssay(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	pct, err := strconv.ParseFloat(strings.TrimSpace(c.FormValue("percent")), 64)
	if err != nil || pct < 0 || pct > 100 {
		return invalid("percent", "must be 0–100")
	}
	if err := a.quizzes.GradeEssay(c.UserContext(), id, pct/100, strings.TrimSpace(c.FormValue("comment")), principal(c).User.ID); err != nil {
		return err
	}
	a.record(c, "quiz.grade_essay", fmt.Sprintf("attempt_question:%d", id), fmt.Sprintf("percent=%g", pct))
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	back := c.FormValue("back")
	return c.Redirect(safeNext(back, "/"), fiber.StatusSeeOther)
}
