package workdays_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/store/storetest"
	"github.com/kaoping/kaoping/app/workdays"
)

// at reads "YYYY-MM-DD HH:MM" as Beijing time.
func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.ParseInLocation("2006-01-02 15:04", s, storetest.Shanghai(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// endOf is the last nanosecond of date in loc.
func endOf(tb testing.TB, date string, loc *time.Location) time.Time {
	tb.Helper()
	d := mustDate(tb, date)
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 999999999, loc)
}

func builtinCalendar(tb testing.TB) *workdays.Calendar {
	tb.Helper()
	cal, err := workdays.New(workdays.Builtin())
	if err != nil {
		tb.Fatalf("New(Builtin()): %v", err)
	}
	return cal
}

func TestIsWorkday(t *testing.T) {
	cal := builtinCalendar(t)
	tests := []struct {
		date string
		want bool
		why  string
	}{
		{"2026-01-01", false, "元旦, Thursday"},
		{"2026-01-04", true, "元旦 make-up Sunday"},
		{"2026-02-13", true, "ordinary Friday before 春节"},
		{"2026-02-14", true, "春节 make-up Saturday"},
		{"2026-02-15", false, "春节, first day, Sunday"},
		{"2026-02-17", false, "春节, Tuesday"},
		{"2026-02-23", false, "春节, last day, Monday"},
		{"2026-02-24", true, "first Tuesday after 春节"},
		{"2026-02-28", true, "春节 make-up Saturday"},
		{"2026-03-01", false, "ordinary Sunday"},
		{"2026-03-07", false, "ordinary Saturday"},
		{"2026-09-20", true, "国庆节 make-up Sunday"},
		{"2026-09-25", false, "中秋节, Friday"},
		{"2026-10-01", false, "国庆节, Thursday"},
		{"2026-10-07", false, "国庆节, last day, Wednesday"},
		{"2026-10-08", true, "Thursday after 国庆节"},
		{"2026-10-10", true, "国庆节 make-up Saturday"},
		{"2026-10-11", false, "ordinary Sunday"},
		{"2025-10-08", false, "2025 国庆节、中秋节, 8th day"},
		{"2025-10-11", true, "2025 make-up Saturday"},
		{"2027-01-04", true, "Monday of a year without data: weekly rule"},
		{"2026-2-14", false, "malformed date"},
		{"", false, "empty date"},
	}
	for _, tt := range tests {
		t.Run(tt.date+" "+tt.why, func(t *testing.T) {
			if got := cal.IsWorkday(tt.date); got != tt.want {
				t.Errorf("IsWorkday(%q) = %v, want %v", tt.date, got, tt.want)
			}
		})
	}
}

func TestAddWorkdays(t *testing.T) {
	cal := builtinCalendar(t)
	sh := storetest.Shanghai(t)
	tests := []struct {
		name     string
		received string // Beijing time
		n        int
		due      string // the deadline is the end of this date, Beijing time
	}{
		{"Friday, n=1: Monday", "2026-03-06 10:00", 1, "2026-03-09"},
		{"Friday late evening, n=1: Monday", "2026-03-06 23:59", 1, "2026-03-09"},
		{"Monday, n=5: next Monday", "2026-03-09 09:00", 5, "2026-03-16"},
		{"n=0: end of the same day", "2026-03-06 10:00", 0, "2026-03-06"},
		{"n=0 on a holiday: still the same day", "2026-02-17 10:00", 0, "2026-02-17"},
		{"negative n: as n=0", "2026-03-06 10:00", -3, "2026-03-06"},

		// 春节 2026: make-up Saturday 02-14, off 02-15…02-23, make-up Saturday 02-28.
		{"Friday before 春节, n=1: make-up Saturday", "2026-02-13 16:00", 1, "2026-02-14"},
		{"Thursday before 春节, n=3: after the holiday", "2026-02-12 10:00", 3, "2026-02-24"},
		{"on the make-up Saturday, n=1: after the holiday", "2026-02-14 10:00", 1, "2026-02-24"},
		{"received on a holiday, n=1", "2026-02-17 10:00", 1, "2026-02-24"},
		{"received on a holiday, n=5: the second make-up Saturday", "2026-02-17 10:00", 5, "2026-02-28"},
		{"received on a holiday, n=6: past the Sunday", "2026-02-17 10:00", 6, "2026-03-02"},
		{"received on an ordinary Sunday, n=1", "2026-03-01 10:00", 1, "2026-03-02"},

		// 中秋节 09-25…27, 国庆节 10-01…07, make-up Sunday 09-20 and Saturday 10-10.
		{"Friday before the make-up Sunday, n=1", "2026-09-18 10:00", 1, "2026-09-20"},
		{"Thursday before 中秋节, n=1", "2026-09-24 10:00", 1, "2026-09-28"},
		{"day before 国庆节, n=1", "2026-09-30 10:00", 1, "2026-10-08"},
		{"day before 国庆节, n=3: make-up Saturday", "2026-09-30 10:00", 3, "2026-10-10"},
		{"day before 国庆节, n=4: the Monday after", "2026-09-30 10:00", 4, "2026-10-12"},
		{"complex case, n=15 across both holidays", "2026-09-18 10:00", 15, "2026-10-15"},

		{"new year's eve, n=1: 元旦 make-up Sunday", "2025-12-31 10:00", 1, "2026-01-04"},
		{"2025 国庆节、中秋节, n=1", "2025-09-30 10:00", 1, "2025-10-09"},
		{"year without data: weekly rule", "2027-01-01 10:00", 1, "2027-01-04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cal.AddWorkdays(at(t, tt.received), tt.n, sh)
			want := endOf(t, tt.due, sh)
			if !got.Equal(want) {
				t.Errorf("AddWorkdays(%s, %d) = %s, want end of %s (%s)", tt.received, tt.n, got.In(sh), tt.due, want)
			}
			if got.Location() != time.UTC {
				t.Errorf("AddWorkdays returned location %v, want UTC", got.Location())
			}
		})
	}
}

