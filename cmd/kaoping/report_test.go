package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/store"
)

// newReportCLI is newCLI with the report font, the demo center and a few
// ratings of the current month, which it returns as the period. The demo
// staff join their teams on the day of the seed, so only a period that
// includes today has scores.
func newReportCLI(t *testing.T) (*cliRun, string) {
	t.Helper()
	font, err := filepath.Abs("../../data/fonts/LXGWWenKai-Regular.ttf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(font); err != nil {
		t.Skipf("report font missing (run `make fonts`): %v", err)
	}
	c := newCLI(t)
	c.env["KAOPING_FONT"] = font
	c.mustRun("", "seed", "demo")
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	// Minutes are truncated: never in the future, never before today.
	now := time.Now().In(loc)
	at := now.Format("2006-01-02 15:04")
	ratings := "评价编号,渠道,评价时间,工号,评价等级,是否默认评价\n" +
		"R1,窗口," + at + ",W011,5,否\n" +
		"R2,窗口," + at + ",W011,1,否\n" +
		"R3,一网通办," + at + ",O006,4,否\n" +
		"R4,12345," + at + ",H009,5,否\n"
	c.mustRun("", "ratings", "import", writeFile(t, "ratings.csv", ratings))
	return c, now.Format("2006-01")
}

// pdfText is the text of a PDF by pdftotext; the test is skipped without it.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed")
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return string(out)
}

func mustPDF(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("%s is not a PDF: %q", path, b[:min(len(b), 16)])
	}
	return b
}

// names lists a folder's entries.
func names(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}

// countAudit counts the audit entries of an action by the CLI.
func countAudit(t *testing.T, c *cliRun, action string) int64 {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, c.env["KAOPING_DB"], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.NewSelect().Table("audit_log").Where("action = ?", action).Where("actor = ?", "cli").Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var codeLine = regexp.MustCompile(`(?m)^code:?\s+([0-9a-f]{64})$`)

func TestReportStaffTeamCenter(t *testing.T) {
	c, period := newReportCLI(t)
	dir := t.TempDir()
	cases := []struct {
		name   string
		args   []string
		action string
		want   []string
	}{
		{"staff", []string{"report", "staff", "--staff-no", "W011", "--period", period}, "report.staff", []string{"徐喆", "W011", period, "综合受理窗口组"}},
		{"staff with a rare name", []string{"report", "staff", "--staff-no", "O006", "--period", period}, "report.staff", []string{"何堃", period}},
		{"team by name", []string{"report", "team", "--team", "综合受理窗口组", "--period", period}, "report.team", []string{"综合受理窗口组", "徐喆", period}},
		{"team by code", []string{"report", "team", "--team", "hotline", "--period", period}, "report.team", []string{"12345热线坐席组", "欧阳明月"}},
		{"center", []string{"report", "center", "--period", period}, "report.center", []string{"示范区政务服务中心", "综合受理窗口组", "一网通办审核组", period}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := countAudit(t, c, tc.action)
			out := filepath.Join(dir, fmt.Sprintf("r%d.pdf", i))
			stdout := c.mustRun("", append(tc.args, "-o", out)...)
			if !strings.Contains(stdout, "wrote "+out) || !codeLine.MatchString(stdout) {
				t.Errorf("stdout: %s", stdout)
			}
			mustPDF(t, out)
			text := pdfText(t, out)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("the PDF lacks %q:\n%s", w, text)
				}
			}
			if got := countAudit(t, c, tc.action); got != before+1 {
				t.Errorf("audit %s: %d entries, want %d", tc.action, got, before+1)
			}
		})
	}
	for _, n := range names(t, dir) {
		if strings.HasSuffix(n, ".tmp") {
			t.Errorf("temporary file left: %s", n)
		}
	}
}

