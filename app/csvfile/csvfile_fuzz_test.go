package csvfile_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kaoping/kaoping/app/csvfile"
)

// fuzzSeeds are files of the table tests: headers in both languages, BOM,
// CRLF and bare CR, other delimiters, quoted line breaks, blank rows,
// broken quotes, missing and duplicate columns.
var fuzzSeeds = []string{
	"工号,姓名,渠道\nS001,张伟,窗口\nS002,王芳,线上\n",
	"Remark,Channel,NAME,Staff_No\nx,online,Zhang Wei,S001\n",
	"　ｓｔａｆｆ＿ｎｏ , 姓名　\nS001,张伟\n",
	"\xEF\xBB\xBF工号,姓名\nS001,张伟\n",
	"工号,姓名,渠道\r\nS001,张伟,窗口\r\nS002,王芳,线上\r\n",
	"工号,姓名\rS001,张伟\rS002,王芳\r",
	"工号;姓名;渠道\nS001;张伟;\"窗口,线上\"\n",
	"工号\t姓名\t渠道\nS001\t张伟\t窗口;线上\n",
	"工号,姓名,渠道\r\nS001,\"张\r\n伟\",窗口\r\nS002,王芳,\"线上\r\n\r\n热线\"\r\nS003,李娜,热线\r\n",
	"工号,姓名,渠道\n\nS001,张伟,窗口\n,,\n , ,　\nS002,王芳,线上\n",
	"工号,姓名,渠道\nS001,张伟\nS002\nS003,李娜,热线,extra,cells\n",
	"工号,姓名\n  S001 ,　张伟　\n",
	"工号,姓名\nS001,王喆\nS002,李堃\nS003,赵赟\nS004,吉𠮷\n",
	"姓名,渠道\n张伟,窗口\n", "工号,姓名,staff_no\n", "", "\xEF\xBB\xBF",
	"工号,姓名\nS001,张伟\nS002,王\"芳\n", "工号,姓名\r\nS001,张伟\r\nS002,\"王芳\r\nS003,李娜\r\n",
	"\xFF\xFE工\x00号\x00", "PK\x03\x04", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
}

// FuzzDecode: Decode never panics; a file it cannot take is a *FormatError
// (ErrFormat) whose line is in the file; what it decodes is UTF-8; valid
// UTF-8 comes back unchanged (less the BOM) under auto; and
// decoded text encoded as GB18030 decodes back to itself.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		for enc := range uint8(4) {
			f.Add([]byte(s), enc)
		}
	}
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(fuzzSeeds[0]))
	f.Add(gb, uint8(0))
	f.Add(gb, uint8(2))
	f.Add([]byte("\ue40d"), uint8(0)) // private use: skipped by the round trip
	encodings := []string{csvfile.Auto, csvfile.UTF8, csvfile.GB18030, "gbk"}
	f.Fuzz(func(t *testing.T, data []byte, e uint8) {
		enc := encodings[int(e)%len(encodings)]
		r, got, err := csvfile.Decode(bytes.NewReader(data), enc)
		if err != nil {
			checkFormatError(t, err, data)
			return
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(out) {
			t.Fatalf("Decode(%q, %s) = %q (%s): not UTF-8", data, enc, out, got)
		}
		if got != csvfile.UTF8 && got != csvfile.GB18030 {
			t.Fatalf("Decode reports encoding %q", got)
		}
		if enc == csvfile.Auto && utf8.Valid(data) {
			if want := bytes.TrimPrefix(data, []byte("\uFEFF")); got != csvfile.UTF8 || !bytes.Equal(out, want) {
				t.Fatalf("auto changed valid UTF-8 %q into %q (%s)", data, out, got)
			}
		}
		if bytes.ContainsRune(out, utf8.RuneError) || bytes.HasPrefix(out, []byte("PK\x03\x04")) || bytes.HasPrefix(out, []byte("\uFEFF")) {
			return // Decode refuses these in a GB18030 file, rightly
		}
		if bytes.ContainsFunc(out, func(r rune) bool { return unicode.Is(unicode.Co, r) }) {
			// Private-use characters: GB18030-2005 mapped some of them to
			// code points that GB18030-2022 gives to real characters, and
			// golang.org/x/text encodes U+E40D but decodes its bytes as
			// U+F421. No real spreadsheet has them.
			return
		}
		gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(out)
		if err != nil {
			return
		}
		r, _, err = csvfile.Decode(bytes.NewReader(gb), csvfile.GB18030)
		if err != nil {
			t.Fatalf("%q as GB18030 does not decode: %v", out, err)
		}
		back, _ := io.ReadAll(r)
		if !bytes.Equal(back, out) {
			t.Fatalf("GB18030 round trip: %q became %q", out, back)
		}
	})
}

