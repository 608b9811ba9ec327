package ratings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/csvfile"
)

// ErrRefused is returned by ImportFile when the file has invalid rows and
// FileOptions.SkipInvalid is off: nothing was written, and the FileResult
// lists every bad row.
var ErrRefused = errors.New("ratings: file refused")

// ErrFileType is matched by the error for a file name whose extension is
// neither .csv nor .xlsx.
var ErrFileType = errors.New("ratings: unsupported file type")

// fileChunk is the rows validated together: one lookup per kind of code
// for the chunk, so the larger the cheaper per row (5,000 rows: the staff
// lookups fell from 12 % to 3 % of an import's CPU), and all that an import
// holds of the file (a few MB).
const fileChunk = 5000

// txBudget bounds how long one insert transaction of a file import holds
// the database. Within it a transaction takes as many rows as are
// validated: on SQLite every commit rewrites each index page the
// transaction touched (and the checkpoint copies it again), and a
// million ratings spread over indexes on staff, period and channel touch
// a new page with almost every row, so small transactions multiply the
// writes. It is wall-clock time, not the service's clock: it is about the
// machine, not the business.
const txBudget = 400 * time.Millisecond

// txPause follows every insert transaction on SQLite. A writer that finds
// SQLite's lock taken sleeps in its busy handler — 1, 2, 5, … ms, then
// 100 ms at a time — and gets the lock only if it happens to be free when
// it wakes; an importer that started its next transaction at once would
// win nearly every time and starve the answer saves and the rating feed.
// A pause as long as the longest of those sleeps lets every writer that
// waited through a transaction in before the next one: none waits much
// more than txBudget + txPause. It costs about a sixth of the insert
// pass (BenchmarkImportFile1M).
const txPause = 100 * time.Millisecond

// Opener opens the file from its start. ImportFile calls it once per pass,
// so the file is read twice and never held in memory whole.
type Opener func() (io.ReadCloser, error)

// FileOptions configures ImportFile.
type FileOptions struct {
	// Encoding of a CSV file: csvfile.Auto ("" too), csvfile.UTF8 or
	// csvfile.GB18030. Ignored for XLSX.
	Encoding string
	// SkipInvalid imports the valid rows and reports the rest, instead of
	// refusing the whole file.
	SkipInvalid bool
	// ChunkSize overrides the rows per validation chunk, and then also
	// bounds the rows per insert transaction (by default a transaction
	// takes as many rows as fit in txBudget).
	ChunkSize int
	// Run, when set, is the import run this import records itself in (see
	// CreateRun): every stored rating gets its id as import_run_id, and
	// the run's status and counters are kept current as the import goes,
	// in the database and in *Run.
	Run *Run
	// Progress, when set, is called after each validated chunk and after
	// each insert transaction.
	Progress func(Progress)
}

// Progress is how far an import is. Phase is RunValidating (Rows read so
// far; Total unknown, 0) or RunImporting (Rows of Total done).
type Progress struct {
	Phase string
	Rows  int64
	Total int64
}

// LineError is one problem of a file row: Line is the physical line of a
// CSV file (the header is line 1; a quoted cell spanning lines counts every
// line) or the row number of a worksheet. Field is "" for a problem with
// the row or the file as a whole.
type LineError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("%d: %s: %s", e.Line, e.Field, e.Message)
}

// FileResult reports what ImportFile did. Rows is the number of data rows
// read; every row is imported, a duplicate (its external id was stored
// already or came earlier in the file), or rejected (Errors has its
// problems, ordered by line).
type FileResult struct {
	Format     string      `json:"-"` // "csv" or "xlsx"
	Encoding   string      `json:"-"` // of a CSV file: "utf-8" or "gb18030"
	Rows       int         `json:"-"`
	Imported   int         `json:"imported"`
	Duplicates int         `json:"duplicates"`
	Rejected   int         `json:"rejected"`
	Errors     []LineError `json:"errors"`
}

// fileRow is one data row of a file with its line.
type fileRow struct {
	line int
	in   Input
}

// rowSource streams the data rows of one pass over a file.
type rowSource interface {
	// next returns the next row, or io.EOF after the last.
	next() (fileRow, error)
	Close() error
}

