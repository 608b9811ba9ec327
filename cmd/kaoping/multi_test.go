package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/store/storetest"
)

// TestTwoInstances runs two `kaoping serve` on one PostgreSQL schema, as
// two instances behind a load balancer, and checks that they behave as
// one: a session started on A works on B; a policy added on A is enforced
// by B within a second (by LISTEN/NOTIFY: the revision poll is set to an
// hour); each batch report job runs on exactly one instance and its ZIP
// downloads from both; a ratings file uploaded to A is imported once and
// visible from both; scheduled work ticked on both at once runs once.
func TestTwoInstances(t *testing.T) {
	if os.Getenv(storetest.EnvPG) == "" {
		t.Skip(storetest.EnvPG + " not set: several instances need PostgreSQL")
	}
	db, dsn := storetest.NewDSN(t)
	env := map[string]string{
		"KAOPING_DB":             dsn.URL + "&search_path=" + dsn.Schema,
		"KAOPING_LOG_LEVEL":      "error",
		"KAOPING_POLICY_REFRESH": "1h", // only NOTIFY can spread a policy change in time
	}
	if !strings.Contains(dsn.URL, "?") {
		env["KAOPING_DB"] = dsn.URL + "?search_path=" + dsn.Schema
	}
	if font, err := filepath.Abs("../../data/fonts/LXGWWenKai-Regular.ttf"); err == nil {
		env["KAOPING_FONT"] = font
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// A seeds the demo center before B starts: one seeding, not a race.
	a := startInstance(t, ctx, env, "--demo")
	b := startInstance(t, ctx, env)

	t.Run("sessions are shared", func(t *testing.T) {
		admin := a.login(t, "admin")
		if res := b.as(admin.session).get(t, "/api/v1/me"); res.status != http.StatusOK || !strings.Contains(res.body, `"username":"admin"`) {
			t.Fatalf("A's session on B: %d %s", res.status, res.body)
		}
		// Signing out on B ends the session on A too.
		if res := b.as(admin.session).send(t, "POST", "/api/v1/logout", "", nil); res.status >= 300 {
			t.Fatalf("logout on B: %d %s", res.status, res.body)
		}
		if res := a.as(admin.session).get(t, "/api/v1/me"); res.status != http.StatusUnauthorized {
			t.Errorf("A after logout on B: %d, want 401", res.status)
		}
	})

	t.Run("policy changes reach the other instance within a second", func(t *testing.T) {
		admin := a.login(t, "admin")
		emp := b.login(t, "employee")
		if res := emp.get(t, "/api/v1/staff"); res.status != http.StatusForbidden {
			t.Fatalf("employee lists staff on B before the policy: %d, want 403", res.status)
		}
		policy := `{"role":"authenticated","domain":"center:*","object":"/api/v1/staff","action":"GET"}`
		if res := admin.send(t, "POST", "/api/v1/policies", "application/json", strings.NewReader(policy)); res.status != http.StatusCreated {
			t.Fatalf("add policy on A: %d %s", res.status, res.body)
		}
		added := time.Now()
		if !waitFor(time.Second, func() bool { return emp.get(t, "/api/v1/staff").status == http.StatusOK }) {
			t.Fatal("B does not enforce the policy added on A after 1 s")
		}
		t.Logf("B enforced A's policy after %v", time.Since(added).Round(time.Millisecond))
		// And back: removed on B, A stops allowing it.
		empA := a.as(emp.session)
		if res := b.as(admin.session).send(t, "DELETE", "/api/v1/policies", "application/json", strings.NewReader(policy)); res.status != http.StatusNoContent {
			t.Fatalf("remove policy on B: %d %s", res.status, res.body)
		}
		if !waitFor(time.Second, func() bool { return empA.get(t, "/api/v1/staff").status == http.StatusForbidden }) {
			t.Fatal("A still allows what B's removed policy allowed, after 1 s")
		}
	})

	// Ratings of a minute ago (the demo staff are members from today),
	// with citizen phone numbers (personal data); the period is their
	// month in the demo center's zone.
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	rated := time.Now().In(zone).Add(-time.Minute)
	period := rated.Format("2006-01")

	t.Run("an upload on A is imported once and visible from both", func(t *testing.T) {
		hrA := a.login(t, "hr")
		csv := "评价编号,评价时间,渠道,工号,评价等级,评价内容,手机号\n" +
			"MI-1," + rated.Format(time.RFC3339) + ",窗口,W001,5,多实例测试一,13812341234\n" +
			"MI-2," + rated.Format(time.RFC3339) + ",窗口,W002,4,多实例测试二,13912341234\n"
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("encoding", "utf-8")
		fw, _ := mw.CreateFormFile("file", "multi.csv")
		_, _ = io.WriteString(fw, csv)
		_ = mw.Close()
		res := hrA.send(t, "POST", "/ratings/import", mw.FormDataContentType(), &body)
		if res.status != http.StatusSeeOther {
			t.Fatalf("upload on A: %d %s", res.status, res.body)
		}
		loc := res.location
		var run struct {
			Status   string `json:"status"`
			Imported int    `json:"imported"`
		}
		hrB := b.as(hrA.session)
		if !waitFor(30*time.Second, func() bool {
			_ = json.Unmarshal([]byte(hrB.getJSON(t, loc).body), &run)
			return run.Status == "done" || run.Status == "failed" || run.Status == "refused"
		}) || run.Status != "done" || run.Imported != 2 {
			t.Fatalf("import run seen from B: %+v, want done with 2 imported", run)
		}
		for name, c := range map[string]*multiClient{"A": hrA, "B": hrB} {
			if page := c.get(t, "/ratings"); !strings.Contains(page.body, "多实例测试一") || !strings.Contains(page.body, "多实例测试二") {
				t.Errorf("the imported ratings are not listed on %s (%d)", name, page.status)
			}
		}
		// The job deletes the uploaded file just after it marked the run
		// done.
		var files int
		if !waitFor(5*time.Second, func() bool {
			if err := db.NewSelect().Table("stored_files").ColumnExpr("COUNT(*)").Where("kind = 'ratings_upload'").Scan(ctx, &files); err != nil {
				t.Fatal(err)
			}
			return files == 0
		}) {
			t.Errorf("%d uploaded files left in the database after the import, want 0", files)
		}
	})

	t.Run("each batch job runs on one instance, its ZIP downloads from both", func(t *testing.T) {
		hrA := a.login(t, "hr")
		hrB := b.as(hrA.session)
		// Several jobs started on both instances at once, so both runners
		// compete for them.
		var ids []string
		for i, c := range []*multiClient{hrA, hrB, hrA, hrB} {
			res := c.send(t, "POST", "/reports/batch", "application/x-www-form-urlencoded", strings.NewReader("period="+period))
			m := regexp.MustCompile(`/reports/batch/(\d+)$`).FindStringSubmatch(res.location)
			if res.status != http.StatusSeeOther || m == nil {
				t.Fatalf("batch %d: %d %s", i, res.status, res.body)
			}
			ids = append(ids, m[1])
		}
		done := 0
		for _, id := range ids {
			var job struct {
				Status string `json:"status"`
				Total  int    `json:"total"`
				Done   int    `json:"done"`
				Failed int    `json:"failed"`
			}
			if !waitFor(60*time.Second, func() bool {
				_ = json.Unmarshal([]byte(hrA.getJSON(t, "/reports/batch/"+id).body), &job)
				return job.Status == "done" || job.Status == "failed"
			}) || job.Status != "done" {
				t.Fatalf("job %s: %+v, want done", id, job)
			}
			if job.Done < 2 || job.Failed != 0 {
				t.Errorf("job %s: %+v, want the two rated staff rendered", id, job)
			}
			// One claim: one ZIP written, each report issued once.
			var zips int
			if err := db.NewSelect().Table("stored_files").ColumnExpr("COUNT(*)").
				Where("kind = 'report_zip' AND name = ?", "job-"+id+"-"+period+".zip").Scan(ctx, &zips); err != nil {
				t.Fatal(err)
			}
			if zips != 1 {
				t.Errorf("job %s: %d ZIPs written, want 1 (the job ran on more than one instance)", id, zips)
			}
			done += job.Done
			var got [2][]byte
			for i, c := range []*multiClient{hrA, hrB} {
				res := c.get(t, "/reports/batch/"+id+"/zip")
				if res.status != http.StatusOK {
					t.Fatalf("job %s: ZIP from instance %d: %d %s", id, i, res.status, res.body)
				}
				got[i] = []byte(res.body)
			}
			if !bytes.Equal(got[0], got[1]) {
				t.Errorf("job %s: A and B serve different ZIPs", id)
			}
			zr, err := zip.NewReader(bytes.NewReader(got[0]), int64(len(got[0])))
			if err != nil {
				t.Fatalf("job %s: %v", id, err)
			}
			if len(zr.File) != job.Done {
				t.Errorf("job %s: %d PDFs in the ZIP, want %d", id, len(zr.File), job.Done)
			}
		}
		// Every report a batch renders is audited: a job run twice would
		// have audited its reports twice.
		var audited int
		if err := db.NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").
			Where("action = 'report.staff' AND actor LIKE ?", "% (batch)").Scan(ctx, &audited); err != nil {
			t.Fatal(err)
		}
		if audited != done {
			t.Errorf("%d reports rendered by the batches for %d done, want one per report", audited, done)
		}
	})

	// The servers stop here, so that only the two Apps below tick the
	// scheduler.
	cancel()
	a.wait(t)
	b.wait(t)

	t.Run("scheduled work ticked on both instances runs once", func(t *testing.T) {
		bg := context.Background()
		// 200 days on: past the 180-day retention of the personal data
		// imported above, and in a new period of every task.
		later := time.Now().Add(200 * 24 * time.Hour)
		clock := func() time.Time { return later }
		cfg := app.DefaultConfig()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		var instances []*app.App
		for range 2 {
			x, err := app.New(bg, dsn.Open(t), cfg, log, clock)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(x.Close)
			instances = append(instances, x)
		}
		tick := func() [2][]string {
			var ran [2][]string
			var wg sync.WaitGroup
			for i, x := range instances {
				wg.Go(func() { ran[i] = x.RunScheduled(bg) })
			}
			wg.Wait()
			return ran
		}
		ran := tick()
		all := slices.Concat(ran[0], ran[1])
		slices.Sort(all)
		want := []string{"files.purge_incomplete", "followup.escalate", "jobs.requeue_stale", "quizzes.finalize_overdue", "ratings.closed_loop",
			"ratings.purge_personal", "sessions.purge", "training.run_daily"}
		if !slices.Equal(all, want) {
			t.Errorf("tasks run by A %v and B %v; want each of %v once", ran[0], ran[1], want)
		}
		t.Logf("A ran %v, B ran %v", ran[0], ran[1])
		var purges, phones int
		if err := db.NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").Where("action = 'ratings.purge_personal'").Scan(bg, &purges); err != nil {
			t.Fatal(err)
		}
		if purges != 1 {
			t.Errorf("%d purge audit entries, want 1", purges)
		}
		if err := db.NewSelect().Table("ratings").ColumnExpr("COUNT(*)").Where("citizen_phone IS NOT NULL").Scan(bg, &phones); err != nil {
			t.Fatal(err)
		}
		if phones != 0 {
			t.Errorf("%d ratings still hold a phone number after the purge", phones)
		}
		// Ticked again in the same period: nothing runs.
		if again := tick(); len(again[0])+len(again[1]) != 0 {
			t.Errorf("a second tick in the same period ran %v and %v", again[0], again[1])
		}
	})
}

