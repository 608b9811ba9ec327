package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/app/workdays"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
	"github.com/kaoping/kaoping/rbac"
)

// Actor is who performs an administrative action, for the audit trail.
type Actor struct {
	Name     string // "cli", "user:1 admin"
	IP       string
	CenterID int64
}

// NewUser describes an account to create, from the CLI or the admin UI.
type NewUser struct {
	CenterID           int64 // 0: the default center
	Username           string
	DisplayName        string
	Password           string
	Roles              []string
	Teams              []string // codes or names; the teams a team_lead leads
	StaffNo            string   // links the account to a staff record (required for employee)
	MustChangePassword bool
}

// AddUser creates an account with its roles and scopes in one transaction,
// audited. Unknown roles, teams or staff numbers are errors naming the value.
func (a *App) AddUser(ctx context.Context, in NewUser, by Actor) (*auth.User, error) {
	if in.CenterID == 0 {
		c, err := a.staff.DefaultCenter(ctx)
		if err != nil {
			return nil, err
		}
		in.CenterID = c.ID
	}
	if len(in.Roles) == 0 {
		return nil, invalid("role", "at least one role is required (%s)", strings.Join(personRoles(), ", "))
	}
	u := &auth.User{CenterID: in.CenterID, Username: in.Username, DisplayName: in.DisplayName, MustChangePassword: in.MustChangePassword}
	if in.StaffNo != "" {
		m, err := a.staff.StaffByNo(ctx, in.CenterID, in.StaffNo)
		if errors.Is(err, store.ErrNotFound) {
			return nil, invalid("staff_no", "no staff member with number %q", in.StaffNo)
		} else if err != nil {
			return nil, err
		}
		u.StaffID = &m.ID
		if u.DisplayName == "" {
			u.DisplayName = m.Name
		}
	}
	if u.DisplayName == "" {
		u.DisplayName = in.Username
	}
	var teamIDs []int64
	for _, t := range in.Teams {
		team, err := a.staff.FindTeam(ctx, in.CenterID, t)
		if errors.Is(err, store.ErrNotFound) {
			return nil, invalid("team", "no team %q", t)
		} else if err != nil {
			return nil, err
		}
		teamIDs = append(teamIDs, team.ID)
	}
	err := a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := a.auth.CreateUser(ctx, tx, u, in.Password); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return invalid("username", "%q is taken", in.Username)
			}
			return err
		}
		var grants []rbac.Grant
		for _, role := range in.Roles {
			g, err := a.grantsFor(u, role, in.CenterID, teamIDs)
			if err != nil {
				return err
			}
			grants = append(grants, g...)
		}
		if len(teamIDs) > 0 && !slices.Contains(in.Roles, rbac.RoleTeamLead) {
			return invalid("team", "teams are the scope of the team_lead role; add --role team_lead")
		}
		if err := rbac.WriteGrants(ctx, tx, grants); err != nil {
			return err
		}
		return a.audit.Record(ctx, tx, audit.Entry{CenterID: &in.CenterID, Actor: by.Name, IP: by.IP, Action: "user.create",
			Target: rbac.UserSubject(u.ID), Detail: fmt.Sprintf("username=%s roles=%s", u.Username, grantList(grants))})
	})
	if err != nil {
		return nil, err
	}
	return u, a.authz.Refresh(ctx)
}

// grantsFor turns a role into its scoped grants for user u: employee in the
// person's own staff domain, team_lead in each led team, the others in the
// center.
func (a *App) grantsFor(u *auth.User, role string, centerID int64, teamIDs []int64) ([]rbac.Grant, error) {
	sub := rbac.UserSubject(u.ID)
	switch role {
	case rbac.RoleEmployee:
		if u.StaffID == nil {
			return nil, invalid("staff_no", "the employee role needs a staff record (--staff-no)")
		}
		return []rbac.Grant{{Subject: sub, Role: role, Domain: rbac.StaffDomain(*u.StaffID)}}, nil
	case rbac.RoleTeamLead:
		if len(teamIDs) == 0 {
			return nil, invalid("team", "the team_lead role needs at least one team (--team)")
		}
		var gs []rbac.Grant
		for _, id := range teamIDs {
			gs = append(gs, rbac.Grant{Subject: sub, Role: role, Domain: rbac.TeamDomain(id)})
		}
		return gs, nil
	case rbac.RoleTrainer, rbac.RoleHR, rbac.RoleAdmin:
		return []rbac.Grant{{Subject: sub, Role: role, Domain: rbac.CenterDomain(centerID)}}, nil
	}
	return nil, invalid("role", "unknown role %q (one of %s)", role, strings.Join(personRoles(), ", "))
}

