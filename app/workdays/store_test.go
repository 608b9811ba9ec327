package workdays_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/store/storetest"
	"github.com/kaoping/kaoping/app/workdays"
)

// storeFixture is a migrated database (SQLite, or PostgreSQL with
// KAOPING_TEST_PG) with two centers.
type storeFixture struct {
	db            *bun.DB
	store         *workdays.Store
	center, other int64
}

func newStoreFixture(t *testing.T) *storeFixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.New(t)
	f := &storeFixture{db: db, store: workdays.NewStore(db)}
	if err := db.NewSelect().Table("centers").ColumnExpr("min(id)").Scan(ctx, &f.center); err != nil {
		t.Fatalf("default center: %v", err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO centers (code, name, timezone, created_at) VALUES (?, ?, ?, ?)",
		"other", "另一个中心", "Asia/Shanghai", time.Now().UTC()); err != nil {
		t.Fatalf("insert center: %v", err)
	}
	if err := db.NewSelect().Table("centers").Column("id").Where("code = ?", "other").Scan(ctx, &f.other); err != nil {
		t.Fatalf("other center: %v", err)
	}
	return f
}

func (f *storeFixture) calendar(t *testing.T, centerID int64) *workdays.Calendar {
	t.Helper()
	cal, err := f.store.Calendar(context.Background(), centerID)
	if err != nil {
		t.Fatalf("Calendar(%d): %v", centerID, err)
	}
	return cal
}

func (f *storeFixture) days(t *testing.T, centerID int64, year int) []workdays.Day {
	t.Helper()
	days, err := f.store.Days(context.Background(), centerID, year)
	if err != nil {
		t.Fatalf("Days(%d, %d): %v", centerID, year, err)
	}
	return days
}

func (f *storeFixture) setDay(t *testing.T, centerID int64, d workdays.Day) {
	t.Helper()
	if err := f.store.SetDay(context.Background(), centerID, d); err != nil {
		t.Fatalf("SetDay(%d, %v): %v", centerID, d, err)
	}
}

// builtinYear is the shipped entries of year.
func builtinYear(year string) []workdays.Day {
	var days []workdays.Day
	for _, d := range workdays.Builtin() {
		if strings.HasPrefix(d.Date, year+"-") {
			days = append(days, d)
		}
	}
	return days
}

func TestStoreWithoutEditsIsBuiltin(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	if got, want := f.days(t, f.center, 2026), builtinYear("2026"); !slices.Equal(got, want) {
		t.Errorf("Days(2026) = %v, want the shipped %v", got, want)
	}
	if got := f.days(t, f.center, 2030); len(got) != 0 {
		t.Errorf("Days(2030) = %v, want none", got)
	}
	cal := f.calendar(t, f.center)
	for date, want := range map[string]bool{"2026-02-14": true, "2026-02-16": false, "2026-10-10": true, "2026-10-08": true} {
		if got := cal.IsWorkday(date); got != want {
			t.Errorf("IsWorkday(%s) = %v, want %v", date, got, want)
		}
	}
}

func TestStoreSetDay(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	// The center closes on the make-up Saturday, adds a local holiday, and
	// renames one (the second SetDay of a date replaces the first).
	f.setDay(t, f.center, workdays.Day{Date: "2026-02-14", Kind: workdays.Holiday, Name: "中心调整"})
	f.setDay(t, f.center, workdays.Day{Date: "2026-03-16", Kind: workdays.Workday, Name: "first try"})
	f.setDay(t, f.center, workdays.Day{Date: " 2026-03-16 ", Kind: workdays.Holiday, Name: " 地方假日 "})
	// "normal" removes shipped entries: a make-up Saturday becomes an
	// ordinary Saturday, a National Day Wednesday an ordinary Wednesday.
	f.setDay(t, f.center, workdays.Day{Date: "2026-10-10", Kind: workdays.Normal})
	f.setDay(t, f.center, workdays.Day{Date: "2026-10-07", Kind: workdays.Normal})
	// An edit of another year stays in its year.
	f.setDay(t, f.center, workdays.Day{Date: "2025-12-31", Kind: workdays.Holiday, Name: "跨年"})

	tests := []struct {
		date string
		want bool
	}{
		{"2026-02-14", false},
		{"2026-03-16", false},
		{"2026-10-10", false},
		{"2026-10-07", true},
		{"2025-12-31", false},
		{"2026-02-28", true}, // untouched shipped make-up day
		{"2026-02-16", false},
	}
	cal := f.calendar(t, f.center)
	other := f.calendar(t, f.other)
	for _, tt := range tests {
		if got := cal.IsWorkday(tt.date); got != tt.want {
			t.Errorf("center: IsWorkday(%s) = %v, want %v", tt.date, got, tt.want)
		}
		if got, want := other.IsWorkday(tt.date), builtinCalendar(t).IsWorkday(tt.date); got != want {
			t.Errorf("other center: IsWorkday(%s) = %v, want the shipped %v", tt.date, got, want)
		}
	}

	var want []workdays.Day
	for _, d := range builtinYear("2026") {
		switch d.Date {
		case "2026-10-10", "2026-10-07":
			continue
		case "2026-02-14":
			d = workdays.Day{Date: d.Date, Kind: workdays.Holiday, Name: "中心调整"}
		}
		want = append(want, d)
	}
	want = append(want, workdays.Day{Date: "2026-03-16", Kind: workdays.Holiday, Name: "地方假日"})
	slices.SortFunc(want, func(a, b workdays.Day) int { return strings.Compare(a.Date, b.Date) })
	if got := f.days(t, f.center, 2026); !slices.Equal(got, want) {
		t.Errorf("Days(2026):\n got %v\nwant %v", got, want)
	}
	if got, want := f.days(t, f.center, 2025), append(builtinYear("2025"), workdays.Day{Date: "2025-12-31", Kind: workdays.Holiday, Name: "跨年"}); !slices.Equal(got, want) {
		t.Errorf("Days(2025):\n got %v\nwant %v", got, want)
	}
}

