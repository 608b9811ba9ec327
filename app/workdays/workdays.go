// Package workdays is the working-day calendar of a service center: Monday to
// Friday are working days, Saturday and Sunday are not, except where the
// calendar says otherwise — public holidays (放假) and make-up working days
// on a weekend (调休上班). The national calendar published each year by the
// General Office of the State Council is shipped with the code (Builtin); a
// center edits its own copy per year (Store), and deadlines counted in
// working days (bad-rating follow-up, appeal windows) use the result.
//
// Dates are calendar days written YYYY-MM-DD, with no time zone: whether a
// moment falls on a given date is decided in the center's time zone, by the
// caller's *time.Location.
package workdays

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DateLayout is the layout of a calendar date, for time.Parse and Format.
const DateLayout = "2006-01-02"

// Kind says what a calendar entry does to its date.
type Kind string

// The kinds of calendar entries.
const (
	// Holiday is a day off: a public holiday, or any other day the center is
	// closed. A holiday on a weekend changes nothing but is kept so that the
	// whole holiday period of a notice carries its name.
	Holiday Kind = "holiday"
	// Workday is a working day on a Saturday or Sunday (调休上班). A workday
	// on a weekday changes nothing.
	Workday Kind = "workday"
	// Normal is only for a center's edits (Store.SetDay, Store.ImportYear):
	// it cancels the shipped entry of its date, so the day follows the week.
	// It never appears in a Calendar or in Store.Days.
	Normal Kind = "normal"
)

// MaxNameLen is the longest name of a calendar entry, in characters.
const MaxNameLen = 64

// The years a date may have. The bounds only catch typing mistakes such as
// 0226 for 2026; they are far from any date a center will enter.
const (
	minYear = 1970
	maxYear = 2199
)

// ErrInvalid is wrapped by every validation error of this package (see
// FieldError), so callers can answer 422 with errors.Is.
var ErrInvalid = errors.New("workdays: invalid")

// FieldError is a validation failure of one field of the input: "date",
// "kind" or "name", prefixed with the position when the input is a list
// ("days[3].date", 0-based).
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return "workdays: " + e.Field + ": " + e.Message }

// Is reports whether target is ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Day is one entry of a calendar.
type Day struct {
	Date string // YYYY-MM-DD
	Kind Kind
	Name string // the holiday it belongs to (春节, 国庆节, …); may be empty
}

// Calendar answers which dates are working days: Monday to Friday unless an
// entry says Holiday, Saturday and Sunday unless an entry says Workday. A
// Calendar is immutable and safe for concurrent use.
type Calendar struct {
	kinds map[int64]Kind // by day number (days since 1970-01-01)
	// shifts are the entries that change the weekly rule (a holiday on a
	// weekday, a workday on a weekend), sorted by day, with prefix sums of
	// their effect on a count of working days: WorkdaysBetween stays
	// proportional to the number of entries, not to the length of the span.
	shifts []shift
}

type shift struct {
	day   int64
	delta int // +1 for a weekend workday, -1 for a weekday holiday
	sum   int // sum of delta over shifts[:i+1]
}

// New returns the calendar of the weekly rule plus overrides. Every date must
// be a valid YYYY-MM-DD in 1970–2199 and appear once; every kind must be
// Holiday or Workday. Errors wrap ErrInvalid.
func New(overrides []Day) (*Calendar, error) {
	c := &Calendar{kinds: make(map[int64]Kind, len(overrides))}
	for i, d := range overrides {
		day, err := checkDay(d, false)
		if err != nil {
			return nil, atIndex(err, i)
		}
		if _, dup := c.kinds[day]; dup {
			return nil, &FieldError{Field: fmt.Sprintf("days[%d].date", i), Message: fmt.Sprintf("日期 %s 重复 (date %s appears twice)", d.Date, d.Date)}
		}
		c.kinds[day] = d.Kind
		switch {
		case d.Kind == Holiday && !isWeekend(day):
			c.shifts = append(c.shifts, shift{day: day, delta: -1})
		case d.Kind == Workday && isWeekend(day):
			c.shifts = append(c.shifts, shift{day: day, delta: +1})
		}
	}
	sort.Slice(c.shifts, func(i, j int) bool { return c.shifts[i].day < c.shifts[j].day })
	sum := 0
	for i := range c.shifts {
		sum += c.shifts[i].delta
		c.shifts[i].sum = sum
	}
	return c, nil
}

// IsWorkday reports whether date (YYYY-MM-DD) is a working day. A malformed
// date is not a working day.
func (c *Calendar) IsWorkday(date string) bool {
	day, ok := parseDate(date)
	return ok && c.isWorkday(day)
}

