package app

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/rbac"
)

// home sends each person to the page of their main role.
func (a *App) home(c *fiber.Ctx) error {
	switch {
	case a.hasRole(c, rbac.RoleAdmin):
		return c.Redirect("/admin/users", fiber.StatusSeeOther)
	case a.hasRole(c, rbac.RoleHR):
		return c.Redirect("/center", fiber.StatusSeeOther)
	case a.hasRole(c, rbac.RoleTrainer):
		return c.Redirect("/modules", fiber.StatusSeeOther)
	case a.hasRole(c, rbac.RoleTeamLead):
		if ids := a.ledTeams(principal(c).Subject); len(ids) > 0 {
			return c.Redirect("/teams/"+strconv.FormatInt(ids[0], 10), fiber.StatusSeeOther)
		}
	case a.hasRole(c, rbac.RoleEmployee):
		return c.Redirect("/my", fiber.StatusSeeOther)
	}
	return a.render(c, "home", "home.title", nil)
}

type personView struct {
	Member  *staff.Member
	History []staff.Membership
	Self    bool
}

// myPage is an employee's home: a digest line, their enrolments (overdue
// first), certificates, recent notifications and their own record.
func (a *App) myPage(c *fiber.Ctx) error {
	p := principal(c)
	if p.User == nil || p.User.StaffID == nil {
		return fiber.ErrForbidden
	}
	v, err := a.myTraining(c, *p.User.StaffID)
	if err != nil {
		return err
	}
	v.Self = true
	return a.render(c, "my", "my.title", v)
}

func (a *App) staffPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	v, err := a.person(c, id)
	if err != nil {
		return err
	}
	p := principal(c)
	v.Self = p.User != nil && p.User.StaffID != nil && *p.User.StaffID == id
	return a.render(c, "staff", "staff.title", v)
}

func (a *App) person(c *fiber.Ctx, id int64) (personView, error) {
	ctx := c.UserContext()
	m, err := a.staff.StaffByID(ctx, id)
	if err != nil {
		return personView{}, err
	}
	h, err := a.staff.Memberships(ctx, id)
	if err != nil {
		return personView{}, err
	}
	return personView{Member: m, History: h}, nil
}

type teamView struct {
	Team    *staff.Team
	Date    string
	Members []staff.Member
	Leads   []string
}

// teamPage lists the people of a team on a day (today by default, or
// ?date=YYYY-MM-DD to look back through membership history).
func (a *App) teamPage(c *fiber.Ctx) error {
	v, err := a.team(c)
	if err != nil {
		return err
	}
	return a.render(c, "team", "team.title", v)
}

func (a *App) team(c *fiber.Ctx) (teamView, error) {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return teamView{}, err
	}
	t, err := a.staff.TeamByID(ctx, id)
	if err != nil {
		return teamView{}, err
	}
	date := c.Query("date")
	if date == "" {
		if date, err = a.staff.Today(ctx, t.CenterID); err != nil {
			return teamView{}, err
		}
	} else if !validDate(date) {
		return teamView{}, invalid("date", "must be YYYY-MM-DD")
	}
	members, err := a.staff.TeamMembers(ctx, id, date)
	if err != nil {
		return teamView{}, err
	}
	v := teamView{Team: t, Date: date, Members: members}
	for _, sub := range a.authz.Holders(rbac.RoleTeamLead, rbac.TeamDomain(id)) {
		v.Leads = append(v.Leads, a.subjectLabel(ctx, sub))
	}
	return v, nil
}

type centerView struct {
	Center *staff.Center
	Teams  []staff.TeamSummary
	Total  int
}

// centerPage is the HR overview of the center: its teams and head counts.
func (a *App) centerPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(c)
	ctr, err := a.staff.Center(ctx, p.CenterID)
	if err != nil {
		return err
	}
	teams, err := a.staff.Teams(ctx, p.CenterID)
	if err != nil {
		return err
	}
	v := centerView{Center: ctr, Teams: teams}
	for _, t := range teams {
		v.Total += t.Members
	}
	return a.render(c, "center", "center.title", v)
}

func (a *App) itemsPage(c *fiber.Ctx) error {
	items, err := a.staff.Items(c.UserContext(), principal(c).CenterID)
	if err != nil {
		return err
	}
	return a.render(c, "items", "items.title", items)
}

func validDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}
