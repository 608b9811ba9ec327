package app

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/rbac"
)

type modulesView struct {
	Modules []training.ModuleSummary
	Pending []training.ModuleSummary
	Items   []staff.ServiceItem
}

// modulesPage lists the center's modules and the approval queue.
func (a *App) modulesPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	cid := principal(c).CenterID
	var v modulesView
	var err error
	if v.Modules, err = a.training.Modules(ctx, cid); err != nil {
		return err
	}
	if v.Pending, err = a.training.PendingApprovals(ctx, cid); err != nil {
		return err
	}
	if v.Items, err = a.staff.Items(ctx, cid); err != nil {
		return err
	}
	return a.render(c, "modules", "modules.title", v)
}

// moduleCreate starts a module with an empty draft and opens the editor.
func (a *App) moduleCreate(c *fiber.Ctx) error {
	p := principal(c)
	months, _ := strconv.Atoi(c.FormValue("validity_months", "0"))
	in := training.ModuleInput{
		CenterID:       p.CenterID,
		Code:           strings.TrimSpace(c.FormValue("code")),
		ItemCode:       strings.TrimSpace(c.FormValue("item_code")),
		ValidityMonths: months,
		Title:          strings.TrimSpace(c.FormValue("title")),
		Summary:        strings.TrimSpace(c.FormValue("summary")),
	}
	m, _, err := a.training.CreateModule(c.UserContext(), in, p.User.ID)
	if err != nil {
		return err
	}
	a.record(c, "module.create", "module:"+m.Code, in.Title)
	return c.Redirect("/modules/"+m.Code+"/edit", fiber.StatusSeeOther)
}

func (a *App) moduleByParam(c *fiber.Ctx) (*training.Module, error) {
	m, err := a.training.ModuleByCode(c.UserContext(), principal(c).CenterID, c.Params("code"))
	if err != nil {
		return nil, err
	}
	return m, nil
}

type moduleView struct {
	Module      *training.Module
	Current     *training.Version
	Draft       *training.Version
	Versions    []training.Version
	Assignments []training.Assignment
	Assets      []training.Asset
	Teams       []staff.TeamSummary
	Roles       []string
	Channels    []string
	Lessons     []lessonHTML
	CanApprove  bool
	Forms       func(string) string
}

type lessonHTML struct {
	Title string
	HTML  any
}

