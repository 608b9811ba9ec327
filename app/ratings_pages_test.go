package app_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestRatingsListMasksPersonalDataAndAuditsUnmask(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.bearerClient().do("POST", "/api/v1/ratings", `{"ratings":[
	 {"external_id":"PD-1","rated_at":"2026-07-14 16:20:00","channel":"窗口","staff_no":"W001","level":1,"comment":"等了很久","citizen_phone":"13812341234","citizen_id_number":"110101199003071234"},
	 {"external_id":"PD-2","rated_at":"2026-07-14 16:30:00","channel":"热线","staff_no":"H001","level":5}]}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("feed: %d %s", res.StatusCode, res.body)
	}

	for _, who := range []string{"hr", "admin"} {
		page := f.login(who).do("GET", "/ratings", "")
		if page.StatusCode != http.StatusOK {
			t.Fatalf("%s /ratings: %d", who, page.StatusCode)
		}
		if strings.Contains(page.body, "13812341234") || strings.Contains(page.body, "110101199003071234") {
			t.Errorf("%s sees unmasked personal data on the list", who)
		}
		if !strings.Contains(page.body, "138****1234") || !strings.Contains(page.body, "110***********1234") {
			t.Errorf("%s: masked data missing", who)
		}
	}
	// The team list shows only the team's ratings (H001 is in team B).
	team := f.login("lead").do("GET", fmt.Sprintf("/teams/%d/ratings", f.teamA.ID), "")
	if !strings.Contains(team.body, "等了很久") || strings.Contains(team.body, "郑浩") {
		t.Errorf("team A list: want W001's rating only")
	}
	bad := f.login("hr").do("GET", "/ratings?bad=1", "")
	if strings.Contains(bad.body, "PD-2") || strings.Contains(bad.body, "郑浩") {
		t.Errorf("bad-only filter shows a 5-star rating")
	}

	// The administrator opens the full data; the view is audited.
	admin := f.login("admin")
	list := admin.do("GET", "/ratings", "")
	m := regexp.MustCompile(`/ratings/(\d+)/personal`).FindStringSubmatch(list.body)
	if m == nil {
		t.Fatal("no unmask button for the administrator")
	}
	if strings.Contains(f.login("hr").do("GET", "/ratings", "").body, "/personal") {
		t.Error("HR is offered the unmask button")
	}
	full := admin.do("POST", "/ratings/"+m[1]+"/personal", "x=1")
	if full.StatusCode != http.StatusOK || !strings.Contains(full.body, "13812341234") || !strings.Contains(full.body, "110101199003071234") {
		t.Fatalf("unmask: %d", full.StatusCode)
	}
	var n int
	if err := f.db.NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").
		Where("action = 'ratings.unmask' AND target = ?", "rating:"+m[1]).Scan(context.Background(), &n); err != nil || n != 1 {
		t.Errorf("audit entries for the unmasked view: %d, %v; want 1", n, err)
	}
	if res := f.login("hr").do("POST", "/ratings/"+m[1]+"/personal", "x=1"); res.StatusCode != http.StatusForbidden {
		t.Errorf("HR unmask: %d, want 403", res.StatusCode)
	}
}
