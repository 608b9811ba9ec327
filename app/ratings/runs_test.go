package ratings_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/csvfile"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/store/storetest"
)

// runsCSV is n valid rows R0 … R(n-1), every fifth a bad rating (level 2).
func runsCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("评价编号,评价时间,渠道,工号,评价等级\n")
	for i := range n {
		level := 5
		if i%5 == 0 {
			level = 2
		}
		fmt.Fprintf(&b, "R%d,2026-06-30 10:00,窗口,1001,%d\n", i, level)
	}
	return []byte(b.String())
}

func (f *fixture) createRun(tb testing.TB, name string, opt ratings.FileOptions) *ratings.Run {
	tb.Helper()
	run, err := f.svc.CreateRun(context.Background(), f.center.ID, name, "", "cli", opt)
	if err != nil {
		tb.Fatalf("CreateRun: %v", err)
	}
	return run
}

// countRun is the stored ratings tagged with the run.
func (f *fixture) countRun(tb testing.TB, id int64) int {
	tb.Helper()
	n, err := f.db.NewSelect().Model((*ratings.Rating)(nil)).Where("import_run_id = ?", id).Count(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return int(n)
}

func TestRunsCreateListClaim(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var ids []int64
	for i := range 3 {
		f.clock.Set(storetest.At(t, fmt.Sprintf("2026-07-01 12:00:%02d", i)))
		r := f.createRun(t, fmt.Sprintf("f%d.csv", i), ratings.FileOptions{Encoding: "GBK", SkipInvalid: i == 1})
		ids = append(ids, r.ID)
	}
	got, err := f.svc.Run(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != ratings.RunPending || got.FileName != "f1.csv" || !got.SkipInvalid || got.Encoding != "gbk" ||
		got.CreatedBy != "cli" || got.Kind != "ratings" || got.StartedAt != nil || got.Finished() ||
		!got.CreatedAt.Equal(storetest.At(t, "2026-07-01 12:00:01")) || len(f.svc.RunErrors(got)) != 0 {
		t.Errorf("Run = %+v", got)
	}
	if _, err := f.svc.Run(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Run(9999) err = %v, want ErrNotFound", err)
	}

	list, err := f.svc.Runs(ctx, f.center.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != ids[2] || list[1].ID != ids[1] {
		t.Errorf("Runs(limit 2) = %v, want the newest two, newest first", runIDs(list))
	}

	// Claims go oldest first, once each.
	f.clock.Set(storetest.At(t, "2026-07-01 12:05:00"))
	for _, want := range ids {
		r, err := f.svc.NextPendingRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != want || r.Status != ratings.RunValidating || r.StartedAt == nil || !r.StartedAt.Equal(storetest.At(t, "2026-07-01 12:05:00")) {
			t.Errorf("claimed %+v, want run %d validating since 12:05", r, want)
		}
	}
	if _, err := f.svc.NextPendingRun(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("NextPendingRun with none pending: err = %v, want ErrNotFound", err)
	}
}

func runIDs(rs []ratings.Run) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// TestNextPendingRunConcurrent has two "servers" (two connection pools,
// two goroutines each) claim runs at once: every run is claimed exactly
// once.
func TestNextPendingRunConcurrent(t *testing.T) {
	f := newFixture(t)
	const runs = 30
	for i := range runs {
		f.createRun(t, fmt.Sprintf("f%d.csv", i), ratings.FileOptions{})
	}
	other := f.dsn.Open(t)
	svcs := []*ratings.Service{f.svc, ratings.NewService(other, staff.NewService(other, f.clock.Now), f.clock.Now)}
	var mu sync.Mutex
	var claimed []int64
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := range 4 {
		wg.Add(1)
		go func(svc *ratings.Service) {
			defer wg.Done()
			for {
				r, err := svc.NextPendingRun(context.Background())
				if errors.Is(err, store.ErrNotFound) {
					return
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				claimed = append(claimed, r.ID)
				mu.Unlock()
			}
		}(svcs[i%2])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	slices.Sort(claimed)
	if len(claimed) != runs || len(slices.Compact(slices.Clone(claimed))) != runs {
		t.Errorf("claimed %d runs (%v), want each of %d once", len(claimed), claimed, runs)
	}
}

func TestImportFileRecordsRun(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	opt := ratings.FileOptions{SkipInvalid: true, ChunkSize: 2}
	run := f.createRun(t, "r.csv", opt)
	var seen []ratings.Progress
	opt.Run = run
	opt.Progress = func(p ratings.Progress) { seen = append(seen, p) }
	res, err := f.importFile(t, "r.csv", []byte(mixedCSV), opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 3 || res.Rejected != 1 {
		t.Fatalf("result = %+v", res)
	}

	got, err := f.svc.Run(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != ratings.RunDone || got.TotalRows != 4 || got.DoneRows != 4 || got.Imported != 3 ||
		got.Duplicates != 0 || got.Rejected != 1 || got.Encoding != csvfile.UTF8 || got.StartedAt == nil ||
		got.FinishedAt == nil || got.Message != "" || !got.Finished() {
		t.Errorf("run = %+v", got)
	}
	if got.Status != run.Status || got.Imported != run.Imported || got.DoneRows != run.DoneRows {
		t.Errorf("the caller's *Run (%+v) does not match the stored run (%+v)", run, got)
	}
	if errs := f.svc.RunErrors(got); len(errs) != 3 || errs[0].Line != 7 || errs[0].Field != "rated_at" {
		t.Errorf("RunErrors = %+v", errs)
	}
	if n := f.countRun(t, run.ID); n != 3 {
		t.Errorf("%d ratings tagged with the run, want 3", n)
	}

	// Progress: validating as rows are read, then importing up to the total.
	var phases []string
	for _, p := range seen {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	}
	if want := []string{ratings.RunValidating, ratings.RunImporting}; !slices.Equal(phases, want) {
		t.Errorf("progress phases %v, want %v (%+v)", phases, want, seen)
	}
	if last := seen[len(seen)-1]; last.Rows != 4 || last.Total != 4 {
		t.Errorf("last progress %+v, want 4 of 4", last)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].Phase == seen[i-1].Phase && seen[i].Rows < seen[i-1].Rows {
			t.Errorf("progress went back: %+v", seen)
		}
	}

	// The reject report: UTF-8 with BOM, a header, one line per problem.
	var buf bytes.Buffer
	if err := f.svc.WriteRejectReport(&buf, got); err != nil {
		t.Fatal(err)
	}
	out, ok := strings.CutPrefix(buf.String(), "\uFEFF")
	if !ok {
		t.Fatalf("report does not start with a BOM: %q", buf.String())
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || !slices.Equal(recs[0], []string{"行号", "字段", "错误"}) || recs[1][0] != "7" || recs[1][1] != "rated_at" ||
		!strings.Contains(recs[1][2], "昨天") {
		t.Errorf("report = %q", recs)
	}
}

func TestImportFileRunRefusedAndFailed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	run := f.createRun(t, "r.csv", ratings.FileOptions{})
	if _, err := f.importFile(t, "r.csv", []byte(mixedCSV), ratings.FileOptions{Run: run}); !errors.Is(err, ratings.ErrRefused) {
		t.Fatalf("err = %v, want ErrRefused", err)
	}
	got, _ := f.svc.Run(ctx, run.ID)
	if got.Status != ratings.RunRefused || got.Imported != 0 || got.Rejected != 1 || len(f.svc.RunErrors(got)) != 3 ||
		got.FinishedAt == nil || !strings.Contains(got.Message, "nothing was imported") {
		t.Errorf("refused run = %+v", got)
	}

	run = f.createRun(t, "u16.csv", ratings.FileOptions{})
	if _, err := f.importFile(t, "u16.csv", []byte("\xFF\xFEa\x00"), ratings.FileOptions{Run: run}); !errors.Is(err, csvfile.ErrFormat) {
		t.Fatalf("err = %v, want ErrFormat", err)
	}
	got, _ = f.svc.Run(ctx, run.ID)
	errs := f.svc.RunErrors(got)
	if got.Status != ratings.RunFailed || !strings.Contains(got.Message, "UTF-16") || len(errs) != 1 || !strings.Contains(errs[0].Message, "UTF-16") {
		t.Errorf("failed run = %+v, errors %+v", got, errs)
	}
	if n := f.count(t); n != 0 {
		t.Errorf("%d ratings stored, want 0", n)
	}
}

// TestImportFileRunCapsErrors keeps MaxRunErrors problems and says how
// many more there were.
func TestImportFileRunCapsErrors(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	b.WriteString("评价编号,评价时间,渠道,工号,评价等级\n")
	const bad = ratings.MaxRunErrors + 5
	for i := range bad {
		fmt.Fprintf(&b, "X%d,2026-06-30 10:00,窗口,1001,9\n", i)
	}
	run := f.createRun(t, "bad.csv", ratings.FileOptions{})
	res, err := f.importFile(t, "bad.csv", []byte(b.String()), ratings.FileOptions{Run: run})
	if !errors.Is(err, ratings.ErrRefused) || len(res.Errors) != bad {
		t.Fatalf("err = %v, %d errors", err, len(res.Errors))
	}
	got, _ := f.svc.Run(context.Background(), run.ID)
	if n := len(f.svc.RunErrors(got)); n != ratings.MaxRunErrors || !strings.Contains(got.Message, "5 more") || got.Rejected != bad {
		t.Errorf("stored %d errors, message %q, rejected %d", n, got.Message, got.Rejected)
	}
	var buf bytes.Buffer
	if err := f.svc.WriteRejectReport(&buf, got); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != ratings.MaxRunErrors+2 || !strings.Contains(recs[len(recs)-1][2], "5 more") {
		t.Errorf("report has %d records, last %q", len(recs), recs[len(recs)-1])
	}
}

// TestImportFileRunResumesAfterCrash stops an import after the first
// transaction of the insert pass, the way a killed process would leave it,
// then imports the same file again: every row is stored once.
func TestImportFileRunResumesAfterCrash(t *testing.T) {
	f := newFixture(t)
	const rows, chunk = 1000, 100
	data := runsCSV(rows)
	run := f.createRun(t, "big.csv", ratings.FileOptions{})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := f.svc.ImportFile(ctx, f.center.ID, "big.csv", opener(data), ratings.FileOptions{
		Run: run, ChunkSize: chunk,
		Progress: func(p ratings.Progress) {
			if p.Phase == ratings.RunImporting {
				cancel() // the process dies right after its first commit
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	got, err := f.svc.Run(context.Background(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != ratings.RunImporting || got.TotalRows != rows || got.DoneRows != chunk || got.Imported != chunk || got.FinishedAt != nil {
		t.Errorf("interrupted run = %+v, want importing, %d of %d done and imported", got, chunk, rows)
	}
	if n := f.count(t); n != chunk {
		t.Fatalf("%d ratings stored after the crash, want %d (the first transaction)", n, chunk)
	}

	// The job picks the same run up again.
	res, err := f.svc.ImportFile(context.Background(), f.center.ID, "big.csv", opener(data), ratings.FileOptions{Run: got, ChunkSize: chunk})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != rows-chunk || res.Duplicates != chunk {
		t.Errorf("second attempt = %+v, want %d imported, %d duplicates", res, rows-chunk, chunk)
	}
	got, _ = f.svc.Run(context.Background(), run.ID)
	if got.Status != ratings.RunDone || got.Imported != rows || got.Duplicates != 0 || got.DoneRows != rows {
		t.Errorf("finished run = %+v, want done with all %d rows imported by it", got, rows)
	}
	var distinct int
	if err := f.db.NewSelect().Model((*ratings.Rating)(nil)).ColumnExpr("COUNT(DISTINCT external_id)").Scan(context.Background(), &distinct); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t); n != rows || distinct != rows || f.countRun(t, run.ID) != rows {
		t.Errorf("%d ratings, %d distinct, %d tagged with the run; want %d each", n, distinct, f.countRun(t, run.ID), rows)
	}

	// A new run of the same file (the CLI run again): all duplicates.
	run2 := f.createRun(t, "big.csv", ratings.FileOptions{})
	if _, err := f.importFile(t, "big.csv", data, ratings.FileOptions{Run: run2}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Run(context.Background(), run2.ID); got.Imported != 0 || got.Duplicates != rows || got.Status != ratings.RunDone {
		t.Errorf("re-run = %+v, want %d duplicates", got, rows)
	}
}

// TestImportFileOnBad hands each bad rating a file stores to the OnBad
// hook once, in the transaction that stores it, and never a duplicate.
func TestImportFileOnBad(t *testing.T) {
	f := newFixture(t)
	var got []string
	svc := ratings.NewService(f.db, f.staff, f.clock.Now, ratings.Options{OnBad: func(_ context.Context, _ bun.IDB, bad []ratings.Rating) error {
		for _, r := range bad {
			if r.ID == 0 || r.Level > 2 {
				return fmt.Errorf("OnBad got %+v", r)
			}
			got = append(got, r.ExternalID)
		}
		return nil
	}})
	data := runsCSV(40)
	for range 2 {
		if _, err := svc.ImportFile(context.Background(), f.center.ID, "b.csv", opener(data), ratings.FileOptions{ChunkSize: 7}); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(got)
	var want []string
	for i := 0; i < 40; i += 5 {
		want = append(want, fmt.Sprintf("R%d", i))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("OnBad saw %v, want %v once each", got, want)
	}
}
