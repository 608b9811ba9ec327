package auth_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/store/storetest"
)

// newClock is the injected clock: tests move it, never sleep.
func newClock() *storetest.Clock {
	// Not UTC and with nanoseconds, so the service must convert and truncate.
	return storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.FixedZone("CST", 8*3600)))
}

// cheapParams keep the tests fast; one test checks the real defaults.
func cheapParams() auth.Params {
	return auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}

type fixture struct {
	db     *bun.DB
	svc    *auth.Service
	clock  *storetest.Clock
	center int64
	cfg    auth.Config
}

func newFixture(t *testing.T, tweak ...func(*auth.Config)) *fixture {
	t.Helper()
	db := storetest.New(t)
	cfg := auth.DefaultConfig()
	cfg.Params = cheapParams()
	for _, f := range tweak {
		f(&cfg)
	}
	clock := newClock()
	f := &fixture{db: db, clock: clock, cfg: cfg, svc: auth.NewService(db, cfg, clock.Now)}
	if err := db.NewSelect().Table("centers").Column("id").Where("code = 'default'").Scan(context.Background(), &f.center); err != nil {
		t.Fatalf("default center: %v", err)
	}
	return f
}

const goodPassword = "correct horse battery"

func (f *fixture) createUser(t *testing.T, name, password string) *auth.User {
	t.Helper()
	u := &auth.User{CenterID: f.center, Username: name}
	if err := f.svc.CreateUser(context.Background(), f.db, u, password); err != nil {
		t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

// addCenter inserts another center and returns its id.
func (f *fixture) addCenter(t *testing.T, code string) int64 {
	t.Helper()
	var id int64
	err := f.db.QueryRowContext(context.Background(),
		"INSERT INTO centers (code, name, timezone, created_at) VALUES (?, ?, 'UTC', ?) RETURNING id",
		code, code, time.Now().UTC()).Scan(&id)
	if err != nil {
		t.Fatalf("insert center: %v", err)
	}
	return id
}

// addStaff inserts a staff member and returns its id.
func (f *fixture) addStaff(t *testing.T, staffNo string) int64 {
	t.Helper()
	now := time.Now().UTC()
	var id int64
	err := f.db.QueryRowContext(context.Background(),
		"INSERT INTO staff (center_id, staff_no, name, channels, active, created_at, updated_at) VALUES (?, ?, ?, 'offline', ?, ?, ?) RETURNING id",
		f.center, staffNo, "员工"+staffNo, true, now, now).Scan(&id)
	if err != nil {
		t.Fatalf("insert staff: %v", err)
	}
	return id
}

func (f *fixture) count(t *testing.T, table, where string, args ...any) int {
	t.Helper()
	n, err := f.db.NewSelect().Table(table).Where(where, args...).Count(context.Background())
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

// rowText renders every column of every row of table, to search for secrets.
func rowText(t *testing.T, db *bun.DB, table string) string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v\n", cols[i], v)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
