package scoring

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind is the length of an assessment period (考核周期).
type Kind int

// The kinds of periods. The zero Kind is no kind: a zero Period is invalid.
const (
	Month   Kind = iota + 1 // 月度
	Quarter                 // 季度
	Year                    // 年度
)

// String returns "month", "quarter" or "year" ("" for an invalid kind), the
// word ParseKind reads.
func (k Kind) String() string {
	switch k {
	case Month:
		return "month"
	case Quarter:
		return "quarter"
	case Year:
		return "year"
	}
	return ""
}

// ParseKind reads "month", "quarter" or "year".
func ParseKind(s string) (Kind, error) {
	for _, k := range []Kind{Month, Quarter, Year} {
		if s == k.String() {
			return k, nil
		}
	}
	return 0, &FieldError{Field: "kind", Message: fmt.Sprintf("%q：周期类型应为 month、quarter 或 year (kind must be month, quarter or year)", s)}
}

// The years a period may have in ParsePeriod. The bounds catch typing
// mistakes such as 0226 for 2026.
const (
	MinYear = 2000
	MaxYear = 2100
)

// Period is one assessment period: a calendar month, quarter or year in the
// center's time zone. Only the fields of its Kind are set: Month (1–12) for a
// month, Quarter (1–4) for a quarter, neither for a year; so two equal
// periods compare equal with ==. ParsePeriod and PeriodOf build valid ones.
type Period struct {
	Kind    Kind
	Year    int
	Quarter int
	Month   int
}

const periodFormat = "期间格式应为 2026-07、2026-Q3 或 2026 (period must be YYYY-MM, YYYY-Qn or YYYY)"

// ParsePeriod reads a period as String writes it: "2026-07" (month, always
// two digits), "2026-Q3" (quarter; a lower-case q is accepted too) or "2026"
// (year), with the year within MinYear..MaxYear. Anything else is an error
// that says what is expected.
func ParsePeriod(s string) (Period, error) {
	bad := func(msg string) (Period, error) {
		return Period{}, &FieldError{Field: "period", Message: fmt.Sprintf("%q：%s", s, msg)}
	}
	if (len(s) != 4 && len(s) != 7) || !digits(s[:4]) {
		return bad(periodFormat)
	}
	y, _ := strconv.Atoi(s[:4])
	var p Period
	switch {
	case len(s) == 4:
		p = Period{Kind: Year, Year: y}
	case s[4] != '-':
		return bad(periodFormat)
	case s[5] == 'Q' || s[5] == 'q':
		if s[6] < '1' || s[6] > '4' {
			return bad(periodFormat)
		}
		p = Period{Kind: Quarter, Year: y, Quarter: int(s[6] - '0')}
	default:
		if !digits(s[5:]) {
			return bad(periodFormat)
		}
		m, _ := strconv.Atoi(s[5:])
		if m < 1 || m > 12 {
			return bad(periodFormat)
		}
		p = Period{Kind: Month, Year: y, Month: m}
	}
	if y < MinYear || y > MaxYear {
		return bad(fmt.Sprintf("年份应在 %d 至 %d 之间 (year must be within %d..%d)", MinYear, MaxYear, MinYear, MaxYear))
	}
	return p, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// String returns the period as ParsePeriod reads it: "2026-07", "2026-Q3",
// "2026"; "" for an invalid Kind.
func (p Period) String() string {
	switch p.Kind {
	case Month:
		return fmt.Sprintf("%04d-%02d", p.Year, p.Month)
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.Quarter)
	case Year:
		return fmt.Sprintf("%04d", p.Year)
	}
	return ""
}

// firstMonth is the number (1–12) of the period's first month.
func (p Period) firstMonth() int {
	switch p.Kind {
	case Month:
		return p.Month
	case Quarter:
		return 3*(p.Quarter-1) + 1
	}
	return 1
}

// months is how many months the period spans.
func (p Period) months() int {
	switch p.Kind {
	case Month:
		return 1
	case Quarter:
		return 3
	}
	return 12
}

// FirstMonth returns the period's first month, "2026-07" for 2026-Q3: the
// value compared with a settings version's effective_from, so a version
// applies to the periods that start in or after its month.
func (p Period) FirstMonth() string {
	return fmt.Sprintf("%04d-%02d", p.Year, p.firstMonth())
}

