package csvfile_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kaoping/kaoping/app/csvfile"
)

func gb18030(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode GB18030: %v", err)
	}
	return b
}

func TestDecode(t *testing.T) {
	t.Parallel()
	const text = "工号,姓名\r\nS001,张伟\r\nS002,王喆\r\nS003,李堃\r\nS004,赵赟\r\nS005,吉𠮷\r\n"
	// A GB18030 file whose first 100 KB are ASCII: detection must look past them.
	longASCII := strings.Repeat("S0000,ascii only line\n", 5000) + "S9999,张伟\n"
	tests := []struct {
		name    string
		in      []byte
		enc     string
		want    string
		wantEnc string
	}{
		{"utf-8 with BOM", append([]byte("\xEF\xBB\xBF"), text...), "auto", text, "utf-8"},
		{"utf-8 without BOM", []byte(text), "auto", text, "utf-8"},
		{"empty", nil, "auto", "", "utf-8"},
		{"ascii", []byte("a,b\n1,2\n"), "", "a,b\n1,2\n", "utf-8"},
		{"gb18030 auto", gb18030(t, text), "auto", text, "gb18030"},
		{"gb18030 after ascii lines", gb18030(t, longASCII), "auto", longASCII, "gb18030"},
		{"gb18030 explicit", gb18030(t, text), "gb18030", text, "gb18030"},
		{"gbk alias", gb18030(t, text), "GBK", text, "gb18030"},
		{"utf-8 explicit with BOM", append([]byte("\xEF\xBB\xBF"), text...), "UTF-8", text, "utf-8"},
		{"utf8 alias", []byte(text), "utf8", text, "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, enc, err := csvfile.Decode(bytes.NewReader(tt.in), tt.enc)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Decode text = %q, want %q", truncate(string(got)), truncate(tt.want))
			}
			if enc != tt.wantEnc {
				t.Errorf("Decode encoding = %q, want %q", enc, tt.wantEnc)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       []byte
		enc      string
		wantMsg  string
		wantLine int
	}{
		{"utf-16 le", []byte("\xFF\xFEa\x00,\x00b\x00"), "auto", "file is UTF-16; save as CSV UTF-8 or GB18030", 0},
		{"utf-16 be", []byte("\xFE\xFF\x00a\x00,\x00b"), "utf-8", "file is UTF-16; save as CSV UTF-8 or GB18030", 0},
		{"xlsx", []byte("PK\x03\x04\x14\x00\x06\x00"), "auto", "Excel workbook", 0},
		{"gb bytes declared utf-8", gb18030(t, "工号\nS001\n张伟\n"), "utf-8", "not valid UTF-8", 1},
		{"gb bytes on line 3 declared utf-8", append([]byte("a\nb\n"), gb18030(t, "张伟")...), "utf-8", "not valid UTF-8", 3},
		{"neither encoding", []byte("a,b\n1,2\n\xFF\xFF\xFF\n"), "auto", "neither UTF-8 nor GB18030", 3},
		{"utf-8 BOM declared gb18030", []byte("\xEF\xBB\xBFa,b\n"), "gb18030", "byte order mark", 0},
		{"utf-8 BOM then gb bytes", append([]byte("\xEF\xBB\xBFa,b\n"), gb18030(t, "张伟")...), "auto", "not valid UTF-8", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := csvfile.Decode(bytes.NewReader(tt.in), tt.enc)
			if !errors.Is(err, csvfile.ErrFormat) {
				t.Fatalf("Decode error = %v, want ErrFormat", err)
			}
			var fe *csvfile.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode error %T is not *FormatError", err)
			}
			if !strings.Contains(fe.Msg, tt.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", fe.Msg, tt.wantMsg)
			}
			if fe.Line != tt.wantLine {
				t.Errorf("line = %d, want %d", fe.Line, tt.wantLine)
			}
		})
	}
	if _, _, err := csvfile.Decode(strings.NewReader("a"), "big5"); !errors.Is(err, csvfile.ErrEncoding) || errors.Is(err, csvfile.ErrFormat) {
		t.Errorf("Decode with unknown encoding: err = %v, want ErrEncoding", err)
	}
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func staffFields() []csvfile.Field {
	return []csvfile.Field{
		{Name: "staff_no", Aliases: []string{"工号"}, Required: true},
		{Name: "name", Aliases: []string{"姓名"}, Required: true},
		{Name: "channels", Aliases: []string{"渠道", "channel"}},
		{Name: "active", Aliases: []string{"状态"}},
	}
}

