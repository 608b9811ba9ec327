package ratings

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kaoping/kaoping/app/csvfile"
	"github.com/kaoping/kaoping/app/store"
)

// The states of an import run. A run moves pending → validating →
// importing → done; a file with invalid rows and no SkipInvalid ends
// refused (nothing written), any other failure failed (Message says why).
// A run whose process died stays validating or importing: importing the
// same file again, with the same run or a new one, finishes the work
// without storing anything twice.
const (
	RunPending    = "pending"
	RunValidating = "validating"
	RunImporting  = "importing"
	RunDone       = "done"
	RunRefused    = "refused"
	RunFailed     = "failed"
)

// MaxRunErrors bounds the rejected-row problems a run stores: a file of a
// million bad rows must not become a row of a hundred megabytes. Message
// says how many more there were.
const MaxRunErrors = 10000

// Run is one file import (table import_runs): who started it and with
// which options, how far it got, and what it found. ImportFile keeps it
// current while it works, so a page can show progress and, afterwards, the
// reject report.
type Run struct {
	bun.BaseModel `bun:"table:import_runs,alias:ir"`

	ID          int64 `bun:",pk,autoincrement"`
	CenterID    int64
	Kind        string // "ratings"
	FileName    string // the base name, as the ratings' source shows it
	StoredPath  string // an uploaded file waiting for its job; "" for the CLI
	Encoding    string // as asked (auto, utf-8, gb18030), then as detected
	SkipInvalid bool
	Status      string // RunPending … RunFailed
	// TotalRows is the data rows of the file: growing while validating,
	// final once importing. DoneRows is the rows the import pass has
	// finished (stored, counted as duplicates or rejected).
	TotalRows  int64
	DoneRows   int64
	Imported   int64
	Duplicates int64
	Rejected   int64
	Errors     string // JSON array of LineError, at most MaxRunErrors; see RunErrors
	Message    string
	CreatedBy  string // "cli" or "user:7 name"
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	// HeartbeatAt is stamped with every progress update; a run whose
	// heartbeat stops was left by a process that died (see RequeueStale).
	HeartbeatAt *time.Time
}

// Finished reports whether the run has ended (done, refused or failed).
func (r *Run) Finished() bool {
	switch r.Status {
	case RunDone, RunRefused, RunFailed:
		return true
	}
	return false
}

// runKind is the kind of the runs of this package.
const runKind = "ratings"

// CreateRun records a pending import of fileName into the center with the
// options of opt (its encoding and SkipInvalid). storedPath is where an
// uploaded file waits for the job that will import it ("" when the caller
// imports at once, as the CLI does); createdBy is "cli" or "user:ID name".
func (s *Service) CreateRun(ctx context.Context, centerID int64, fileName, storedPath, createdBy string, opt FileOptions) (*Run, error) {
	enc := strings.ToLower(strings.TrimSpace(opt.Encoding))
	if enc == "" {
		enc = csvfile.Auto
	}
	r := &Run{
		CenterID: centerID, Kind: runKind, FileName: fileName, StoredPath: storedPath,
		Encoding: enc, SkipInvalid: opt.SkipInvalid, Status: RunPending, Errors: "[]",
		CreatedBy: createdBy, CreatedAt: s.now().UTC().Truncate(time.Microsecond),
	}
	if _, err := s.db.NewInsert().Model(r).Exec(ctx); err != nil {
		return nil, fmt.Errorf("ratings: create import run: %w", store.Translate(err))
	}
	return r, nil
}

// Run returns the import run with the id, or store.ErrNotFound.
func (s *Service) Run(ctx context.Context, id int64) (*Run, error) {
	r := new(Run)
	if err := s.db.NewSelect().Model(r).Where("ir.id = ?", id).Where("ir.kind = ?", runKind).Scan(ctx); err != nil {
		return nil, fmt.Errorf("ratings: import run %d: %w", id, store.Translate(err))
	}
	normalizeRun(r)
	return r, nil
}

