// Package demo loads the demo center that `make run` starts with: three
// teams (window, online review, 12345 hotline), thirty staff with Chinese
// names (rare characters included), a few service items, one account per
// role and a rating-feed token. Seeding is idempotent.
package demo

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/rbac"
)

//go:embed staff.csv
var staffCSV []byte

//go:embed modules/*.md
var moduleFiles embed.FS

//go:embed quizzes/*.gift
var quizFiles embed.FS

// Password is the password of every demo account. Demo data is for trying
// the product, never for production.
const Password = "kaoping-demo"

// Login is one demo account (or token) to print.
type Login struct {
	Username string
	Password string
	Role     string
	Note     string
}

func demoActor() app.Actor { return app.Actor{Name: "seed demo", IP: "local"} }

// SeedIfEmpty seeds only when the default center has no staff yet; either
// way it returns the demo logins that exist.
func SeedIfEmpty(ctx context.Context, a *app.App, db *bun.DB) ([]Login, error) {
	c, err := a.Staff().DefaultCenter(ctx)
	if err != nil {
		return nil, err
	}
	n, err := db.NewSelect().Table("staff").Where("center_id = ?", c.ID).Count(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return Seed(ctx, a, db)
	}
	return existing(ctx, a), nil
}

// Seed loads (or completes) the demo center and returns its logins.
func Seed(ctx context.Context, a *app.App, db *bun.DB) ([]Login, error) {
	s := a.Staff()
	c, err := s.DefaultCenter(ctx)
	if err != nil {
		return nil, err
	}
	if c.Code == "default" && c.Name == "政务服务中心" {
		c.Name = "示范区政务服务中心"
		if err := s.UpdateCenter(ctx, c); err != nil {
			return nil, err
		}
	}
	for _, t := range []staff.Team{
		{Code: "window", Name: "综合受理窗口组", Channel: "offline"},
		{Code: "online", Name: "一网通办审核组", Channel: "online"},
		{Code: "hotline", Name: "12345热线坐席组", Channel: "hotline"},
	} {
		if _, err := s.FindTeam(ctx, c.ID, t.Code); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		t.CenterID = c.ID
		if err := s.CreateTeam(ctx, &t); err != nil {
			return nil, err
		}
	}
	for _, it := range []staff.ServiceItem{
		{Code: "310100-001", Name: "企业设立登记"},
		{Code: "310100-002", Name: "个体工商户设立登记"},
		{Code: "310100-003", Name: "食品经营许可"},
		{Code: "310100-004", Name: "居住证办理"},
		{Code: "310100-005", Name: "社会保障卡申领"},
		{Code: "310100-006", Name: "不动产登记资料查询"},
	} {
		if _, err := s.ItemByCode(ctx, c.ID, it.Code); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		it.CenterID = c.ID
		if err := s.CreateItem(ctx, &it); err != nil {
			return nil, err
		}
	}
	loc, err := c.Location()
	if err != nil {
		return nil, err
	}
	now := time.Now().In(loc)
	// Everyone joined their team before the demo's rating history starts.
	asOf := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -demoMonths, 0).Format(time.DateOnly)
	if _, err := a.ImportStaff(ctx, bytes.NewReader(staffCSV), app.StaffImport{FileName: "demo staff.csv", ImportOptions: staff.ImportOptions{Encoding: "utf-8", AsOf: asOf}}, demoActor()); err != nil {
		return nil, fmt.Errorf("demo staff: %w", err)
	}
	users := []app.NewUser{
		{Username: "admin", DisplayName: "系统管理员", Roles: []string{rbac.RoleAdmin}},
		{Username: "hr", DisplayName: "人事 顾敏", Roles: []string{rbac.RoleHR}},
		{Username: "trainer", DisplayName: "培训专员 钱进", Roles: []string{rbac.RoleTrainer}},
		{Username: "lead", Roles: []string{rbac.RoleTeamLead, rbac.RoleEmployee}, Teams: []string{"window"}, StaffNo: "W001"},
		{Username: "employee", Roles: []string{rbac.RoleEmployee}, StaffNo: "W002"},
	}
	for _, u := range users {
		if _, err := a.Auth().UserByName(ctx, u.Username); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		u.CenterID, u.Password = c.ID, Password
		if _, err := a.AddUser(ctx, u, demoActor()); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", u.Username, err)
		}
	}
	if err := seedTraining(ctx, a, db, c.ID); err != nil {
		return nil, fmt.Errorf("demo training: %w", err)
	}
	if err := seedRatings(ctx, a, c.ID, now); err != nil {
		return nil, fmt.Errorf("demo ratings: %w", err)
	}
	logins := existing(ctx, a)
	toks, err := a.Auth().Tokens(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		if t.Name == "demo-feed" {
			return logins, nil // from an earlier seed; its plaintext is gone
		}
	}
	plain, _, err := a.CreateToken(ctx, "demo-feed", rbac.RoleRatingFeed, demoActor())
	if err != nil {
		return nil, err
	}
	return append(logins, Login{Username: "demo-feed", Password: plain, Role: rbac.RoleRatingFeed, Note: "API token (Authorization: Bearer …), shown once"}), nil
}

func existing(ctx context.Context, a *app.App) []Login {
	var out []Login
	for _, l := range []Login{
		{Username: "admin", Role: "admin", Note: "users, teams, staff, policies"},
		{Username: "hr", Role: "hr", Note: "center overview, training progress"},
		{Username: "trainer", Role: "trainer", Note: "modules, quizzes, question bank"},
		{Username: "lead", Role: "team_lead + employee", Note: "综合受理窗口组 (张伟)"},
		{Username: "employee", Role: "employee", Note: "王芳"},
	} {
		if _, err := a.Auth().UserByName(ctx, l.Username); err == nil {
			l.Password = Password
			out = append(out, l)
		}
	}
	return out
}

// PrintLogins writes the logins as a table.
func PrintLogins(w io.Writer, logins []Login) {
	if len(logins) == 0 {
		return
	}
	fmt.Fprintln(w, "Demo logins:")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  USERNAME\tPASSWORD\tROLE\t")
	for _, l := range logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", l.Username, l.Password, l.Role, l.Note)
	}
	tw.Flush()
}