func TestReportBadInput(t *testing.T) {
	c, period := newReportCLI(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "x.pdf")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown staff number", []string{"report", "staff", "--staff-no", "X999", "--period", period, "-o", out}, `unknown staff number "X999"`},
		{"malformed period", []string{"report", "staff", "--staff-no", "W011", "--period", "2026-13", "-o", out}, `period: "2026-13"`},
		{"month without zero", []string{"report", "center", "--period", "2026-7", "-o", out}, `period: "2026-7"`},
		{"missing -o", []string{"report", "staff", "--staff-no", "W011", "--period", period}, `"output" not set`},
		{"missing --period", []string{"report", "center", "-o", out}, `"period" not set`},
		{"unknown team", []string{"report", "team", "--team", "nope", "--period", period, "-o", out}, `"nope"`},
		{"batch of an unknown team", []string{"report", "batch", "--team", "nope", "--period", period, "-o", dir}, `"nope"`},
		{"-o in a missing folder", []string{"report", "center", "--period", period, "-o", filepath.Join(dir, "no", "x.pdf")}, "no such file"},
		{"-o a folder", []string{"report", "center", "--period", period, "-o", dir}, "is a directory"},
		{"verify a missing file", []string{"report", "verify", filepath.Join(dir, "missing.pdf")}, "no such file"},
		{"verify a short code", []string{"report", "verify", "abc123"}, "12"},
		{"verify a file without a code", []string{"report", "verify", writeFile(t, "plain.pdf", "%PDF-1.4\n%%EOF\n")}, "没有核验码"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := c.run("", tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("failed runs left files: %v", got)
	}
	// The process exits 1 on these errors (main), none is an exitError
	// with another code.
	_, _, err := c.run("", "report", "staff", "--staff-no", "X999", "--period", period, "-o", out)
	var ee exitError
	if errors.As(err, &ee) {
		t.Errorf("unknown staff: exit %d, want a plain error (exit 1)", ee.code)
	}
}

func TestReportVerify(t *testing.T) {
	c, period := newReportCLI(t)
	pdf := filepath.Join(t.TempDir(), "xu.pdf")
	c.mustRun("", "report", "staff", "--staff-no", "W011", "--period", period, "-o", pdf)

	byFile := c.mustRun("", "report", "verify", pdf)
	for _, want := range []string{"issued by Kaoping", "W011 徐喆", "period:    " + period, "by:        cli", "个人考评报告", "示范区政务服务中心", "+08:00 (Asia/Shanghai)"} {
		if !strings.Contains(byFile, want) {
			t.Errorf("verify FILE lacks %q:\n%s", want, byFile)
		}
	}
	m := codeLine.FindStringSubmatch(byFile)
	if m == nil {
		t.Fatalf("no code in:\n%s", byFile)
	}
	code := m[1]
	for _, arg := range []string{code, strings.ToUpper(code), code[:12]} {
		out := c.mustRun("", "report", "verify", arg)
		if !strings.Contains(out, "W011 徐喆") || !strings.Contains(out, code) {
			t.Errorf("verify %s:\n%s", arg, out)
		}
	}

	notIssued := func(t *testing.T, arg string) {
		t.Helper()
		out, _, err := c.run("", "report", "verify", arg)
		var ee exitError
		if !errors.As(err, &ee) || ee.code != 1 {
			t.Fatalf("verify %s: err = %v, want exit 1", arg, err)
		}
		if !strings.Contains(out, "not issued by Kaoping") {
			t.Errorf("verify %s:\n%s", arg, out)
		}
	}
	t.Run("random code", func(t *testing.T) {
		notIssued(t, strings.Repeat("0123456789abcdef", 4))
	})
	t.Run("forged code in a PDF", func(t *testing.T) {
		b := mustPDF(t, pdf)
		// The metadata string is plain or UTF-16BE; the size stays.
		utf16 := func(s string) []byte {
			var out []byte
			for _, c := range []byte(s) {
				out = append(out, 0, c)
			}
			return out
		}
		other := strings.Repeat("ab", 32)
		forged := bytes.ReplaceAll(b, []byte(code), []byte(other))
		forged = bytes.ReplaceAll(forged, utf16(code), utf16(other))
		if bytes.Equal(forged, b) {
			t.Skip("the code is neither plain nor UTF-16BE text in the PDF")
		}
		notIssued(t, writeFile(t, "forged.pdf", string(forged)))
	})
	t.Run("changed file", func(t *testing.T) {
		b := mustPDF(t, pdf)
		changed := writeFile(t, "changed.pdf", string(b)+"% edited\n")
		out, _, err := c.run("", "report", "verify", changed)
		var ee exitError
		if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(out, "CHANGED") {
			t.Fatalf("verify of an edited copy: err = %v\n%s", err, out)
		}
	})
}

// peopleWithScores is the staff numbers `scores --format json` lists.
func peopleWithScores(t *testing.T, c *cliRun, period string, team ...string) []string {
	t.Helper()
	args := append([]string{"scores", "--period", period, "--format", "csv"}, team...)
	out := c.mustRun("", args...)
	var nos []string
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if i > 0 {
			nos = append(nos, strings.SplitN(line, ",", 2)[0])
		}
	}
	return nos
}

