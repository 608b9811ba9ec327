package ratings_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/csvfile"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/store/storetest"
)

// FuzzDecodeBatch: DecodeBatch never panics; what it refuses is a
// *BatchError (ErrInvalid) whose problems are ordered by index, and what it
// accepts re-encodes to a body that decodes to the same inputs.
func FuzzDecodeBatch(f *testing.F) {
	for _, s := range []string{
		`{"ratings":[{"external_id":"a","rated_at":"2026-06-30 10:00","channel":"窗口","item_code":"310100-001","staff_no":"1001",
		  "level":4,"reasons":["态度好","效率高"],"comment":"很好\n谢谢","is_default":false}]}`,
		`{"ratings":[{"external_id":"b","rated_at":"2026-06-30T02:00:00Z","channel":"hotline","staff_ref":"W-01",
		  "level":"非常满意","reasons":"态度好；效率高","is_default":"否"}]}`,
		`{"ratings":[{"external_id":"c","rated_at":"2026-06-30","channel":"online","staff_no":"1002","level":2.0,"reasons":null,
		  "comment":null,"is_default":1,"item_code":null,"citizen_phone":"13800138000"}]}`,
		` {"ratings": []} `, ``, `{}`, `[]`, `{"ratings":null}`, `{"ratings":{"a":[1,{"b":2}]}}`,
		`{"ratings":[],"ratings":[]}`, `{"rating":[]}`, `{"ratings":[]} {}`, `{"ratings":[{"external_id":"a",}]}`,
		`{"ratings":[{"external_id":"a"`, `{"ratings":[1,"x",null,[]]}`, `{"ratings":[{"level":{},"reasons":[1],"comment":5,"x":1,"external_id":"a","external_id":"b"}]}`,
		`{"ratings":[{"level":1e400,"is_default":-0.0}]}`, "{\"ratings\":[{\"comment\":\"\xff\"}]}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := ratings.DecodeBatch(bytes.NewReader(body))
		if err != nil {
			checkBatchError(t, err)
			return
		}
		if in == nil || len(in) > ratings.MaxBatch {
			t.Fatalf("DecodeBatch accepted %d inputs (nil: %v)", len(in), in == nil)
		}
		again, err := ratings.DecodeBatch(bytes.NewReader(encodeBatch(t, in)))
		if err != nil {
			t.Fatalf("re-encoded batch refused: %v\nbody: %s", err, encodeBatch(t, in))
		}
		if !reflect.DeepEqual(again, in) {
			t.Fatalf("round trip changed the batch:\n got  %#v\n want %#v", again, in)
		}
	})
}

// checkBatchError fails unless err is a *BatchError matching ErrInvalid
// with at least one problem, ordered by index, each with a message.
func checkBatchError(t *testing.T, err error) {
	t.Helper()
	var be *ratings.BatchError
	if errors.Is(err, ratings.ErrTooLarge) {
		return
	}
	if !errors.As(err, &be) || !errors.Is(err, ratings.ErrInvalid) || len(be.Errors) == 0 {
		t.Fatalf("error %T %v is not a non-empty *BatchError", err, err)
	}
	if !slices.IsSortedFunc(be.Errors, func(a, b ratings.FieldError) int { return a.Index - b.Index }) {
		t.Fatalf("problems not ordered by index: %+v", be.Errors)
	}
	for _, fe := range be.Errors {
		if fe.Index < -1 || fe.Message == "" {
			t.Fatalf("malformed problem %+v", fe)
		}
	}
}

// encodeBatch writes inputs back as a request body, leaving out what
// DecodeBatch reads as absent (empty strings, nil raw values).
func encodeBatch(t *testing.T, in []ratings.Input) []byte {
	t.Helper()
	list := make([]map[string]any, len(in))
	for i, x := range in {
		m := map[string]any{}
		for k, v := range map[string]string{"external_id": x.ExternalID, "rated_at": x.RatedAt, "channel": x.Channel,
			"item_code": x.ItemCode, "staff_no": x.StaffNo, "staff_ref": x.StaffRef, "comment": x.Comment,
			"citizen_phone": x.CitizenPhone, "citizen_id_number": x.CitizenIDNumber} {
			if v != "" {
				m[k] = v
			}
		}
		for k, v := range map[string]any{"level": x.Level, "reasons": x.Reasons, "is_default": x.IsDefault} {
			if v != nil {
				m[k] = v
			}
		}
		list[i] = m
	}
	b, err := json.Marshal(map[string]any{"ratings": list})
	if err != nil {
		t.Fatalf("encode %#v: %v", in, err)
	}
	return b
}

