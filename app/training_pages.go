package app

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
)

// localsEnrolment carries the enrolment row (training.EnrolmentRow) the
// scope resolver loaded to the handler.
const localsEnrolment = "kaoping.enrolment"

// scopeEnrolment places an enrolment in its person's domains.
func (a *App) scopeEnrolment(param string) scopeFunc {
	return func(c *fiber.Ctx, _ *Principal) ([]string, error) {
		id, err := paramID(c, param)
		if err != nil {
			return nil, err
		}
		e, err := a.training.EnrolmentRow(c.UserContext(), id)
		if err != nil {
			return nil, err
		}
		c.Locals(localsEnrolment, e)
		return a.staffDomains(c, e.StaffID)
	}
}

func (a *App) scopeCertificate(param string) scopeFunc {
	return func(c *fiber.Ctx, _ *Principal) ([]string, error) {
		id, err := paramID(c, param)
		if err != nil {
			return nil, err
		}
		cert, err := a.training.Certificate(c.UserContext(), id)
		if err != nil {
			return nil, err
		}
		return a.staffDomains(c, cert.StaffID)
	}
}

type myView struct {
	personView
	Ratings       []ratings.Rating // the citizens' ratings of the last 90 days, newest first
	Enrolments    []training.Enrolment
	Certificates  []training.Certificate
	Notifications []training.Notification
	Digest        training.Digest
}

func (a *App) myTraining(c *fiber.Ctx, staffID int64) (myView, error) {
	ctx := c.UserContext()
	pv, err := a.person(c, staffID)
	if err != nil {
		return myView{}, err
	}
	v := myView{personView: pv}
	if v.Enrolments, err = a.training.StaffEnrolments(ctx, staffID); err != nil {
		return v, err
	}
	if v.Certificates, err = a.training.Certificates(ctx, staffID); err != nil {
		return v, err
	}
	if v.Notifications, err = a.training.Notifications(ctx, staffID, 10); err != nil {
		return v, err
	}
	if v.Digest, err = a.training.Digest(ctx, staffID); err != nil {
		return v, err
	}
	today, err := a.staff.Today(ctx, pv.Member.CenterID)
	if err != nil {
		return v, err
	}
	from, _ := time.Parse(time.DateOnly, today)
	if v.Ratings, err = a.ratings.StaffRatings(ctx, staffID, from.AddDate(0, 0, -90).Format(time.DateOnly), ""); err != nil {
		return v, err
	}
	return v, nil
}

type enrolmentView struct {
	E       *training.Enrolment
	Read    map[int64]bool
	Self    bool
	Lesson  *training.VersionLesson
	HTML    any
	Next    *training.VersionLesson
	Forms   func(string) string
	CanRead bool
	HasQuiz bool
}

func (a *App) loadEnrolment(c *fiber.Ctx) (*enrolmentView, error) {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	e, err := a.training.Enrolment(ctx, id)
	if err != nil {
		return nil, err
	}
	read, err := a.training.ReadLessons(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &enrolmentView{E: e, Read: map[int64]bool{}, Forms: formLabel}
	for lid := range read {
		v.Read[lid] = true
	}
	p := principal(c)
	v.Self = p.User != nil && p.User.StaffID != nil && *p.User.StaffID == e.StaffID
	v.CanRead = v.Self && e.Status != "completed"
	if v.HasQuiz, err = a.quizzes.Gate().HasQuiz(ctx, nil, e.VersionID); err != nil {
		return nil, err
	}
	return v, nil
}

// enrolmentPage shows one module for one person: lessons with read marks,
// due date, state, and the link to the standard checklist.
func (a *App) enrolmentPage(c *fiber.Ctx) error {
	v, err := a.loadEnrolment(c)
	if err != nil {
		return err
	}
	return a.render(c, "enrolment", "enrolment.title", v)
}

// standardPage is the workflow standard as a checklist to use at the window;
// it prints cleanly.
func (a *App) standardPage(c *fiber.Ctx) error {
	v, err := a.loadEnrolment(c)
	if err != nil {
		return err
	}
	return a.render(c, "standard", "standard.title", v)
}

func (a *App) lessonPage(c *fiber.Ctx) error {
	v, err := a.loadEnrolment(c)
	if err != nil {
		return err
	}
	lid, err := paramID(c, "lesson")
	if err != nil {
		return err
	}
	for i := range v.E.Version.Lessons {
		l := &v.E.Version.Lessons[i]
		if l.ID == lid {
			v.Lesson = l
			if i+1 < len(v.E.Version.Lessons) {
				v.Next = &v.E.Version.Lessons[i+1]
			}
		}
	}
	if v.Lesson == nil {
		return fiber.ErrNotFound
	}
	v.HTML = a.markdown.Render(v.Lesson.Body, "/modules/"+v.E.Module.Code+"/assets/")
	return a.render(c, "lesson", "lesson.title", v)
}

// lessonRead records that the person read a lesson (only the person
// themself) and moves on to the next lesson or back to the module.
func (a *App) lessonRead(c *fiber.Ctx) error {
	v, err := a.loadEnrolment(c)
	if err != nil {
		return err
	}
	if !v.Self {
		return fiber.NewError(fiber.StatusForbidden, "only the enrolled person can record reading")
	}
	lid, err := paramID(c, "lesson")
	if err != nil {
		return err
	}
	e, err := a.training.ReadLesson(c.UserContext(), v.E.ID, lid)
	if err != nil {
		return err
	}
	base := "/enrolments/" + strconv.FormatInt(e.ID, 10)
	if e.Status == "completed" {
		a.flash(c, a.msgs.T(lang(c), "enrolment.completed_flash"))
		return c.Redirect(base, fiber.StatusSeeOther)
	}
	for i, l := range v.E.Version.Lessons {
		if l.ID == lid && i+1 < len(v.E.Version.Lessons) {
			return c.Redirect(base+"/lessons/"+strconv.FormatInt(v.E.Version.Lessons[i+1].ID, 10), fiber.StatusSeeOther)
		}
	}
	return c.Redirect(base, fiber.StatusSeeOther)
}

func (a *App) certificatePage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cert, err := a.training.Certificate(c.UserContext(), id)
	if err != nil {
		return err
	}
	ctr, err := a.staff.Center(c.UserContext(), cert.CenterID)
	if err != nil {
		return err
	}
	return a.render(c, "certificate", "certificate.title", fiber.Map{"Cert": cert, "Center": ctr})
}