func pdfNames(nos []string, period string) []string {
	out := make([]string, len(nos))
	for i, no := range nos {
		out[i] = no + "-" + period + ".pdf"
	}
	slices.Sort(out)
	return out
}

func TestReportBatchFolderResumes(t *testing.T) {
	c, period := newReportCLI(t)
	dir := filepath.Join(t.TempDir(), "reports")
	want := pdfNames(peopleWithScores(t, c, period), period)
	if len(want) != 30 {
		t.Fatalf("demo: %d people with a score, want 30", len(want))
	}

	out := c.mustRun("", "report", "batch", "--period", period, "-o", dir)
	for _, s := range []string{"written: 30\n", "skipped: 0 ", "failed:  0\n", "elapsed: ", "output:  " + dir} {
		if !strings.Contains(out, s) {
			t.Errorf("summary lacks %q:\n%s", s, out)
		}
	}
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Fatalf("files:\n%v\nwant:\n%v", got, want)
	}
	for _, n := range want {
		mustPDF(t, filepath.Join(dir, n))
	}
	if text := pdfText(t, filepath.Join(dir, "W011-"+period+".pdf")); !strings.Contains(text, "徐喆") {
		t.Errorf("W011's PDF lacks the name:\n%s", text)
	}
	if n := countAudit(t, c, "report.staff"); n != 30 {
		t.Errorf("audit: %d staff reports, want 30", n)
	}

	// Again: everything is there.
	out = c.mustRun("", "report", "batch", "--period", period, "-o", dir)
	if !strings.Contains(out, "written: 0\n") || !strings.Contains(out, "skipped: 30 ") {
		t.Errorf("second run:\n%s", out)
	}

	// An interruption: W011's PDF never made it, its half file is left,
	// and someone keeps notes in the folder.
	xu := filepath.Join(dir, "W011-"+period+".pdf")
	if err := os.Remove(xu); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(dir, ".W011-"+period+".pdf.12345.tmp")
	if err := os.WriteFile(stray, []byte("%PDF-1.7\nhalf"), 0o600); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(dir, "notes.tmp")
	if err := os.WriteFile(notes, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "W001-"+period+".pdf")
	before, err := os.Stat(other)
	if err != nil {
		t.Fatal(err)
	}
	out = c.mustRun("", "report", "batch", "--period", period, "-o", dir)
	if !strings.Contains(out, "written: 1\n") || !strings.Contains(out, "skipped: 29 ") {
		t.Errorf("resumed run:\n%s", out)
	}
	mustPDF(t, xu)
	if _, err := os.Stat(stray); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the half file is still there: %v", err)
	}
	if _, err := os.Stat(notes); err != nil {
		t.Errorf("a file of someone else was removed: %v", err)
	}
	if after, err := os.Stat(other); err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("W001's PDF was rewritten: %v", err)
	}

	// One person failing does not stop the others: exit 1, listed with
	// the reason.
	for _, no := range []string{"W010", "H001"} {
		if err := os.Remove(filepath.Join(dir, no+"-"+period+".pdf")); err != nil {
			t.Fatal(err)
		}
	}
	blocked := filepath.Join(dir, "W010-"+period+".pdf")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	out, _, err = c.run("", "report", "batch", "--period", period, "-o", dir)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("batch with a failure: err = %v, want exit 1\n%s", err, out)
	}
	if !strings.Contains(out, "written: 1\n") || !strings.Contains(out, "failed:  1\n") || !strings.Contains(out, "  W010: ") {
		t.Errorf("summary with a failure:\n%s", out)
	}
	mustPDF(t, filepath.Join(dir, "H001-"+period+".pdf"))

	// One team.
	team := filepath.Join(t.TempDir(), "online")
	out = c.mustRun("", "report", "batch", "--period", period, "--team", "一网通办审核组", "-o", team)
	if want := pdfNames(peopleWithScores(t, c, period, "--team", "online"), period); !slices.Equal(names(t, team), want) || len(want) != 9 {
		t.Errorf("team batch: %v, want the 9 of the team %v\n%s", names(t, team), want, out)
	}
}

