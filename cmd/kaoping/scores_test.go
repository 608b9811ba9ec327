package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestScoresCommand(t *testing.T) {
	c := newCLI(t)
	c.mustRun("", "staff", "import", "--as-of", "2026-01-01", writeFile(t, "staff.csv", staffCSV))
	ratings := "评价编号,渠道,评价时间,工号,评价等级,是否默认评价\n" +
		"K1,窗口,2026-07-01 10:00,W001,5,否\n" +
		"K2,窗口,2026-07-02 10:00,W001,1,否\n" +
		"K3,窗口,2026-07-03 10:00,W001,4,是\n" + // default: not counted
		"K4,窗口,2026-06-30T16:30:00Z,W002,5,否\n" + // 1 July in Beijing
		"K5,热线,2026-06-30 23:50,H001,5,否\n" // still June
	c.mustRun("", "ratings", "import", writeFile(t, "r.csv", ratings))

	out := c.mustRun("", "scores", "--period", "2026-07", "--format", "json")
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	by := map[string]map[string]any{}
	for _, o := range got {
		for _, k := range []string{"staff_no", "name", "team", "n_ratings", "satisfaction", "competence", "training", "quality", "band", "rank_team", "rank_center", "channels", "explain"} {
			if _, ok := o[k]; !ok {
				t.Fatalf("key %s missing in %v", k, o)
			}
		}
		by[o["staff_no"].(string)] = o
	}
	if n := by["W001"]["n_ratings"].(float64); n != 2 {
		t.Errorf("W001 n_ratings = %v, want 2 (the default rating is not counted)", n)
	}
	if n := by["W002"]["n_ratings"].(float64); n != 1 {
		t.Errorf("W002 n_ratings = %v, want 1 (16:30Z on 30 June is July in Beijing)", n)
	}
	if by["H001"]["satisfaction"] != nil || by["H001"]["quality"] != nil || by["W001"]["competence"] != nil {
		t.Errorf("n/a must be null: H001 %v, W001 competence %v", by["H001"]["quality"], by["W001"]["competence"])
	}
	if by["W001"]["rank_team"] != nil {
		t.Errorf("rank with fewer than 5 ratings: %v", by["W001"]["rank_team"])
	}

	// The table, one team, CSV and XLSX.
	table := c.mustRun("", "scores", "--period", "2026-07", "--team", "窗口一组")
	if !strings.Contains(table, "张伟") || strings.Contains(table, "郑浩") {
		t.Errorf("team table:\n%s", table)
	}
	if csv := c.mustRun("", "scores", "--period", "2026-07", "--format", "csv"); !strings.HasPrefix(csv, "\uFEFF工号,姓名,班组,计分评价数") {
		t.Errorf("csv header: %q", csv[:60])
	}
	xp := filepath.Join(t.TempDir(), "s.xlsx")
	c.mustRun("", "scores", "--period", "2026-07", "--format", "xlsx", "-o", xp)
	x, err := excelize.OpenFile(xp)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := x.GetCellValue("考评", "A2"); v != "工号" {
		t.Errorf("xlsx A2 = %q, want 工号", v)
	}
	x.Close()

	// Bad periods are errors.
	for _, p := range []string{"2026-13", "2026-7", "2026-Q5", "July"} {
		if _, _, err := c.run("", "scores", "--period", p); err == nil {
			t.Errorf("--period %s accepted", p)
		}
	}

	// Close June, then it is frozen: a rating added later changes nothing
	// until a re-issue.
	if out := c.mustRun("", "scores", "close", "--period", "2026-06", "--reason", "人力资源签发"); !strings.Contains(out, "issue 1") {
		t.Errorf("close: %s", out)
	}
	if _, _, err := c.run("", "scores", "close", "--period", "2026-06", "--reason", "again"); err == nil {
		t.Error("closing a closed period again succeeded")
	}
	c.mustRun("", "ratings", "import", writeFile(t, "late.csv", "评价编号,渠道,评价时间,工号,评价等级\nL1,热线,2026-06-20 10:00,H001,1\n"))
	june := func() map[string]any {
		out := c.mustRun("", "scores", "--period", "2026-06", "--format", "json")
		var list []map[string]any
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatal(err)
		}
		for _, o := range list {
			if o["staff_no"] == "H001" {
				return o
			}
		}
		t.Fatal("H001 missing")
		return nil
	}
	if n := june()["n_ratings"].(float64); n != 1 {
		t.Errorf("closed June changed: H001 n = %v, want 1 (as issued)", n)
	}
	if out := c.mustRun("", "scores", "reissue", "--period", "2026-06", "--reason", "迟到的评价"); !strings.Contains(out, "issue 2") {
		t.Errorf("reissue: %s", out)
	}
	if n := june()["n_ratings"].(float64); n != 2 {
		t.Errorf("after the re-issue: H001 n = %v, want 2", n)
	}
	_ = os.Remove(xp)
}