func (a *App) notificationsPage(c *fiber.Ctx) error {
	p := principal(c)
	if p.User == nil || p.User.StaffID == nil {
		return fiber.ErrForbidden
	}
	ns, err := a.training.Notifications(c.UserContext(), *p.User.StaffID, 200)
	if err != nil {
		return err
	}
	return a.render(c, "notifications", "notifications.title", ns)
}

func (a *App) notificationRead(c *fiber.Ctx) error {
	p := principal(c)
	if p.User == nil || p.User.StaffID == nil {
		return fiber.ErrForbidden
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	if err := a.training.MarkRead(c.UserContext(), *p.User.StaffID, id); err != nil {
		return err
	}
	return c.Redirect("/notifications", fiber.StatusSeeOther)
}

type teamTrainingView struct {
	Team       *staff.Team
	Date       string
	Members    []staff.Member
	Enrolments []training.Enrolment
	Modules    []training.ModuleSummary
}

// teamTraining is the lead's view: every enrolment of the team, overdue
// first, with the assign form and remind buttons.
func (a *App) teamTraining(c *fiber.Ctx) error {
	ctx := c.UserContext()
	tv, err := a.team(c)
	if err != nil {
		return err
	}
	v := teamTrainingView{Team: tv.Team, Date: tv.Date, Members: tv.Members}
	if v.Enrolments, err = a.training.TeamEnrolments(ctx, tv.Team.ID, tv.Date); err != nil {
		return err
	}
	if v.Modules, err = a.publishedModules(c); err != nil {
		return err
	}
	return a.render(c, "team_training", "team_training.title", v)
}

func (a *App) publishedModules(c *fiber.Ctx) ([]training.ModuleSummary, error) {
	all, err := a.training.Modules(c.UserContext(), principal(c).CenterID)
	if err != nil {
		return nil, err
	}
	var out []training.ModuleSummary
	for _, m := range all {
		if m.Current != nil {
			out = append(out, m)
		}
	}
	return out, nil
}

// teamAssign lets a lead assign a module to the whole team or one member.
func (a *App) teamAssign(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	t, err := a.staff.TeamByID(ctx, id)
	if err != nil {
		return err
	}
	m, err := a.moduleFromForm(c)
	if err != nil {
		return err
	}
	in := training.AssignInput{CenterID: t.CenterID, ModuleID: m.ID, TargetKind: "team", TargetID: t.ID, DueDate: c.FormValue("due_date")}
	if sid := c.FormValue("staff_id"); sid != "" {
		n, err := strconv.ParseInt(sid, 10, 64)
		if err != nil {
			return invalid("staff_id", "not a person")
		}
		today, err := a.staff.Today(ctx, t.CenterID)
		if err != nil {
			return err
		}
		on, err := a.staff.TeamOn(ctx, n, today)
		if err != nil || on.ID != t.ID {
			return invalid("staff_id", "not a member of this team")
		}
		in.TargetKind, in.TargetID = "staff", n
	}
	return a.assign(c, in, "/teams/"+strconv.FormatInt(t.ID, 10)+"/training")
}

func (a *App) moduleFromForm(c *fiber.Ctx) (*training.Module, error) {
	code := strings.TrimSpace(c.FormValue("module"))
	if code == "" {
		return nil, invalid("module", "choose a module")
	}
	m, err := a.training.ModuleByCode(c.UserContext(), principal(c).CenterID, code)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalid("module", "no module %q", code)
	}
	return m, err
}

func (a *App) assign(c *fiber.Ctx, in training.AssignInput, back string) error {
	p := principal(c)
	var by int64
	if p.User != nil {
		by = p.User.ID
	}
	as, n, err := a.training.Assign(c.UserContext(), in, by)
	if err != nil {
		return err
	}
	a.record(c, "training.assign", "assignment:"+strconv.FormatInt(as.ID, 10),
		in.TargetKind+":"+strconv.FormatInt(in.TargetID, 10)+in.TargetValue+" due="+in.DueDate+" enrolments="+strconv.Itoa(n))
	a.flash(c, a.msgs.T(lang(c), "assign.done", n))
	return c.Redirect(back, fiber.StatusSeeOther)
}

// remind sends a manual reminder for one enrolment (once a day).
func (a *App) remind(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	p := principal(c)
	var by int64
	if p.User != nil {
		by = p.User.ID
	}
	if err := a.training.Remind(c.UserContext(), id, by); err != nil {
		return err
	}
	a.record(c, "training.remind", "enrolment:"+strconv.FormatInt(id, 10), "")
	a.flash(c, a.msgs.T(lang(c), "remind.done"))
	back := c.Get(fiber.HeaderReferer)
	if back == "" || !sameOrigin(c) {
		back = "/"
	}
	return c.Redirect(safeNext(strings.TrimPrefix(back, c.BaseURL()), "/"), fiber.StatusSeeOther)
}
