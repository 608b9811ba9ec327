package app_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"
)

// A job left running by a process that died (no heartbeat for minutes) is
// put back in the queue by the scheduler and then completed.
func TestStaleJobsAreRequeued(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	hr := f.login("hr")

	var buf bytes.Buffer
	mw := newMultipart(&buf)
	fw, _ := mw.CreateFormFile("file", "r.csv")
	_, _ = fw.Write([]byte("external_id,rated_at,channel,staff_no,level\nST-1,2026-07-01 10:00,offline,W001,5\n"))
	_ = mw.Close()
	if res := hr.raw("POST", "/ratings/import", mw.FormDataContentType(), &buf); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", res.StatusCode, res.body)
	}
	if res := hr.do("POST", "/reports/batch", form("period", "2026-07")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("batch: %d", res.StatusCode)
	}
	// Both were claimed by a process that then died.
	old := f.clock.Now().Add(-10 * time.Minute)
	if _, err := f.db.NewUpdate().Table("import_runs").Set("status = 'importing'").Set("started_at = ?", old).Set("heartbeat_at = ?", old).
		Where("status = 'pending'").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.NewUpdate().Table("report_jobs").Set("status = 'running'").Set("started_at = ?", old).Set("heartbeat_at = ?", old).
		Where("status = 'pending'").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f.app.RunImportJobs(ctx)
	f.app.RunReportJobs(ctx)
	var status string
	_ = f.db.NewSelect().Table("import_runs").Column("status").Limit(1).Scan(ctx, &status)
	if status != "importing" {
		t.Fatalf("a claimed run was taken again before it went stale: %s", status)
	}

	f.app.RunScheduled(ctx)
	f.app.RunImportJobs(ctx)
	f.app.RunReportJobs(ctx)
	_ = f.db.NewSelect().Table("import_runs").Column("status").Limit(1).Scan(ctx, &status)
	var n int
	_ = f.db.NewSelect().Table("ratings").ColumnExpr("COUNT(*)").Where("external_id = 'ST-1'").Scan(ctx, &n)
	if status != "done" || n != 1 {
		t.Errorf("stale import: status %s, rating stored %d times; want done, 1", status, n)
	}
	var job string
	_ = f.db.NewSelect().Table("report_jobs").Column("status").Limit(1).Scan(ctx, &job)
	if job != "done" {
		t.Errorf("stale report job: %s, want done", job)
	}
}
