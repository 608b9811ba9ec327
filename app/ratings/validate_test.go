package ratings_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/store/storetest"
)

func TestValidateCollectsAllErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := []ratings.Input{
		good("ok-0"),
		{ // everything wrong that can be
			ExternalID: "", RatedAt: "yesterday", Channel: "邮寄", ItemCode: "999999-999",
			StaffNo: "1001", StaffRef: "W-01", Level: "很好", Reasons: 3,
			Comment: strings.Repeat("长", ratings.MaxComment+1), IsDefault: "也许",
		},
		good("ok-2"),
		{ExternalID: "e-3", RatedAt: "2026-06-30 10:00", Channel: "热线", StaffNo: "9999", Level: 0},
		{ExternalID: "e-4", RatedAt: "2026-06-30 10:00", Channel: "online", StaffRef: "nobody", Level: 3},
		{ExternalID: strings.Repeat("x", ratings.MaxExternalID+1), RatedAt: "", Channel: "", Level: nil},
		{ExternalID: "e-6\n", RatedAt: "2026-06-30 10:00", Channel: "12345", StaffNo: "1002", Level: "满意", Comment: "a\x00b"},
	}
	rs, errs, err := f.svc.Validate(context.Background(), f.center.ID, in)
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	want := []where{
		{1, "external_id"}, {1, "rated_at"}, {1, "channel"}, {1, "item_code"}, {1, "staff_ref"},
		{1, "level"}, {1, "reasons"}, {1, "comment"}, {1, "is_default"},
		{3, "staff_no"}, {3, "level"},
		{4, "staff_ref"},
		{5, "external_id"}, {5, "rated_at"}, {5, "channel"}, {5, "staff_no"}, {5, "level"},
		{6, "comment"},
	}
	if got := wheres(errs); !slices.Equal(got, want) {
		t.Fatalf("errors at\n%v\nwant\n%v\n(all: %v)", got, want, errs)
	}
	for _, e := range errs {
		if e.Message == "" {
			t.Errorf("%v: empty message", e)
		}
		if !errors.Is(e, ratings.ErrInvalid) {
			t.Errorf("%v does not match ErrInvalid", e)
		}
	}
	// "e-6\n" is an external id with a trailing line break: trimmed, fine.
	if len(rs) != 2 || rs[0].ExternalID != "ok-0" || rs[1].ExternalID != "ok-2" {
		t.Fatalf("ratings = %+v, want those of ok-0 and ok-2", rs)
	}
	for _, msg := range []struct {
		i     int
		field string
		has   string
	}{
		{3, "staff_no", "9999"},
		{4, "staff_ref", "nobody"},
		{1, "item_code", "999999-999"},
		{1, "channel", "邮寄"},
		{1, "comment", fmt.Sprint(ratings.MaxComment)},
	} {
		for _, e := range errs {
			if e.Index == msg.i && e.Field == msg.field && !strings.Contains(e.Message, msg.has) {
				t.Errorf("%v: message does not name %q", e, msg.has)
			}
		}
	}
}