func TestStoreSetDayRejects(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		center int64
		day    workdays.Day
		is     error
		field  string
	}{
		{"bad date", f.center, workdays.Day{Date: "2026-02-30", Kind: workdays.Holiday}, workdays.ErrInvalid, "date"},
		{"bad kind", f.center, workdays.Day{Date: "2026-03-02", Kind: "off"}, workdays.ErrInvalid, "kind"},
		{"unknown center", 999999, workdays.Day{Date: "2026-03-02", Kind: workdays.Holiday}, store.ErrNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.store.SetDay(ctx, tt.center, tt.day)
			if !errors.Is(err, tt.is) {
				t.Fatalf("SetDay(%d, %v) = %v, want %v", tt.center, tt.day, err, tt.is)
			}
			if got := fieldOf(err); got != tt.field {
				t.Errorf("field = %q, want %q", got, tt.field)
			}
		})
	}
	if got, want := f.days(t, f.center, 2026), builtinYear("2026"); !slices.Equal(got, want) {
		t.Errorf("Days(2026) after rejected edits = %v, want the shipped calendar", got)
	}
}

func TestStoreImportYear(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	ctx := context.Background()
	f.setDay(t, f.center, workdays.Day{Date: "2026-03-16", Kind: workdays.Holiday, Name: "将被替换"})
	f.setDay(t, f.center, workdays.Day{Date: "2025-12-31", Kind: workdays.Holiday, Name: "跨年"})

	// A provincial calendar: only Spring Festival, one day longer, plus a
	// local holiday; every other shipped 2026 entry is dropped.
	imported := []workdays.Day{
		{Date: "2026-02-14", Kind: workdays.Workday, Name: "春节"},
		{Date: "2026-02-15", Kind: workdays.Holiday, Name: "春节"},
		{Date: "2026-02-16", Kind: workdays.Holiday, Name: "春节"},
		{Date: "2026-02-17", Kind: workdays.Holiday, Name: "春节"},
		{Date: "2026-02-18", Kind: workdays.Holiday, Name: "春节"},
		{Date: "2026-02-19", Kind: workdays.Holiday, Name: "春节"},
		{Date: "2026-02-20", Kind: workdays.Holiday, Name: "春节"},
		{Date: "2026-02-21", Kind: workdays.Holiday, Name: "春节"},
		{Date: "2026-02-22", Kind: workdays.Holiday, Name: "春节"},
		{Date: "2026-02-23", Kind: workdays.Holiday, Name: "春节"},
		{Date: "2026-02-24", Kind: workdays.Holiday, Name: "春节"},
		{Date: "2026-07-01", Kind: workdays.Holiday, Name: "地方假日"},
		{Date: "2026-10-01", Kind: workdays.Normal}, // explicit: open on 1 October
	}
	if err := f.store.ImportYear(ctx, f.center, 2026, imported); err != nil {
		t.Fatalf("ImportYear: %v", err)
	}
	var want []workdays.Day
	for _, d := range imported {
		if d.Kind != workdays.Normal {
			want = append(want, d)
		}
	}
	if got := f.days(t, f.center, 2026); !slices.Equal(got, want) {
		t.Errorf("Days(2026) after ImportYear:\n got %v\nwant %v", got, want)
	}
	cal := f.calendar(t, f.center)
	for date, want := range map[string]bool{
		"2026-02-24": false, // imported holiday
		"2026-02-28": false, // shipped make-up Saturday dropped: an ordinary Saturday
		"2026-03-16": true,  // the earlier edit of 2026 is gone
		"2026-10-01": true,  // shipped holiday dropped
		"2026-10-10": false, // shipped make-up Saturday dropped: an ordinary Saturday
		"2025-12-31": false, // edit of 2025 kept
		"2025-10-08": false, // shipped 2025 untouched
	} {
		if got := cal.IsWorkday(date); got != want {
			t.Errorf("IsWorkday(%s) = %v, want %v", date, got, want)
		}
	}
	if got, want := f.days(t, f.other, 2026), builtinYear("2026"); !slices.Equal(got, want) {
		t.Errorf("other center's Days(2026) = %v, want the shipped calendar", got)
	}

	// Importing the shipped year gives it back; importing nothing leaves the
	// weekly rule.
	if err := f.store.ImportYear(ctx, f.center, 2026, builtinYear("2026")); err != nil {
		t.Fatalf("ImportYear(builtin): %v", err)
	}
	if got, want := f.days(t, f.center, 2026), builtinYear("2026"); !slices.Equal(got, want) {
		t.Errorf("Days(2026) after importing the shipped year = %v, want %v", got, want)
	}
	if err := f.store.ImportYear(ctx, f.center, 2026, nil); err != nil {
		t.Fatalf("ImportYear(nil): %v", err)
	}
	if got := f.days(t, f.center, 2026); len(got) != 0 {
		t.Errorf("Days(2026) after importing nothing = %v, want none", got)
	}
	if cal := f.calendar(t, f.center); !cal.IsWorkday("2026-10-01") || cal.IsWorkday("2026-02-14") {
		t.Errorf("after importing nothing: IsWorkday(2026-10-01) = %v, IsWorkday(2026-02-14) = %v; want true, false",
			cal.IsWorkday("2026-10-01"), cal.IsWorkday("2026-02-14"))
	}
}