// FirstDate returns the period's first calendar day, "YYYY-MM-DD".
func (p Period) FirstDate() string {
	return fmt.Sprintf("%04d-%02d-01", p.Year, p.firstMonth())
}

// LastDate returns the period's last calendar day, "YYYY-MM-DD" (inclusive).
func (p Period) LastDate() string {
	// Day 0 of the month after the period is its last day.
	return time.Date(p.Year, time.Month(p.firstMonth()+p.months()), 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// Start returns the first instant of the period in loc (the center's time
// zone). The period is [Start, End). loc must not be nil, as for time.Date.
func (p Period) Start(loc *time.Location) time.Time {
	return time.Date(p.Year, time.Month(p.firstMonth()), 1, 0, 0, 0, 0, loc)
}

// End returns the first instant after the period in loc: the Start of Next.
func (p Period) End(loc *time.Location) time.Time {
	return time.Date(p.Year, time.Month(p.firstMonth()+p.months()), 1, 0, 0, 0, 0, loc)
}

// Contains reports whether a calendar date "YYYY-MM-DD" (already in the
// center's time zone) falls in the period. Anything not ten characters long,
// such as "", is in no period.
func (p Period) Contains(date string) bool {
	return p.span().contains(date)
}

// span is a period as its first and last dates, for comparing many dates
// without formatting the bounds each time.
type span struct{ first, last string }

func (p Period) span() span { return span{p.FirstDate(), p.LastDate()} }

func (s span) contains(date string) bool {
	return len(date) == len(s.first) && s.first <= date && date <= s.last
}

// Next returns the period of the same kind that follows p.
func (p Period) Next() Period { return p.shift(1) }

// Prev returns the period of the same kind before p.
func (p Period) Prev() Period { return p.shift(-1) }

func (p Period) shift(n int) Period {
	switch p.Kind {
	case Month:
		i := p.Year*12 + p.Month - 1 + n
		p.Year, p.Month = floorDiv(i, 12), i-floorDiv(i, 12)*12+1
	case Quarter:
		i := p.Year*4 + p.Quarter - 1 + n
		p.Year, p.Quarter = floorDiv(i, 4), i-floorDiv(i, 4)*4+1
	case Year:
		p.Year += n
	}
	return p
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Last returns the n periods of p's kind that end with p, oldest first:
// for 2026-02 and n = 4, 2025-11, 2025-12, 2026-01, 2026-02. It returns nil
// for n ≤ 0.
func (p Period) Last(n int) []Period {
	if n <= 0 {
		return nil
	}
	out := make([]Period, n)
	for i := range out {
		out[i] = p.shift(i - (n - 1))
	}
	return out
}

// Label returns the period as people read it: "2026年7月", "2026年第3季度",
// "2026年"; with a lang starting with "en" (en, en-US, …) "July 2026",
// "2026 Q3", "2026". Every other lang gets Chinese, the product's language.
func (p Period) Label(lang string) string {
	en := strings.HasPrefix(strings.ToLower(lang), "en")
	switch {
	case p.Kind == Month && en:
		return fmt.Sprintf("%s %d", time.Month(p.Month), p.Year)
	case p.Kind == Month:
		return fmt.Sprintf("%d年%d月", p.Year, p.Month)
	case p.Kind == Quarter && en:
		return fmt.Sprintf("%d Q%d", p.Year, p.Quarter)
	case p.Kind == Quarter:
		return fmt.Sprintf("%d年第%d季度", p.Year, p.Quarter)
	case p.Kind == Year && en:
		return strconv.Itoa(p.Year)
	case p.Kind == Year:
		return fmt.Sprintf("%d年", p.Year)
	}
	return ""
}

// PeriodOf returns the period of the given kind that contains the instant
// t, read in loc (the center's time zone): the period a rating rated at t
// belongs to. loc must not be nil.
func PeriodOf(t time.Time, kind Kind, loc *time.Location) Period {
	t = t.In(loc)
	switch kind {
	case Month:
		return Period{Kind: Month, Year: t.Year(), Month: int(t.Month())}
	case Quarter:
		return Period{Kind: Quarter, Year: t.Year(), Quarter: (int(t.Month())-1)/3 + 1}
	case Year:
		return Period{Kind: Year, Year: t.Year()}
	}
	return Period{}
}