// AddWorkdays returns the deadline of "n working days from `from`", read in
// loc (the center's time zone): the end of the n-th working day after the
// date of from, as the last nanosecond of that day in loc, returned in UTC.
//
// The day of receipt never counts, whether or not it is a working day:
// government-service time limits (政务服务办理时限) start on the next working
// day. So a rating received on Friday with n = 1 is due at the end of Monday
// (or of the next working day after it), and one received on a holiday with
// n = 1 is due at the end of the first working day after the holiday.
// n = 0 (or less) is due at the end of the day of receipt.
//
// The result is 23:59:59.999999999 local time. PostgreSQL keeps microseconds
// and rounds that up to midnight of the next day when stored; compare or
// display it as a date (deadline.In(loc).Format(DateLayout)) or truncate it
// to the microsecond before storing. AddWorkdays panics if loc is nil, like
// time.Date.
func (c *Calendar) AddWorkdays(from time.Time, n int, loc *time.Location) time.Time {
	day := dayIn(from, loc)
	for ; n > 0; n-- {
		day++
		for !c.isWorkday(day) {
			day++
		}
	}
	return endOfDay(day, loc)
}

// WorkdaysBetween counts the working days after the date of from up to and
// including the date of to, both read in loc: how many working days a case
// due at from is overdue at to. It is 0 when to's date is not after from's.
func (c *Calendar) WorkdaysBetween(from, to time.Time, loc *time.Location) int {
	lo, hi := dayIn(from, loc)+1, dayIn(to, loc)
	if hi < lo {
		return 0
	}
	return weekdays(lo, hi) + c.shiftSum(hi) - c.shiftSum(lo-1)
}

func (c *Calendar) isWorkday(day int64) bool {
	switch c.kinds[day] {
	case Holiday:
		return false
	case Workday:
		return true
	}
	return !isWeekend(day)
}

// shiftSum is the effect of the shifts on or before day.
func (c *Calendar) shiftSum(day int64) int {
	i := sort.Search(len(c.shifts), func(i int) bool { return c.shifts[i].day > day })
	if i == 0 {
		return 0
	}
	return c.shifts[i-1].sum
}

// checkDay validates d and returns its day number. allowNormal admits Normal,
// which only a center's edits may use.
func checkDay(d Day, allowNormal bool) (int64, *FieldError) {
	day, ok := parseDate(d.Date)
	if !ok {
		return 0, &FieldError{Field: "date", Message: fmt.Sprintf("日期 %q 应为 %d–%d 年的 YYYY-MM-DD (date must be YYYY-MM-DD in %d–%d)", d.Date, minYear, maxYear, minYear, maxYear)}
	}
	switch {
	case d.Kind == Holiday, d.Kind == Workday, d.Kind == Normal && allowNormal:
	default:
		want := "holiday, workday"
		if allowNormal {
			want += ", normal"
		}
		return 0, &FieldError{Field: "kind", Message: fmt.Sprintf("类型 %q 无效，应为 %s (kind must be one of %s)", d.Kind, want, want)}
	}
	if n := utf8.RuneCountInString(d.Name); n > MaxNameLen {
		return 0, &FieldError{Field: "name", Message: fmt.Sprintf("名称不能超过 %d 个字符，现有 %d 个 (at most %d characters, got %d)", MaxNameLen, n, MaxNameLen, n)}
	}
	if !utf8.ValidString(d.Name) || strings.IndexFunc(d.Name, unicode.IsControl) >= 0 || strings.TrimSpace(d.Name) != d.Name {
		return 0, &FieldError{Field: "name", Message: "名称不能包含控制字符或首尾空格 (name must not contain control characters or surrounding space)"}
	}
	return day, nil
}

func atIndex(fe *FieldError, i int) *FieldError {
	return &FieldError{Field: fmt.Sprintf("days[%d].%s", i, fe.Field), Message: fe.Message}
}

// parseDate reads a canonical YYYY-MM-DD date as a day number.
func parseDate(s string) (int64, bool) {
	t, err := time.Parse(DateLayout, s)
	if err != nil || t.Format(DateLayout) != s || t.Year() < minYear || t.Year() > maxYear {
		return 0, false
	}
	return t.Unix() / 86400, true
}

// dayIn is the day number of t's date in loc.
func dayIn(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// endOfDay is the last nanosecond of day in loc, in UTC. It is computed from
// the next midnight so that a day shortened or lengthened by a daylight-saving
// change still ends at the right moment.
func endOfDay(day int64, loc *time.Location) time.Time {
	y, m, d := time.Unix(day*86400, 0).UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc).Add(-time.Nanosecond).UTC()
}

// weekdayOf returns the weekday of a day number; 1970-01-01 was a Thursday.
func weekdayOf(day int64) time.Weekday {
	return time.Weekday(((day+4)%7 + 7) % 7)
}

func isWeekend(day int64) bool {
	wd := weekdayOf(day)
	return wd == time.Saturday || wd == time.Sunday
}

// weekdays counts Monday to Friday in [lo, hi] (lo ≤ hi).
func weekdays(lo, hi int64) int {
	span := hi - lo + 1
	n := int(span/7) * 5
	for day := lo + span/7*7; day <= hi; day++ {
		if !isWeekend(day) {
			n++
		}
	}
	return n
}
