package ratings

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kaoping/kaoping/app/csvfile"
)

// xlsxRows reads the data rows of the first worksheet of a workbook with
// excelize's streaming iterator, as raw cell values: a date is its serial
// number (read in the workbook's date system and the center's zone), a
// number stored as text is its text.
type xlsxRows struct {
	rc       io.ReadCloser
	f        *excelize.File
	rows     *excelize.Rows
	col      map[string]int
	row      int // 1-based row number of the last row read
	date1904 bool
	loc      *time.Location
}

func openXLSX(open Opener, loc *time.Location) (rowSource, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	x := &xlsxRows{rc: rc, loc: loc}
	if err := x.init(); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

func (x *xlsxRows) init() error {
	f, err := excelize.OpenReader(x.rc)
	if err != nil {
		if errors.Is(err, excelize.ErrWorkbookFileFormat) || strings.Contains(err.Error(), "zip") {
			return formatError("file is not an XLSX workbook: " + err.Error())
		}
		return formatError("cannot read workbook: " + err.Error())
	}
	x.f = f
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		x.date1904 = *p.Date1904
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return formatError("workbook has no worksheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return formatError(fmt.Sprintf("worksheet %q: %v", sheets[0], err))
	}
	x.rows = rows
	if !rows.Next() {
		return formatError("file is empty: the first row must be the header")
	}
	x.row = 1
	head, err := rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return formatError("header row: " + err.Error())
	}
	return x.mapHeader(head)
}

// mapHeader maps header cells to fields with csvfile's rules and messages:
// the header goes through csvfile.NewReader, followed by a row of column
// numbers that reads back as each field's column.
func (x *xlsxRows) mapHeader(head []string) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	idx := make([]string, len(head))
	for i := range head {
		idx[i] = strconv.Itoa(i)
		head[i] = strings.ReplaceAll(strings.ReplaceAll(head[i], "\r", " "), "\n", " ")
	}
	_ = w.Write(head)
	_ = w.Write(idx)
	w.Flush()
	if strings.TrimSpace(strings.ReplaceAll(b.String(), ",", "")) == "" {
		return formatError("file is empty: the first row must be the header")
	}
	rd, err := csvfile.NewReader(&b, Fields())
	if err != nil {
		return err
	}
	rec, err := rd.Next()
	if err != nil {
		return fmt.Errorf("ratings: map header: %w", err)
	}
	x.col = make(map[string]int)
	for _, f := range Fields() {
		if rd.Has(f.Name) {
			i, _ := strconv.Atoi(rec.Get(f.Name))
			x.col[f.Name] = i
		}
	}
	return nil
}

func (x *xlsxRows) next() (fileRow, error) {
	for x.rows.Next() {
		x.row++
		cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return fileRow{}, &csvfile.FormatError{Line: x.row, Msg: err.Error()}
		}
		if blankCells(cells) {
			continue
		}
		get := func(name string) string {
			i, ok := x.col[name]
			if !ok || i >= len(cells) {
				return ""
			}
			return strings.TrimSpace(cells[i])
		}
		in := inputOf(get)
		in.RatedAt = x.serialTime(in.RatedAt)
		return fileRow{line: x.row, in: in}, nil
	}
	if err := x.rows.Error(); err != nil {
		return fileRow{}, &csvfile.FormatError{Line: x.row, Msg: err.Error()}
	}
	return fileRow{}, io.EOF
}

// serialTime turns a date cell's serial number into the wall-clock time it
// shows, in the center's zone, as RFC 3339 with that zone's offset; any
// other value is left for ParseTime.
func (x *xlsxRows) serialTime(v string) string {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n <= 0 || strings.ContainsAny(v, "-/: ") {
		return v
	}
	t, err := excelize.ExcelDateToTime(n, x.date1904)
	if err != nil {
		return v
	}
	t = t.Round(time.Second)
	local := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, x.loc)
	return local.Format(time.RFC3339)
}

func (x *xlsxRows) Close() error {
	var err error
	if x.rows != nil {
		err = x.rows.Close()
	}
	if x.f != nil {
		if cerr := x.f.Close(); err == nil {
			err = cerr
		}
	}
	if cerr := x.rc.Close(); err == nil {
		err = cerr
	}
	return err
}

func blankCells(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
