package followup_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store/storetest"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/app/workdays"
	"github.com/kaoping/kaoping/rbac"
)

// endOf is the end of a day in Shanghai as the service stores a deadline:
// 23:59:59.999999 local, in UTC.
func endOf(tb testing.TB, day string) time.Time {
	tb.Helper()
	return storetest.At(tb, day+" 23:59:59").Add(999999 * time.Microsecond).UTC()
}

type fixture struct {
	db      *bun.DB
	dsn     storetest.DSN
	clock   *storetest.Clock
	staff   *staff.Service
	ratings *ratings.Service
	svc     *followup.Service
	center  *staff.Center
	teamA   *staff.Team
	teamB   *staff.Team

	// 张伟 (1001) and 刘洋 (1005) work in team A, led by 李娜 (1002);
	// 王强 (1003) is HR; 赵敏 (1004) leads team B and works in it.
	person, colleague, lead, hr, leadB *staff.Member
}

// start is the fixture clock's start: Friday 2026-09-25 17:00 in Shanghai,
// the first day of the 2026 Mid-Autumn holiday, a week before National Day.
const start = "2026-09-25 17:00:00"

// newFixture gives a test its own migrated database (SQLite, or PostgreSQL
// with KAOPING_TEST_PG), the default center (Asia/Shanghai), the people
// above with their accounts and grants, and a ratings service that opens
// cases in its ingest transaction, as the application wires it.
func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	ctx := context.Background()
	db, dsn := storetest.NewDSN(tb)
	clk := storetest.NewClock(storetest.At(tb, start))
	st := staff.NewService(db, clk.Now)
	c, err := st.DefaultCenter(ctx)
	if err != nil {
		tb.Fatalf("DefaultCenter: %v", err)
	}
	f := &fixture{db: db, dsn: dsn, clock: clk, staff: st, center: c}
	f.svc = f.service(db)
	f.ratings = ratings.NewService(db, st, clk.Now, ratings.Options{OnBad: f.svc.OpenCases})
	f.teamA = f.team(tb, "A")
	f.teamB = f.team(tb, "B")
	f.person = f.member(tb, "1001", "张伟", f.teamA.ID)
	f.lead = f.member(tb, "1002", "李娜", f.teamA.ID)
	f.hr = f.member(tb, "1003", "王强", 0)
	f.leadB = f.member(tb, "1004", "赵敏", f.teamB.ID)
	f.colleague = f.member(tb, "1005", "刘洋", f.teamA.ID)
	f.account(tb, f.person, rbac.Grant{Role: rbac.RoleEmployee, Domain: rbac.StaffDomain(f.person.ID)})
	f.account(tb, f.lead, rbac.Grant{Role: rbac.RoleTeamLead, Domain: rbac.TeamDomain(f.teamA.ID)})
	f.account(tb, f.hr, rbac.Grant{Role: rbac.RoleHR, Domain: rbac.CenterDomain(c.ID)})
	f.account(tb, f.leadB, rbac.Grant{Role: rbac.RoleTeamLead, Domain: rbac.TeamDomain(f.teamB.ID)})
	return f
}

// service is a followup service on db (another pool on the same database
// is another server instance).
func (f *fixture) service(db *bun.DB) *followup.Service {
	st := staff.NewService(db, f.clock.Now)
	return followup.New(db, f.clock.Now, st, workdays.NewStore(db), audit.New(db, f.clock.Now), followup.DefaultRules())
}

func (f *fixture) team(tb testing.TB, code string) *staff.Team {
	tb.Helper()
	t := &staff.Team{CenterID: f.center.ID, Code: code, Name: "班组" + code, Channel: "offline"}
	if err := f.staff.CreateTeam(context.Background(), t); err != nil {
		tb.Fatalf("CreateTeam(%s): %v", code, err)
	}
	return t
}

// member creates a person in team (0: none) from 2026-01-01 on.
func (f *fixture) member(tb testing.TB, no, name string, teamID int64) *staff.Member {
	tb.Helper()
	m, _, err := f.staff.SaveStaff(context.Background(), nil, staff.StaffInput{
		CenterID: f.center.ID, StaffNo: no, Name: name, TeamID: teamID,
		Channels: []string{"offline"}, Active: true, AsOf: "2026-01-01",
	})
	if err != nil {
		tb.Fatalf("SaveStaff(%s): %v", no, err)
	}
	return m
}