// ImportFile imports the ratings of a CSV or XLSX file (by the extension of
// name) into the center, in two passes over the file:
//
//  1. a validation pass reads the file row by row, validates chunks of rows
//     (see Validate) and writes nothing; any invalid row refuses the whole
//     file (ErrRefused, every bad row in the result) unless SkipInvalid;
//  2. an insert pass reads and validates the file again and stores the
//     valid rows, with source "file:" + the base name of name, in
//     transactions of about txBudget each, followed on SQLite by a pause
//     that lets other writers in (see txPause).
//
// Memory stays flat: only a few chunks of rows (one being read, one being
// validated, the rows waiting for their transaction) and the list of
// errors are held.
// Duplicates are decided by the unique key, so a run interrupted in pass 2
// is finished by importing the same file again: the rows stored the first
// time count as duplicates. A file that cannot be read as a table at all
// (empty, binary, UTF-16, broken quoting, missing columns) is an error
// matching csvfile.ErrFormat, and nothing is written.
//
// With opt.Run the import records itself in that run: it ends done,
// refused or failed (with the message and, for a file that cannot be read,
// the problem as its one error). A run whose context is cancelled is left
// as a killed process leaves it — validating or importing, its counters
// those of the last committed transaction — for the same file to be
// imported again; imported again with the same run, the run's final
// counters cover every attempt.
func (s *Service) ImportFile(ctx context.Context, centerID int64, name string, open Opener, opt FileOptions) (*FileResult, error) {
	im := &fileImport{s: s, centerID: centerID, opt: opt, bad: make(map[int]bool)}
	if opt.Run != nil {
		im.run = &runTracker{s: s, run: opt.Run}
	}
	res, err := im.do(ctx, name, open)
	if im.run != nil && ctx.Err() == nil {
		if ferr := im.run.finish(ctx, res, err); ferr != nil && (err == nil || errors.Is(err, ErrRefused)) {
			return res, ferr
		}
	}
	return res, err
}

// fileImport is one ImportFile call.
type fileImport struct {
	s        *Service
	centerID int64
	opt      FileOptions
	run      *runTracker // nil without FileOptions.Run

	openRows func() (rowSource, error)
	source   string
	size     int // rows per validation chunk
	txRows   int // most rows per insert transaction; 0: as many as txBudget allows
	res      *FileResult
	bad      map[int]bool // lines with an error; small unless the file is bad
}