// waitFor polls cond every 10 ms for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// serveInstance is one `kaoping serve` running in-process.
type serveInstance struct {
	base   string
	done   chan error
	stderr *syncBuffer
}

func startInstance(t *testing.T, ctx context.Context, env map[string]string, args ...string) *serveInstance {
	t.Helper()
	var stdout syncBuffer
	in := &serveInstance{done: make(chan error, 1), stderr: &syncBuffer{}}
	argv := append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)
	go func() {
		in.done <- run(ctx, argv, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, in.stderr)
	}()
	re := regexp.MustCompile(`running at (http://[0-9.:]+)`)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			in.base = m[1]
			return in
		}
		select {
		case err := <-in.done:
			t.Fatalf("serve exited early: %v\n%s\n%s", err, stdout.String(), in.stderr.String())
		default:
		}
	}
	t.Fatalf("serve printed no URL:\n%s\n%s", stdout.String(), in.stderr.String())
	return nil
}

// wait waits for the instance to stop after its context ended.
func (in *serveInstance) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-in.done:
		if err != nil {
			t.Errorf("serve %s: %v\n%s", in.base, err, in.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("serve %s did not stop within 30 s", in.base)
	}
}

// multiSession is a signed-in browser session: its cookie and CSRF token.
type multiSession struct {
	cookie, csrf string
}