func TestValidateConvertsValues(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := []ratings.Input{{
		ExternalID: "  HX-20260630-0001 ", RatedAt: "2026/6/30 9:05", Channel: "一网通办", ItemCode: "３１０１００-００４",
		StaffNo: "１００２", Level: "不满意", Reasons: []any{"材料多", "等待久", "材料多"}, Comment: "  第一行\n第二行  ",
		IsDefault: "是",
	}}
	rs, errs, err := f.svc.Validate(context.Background(), f.center.ID, in)
	if err != nil || len(errs) != 0 || len(rs) != 1 {
		t.Fatalf("Validate = %v, %v, %v; want one rating", rs, errs, err)
	}
	r := rs[0]
	items, err := f.staff.Items(context.Background(), f.center.ID)
	if err != nil {
		t.Fatal(err)
	}
	itemID := items[1].ID // 310100-004
	checks := []struct {
		field     string
		got, want any
	}{
		{"CenterID", r.CenterID, f.center.ID},
		{"ExternalID", r.ExternalID, "HX-20260630-0001"},
		{"RatedAt", r.RatedAt, storetest.At(t, "2026-06-30 09:05:00").UTC()},
		{"PeriodDate", r.PeriodDate, "2026-06-30"},
		{"Channel", r.Channel, "online"},
		{"ItemCode", deref(r.ItemCode), "310100-004"},
		{"ItemID", deref(r.ItemID), itemID},
		{"StaffID", r.StaffID, f.staffID(t, "1002")},
		{"Level", r.Level, 2},
		{"Reasons", strings.Join(r.Reasons, "|"), "材料多|等待久"},
		{"Comment", r.Comment, "第一行\n第二行"},
		{"IsDefault", r.IsDefault, true},
		{"Bad", r.Bad(), true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	if r.RatedAt.Location() != time.UTC {
		t.Errorf("RatedAt in %v, want UTC", r.RatedAt.Location())
	}

	t.Run("no item code", func(t *testing.T) {
		x := good("no-item")
		x.ItemCode = " "
		rs, errs, err := f.svc.Validate(context.Background(), f.center.ID, []ratings.Input{x})
		if err != nil || len(errs) != 0 || rs[0].ItemCode != nil || rs[0].ItemID != nil {
			t.Fatalf("Validate = %+v, %v, %v; want a rating without item", rs, errs, err)
		}
	})
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// The rule: a time without zone is the center's (Beijing) time, so
// 23:50 on 30 June is still June; 16:30 UTC on 30 June is already 1 July in
// Beijing. A center elsewhere dates by its own zone.
func TestValidatePeriodDateInCenterZone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := []ratings.Input{good("a"), good("b")}
	in[0].RatedAt = "2026-06-30 23:50"
	in[1].RatedAt = "2026-06-30T16:30:00Z"
	rs, errs, err := f.svc.Validate(ctx, f.center.ID, in)
	if err != nil || len(errs) != 0 {
		t.Fatalf("Validate: %v, %v", errs, err)
	}
	if got := []string{rs[0].PeriodDate, rs[1].PeriodDate}; !slices.Equal(got, []string{"2026-06-30", "2026-07-01"}) {
		t.Fatalf("period dates = %v, want [2026-06-30 2026-07-01]", got)
	}

	c := *f.center
	c.Timezone = "Europe/Berlin"
	if err := f.staff.UpdateCenter(ctx, &c); err != nil {
		t.Fatal(err)
	}
	rs, errs, err = f.svc.Validate(ctx, f.center.ID, in)
	if err != nil || len(errs) != 0 {
		t.Fatalf("Validate: %v, %v", errs, err)
	}
	// 23:50 Berlin (CEST) is 21:50 UTC; 16:30 UTC is 18:30 in Berlin.
	if got := []string{rs[0].PeriodDate, rs[1].PeriodDate}; !slices.Equal(got, []string{"2026-06-30", "2026-06-30"}) {
		t.Fatalf("period dates in Berlin = %v, want [2026-06-30 2026-06-30]", got)
	}
	if want := time.Date(2026, 6, 30, 21, 50, 0, 0, time.UTC); !rs[0].RatedAt.Equal(want) {
		t.Fatalf("RatedAt = %v, want %v", rs[0].RatedAt, want)
	}
}

func TestValidateFutureTime(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // now = 2026-07-01 12:00 Shanghai = 04:00 UTC
	tests := []struct {
		ratedAt string
		ok      bool
	}{
		{"2026-07-01 12:09:00", true},
		{"2026-07-01 12:09:59", true},
		{"2026-07-01 12:10:00", true}, // exactly 10 minutes: not more
		{"2026-07-01 12:10:01", false},
		{"2026-07-01 12:11:00", false},
		{"2026-07-01T04:09:00Z", true},
		{"2026-07-01T04:11:00Z", false},
		{"2026-07-02", false},
		{"2027-01-01 00:00", false},
	}
	for _, tt := range tests {
		x := good("future")
		x.RatedAt = tt.ratedAt
		_, errs, err := f.svc.Validate(context.Background(), f.center.ID, []ratings.Input{x})
		if err != nil {
			t.Fatal(err)
		}
		if ok := len(errs) == 0; ok != tt.ok {
			t.Errorf("rated_at %s: errors %v, want ok = %v", tt.ratedAt, errs, tt.ok)
		} else if !ok && (errs[0].Field != "rated_at" || !strings.Contains(errs[0].Message, "10")) {
			t.Errorf("rated_at %s: error %v, want rated_at more than 10 minutes in the future", tt.ratedAt, errs[0])
		}
	}
}

func TestValidateStaffRef(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	zhang := f.staffID(t, "1001")
	other := &staff.Center{Code: "pd", Name: "浦东中心", Timezone: "Asia/Shanghai", CreatedAt: f.clock.Now().UTC()}
	if _, err := f.db.NewInsert().Model(other).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.staff.SaveStaff(ctx, nil, staff.StaffInput{CenterID: other.ID, StaffNo: "1001", Name: "王芳",
		Channels: []string{"hotline"}, ExternalIDs: []string{"AGENT-7"}, Active: true}); err != nil {
		t.Fatal(err)
	}

	mk := func(no, ref string) ratings.Input {
		x := good("r-" + no + ref)
		x.StaffNo, x.StaffRef = no, ref
		return x
	}
	in := []ratings.Input{
		mk("", "W-01"),    // 0: 张伟 by window number
		mk("", "工位３"),     // 1: 张伟, full-width digit folded as in the directory
		mk("", " W-01 "),  // 2: trimmed
		mk("", "w-01"),    // 3: ids are case-sensitive: unknown
		mk("", "AGENT-7"), // 4: another center's person: unknown here
		mk("1001", "W-01"),
		mk("", ""),
	}
	rs, errs, err := f.svc.Validate(ctx, f.center.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	want := []where{{3, "staff_ref"}, {4, "staff_ref"}, {5, "staff_ref"}, {6, "staff_no"}}
	if got := wheres(errs); !slices.Equal(got, want) {
		t.Fatalf("errors at %v, want %v (%v)", got, want, errs)
	}
	if len(rs) != 3 {
		t.Fatalf("%d ratings, want 3", len(rs))
	}
	for _, r := range rs {
		if r.StaffID != zhang {
			t.Errorf("rating %s: staff %d, want 张伟 (%d)", r.ExternalID, r.StaffID, zhang)
		}
	}
	if !strings.Contains(errs[2].Message, "not both") || !strings.Contains(errs[3].Message, "required") {
		t.Errorf("messages %q, %q: want 'not both' and 'required'", errs[2].Message, errs[3].Message)
	}

	// The other center's 1001 is 王芳, found by her ref there; the
	// first center's service items are not the other's.
	x := mk("", "AGENT-7")
	_, errs, err = f.svc.Validate(ctx, other.ID, []ratings.Input{x})
	if got, want := wheres(errs), []where{{0, "item_code"}}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("Validate in the other center: errors at %v, %v; want %v", got, err, want)
	}
	x.ItemCode = ""
	rs, errs, err = f.svc.Validate(ctx, other.ID, []ratings.Input{x})
	if err != nil || len(errs) != 0 || rs[0].StaffID == zhang {
		t.Fatalf("Validate in the other center = %+v, %v, %v", rs, errs, err)
	}
}

func TestValidateComment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name    string
		comment string
		ok      bool
	}{
		{"at the limit in rare characters", strings.Repeat("𠮷", ratings.MaxComment), true},
		{"one over", strings.Repeat("𠮷", ratings.MaxComment+1), false},
		{"line breaks and tabs", "第一行\r\n第二行\t完", true},
		{"NUL", "a\x00b", false},
		{"escape character", "a\x1bb", false},
		{"invalid UTF-8", "a\xffb", false},
		{"empty", "", true},
	}
	for _, tt := range tests {
		x := good("c")
		x.Comment = tt.comment
		_, errs, err := f.svc.Validate(context.Background(), f.center.ID, []ratings.Input{x})
		if err != nil {
			t.Fatal(err)
		}
		if ok := len(errs) == 0; ok != tt.ok || (!ok && errs[0].Field != "comment") {
			t.Errorf("%s: errors %v, want ok = %v", tt.name, errs, tt.ok)
		}
	}
}