// checkFormatError fails unless err is a *FormatError matching ErrFormat
// whose line is 0 (the whole file) or one of data's lines.
func checkFormatError(t *testing.T, err error, data []byte) {
	t.Helper()
	var fe *csvfile.FormatError
	if !errors.As(err, &fe) || !errors.Is(err, csvfile.ErrFormat) || fe.Msg == "" {
		t.Fatalf("error %T %v is not a *FormatError", err, err)
	}
	if fe.Line < 0 || fe.Line > physicalLines(string(data)) {
		t.Fatalf("error at line %d of a %d-line file: %v", fe.Line, physicalLines(string(data)), err)
	}
}

// physicalLines counts lines as an editor does: LF, CRLF and bare CR all
// end one.
func physicalLines(s string) int {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Count(strings.ReplaceAll(s, "\r", "\n"), "\n") + 1
}

// FuzzReader: NewReader and Next never panic; problems are *FormatError
// (ErrFormat) at a line of the file; records come in line order, each at a
// line of the file, with trimmed cells; and the records written back as CSV
// read back to the same cells.
func FuzzReader(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	fields := staffFields()
	f.Fuzz(func(t *testing.T, in string) {
		recs, err := readRecords(in, fields)
		if err != nil {
			checkFormatError(t, err, []byte(in))
			return
		}
		last := 1
		for _, r := range recs {
			if r.line <= last || r.line > physicalLines(in) {
				t.Fatalf("record at line %d after line %d in a %d-line file", r.line, last, physicalLines(in))
			}
			last = r.line
			for i, v := range r.cells {
				if v != strings.TrimSpace(v) {
					t.Fatalf("cell %s = %q is not trimmed", fields[i].Name, v)
				}
			}
		}

		// Write what was read as a canonical file and read it again.
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		head := make([]string, len(fields))
		for i, fl := range fields {
			head[i] = fl.Name
		}
		_ = w.Write(head)
		var want [][]string
		for _, r := range recs {
			if strings.Contains(strings.Join(r.cells, ""), "\r") {
				return // encoding/csv reads a quoted CR LF back as LF
			}
			if strings.Join(r.cells, "") == "" {
				continue // only unknown columns had text: a blank row now
			}
			_ = w.Write(r.cells)
			want = append(want, r.cells)
		}
		w.Flush()
		again, err := readRecords(buf.String(), fields)
		if err != nil {
			t.Fatalf("re-read of the written records: %v\n%q", err, buf.String())
		}
		var got [][]string
		for _, r := range again {
			got = append(got, r.cells)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("written records read back differently:\n got  %q\n want %q\nfile %q", got, want, buf.String())
		}
	})
}

type fuzzRecord struct {
	line  int
	cells []string // Get of each field, in field order
}

func readRecords(in string, fields []csvfile.Field) ([]fuzzRecord, error) {
	r, err := csvfile.NewReader(strings.NewReader(in), fields)
	if err != nil {
		return nil, err
	}
	var out []fuzzRecord
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		fr := fuzzRecord{line: rec.Line}
		for _, fl := range fields {
			fr.cells = append(fr.cells, rec.Get(fl.Name))
		}
		out = append(out, fr)
	}
}