func (a *App) modulePage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	v := moduleView{Module: m, Roles: rbac.Roles()[:5], Channels: channel.All(), Forms: formLabel}
	if v.Current, err = a.training.CurrentVersion(ctx, m.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if v.Draft, err = a.training.Draft(ctx, m.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if v.Versions, err = a.training.Versions(ctx, m.ID); err != nil {
		return err
	}
	if v.Assignments, err = a.training.Assignments(ctx, m.CenterID, m.ID); err != nil {
		return err
	}
	if v.Assets, err = a.training.Assets(ctx, m.ID); err != nil {
		return err
	}
	if v.Teams, err = a.staff.Teams(ctx, m.CenterID); err != nil {
		return err
	}
	if v.Current != nil {
		v.Lessons = a.renderLessons(m.Code, v.Current.Lessons)
	}
	v.CanApprove = v.Draft != nil && v.Draft.Status == "pending" && v.Draft.AuthorID != principal(c).User.ID
	return a.render(c, "module", "module.title", v)
}

func (a *App) renderLessons(code string, ls []training.VersionLesson) []lessonHTML {
	out := make([]lessonHTML, 0, len(ls))
	for _, l := range ls {
		out = append(out, lessonHTML{Title: l.Title, HTML: a.markdown.Render(l.Body, "/modules/"+code+"/assets/")})
	}
	return out
}

type editView struct {
	Module   *training.Module
	Draft    *training.Version
	Form     standardForm
	Title    string
	Summary  string
	Channels []string
	Assets   []training.Asset
}

// moduleEdit shows the draft in the editor; without a draft it starts one
// from the published version.
func (a *App) moduleEdit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	v := editView{Module: m, Channels: channel.All()}
	d, err := a.training.Draft(ctx, m.ID)
	switch {
	case err == nil:
		v.Draft = d
	case errors.Is(err, store.ErrNotFound):
		if d, err = a.training.CurrentVersion(ctx, m.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	default:
		return err
	}
	if d != nil {
		v.Title, v.Summary = d.Title, d.Summary
		v.Form = formatStandardForm(d.Standard, d.Lessons)
	} else {
		v.Form = formatStandardForm(training.Standard{}, nil)
	}
	if v.Assets, err = a.training.Assets(ctx, m.ID); err != nil {
		return err
	}
	return a.render(c, "module_edit", "module_edit.title", v)
}

// moduleSave stores the editor's content as the draft.
func (a *App) moduleSave(c *fiber.Ctx) error {
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	notes := map[string]string{}
	for _, ch := range channel.All() {
		notes[ch] = c.FormValue("note_" + ch)
	}
	std, err := parseStandardForm(c.FormValue("steps"), c.FormValue("materials"), c.FormValue("criteria"), c.FormValue("time_limit_days"), notes)
	if err != nil {
		return err
	}
	lessons, err := parseLessonsForm(c.FormValue("lessons"))
	if err != nil {
		return err
	}
	in := training.DraftInput{Title: strings.TrimSpace(c.FormValue("title")), Summary: strings.TrimSpace(c.FormValue("summary")), Standard: std, Lessons: lessons}
	d, err := a.training.SaveDraft(c.UserContext(), m.ID, in, principal(c).User.ID)
	if err != nil {
		return err
	}
	a.record(c, "module.draft", "module:"+m.Code, "version="+strconv.Itoa(d.Number))
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/modules/"+m.Code+"/versions/"+strconv.Itoa(d.Number), fiber.StatusSeeOther)
}

// moduleDraft loads the :code module and its draft (or pending) version.
func (a *App) moduleDraft(c *fiber.Ctx) (*training.Module, *training.Version, error) {
	m, err := a.moduleByParam(c)
	if err != nil {
		return nil, nil, err
	}
	d, err := a.training.Draft(c.UserContext(), m.ID)
	if err != nil {
		return nil, nil, err
	}
	return m, d, nil
}

// moduleSubmit asks for approval, with the recertification choice.
func (a *App) moduleSubmit(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, d, err := a.moduleDraft(c)
	if err != nil {
		return err
	}
	days, _ := strconv.Atoi(c.FormValue("recert_days", "0"))
	if err := a.training.Submit(ctx, d.ID, c.FormValue("policy", "grandfather"), days, principal(c).User.ID); err != nil {
		return err
	}
	a.record(c, "module.submit", "module:"+m.Code, "version="+strconv.Itoa(d.Number)+" policy="+c.FormValue("policy"))
	a.flash(c, a.msgs.T(lang(c), "module.submitted"))
	return c.Redirect("/modules/"+m.Code, fiber.StatusSeeOther)
}

// moduleApprove publishes the pending version; the service refuses the
// author (two-person rule).
func (a *App) moduleApprove(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, d, err := a.moduleDraft(c)
	if err != nil {
		return err
	}
	if err := a.training.Approve(ctx, d.ID, principal(c).User.ID); err != nil {
		if errors.Is(err, training.ErrSelfApproval) {
			return fiber.NewError(fiber.StatusForbidden, a.msgs.T(lang(c), "module.self_approval"))
		}
		return err
	}
	a.record(c, "module.publish", "module:"+m.Code, "version="+strconv.Itoa(d.Number))
	a.flash(c, a.msgs.T(lang(c), "module.published", d.Number))
	return c.Redirect("/modules/"+m.Code, fiber.StatusSeeOther)
}

func (a *App) moduleReject(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, d, err := a.moduleDraft(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if err := a.training.Reject(ctx, d.ID, principal(c).User.ID, reason); err != nil {
		return err
	}
	a.record(c, "module.reject", "module:"+m.Code, "version="+strconv.Itoa(d.Number)+" reason="+reason)
	return c.Redirect("/modules/"+m.Code, fiber.StatusSeeOther)
}

type versionView struct {
	Module  *training.Module
	Version *training.Version
	Lessons []lessonHTML
	Forms   func(string) string
}

// moduleVersion shows any version, drafts included (the editor's preview).
func (a *App) moduleVersion(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil {
		return fiber.ErrNotFound
	}
	v, err := a.versionByNumber(c, m, n)
	if err != nil {
		return err
	}
	full, err := a.training.Version(ctx, v.ID)
	if err != nil {
		return err
	}
	return a.render(c, "version", "version.title", versionView{Module: m, Version: full, Lessons: a.renderLessons(m.Code, full.Lessons), Forms: formLabel})
}

func (a *App) versionByNumber(c *fiber.Ctx, m *training.Module, n int) (*training.Version, error) {
	vs, err := a.training.Versions(c.UserContext(), m.ID)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i].Number == n {
			return &vs[i], nil
		}
	}
	return nil, fiber.ErrNotFound
}

