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

// fileChunk is the rows validated together (one lookup per kind of code)
// and inserted in one transaction: small enough that a transaction never
// holds SQLite's single writer for long, large enough to amortize the
// lookups.
const fileChunk = 1000

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
	// ChunkSize overrides the rows per validation chunk and transaction.
	ChunkSize int
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
//  2. an insert pass reads the file again and stores the valid rows in
//     transactions of a chunk each, with source "file:" + the base name of
//     name.
//
// Memory stays flat: only one chunk of rows (and the list of errors) is held.
// Duplicates are decided by the unique key, so a run interrupted in pass 2
// is finished by importing the same file again: the rows stored the first
// time count as duplicates. A file that cannot be read as a table at all
// (empty, binary, UTF-16, broken quoting, missing columns) is an error
// matching csvfile.ErrFormat, and nothing is written.
func (s *Service) ImportFile(ctx context.Context, centerID int64, name string, open Opener, opt FileOptions) (*FileResult, error) {
	res := &FileResult{Errors: []LineError{}}
	var openRows func() (rowSource, error)
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".csv", ".txt":
		res.Format = "csv"
		enc, err := sniffCSV(open, opt.Encoding)
		if err != nil {
			return nil, err
		}
		res.Encoding = enc
		openRows = func() (rowSource, error) { return openCSV(open, enc) }
	case ".xlsx", ".xlsm":
		res.Format = "xlsx"
		c, err := s.staff.Center(ctx, centerID)
		if err != nil {
			return nil, err
		}
		loc, err := c.Location()
		if err != nil {
			return nil, fmt.Errorf("ratings: center %d: %w", centerID, err)
		}
		openRows = func() (rowSource, error) { return openXLSX(open, loc) }
	default:
		return nil, fmt.Errorf("%w %q: want .csv or .xlsx", ErrFileType, ext)
	}
	source := "file:" + filepath.Base(name)
	if err := checkSource(source); err != nil {
		return nil, err
	}
	size := opt.ChunkSize
	if size <= 0 {
		size = fileChunk
	}

	// Pass 1: validate, write nothing.
	bad := make(map[int]bool) // lines with an error; small unless the file is bad
	err := eachChunk(openRows, size, func(rows []fileRow) error {
		res.Rows += len(rows)
		errs, err := s.validateRows(ctx, centerID, rows, nil)
		if err != nil {
			return err
		}
		for _, e := range errs {
			bad[e.Line] = true
		}
		res.Errors = append(res.Errors, errs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Rejected = len(bad)
	if res.Rejected > 0 && !opt.SkipInvalid {
		return res, fmt.Errorf("%w: %d invalid row(s), nothing was imported", ErrRefused, res.Rejected)
	}

	// Pass 2: insert the valid rows, a chunk per transaction.
	err = eachChunk(openRows, size, func(rows []fileRow) error {
		var valid []Rating
		errs, err := s.validateRows(ctx, centerID, rows, &valid)
		if err != nil {
			return err
		}
		for _, e := range errs {
			// The directory may have changed since pass 1.
			if !bad[e.Line] {
				bad[e.Line] = true
				res.Rejected++
				res.Errors = append(res.Errors, e)
			}
		}
		if len(valid) == 0 {
			return nil
		}
		now := s.now().UTC().Truncate(time.Microsecond) // as both databases store it
		for i := range valid {
			valid[i].ReceivedAt, valid[i].CreatedAt, valid[i].Source = now, now, source
		}
		return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			n, err := s.store(ctx, tx, valid, now)
			if err != nil {
				return err
			}
			res.Imported += n
			res.Duplicates += len(valid) - n
			return nil
		})
	})
	if err != nil {
		return res, err
	}
	return res, nil
}

// validateRows validates one chunk and maps the errors to lines; the valid
// ratings are appended to valid when it is not nil.
func (s *Service) validateRows(ctx context.Context, centerID int64, rows []fileRow, valid *[]Rating) ([]LineError, error) {
	in := make([]Input, len(rows))
	for i := range rows {
		in[i] = rows[i].in
	}
	rs, errs, err := s.Validate(ctx, centerID, in)
	if err != nil {
		return nil, err
	}
	if valid != nil {
		*valid = rs
	}
	out := make([]LineError, len(errs))
	for i, e := range errs {
		out[i] = LineError{Line: rows[e.Index].line, Field: e.Field, Message: e.Message}
	}
	return out, nil
}

// eachChunk streams the rows of one pass to fn in chunks of size.
func eachChunk(openRows func() (rowSource, error), size int, fn func([]fileRow) error) error {
	src, err := openRows()
	if err != nil {
		return err
	}
	defer src.Close()
	chunk := make([]fileRow, 0, size)
	for {
		r, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		chunk = append(chunk, r)
		if len(chunk) == size {
			if err := fn(chunk); err != nil {
				return err
			}
			chunk = chunk[:0]
		}
	}
	if len(chunk) > 0 {
		return fn(chunk)
	}
	return nil
}

// inputOf builds an Input from a row's cells by field name.
func inputOf(get func(string) string) Input {
	x := Input{
		ExternalID: get("external_id"),
		RatedAt:    get("rated_at"),
		Channel:    get("channel"),
		ItemCode:   get("item_code"),
		StaffNo:    get("staff_no"),
		StaffRef:   get("staff_ref"),
		Comment:    get("comment"),
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
