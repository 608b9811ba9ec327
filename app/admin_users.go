package app

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/rbac"
)

type userRow struct {
	User   auth.User
	Grants []rbac.Grant
}

type usersView struct {
	Users    []userRow
	Teams    []staff.TeamSummary
	Roles    []string
	Created  *auth.User
	Password string // a generated initial password, shown once
}

func (a *App) actor(c *fiber.Ctx) Actor {
	p := principal(c)
	return Actor{Name: p.Name(), IP: c.IP(), CenterID: p.CenterID}
}

func (a *App) adminUsers(c *fiber.Ctx) error {
	v, err := a.usersView(c.UserContext(), principal(c).CenterID)
	if err != nil {
		return err
	}
	return a.render(c, "admin/users", "users.title", v)
}

func (a *App) usersView(ctx context.Context, centerID int64) (usersView, error) {
	users, err := a.auth.Users(ctx, centerID)
	if err != nil {
		return usersView{}, err
	}
	teams, err := a.staff.Teams(ctx, centerID)
	if err != nil {
		return usersView{}, err
	}
	v := usersView{Teams: teams, Roles: personRoles()}
	for _, u := range users {
		v.Users = append(v.Users, userRow{User: u, Grants: a.authz.Grants(rbac.UserSubject(u.ID))})
	}
	return v, nil
}

// adminUserCreate creates an account from the form. Without a password one
// is generated and shown once; either way the person must change it at the
// first login.
func (a *App) adminUserCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := principal(c)
	in := NewUser{
		CenterID:           p.CenterID,
		Username:           strings.TrimSpace(c.FormValue("username")),
		DisplayName:        strings.TrimSpace(c.FormValue("display_name")),
		Password:           c.FormValue("password"),
		StaffNo:            strings.TrimSpace(c.FormValue("staff_no")),
		MustChangePassword: true,
	}
	if r := c.FormValue("role"); r != "" {
		in.Roles = []string{r}
	}
	if t := c.FormValue("team"); t != "" {
		in.Teams = []string{t}
	}
	generated := in.Password == ""
	if generated {
		in.Password = auth.GeneratePassword()
	}
	u, err := a.AddUser(ctx, in, a.actor(c))
	if err != nil {
		return a.formError(c, err, func(msg string) error {
			v, verr := a.usersView(ctx, p.CenterID)
			if verr != nil {
				return verr
			}
			pg := a.newPage(c, "users.title", v)
			pg.Error = msg
			return c.Render("admin/users", pg)
		})
	}
	v, err := a.usersView(ctx, p.CenterID)
	if err != nil {
		return err
	}
	v.Created = u
	if generated {
		v.Password = in.Password
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.render(c, "admin/users", "users.title", v)
}

// formError re-renders a form with a client error's message (status 4xx);
// server errors go to the error handler.
func (a *App) formError(c *fiber.Ctx, err error, rerender func(msg string) error) error {
	status := statusOf(err)
	if status >= 500 {
		return err
	}
	c.Status(status)
	c.Type("html", "utf-8")
	return rerender(publicMessage(err, status))
}

type userView struct {
	User   *auth.User
	Staff  *staff.Member
	Grants []rbac.Grant
	Teams  []staff.TeamSummary
	Roles  []string
}