// personRoles are the roles a person's account can hold (rating_feed and
// monitor are for API tokens).
func personRoles() []string {
	var out []string
	for _, r := range rbac.Roles() {
		if !tokenRole(r) {
			out = append(out, r)
		}
	}
	return out
}

// tokenRole reports whether r is a role of machine clients (API tokens).
func tokenRole(r string) bool { return r == rbac.RoleRatingFeed || r == rbac.RoleMonitor }

func grantList(gs []rbac.Grant) string {
	parts := make([]string, 0, len(gs))
	for _, g := range gs {
		parts = append(parts, g.Role+"@"+g.Domain)
	}
	return strings.Join(parts, ",")
}

// CreateToken creates an API token for a machine client and returns its
// plaintext, which is shown once and stored only hashed.
func (a *App) CreateToken(ctx context.Context, name, role string, by Actor) (string, *auth.Token, error) {
	if !tokenRole(role) {
		return "", nil, invalid("role", "tokens are for machine clients: role must be %s or %s", rbac.RoleRatingFeed, rbac.RoleMonitor)
	}
	if strings.TrimSpace(name) == "" {
		return "", nil, invalid("name", "required")
	}
	centerID := by.CenterID
	if centerID == 0 {
		c, err := a.staff.DefaultCenter(ctx)
		if err != nil {
			return "", nil, err
		}
		centerID = c.ID
	}
	var plain string
	var tok *auth.Token
	err := a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		plain, tok, err = a.auth.CreateToken(ctx, tx, centerID, strings.TrimSpace(name), role)
		if errors.Is(err, store.ErrConflict) {
			return invalid("name", "a token named %q exists", name)
		} else if err != nil {
			return err
		}
		if err := rbac.WriteGrants(ctx, tx, []rbac.Grant{{Subject: rbac.TokenSubject(tok.ID), Role: role, Domain: rbac.CenterDomain(centerID)}}); err != nil {
			return err
		}
		return a.audit.Record(ctx, tx, audit.Entry{CenterID: &centerID, Actor: by.Name, IP: by.IP, Action: "token.create",
			Target: rbac.TokenSubject(tok.ID), Detail: "name=" + tok.Name + " role=" + role})
	})
	if err != nil {
		return "", nil, err
	}
	return plain, tok, a.authz.Refresh(ctx)
}

// UserRow is an account as the CLI lists it.
type UserRow struct {
	ID          int64
	Username    string
	DisplayName string
	Roles       []string // "role@domain"
	Status      string
}

// UserList lists the accounts of a center (0: the default center).
func (a *App) UserList(ctx context.Context, centerID int64) ([]UserRow, error) {
	if centerID == 0 {
		c, err := a.staff.DefaultCenter(ctx)
		if err != nil {
			return nil, err
		}
		centerID = c.ID
	}
	users, err := a.auth.Users(ctx, centerID)
	if err != nil {
		return nil, err
	}
	out := make([]UserRow, 0, len(users))
	for _, u := range users {
		r := UserRow{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Status: "active"}
		for _, g := range a.authz.Grants(rbac.UserSubject(u.ID)) {
			r.Roles = append(r.Roles, g.Role+"@"+g.Domain)
		}
		switch {
		case u.Disabled:
			r.Status = "disabled"
		case u.MustChangePassword:
			r.Status = "must-change-password"
		}
		out = append(out, r)
	}
	return out, nil
}

// Staff exposes the staff directory service (CLI, demo seed, tests).
func (a *App) Staff() *staff.Service { return a.staff }

// Auth exposes the account service (CLI, demo seed, tests).
func (a *App) Auth() *auth.Service { return a.auth }

// Training exposes the training service (CLI, demo seed, tests).
func (a *App) Training() *training.Service { return a.training }

// Quizzes exposes the quiz store (CLI, demo seed, tests).
func (a *App) Quizzes() *quizstore.Store { return a.quizzes }

// CenterLocation is the default center's time zone (CLI dates).
func (a *App) CenterLocation() (*time.Location, error) {
	c, err := a.staff.DefaultCenter(context.Background())
	if err != nil {
		return nil, err
	}
	return c.Location()
}

// Workdays exposes the working-day calendars (tests, CLI).
func (a *App) Workdays() *workdays.Store { return a.workdays }

// Ratings exposes the ratings service (tests, CLI).
func (a *App) Ratings() *ratings.Service { return a.ratings }

// Followup exposes the bad-rating cases and appeals (tests, CLI).
func (a *App) Followup() *followup.Service { return a.followup }
