package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/training"
)

func TestClosedLoopTriggerCooldownAndSkipLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	it := &staff.ServiceItem{CenterID: f.center, Code: "310100-001", Name: "企业设立登记"}
	if err := f.app.Staff().CreateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.NewUpdate().Table("modules").Set("item_id = ?", it.ID).Where("id = ?", f.module.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	feed := func(body string) {
		t.Helper()
		if res := f.bearerClient().do("POST", "/api/v1/ratings", body); res.StatusCode != http.StatusOK {
			t.Fatalf("feed: %d %s", res.StatusCode, res.body)
		}
	}
	run := func() []string {
		t.Helper()
		ts, err := f.app.RunLoop(ctx, f.center)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range ts {
			out = append(out, x.Outcome)
		}
		return out
	}

	// One bad rating on the item (the fixture's has no item): no trigger.
	feed(`{"ratings":[{"external_id":"L-1","rated_at":"2026-07-10 10:00","channel":"窗口","item_code":"310100-001","staff_no":"W001","level":1}]}`)
	if got := run(); len(got) != 0 {
		t.Fatalf("one bad rating triggered: %v", got)
	}
	// A second within 30 days: the module is assigned again although s1
	// completed it, due in 14 days.
	feed(`{"ratings":[{"external_id":"L-2","rated_at":"2026-07-14 10:00","channel":"窗口","item_code":"310100-001","staff_no":"W001","level":2}]}`)
	if got := run(); len(got) != 1 || got[0] != "assigned" {
		t.Fatalf("two bad ratings: %v, want [assigned]", got)
	}
	es, _ := f.app.Training().StaffEnrolments(ctx, f.s1.ID)
	var retrain *training.Enrolment
	for i := range es {
		if es[i].Reason == training.ReasonRetrain {
			retrain = &es[i]
		}
	}
	if retrain == nil || retrain.DueDate != "2026-07-29" {
		t.Fatalf("retraining enrolment: %+v", retrain)
	}
	// Nothing new: no decision is logged again.
	if got := run(); len(got) != 0 {
		t.Fatalf("re-run without new ratings: %v", got)
	}
	// Two new bad ratings a few days later: the rule is reached again but
	// the cooldown (30 days) blocks; the skip is logged with its reason.
	f.clock.Advance(3 * 24 * time.Hour)
	feed(`{"ratings":[{"external_id":"L-3","rated_at":"2026-07-17 10:00","channel":"窗口","item_code":"310100-001","staff_no":"W001","level":1},
	 {"external_id":"L-4","rated_at":"2026-07-17 11:00","channel":"窗口","item_code":"310100-001","staff_no":"W001","level":1}]}`)
	if got := run(); len(got) != 1 || got[0] != "skipped" {
		t.Fatalf("within the cooldown: %v, want [skipped]", got)
	}
	log, err := f.app.LoopLog(ctx, f.center, 0, 10)
	if err != nil || len(log) != 2 || !strings.Contains(log[0].Reason, "冷却") || log[1].EnrolmentID == nil {
		t.Fatalf("log: %+v %v", log, err)
	}
	// The lead sees the log and the before/after table.
	page := f.login("lead").do("GET", "/teams/"+itoa(f.teamA.ID)+"/loop", "")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "企业设立登记") || !strings.Contains(page.body, "n=2") {
		t.Errorf("team loop page: %d", page.StatusCode)
	}
	// A default rating and an appealed-away rating never count.
	if _, err := f.db.NewUpdate().Table("ratings").Set("excluded = ?", true).Where("external_id IN ('L-3','L-4')").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(40 * 24 * time.Hour)
	feed(`{"ratings":[{"external_id":"L-5","rated_at":"2026-08-25 10:00","channel":"窗口","item_code":"310100-001","staff_no":"W001","level":1,"is_default":true},
	 {"external_id":"L-6","rated_at":"2026-08-25 11:00","channel":"窗口","item_code":"310100-001","staff_no":"W001","level":1}]}`)
	if got := run(); len(got) != 0 {
		t.Errorf("a default rating counted toward the loop: %v", got)
	}
}
