package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCalendarEditing(t *testing.T) {
	f := newFixture(t)
	hr := f.login("hr")
	ctx := context.Background()

	// The shipped national calendar shows: 2026-10-01 is 国庆节.
	res := hr.do("GET", "/admin/calendar?year=2026", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "2026-10-01") || !strings.Contains(res.body, "国庆节") {
		t.Fatalf("calendar page: %d, national holidays missing", res.StatusCode)
	}

	// A local holiday on Thursday 2026-07-16 moves a deadline counted from
	// Wednesday 2026-07-15 by one working day.
	loc, _ := time.LoadLocation("Asia/Shanghai")
	from := time.Date(2026, 7, 15, 10, 0, 0, 0, loc)
	cal, err := f.app.Workdays().Calendar(ctx, f.center)
	if err != nil {
		t.Fatal(err)
	}
	before := cal.AddWorkdays(from, 1, loc)
	if res := hr.do("POST", "/admin/calendar", form("date", "2026-07-16", "kind", "holiday", "name", "中心停电检修")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set day: %d %s", res.StatusCode, res.body)
	}
	cal, _ = f.app.Workdays().Calendar(ctx, f.center)
	if after := cal.AddWorkdays(from, 1, loc); after.Sub(before) != 24*time.Hour {
		t.Errorf("deadline %v → %v after the local holiday; want one day later", before, after)
	}
	if res := hr.do("GET", "/admin/calendar?year=2026", ""); !strings.Contains(res.body, "中心停电检修") {
		t.Error("the local holiday is not listed")
	}

	// The bulk editor: a bad line is named and nothing changes.
	res = hr.do("POST", "/admin/calendar/import", form("year", "2026", "days", "2026-01-01,holiday,元旦\n2026-13-01,假,坏日期\n"))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "第 2 行") {
		t.Fatalf("bad bulk line: %d %s", res.StatusCode, res.body)
	}
	days, _ := f.app.Workdays().Days(ctx, f.center, 2026)
	if len(days) < 10 {
		t.Fatalf("a refused bulk edit changed the year: %d days left", len(days))
	}
	// A good one replaces the year.
	if res := hr.do("POST", "/admin/calendar/import", form("year", "2026", "days", "2026-01-01,假,元旦\n2026-01-04,班,调休\n")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bulk import: %d %s", res.StatusCode, res.body)
	}
	days, _ = f.app.Workdays().Days(ctx, f.center, 2026)
	if len(days) != 2 || days[1].Date != "2026-01-04" || days[1].Kind != "workday" {
		t.Fatalf("after the bulk edit: %+v", days)
	}

	// Employees cannot edit the calendar.
	if res := f.login("employee").do("POST", "/admin/calendar", form("date", "2026-07-17", "kind", "holiday")); res.StatusCode != http.StatusForbidden {
		t.Errorf("employee edit: %d, want 403", res.StatusCode)
	}
}
