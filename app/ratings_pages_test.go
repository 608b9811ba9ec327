package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
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

func TestRatingsUploadJobWithRejectReport(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	hr := f.login("hr")
	csv := "评价编号,评价时间,渠道,工号,评价等级,评价内容\n" +
		"U1,2026-07-01 10:00,窗口,W001,5,\"很好\n谢谢\"\n" + // lines 2–3
		"U2,2026-07-01 11:00,热线,NOPE,4,\n" + // line 4: unknown staff
		"U3,2026-07-01 12:00,线上,W002,满意,\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(csv)
	if err != nil {
		t.Fatal(err)
	}
	upload := func(skip string) string {
		t.Helper()
		var buf bytes.Buffer
		mw := newMultipart(&buf)
		_ = mw.WriteField("encoding", "auto")
		if skip != "" {
			_ = mw.WriteField("skip_invalid", skip)
		}
		fw, _ := mw.CreateFormFile("file", "评价导出.csv")
		_, _ = fw.Write([]byte(gb))
		_ = mw.Close()
		res := hr.raw("POST", "/ratings/import", mw.FormDataContentType(), &buf)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", res.StatusCode, res.body)
		}
		f.app.RunImportJobs(ctx)
		return res.Header.Get("Location")
	}

	// All or nothing: refused, nothing stored, the bad line reported.
	loc := upload("")
	page := hr.do("GET", loc, "")
	if !strings.Contains(page.body, "文件被拒绝") || !strings.Contains(page.body, "NOPE") {
		t.Fatalf("refused run page lacks the status or the bad row")
	}
	rej := hr.do("GET", loc+"/rejects", "")
	if !strings.HasPrefix(rej.body, "\uFEFF") || !strings.Contains(rej.body, "4,staff_no,") {
		t.Errorf("reject report: %q", rej.body)
	}
	var n int
	_ = f.db.NewSelect().Table("ratings").ColumnExpr("COUNT(*)").Where("external_id LIKE 'U%'").Scan(ctx, &n)
	if n != 0 {
		t.Fatalf("a refused file stored %d ratings", n)
	}
	// Skipping invalid rows: two imported (one with a multi-line comment), one rejected.
	loc = upload("1")
	var st struct {
		Status   string `json:"status"`
		Imported int    `json:"imported"`
		Rejected int    `json:"rejected"`
		Percent  int    `json:"percent"`
	}
	js := hr.jsonGet(t, loc)
	if err := json.Unmarshal([]byte(js), &st); err != nil {
		t.Fatal(err)
	}
	if st.Status != "done" || st.Imported != 2 || st.Rejected != 1 || st.Percent != 100 {
		t.Fatalf("run: %+v", st)
	}
	var comment string
	_ = f.db.NewSelect().Table("ratings").Column("comment").Where("external_id = 'U1'").Scan(ctx, &comment)
	if comment != "很好\n谢谢" {
		t.Errorf("multi-line GB18030 comment = %q", comment)
	}
	// The run is tagged on the ratings, the upload is gone from disk.
	var tagged int
	_ = f.db.NewSelect().Table("ratings").ColumnExpr("COUNT(*)").Where("import_run_id IS NOT NULL AND external_id LIKE 'U%'").Scan(ctx, &tagged)
	if tagged != 2 {
		t.Errorf("ratings tagged with the run: %d, want 2", tagged)
	}
	if res := f.login("employee").do("GET", "/ratings/import", ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("employee upload page: %d", res.StatusCode)
	}
}

// jsonGet fetches path asking for JSON.
func (c *client) jsonGet(t *testing.T, path string) string {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept", "application/json")
	req.AddCookie(&http.Cookie{Name: "kaoping_session", Value: c.cookie})
	res, err := c.f.app.Fiber().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
