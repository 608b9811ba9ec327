package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestRatingFeedAPI pushes ratings as the upstream system does: a bearer
// token, no CSRF; idempotent re-sends; all-or-nothing with every error
// named; size limit; people cannot use the feed's route.
func TestRatingFeedAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	feed := f.bearerClient()
	batch := `{"ratings":[
	 {"external_id":"HCP-1","rated_at":"2026-07-14 16:20:00","channel":"窗口","staff_no":"W001","level":"非常满意","reasons":"办事快；态度好","comment":"张伟很耐心"},
	 {"external_id":"HCP-2","rated_at":"2026-07-14T08:00:00Z","channel":"hotline","staff_no":"H001","level":2,"reasons":["答复慢"],"is_default":"否"}]}`
	res := feed.do("POST", "/api/v1/ratings", batch)
	if res.StatusCode != 200 || !strings.Contains(res.body, `"imported":2`) || !strings.Contains(res.body, `"duplicates":0`) {
		t.Fatalf("first push: %d %s", res.StatusCode, res.body)
	}
	res = feed.do("POST", "/api/v1/ratings", batch)
	if res.StatusCode != 200 || !strings.Contains(res.body, `"imported":0`) || !strings.Contains(res.body, `"duplicates":2`) {
		t.Fatalf("re-send: %d %s", res.StatusCode, res.body)
	}
	bad := `{"ratings":[
	 {"external_id":"HCP-3","rated_at":"2026-07-14 10:00","channel":"窗口","staff_no":"W001","level":5},
	 {"external_id":"HCP-4","rated_at":"2026-07-14 10:00","channel":"飞鸽","staff_no":"W001","level":5},
	 {"external_id":"HCP-5","rated_at":"2026-07-20 10:00","channel":"窗口","staff_no":"NOPE","level":9}]}`
	res = feed.do("POST", "/api/v1/ratings", bad)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid batch: %d %s", res.StatusCode, res.body)
	}
	var body struct {
		Errors []struct {
			Index int    `json:"index"`
			Field string `json:"field"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range body.Errors {
		got[fmt.Sprintf("%d:%s", e.Index, e.Field)] = true
	}
	for _, want := range []string{"1:channel", "2:rated_at", "2:staff_no", "2:level"} {
		if !got[want] {
			t.Errorf("errors lack %s: %s", want, res.body)
		}
	}
	// Nothing of the refused batch was written: HCP-3 is new when sent alone.
	one := `{"ratings":[{"external_id":"HCP-3","rated_at":"2026-07-14 10:00","channel":"窗口","staff_no":"W001","level":5}]}`
	if res := feed.do("POST", "/api/v1/ratings", one); !strings.Contains(res.body, `"imported":1`) {
		t.Fatalf("HCP-3 after a refused batch: %s", res.body)
	}
	var big strings.Builder
	big.WriteString(`{"ratings":[`)
	for i := 0; i < 5001; i++ {
		if i > 0 {
			big.WriteString(",")
		}
		fmt.Fprintf(&big, `{"external_id":"B%d","rated_at":"2026-07-14 10:00","channel":"窗口","staff_no":"W001","level":5}`, i)
	}
	big.WriteString(`]}`)
	if res := feed.do("POST", "/api/v1/ratings", big.String()); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("5001 ratings: %d, want 413", res.StatusCode)
	}
	if res := feed.do("POST", "/api/v1/ratings", `{"ratings":[`); res.StatusCode >= 500 {
		t.Fatalf("malformed body: %d", res.StatusCode)
	}
	// The bad rating (HCP-2, level 2 for H001) notified its person once, with
	// an appeal deadline 5 working days after receipt (Wednesday 2026-07-15 →
	// Wednesday 2026-07-22); the good one and the re-send notified nobody.
	ns, err := f.app.Training().Notifications(context.Background(), f.s3.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].Kind != "bad_rating" || !strings.Contains(ns[0].Body, "2026-07-22") || !strings.Contains(ns[0].Body, "答复慢") {
		t.Errorf("bad-rating notifications of H001: %+v", ns)
	}
	if ns, _ := f.app.Training().Notifications(context.Background(), f.s1.ID, 10); len(ns) != 0 {
		for _, n := range ns {
			if n.Kind == "bad_rating" && n.DedupeKey != "bad_rating:"+strconv.FormatInt(f.ratingID, 10) {
				t.Errorf("a good rating notified W001: %+v", n)
			}
		}
	}
	// The employee sees their own ratings, bad ones highlighted; nobody else's.
	my := f.login("employee").do("GET", "/my", "")
	if !strings.Contains(my.body, "张伟很耐心") || !strings.Contains(my.body, "非常满意") || strings.Contains(my.body, "答复慢") {
		t.Errorf("/my ratings section: %.2000s", my.body)
	}
	if res := f.login("admin").do("POST", "/api/v1/ratings", one); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a person posting ratings: %d, want 403", res.StatusCode)
	}
	if res := f.anonymous().do("POST", "/api/v1/ratings", one); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no token: %d, want 401", res.StatusCode)
	}
}
