package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app/followup"
)

func TestBadRatingCaseWorkflowThroughHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	casePath := fmt.Sprintf("/cases/%d", f.caseID)
	step := casePath + "/step"

	// The person sees their case but cannot work it.
	emp := f.login("employee")
	if res := emp.do("GET", casePath, ""); res.StatusCode != http.StatusOK || !strings.Contains(res.body, "排队太久") {
		t.Fatalf("employee case page: %d", res.StatusCode)
	}
	if res := emp.do("POST", step, form("action", "verify", "attributable", "1")); res.StatusCode != http.StatusForbidden {
		t.Errorf("employee works own case: %d, want 403", res.StatusCode)
	}
	// Another employee of the same team cannot even read it.
	if res := f.login("employee2").do("GET", casePath, ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("colleague reads the case: %d, want 403", res.StatusCode)
	}

	lead := f.login("lead")
	if res := lead.do("GET", fmt.Sprintf("/teams/%d/cases", f.teamA.ID), ""); !strings.Contains(res.body, casePath) {
		t.Fatalf("team list lacks the case")
	}
	// Out of order: rectify before verify is refused.
	if res := lead.do("POST", step, form("action", "rectify", "note", "x")); res.StatusCode != http.StatusConflict {
		t.Errorf("rectify before verify: %d, want 409", res.StatusCode)
	}
	for _, s := range []string{
		form("action", "verify", "attributable", "1", "reasonable", "1", "note", "属实"),
		form("action", "complex", "complex", "1"),
		form("action", "rectify", "note", "增开一个窗口"),
		form("action", "reply", "reached", "1", "satisfaction", "satisfied", "note", "群众表示满意"),
	} {
		if res := lead.do("POST", step, s); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("step %s: %d %s", s, res.StatusCode, res.body)
		}
	}
	cs, err := f.app.Followup().Case(context.Background(), f.caseID)
	if err != nil || cs.State != followup.StateClosed || !cs.Complex || cs.ReplySatisfaction != "satisfied" {
		t.Fatalf("after the steps: %+v, %v", cs, err)
	}
	// Every step is audited with who did it.
	var n int
	if err := f.db.NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").Where("action LIKE 'case.%' AND actor LIKE '%lead%'").
		Scan(context.Background(), &n); err != nil || n != 4 {
		t.Errorf("audited case steps: %d, %v; want 4", n, err)
	}
}

func TestAppealThroughHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// A second bad rating of s1, appealed through the form with evidence.
	res := f.bearerClient().do("POST", "/api/v1/ratings", `{"ratings":[{"external_id":"AP-2","rated_at":"2026-07-15 09:30:00","channel":"窗口","staff_no":"W001","level":1,"comment":"政策不合理"}]}`)
	if res.StatusCode != http.StatusOK {
		t.Fatal(res.body)
	}
	var ratingID int64
	if err := f.db.NewSelect().Table("ratings").Column("id").Where("external_id = 'AP-2'").Scan(ctx, &ratingID); err != nil {
		t.Fatal(err)
	}
	emp := f.login("employee")
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	up := multipartPost(t, emp, fmt.Sprintf("/ratings/%d/appeal", ratingID), map[string]string{"reason": "投诉针对的是收费政策，不是我的服务"},
		map[string][]byte{"../../证明.png": png})
	if up.StatusCode != http.StatusSeeOther {
		t.Fatalf("appeal: %d %s", up.StatusCode, up.body)
	}
	aps, err := f.app.Followup().Appeals(ctx, followup.AppealFilter{CenterID: f.center, StaffID: f.s1.ID})
	if err != nil {
		t.Fatal(err)
	}
	var ap *followup.Appeal
	for i := range aps {
		if aps[i].RatingID == ratingID {
			ap = &aps[i]
		}
	}
	if ap == nil {
		t.Fatal("appeal not stored")
	}
	full, _ := f.app.Followup().Appeal(ctx, ap.ID)
	if len(full.Evidence) != 1 || full.Evidence[0].Name != "证明.png" || full.Evidence[0].ContentType != "image/png" {
		t.Fatalf("evidence: %+v", full.Evidence)
	}
	// A second appeal of the same rating is refused.
	if res := multipartPost(t, emp, fmt.Sprintf("/ratings/%d/appeal", ratingID), map[string]string{"reason": "again"}, nil); res.StatusCode != http.StatusConflict {
		t.Errorf("second appeal: %d, want 409", res.StatusCode)
	}
	// An executable is refused by content, whatever its name says.
	if res := f.bearerClient().do("POST", "/api/v1/ratings", `{"ratings":[{"external_id":"AP-3","rated_at":"2026-07-15 09:40:00","channel":"窗口","staff_no":"W001","level":1}]}`); res.StatusCode != http.StatusOK {
		t.Fatalf("feed: %d %s", res.StatusCode, res.body)
	}
	var r3 int64
	_ = f.db.NewSelect().Table("ratings").Column("id").Where("external_id = 'AP-3'").Scan(ctx, &r3)
	if res := multipartPost(t, emp, fmt.Sprintf("/ratings/%d/appeal", r3), map[string]string{"reason": "x"},
		map[string][]byte{"photo.png": append([]byte("MZ\x90\x00"), make([]byte, 64)...)}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("executable evidence: %d, want 422", res.StatusCode)
	}

	// The evidence downloads for the lead, as an attachment.
	lead := f.login("lead")
	dl := lead.do("GET", fmt.Sprintf("/appeals/%d/evidence/%d", ap.ID, full.Evidence[0].ID), "")
	if dl.StatusCode != http.StatusOK || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") || dl.body != string(png) {
		t.Fatalf("evidence download: %d %q", dl.StatusCode, dl.Header.Get("Content-Disposition"))
	}
	// The person cannot decide; the lead decides "partly": out of the
	// person's score, kept in the statistics.
	if res := emp.do("POST", fmt.Sprintf("/appeals/%d/decide", ap.ID), form("outcome", "upheld", "reason", "me")); res.StatusCode != http.StatusForbidden {
		t.Errorf("self decision: %d, want 403", res.StatusCode)
	}
	if res := lead.do("POST", fmt.Sprintf("/appeals/%d/decide", ap.ID), form("outcome", "partly", "reason", "政策问题，非个人原因")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("decide: %d %s", res.StatusCode, res.body)
	}
	r, err := f.app.Ratings().Rating(ctx, f.center, ratingID)
	if err != nil || r.Excluded || !r.PersonalExcluded {
		t.Fatalf("rating after a partly upheld appeal: %+v %v", r, err)
	}
	// The fixture's appeal, upheld by HR: excluded from every score.
	if res := f.login("hr").do("POST", fmt.Sprintf("/appeals/%d/decide", f.appealID), form("outcome", "upheld", "reason", "系统故障")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("HR decide: %d %s", res.StatusCode, res.body)
	}
	if r, _ := f.app.Ratings().Rating(ctx, f.center, f.ratingID); !r.Excluded {
		t.Error("upheld appeal did not exclude the rating")
	}
}

func multipartPost(t *testing.T, c *client, path string, fields map[string]string, files map[string][]byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for name, data := range files {
		fw, err := mw.CreateFormFile("evidence", name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	return c.raw("POST", path, mw.FormDataContentType(), &buf)
}

func newMultipart(w io.Writer) *multipart.Writer { return multipart.NewWriter(w) }

// raw sends a body with its own content type on the client's session.
func (c *client) raw(method, path, contentType string, body io.Reader) response {
	c.f.t.Helper()
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Content-Type", contentType)
	req.AddCookie(&http.Cookie{Name: "kaoping_session", Value: c.cookie})
	req.Header.Set("X-CSRF-Token", c.csrf)
	res, err := c.f.app.Fiber().Test(req, -1)
	if err != nil {
		c.f.t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return response{Response: res, body: string(b)}
}
