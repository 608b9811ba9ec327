package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 40)])
	}
	p := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (apt-get install poppler-utils): %v", err)
	}
	return string(out)
}

func TestReportsThroughHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res := f.bearerClient().do("POST", "/api/v1/ratings", `{"ratings":[
	 {"external_id":"R-1","rated_at":"2026-07-01 10:00","channel":"窗口","staff_no":"W001","level":5},
	 {"external_id":"R-2","rated_at":"2026-07-02 10:00","channel":"窗口","staff_no":"W002","level":4}]}`)
	if res.StatusCode != http.StatusOK {
		t.Fatal(res.body)
	}
	emp := f.login("employee")
	var sc scoreJSON
	if err := json.Unmarshal([]byte(emp.do("GET", "/api/v1/staff/W001/scores?period=2026-07", "").body), &sc); err != nil {
		t.Fatal(err)
	}
	pdf := emp.do("GET", "/api/v1/staff/W001/report.pdf?period=2026-07", "")
	if pdf.StatusCode != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("staff report: %d %s", pdf.StatusCode, pdf.body[:min(len(pdf.body), 300)])
	}
	text := strings.Join(strings.Fields(pdfText(t, []byte(pdf.body))), "")
	for _, want := range []string{"张伟", "W001", "2026年7月", formatOne(*sc.Quality), sc.Band} {
		if !strings.Contains(text, want) {
			t.Errorf("staff report text lacks %q", want)
		}
	}
	code := pdf.Header.Get("X-Kaoping-Code")
	if len(code) != 64 {
		t.Fatalf("integrity code %q", code)
	}
	var n int
	if err := f.db.NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").Where("action = 'report.staff' AND detail LIKE ?", "%"+code+"%").Scan(ctx, &n); err != nil || n != 1 {
		t.Errorf("audit of the report: %d %v", n, err)
	}
	// Another person's report: 403.
	if res := emp.do("GET", "/api/v1/staff/W002/report.pdf?period=2026-07", ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("colleague's report: %d, want 403", res.StatusCode)
	}

	// HR verifies by code and by the PDF itself; an unknown code is named.
	hr := f.login("hr")
	v := hr.do("POST", "/verify", form("code", code))
	if !strings.Contains(v.body, "W001 张伟") || !strings.Contains(v.body, "2026-07") {
		t.Errorf("verify by code: %d", v.StatusCode)
	}
	up := multipartFile(t, hr, "/verify", "file", "report.pdf", []byte(pdf.body))
	if !strings.Contains(up.body, "W001 张伟") {
		t.Errorf("verify by PDF upload: %d", up.StatusCode)
	}
	if v := hr.do("POST", "/verify", form("code", strings.Repeat("ab", 32))); !strings.Contains(v.body, "查无此核验码") || v.StatusCode != http.StatusNotFound {
		t.Errorf("unknown code not reported: %d", v.StatusCode)
	}
	if v := multipartFile(t, hr, "/verify", "file", "notes.pdf", []byte("plain text, not a PDF")); v.StatusCode < 400 || v.StatusCode >= 500 {
		t.Errorf("verify a non-PDF upload: %d, want 4xx", v.StatusCode)
	}

	// Team and center reports, a certificate.
	team := f.login("lead").do("GET", fmt.Sprintf("/api/v1/teams/%d/report.pdf?period=2026-07", f.teamA.ID), "")
	if team.StatusCode != http.StatusOK || !strings.Contains(pdfText(t, []byte(team.body)), "综合受理窗口组") {
		t.Errorf("team report: %d", team.StatusCode)
	}
	center := hr.do("GET", "/api/v1/center/report.pdf?period=2026-07", "")
	if center.StatusCode != http.StatusOK {
		t.Errorf("center report: %d", center.StatusCode)
	}
	cert := emp.do("GET", fmt.Sprintf("/certificates/%d/pdf", f.cert.ID), "")
	if cert.StatusCode != http.StatusOK || !strings.Contains(pdfText(t, []byte(cert.body)), f.cert.Number) {
		t.Errorf("certificate PDF: %d", cert.StatusCode)
	}
	if res := hr.do("GET", "/api/v1/center/report.pdf?period=2026-13", ""); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad period: %d, want 422", res.StatusCode)
	}

	// A batch from the HR page: one PDF per person with a score, in a ZIP.
	start := hr.do("POST", "/reports/batch", form("period", "2026-07", "team", itoa(f.teamA.ID)))
	m := regexp.MustCompile(`/reports/batch/(\d+)`).FindStringSubmatch(start.Header.Get("Location"))
	if start.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("batch start: %d %s", start.StatusCode, start.body)
	}
	f.app.RunReportJobs(ctx)
	st := hr.do("GET", "/reports/batch/"+m[1], "")
	if !strings.Contains(st.body, `data-status="done"`) {
		t.Fatalf("job not done: %s", st.body[strings.Index(st.body, "<main>"):])
	}
	z := hr.do("GET", "/reports/batch/"+m[1]+"/zip", "")
	zr, err := zip.NewReader(bytes.NewReader([]byte(z.body)), int64(len(z.body)))
	if err != nil {
		t.Fatalf("zip: %v", err)
	}
	var names []string
	for _, fl := range zr.File {
		names = append(names, fl.Name)
	}
	if strings.Join(names, ",") != "W001-2026-07.pdf,W002-2026-07.pdf" {
		t.Errorf("zip entries: %v", names)
	}
}

func multipartFile(t *testing.T, c *client, path, field, name string, data []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := newMultipart(&buf)
	fw, _ := mw.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return c.raw("POST", path, mw.FormDataContentType(), &buf)
}
