package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/kaoping/kaoping/rbac"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/store/storetest"
)

// scrape reads /metrics as the admin and returns the exposition text.
func (f *fixture) scrape() string {
	f.t.Helper()
	res := f.login("admin").do("GET", "/metrics", "")
	if res.StatusCode != http.StatusOK {
		f.t.Fatalf("GET /metrics as admin: status %d: %s", res.StatusCode, res.body)
	}
	return res.body
}

// sample returns the value of one series, written as in the text format
// (labels sorted by name): `kaoping_http_requests_total{method="GET",…}`.
func sample(body, series string) (float64, bool) {
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && name == series {
			v, err := strconv.ParseFloat(value, 64)
			return v, err == nil
		}
	}
	return 0, false
}

func mustSample(t *testing.T, body, series string) float64 {
	t.Helper()
	v, ok := sample(body, series)
	if !ok {
		t.Fatalf("series %s missing from /metrics", series)
	}
	return v
}

func TestMetricsAccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.anonymous().do("GET", "/metrics", "")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("anonymous: status %d Location %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
	for name, c := range map[string]*client{
		"employee": f.login("employee"), "team_lead": f.login("lead"), "trainer": f.login("trainer"),
		"hr": f.login("hr"), "rating_feed": f.bearerClient(),
	} {
		if res := c.do("GET", "/metrics", ""); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, res.StatusCode)
		}
	}
	// A monitoring system scrapes with a token of role monitor, which opens
	// /metrics and nothing else.
	mon, _, err := f.app.CreateToken(context.Background(), "prometheus", rbac.RoleMonitor, app.Actor{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	mc := &client{f: f, bearer: mon}
	if res := mc.do("GET", "/metrics", ""); res.StatusCode != http.StatusOK {
		t.Errorf("monitor token: status %d, want 200", res.StatusCode)
	}
	for _, path := range []string{"/api/v1/staff", "/admin/debug/pprof/", "/scores"} {
		if res := mc.do("GET", path, ""); res.StatusCode != http.StatusForbidden {
			t.Errorf("monitor token on %s: status %d, want 403", path, res.StatusCode)
		}
	}
	if res := mc.do("POST", "/api/v1/ratings", `{"ratings":[]}`); res.StatusCode != http.StatusForbidden {
		t.Errorf("monitor token posting ratings: status %d, want 403", res.StatusCode)
	}
	res = f.login("admin").do("GET", "/metrics", "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("admin: status %d: %s", res.StatusCode, res.body)
	}
	if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/plain") || !strings.Contains(got, "version=0.0.4") {
		t.Errorf("Content-Type %q, want the Prometheus text format", got)
	}
	for _, want := range []string{
		"# TYPE kaoping_http_requests_total counter",
		"# TYPE kaoping_http_request_duration_seconds histogram",
		"# TYPE go_goroutines gauge",
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestMetricsRequestsByRoutePattern(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const series = `kaoping_http_requests_total{method="GET",route="/staff/:id",status="2xx"}`
	before, _ := sample(f.scrape(), series)
	admin := f.login("admin")
	for _, id := range []int64{f.s1.ID, f.s2.ID} {
		if res := admin.do("GET", fmt.Sprintf("/staff/%d", id), ""); res.StatusCode != http.StatusOK {
			t.Fatalf("GET /staff/%d: status %d", id, res.StatusCode)
		}
	}
	f.anonymous().do("GET", "/no-such-page-4711", "")
	// Label values must not alias Fiber's reused request buffers: mixed
	// methods in a row once produced "GETT" and duplicate series.
	anon := f.anonymous()
	for range 10 {
		anon.do("DELETE", "/api/v1/policies", "{}")
		anon.do("GET", "/healthz", "")
		anon.do("POST", "/api/v1/login", `{"username":"nobody","password":"x"}`)
	}
	body := f.scrape()
	if got := mustSample(t, body, `kaoping_http_requests_total{method="DELETE",route="/api/v1/policies",status="4xx"}`); got != 10 {
		t.Errorf("DELETE /api/v1/policies 4xx = %v, want 10", got)
	}
	if got := mustSample(t, body, series); got != before+2 {
		t.Errorf("%s = %v, want %v", series, got, before+2)
	}
	if _, ok := sample(body, `kaoping_http_request_duration_seconds_count{method="GET",route="/staff/:id"}`); !ok {
		t.Error("no latency histogram for GET /staff/:id")
	}
	if got := mustSample(t, body, `kaoping_http_requests_total{method="GET",route="unmatched",status="4xx"}`); got < 1 {
		t.Errorf("unmatched 404s = %v, want ≥ 1", got)
	}
	for _, raw := range []string{fmt.Sprintf(`"/staff/%d"`, f.s1.ID), "no-such-page-4711"} {
		if strings.Contains(body, raw) {
			t.Errorf("/metrics has a label with the raw path %s", raw)
		}
	}
}

func TestMetricsRatingsIngested(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const series = `kaoping_ratings_ingested_total{source="api"}`
	before := mustSample(t, f.scrape(), series) // the fixture's bad rating
	res := f.bearerClient().do("POST", "/api/v1/ratings", `{"ratings":[
		{"external_id":"M-1","rated_at":"2026-07-15 10:00:00","channel":"窗口","staff_no":"W001","level":5},
		{"external_id":"M-2","rated_at":"2026-07-15 10:05:00","channel":"窗口","staff_no":"W002","level":4}]}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v1/ratings: status %d: %s", res.StatusCode, res.body)
	}
	// The same batch again is all duplicates: nothing new stored.
	f.bearerClient().do("POST", "/api/v1/ratings", `{"ratings":[{"external_id":"M-1","rated_at":"2026-07-15 10:00:00","channel":"窗口","staff_no":"W001","level":5}]}`)
	body := f.scrape()
	if got := mustSample(t, body, series); got != before+2 {
		t.Errorf("%s = %v, want %v", series, got, before+2)
	}
	if got := mustSample(t, body, `kaoping_ratings_ingested_total{source="file"}`); got != 0 {
		t.Errorf(`ratings from files = %v, want 0`, got)
	}
}

func TestMetricsDatabase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	quiz, err := f.app.Quizzes().QuizForModule(ctx, f.module.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Quizzes().Start(ctx, quiz.ID, f.s2.ID, nil, 1); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if res := f.login("hr").do("POST", "/reports/batch", "period=2026-07"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /reports/batch: status %d: %s", res.StatusCode, res.body)
	}
	body := f.scrape()
	for _, series := range []string{
		`go_sql_max_open_connections{db_name="kaoping"}`,
		`go_sql_open_connections{db_name="kaoping"}`,
		`go_sql_in_use_connections{db_name="kaoping"}`,
		`go_sql_idle_connections{db_name="kaoping"}`,
		`go_sql_wait_count_total{db_name="kaoping"}`,
		`go_sql_wait_duration_seconds_total{db_name="kaoping"}`,
	} {
		mustSample(t, body, series)
	}
	for series, want := range map[string]float64{
		`kaoping_metrics_db_query_success`:         1,
		`kaoping_quiz_attempts_in_progress`:        1,
		`kaoping_report_jobs{status="pending"}`:    1,
		`kaoping_report_jobs{status="running"}`:    0,
		`kaoping_import_runs{status="pending"}`:    0,
		`kaoping_import_runs{status="validating"}`: 0,
		`kaoping_import_runs{status="importing"}`:  0,
	} {
		if got := mustSample(t, body, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

func TestPprofAdminOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.anonymous().do("GET", "/admin/debug/pprof/", "")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("anonymous: status %d Location %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
	for _, name := range []string{"hr", "trainer", "employee"} {
		if res := f.login(name).do("GET", "/admin/debug/pprof/", ""); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, res.StatusCode)
		}
	}
	if res := f.bearerClient().do("GET", "/admin/debug/pprof/heap", ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("rating_feed: status %d, want 403", res.StatusCode)
	}
	admin := f.login("admin")
	tests := []struct {
		path     string
		status   int
		contains string
	}{
		{"/admin/debug/pprof/", http.StatusOK, "goroutine"},
		{"/admin/debug/pprof/goroutine?debug=1", http.StatusOK, "goroutine profile:"},
		{"/admin/debug/pprof/heap?debug=1", http.StatusOK, "heap profile:"},
		{"/admin/debug/pprof/cmdline", http.StatusNotFound, ""}, // may hold the database password
		{"/admin/debug/pprof/nonsense", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := admin.do("GET", tt.path, "")
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if !strings.Contains(res.body, tt.contains) {
				t.Errorf("body lacks %q: %.200s", tt.contains, res.body)
			}
		})
	}
	res = admin.do("GET", "/admin/debug/pprof", "")
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/admin/debug/pprof/" {
		t.Errorf("without the slash: status %d Location %q, want 301 to /admin/debug/pprof/", res.StatusCode, res.Header.Get("Location"))
	}
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines decodes the JSON log lines.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(b.buf.Bytes()), []byte("\n")) {
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestRequestLogCarriesRequestID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, dsn := storetest.NewDSN(t)
	pool := dsn.Open(t) // a pool of its own, closed below to make a request fail
	logs := &syncBuffer{}
	a, err := app.New(ctx, pool, testConfig(), slog.New(slog.NewJSONHandler(logs, nil)), func() time.Time { return time.Date(2026, 7, 15, 2, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	do := func(req *http.Request) string {
		res, err := a.Fiber().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		rid := res.Header.Get("X-Request-ID")
		if rid == "" {
			t.Fatalf("%s %s: no X-Request-ID", req.Method, req.URL)
		}
		return rid
	}
	find := func(msg, rid string) map[string]any {
		for _, l := range logs.lines(t) {
			if l["msg"] == msg && l["request_id"] == rid {
				return l
			}
		}
		t.Fatalf("no log line %q with request_id %q in:\n%s", msg, rid, logs.buf.String())
		return nil
	}

	rid := do(httptest.NewRequest("GET", "/healthz", nil))
	if l := find("request", rid); l["path"] != "/healthz" || l["status"] != float64(200) {
		t.Errorf("request line %v, want path /healthz status 200", l)
	}

	// A server error: its line in the error handler carries the id too.
	pool.Close()
	req := httptest.NewRequest("POST", "/api/v1/login", strings.NewReader(`{"username":"admin","password":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	rid = do(req)
	if l := find("request failed", rid); l["level"] != "ERROR" {
		t.Errorf("error line %v, want level ERROR", l)
	}
	find("request", rid)
}
