package ratings_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
)

func ingest(tb testing.TB, f *fixture, in []ratings.Input) *ratings.IngestResult {
	tb.Helper()
	res, err := f.svc.Ingest(context.Background(), f.center.ID, in, ratings.SourceAPI)
	if err != nil {
		tb.Fatalf("Ingest: %v", err)
	}
	return res
}

func TestIngestIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := batch("idem", 20)
	if got, want := *ingest(t, f, in), (ratings.IngestResult{Imported: 20}); got != want {
		t.Fatalf("first send = %+v, want %+v", got, want)
	}
	// At-least-once delivery: the same batch again is all duplicates.
	if got, want := *ingest(t, f, in), (ratings.IngestResult{Duplicates: 20}); got != want {
		t.Fatalf("second send = %+v, want %+v", got, want)
	}
	// A batch overlapping the first: only the new ones go in.
	more := append(batch("idem", 25)[15:], batch("new", 3)...)
	if got, want := *ingest(t, f, more), (ratings.IngestResult{Imported: 8, Duplicates: 5}); got != want {
		t.Fatalf("overlapping send = %+v, want %+v", got, want)
	}
	if n := f.count(t); n != 28 {
		t.Fatalf("%d ratings stored, want 28", n)
	}
}

func TestIngestDuplicateInOneBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first, second := good("dup"), good("dup")
	second.Level = 1
	second.Comment = "后发的一条"
	in := []ratings.Input{first, good("other"), second}
	if got, want := *ingest(t, f, in), (ratings.IngestResult{Imported: 2, Duplicates: 1}); got != want {
		t.Fatalf("Ingest = %+v, want %+v", got, want)
	}
	if r := f.stored(t, "dup"); r.Level != 4 || r.Comment != "办事很快" {
		t.Fatalf("stored dup = level %d %q, want the first one (level 4)", r.Level, r.Comment)
	}
	// An external id is unique per center, not globally.
	other := &staff.Center{Code: "pd", Name: "浦东中心", Timezone: "Asia/Shanghai", CreatedAt: f.clock.Now().UTC()}
	if _, err := f.db.NewInsert().Model(other).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.staff.SaveStaff(context.Background(), nil, staff.StaffInput{CenterID: other.ID, StaffNo: "1001",
		Name: "王芳", Channels: []string{"offline"}, Active: true}); err != nil {
		t.Fatal(err)
	}
	x := good("dup")
	x.ItemCode = ""
	res, err := f.svc.Ingest(context.Background(), other.ID, []ratings.Input{x}, ratings.SourceAPI)
	if err != nil || res.Imported != 1 {
		t.Fatalf("Ingest in another center = %+v, %v; want 1 imported", res, err)
	}
}

func TestIngestAllOrNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ingest(t, f, batch("before", 2))
	in := batch("batch", 6)
	in[3].Level = 9
	in[5].StaffNo = "9999"
	in = append(in, good("before-0")) // a duplicate does not make it valid
	res, err := f.svc.Ingest(context.Background(), f.center.ID, in, ratings.SourceAPI)
	errs := batchError(t, err)
	if res != nil {
		t.Errorf("result %+v with an error, want nil", res)
	}
	if got, want := wheres(errs), []where{{3, "level"}, {5, "staff_no"}}; !slices.Equal(got, want) {
		t.Fatalf("errors at %v, want %v", got, want)
	}
	if n := f.count(t); n != 2 {
		t.Fatalf("%d ratings stored, want the 2 from before", n)
	}
	if !strings.Contains(err.Error(), "ratings[3].level") {
		t.Errorf("error text %q does not name ratings[3].level", err)
	}
}

func TestIngestTooLarge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.svc.Ingest(context.Background(), f.center.ID, batch("big", ratings.MaxBatch+1), ratings.SourceAPI)
	if !errors.Is(err, ratings.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if n := f.count(t); n != 0 {
		t.Fatalf("%d ratings stored, want 0", n)
	}
	if got := *ingest(t, f, batch("max", ratings.MaxBatch)); got.Imported != ratings.MaxBatch {
		t.Fatalf("a batch of MaxBatch = %+v, want all imported", got)
	}
}

func TestIngestEmptyBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if got := *ingest(t, f, nil); got != (ratings.IngestResult{}) {
		t.Fatalf("Ingest(nil) = %+v, want zeros", got)
	}
}

func TestIngestSource(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, src := range []string{"", "API", "file:", "file: ", "ftp:x", "file:" + strings.Repeat("名", 251)} {
		if _, err := f.svc.Ingest(context.Background(), f.center.ID, batch("s", 1), src); err == nil {
			t.Errorf("source %q accepted", src)
		}
	}
	if n := f.count(t); n != 0 {
		t.Fatalf("%d ratings stored, want 0", n)
	}
	res, err := f.svc.Ingest(context.Background(), f.center.ID, batch("s", 1), "file:2026年6月好差评.xlsx")
	if err != nil || res.Imported != 1 {
		t.Fatalf("Ingest from a file = %+v, %v", res, err)
	}
	if r := f.stored(t, "s-0"); r.Source != "file:2026年6月好差评.xlsx" {
		t.Fatalf("source = %q", r.Source)
	}
}

// What was acknowledged comes back exactly: Chinese text, characters
// outside the Basic Multilingual Plane, line breaks, times and dates.
func TestIngestRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	comment := "窗口工作人员𠮷田很耐心，解释清楚 👍\n第二行：𪚥𫝀 鿰"
	in := []ratings.Input{{
		ExternalID: "号-𠮷-1", RatedAt: "2026-06-30T16:30:00Z", Channel: "12345", ItemCode: "310100-001",
		StaffRef: "W-01", Level: "非常不满意", Reasons: []string{"态度𠮷差", "等待时间长"}, Comment: comment,
		IsDefault: true,
	}, {
		ExternalID: "号-2", RatedAt: "2026-06-30 23:50", Channel: "窗口", StaffNo: "1001", Level: 5,
	}}
	ingest(t, f, in)

	got, err := f.svc.StaffRatings(ctx, f.staffID(t, "1001"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d ratings, want 2", len(got))
	}
	r := got[0] // newest first: 16:30 UTC is after 15:50 UTC
	received := f.clock.Now().UTC()
	checks := []struct {
		field     string
		got, want any
	}{
		{"ExternalID", r.ExternalID, "号-𠮷-1"},
		{"RatedAt", r.RatedAt, time.Date(2026, 6, 30, 16, 30, 0, 0, time.UTC)},
		{"PeriodDate", r.PeriodDate, "2026-07-01"},
		{"Channel", r.Channel, "hotline"},
		{"ItemCode", deref(r.ItemCode), "310100-001"},
		{"Level", r.Level, 1},
		{"Reasons", strings.Join(r.Reasons, "|"), "态度𠮷差|等待时间长"},
		{"Comment", r.Comment, comment},
		{"IsDefault", r.IsDefault, true},
		{"Source", r.Source, "api"},
		{"ReceivedAt", r.ReceivedAt, received},
		{"CreatedAt", r.CreatedAt, received},
		{"Excluded", r.Excluded, false},
		{"ImportRunID", deref(r.ImportRunID), nil},
		{"CitizenPhone", deref(r.CitizenPhone), nil},
		{"CitizenIDNumber", deref(r.CitizenIDNumber), nil},
		{"second PeriodDate", got[1].PeriodDate, "2026-06-30"},
		{"second Reasons", len(got[1].Reasons), 0},
		{"second ItemID", deref(got[1].ItemID), nil},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	if r.ID == 0 || r.StaffID != f.staffID(t, "1001") || r.CenterID != f.center.ID || r.ItemID == nil {
		t.Errorf("ids: %+v", r)
	}
	if got[1].Reasons == nil {
		t.Error("Reasons of a rating without reasons is nil, want empty")
	}
}

// Two instances receiving the same batch at once store every rating once.
func TestIngestConcurrentSameBatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := batch("con", 200)
	var wg sync.WaitGroup
	results := make([]*ratings.IngestResult, 2)
	errs := make([]error, 2)
	for i := range 2 {
		db := f.dsn.Open(t)
		svc := ratings.NewService(db, staff.NewService(db, f.clock.Now), f.clock.Now)
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = svc.Ingest(context.Background(), f.center.ID, in, ratings.SourceAPI)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	imported := results[0].Imported + results[1].Imported
	dups := results[0].Duplicates + results[1].Duplicates
	if imported != 200 || dups != 200 {
		t.Fatalf("results %+v %+v: want 200 imported and 200 duplicates in all", results[0], results[1])
	}
	if n := f.count(t); n != 200 {
		t.Fatalf("%d stored, want 200", n)
	}
}

func TestStaffRatings(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var in []ratings.Input
	for i, d := range []string{"2026-05-31 23:59", "2026-06-01 00:00", "2026-06-15 08:00", "2026-06-30 23:50", "2026-07-01 00:10"} {
		x := good(fmt.Sprint("p-", i))
		x.RatedAt = d
		in = append(in, x)
	}
	li := good("li")
	li.StaffNo = "1002"
	ingest(t, f, append(in, li))
	zhang := f.staffID(t, "1001")

	tests := []struct {
		from, to string
		want     []string
	}{
		{"", "", []string{"p-4", "p-3", "p-2", "p-1", "p-0"}},
		{"2026-06-01", "2026-06-30", []string{"p-3", "p-2", "p-1"}},
		{"2026-06-15", "", []string{"p-4", "p-3", "p-2"}},
		{"", "2026-05-31", []string{"p-0"}},
		{"2026-08-01", "", []string{}},
	}
	for _, tt := range tests {
		rs, err := f.svc.StaffRatings(ctx, zhang, tt.from, tt.to)
		if err != nil {
			t.Fatalf("StaffRatings(%q, %q): %v", tt.from, tt.to, err)
		}
		got := []string{}
		for _, r := range rs {
			got = append(got, r.ExternalID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("StaffRatings(%q, %q) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}

	if _, err := f.svc.StaffRatings(ctx, 99999, "", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown staff: err = %v, want store.ErrNotFound", err)
	}
	if _, err := f.svc.StaffRatings(ctx, zhang, "2026-6-1", ""); !errors.Is(err, ratings.ErrInvalid) {
		t.Errorf("bad date: err = %v, want ErrInvalid", err)
	}
	nobody := f.person(t, "1003", "赵敏")
	if rs, err := f.svc.StaffRatings(ctx, nobody.ID, "", ""); err != nil || rs == nil || len(rs) != 0 {
		t.Errorf("person without ratings: %v, %v; want an empty list", rs, err)
	}
}

// The database itself refuses a level outside 1–5 and a second rating with
// the same external id in the center, whatever the code does.
func TestRatingsTableConstraints(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ingest(t, f, batch("c", 1))
	r := f.stored(t, "c-0")

	r.ID, r.ExternalID, r.Level = 0, "c-level", 6
	if _, err := f.db.NewInsert().Model(&r).Exec(ctx); err == nil {
		t.Error("level 6 stored, want the check constraint to refuse it")
	}
	r.ExternalID, r.Level = "c-0", 3
	_, err := f.db.NewInsert().Model(&r).Exec(ctx)
	if !errors.Is(store.Translate(err), store.ErrConflict) {
		t.Errorf("second c-0: err = %v, want a unique violation", err)
	}
	if _, err := f.db.NewDelete().Model((*staff.Staff)(nil)).Where("id = ?", r.StaffID).Exec(ctx); err == nil {
		t.Error("deleting a person with ratings succeeded, want the foreign key to refuse")
	}
}
