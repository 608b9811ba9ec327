package workdays_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/store/storetest"
	"github.com/kaoping/kaoping/app/workdays"
)

// notice is a second, independent transcription of the State Council
// notices, written as they read (periods and make-up days), so a typo in
// national.csv shows up as a difference.
var notice = []struct {
	name     string
	from, to string   // the holiday period, inclusive
	makeUp   []string // 调休上班
}{
	// 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号)
	{"元旦", "2025-01-01", "2025-01-01", nil},
	{"春节", "2025-01-28", "2025-02-04", []string{"2025-01-26", "2025-02-08"}},
	{"清明节", "2025-04-04", "2025-04-06", nil},
	{"劳动节", "2025-05-01", "2025-05-05", []string{"2025-04-27"}},
	{"端午节", "2025-05-31", "2025-06-02", nil},
	{"国庆节、中秋节", "2025-10-01", "2025-10-08", []string{"2025-09-28", "2025-10-11"}},
	// 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04)
	{"元旦", "2026-01-01", "2026-01-03", []string{"2026-01-04"}},
	{"春节", "2026-02-15", "2026-02-23", []string{"2026-02-14", "2026-02-28"}},
	{"清明节", "2026-04-04", "2026-04-06", nil},
	{"劳动节", "2026-05-01", "2026-05-05", []string{"2026-05-09"}},
	{"端午节", "2026-06-19", "2026-06-21", nil},
	{"中秋节", "2026-09-25", "2026-09-27", nil},
	{"国庆节", "2026-10-01", "2026-10-07", []string{"2026-09-20", "2026-10-10"}},
}

func TestBuiltinMatchesNotices(t *testing.T) {
	var want []workdays.Day
	for _, h := range notice {
		from := mustDate(t, h.from)
		to := mustDate(t, h.to)
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			want = append(want, workdays.Day{Date: d.Format(workdays.DateLayout), Kind: workdays.Holiday, Name: h.name})
		}
		for _, m := range h.makeUp {
			want = append(want, workdays.Day{Date: m, Kind: workdays.Workday, Name: h.name})
		}
	}
	slices.SortFunc(want, func(a, b workdays.Day) int { return strings.Compare(a.Date, b.Date) })

	got := workdays.Builtin()
	if !slices.Equal(got, want) {
		t.Errorf("Builtin() differs from the notices:\n got %v\nwant %v", got, want)
	}
}

func TestBuiltinMakeUpDaysAreWeekends(t *testing.T) {
	for _, d := range workdays.Builtin() {
		if d.Kind != workdays.Workday {
			continue
		}
		if wd := mustDate(t, d.Date).Weekday(); wd != time.Saturday && wd != time.Sunday {
			t.Errorf("make-up working day %s (%s) is a %s, want a Saturday or Sunday", d.Date, d.Name, wd)
		}
	}
}

func TestBuiltinIsACopy(t *testing.T) {
	a := workdays.Builtin()
	a[0].Kind = workdays.Workday
	if b := workdays.Builtin(); b[0].Kind != workdays.Holiday {
		t.Errorf("Builtin()[0].Kind = %q after changing an earlier result, want %q", b[0].Kind, workdays.Holiday)
	}
}

// TestBuiltinWorkingDays2026 checks the count a person can verify: 261
// weekdays, minus 19 holidays on weekdays, plus 6 make-up days.
func TestBuiltinWorkingDays2026(t *testing.T) {
	cal := builtinCalendar(t)
	got := cal.WorkdaysBetween(at(t, "2025-12-31 12:00"), at(t, "2026-12-31 12:00"), storetest.Shanghai(t))
	if got != 248 {
		t.Errorf("working days in 2026 = %d, want 248", got)
	}
}

func mustDate(tb testing.TB, s string) time.Time {
	tb.Helper()
	d, err := time.Parse(workdays.DateLayout, s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}