// FuzzParseTime: ParseTime never panics, refuses with ErrInvalid, returns
// UTC, and the instant it returns reads back the same from RFC 3339 and from
// the center's wall clock.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2026-06-30 23:50", "2026-06-30T16:30:00Z", "2026-07-01T00:30:00+08:00", "2026-07-01 00:30:00+08:00",
		"2026-06-30T16:30:00.250Z", "2026-06-30 23:50:15", "2026-06-30 23:50:15.5", "2026/6/30 9:05", "2026/06/30 09:05",
		"2026/6/30 23:50:05", "2026-06-30", "2026-06-30T23:50:00", "２０２６－０６－３０　２３：５０", "  2026-06-30 23:50  ",
		"", "yesterday", "2026-02-30 10:00", "2026-06-30 25:00", "2026-06-30T16:30:00+0800", "2026-06-30 23:50 下午",
		"0000-01-01", "9999-12-31T23:59:59.999999999+14:00", "1991-09-15 00:30",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, inUTC bool) {
		loc := storetest.Shanghai(t)
		if inUTC {
			loc = nil
		}
		got, err := ratings.ParseTime(s, loc)
		if err != nil {
			if !errors.Is(err, ratings.ErrInvalid) || err.Error() == "" {
				t.Fatalf("ParseTime(%q): error %T %v does not match ErrInvalid", s, err, err)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) = %v, not in UTC", s, got)
		}
		if got.Year() < 1 || got.Year() > 9999 {
			return // RFC 3339 cannot write it
		}
		back, err := ratings.ParseTime(got.Format(time.RFC3339Nano), loc)
		if err != nil || !back.Equal(got) {
			t.Fatalf("ParseTime(%q) = %v; its RFC 3339 form reads back as %v, %v", s, got, back, err)
		}
		zone := loc
		if zone == nil {
			zone = time.UTC
		}
		wall := got.In(zone)
		if wall.Year() < 1 || wall.Year() > 9999 {
			return
		}
		// A wall-clock time that happens twice (the end of China's summer
		// time, 1986–1991) may read as the other of its two instants.
		const layout = "2006-01-02 15:04:05.999999999"
		back, err = ratings.ParseTime(wall.Format(layout), loc)
		if err != nil || back.In(zone).Format(layout) != wall.Format(layout) {
			t.Fatalf("ParseTime(%q) = %v; its wall-clock form %q in %v reads back as %v, %v", s, got, wall.Format(layout), zone, back, err)
		}
	})
}

// fuzzCSVHeader is the header of the one-row files FuzzImportCSVRow imports.
var fuzzCSVHeader = []string{"评价编号", "评价时间", "渠道", "事项编码", "工号", "评价等级", "评价原因", "评价内容", "是否默认评价"}

// FuzzImportCSVRow imports a CSV file of one fuzzed row through the whole
// file import (encoding sniffing, both passes, the database). It never
// panics; the file is refused whole (ErrRefused, the row's line in every
// error, nothing written) or imported (the row imported, a duplicate or
// rejected, and exactly the imported rows written), or is not a table
// (csvfile.ErrFormat, nothing written). An imported row imported again is a
// duplicate: a re-run after a crash stores nothing twice.
func FuzzImportCSVRow(f *testing.F) {
	for _, row := range [][]string{
		{"E1", "2026-06-30 10:00", "窗口", "310100-001", "1001", "基本满意", "等待时间长、态度一般", "", ""},
		{"E2", "2026-06-30T02:00:00Z", "hotline", "", "1002", "5", "", "很好\n谢谢", "否"},
		{"E3", "2026/6/30 9:05", "一网通办", "310100-004", "1001", "1", "态度差;不耐烦", `说"不行"`, "1"},
		{"E4", "2026-06-30", "12345", "", "1002", "２", "", "", "true"},
		{"", "", "", "", "", "", "", "", ""},
		{"E5", "2026-07-02 10:00", "窗口", "", "1001", "4", "", "", ""},
		{"E6", "2026-06-30 10:00", "飞鸽", "x", "9999", "6", "", "\x00", "也许"},
		{" E7 ", "2026-06-30 10:00", "窗口", "", "1001", "4.0", strings.Repeat("原因;", 30), "", ""},
		{"E8", "2026-06-30 10:00", "窗口", "", "1001", "4", "", "\xff\xfe", ""},
	} {
		f.Add(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8])
	}
	fx := newFixture(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, extID, ratedAt, channel, item, staffNo, level, reasons, comment, isDefault string) {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write(fuzzCSVHeader)
		_ = w.Write([]string{extID, ratedAt, channel, item, staffNo, level, reasons, comment, isDefault})
		w.Flush()
		data := buf.Bytes()
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }

		before := fx.count(t)
		res, err := fx.svc.ImportFile(ctx, fx.center.ID, "fuzz.csv", open, ratings.FileOptions{})
		after := fx.count(t)
		switch {
		case err == nil:
			if res.Rows > 1 || res.Imported+res.Duplicates+res.Rejected != res.Rows || res.Rejected != 0 {
				t.Fatalf("result %+v for one row", res)
			}
			if after-before != res.Imported {
				t.Fatalf("%d rows written, %d reported imported", after-before, res.Imported)
			}
		case errors.Is(err, ratings.ErrRefused):
			if res == nil || res.Rejected != 1 || len(res.Errors) == 0 {
				t.Fatalf("refused with result %+v", res)
			}
			for _, le := range res.Errors {
				if le.Line < 2 || le.Message == "" {
					t.Fatalf("error %+v is not about the data row", le)
				}
			}
			if after != before {
				t.Fatalf("a refused file wrote %d rows", after-before)
			}
			return
		case errors.Is(err, csvfile.ErrFormat):
			if after != before {
				t.Fatalf("a file that is not a table wrote %d rows", after-before)
			}
			return
		default:
			t.Fatalf("ImportFile: unexpected error %T %v\nfile: %q", err, err, data)
		}
		if res.Imported == 0 {
			return
		}
		again, err := fx.svc.ImportFile(ctx, fx.center.ID, "fuzz.csv", open, ratings.FileOptions{})
		if err != nil || again.Imported != 0 || again.Duplicates != res.Imported {
			t.Fatalf("importing the row again: %+v, %v; want it counted as a duplicate", again, err)
		}
		if n := fx.count(t); n != after {
			t.Fatalf("importing the row again wrote %d rows", n-after)
		}
	})
}