// Runs returns the center's latest import runs, newest first, at most
// limit (all when limit <= 0).
func (s *Service) Runs(ctx context.Context, centerID int64, limit int) ([]Run, error) {
	out := []Run{}
	q := s.db.NewSelect().Model(&out).Where("ir.center_id = ?", centerID).Where("ir.kind = ?", runKind).
		OrderExpr("ir.created_at DESC, ir.id DESC")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("ratings: import runs of center %d: %w", centerID, err)
	}
	for i := range out {
		normalizeRun(&out[i])
	}
	return out, nil
}

// NextPendingRun claims the oldest pending run of any center for the
// caller — its status becomes validating and started_at is set — and
// returns it; store.ErrNotFound when no run is pending. Claiming is atomic:
// of several servers asking at once, each run goes to exactly one. On
// PostgreSQL the candidate row is locked with FOR UPDATE SKIP LOCKED, so
// the others pass over it to the next pending run instead of waiting; on
// SQLite, whose writes are serialized anyway, the UPDATE is guarded by
// status = 'pending' and a claim that changed no row tries the next run.
func (s *Service) NextPendingRun(ctx context.Context) (*Run, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	if s.db.Dialect().Name() == dialect.PG {
		r := new(Run)
		err := s.db.NewRaw(`UPDATE import_runs AS ir SET status = ?, started_at = ?
			WHERE ir.id = (SELECT id FROM import_runs WHERE status = ? AND kind = ? ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
			RETURNING ir.*`, RunValidating, now, RunPending, runKind).Scan(ctx, r)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, fmt.Errorf("ratings: no pending import run: %w", store.ErrNotFound)
			}
			return nil, fmt.Errorf("ratings: claim import run: %w", err)
		}
		normalizeRun(r)
		return r, nil
	}
	for {
		var id int64
		err := s.db.NewSelect().Model((*Run)(nil)).Column("ir.id").Where("ir.status = ?", RunPending).
			Where("ir.kind = ?", runKind).OrderExpr("ir.id").Limit(1).Scan(ctx, &id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("ratings: no pending import run: %w", store.ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("ratings: pending import run: %w", err)
		}
		res, err := s.db.NewUpdate().Model((*Run)(nil)).Set("status = ?", RunValidating).Set("started_at = ?", now).
			Where("id = ?", id).Where("status = ?", RunPending).Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("ratings: claim import run %d: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, fmt.Errorf("ratings: claim import run %d: %w", id, err)
		} else if n == 1 {
			return s.Run(ctx, id)
		}
		// Another instance claimed it between the two statements.
	}
}

// RunErrors returns the rejected-row problems the run stored, ordered by
// line (at most MaxRunErrors; the run's Message tells how many more).
func (s *Service) RunErrors(run *Run) []LineError {
	out := []LineError{}
	if run == nil || run.Errors == "" {
		return out
	}
	if err := json.Unmarshal([]byte(run.Errors), &out); err != nil {
		// Only this package writes the column; a broken value is shown as
		// one problem rather than hidden.
		return []LineError{{Message: "import_runs.errors is not valid JSON: " + err.Error()}}
	}
	return out
}

// WriteRejectReport writes the run's rejected rows as CSV for the person
// who uploaded the file: UTF-8 with a byte order mark (so that Excel opens
// it as UTF-8), columns 行号 (line), 字段 (field), 错误 (message). When the
// run stored only the first MaxRunErrors problems, a last row without a line
// says so.
func (s *Service) WriteRejectReport(w io.Writer, run *Run) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes and expects
	_ = cw.Write([]string{"行号", "字段", "错误"})
	errs := s.RunErrors(run)
	for _, e := range errs {
		line := ""
		if e.Line > 0 {
			line = strconv.Itoa(e.Line)
		}
		_ = cw.Write([]string{line, spreadsheetSafe(e.Field), spreadsheetSafe(e.Message)})
	}
	if len(errs) >= MaxRunErrors && run.Message != "" {
		_ = cw.Write([]string{"", "", spreadsheetSafe(run.Message)})
	}
	cw.Flush()
	return cw.Error()
}