// multiClient sends requests to one instance with a session.
type multiClient struct {
	in      *serveInstance
	session multiSession
}

func (in *serveInstance) as(s multiSession) *multiClient { return &multiClient{in: in, session: s} }

// login signs in with a demo account on the instance.
func (in *serveInstance) login(t *testing.T, user string) *multiClient {
	t.Helper()
	c := &multiClient{in: in}
	res := c.send(t, "POST", "/api/v1/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":%q,"password":"kaoping-demo"}`, user)))
	if res.status != http.StatusOK {
		t.Fatalf("login %s on %s: %d %s", user, in.base, res.status, res.body)
	}
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal([]byte(res.body), &me); err != nil || me.CSRF == "" || res.cookie == "" {
		t.Fatalf("login %s: no session (%v) in %s", user, err, res.body)
	}
	c.session = multiSession{cookie: res.cookie, csrf: me.CSRF}
	return c
}

type multiResponse struct {
	status   int
	body     string
	location string
	cookie   string // a new kaoping_session cookie
}

var multiHTTP = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (c *multiClient) get(t *testing.T, path string) multiResponse {
	return c.send(t, "GET", path, "", nil)
}

func (c *multiClient) getJSON(t *testing.T, path string) multiResponse {
	return c.do(t, "GET", path, "", nil, "application/json")
}

func (c *multiClient) send(t *testing.T, method, path, contentType string, body io.Reader) multiResponse {
	return c.do(t, method, path, contentType, body, "")
}

func (c *multiClient) do(t *testing.T, method, path, contentType string, body io.Reader, accept string) multiResponse {
	t.Helper()
	req, err := http.NewRequest(method, c.in.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if c.session.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "kaoping_session", Value: c.session.cookie})
		req.Header.Set("X-CSRF-Token", c.session.csrf)
	}
	res, err := multiHTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	out := multiResponse{status: res.StatusCode, body: string(b), location: res.Header.Get("Location")}
	for _, ck := range res.Cookies() {
		if ck.Name == "kaoping_session" {
			out.cookie = ck.Value
		}
	}
	return out
}