// account gives m a user account holding the grant (its Subject is filled
// in), as account administration does.
func (f *fixture) account(tb testing.TB, m *staff.Member, g rbac.Grant) {
	tb.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	u := &auth.User{CenterID: f.center.ID, Username: "u" + m.StaffNo, DisplayName: m.Name, PasswordHash: "x",
		StaffID: &m.ID, CreatedAt: now, UpdatedAt: now}
	if _, err := f.db.NewInsert().Model(u).Exec(ctx); err != nil {
		tb.Fatalf("insert user %s: %v", m.StaffNo, err)
	}
	g.Subject = rbac.UserSubject(u.ID)
	if err := rbac.WriteGrants(ctx, f.db, []rbac.Grant{g}); err != nil {
		tb.Fatalf("grant %v: %v", g, err)
	}
}

// actor is the signed-in account of m.
func actor(m *staff.Member) followup.Actor {
	return followup.Actor{Label: fmt.Sprintf("user:%d %s", m.ID, m.Name), IP: "10.0.0.1", StaffID: m.ID}
}

// rate ingests one rating of the person with staff number no, rated an hour
// before the clock and received now, and returns it as stored.
func (f *fixture) rate(tb testing.TB, externalID, no string, level int) ratings.Rating {
	tb.Helper()
	ctx := context.Background()
	in := ratings.Input{ExternalID: externalID, RatedAt: f.clock.Now().Add(-time.Hour).In(storetest.Shanghai(tb)).Format(time.DateTime),
		Channel: "窗口", StaffNo: no, Level: level, Reasons: "态度差", Comment: "等了很久", IsDefault: "否"}
	if _, err := f.ratings.Ingest(ctx, f.center.ID, []ratings.Input{in}, ratings.SourceAPI); err != nil {
		tb.Fatalf("Ingest(%s): %v", externalID, err)
	}
	var r ratings.Rating
	if err := f.db.NewSelect().Model(&r).Where("r.center_id = ?", f.center.ID).
		Where("r.external_id = ?", externalID).Scan(ctx); err != nil {
		tb.Fatalf("rating %s: %v", externalID, err)
	}
	return r
}

// caseOf returns the case of a rating.
func (f *fixture) caseOf(tb testing.TB, r ratings.Rating) *followup.Case {
	tb.Helper()
	c, err := f.svc.CaseByRating(context.Background(), r.ID)
	if err != nil {
		tb.Fatalf("CaseByRating(%d): %v", r.ID, err)
	}
	return c
}

// rating reads a rating back.
func (f *fixture) rating(tb testing.TB, id int64) ratings.Rating {
	tb.Helper()
	var r ratings.Rating
	if err := f.db.NewSelect().Model(&r).Where("r.id = ?", id).Scan(context.Background()); err != nil {
		tb.Fatalf("rating %d: %v", id, err)
	}
	return r
}

// audits returns the audit entries of an action about target, oldest first.
func (f *fixture) audits(tb testing.TB, action, target string) []audit.Entry {
	tb.Helper()
	var es []audit.Entry
	if err := f.db.NewSelect().Model(&es).Where("action = ?", action).Where("target = ?", target).
		OrderExpr("id").Scan(context.Background()); err != nil {
		tb.Fatalf("audit %s: %v", action, err)
	}
	return es
}

// notifications returns the notifications of a person of one kind.
func (f *fixture) notifications(tb testing.TB, staffID int64, kind string) []training.Notification {
	tb.Helper()
	var ns []training.Notification
	if err := f.db.NewSelect().Model(&ns).Where("n.staff_id = ?", staffID).Where("n.kind = ?", kind).
		OrderExpr("n.id").Scan(context.Background()); err != nil {
		tb.Fatalf("notifications: %v", err)
	}
	return ns
}

// wantErr fails unless err matches want and, when given, its message
// contains every one of parts.
func wantErr(tb testing.TB, err, want error, parts ...string) {
	tb.Helper()
	if !errors.Is(err, want) {
		tb.Fatalf("err = %v, want %v", err, want)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			tb.Errorf("error %q does not mention %q", err, p)
		}
	}
}

func caseTarget(c *followup.Case) string     { return fmt.Sprintf("rating_case:%d", c.ID) }
func appealTarget(a *followup.Appeal) string { return fmt.Sprintf("rating_appeal:%d", a.ID) }
