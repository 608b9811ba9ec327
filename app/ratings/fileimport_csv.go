package ratings

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/kaoping/kaoping/app/csvfile"
)

// sniffCSV reads the file once, as a stream, and decides its encoding the
// way csvfile.Decode does (auto: UTF-8 when the whole file is valid UTF-8 or
// starts with a BOM, GB18030 otherwise) without holding it in memory. Empty,
// binary (a NUL byte), UTF-16 and workbook files are refused with a
// *csvfile.FormatError that says what to do.
func sniffCSV(open Opener, enc string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", csvfile.Auto:
		enc = csvfile.Auto
	case csvfile.UTF8, "utf8":
		enc = csvfile.UTF8
	case csvfile.GB18030, "gbk", "gb2312":
		enc = csvfile.GB18030
	default:
		return "", fmt.Errorf("%w %q (expected auto, utf-8 or gb18030)", csvfile.ErrEncoding, enc)
	}
	rc, err := open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	head, err := br.Peek(8)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("ratings: read file: %w", err)
	}
	switch {
	case len(head) == 0:
		return "", formatError("file is empty: the first line must be the header")
	case bytes.HasPrefix(head, []byte("\xFF\xFE")), bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return "", formatError("file is UTF-16; save as CSV UTF-8 or GB18030")
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return "", formatError("file is an Excel workbook, not CSV; name it .xlsx or save as CSV UTF-8")
	}
	hasBOM := bytes.HasPrefix(head, []byte("\xEF\xBB\xBF"))

	line, badLine := 1, 0
	for {
		r, size, err := br.ReadRune()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("ratings: read file: %w", err)
		}
		switch {
		case r == 0:
			return "", &csvfile.FormatError{Line: line, Msg: "file is binary (NUL byte), not CSV text"}
		case r == '\n':
			line++
		case r == utf8.RuneError && size == 1 && badLine == 0:
			badLine = line
		}
	}
	if enc == csvfile.Auto {
		if hasBOM || badLine == 0 {
			enc = csvfile.UTF8
		} else {
			enc = csvfile.GB18030
		}
	}
	switch {
	case enc == csvfile.UTF8 && badLine > 0:
		return "", &csvfile.FormatError{Line: badLine, Msg: "text is not valid UTF-8; choose GB18030 or automatic detection"}
	case enc == csvfile.GB18030 && hasBOM:
		return "", formatError("file starts with a UTF-8 byte order mark, so it is not GB18030; choose UTF-8 or automatic detection")
	case enc == csvfile.GB18030:
		if err := checkGB18030(open); err != nil {
			return "", err
		}
	}
	return enc, nil
}

// checkGB18030 decodes the file as GB18030 and refuses it at the first
// undecodable byte: the decoder turns those into U+FFFD, which a real
// GB18030 file practically never contains, so it means a third encoding.
func checkGB18030(open Opener) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(transform.NewReader(rc, simplifiedchinese.GB18030.NewDecoder()), 64<<10)
	line := 1
	for {
		r, _, err := br.ReadRune()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &csvfile.FormatError{Line: line, Msg: "text is not valid GB18030: " + err.Error()}
		}
		switch r {
		case '\n':
			line++
		case utf8.RuneError:
			return &csvfile.FormatError{Line: line, Msg: "text is neither UTF-8 nor GB18030; save as CSV UTF-8"}
		}
	}
}

// csvRows reads the data rows of a CSV file in a known encoding.
type csvRows struct {
	rc io.ReadCloser
	rd *csvfile.Reader
}

func openCSV(open Opener, enc string) (rowSource, error) {
	rc, err := open()
	if err != nil {
		return nil, err
	}
	var r io.Reader = rc
	if enc == csvfile.GB18030 {
		r = transform.NewReader(rc, simplifiedchinese.GB18030.NewDecoder())
	}
	rd, err := csvfile.NewReader(r, Fields())
	if err != nil {
		rc.Close()
		return nil, err
	}
	return &csvRows{rc: rc, rd: rd}, nil
}

func (c *csvRows) next() (fileRow, error) {
	rec, err := c.rd.Next()
	if err != nil {
		return fileRow{}, err
	}
	return fileRow{line: rec.Line, in: inputOf(rec.Get)}, nil
}

func (c *csvRows) Close() error { return c.rc.Close() }