// userInCenter loads the :id user and refuses users of other centers.
func (a *App) userInCenter(c *fiber.Ctx) (*auth.User, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	u, err := a.auth.User(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if u.CenterID != principal(c).CenterID {
		return nil, fiber.ErrNotFound
	}
	return u, nil
}

func (a *App) adminUser(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, err := a.userInCenter(c)
	if err != nil {
		return err
	}
	teams, err := a.staff.Teams(ctx, u.CenterID)
	if err != nil {
		return err
	}
	v := userView{User: u, Grants: a.authz.Grants(rbac.UserSubject(u.ID)), Teams: teams, Roles: personRoles()}
	if u.StaffID != nil {
		if v.Staff, err = a.staff.StaffByID(ctx, *u.StaffID); err != nil {
			return err
		}
	}
	return a.render(c, "admin/user", "user.title", v)
}

// adminUserUpdate changes the display name and the staff link.
func (a *App) adminUserUpdate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, err := a.userInCenter(c)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(c.FormValue("display_name"))
	if name == "" {
		return invalid("display_name", "required")
	}
	u.DisplayName = name
	u.StaffID = nil
	if no := strings.TrimSpace(c.FormValue("staff_no")); no != "" {
		m, err := a.staff.StaffByNo(ctx, u.CenterID, no)
		if errors.Is(err, store.ErrNotFound) {
			return invalid("staff_no", "no staff member with number %q", no)
		} else if err != nil {
			return err
		}
		u.StaffID = &m.ID
	}
	if err := a.auth.UpdateUser(ctx, u); err != nil {
		return err
	}
	a.record(c, "user.update", rbac.UserSubject(u.ID), "display_name="+u.DisplayName)
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/users/"+strconv.FormatInt(u.ID, 10), fiber.StatusSeeOther)
}

// adminUserGrant adds one role with its scope.
func (a *App) adminUserGrant(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, err := a.userInCenter(c)
	if err != nil {
		return err
	}
	var teamIDs []int64
	if t := c.FormValue("team_id"); t != "" {
		id, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return invalid("team_id", "not a team")
		}
		if _, err := a.staff.Team(ctx, u.CenterID, id); err != nil {
			return invalid("team_id", "not a team of this center")
		}
		teamIDs = append(teamIDs, id)
	}
	grants, err := a.grantsFor(u, c.FormValue("role"), u.CenterID, teamIDs)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if err := a.authz.AddGrant(ctx, g); err != nil {
			return err
		}
	}
	a.record(c, "role.grant", rbac.UserSubject(u.ID), grantList(grants))
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/users/"+strconv.FormatInt(u.ID, 10), fiber.StatusSeeOther)
}

// adminUserRevoke removes one role in one domain.
func (a *App) adminUserRevoke(c *fiber.Ctx) error {
	u, err := a.userInCenter(c)
	if err != nil {
		return err
	}
	g := rbac.Grant{Subject: rbac.UserSubject(u.ID), Role: c.FormValue("role"), Domain: c.FormValue("domain")}
	if p := principal(c); p.Subject == g.Subject && g.Role == rbac.RoleAdmin {
		return invalid("role", "you cannot remove your own admin role")
	}
	if err := a.authz.RemoveGrant(c.UserContext(), g); err != nil {
		return err
	}
	a.record(c, "role.revoke", g.Subject, g.Role+"@"+g.Domain)
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/users/"+strconv.FormatInt(u.ID, 10), fiber.StatusSeeOther)
}

func (a *App) adminUserDisable(c *fiber.Ctx) error { return a.setDisabled(c, true) }
func (a *App) adminUserEnable(c *fiber.Ctx) error  { return a.setDisabled(c, false) }

// setDisabled blocks or unblocks an account; blocking ends its sessions at once.
func (a *App) setDisabled(c *fiber.Ctx, disabled bool) error {
	u, err := a.userInCenter(c)
	if err != nil {
		return err
	}
	if disabled && principal(c).Subject == rbac.UserSubject(u.ID) {
		return invalid("user", "you cannot disable your own account")
	}
	if err := a.auth.SetDisabled(c.UserContext(), u.ID, disabled); err != nil {
		return err
	}
	action := "user.enable"
	if disabled {
		action = "user.disable"
	}
	a.record(c, action, rbac.UserSubject(u.ID), "username="+u.Username)
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/users/"+strconv.FormatInt(u.ID, 10), fiber.StatusSeeOther)
}

// adminUserResetPassword sets a generated one-time password, shown once, and
// forces a change at the next login.
func (a *App) adminUserResetPassword(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, err := a.userInCenter(c)
	if err != nil {
		return err
	}
	pw := auth.GeneratePassword()
	if err := a.auth.ResetPassword(ctx, u.ID, pw); err != nil {
		return err
	}
	a.record(c, "user.reset_password", rbac.UserSubject(u.ID), "username="+u.Username)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.render(c, "admin/password_reset", "user.reset_title", fiber.Map{"User": u, "Password": pw})
}