// spreadsheetSafe keeps a cell that quotes a value from the uploaded file
// from being run as a formula when the report is opened in a spreadsheet.
func spreadsheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// normalizeRun makes a run read from either database look the same: times
// in UTC (PostgreSQL's driver returns them in the local zone).
func normalizeRun(r *Run) {
	r.CreatedAt = r.CreatedAt.UTC()
	for _, t := range []*time.Time{r.StartedAt, r.FinishedAt} {
		if t != nil {
			*t = t.UTC()
		}
	}
}

// runErrorsJSON is the errors column for a run: the first MaxRunErrors
// problems, and the message that says how many were left out.
func runErrorsJSON(errs []LineError) (string, string) {
	msg := ""
	if len(errs) > MaxRunErrors {
		msg = fmt.Sprintf("只保存了前 %d 个错误，另有 %d 个未列出 (only the first %d problems are kept; %d more)",
			MaxRunErrors, len(errs)-MaxRunErrors, MaxRunErrors, len(errs)-MaxRunErrors)
		errs = errs[:MaxRunErrors]
	}
	if errs == nil {
		errs = []LineError{}
	}
	b, err := json.Marshal(errs)
	if err != nil { // LineError always marshals
		return "[]", err.Error()
	}
	return string(b), msg
}

// runTracker keeps an import's run current. Its methods do nothing on a
// nil tracker (an import without a run).
type runTracker struct {
	s   *Service
	run *Run
}

// update writes the listed columns of the run (already set on t.run).
func (t *runTracker) update(ctx context.Context, db bun.IDB, cols ...string) error {
	now := t.s.now().UTC().Truncate(time.Microsecond)
	t.run.HeartbeatAt = &now
	cols = append(cols, "heartbeat_at")
	if _, err := db.NewUpdate().Model(t.run).Column(cols...).WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("ratings: update import run %d: %w", t.run.ID, err)
	}
	return nil
}

// start marks the run validating with fresh counters (an earlier attempt
// of the same run leaves its rows, not its counters).
func (t *runTracker) start(ctx context.Context, enc string) error {
	if t == nil {
		return nil
	}
	r := t.run
	r.Status = RunValidating
	if r.StartedAt == nil {
		now := t.s.now().UTC().Truncate(time.Microsecond)
		r.StartedAt = &now
	}
	if enc != "" {
		r.Encoding = enc
	}
	r.TotalRows, r.DoneRows, r.Imported, r.Duplicates, r.Rejected = 0, 0, 0, 0, 0
	r.Errors, r.Message, r.FinishedAt = "[]", "", nil
	return t.update(ctx, t.s.db, "status", "started_at", "encoding", "total_rows", "done_rows", "imported",
		"duplicates", "rejected", "errors", "message", "finished_at")
}

// validated records the rows read and rejected so far in pass 1.
func (t *runTracker) validated(ctx context.Context, res *FileResult) error {
	if t == nil {
		return nil
	}
	t.run.TotalRows, t.run.Rejected = int64(res.Rows), int64(res.Rejected)
	return t.update(ctx, t.s.db, "total_rows", "rejected")
}

// importing marks the start of pass 2.
func (t *runTracker) importing(ctx context.Context, res *FileResult) error {
	if t == nil {
		return nil
	}
	r := t.run
	r.Status, r.TotalRows, r.DoneRows, r.Rejected = RunImporting, int64(res.Rows), 0, int64(res.Rejected)
	return t.update(ctx, t.s.db, "status", "total_rows", "done_rows", "rejected")
}

// progress records the counters of pass 2 through db: the insert
// transaction, so that they commit (or roll back) with the rows they
// count. The caller's *Run gets them from apply, once they are committed.
func (t *runTracker) progress(ctx context.Context, db bun.IDB, res *FileResult, done int) error {
	if t == nil {
		return nil
	}
	r := *t.run
	r.DoneRows, r.Imported, r.Duplicates, r.Rejected = int64(done), int64(res.Imported), int64(res.Duplicates), int64(res.Rejected)
	if _, err := db.NewUpdate().Model(&r).Column("done_rows", "imported", "duplicates", "rejected").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("ratings: update import run %d: %w", r.ID, err)
	}
	return nil
}

