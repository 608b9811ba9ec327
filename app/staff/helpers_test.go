package staff_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store/storetest"
)

// clock is storetest's settable test clock plus SetDay; time is injected,
// never slept on.
type clock struct{ storetest.Clock }

// SetDay sets the clock to noon of day (YYYY-MM-DD) in Shanghai.
func (c *clock) SetDay(tb testing.TB, day string) {
	tb.Helper()
	c.Set(storetest.At(tb, day+" 12:00:00"))
}

type fixture struct {
	db     *bun.DB
	svc    *staff.Service
	clock  *clock
	center *staff.Center
}

// newFixture gives a test its own migrated database (SQLite, or PostgreSQL
// with KAOPING_TEST_PG), a service on it with a clock at 2026-03-02, and the
// default center.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storetest.New(t)
	clk := &clock{}
	clk.SetDay(t, "2026-03-02")
	svc := staff.NewService(db, clk.Now)
	c, err := svc.DefaultCenter(context.Background())
	if err != nil {
		t.Fatalf("DefaultCenter: %v", err)
	}
	return &fixture{db: db, svc: svc, clock: clk, center: c}
}

func (f *fixture) count(t *testing.T, model any) int {
	t.Helper()
	n, err := f.db.NewSelect().Model(model).Count(context.Background())
	if err != nil {
		t.Fatalf("count %T: %v", model, err)
	}
	return int(n)
}

// counts returns the number of rows in the directory tables.
func (f *fixture) counts(t *testing.T) [4]int {
	t.Helper()
	return [4]int{
		f.count(t, (*staff.Team)(nil)),
		f.count(t, (*staff.Staff)(nil)),
		f.count(t, (*staff.ExternalID)(nil)),
		f.count(t, (*staff.Membership)(nil)),
	}
}

func (f *fixture) team(t *testing.T, code, name, ch string) *staff.Team {
	t.Helper()
	tm := &staff.Team{CenterID: f.center.ID, Code: code, Name: name, Channel: ch}
	if err := f.svc.CreateTeam(context.Background(), tm); err != nil {
		t.Fatalf("CreateTeam(%s): %v", code, err)
	}
	return tm
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