func (im *fileImport) do(ctx context.Context, name string, open Opener) (*FileResult, error) {
	s, opt := im.s, im.opt
	res := &FileResult{Errors: []LineError{}}
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".csv", ".txt":
		res.Format = "csv"
		enc, err := sniffCSV(open, opt.Encoding)
		if err != nil {
			return nil, err
		}
		res.Encoding = enc
		im.openRows = func() (rowSource, error) { return openCSV(open, enc) }
	case ".xlsx", ".xlsm":
		res.Format = "xlsx"
		c, err := s.staff.Center(ctx, im.centerID)
		if err != nil {
			return nil, err
		}
		loc, err := c.Location()
		if err != nil {
			return nil, fmt.Errorf("ratings: center %d: %w", im.centerID, err)
		}
		im.openRows = func() (rowSource, error) { return openXLSX(open, loc) }
	default:
		return nil, fmt.Errorf("%w %q: want .csv or .xlsx", ErrFileType, ext)
	}
	im.source = "file:" + filepath.Base(name)
	if err := checkSource(im.source); err != nil {
		return nil, err
	}
	im.size = fileChunk
	if opt.ChunkSize > 0 {
		im.size, im.txRows = opt.ChunkSize, opt.ChunkSize
	}
	im.res = res
	if err := im.run.start(ctx, res.Encoding); err != nil {
		return nil, err
	}

	// Pass 1: validate, write nothing.
	err := eachChunk(im.openRows, im.size, func(rows []fileRow) error {
		res.Rows += len(rows)
		errs, _, err := s.validateRows(ctx, im.centerID, rows, nil)
		if err != nil {
			return err
		}
		for _, e := range errs {
			im.bad[e.Line] = true
		}
		res.Errors = append(res.Errors, errs...)
		res.Rejected = len(im.bad)
		if err := im.run.validated(ctx, res); err != nil {
			return err
		}
		im.progress(RunValidating, res.Rows, 0)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if res.Rejected > 0 && !opt.SkipInvalid {
		return res, fmt.Errorf("%w: %d invalid row(s), nothing was imported", ErrRefused, res.Rejected)
	}

	// Pass 2: read and validate again, insert the valid rows.
	if err := im.run.importing(ctx, res); err != nil {
		return res, err
	}
	return res, im.insertPass(ctx)
}

func (im *fileImport) progress(phase string, rows, total int) {
	if im.opt.Progress != nil {
		im.opt.Progress(Progress{Phase: phase, Rows: int64(rows), Total: int64(total)})
	}
}

// validBatch is one chunk of pass 2, validated: its valid ratings, and for
// each of them the rows of the file done once it is stored (the rows
// before the next valid one are rejected, hence done too).
type validBatch struct {
	rows      int
	valid     []Rating
	doneAfter []int // relative to the chunk's first row
	errs      []LineError
}

// insertPass is pass 2. One goroutine reads and validates chunks of the
// file while this one stores them (reading and validating is a tenth of an
// import's CPU, and runs on the other core): in transactions on one connection
// (see newFileWriter) that take whatever validated rows are ready until
// the transaction has held the database for txBudget. On SQLite, whose
// writers queue for a single lock by polling, each transaction is
// followed by a pause of txPause, so that every writer that waited gets
// its turn.
func (im *fileImport) insertPass(ctx context.Context) error {
	s, res := im.s, im.res
	w, err := s.newFileWriter(ctx)
	if err != nil {
		return err
	}
	defer w.close()

	ctx, cancel := context.WithCancel(ctx)
	batches := make(chan validBatch, 1)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- eachChunk(im.openRows, im.size, func(rows []fileRow) error {
			var b validBatch
			var at []int
			var err error
			b.errs, at, err = s.validateRows(ctx, im.centerID, rows, &b.valid)
			if err != nil {
				return err
			}
			b.rows = len(rows)
			b.doneAfter = at[1:]
			for i := range b.valid {
				b.valid[i].Source = im.source
				if im.run != nil {
					b.valid[i].ImportRunID = &im.run.run.ID
				}
			}
			select {
			case batches <- b:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	defer func() {
		cancel()
		for range batches { // let the reader see the cancellation and end
		}
	}()

	var (
		queue     []Rating // validated, not yet stored
		doneAfter []int    // for each of queue, the rows done once it is stored
		read      int      // rows of the file validated in this pass
		closed    bool
	)
	// take moves the next batch into the queue, waiting for it if wait;
	// it reports whether there was one.
	take := func(wait bool) (bool, error) {
		var b validBatch
		var ok bool
		if wait {
			b, ok = <-batches
		} else {
			select {
			case b, ok = <-batches:
			default:
				return false, nil
			}
		}
		if !ok {
			closed = true
			return false, <-readErr
		}
		for _, e := range b.errs {
			// The directory may have changed since pass 1.
			if !im.bad[e.Line] {
				im.bad[e.Line] = true
				res.Rejected++
				res.Errors = append(res.Errors, e)
			}
		}
		base := read
		read += b.rows
		queue = append(queue, b.valid...)
		for _, d := range b.doneAfter {
			doneAfter = append(doneAfter, base+d)
		}
		switch {
		case len(b.valid) > 0:
		case len(queue) > 0:
			// Rejected rows only: done with the last valid row before them.
			doneAfter[len(doneAfter)-1] = read
		default:
			if err := im.run.progress(ctx, s.db, res, read); err != nil {
				return false, err
			}
			im.run.apply(res, read)
			im.progress(RunImporting, read, res.Rows)
		}
		return true, nil
	}

	for {
		for len(queue) == 0 && !closed {
			if _, err := take(true); err != nil {
				return err
			}
		}
		if len(queue) == 0 {
			return nil
		}
		var used, stored int
		start := time.Now()
		err := w.conn.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			now := s.now().UTC().Truncate(time.Microsecond) // as both databases store it
			deadline := start.Add(txBudget)
			for {
				rest := queue[used:]
				if im.txRows > 0 {
					rest = rest[:min(len(rest), im.txRows-used)]
				}
				n, k, err := w.insert(ctx, tx, rest, now, deadline)
				if err != nil {
					return err
				}
				used += n
				stored += k
				if used < len(queue) || used == im.txRows || !time.Now().Before(deadline) || closed {
					break
				}
				// More rows may be validated by now: keep the lock busy.
				more, err := take(false)
				if err != nil {
					return err
				}
				if !more {
					break
				}
			}
			if err := s.notifyNew(ctx, tx, queue[:used], stored, now); err != nil {
				return err
			}
			// The counters commit with the rows they count.
			next := *res
			next.Imported += stored
			next.Duplicates += used - stored
			return im.run.progress(ctx, tx, &next, doneAfter[used-1])
		})
		if err != nil {
			return err
		}
		res.Imported += stored
		res.Duplicates += used - stored
		im.run.apply(res, doneAfter[used-1])
		im.progress(RunImporting, doneAfter[used-1], res.Rows)
		queue = append(queue[:0], queue[used:]...)
		doneAfter = append(doneAfter[:0], doneAfter[used:]...)
		if err := w.rest(ctx); err != nil {
			return err
		}
	}
}

// validateRows validates one chunk and maps the errors to lines. When valid
// is not nil it receives the valid ratings, and at is, for each of them,
// the index in rows of its row, followed by len(rows): at[i+1] is the rows
// done once valid[i] is stored.
func (s *Service) validateRows(ctx context.Context, centerID int64, rows []fileRow, valid *[]Rating) ([]LineError, []int, error) {
	in := make([]Input, len(rows))
	for i := range rows {
		in[i] = rows[i].in
	}
	rs, errs, err := s.Validate(ctx, centerID, in)
	if err != nil {
		return nil, nil, err
	}
	out := make([]LineError, len(errs))
	badIdx := make(map[int]bool, len(errs))
	for i, e := range errs {
		out[i] = LineError{Line: rows[e.Index].line, Field: e.Field, Message: e.Message}
		badIdx[e.Index] = true
	}
	if valid == nil {
		return out, nil, nil
	}
	*valid = rs
	at := make([]int, 0, len(rs)+1)
	for i := range rows {
		if !badIdx[i] {
			at = append(at, i)
		}
	}
	return out, append(at, len(rows)), nil
}

// eachChunk streams the rows of one pass to fn in chunks of size. The
// next chunk is read (decoded, split into cells) on another goroutine while
// fn works on this one; fn may keep the chunk.
func eachChunk(openRows func() (rowSource, error), size int, fn func([]fileRow) error) error {
	src, err := openRows()
	if err != nil {
		return err
	}
	chunks := make(chan []fileRow, 1)
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	go func() {
		defer close(chunks)
		for {
			chunk := make([]fileRow, 0, size)
			var err error
			for len(chunk) < size {
				var r fileRow
				if r, err = src.next(); err != nil {
					break
				}
				chunk = append(chunk, r)
			}
			if err != nil && !errors.Is(err, io.EOF) {
				readErr <- err // the rows before a broken one are not passed on
				return
			}
			if len(chunk) > 0 {
				select {
				case chunks <- chunk:
				case <-stop:
					readErr <- nil
					return
				}
			}
			if err != nil { // io.EOF
				readErr <- nil
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for range chunks { // wait for the reader to let go of src
		}
		src.Close()
	}()
	for chunk := range chunks {
		if err := fn(chunk); err != nil {
			return err
		}
	}
	return <-readErr
}

// inputOf builds an Input from a row's cells by field name.
func inputOf(get func(string) string) Input {
	x := Input{
		ExternalID:      get("external_id"),
		RatedAt:         get("rated_at"),
		Channel:         get("channel"),
		ItemCode:        get("item_code"),
		StaffNo:         get("staff_no"),
		StaffRef:        get("staff_ref"),
		Comment:         get("comment"),
		CitizenPhone:    get("citizen_phone"),
		CitizenIDNumber: get("citizen_id_number"),
	}
	if v := get("level"); v != "" {
		x.Level = v
	}
	if v := get("reasons"); v != "" {
		x.Reasons = v
	}
	if v := get("is_default"); v != "" {
		x.IsDefault = v
	}
	return x
}

// formatError is a problem with the file as a whole.
func formatError(msg string) error { return &csvfile.FormatError{Msg: msg} }