func TestStoreImportYearRejectsWholeList(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	ctx := context.Background()
	f.setDay(t, f.center, workdays.Day{Date: "2026-03-16", Kind: workdays.Holiday, Name: "地方假日"})
	before := f.days(t, f.center, 2026)

	good := workdays.Day{Date: "2026-07-01", Kind: workdays.Holiday, Name: "地方假日"}
	tests := []struct {
		name   string
		center int64
		year   int
		days   []workdays.Day
		is     error
		field  string
	}{
		{"date of another year", f.center, 2026, []workdays.Day{good, {Date: "2027-01-01", Kind: workdays.Holiday}}, workdays.ErrInvalid, "days[1].date"},
		{"duplicate date", f.center, 2026, []workdays.Day{good, good}, workdays.ErrInvalid, "days[1].date"},
		{"bad kind", f.center, 2026, []workdays.Day{good, {Date: "2026-07-02", Kind: "closed"}}, workdays.ErrInvalid, "days[1].kind"},
		{"bad year", f.center, 12026, []workdays.Day{good}, workdays.ErrInvalid, "year"},
		{"unknown center", 999999, 2026, []workdays.Day{good}, store.ErrNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.store.ImportYear(ctx, tt.center, tt.year, tt.days)
			if !errors.Is(err, tt.is) {
				t.Fatalf("ImportYear = %v, want %v", err, tt.is)
			}
			if got := fieldOf(err); got != tt.field {
				t.Errorf("field = %q, want %q", got, tt.field)
			}
			if got := f.days(t, f.center, 2026); !slices.Equal(got, before) {
				t.Errorf("Days(2026) after a refused import = %v, want unchanged %v", got, before)
			}
		})
	}
}

// TestStoreImportYearIsAtomic: a reader running beside repeated imports sees
// one whole list or the other, never a year half deleted or half written.
func TestStoreImportYearIsAtomic(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	ctx := context.Background()
	// Neither list is the shipped year, which is what a reader would see
	// between the delete and the insert of a non-atomic import.
	a := append(builtinYear("2026"), workdays.Day{Date: "2026-12-31", Kind: workdays.Holiday, Name: "年末"})
	b := []workdays.Day{{Date: "2026-07-01", Kind: workdays.Holiday, Name: "地方假日"}}
	if err := f.store.ImportYear(ctx, f.center, 2026, a); err != nil {
		t.Fatal(err)
	}

	const readers, imports = 4, 100
	done := make(chan struct{})
	errs := make(chan error, readers)
	var wg sync.WaitGroup
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				got, err := f.store.Days(ctx, f.center, 2026)
				if err != nil {
					errs <- err
					return
				}
				if !slices.Equal(got, a) && !slices.Equal(got, b) {
					errs <- errors.New("saw a partial year: " + formatDays(got))
					return
				}
			}
		}()
	}
	var importErr error
	for i := 0; i < imports && importErr == nil && len(errs) == 0; i++ {
		next := a
		if i%2 == 0 {
			next = b
		}
		importErr = f.store.ImportYear(ctx, f.center, 2026, next)
	}
	close(done)
	wg.Wait()
	close(errs)
	if importErr != nil {
		t.Fatalf("ImportYear: %v", importErr)
	}
	for err := range errs {
		t.Error(err)
	}
}

func TestStoreDaysRejectsYear(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t)
	if _, err := f.store.Days(context.Background(), f.center, 0); !errors.Is(err, workdays.ErrInvalid) {
		t.Errorf("Days(year 0) = %v, want ErrInvalid", err)
	}
}

func formatDays(days []workdays.Day) string {
	var sb strings.Builder
	for _, d := range days {
		sb.WriteString(d.Date + " " + string(d.Kind) + "; ")
	}
	return sb.String()
}
