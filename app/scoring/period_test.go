package scoring_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/scoring"
)

const formatMsg = "期间格式应为 2026-07、2026-Q3 或 2026 (period must be YYYY-MM, YYYY-Qn or YYYY)"

func TestParsePeriod(t *testing.T) {
	good := []struct {
		in   string
		want scoring.Period
		str  string
	}{
		{"2026-07", scoring.Period{Kind: scoring.Month, Year: 2026, Month: 7}, "2026-07"},
		{"2026-12", scoring.Period{Kind: scoring.Month, Year: 2026, Month: 12}, "2026-12"},
		{"2026-01", scoring.Period{Kind: scoring.Month, Year: 2026, Month: 1}, "2026-01"},
		{"2026-Q3", scoring.Period{Kind: scoring.Quarter, Year: 2026, Quarter: 3}, "2026-Q3"},
		{"2026-q1", scoring.Period{Kind: scoring.Quarter, Year: 2026, Quarter: 1}, "2026-Q1"},
		{"2026", scoring.Period{Kind: scoring.Year, Year: 2026}, "2026"},
		{"2000", scoring.Period{Kind: scoring.Year, Year: 2000}, "2000"},
		{"2100-12", scoring.Period{Kind: scoring.Month, Year: 2100, Month: 12}, "2100-12"},
	}
	for _, c := range good {
		t.Run(c.in, func(t *testing.T) {
			got, err := scoring.ParsePeriod(c.in)
			if err != nil {
				t.Fatalf("ParsePeriod(%q): %v", c.in, err)
			}
			if got != c.want {
				t.Errorf("ParsePeriod(%q) = %+v, want %+v", c.in, got, c.want)
			}
			if got.String() != c.str {
				t.Errorf("String() = %q, want %q", got.String(), c.str)
			}
		})
	}

	yearMsg := "年份应在 2000 至 2100 之间 (year must be within 2000..2100)"
	bad := []struct{ in, msg string }{
		{"", formatMsg},
		{"2026-13", formatMsg},
		{"2026-00", formatMsg},
		{"2026-Q5", formatMsg},
		{"2026-Q0", formatMsg},
		{"2026-7", formatMsg},
		{"2026-M7", formatMsg},
		{"2026/07", formatMsg},
		{"2026-1a", formatMsg},
		{"2026-+7", formatMsg},
		{"26-07", formatMsg},
		{"202", formatMsg},
		{"2026-07-01", formatMsg},
		{" 2026-07", formatMsg},
		{"２０２６-07", formatMsg},
		{"+026", formatMsg},
		{"1999", yearMsg},
		{"2101-01", yearMsg},
		{"0226-Q3", yearMsg},
	}
	for _, c := range bad {
		t.Run("bad "+c.in, func(t *testing.T) {
			_, err := scoring.ParsePeriod(c.in)
			if !errors.Is(err, scoring.ErrInvalid) {
				t.Fatalf("ParsePeriod(%q) error = %v, want ErrInvalid", c.in, err)
			}
			var fe *scoring.FieldError
			if !errors.As(err, &fe) || fe.Field != "period" || !strings.Contains(fe.Message, c.msg) {
				t.Errorf("ParsePeriod(%q) error = %v, want field period with %q", c.in, err, c.msg)
			}
		})
	}
}

func TestPeriodDates(t *testing.T) {
	cases := []struct {
		p                  string
		first, last, month string
	}{
		{"2026-07", "2026-07-01", "2026-07-31", "2026-07"},
		{"2026-02", "2026-02-01", "2026-02-28", "2026-02"},
		{"2028-02", "2028-02-01", "2028-02-29", "2028-02"},
		{"2026-12", "2026-12-01", "2026-12-31", "2026-12"},
		{"2026-Q1", "2026-01-01", "2026-03-31", "2026-01"},
		{"2026-Q3", "2026-07-01", "2026-09-30", "2026-07"},
		{"2026-Q4", "2026-10-01", "2026-12-31", "2026-10"},
		{"2026", "2026-01-01", "2026-12-31", "2026-01"},
	}
	for _, c := range cases {
		t.Run(c.p, func(t *testing.T) {
			p := mustPeriod(t, c.p)
			if got := p.FirstDate(); got != c.first {
				t.Errorf("FirstDate = %s, want %s", got, c.first)
			}
			if got := p.LastDate(); got != c.last {
				t.Errorf("LastDate = %s, want %s", got, c.last)
			}
			if got := p.FirstMonth(); got != c.month {
				t.Errorf("FirstMonth = %s, want %s", got, c.month)
			}
			if !p.Contains(c.first) || !p.Contains(c.last) {
				t.Errorf("Contains(%s) or Contains(%s) = false", c.first, c.last)
			}
			before := p.Prev().LastDate()
			after := p.Next().FirstDate()
			if p.Contains(before) || p.Contains(after) {
				t.Errorf("Contains(%s) or Contains(%s) = true", before, after)
			}
		})
	}
	p := mustPeriod(t, "2026-07")
	for _, d := range []string{"", "2026-07", "2026-07-1", "2026-07-15T10:00"} {
		if p.Contains(d) {
			t.Errorf("Contains(%q) = true, want false", d)
		}
	}
}