// TestAddWorkdaysTimeZone: the date of receipt is the date in the center's
// time zone, not in UTC.
func TestAddWorkdaysTimeZone(t *testing.T) {
	cal := builtinCalendar(t)
	sh := storetest.Shanghai(t)
	tests := []struct {
		name     string
		received string // RFC 3339
		loc      *time.Location
		n        int
		want     string // RFC 3339 with nanoseconds, UTC
	}{
		{"16:30Z is already 1 July in Beijing", "2026-06-30T16:30:00Z", sh, 1, "2026-07-02T15:59:59.999999999Z"},
		{"16:30Z is still 30 June in UTC", "2026-06-30T16:30:00Z", time.UTC, 1, "2026-07-01T23:59:59.999999999Z"},
		{"15:59:59Z is the last second of 30 June in Beijing", "2026-06-30T15:59:59Z", sh, 1, "2026-07-01T15:59:59.999999999Z"},
		{"n=0 ends at Beijing midnight", "2026-06-30T16:30:00Z", sh, 0, "2026-07-01T15:59:59.999999999Z"},
		{"an offset other than the center's is converted", "2026-07-01T00:30:00+09:00", sh, 1, "2026-07-01T15:59:59.999999999Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, err := time.Parse(time.RFC3339, tt.received)
			if err != nil {
				t.Fatal(err)
			}
			want, err := time.Parse(time.RFC3339Nano, tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if got := cal.AddWorkdays(from, tt.n, tt.loc); !got.Equal(want) {
				t.Errorf("AddWorkdays(%s, %d, %s) = %s, want %s", tt.received, tt.n, tt.loc, got.Format(time.RFC3339Nano), tt.want)
			}
		})
	}
}

