package app

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/staff"
)

func (a *App) adminTeams(c *fiber.Ctx) error {
	teams, err := a.staff.Teams(c.UserContext(), principal(c).CenterID)
	if err != nil {
		return err
	}
	return a.render(c, "admin/teams", "teams.title", teams)
}

// adminTeamSave creates a team, or updates the one named by the id field.
func (a *App) adminTeamSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(c)
	ch, err := channel.Parse(c.FormValue("channel"))
	if err != nil {
		return invalid("channel", "%s", err.Error())
	}
	t := &staff.Team{CenterID: p.CenterID, Code: strings.TrimSpace(c.FormValue("code")), Name: strings.TrimSpace(c.FormValue("name")), Channel: ch}
	action := "team.create"
	if id := c.FormValue("id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return invalid("id", "not a team")
		}
		old, err := a.staff.Team(ctx, p.CenterID, n)
		if err != nil {
			return err
		}
		t.ID, t.CreatedAt, action = old.ID, old.CreatedAt, "team.update"
		err = a.staff.UpdateTeam(ctx, t)
		if err != nil {
			return err
		}
	} else if err := a.staff.CreateTeam(ctx, t); err != nil {
		return err
	}
	a.record(c, action, "team:"+strconv.FormatInt(t.ID, 10), t.Code+" "+t.Name)
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/teams", fiber.StatusSeeOther)
}

type staffListView struct {
	Members []staff.Member
	Teams   []staff.TeamSummary
	Query   string
	TeamID  int64
	Import  *staff.ImportResult
	Rejects []string
}

func (a *App) adminStaff(c *fiber.Ctx) error {
	v, err := a.staffList(c)
	if err != nil {
		return err
	}
	return a.render(c, "admin/staff", "staff_admin.title", v)
}

func (a *App) staffList(c *fiber.Ctx) (staffListView, error) {
	ctx := c.UserContext()
	p := principal(c)
	v := staffListView{Query: strings.TrimSpace(c.Query("q"))}
	v.TeamID, _ = strconv.ParseInt(c.Query("team"), 10, 64)
	var err error
	if v.Members, err = a.staff.ListStaff(ctx, p.CenterID, staff.StaffFilter{TeamID: v.TeamID, Query: v.Query, Limit: 500}); err != nil {
		return v, err
	}
	if v.Teams, err = a.staff.Teams(ctx, p.CenterID); err != nil {
		return v, err
	}
	return v, nil
}

// adminStaffSave creates or updates one person by staff number.
func (a *App) adminStaffSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(c)
	chs, err := channel.ParseList(c.FormValue("channels"))
	if err != nil {
		return invalid("channels", "%s", err.Error())
	}
	teamID, _ := strconv.ParseInt(c.FormValue("team_id"), 10, 64)
	if teamID != 0 {
		if _, err := a.staff.Team(ctx, p.CenterID, teamID); err != nil {
			return invalid("team_id", "not a team of this center")
		}
	}
	in := staff.StaffInput{
		CenterID:    p.CenterID,
		StaffNo:     strings.TrimSpace(c.FormValue("staff_no")),
		Name:        strings.TrimSpace(c.FormValue("name")),
		TeamID:      teamID,
		Channels:    chs,
		ExternalIDs: splitList(c.FormValue("external_ids")),
		Active:      c.FormValue("active", "on") != "off",
	}
	m, created, err := a.staff.SaveStaff(ctx, a.db, in)
	if err != nil {
		return err
	}
	action := "staff.update"
	if created {
		action = "staff.create"
	}
	a.record(c, action, "staff:"+strconv.FormatInt(m.ID, 10), m.StaffNo+" "+m.Name)
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/staff", fiber.StatusSeeOther)
}

func splitList(s string) []string {
	f := func(r rune) bool { return strings.ContainsRune(";；,，、\n", r) }
	var out []string
	for _, p := range strings.FieldsFunc(s, f) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// adminStaffImport imports an uploaded staff CSV: all rows or none, unless
// the admin ticks "skip invalid rows"; rejects are listed line by line.
func (a *App) adminStaffImport(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(c)
	fh, err := c.FormFile("file")
	if err != nil {
		return invalid("file", "choose a CSV file")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return err
	}
	res, err := a.staff.Import(ctx, p.CenterID, &buf, staff.ImportOptions{
		Encoding:    c.FormValue("encoding", "auto"),
		SkipInvalid: c.FormValue("skip_invalid") != "",
	})
	v, lerr := a.staffList(c)
	if lerr != nil {
		return lerr
	}
	var ie *staff.ImportError
	if errors.As(err, &ie) {
		for _, r := range ie.Rows {
			v.Rejects = append(v.Rejects, fh.Filename+":"+r.Error())
		}
		pg := a.newPage(c, "staff_admin.title", v)
		pg.Error = a.msgs.T(lang(c), "import.nothing_written", len(ie.Rows))
		c.Status(fiber.StatusUnprocessableEntity)
		c.Type("html", "utf-8")
		return c.Render("admin/staff", pg)
	}
	if err != nil {
		return a.formError(c, err, func(msg string) error {
			pg := a.newPage(c, "staff_admin.title", v)
			pg.Error = msg
			return c.Render("admin/staff", pg)
		})
	}
	a.record(c, "staff.import", "file:"+fh.Filename, "created="+strconv.Itoa(res.Created)+" updated="+strconv.Itoa(res.Updated)+" moved="+strconv.Itoa(res.Moved)+" rejected="+strconv.Itoa(len(res.Rejected)))
	if v, err = a.staffList(c); err != nil {
		return err
	}
	v.Import = res
	for _, r := range res.Rejected {
		v.Rejects = append(v.Rejects, fh.Filename+":"+r.Error())
	}
	return a.render(c, "admin/staff", "staff_admin.title", v)
}

func (a *App) adminItems(c *fiber.Ctx) error {
	items, err := a.staff.Items(c.UserContext(), principal(c).CenterID)
	if err != nil {
		return err
	}
	return a.render(c, "admin/items", "items_admin.title", items)
}

// adminItemSave creates a service item, or renames the one named by id.
func (a *App) adminItemSave(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(c)
	it := &staff.ServiceItem{CenterID: p.CenterID, Code: strings.TrimSpace(c.FormValue("code")), Name: strings.TrimSpace(c.FormValue("name"))}
	action := "item.create"
	if id := c.FormValue("id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return invalid("id", "not a service item")
		}
		old, err := a.staff.ItemByID(ctx, p.CenterID, n)
		if err != nil {
			return err
		}
		it.ID, it.CreatedAt, action = old.ID, old.CreatedAt, "item.update"
		if err := a.staff.UpdateItem(ctx, it); err != nil {
			return err
		}
	} else if err := a.staff.CreateItem(ctx, it); err != nil {
		return err
	}
	a.record(c, action, "item:"+it.Code, it.Name)
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/items", fiber.StatusSeeOther)
}