func TestPeriodShanghai(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	p := mustPeriod(t, "2026-07")
	if got, want := p.Start(sh), at("2026-06-30T16:00:00Z"); !got.Equal(want) {
		t.Errorf("Start = %v, want %v", got, want)
	}
	if got, want := p.End(sh), at("2026-07-31T16:00:00Z"); !got.Equal(want) {
		t.Errorf("End = %v, want %v", got, want)
	}
	q := mustPeriod(t, "2026-Q4")
	if got, want := q.End(sh), at("2026-12-31T16:00:00Z"); !got.Equal(want) {
		t.Errorf("Q4 End = %v, want %v", got, want)
	}

	cases := []struct {
		t    string
		kind scoring.Kind
		want string
	}{
		{"2026-06-30T16:30:00Z", scoring.Month, "2026-07"},
		{"2026-06-30T15:59:59Z", scoring.Month, "2026-06"},
		{"2026-06-30T16:30:00Z", scoring.Quarter, "2026-Q3"},
		{"2026-06-30T15:59:59Z", scoring.Quarter, "2026-Q2"},
		{"2026-12-31T16:00:00Z", scoring.Year, "2027"},
		{"2026-12-31T15:59:59Z", scoring.Year, "2026"},
		{"2026-12-31T16:00:00Z", scoring.Quarter, "2027-Q1"},
	}
	for _, c := range cases {
		got := scoring.PeriodOf(at(c.t), c.kind, sh)
		if got.String() != c.want {
			t.Errorf("PeriodOf(%s, %v) = %s, want %s", c.t, c.kind, got, c.want)
		}
		if got != mustPeriod(t, c.want) {
			t.Errorf("PeriodOf(%s, %v) = %+v, not equal to ParsePeriod(%s)", c.t, c.kind, got, c.want)
		}
	}
	// In UTC the same instant is still June.
	if got := scoring.PeriodOf(at("2026-06-30T16:30:00Z"), scoring.Month, time.UTC); got.String() != "2026-06" {
		t.Errorf("PeriodOf in UTC = %s, want 2026-06", got)
	}
	// Every instant of [Start, End) is in the period, and End is not.
	if got := scoring.PeriodOf(p.End(sh).Add(-time.Nanosecond), scoring.Month, sh); got != p {
		t.Errorf("PeriodOf(End-1ns) = %s, want %s", got, p)
	}
	if got := scoring.PeriodOf(p.End(sh), scoring.Month, sh); got != p.Next() {
		t.Errorf("PeriodOf(End) = %s, want %s", got, p.Next())
	}
}

func TestPeriodLast(t *testing.T) {
	cases := []struct {
		p    string
		n    int
		want []string
	}{
		{"2026-02", 4, []string{"2025-11", "2025-12", "2026-01", "2026-02"}},
		{"2026-01", 2, []string{"2025-12", "2026-01"}},
		{"2026-Q1", 4, []string{"2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"}},
		{"2026-Q3", 2, []string{"2026-Q2", "2026-Q3"}},
		{"2026", 3, []string{"2024", "2025", "2026"}},
		{"2026-07", 1, []string{"2026-07"}},
		{"2026-07", 13, []string{"2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12",
			"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"}},
		{"2026-07", 0, nil},
	}
	for _, c := range cases {
		var got []string
		for _, p := range mustPeriod(t, c.p).Last(c.n) {
			got = append(got, p.String())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s.Last(%d) = %v, want %v", c.p, c.n, got, c.want)
		}
	}
	if got := mustPeriod(t, "2026-01").Prev().String(); got != "2025-12" {
		t.Errorf("2026-01.Prev = %s", got)
	}
	if got := mustPeriod(t, "2025-Q4").Next().String(); got != "2026-Q1" {
		t.Errorf("2025-Q4.Next = %s", got)
	}
	if got := mustPeriod(t, "2025-12").Next(); got != mustPeriod(t, "2026-01") {
		t.Errorf("2025-12.Next = %+v", got)
	}
}

func TestPeriodLabel(t *testing.T) {
	cases := []struct{ p, lang, want string }{
		{"2026-07", "zh-CN", "2026年7月"},
		{"2026-Q3", "zh", "2026年第3季度"},
		{"2026", "zh-CN", "2026年"},
		{"2026-07", "en", "July 2026"},
		{"2026-Q3", "en-US", "2026 Q3"},
		{"2026", "EN", "2026"},
		{"2026-12", "", "2026年12月"},
	}
	for _, c := range cases {
		if got := mustPeriod(t, c.p).Label(c.lang); got != c.want {
			t.Errorf("%s.Label(%q) = %q, want %q", c.p, c.lang, got, c.want)
		}
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range []scoring.Kind{scoring.Month, scoring.Quarter, scoring.Year} {
		got, err := scoring.ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v; want %v", k.String(), got, err, k)
		}
	}
	if _, err := scoring.ParseKind("week"); !errors.Is(err, scoring.ErrInvalid) {
		t.Errorf("ParseKind(week) error = %v, want ErrInvalid", err)
	}
}

func mustPeriod(t *testing.T, s string) scoring.Period {
	t.Helper()
	p, err := scoring.ParsePeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