func TestValidateUnknownCenter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, _, err := f.svc.Validate(context.Background(), 999, []ratings.Input{good("x")})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v, want store.ErrNotFound", err)
	}
}

// queryCounter counts the statements run through a bun.DB.
type queryCounter struct{ n atomic.Int64 }

func (q *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	q.n.Add(1)
	return ctx
}
func (q *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// Lookups are batched: one query for the center, one each for the staff
// numbers, staff refs and item codes, however many ratings there are.
func TestValidateBatchesLookups(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := make([]ratings.Input, 600)
	for i := range in {
		in[i] = good(fmt.Sprint("q-", i))
		switch i % 3 {
		case 0:
			in[i].StaffNo = fmt.Sprint(1001 + i%2)
		case 1:
			in[i].StaffNo, in[i].StaffRef = "", "W-01"
		case 2:
			in[i].StaffNo = fmt.Sprint("unknown-", i) // 200 distinct unknown numbers
			in[i].ItemCode = fmt.Sprint("item-", i)
		}
	}
	counter := &queryCounter{}
	db := f.db.WithQueryHook(counter)
	svc := ratings.NewService(db, staff.NewService(db, f.clock.Now), f.clock.Now)
	rs, errs, err := svc.Validate(ctx, f.center.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 400 || len(errs) != 400 {
		t.Fatalf("%d ratings, %d errors; want 400 and 400 (staff_no and item_code of every third)", len(rs), len(errs))
	}
	if n := counter.n.Load(); n > 4 {
		t.Fatalf("Validate ran %d queries for 600 ratings, want at most 4", n)
	}
}