type row struct {
	line                    int
	staffNo, name, channels string
}

func readAll(t *testing.T, in string) []row {
	t.Helper()
	r, err := csvfile.NewReader(strings.NewReader(in), staffFields())
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []row
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row{rec.Line, rec.Get("staff_no"), rec.Get("name"), rec.Get("channels")})
	}
}

func TestReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []row
	}{
		{
			name: "chinese headers",
			in:   "工号,姓名,渠道\nS001,张伟,窗口\nS002,王芳,线上\n",
			want: []row{{2, "S001", "张伟", "窗口"}, {3, "S002", "王芳", "线上"}},
		},
		{
			name: "english headers in another order with unknown columns",
			in:   "Remark,Channel,NAME,Staff_No\nx,online,Zhang Wei,S001\n",
			want: []row{{2, "S001", "Zhang Wei", "online"}},
		},
		{
			name: "full-width and padded headers",
			in:   "　ｓｔａｆｆ＿ｎｏ , 姓名　\nS001,张伟\n",
			want: []row{{2, "S001", "张伟", ""}},
		},
		{
			name: "utf-8 BOM",
			in:   "\xEF\xBB\xBF工号,姓名\nS001,张伟\n",
			want: []row{{2, "S001", "张伟", ""}},
		},
		{
			name: "CRLF",
			in:   "工号,姓名,渠道\r\nS001,张伟,窗口\r\nS002,王芳,线上\r\n",
			want: []row{{2, "S001", "张伟", "窗口"}, {3, "S002", "王芳", "线上"}},
		},
		{
			name: "bare CR",
			in:   "工号,姓名\rS001,张伟\rS002,王芳\r",
			want: []row{{2, "S001", "张伟", ""}, {3, "S002", "王芳", ""}},
		},
		{
			name: "semicolon",
			in:   "工号;姓名;渠道\nS001;张伟;\"窗口,线上\"\n",
			want: []row{{2, "S001", "张伟", "窗口,线上"}},
		},
		{
			name: "tab",
			in:   "工号\t姓名\t渠道\nS001\t张伟\t窗口;线上\n",
			want: []row{{2, "S001", "张伟", "窗口;线上"}},
		},
		{
			name: "quoted cells spanning lines",
			in:   "工号,姓名,渠道\r\nS001,\"张\r\n伟\",窗口\r\nS002,王芳,\"线上\r\n\r\n热线\"\r\nS003,李娜,热线\r\n",
			want: []row{{2, "S001", "张\n伟", "窗口"}, {4, "S002", "王芳", "线上\n\n热线"}, {7, "S003", "李娜", "热线"}},
		},
		{
			name: "blank and empty-cell rows skipped",
			in:   "工号,姓名,渠道\n\nS001,张伟,窗口\n,,\n , ,　\nS002,王芳,线上\n",
			want: []row{{3, "S001", "张伟", "窗口"}, {6, "S002", "王芳", "线上"}},
		},
		{
			name: "ragged rows",
			in:   "工号,姓名,渠道\nS001,张伟\nS002\nS003,李娜,热线,extra,cells\n",
			want: []row{{2, "S001", "张伟", ""}, {3, "S002", "", ""}, {4, "S003", "李娜", "热线"}},
		},
		{
			name: "cells trimmed",
			in:   "工号,姓名\n  S001 ,　张伟　\n",
			want: []row{{2, "S001", "张伟", ""}},
		},
		{
			name: "header only",
			in:   "工号,姓名\n",
			want: nil,
		},
		{
			name: "rare characters",
			in:   "工号,姓名\nS001,王喆\nS002,李堃\nS003,赵赟\nS004,吉𠮷\n",
			want: []row{{2, "S001", "王喆", ""}, {3, "S002", "李堃", ""}, {4, "S003", "赵赟", ""}, {5, "S004", "吉𠮷", ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAll(t, tt.in)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d rows %v, want %d %v", len(got), got, len(tt.want), tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("row %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestReaderGB18030(t *testing.T) {
	t.Parallel()
	text := "工号,姓名,渠道\r\nS001,吉𠮷,窗口\r\nS002,王喆,\"线上\r\n热线\"\r\nS003,李堃,热线\r\n"
	dec, enc, err := csvfile.Decode(bytes.NewReader(gb18030(t, text)), "auto")
	if err != nil {
		t.Fatal(err)
	}
	if enc != "gb18030" {
		t.Errorf("encoding = %q, want gb18030", enc)
	}
	b, _ := io.ReadAll(dec)
	got := readAll(t, string(b))
	want := []row{{2, "S001", "吉𠮷", "窗口"}, {3, "S002", "王喆", "线上\n热线"}, {5, "S003", "李堃", "热线"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestReaderHas(t *testing.T) {
	t.Parallel()
	r, err := csvfile.NewReader(strings.NewReader("姓名,工号,状态\n"), staffFields())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"staff_no": true, "name": true, "active": true, "channels": false} {
		if got := r.Has(name); got != want {
			t.Errorf("Has(%q) = %v, want %v", name, got, want)
		}
	}
	if got := r.Header("active"); got != "状态" {
		t.Errorf(`Header("active") = %q, want "状态"`, got)
	}
}

func TestReaderHeaderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         string
		wantMsg    string
		wantColumn string
	}{
		{"missing required", "姓名,渠道\n张伟,窗口\n", "missing column 工号 (staff_no)", "staff_no"},
		{"missing two", "渠道\n窗口\n", "missing column 工号 (staff_no), 姓名 (name)", "staff_no"},
		{"duplicate by alias", "工号,姓名,staff_no\n", "duplicate column 工号 (staff_no): columns 1 (工号) and 3 (staff_no)", "staff_no"},
		{"duplicate by two aliases", "工号,姓名,渠道,channel\n", "duplicate column 渠道 (channels)", "channels"},
		{"empty file", "", "file is empty", ""},
		{"only a BOM", "\xEF\xBB\xBF", "file is empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := csvfile.NewReader(strings.NewReader(tt.in), staffFields())
			var fe *csvfile.FormatError
			if !errors.As(err, &fe) || !errors.Is(err, csvfile.ErrFormat) {
				t.Fatalf("NewReader error = %v, want *FormatError", err)
			}
			if !strings.Contains(fe.Msg, tt.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", fe.Msg, tt.wantMsg)
			}
			if fe.Column != tt.wantColumn {
				t.Errorf("column = %q, want %q", fe.Column, tt.wantColumn)
			}
		})
	}
}

func TestReaderFieldsMisconfigured(t *testing.T) {
	t.Parallel()
	fields := []csvfile.Field{{Name: "a", Aliases: []string{"x"}}, {Name: "b", Aliases: []string{"X"}}}
	_, err := csvfile.NewReader(strings.NewReader("x\n"), fields)
	if err == nil || errors.Is(err, csvfile.ErrFormat) {
		t.Fatalf("NewReader with clashing aliases: err = %v, want a programming error", err)
	}
}

func TestReaderQuoteErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		wantLine int
		wantMsg  string
	}{
		{"bare quote", "工号,姓名\nS001,张伟\nS002,王\"芳\n", 3, "引号位置不对"},
		{"unterminated quote", "工号,姓名\r\nS001,张伟\r\nS002,\"王芳\r\nS003,李娜\r\n", 3, "引号不成对"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := csvfile.NewReader(strings.NewReader(tt.in), staffFields())
			if err != nil {
				t.Fatal(err)
			}
			for {
				_, err = r.Next()
				if err != nil {
					break
				}
			}
			var fe *csvfile.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Next error = %v, want *FormatError", err)
			}
			if fe.Line != tt.wantLine || !strings.Contains(fe.Msg, tt.wantMsg) {
				t.Errorf("error = line %d %q, want line %d containing %q", fe.Line, fe.Msg, tt.wantLine, tt.wantMsg)
			}
		})
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestReaderReadError(t *testing.T) {
	t.Parallel()
	errDisk := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("工号,姓名\nS001,张伟\n"), failingReader{errDisk})
	_, err := csvfile.NewReader(r, staffFields())
	if !errors.Is(err, errDisk) || errors.Is(err, csvfile.ErrFormat) {
		t.Errorf("NewReader over a failing reader = %v, want the read error", err)
	}
}