// moduleDiff compares two versions (?from=1&to=2; default: the two newest).
func (a *App) moduleDiff(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	vs, err := a.training.Versions(ctx, m.ID)
	if err != nil {
		return err
	}
	if len(vs) < 2 && c.Query("from") == "" {
		return invalid("from", "the module has only one version")
	}
	to, from := vs[0].Number, 0
	if len(vs) > 1 {
		from = vs[1].Number
	}
	if q := c.Query("from"); q != "" {
		if from, err = strconv.Atoi(q); err != nil {
			return invalid("from", "not a version number")
		}
	}
	if q := c.Query("to"); q != "" {
		if to, err = strconv.Atoi(q); err != nil {
			return invalid("to", "not a version number")
		}
	}
	load := func(n int) (*training.Version, error) {
		v, err := a.versionByNumber(c, m, n)
		if err != nil {
			return nil, err
		}
		return a.training.Version(ctx, v.ID)
	}
	old, err := load(from)
	if err != nil {
		return err
	}
	nw, err := load(to)
	if err != nil {
		return err
	}
	return a.render(c, "diff", "diff.title", fiber.Map{"Module": m, "Old": old, "New": nw, "Diff": training.Diff(old, nw), "Versions": vs})
}

// moduleAssetUpload stores a lesson image in the database (so every
// instance serves it).
func (a *App) moduleAssetUpload(c *fiber.Ctx) error {
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return invalid("file", "choose an image")
	}
	if fh.Size > 2<<20 {
		return invalid("file", "larger than 2 MiB")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 2<<20+1))
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	if name == "" {
		name = fh.Filename
	}
	as, err := a.training.AddAsset(c.UserContext(), m.ID, name, data, principal(c).User.ID)
	if err != nil {
		return err
	}
	a.record(c, "module.asset", "module:"+m.Code, as.Name)
	a.flash(c, a.msgs.T(lang(c), "asset.uploaded", as.Name))
	return c.Redirect("/modules/"+m.Code+"/edit", fiber.StatusSeeOther)
}

// moduleAsset serves a lesson image to anyone signed in at the module's
// center.
func (a *App) moduleAsset(c *fiber.Ctx) error {
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	as, err := a.training.Asset(c.UserContext(), m.ID, c.Params("name"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, as.ContentType)
	c.Set(fiber.HeaderCacheControl, "private, max-age=86400")
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	return c.Send(as.Data)
}

// moduleAssign assigns the module center-wide: a person (by staff number),
// a team, a role or a channel.
func (a *App) moduleAssign(c *fiber.Ctx) error {
	ctx := c.UserContext()
	m, err := a.moduleByParam(c)
	if err != nil {
		return err
	}
	in := training.AssignInput{CenterID: m.CenterID, ModuleID: m.ID, TargetKind: c.FormValue("target_kind"), DueDate: c.FormValue("due_date")}
	switch in.TargetKind {
	case "staff":
		mem, err := a.staff.StaffByNo(ctx, m.CenterID, strings.TrimSpace(c.FormValue("staff_no")))
		if err != nil {
			return invalid("staff_no", "no staff member with number %q", c.FormValue("staff_no"))
		}
		in.TargetID = mem.ID
	case "team":
		id, err := strconv.ParseInt(c.FormValue("team_id"), 10, 64)
		if err != nil {
			return invalid("team_id", "choose a team")
		}
		in.TargetID = id
	case "role":
		in.TargetValue = c.FormValue("role")
	case "channel":
		in.TargetValue = c.FormValue("channel")
	default:
		return invalid("target_kind", "want staff, team, role or channel")
	}
	return a.assign(c, in, "/modules/"+m.Code)
}

// trainingOverview lists the center's enrolments, overdue first.
func (a *App) trainingOverview(c *fiber.Ctx) error {
	f := training.EnrolmentFilter{Status: c.Query("status"), Limit: 500}
	es, err := a.training.CenterEnrolments(c.UserContext(), principal(c).CenterID, f)
	if err != nil {
		return err
	}
	return a.render(c, "training", "training.title", fiber.Map{"Enrolments": es, "Status": f.Status})
}