func TestReportBatchZip(t *testing.T) {
	c, period := newReportCLI(t)
	parent := t.TempDir()
	zipPath := filepath.Join(parent, "reports.zip")
	parts := zipPath + ".parts"
	want := pdfNames(peopleWithScores(t, c, period), period)

	// An interrupted earlier run left one PDF and a half archive.
	if err := os.MkdirAll(parts, 0o700); err != nil {
		t.Fatal(err)
	}
	one := filepath.Join(t.TempDir(), "one.pdf")
	c.mustRun("", "report", "staff", "--staff-no", "W011", "--period", period, "-o", one)
	b := mustPDF(t, one)
	if err := os.WriteFile(filepath.Join(parts, "W011-"+period+".pdf"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, ".reports.zip.777.tmp"), []byte("PK"), 0o600); err != nil {
		t.Fatal(err)
	}

	out := c.mustRun("", "report", "batch", "--period", period, "-o", zipPath)
	if !strings.Contains(out, fmt.Sprintf("written: %d\n", len(want)-1)) || !strings.Contains(out, "skipped: 1 ") || !strings.Contains(out, "output:  "+zipPath) {
		t.Errorf("summary:\n%s", out)
	}
	if got := names(t, parent); !slices.Equal(got, []string{"reports.zip"}) {
		t.Errorf("next to the zip: %v, want only reports.zip (staging folder and temporary files removed)", got)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var got []string
	for _, f := range zr.File {
		got = append(got, f.Name)
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		if !bytes.HasPrefix(content, []byte("%PDF-")) {
			t.Errorf("%s is not a PDF", f.Name)
		}
		if f.Name == "W011-"+period+".pdf" && !bytes.Equal(content, b) {
			t.Errorf("the PDF already there was not the one archived")
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("zip entries:\n%v\nwant:\n%v", got, want)
	}
}

func TestBatchJobsNames(t *testing.T) {
	p, err := scoring.ParsePeriod("2026-Q3")
	if err != nil {
		t.Fatal(err)
	}
	jobs := batchJobs([]string{"W001", "A/1", "A_1", "a_1"}, p)
	if jobs[0].file != "W001-2026-Q3.pdf" {
		t.Errorf("W001: %s", jobs[0].file)
	}
	seen := map[string]bool{}
	for _, j := range jobs {
		key := strings.ToLower(j.file)
		if seen[key] {
			t.Errorf("two people share %s (ignoring case)", j.file)
		}
		seen[key] = true
		if !strings.HasSuffix(j.file, "-2026-Q3.pdf") || strings.ContainsAny(j.file, `/\`) {
			t.Errorf("%s: bad file name %s", j.staffNo, j.file)
		}
	}
	// The same staff number gets the same name whoever else is in the batch.
	if again := batchJobs([]string{"A/1"}, p); again[0].file != "A_1-2026-Q3.pdf" {
		t.Errorf("alone: %s", again[0].file)
	}
}

func TestSafeFileName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"W011", "W011"},
		{"12345-0801", "12345-0801"},
		{"a/b\\c:d", "a_b_c_d"},
		{"../x", "_._x"},
		{".hidden", "_hidden"},
		{"工号 7", "工号_7"},
	}
	for _, tc := range cases {
		if got := safeFileName(tc.in); got != tc.want {
			t.Errorf("safeFileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
