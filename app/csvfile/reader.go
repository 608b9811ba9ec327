package csvfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Field describes one column a caller understands. The header cell matches
// when, after trimming, NFKC folding (full-width → half-width) and lower
// casing, it equals Name or one of Aliases exactly.
type Field struct {
	Name     string   // key for Record.Get, e.g. "staff_no"
	Aliases  []string // other header texts, e.g. "工号"; the first is shown in errors
	Required bool
}

// label is how errors name f: `工号 (staff_no)`.
func (f Field) label() string {
	for _, a := range f.Aliases {
		if normalizeHeader(a) != normalizeHeader(f.Name) {
			return a + " (" + f.Name + ")"
		}
	}
	return f.Name
}

// Reader reads records of a CSV file whose first row is a header, by field
// name rather than by position. Column order does not matter and unknown
// columns are ignored.
type Reader struct {
	csv    *csv.Reader
	col    map[string]int    // field name → column index
	header map[string]string // field name → header text as written in the file
}

// Record is one data row.
type Record struct {
	// Line is the physical 1-based line where the record starts; the header
	// is line 1. Quoted cells spanning lines and skipped blank rows are
	// accounted for, so it is the line a text editor shows.
	Line  int
	cells []string
	col   map[string]int
}

// Get returns the trimmed cell of the named field; "" when the column is
// absent or the row is shorter than the header.
func (r Record) Get(name string) string {
	i, ok := r.col[name]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

// peekSize bounds how much of the input is examined to find the header line.
const peekSize = 64 << 10

// NewReader reads the header row of r (UTF-8; use Decode first for files of
// unknown encoding; a UTF-8 BOM is skipped) and maps its columns onto fields.
// The delimiter is a comma, or a semicolon or tab when the header line has
// those and no comma. CRLF (Excel on Windows) and bare CR (old Excel on Mac)
// line endings work. Errors about the header are *FormatError values that
// name the column: `missing column 工号 (staff_no)`.
func NewReader(r io.Reader, fields []Field) (*Reader, error) {
	byKey, err := fieldKeys(fields)
	if err != nil {
		return nil, err
	}

	br := bufio.NewReaderSize(r, peekSize)
	peek, err := br.Peek(peekSize) // short for files under peekSize: io.EOF
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("csvfile: read: %w", err)
	}
	if bytes.HasPrefix(peek, []byte(bomUTF8)) {
		_, _ = br.Discard(len(bomUTF8))
		peek = peek[len(bomUTF8):]
	}
	var src io.Reader = br
	headerLine := peek
	if i := bytes.IndexByte(peek, '\n'); i >= 0 {
		headerLine = peek[:i]
	} else if i := bytes.IndexByte(peek, '\r'); i >= 0 {
		// Lines end in a bare CR, which encoding/csv keeps inside cells.
		headerLine = peek[:i]
		src = crToLF{br}
	}

	cr := csv.NewReader(src)
	cr.Comma = detectDelimiter(headerLine)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = false

	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &FormatError{Msg: "file is empty: the first line must be the header"}
	}
	if err != nil {
		return nil, readError(err)
	}

	rd := &Reader{csv: cr, col: make(map[string]int), header: make(map[string]string)}
	for i, cell := range head {
		f, ok := byKey[normalizeHeader(cell)]
		if !ok {
			continue
		}
		if j, dup := rd.col[f.Name]; dup {
			return nil, &FormatError{Line: 1, Column: f.Name, Msg: fmt.Sprintf(
				"duplicate column %s: columns %d (%s) and %d (%s)", f.label(), j+1, strings.TrimSpace(head[j]), i+1, strings.TrimSpace(cell))}
		}
		rd.col[f.Name] = i
		rd.header[f.Name] = strings.TrimSpace(cell)
	}
	var missing []string
	first := ""
	for _, f := range fields {
		if _, ok := rd.col[f.Name]; f.Required && !ok {
			missing = append(missing, f.label())
			if first == "" {
				first = f.Name
			}
		}
	}
	if len(missing) > 0 {
		return nil, &FormatError{Line: 1, Column: first, Msg: "missing column " + strings.Join(missing, ", ")}
	}
	return rd, nil
}

// Has reports whether the header had a column for the named field.
func (r *Reader) Has(name string) bool {
	_, ok := r.col[name]
	return ok
}

// Header returns the header text of the named field as written in the file,
// or "" when the column is absent.
func (r *Reader) Header(name string) string { return r.header[name] }

// Next returns the next record that has at least one non-blank cell, or
// io.EOF after the last. Broken quoting is a *FormatError with the line.
func (r *Reader) Next() (Record, error) {
	for {
		cells, err := r.csv.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return Record{}, io.EOF
			}
			return Record{}, readError(err)
		}
		if blank(cells) {
			continue
		}
		line, _ := r.csv.FieldPos(0)
		return Record{Line: line, cells: cells, col: r.col}, nil
	}
}

func fieldKeys(fields []Field) (map[string]Field, error) {
	byKey := make(map[string]Field)
	names := make(map[string]bool)
	for _, f := range fields {
		if f.Name == "" || names[f.Name] {
			return nil, fmt.Errorf("csvfile: field name %q is empty or repeated", f.Name)
		}
		names[f.Name] = true
		for _, k := range append([]string{f.Name}, f.Aliases...) {
			key := normalizeHeader(k)
			if other, ok := byKey[key]; ok && other.Name != f.Name {
				return nil, fmt.Errorf("csvfile: header %q is claimed by fields %q and %q", k, other.Name, f.Name)
			}
			byKey[key] = f
		}
	}
	return byKey, nil
}

// normalizeHeader folds a header cell for matching: NFKC (full-width → ASCII,
// U+3000 → space), trimmed, lower case.
func normalizeHeader(s string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
}

func detectDelimiter(headerLine []byte) rune {
	if bytes.IndexByte(headerLine, ',') >= 0 {
		return ','
	}
	semi, tab := bytes.Count(headerLine, []byte{';'}), bytes.Count(headerLine, []byte{'\t'})
	switch {
	case semi == 0 && tab == 0:
		return ','
	case tab > semi:
		return '\t'
	default:
		return ';'
	}
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readError turns an encoding/csv error into a *FormatError that a person
// can act on; other (I/O) errors are wrapped as they are.
func readError(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("csvfile: read: %w", err)
	}
	var msg string
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		msg = `引号位置不对 (a " inside a cell that does not start with a quote; quote the whole cell and double the inner quotes)`
	case errors.Is(pe.Err, csv.ErrQuote):
		msg = `引号不成对 (extraneous or missing " in a quoted cell)`
	default:
		msg = pe.Err.Error()
	}
	if pe.Line != pe.StartLine {
		msg += fmt.Sprintf(", found at line %d", pe.Line)
	}
	return &FormatError{Line: pe.StartLine, Msg: msg}
}

// crToLF rewrites bare CR line endings as LF. CR is a single byte in UTF-8
// and never part of a multi-byte sequence, so a byte-wise swap is safe.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := range p[:n] {
		if p[i] == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
