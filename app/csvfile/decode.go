// Package csvfile reads spreadsheets that people export and upload: it
// guesses the text encoding (UTF-8 with or without BOM, or the GB18030/GBK
// that Excel on Chinese Windows writes), maps header names in Chinese or
// English onto fields, and reports problems with the physical line number a
// user sees in a text editor.
package csvfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// Encodings understood by Decode.
const (
	Auto    = "auto"
	UTF8    = "utf-8"
	GB18030 = "gb18030"
)

// ErrEncoding is matched (errors.Is) by the error Decode returns for an
// encoding name it does not know — the caller's mistake, not the file's.
var ErrEncoding = errors.New("csvfile: unknown encoding")

// ErrFormat is matched (errors.Is) by every error that is the file's fault
// rather than the reader's: wrong encoding, missing or duplicate columns,
// broken quoting. Such errors are *FormatError values.
var ErrFormat = errors.New("csvfile: malformed file")

// FormatError says what is wrong with the file and where. Its Error text is
// meant for the person who uploaded the file.
type FormatError struct {
	Line   int    // 1-based physical line; 0 when the whole file is concerned
	Column string // field name concerned, if any
	Msg    string
}

func (e *FormatError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is reports whether target is ErrFormat.
func (e *FormatError) Is(target error) bool { return target == ErrFormat }

// Signatures at the start of a file. Constants rather than byte-slice
// variables, so nothing at package level can be changed.
const (
	bomUTF8    = "\xEF\xBB\xBF"
	bomUTF16LE = "\xFF\xFE"
	bomUTF16BE = "\xFE\xFF"
	magicZip   = "PK\x03\x04"                       // .xlsx, .ods
	magicOLE   = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" // legacy .xls
)

// Decode reads all of r and returns it as UTF-8 text without a byte order
// mark, together with the encoding it was in ("utf-8" or "gb18030").
//
// enc is "auto" (or ""), "utf-8" or "gb18030" ("utf8" and "gbk" are
// accepted too; GBK is a subset of GB18030). Auto uses UTF-8 when the whole
// input is valid UTF-8 and GB18030 otherwise; it must see the whole input
// because a GB18030 file often starts with ASCII-only lines. UTF-16 files and
// Excel workbooks are refused with an error that says how to save the file.
func Decode(r io.Reader, enc string) (io.Reader, string, error) {
	enc, err := normalizeEncoding(enc)
	if err != nil {
		return nil, "", err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, "", fmt.Errorf("csvfile: read: %w", err)
	}
	switch {
	case bytes.HasPrefix(data, []byte(bomUTF16LE)), bytes.HasPrefix(data, []byte(bomUTF16BE)):
		return nil, "", &FormatError{Msg: "file is UTF-16; save as CSV UTF-8 or GB18030"}
	case bytes.HasPrefix(data, []byte(magicZip)), bytes.HasPrefix(data, []byte(magicOLE)):
		return nil, "", &FormatError{Msg: "file is an Excel workbook, not CSV; save as CSV UTF-8 or GB18030"}
	}
	hasBOM := bytes.HasPrefix(data, []byte(bomUTF8))

	if enc == Auto {
		if hasBOM || utf8.Valid(data) { // a BOM declares UTF-8: report its bad bytes by line
			enc = UTF8
		} else {
			enc = GB18030
		}
	}
	if enc == UTF8 {
		data = bytes.TrimPrefix(data, []byte(bomUTF8))
		if !utf8.Valid(data) {
			return nil, "", &FormatError{Line: invalidUTF8Line(data), Msg: "text is not valid UTF-8; choose GB18030 or automatic detection"}
		}
		return bytes.NewReader(data), UTF8, nil
	}

	// GB18030 chosen explicitly, or auto with bytes that are not UTF-8.
	if hasBOM {
		return nil, "", &FormatError{Msg: "file starts with a UTF-8 byte order mark, so it is not GB18030; choose UTF-8 or automatic detection"}
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return nil, "", &FormatError{Msg: "text is not valid GB18030: " + err.Error()}
	}
	// The decoder turns undecodable bytes into U+FFFD; a real GB18030 file
	// practically never contains that character, so it means the file is in
	// some third encoding (Big5, UTF-16 without BOM, binary…).
	if i := bytes.IndexRune(out, utf8.RuneError); i >= 0 {
		return nil, "", &FormatError{Line: 1 + bytes.Count(out[:i], []byte{'\n'}), Msg: "text is neither UTF-8 nor GB18030; save as CSV UTF-8"}
	}
	return bytes.NewReader(out), GB18030, nil
}

func normalizeEncoding(enc string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", Auto:
		return Auto, nil
	case UTF8, "utf8":
		return UTF8, nil
	case GB18030, "gbk", "gb2312":
		return GB18030, nil
	}
	return "", fmt.Errorf("%w %q (expected auto, utf-8 or gb18030)", ErrEncoding, enc)
}

// invalidUTF8Line returns the 1-based line of the first invalid UTF-8 byte.
func invalidUTF8Line(data []byte) int {
	line := 1
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n == 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[n:]
	}
	return line
}
