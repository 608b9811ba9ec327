package workdays_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/store/storetest"
	"github.com/kaoping/kaoping/app/workdays"
)

// FuzzCalendar builds a calendar from fuzzed entries, one "date,kind,name"
// a line. New refuses bad entries with a *FieldError (ErrInvalid) naming the
// entry; for any calendar it accepts, the three ways of counting working
// days agree with each other and with counting IsWorkday day by day:
// AddWorkdays(from, n) ends on a working day n working days after from, at
// the last nanosecond of that day, and WorkdaysBetween counts the same days.
func FuzzCalendar(f *testing.F) {
	var national []string
	for _, d := range workdays.Builtin() {
		national = append(national, d.Date+","+string(d.Kind)+","+d.Name)
	}
	for _, spec := range []string{
		strings.Join(national, "\n"), "", "2026-03-16,holiday,地方假日", "2026-03-14,workday,调休",
		"2026-02-30,holiday,", "2026/03/17,holiday,", "2026-3-17,holiday,", "0226-03-17,holiday,", "2026-03-17,normal,",
		"2026-03-17,Holiday,", "2026-03-17", "2026-03-16,holiday,x\n2026-03-16,workday,y", "2026-03-17,holiday, 春节",
		"1970-01-01,workday,\n2199-12-31,holiday,", "2026-10-01,holiday,国庆节\n2026-10-02,holiday,国庆节\n2026-10-10,workday,国庆节",
	} {
		f.Add(spec, uint16(400), uint8(5), uint16(40))
		f.Add(spec, uint16(0), uint8(0), uint16(0))
	}
	loc := storetest.Shanghai(f)
	f.Fuzz(func(t *testing.T, spec string, fromDay uint16, n uint8, span uint16) {
		var days []workdays.Day
		if spec != "" {
			for _, line := range strings.Split(spec, "\n") {
				parts := strings.SplitN(line, ",", 3)
				parts = append(parts, "", "")
				days = append(days, workdays.Day{Date: parts[0], Kind: workdays.Kind(parts[1]), Name: parts[2]})
			}
		}
		cal, err := workdays.New(days)
		if err != nil {
			var fe *workdays.FieldError
			if !errors.Is(err, workdays.ErrInvalid) || !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, "days[") {
				t.Fatalf("New: error %T %v is not a *FieldError naming an entry", err, err)
			}
			return
		}
		// Start anywhere from 2024 on, at any time of the day.
		from := time.Date(2024, 1, 1, 0, 0, 0, 0, loc).AddDate(0, 0, int(fromDay)%2000).Add(time.Duration(fromDay) * 37 * time.Minute % (24 * time.Hour))
		due := cal.AddWorkdays(from, int(n), loc)
		local := due.In(loc)
		if h, m, s := local.Clock(); h != 23 || m != 59 || s != 59 || local.Nanosecond() != 999999999 {
			t.Fatalf("AddWorkdays(%v, %d) = %v: not the last nanosecond of a day", from, n, local)
		}
		if n > 0 && !cal.IsWorkday(local.Format(workdays.DateLayout)) {
			t.Fatalf("AddWorkdays(%v, %d) ends on %s, not a working day", from, n, local.Format(workdays.DateLayout))
		}
		if got := cal.WorkdaysBetween(from, due, loc); got != int(n) {
			t.Fatalf("WorkdaysBetween(%v, AddWorkdays(…, %d) = %v) = %d", from, n, local, got)
		}
		if got := countDayByDay(cal, from, due, loc); got != int(n) {
			t.Fatalf("%d working days day by day between %v and AddWorkdays(…, %d) = %v", got, from, n, local)
		}
		to := from.AddDate(0, 0, int(span)%800)
		if got, want := cal.WorkdaysBetween(from, to, loc), countDayByDay(cal, from, to, loc); got != want {
			t.Fatalf("WorkdaysBetween(%v, %v) = %d; day by day %d", from, to, got, want)
		}
		if cal.IsWorkday(spec) && !isDate(spec) {
			t.Fatalf("IsWorkday(%q) is true for something that is not a date", spec)
		}
	})
}

// countDayByDay counts the working days after from's date up to and
// including to's date, in loc, asking IsWorkday for each date.
func countDayByDay(cal *workdays.Calendar, from, to time.Time, loc *time.Location) int {
	y, m, d := from.In(loc).Date()
	day := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	y, m, d = to.In(loc).Date()
	last := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	n := 0
	for day = day.AddDate(0, 0, 1); !day.After(last); day = day.AddDate(0, 0, 1) {
		if cal.IsWorkday(day.Format(workdays.DateLayout)) {
			n++
		}
	}
	return n
}

func isDate(s string) bool {
	t, err := time.Parse(workdays.DateLayout, s)
	return err == nil && t.Format(workdays.DateLayout) == s
}