// apply copies committed counters of pass 2 to the caller's *Run.
func (t *runTracker) apply(res *FileResult, done int) {
	if t == nil {
		return
	}
	r := t.run
	r.DoneRows, r.Imported, r.Duplicates, r.Rejected = int64(done), int64(res.Imported), int64(res.Duplicates), int64(res.Rejected)
}

// finish records how the import ended: done, refused or failed, with the
// errors (at most MaxRunErrors) and a message. The counters of a run that
// is done cover every attempt: imported is the rows tagged with the run,
// duplicates the rest of the valid rows.
func (t *runTracker) finish(ctx context.Context, res *FileResult, err error) error {
	r := t.run
	var errs []LineError
	if res != nil {
		errs = res.Errors
		r.TotalRows, r.Rejected = int64(res.Rows), int64(res.Rejected)
	}
	var fe *csvfile.FormatError
	switch {
	case err == nil:
		n, cerr := t.s.db.NewSelect().Model((*Rating)(nil)).Where("r.import_run_id = ?", r.ID).Count(ctx)
		if cerr != nil {
			return fmt.Errorf("ratings: count import run %d: %w", r.ID, cerr)
		}
		r.Status = RunDone
		r.DoneRows, r.Imported = r.TotalRows, int64(n)
		r.Duplicates = max(0, r.TotalRows-r.Rejected-r.Imported)
	case errors.Is(err, ErrRefused):
		r.Status = RunRefused
	default:
		r.Status = RunFailed
		if errors.As(err, &fe) {
			errs = []LineError{{Line: fe.Line, Message: fe.Msg}}
		}
	}
	var note string
	r.Errors, note = runErrorsJSON(errs)
	msgs := []string{}
	if err != nil {
		msgs = append(msgs, err.Error())
	}
	if note != "" {
		msgs = append(msgs, note)
	}
	r.Message = strings.Join(msgs, "; ")
	now := t.s.now().UTC().Truncate(time.Microsecond)
	r.FinishedAt = &now
	return t.update(ctx, t.s.db, "status", "total_rows", "done_rows", "imported", "duplicates", "rejected",
		"errors", "message", "finished_at")
}

// RequeueStale puts back in the queue the uploaded-file runs whose heartbeat
// (or start, before the first heartbeat) is older than before: the process
// that ran them died. Importing again is idempotent by external id. A run
// of the CLI (no stored file) cannot be resumed by a server: it is marked
// failed with the advice to run the same import again. It returns how many
// runs it requeued and failed.
func (s *Service) RequeueStale(ctx context.Context, before time.Time) (requeued, failed int64, err error) {
	before = before.UTC()
	stale := func(q *bun.UpdateQuery) *bun.UpdateQuery {
		return q.Where("status IN (?)", bun.List([]string{RunValidating, RunImporting})).
			Where("COALESCE(heartbeat_at, started_at, created_at) < ?", before)
	}
	res, err := stale(s.db.NewUpdate().Model((*Run)(nil)).Set("status = ?", RunPending).Set("started_at = NULL")).
		Where("stored_path <> ''").Exec(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("ratings: requeue stale runs: %w", err)
	}
	requeued, _ = res.RowsAffected()
	res, err = stale(s.db.NewUpdate().Model((*Run)(nil)).Set("status = ?", RunFailed).
		Set("message = ?", "导入进程中断；请再次运行同一导入命令，已导入的行会计为重复 (interrupted: run the same import again)").
		Set("finished_at = ?", s.now().UTC())).Where("stored_path = ''").Exec(ctx)
	if err != nil {
		return requeued, 0, fmt.Errorf("ratings: fail stale runs: %w", err)
	}
	failed, _ = res.RowsAffected()
	return requeued, failed, nil
}
