package ratings_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store/storetest"
)

type fixture struct {
	db     *bun.DB
	dsn    storetest.DSN
	staff  *staff.Service
	svc    *ratings.Service
	clock  *storetest.Clock
	center *staff.Center
}

// now is the fixture clock's start: 2026-07-01 12:00 in Shanghai.
const now = "2026-07-01 12:00:00"

// newFixture gives a test its own migrated database (SQLite, or PostgreSQL
// with KAOPING_TEST_PG), the default center (Asia/Shanghai), a clock at
// now, and two people: 1001 张伟 (external ids W-01 and 工位3) and 1002 李娜.
// Service items 310100-001 and 310100-004 exist.
func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	db, dsn := storetest.NewDSN(tb)
	clk := storetest.NewClock(storetest.At(tb, now))
	st := staff.NewService(db, clk.Now)
	c, err := st.DefaultCenter(context.Background())
	if err != nil {
		tb.Fatalf("DefaultCenter: %v", err)
	}
	f := &fixture{db: db, dsn: dsn, staff: st, clock: clk, center: c, svc: ratings.NewService(db, st, clk.Now)}
	f.person(tb, "1001", "张伟", "W-01", "工位3")
	f.person(tb, "1002", "李娜")
	f.item(tb, "310100-001", "企业设立登记")
	f.item(tb, "310100-004", "企业注销登记")
	return f
}

func (f *fixture) person(tb testing.TB, no, name string, extIDs ...string) *staff.Member {
	tb.Helper()
	m, _, err := f.staff.SaveStaff(context.Background(), nil, staff.StaffInput{
		CenterID: f.center.ID, StaffNo: no, Name: name, Channels: []string{"offline", "online", "hotline"},
		ExternalIDs: extIDs, Active: true,
	})
	if err != nil {
		tb.Fatalf("SaveStaff(%s): %v", no, err)
	}
	return m
}

func (f *fixture) item(tb testing.TB, code, name string) *staff.ServiceItem {
	tb.Helper()
	it := &staff.ServiceItem{CenterID: f.center.ID, Code: code, Name: name}
	if err := f.staff.CreateItem(context.Background(), it); err != nil {
		tb.Fatalf("CreateItem(%s): %v", code, err)
	}
	return it
}

func (f *fixture) staffID(tb testing.TB, no string) int64 {
	tb.Helper()
	m, err := f.staff.StaffByNo(context.Background(), f.center.ID, no)
	if err != nil {
		tb.Fatalf("StaffByNo(%s): %v", no, err)
	}
	return m.ID
}

// count returns the number of stored ratings.
func (f *fixture) count(tb testing.TB) int {
	tb.Helper()
	n, err := f.db.NewSelect().Model((*ratings.Rating)(nil)).Count(context.Background())
	if err != nil {
		tb.Fatalf("count ratings: %v", err)
	}
	return int(n)
}

// stored returns the stored rating with the external id.
func (f *fixture) stored(tb testing.TB, externalID string) ratings.Rating {
	tb.Helper()
	var r ratings.Rating
	if err := f.db.NewSelect().Model(&r).Where("r.center_id = ?", f.center.ID).
		Where("r.external_id = ?", externalID).Scan(context.Background()); err != nil {
		tb.Fatalf("rating %s: %v", externalID, err)
	}
	return r
}

// good is a valid input with the external id.
func good(id string) ratings.Input {
	return ratings.Input{
		ExternalID: id, RatedAt: "2026-06-30 10:00:00", Channel: "窗口", ItemCode: "310100-001",
		StaffNo: "1001", Level: 4, Reasons: "态度好；效率高", Comment: "办事很快", IsDefault: "否",
	}
}

// batch is n valid inputs with external ids PREFIX-0 … PREFIX-(n-1).
func batch(prefix string, n int) []ratings.Input {
	in := make([]ratings.Input, n)
	for i := range in {
		in[i] = good(fmt.Sprintf("%s-%d", prefix, i))
	}
	return in
}

// batchError fails unless err is a *BatchError matching ErrInvalid, and
// returns its errors.
func batchError(tb testing.TB, err error) []ratings.FieldError {
	tb.Helper()
	var be *ratings.BatchError
	if !errors.As(err, &be) || !errors.Is(err, ratings.ErrInvalid) {
		tb.Fatalf("err = %v, want a *BatchError matching ErrInvalid", err)
	}
	return be.Errors
}

// where is an error's index and field, for comparing lists of errors.
type where struct {
	Index int
	Field string
}

func wheres(errs []ratings.FieldError) []where {
	out := make([]where, len(errs))
	for i, e := range errs {
		out[i] = where{e.Index, e.Field}
	}
	return out
}
