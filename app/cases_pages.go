package app

import (
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/rbac"
)

// Bad-rating follow-up: the lists of cases (a team's for its leads, the
// center's for HR with the overdue and escalated ones first), one case with
// its steps, the person's appeal with evidence, and the decision.

// actorOf is the signed-in user as the follow-up engine sees them.
func (a *App) actorOf(c *fiber.Ctx) followup.Actor {
	p := principal(c)
	act := followup.Actor{Label: p.Name(), IP: c.IP(), HR: a.hasRole(c, rbac.RoleHR)}
	if p.User != nil && p.User.StaffID != nil {
		act.StaffID = *p.User.StaffID
	}
	return act
}

// caseDomains scopes a case or an appeal: the person, the team of the case
// (the team on the rating's date — or, when the person had none then, their
// team today), the center.
func (a *App) caseDomains(c *fiber.Ctx, staffID int64, teamID *int64, centerID int64) ([]string, error) {
	if teamID == nil {
		return a.staffDomains(c, staffID)
	}
	return []string{rbac.StaffDomain(staffID), rbac.TeamDomain(*teamID), rbac.CenterDomain(centerID)}, nil
}

func (a *App) scopeCase(param string) scopeFunc {
	return func(c *fiber.Ctx, _ *Principal) ([]string, error) {
		id, err := paramID(c, param)
		if err != nil {
			return nil, err
		}
		cs, err := a.followup.Case(c.UserContext(), id)
		if err != nil {
			return nil, err
		}
		return a.caseDomains(c, cs.StaffID, cs.TeamID, cs.CenterID)
	}
}

func (a *App) scopeAppeal(param string) scopeFunc {
	return func(c *fiber.Ctx, _ *Principal) ([]string, error) {
		id, err := paramID(c, param)
		if err != nil {
			return nil, err
		}
		ap, err := a.followup.Appeal(c.UserContext(), id)
		if err != nil {
			return nil, err
		}
		return a.caseDomains(c, ap.StaffID, ap.TeamID, ap.CenterID)
	}
}

func (a *App) scopeRating(param string) scopeFunc {
	return func(c *fiber.Ctx, p *Principal) ([]string, error) {
		id, err := paramID(c, param)
		if err != nil {
			return nil, err
		}
		r, err := a.ratings.Rating(c.UserContext(), p.CenterID, id)
		if err != nil {
			return nil, err
		}
		return a.staffDomains(c, r.StaffID)
	}
}

type casesView struct {
	Title       string
	Cases       []followup.Case
	Appeals     []followup.Appeal
	OverdueOnly bool
	Action      string
}

// centerCases is HR's list: every open case of the center (overdue ones
// first) and the appeals waiting for a decision.
func (a *App) centerCases(c *fiber.Ctx) error {
	return a.casesList(c, nil, "", "/cases")
}

func (a *App) teamCases(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	t, err := a.staff.TeamByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return a.casesList(c, []int64{t.ID}, t.Name, "/teams/"+strconv.FormatInt(id, 10)+"/cases")
}

func (a *App) casesList(c *fiber.Ctx, teams []int64, title, action string) error {
	ctx := c.UserContext()
	p := principal(c)
	v := casesView{Title: title, OverdueOnly: c.Query("overdue") == "1", Action: action}
	f := followup.CaseFilter{CenterID: p.CenterID, TeamIDs: teams, OverdueOnly: v.OverdueOnly, Limit: 500}
	if c.Query("all") != "1" {
		f.States = []string{followup.StateVerify, followup.StateRectify, followup.StateReply}
	}
	var err error
	if v.Cases, err = a.followup.Cases(ctx, f); err != nil {
		return err
	}
	if v.Appeals, err = a.followup.Appeals(ctx, followup.AppealFilter{CenterID: p.CenterID, TeamIDs: teams,
		States: []string{followup.AppealPending}, Limit: 500}); err != nil {
		return err
	}
	return a.render(c, "cases", "cases.title", v)
}

type caseView struct {
	Case       *followup.Case
	Deadline   string // last day to appeal
	CanAppeal  bool   // the viewer is the person, in time, no appeal yet
	CanHandle  bool   // the viewer may work the case (not its subject)
	CanDecide  bool
	IsSubject  bool
	EvidenceOK string
}

func (a *App) casePage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	cs, err := a.followup.Case(ctx, id)
	if err != nil {
		return err
	}
	return a.renderCase(c, cs)
}

