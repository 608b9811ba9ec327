package ratings_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kaoping/kaoping/app/csvfile"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/store/storetest"
)

func opener(b []byte) ratings.Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func (f *fixture) importFile(tb testing.TB, name string, data []byte, opt ratings.FileOptions) (*ratings.FileResult, error) {
	tb.Helper()
	return f.svc.ImportFile(context.Background(), f.center.ID, name, opener(data), opt)
}

// mixedCSV has Chinese headers in an unusual order, a quoted comment over
// three physical lines, a local time and a UTC time either side of midnight
// in Shanghai, and one bad row on physical line 7.
const mixedCSV = "渠道,评价编号,评价时间,工号,评价等级,评价内容,评价原因\n" +
	"窗口,F1,2026-06-30 23:50,1001,满意,\"第一行\n第二行，有逗号\n第三行\",态度好；效率高\n" + // lines 2–4
	"热线,F2,2026-06-30T16:30:00Z,1002,2,太慢,\n" + // line 5
	"\n" + // line 6, blank
	"网上,F3,昨天,9999,6,,\n" + // line 7: rated_at, staff_no, level
	"一网通办,F4,2026/6/29 9:05,1001,非常满意,,\n" // line 8

func TestImportFileCSV(t *testing.T) {
	f := newFixture(t)

	t.Run("refused whole", func(t *testing.T) {
		res, err := f.importFile(t, "r.csv", []byte(mixedCSV), ratings.FileOptions{})
		if !errors.Is(err, ratings.ErrRefused) {
			t.Fatalf("err = %v, want ErrRefused", err)
		}
		var got []string
		for _, e := range res.Errors {
			got = append(got, fmt.Sprintf("%d:%s", e.Line, e.Field))
		}
		if want := "7:rated_at 7:staff_no 7:level"; strings.Join(got, " ") != want {
			t.Errorf("errors = %v, want %s", got, want)
		}
		if res.Rejected != 1 || res.Imported != 0 || res.Rows != 4 {
			t.Errorf("result = %+v", res)
		}
		if n := f.count(t); n != 0 {
			t.Errorf("%d ratings stored after a refused file, want 0", n)
		}
	})

	t.Run("skip invalid", func(t *testing.T) {
		res, err := f.importFile(t, "/some/dir/r.csv", []byte(mixedCSV), ratings.FileOptions{SkipInvalid: true, ChunkSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported != 3 || res.Duplicates != 0 || res.Rejected != 1 || len(res.Errors) != 3 {
			t.Errorf("result = %+v", res)
		}
		r1 := f.stored(t, "F1")
		if r1.PeriodDate != "2026-06-30" || !r1.RatedAt.Equal(storetest.At(t, "2026-06-30 23:50:00")) {
			t.Errorf("F1 (local time) = %s period %s, want 2026-06-30 23:50 Shanghai, period 2026-06-30", r1.RatedAt, r1.PeriodDate)
		}
		if r1.Comment != "第一行\n第二行，有逗号\n第三行" || r1.Source != "file:r.csv" || r1.Level != 4 {
			t.Errorf("F1 = %+v", r1)
		}
		if r2 := f.stored(t, "F2"); r2.PeriodDate != "2026-07-01" || r2.Level != 2 || r2.Channel != "hotline" {
			t.Errorf("F2 (UTC offset) period %s, want 2026-07-01; %+v", r2.PeriodDate, r2)
		}
	})

	t.Run("re-import is all duplicates", func(t *testing.T) {
		res, err := f.importFile(t, "r.csv", []byte(mixedCSV), ratings.FileOptions{SkipInvalid: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported != 0 || res.Duplicates != 3 || res.Rejected != 1 {
			t.Errorf("result = %+v, want 0 imported, 3 duplicates, 1 rejected", res)
		}
		if n := f.count(t); n != 3 {
			t.Errorf("%d ratings stored, want 3", n)
		}
	})
}

func TestImportFileDuplicatesInFile(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	b.WriteString("external_id,rated_at,channel,staff_no,level\n")
	for i := range 7 {
		fmt.Fprintf(&b, "D%d,2026-06-30 10:00,offline,1001,5\n", i%4) // D0 D1 D2 D3 D0 D1 D2
	}
	res, err := f.importFile(t, "d.csv", []byte(b.String()), ratings.FileOptions{ChunkSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 4 || res.Duplicates != 3 || res.Rejected != 0 || res.Rows != 7 {
		t.Errorf("result = %+v, want 4 imported, 3 duplicates", res)
	}
}

func TestImportFileEncodings(t *testing.T) {
	const text = "评价编号,评价时间,渠道,工号,评价等级,评价原因\nE1,2026-06-30 10:00,窗口,1001,基本满意,等待时间长、态度一般\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, data, enc, wantEnc string
	}{
		{"utf-8", text, "", csvfile.UTF8},
		{"utf-8 BOM", "\xEF\xBB\xBF" + text, "auto", csvfile.UTF8},
		{"gb18030 detected", gb, "auto", csvfile.GB18030},
		{"gb18030 forced", gb, "gbk", csvfile.GB18030},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			res, err := f.importFile(t, "e.csv", []byte(tc.data), ratings.FileOptions{Encoding: tc.enc})
			if err != nil {
				t.Fatal(err)
			}
			if res.Encoding != tc.wantEnc || res.Imported != 1 {
				t.Errorf("result = %+v, want encoding %s, 1 imported", res, tc.wantEnc)
			}
			r := f.stored(t, "E1")
			if got := strings.Join(r.Reasons, "|"); got != "等待时间长|态度一般" || r.Level != 3 {
				t.Errorf("E1 reasons %q level %d", got, r.Level)
			}
		})
	}
}

func TestImportFileBadFiles(t *testing.T) {
	gb, _ := simplifiedchinese.GB18030.NewEncoder().String("评价编号,评价时间,渠道,工号,评价等级\nE1,2026-06-30,窗口,1001,5\n")
	cases := []struct {
		name, file, data, enc string
		want                  error
		msg                   string
	}{
		{"empty", "a.csv", "", "", csvfile.ErrFormat, "empty"},
		{"binary", "a.csv", "external_id\x00\x01\x02", "", csvfile.ErrFormat, "binary"},
		{"utf-16", "a.csv", "\xFF\xFEe\x00x\x00", "", csvfile.ErrFormat, "UTF-16"},
		{"workbook named csv", "a.csv", "PK\x03\x04rest", "", csvfile.ErrFormat, "workbook"},
		{"gb18030 forced as utf-8", "a.csv", gb, "utf-8", csvfile.ErrFormat, "UTF-8"},
		{"missing column", "a.csv", "评价编号,渠道\nX,窗口\n", "", csvfile.ErrFormat, "评价时间"},
		{"broken quote", "a.csv", "external_id,rated_at,channel,staff_no,level\n\"X,2026-06-30,offline,1001,5\n", "", csvfile.ErrFormat, "line 2"},
		{"unknown encoding", "a.csv", "x", "latin1", csvfile.ErrEncoding, "latin1"},
		{"other extension", "a.json", "{}", "", ratings.ErrFileType, ".json"},
		{"not a workbook", "a.xlsx", "hello", "", csvfile.ErrFormat, "XLSX"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.importFile(t, tc.file, []byte(tc.data), ratings.FileOptions{Encoding: tc.enc})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v mentioning %q", err, tc.want, tc.msg)
			}
			if n := f.count(t); n != 0 {
				t.Errorf("%d ratings stored, want 0", n)
			}
		})
	}
}

// serial is t's wall clock as a spreadsheet serial number.
func serial(t time.Time, date1904 bool) float64 {
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	return wall.Sub(epoch).Hours() / 24
}

func makeXLSX(tb testing.TB, date1904 bool) []byte {
	tb.Helper()
	x := excelize.NewFile()
	defer x.Close()
	if date1904 {
		v := true
		if err := x.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &v}); err != nil {
			tb.Fatal(err)
		}
	}
	const sh = "Sheet1"
	set := func(cell string, v any) {
		if err := x.SetCellValue(sh, cell, v); err != nil {
			tb.Fatal(err)
		}
	}
	for i, h := range []string{"工号", "评价等级", "评价时间", "评价编号", "渠道", "评价内容"} {
		c, _ := excelize.CoordinatesToCellName(i+1, 1)
		set(c, h)
	}
	// Row 2: a date cell (serial number with a date format), staff number
	// and level stored as text.
	set("A2", "1001")
	set("B2", "4")
	if err := x.SetCellFloat(sh, "C2", serial(time.Date(2026, 6, 30, 23, 50, 0, 0, time.UTC), date1904), -1, 64); err != nil {
		tb.Fatal(err)
	}
	style, err := x.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm
	if err != nil {
		tb.Fatal(err)
	}
	if err := x.SetCellStyle(sh, "C2", "C2", style); err != nil {
		tb.Fatal(err)
	}
	set("D2", "X1")
	set("E2", "窗口")
	set("F2", "多行\n评论")
	// Row 3 is empty; row 4: numbers as numbers, time as text with offset.
	set("A4", 1002)
	set("B4", 1)
	set("C4", "2026-06-30T16:30:00Z")
	set("D4", 12345)
	set("E4", "12345")
	// Row 5: bad.
	set("A5", "9999")
	set("B5", 3)
	set("C5", "2026-06-30 10:00")
	set("D5", "X3")
	set("E5", "热线")
	buf, err := x.WriteToBuffer()
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportFileXLSX(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		t.Run(fmt.Sprintf("date1904=%v", date1904), func(t *testing.T) {
			f := newFixture(t)
			data := makeXLSX(t, date1904)
			res, err := f.importFile(t, "r.xlsx", data, ratings.FileOptions{})
			if !errors.Is(err, ratings.ErrRefused) {
				t.Fatalf("err = %v, want ErrRefused", err)
			}
			if len(res.Errors) != 1 || res.Errors[0].Line != 5 || res.Errors[0].Field != "staff_no" {
				t.Fatalf("errors = %+v, want one on row 5 staff_no", res.Errors)
			}
			if n := f.count(t); n != 0 {
				t.Fatalf("%d stored after refusal", n)
			}
			res, err = f.importFile(t, "r.xlsx", data, ratings.FileOptions{SkipInvalid: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Imported != 2 || res.Rejected != 1 || res.Format != "xlsx" {
				t.Errorf("result = %+v", res)
			}
			r1 := f.stored(t, "X1")
			if !r1.RatedAt.Equal(storetest.At(t, "2026-06-30 23:50:00")) || r1.PeriodDate != "2026-06-30" || r1.Level != 4 || r1.Comment != "多行\n评论" {
				t.Errorf("X1 = %s %s level %d comment %q", r1.RatedAt, r1.PeriodDate, r1.Level, r1.Comment)
			}
			if r2 := f.stored(t, "12345"); r2.PeriodDate != "2026-07-01" || r2.Level != 1 || r2.Channel != "hotline" || r2.StaffID != f.staffID(t, "1002") {
				t.Errorf("12345 = %+v", r2)
			}
		})
	}
}

// TestImportFileLetsOthersWrite imports tens of thousands of rows while
// another goroutine keeps storing single ratings through Ingest, as the
// rating feed does: SQLite has one writer at a time, and the import must
// not starve the others. Every write waits less than 2 s, and writes keep
// getting in between the import's transactions.
func TestImportFileLetsOthersWrite(t *testing.T) {
	f := newFixture(t)
	var b strings.Builder
	b.WriteString("评价编号,评价时间,渠道,事项编码,工号,评价等级,评价原因,评价内容\n")
	const rows = 40000
	for i := range rows {
		fmt.Fprintf(&b, "L%d,2026-06-%02d 10:%02d:00,窗口,310100-001,%d,%d,态度好；效率高,办事很快，工作人员耐心解释\n",
			i, 1+i%30, i%60, 1001+i%2, 1+i%5)
	}

	var inserting atomic.Bool // the import has committed its first rows
	stop := make(chan struct{})
	type feed struct {
		n       int             // writes
		during  []time.Duration // how long each write took while the import was inserting
		slowest time.Duration
		err     error
	}
	result := make(chan feed, 1)
	go func() {
		var fd feed
		defer func() { result <- fd }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			if _, fd.err = f.svc.Ingest(context.Background(), f.center.ID, []ratings.Input{good(fmt.Sprintf("FEED-%d", fd.n))}, ratings.SourceAPI); fd.err != nil {
				return
			}
			took := time.Since(start)
			fd.n++
			fd.slowest = max(fd.slowest, took)
			if inserting.Load() {
				fd.during = append(fd.during, took)
			}
		}
	}()
	start := time.Now()
	res, err := f.importFile(t, "big.csv", []byte(b.String()), ratings.FileOptions{Progress: func(p ratings.Progress) {
		inserting.Store(p.Phase == ratings.RunImporting)
	}})
	took := time.Since(start)
	close(stop)
	fd := <-result
	if err != nil {
		t.Fatal(err)
	}
	if fd.err != nil {
		t.Fatalf("a feed write failed during the import: %v", fd.err)
	}
	if res.Imported != rows {
		t.Errorf("imported %d, want %d", res.Imported, rows)
	}
	if fd.slowest > 2*time.Second {
		t.Errorf("a single write waited %v during the import, want < 2s", fd.slowest)
	}
	if len(fd.during) < 3 {
		t.Errorf("only %d single writes while the import was inserting (%v in all): the writers were starved", len(fd.during), took)
	} else {
		slices.Sort(fd.during)
		t.Logf("import of %d rows: %v; %d single writes meanwhile, %d of them while it was inserting (median %v, slowest %v)",
			rows, took.Round(time.Millisecond), fd.n, len(fd.during), fd.during[len(fd.during)/2].Round(time.Microsecond), fd.slowest.Round(time.Millisecond))
	}
	if n := f.count(t); n != rows+fd.n {
		t.Errorf("%d ratings stored, want %d", n, rows+fd.n)
	}
}
