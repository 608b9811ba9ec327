package app_test

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app/scoring"
)

type scoreJSON struct {
	StaffNo      string   `json:"staff_no"`
	NRatings     int      `json:"n_ratings"`
	Satisfaction *float64 `json:"satisfaction"`
	Quality      *float64 `json:"quality"`
	Band         string   `json:"band"`
	Channels     map[string]struct {
		N     int     `json:"n"`
		Sum   float64 `json:"sum"`
		M     float64 `json:"m"`
		C     float64 `json:"c"`
		Score float64 `json:"score"`
	} `json:"channels"`
	Explain map[string]any `json:"explain"`
}

func TestStaffScoresAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// W001 already has FX-BAD-1 (level 2, 2026-07-15, appealed).
	res := f.bearerClient().do("POST", "/api/v1/ratings", `{"ratings":[
	 {"external_id":"S-1","rated_at":"2026-07-01 10:00","channel":"窗口","staff_no":"W001","level":5},
	 {"external_id":"S-2","rated_at":"2026-07-02 10:00","channel":"窗口","staff_no":"W001","level":5},
	 {"external_id":"S-3","rated_at":"2026-07-03 10:00","channel":"窗口","staff_no":"W001","level":5},
	 {"external_id":"S-4","rated_at":"2026-07-04 10:00","channel":"窗口","staff_no":"W001","level":4,"is_default":true},
	 {"external_id":"S-5","rated_at":"2026-06-30T16:30:00Z","channel":"窗口","staff_no":"W001","level":1},
	 {"external_id":"S-6","rated_at":"2026-06-30 23:50","channel":"窗口","staff_no":"W001","level":1},
	 {"external_id":"S-7","rated_at":"2026-07-05 10:00","channel":"窗口","staff_no":"W002","level":5},
	 {"external_id":"S-8","rated_at":"2026-07-06 10:00","channel":"窗口","staff_no":"W002","level":3},
	 {"external_id":"S-9","rated_at":"2026-07-06 10:00","channel":"热线","staff_no":"H001","level":4}]}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("feed: %d %s", res.StatusCode, res.body)
	}
	get := func(c *client, no string) (int, scoreJSON) {
		t.Helper()
		res := c.do("GET", "/api/v1/staff/"+no+"/scores?period=2026-07", "")
		var sc scoreJSON
		if res.StatusCode == http.StatusOK {
			if err := json.Unmarshal([]byte(res.body), &sc); err != nil {
				t.Fatalf("%s: %v", res.body, err)
			}
		}
		return res.StatusCode, sc
	}

	// July in Beijing: S-5 (16:30 UTC on 30 June) is in, S-6 (23:50 local on
	// 30 June) is not, S-4 is a default rating. W001: 25, 100, 100, 100, 0.
	status, sc := get(f.login("employee"), "W001")
	if status != http.StatusOK {
		t.Fatalf("employee, own scores: %d", status)
	}
	m := (25 + 100 + 100 + 100 + 0 + 100 + 50) / 7.0
	wantSat := (10*m + 325) / 15
	off := sc.Channels["offline"]
	if sc.NRatings != 5 || off.N != 5 || off.Sum != 325 || math.Abs(off.M-m) > 1e-9 || off.C != 10 {
		t.Fatalf("W001 July terms: n=%d channel=%+v; want n=5 Σ=325 m=%.6f C=10", sc.NRatings, off, m)
	}
	if sc.Satisfaction == nil || math.Abs(*sc.Satisfaction-wantSat) > 1e-9 {
		t.Errorf("satisfaction = %v, want %.9f", sc.Satisfaction, wantSat)
	}
	if sc.Explain["satisfaction"] == nil || sc.Explain["quality"] == nil {
		t.Errorf("explain lacks terms: %v", sc.Explain)
	}

	// Scopes: a colleague 403, the lead of the team 200, the lead of another
	// team 403, HR 200; a malformed period 422.
	if status, _ := get(f.login("employee2"), "W001"); status != http.StatusForbidden {
		t.Errorf("colleague: %d, want 403", status)
	}
	if status, _ := get(f.login("lead"), "W001"); status != http.StatusOK {
		t.Errorf("lead of team A: %d, want 200", status)
	}
	if status, _ := get(f.login("lead"), "H001"); status != http.StatusForbidden {
		t.Errorf("lead of team A for team B: %d, want 403", status)
	}
	if status, _ := get(f.login("hr"), "H001"); status != http.StatusOK {
		t.Errorf("HR: %d, want 200", status)
	}
	if res := f.login("hr").do("GET", "/api/v1/staff/W001/scores?period=2026-7", ""); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("malformed period: %d, want 422", res.StatusCode)
	}

	// HR upholds the appeal of FX-BAD-1: it leaves every score and m.
	if res := f.login("hr").do("POST", "/appeals/"+itoa(f.appealID)+"/decide", form("outcome", "upheld", "reason", "系统故障")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("decide: %d", res.StatusCode)
	}
	_, sc = get(f.login("hr"), "W001")
	m = 450 / 6.0
	if off := sc.Channels["offline"]; sc.NRatings != 4 || off.Sum != 300 || math.Abs(off.M-m) > 1e-9 ||
		math.Abs(*sc.Satisfaction-(10*m+300)/14) > 1e-9 {
		t.Errorf("after the upheld appeal: n=%d %+v", sc.NRatings, off)
	}

	// The pages and the export show the same printed figure.
	page := f.login("hr").do("GET", "/scores?period=2026-07", "")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("center scores page: %d", page.StatusCode)
	}
	csv := f.login("hr").do("GET", "/scores/export?period=2026-07&format=csv", "")
	if !strings.HasPrefix(csv.body, "\uFEFF工号,姓名,班组") || !strings.Contains(csv.body, "W001,张伟") {
		t.Errorf("CSV export: %q", csv.body[:min(len(csv.body), 200)])
	}
	for _, path := range []string{"/teams/" + itoa(f.teamA.ID) + "/scores?period=2026-07", "/staff/" + itoa(f.s1.ID) + "/scores?period=2026-07"} {
		res := f.login("lead").do("GET", path, "")
		if res.StatusCode != http.StatusOK || (sc.Quality != nil && !strings.Contains(res.body, formatOne(*sc.Quality))) {
			t.Errorf("%s: %d, printed quality %s missing", path, res.StatusCode, formatOne(*sc.Quality))
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// formatOne is the printed figure: one decimal, half up (scoring.Format1).
func formatOne(v float64) string { return scoring.Format1(&v) }