// TestAddWorkdaysDaylightSaving: the end of a day is the instant before the
// next local midnight, also in a zone whose offset changed that weekend.
func TestAddWorkdaysDaylightSaving(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	cal, err := workdays.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Clocks went forward on Sunday 2026-03-08.
	from := time.Date(2026, 3, 6, 10, 0, 0, 0, ny)
	got := cal.AddWorkdays(from, 1, ny)
	want := time.Date(2026, 3, 10, 3, 59, 59, 999999999, time.UTC) // 23:59:59.999999999 EDT on Monday 9 March
	if !got.Equal(want) {
		t.Errorf("AddWorkdays = %s, want %s", got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
}

func TestWorkdaysBetween(t *testing.T) {
	cal := builtinCalendar(t)
	sh := storetest.Shanghai(t)
	tests := []struct {
		name     string
		from, to string // Beijing time
		want     int
	}{
		{"same day", "2026-03-06 09:00", "2026-03-06 18:00", 0},
		{"to before from", "2026-03-09 09:00", "2026-03-06 18:00", 0},
		{"Friday to Saturday", "2026-03-06 23:59", "2026-03-07 10:00", 0},
		{"Friday to Monday", "2026-03-06 23:59", "2026-03-09 00:01", 1},
		{"Friday before 春节 to the Tuesday after", "2026-02-13 23:59", "2026-02-24 10:00", 2},
		{"across 春节 to the second make-up Saturday", "2026-02-13 23:59", "2026-02-28 10:00", 6},
		{"day before 国庆节 to the make-up Saturday", "2026-09-30 23:59", "2026-10-10 10:00", 3},
		{"inside 国庆节", "2026-10-01 10:00", "2026-10-07 10:00", 0},
		{"across the year end", "2025-12-30 23:59", "2026-01-05 10:00", 3}, // 12-31, 01-04 (Sunday), 01-05
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.WorkdaysBetween(at(t, tt.from), at(t, tt.to), sh); got != tt.want {
				t.Errorf("WorkdaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
			}
		})
	}

	t.Run("time zone: 16:30Z is the next day in Beijing", func(t *testing.T) {
		from := at(t, "2026-06-30 12:00")
		to, _ := time.Parse(time.RFC3339, "2026-06-30T16:30:00Z")
		if got := cal.WorkdaysBetween(from, to, sh); got != 1 {
			t.Errorf("WorkdaysBetween in Beijing = %d, want 1", got)
		}
		if got := cal.WorkdaysBetween(from, to, time.UTC); got != 0 {
			t.Errorf("WorkdaysBetween in UTC = %d, want 0", got)
		}
	})
}

// TestCountsAgree checks WorkdaysBetween (which counts by arithmetic) against
// IsWorkday day by day, and AddWorkdays against both, over 2024–2027.
func TestCountsAgree(t *testing.T) {
	cal := builtinCalendar(t)
	sh := storetest.Shanghai(t)
	rng := rand.New(rand.NewPCG(1, 2))
	start := at(t, "2024-06-01 12:00")
	for i := 0; i < 300; i++ {
		from := start.AddDate(0, 0, rng.IntN(900))
		to := from.AddDate(0, 0, rng.IntN(120))
		want := 0
		for d := from.AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
			if cal.IsWorkday(d.Format(workdays.DateLayout)) {
				want++
			}
		}
		if got := cal.WorkdaysBetween(from, to, sh); got != want {
			t.Fatalf("WorkdaysBetween(%s, %s) = %d, counting IsWorkday gives %d", from, to, got, want)
		}

		n := 1 + rng.IntN(20)
		due := cal.AddWorkdays(from, n, sh)
		if got := cal.WorkdaysBetween(from, due, sh); got != n {
			t.Fatalf("WorkdaysBetween(%s, AddWorkdays(%s, %d) = %s) = %d, want %d", from, from, n, due, got, n)
		}
		if day := due.In(sh).Format(workdays.DateLayout); !cal.IsWorkday(day) {
			t.Fatalf("AddWorkdays(%s, %d) = %s, not a working day", from, n, day)
		}
	}
}

func TestNewRejects(t *testing.T) {
	ok := workdays.Day{Date: "2026-03-16", Kind: workdays.Holiday, Name: "地方假日"}
	tests := []struct {
		name  string
		days  []workdays.Day
		field string
	}{
		{"impossible date", []workdays.Day{{Date: "2026-02-30", Kind: workdays.Holiday}}, "days[0].date"},
		{"slashes", []workdays.Day{ok, {Date: "2026/03/17", Kind: workdays.Holiday}}, "days[1].date"},
		{"no leading zeros", []workdays.Day{{Date: "2026-3-17", Kind: workdays.Holiday}}, "days[0].date"},
		{"year out of range", []workdays.Day{{Date: "0226-03-17", Kind: workdays.Holiday}}, "days[0].date"},
		{"time included", []workdays.Day{{Date: "2026-03-17T00:00:00Z", Kind: workdays.Holiday}}, "days[0].date"},
		{"normal is for edits only", []workdays.Day{{Date: "2026-03-17", Kind: workdays.Normal}}, "days[0].kind"},
		{"unknown kind", []workdays.Day{{Date: "2026-03-17", Kind: "Holiday"}}, "days[0].kind"},
		{"empty kind", []workdays.Day{{Date: "2026-03-17"}}, "days[0].kind"},
		{"duplicate date", []workdays.Day{ok, ok}, "days[1].date"},
		{"line break in name", []workdays.Day{{Date: "2026-03-17", Kind: workdays.Holiday, Name: "春\n节"}}, "days[0].name"},
		{"name too long", []workdays.Day{{Date: "2026-03-17", Kind: workdays.Holiday, Name: strings.Repeat("节", workdays.MaxNameLen+1)}}, "days[0].name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := workdays.New(tt.days)
			if err == nil {
				t.Fatalf("New(%v) = %v, nil; want an error", tt.days, cal)
			}
			if !errors.Is(err, workdays.ErrInvalid) {
				t.Errorf("New error %v does not wrap ErrInvalid", err)
			}
			var fe *workdays.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("New error %v: field %q, want %q", err, fieldOf(err), tt.field)
			}
		})
	}
}

func TestNewWithoutOverrides(t *testing.T) {
	cal, err := workdays.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !cal.IsWorkday("2026-10-01") {
		t.Errorf("IsWorkday(2026-10-01) on the bare weekly rule = false, want true (a Thursday)")
	}
	if cal.IsWorkday("2026-02-14") {
		t.Errorf("IsWorkday(2026-02-14) on the bare weekly rule = true, want false (a Saturday)")
	}
}

func fieldOf(err error) string {
	var fe *workdays.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}