func (a *App) renderCase(c *fiber.Ctx, cs *followup.Case) error {
	act := a.actorOf(c)
	v := caseView{Case: cs, IsSubject: act.StaffID == cs.StaffID}
	deadline, err := a.followup.AppealDeadline(c.UserContext(), cs.Rating)
	if err != nil {
		return err
	}
	v.Deadline = deadline.In(a.zoneOf(c)).Format("2006-01-02")
	v.CanAppeal = v.IsSubject && cs.Appeal == nil && !a.now().After(deadline)
	v.CanHandle = !v.IsSubject && (a.hasRole(c, rbac.RoleTeamLead) || act.HR || a.hasRole(c, rbac.RoleAdmin))
	v.CanDecide = v.CanHandle && cs.Appeal != nil && cs.Appeal.State == followup.AppealPending
	return a.render(c, "case", "cases.case", v)
}

// caseStep advances a case: action verify, complex, rectify or reply.
func (a *App) caseStep(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	act := a.actorOf(c)
	yes := func(name string) bool { return c.FormValue(name) == "1" || c.FormValue(name) == "true" }
	switch action := c.FormValue("action"); action {
	case "verify":
		_, err = a.followup.Verify(ctx, id, act, yes("attributable"), yes("reasonable"), c.FormValue("note"))
	case "complex":
		_, err = a.followup.SetComplex(ctx, id, act, yes("complex"))
	case "rectify":
		_, err = a.followup.Rectify(ctx, id, act, c.FormValue("note"))
	case "reply":
		_, err = a.followup.Reply(ctx, id, act, yes("reached"), c.FormValue("satisfaction"), c.FormValue("note"))
	default:
		return invalid("action", "want verify, complex, rectify or reply, got %q", action)
	}
	if err != nil {
		return err
	}
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/cases/"+strconv.FormatInt(id, 10), fiber.StatusSeeOther)
}

// ratingAppeal is the person's appeal of a bad rating, with optional
// evidence files (multipart form, field "evidence", several allowed).
func (a *App) ratingAppeal(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var files []followup.EvidenceUpload
	if form, err := c.MultipartForm(); err == nil {
		if len(form.File["evidence"]) > followup.MaxFiles {
			return invalid("evidence", "最多 %d 个文件 (at most %d files)", followup.MaxFiles, followup.MaxFiles)
		}
		for _, fh := range form.File["evidence"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			if fh.Size > followup.MaxFileSize {
				return invalid("evidence", "文件 %q 超过 %d MB (file too large)", fh.Filename, followup.MaxFileSize>>20)
			}
			f, err := fh.Open()
			if err != nil {
				return err
			}
			data, err := io.ReadAll(io.LimitReader(f, followup.MaxFileSize+1))
			f.Close()
			if err != nil {
				return err
			}
			files = append(files, followup.EvidenceUpload{Name: fh.Filename, Data: data})
		}
	}
	ap, err := a.followup.SubmitAppeal(ctx, id, a.actorOf(c), strings.TrimSpace(c.FormValue("reason")), files)
	if err != nil {
		return err
	}
	a.flash(c, a.msgs.T(lang(c), "appeal.submitted"))
	cs, err := a.followup.CaseByRating(ctx, ap.RatingID)
	if err != nil {
		return c.Redirect("/my", fiber.StatusSeeOther)
	}
	return c.Redirect("/cases/"+strconv.FormatInt(cs.ID, 10), fiber.StatusSeeOther)
}

func (a *App) appealPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ap, err := a.followup.Appeal(ctx, id)
	if err != nil {
		return err
	}
	cs, err := a.followup.CaseByRating(ctx, ap.RatingID)
	if err != nil {
		return err
	}
	return a.renderCase(c, cs)
}

func (a *App) appealDecide(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ap, err := a.followup.DecideAppeal(c.UserContext(), id, a.actorOf(c), c.FormValue("outcome"), strings.TrimSpace(c.FormValue("reason")))
	if err != nil {
		return err
	}
	a.flash(c, a.msgs.T(lang(c), "appeal.decided"))
	return c.Redirect("/appeals/"+strconv.FormatInt(ap.ID, 10), fiber.StatusSeeOther)
}

// appealEvidence serves one evidence file as a download (never inline:
// the content type was sniffed, but a browser should not render it here).
func (a *App) appealEvidence(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	eid, err := paramID(c, "eid")
	if err != nil {
		return err
	}
	ev, err := a.followup.Evidence(ctx, eid)
	if err != nil {
		return err
	}
	if ev.AppealID != id {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, ev.ContentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename*=UTF-8''`+urlPathEscape(ev.Name))
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(ev.Data)
}

// zoneOf is the signed-in user's center time zone (UTC if unknown).
func (a *App) zoneOf(c *fiber.Ctx) *time.Location {
	if ctr, err := a.staff.Center(c.UserContext(), principal(c).CenterID); err == nil {
		if loc, err := ctr.Location(); err == nil {
			return loc
		}
	}
	return time.UTC
}

func urlPathEscape(s string) string { return url.PathEscape(s) }
