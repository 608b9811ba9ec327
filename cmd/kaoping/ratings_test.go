package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

type importJSON struct {
	Imported   *int   `json:"imported"`
	Duplicates *int   `json:"duplicates"`
	Rejected   *int   `json:"rejected"`
	RunID      *int64 `json:"run_id"`
	Errors     []struct {
		Line    *int    `json:"line"`
		Field   *string `json:"field"`
		Message *string `json:"message"`
	} `json:"errors"`
}

func decodeImport(t *testing.T, out string) importJSON {
	t.Helper()
	var got importJSON
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not the import JSON object: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value on stdout:\n%s", out)
	}
	if got.Imported == nil || got.Duplicates == nil || got.Rejected == nil || got.Errors == nil || got.RunID == nil || *got.RunID <= 0 {
		t.Fatalf("missing keys in %s", out)
	}
	for _, e := range got.Errors {
		if e.Line == nil || e.Field == nil || e.Message == nil {
			t.Fatalf("error without line, field or message in %s", out)
		}
	}
	return got
}

func exitCode(err error) int {
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return -1
	}
	return 0
}

const ratingsCSV = "评价编号,渠道,评价时间,工号,评价等级,评价内容\n" +
	"C1,窗口,2026-06-30 23:50,W001,满意,\"很好\n下次还来\"\n" + // lines 2–3
	"C2,热线,2026-06-30T16:30:00Z,W002,不满意,\n" + // line 4
	"C3,大厅,2026-06-30 09:00,NOPE,5,\n" + // line 5
	"C4,线上,2026-06-30 09:00,W001,7,\n" // line 6

func TestRatingsImportCLI(t *testing.T) {
	c := newCLI(t)
	c.mustRun("", "seed", "demo")
	path := writeFile(t, "ratings.csv", ratingsCSV)

	// All or nothing, human output.
	out, errOut, err := c.run("", "ratings", "import", path)
	if exitCode(err) != 1 {
		t.Fatalf("exit = %v, want 1; stderr %s", err, errOut)
	}
	for _, want := range []string{path + ":5: staff_no: ", path + ":6: level: ", "2 invalid row(s); nothing was imported"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}

	// All or nothing, JSON, still exit 1.
	out, _, err = c.run("", "ratings", "import", "--json", path)
	if exitCode(err) != 1 {
		t.Fatalf("exit = %v, want 1", err)
	}
	got := decodeImport(t, out)
	if *got.Imported != 0 || *got.Rejected != 2 || len(got.Errors) != 2 || *got.Errors[0].Line != 5 || *got.Errors[1].Field != "level" {
		t.Errorf("refused JSON = %s", out)
	}

	// Skip invalid: exit 0, the valid rows imported.
	out, _, err = c.run("", "ratings", "import", "--json", "--skip-invalid", path)
	if err != nil {
		t.Fatalf("--skip-invalid: %v", err)
	}
	refusedRun := *got.RunID
	got = decodeImport(t, out)
	if *got.Imported != 2 || *got.Duplicates != 0 || *got.Rejected != 2 || len(got.Errors) != 2 || *got.RunID != refusedRun+1 {
		t.Errorf("--skip-invalid JSON = %s", out)
	}

	firstRun := *got.RunID

	// The same again: all duplicates; human summary with the run's id, and
	// no progress bar on a stderr that is not a terminal.
	out, errOut, err = c.run("", "ratings", "import", "--skip-invalid", path)
	if err != nil {
		t.Fatalf("re-import: %v", err)
	}
	if !strings.Contains(out, "0 imported, 2 duplicates, 2 rejected") || !strings.Contains(errOut, ":6: level:") {
		t.Errorf("re-import stdout %q stderr %q", out, errOut)
	}
	if want := fmt.Sprintf("; import run %d\n", firstRun+1); !strings.HasSuffix(out, want) {
		t.Errorf("stdout %q does not end with %q", out, want)
	}
	if strings.Contains(errOut, "validating") || strings.Contains(errOut, "importing") {
		t.Errorf("progress drawn on a non-terminal stderr: %q", errOut)
	}
}

func TestRatingsImportCLIFiles(t *testing.T) {
	c := newCLI(t)
	c.mustRun("", "seed", "demo")
	gb, err := simplifiedchinese.GB18030.NewEncoder().String("评价编号,评价时间,渠道,工号,评价等级\nG1,2026-06-30 10:00,窗口,W001,非常满意\n")
	if err != nil {
		t.Fatal(err)
	}
	out := c.mustRun("", "ratings", "import", writeFile(t, "gb.csv", gb))
	if !strings.Contains(out, "gb18030") || !strings.Contains(out, "1 imported") {
		t.Errorf("GB18030 import: %s", out)
	}
	out = c.mustRun("", "ratings", "import", "--encoding", "utf-8", writeFile(t, "bom.csv", "\xEF\xBB\xBFexternal_id,rated_at,channel,staff_no,level\nB1,2026-06-30,online,W002,3\n"))
	if !strings.Contains(out, "1 imported") {
		t.Errorf("BOM import: %s", out)
	}

	x := excelize.NewFile()
	for i, v := range []any{"评价编号", "评价时间", "渠道", "工号", "评价等级"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		_ = x.SetCellValue("Sheet1", cell, v)
	}
	_ = x.SetCellValue("Sheet1", "A2", "XL1")
	_ = x.SetCellFloat("Sheet1", "B2", 46203.9930555556, -1, 64) // 2026-06-30 23:50
	_ = x.SetCellValue("Sheet1", "C2", "窗口")
	_ = x.SetCellValue("Sheet1", "D2", "W001")
	_ = x.SetCellValue("Sheet1", "E2", "4") // a number stored as text
	xp := strings.TrimSuffix(writeFile(t, "r.xlsx", ""), "r.xlsx") + "r.xlsx"
	if err := x.SaveAs(xp); err != nil {
		t.Fatal(err)
	}
	out = c.mustRun("", "ratings", "import", "--json", xp)
	if got := decodeImport(t, out); *got.Imported != 1 || len(got.Errors) != 0 {
		t.Errorf("xlsx JSON = %s", out)
	}

	cases := []struct {
		name, file, content, want string
	}{
		{"empty", "empty.csv", "", "empty"},
		{"binary", "bin.csv", "\x00\x01\x02\x03", "binary"},
		{"utf-16", "u16.csv", "\xFF\xFEa\x00", "UTF-16"},
		{"extension", "r.txt.gz", "x", ".gz"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.file, tc.content)
			_, errOut, err := c.run("", "ratings", "import", p)
			if exitCode(err) != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %v, stderr %q, want 1 and %q", err, errOut, tc.want)
			}
			out, _, err := c.run("", "ratings", "import", "--json", p)
			if exitCode(err) != 1 {
				t.Errorf("--json exit = %v, want 1", err)
			}
			if got := decodeImport(t, out); len(got.Errors) != 1 || !strings.Contains(*got.Errors[0].Message, tc.want) {
				t.Errorf("--json = %s", out)
			}
		})
	}
}
