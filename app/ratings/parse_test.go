package ratings_test

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/store/storetest"
)

func TestParseLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   any
		want int // 0 = an error
	}{
		{"int", 5, 5},
		{"int64", int64(1), 1},
		{"uint8", uint8(3), 3},
		{"float without fraction", 4.0, 4},
		{"float32", float32(2), 2},
		{"json number", json.Number("3"), 3},
		{"numeric string", "2", 2},
		{"numeric string with spaces", " 4 ", 4},
		{"numeric string 4.0", "4.0", 4},
		{"full-width digit", "５", 5},
		{"非常满意", "非常满意", 5},
		{"满意", "满意", 4},
		{"基本满意", "基本满意", 3},
		{"不满意", "不满意", 2},
		{"非常不满意", "非常不满意", 1},
		{"word with spaces", " 非常　满意 ", 5},
		{"zero", 0, 0},
		{"six", 6, 0},
		{"negative", -1, 0},
		{"fraction", 4.5, 0},
		{"NaN", math.NaN(), 0},
		{"string six", "6", 0},
		{"string fraction", "4.5", 0},
		{"exponent", "4e0", 0},
		{"signed", "+4", 0},
		{"hex", "0x4", 0},
		{"unknown word", "一般", 0},
		{"empty", "", 0},
		{"nil", nil, 0},
		{"bool", true, 0},
		{"slice", []any{4}, 0},
		{"map", map[string]any{"v": 4}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ratings.ParseLevel(tt.in)
			if tt.want == 0 {
				if err == nil || !errors.Is(err, ratings.ErrInvalid) {
					t.Fatalf("ParseLevel(%#v) = %d, %v; want an error matching ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseLevel(%#v) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      any
		want    []string
		wantErr bool
	}{
		{"nil", nil, []string{}, false},
		{"empty string", "", []string{}, false},
		{"one", "态度差", []string{"态度差"}, false},
		{"ascii semicolon", "态度差;效率低", []string{"态度差", "效率低"}, false},
		{"full-width semicolon", "态度差；效率低", []string{"态度差", "效率低"}, false},
		{"bar", "态度差|效率低｜材料多", []string{"态度差", "效率低", "材料多"}, false},
		{"enumeration comma", "态度差、效率低", []string{"态度差", "效率低"}, false},
		{"commas do not split", "态度差，不耐烦,敷衍", []string{"态度差，不耐烦,敷衍"}, false},
		{"trimmed, empties dropped", " 态度差 ;; ；　效率低　;", []string{"态度差", "效率低"}, false},
		{"dedup keeps first", "效率低;态度差;效率低", []string{"效率低", "态度差"}, false},
		{"string slice", []string{" 态度差", "效率低", "", "态度差"}, []string{"态度差", "效率低"}, false},
		{"string slice is not split", []string{"态度差;效率低"}, []string{"态度差;效率低"}, false},
		{"any slice", []any{"态度差", "效率低"}, []string{"态度差", "效率低"}, false},
		{"empty slice", []any{}, []string{}, false},
		{"any slice with a number", []any{"态度差", 3.0}, nil, true},
		{"number", 3, nil, true},
		{"map", map[string]any{}, nil, true},
		{"tag too long", strings.Repeat("长", ratings.MaxReason+1), nil, true},
		{"tag at the limit", strings.Repeat("长", ratings.MaxReason), []string{strings.Repeat("长", ratings.MaxReason)}, false},
		{"line break in a tag", []string{"态度\n差"}, nil, true},
		{"too many tags", manyTags(ratings.MaxReasons + 1), nil, true},
		{"tags at the limit", manyTags(ratings.MaxReasons), strings.Split(manyTags(ratings.MaxReasons), ";"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ratings.ParseReasons(tt.in)
			if tt.wantErr {
				if err == nil || !errors.Is(err, ratings.ErrInvalid) {
					t.Fatalf("ParseReasons(%#v) = %q, %v; want an error matching ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got == nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ParseReasons(%#v) = %#v, %v; want %#v", tt.in, got, err, tt.want)
			}
		})
	}
}

// manyTags is n distinct tags separated by ";".
func manyTags(n int) string {
	tags := make([]string, n)
	for i := range tags {
		tags[i] = "原因" + strconv.Itoa(i)
	}
	return strings.Join(tags, ";")
}

func TestParseBool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      any
		want    bool
		wantErr bool
	}{
		{nil, false, false},
		{"", false, false},
		{"  ", false, false},
		{true, true, false},
		{false, false, false},
		{"是", true, false},
		{"否", false, false},
		{"true", true, false},
		{"TRUE", true, false},
		{"False", false, false},
		{"1", true, false},
		{"0", false, false},
		{"１", true, false},
		{"yes", true, false},
		{"No", false, false},
		{1, true, false},
		{0, false, false},
		{1.0, true, false},
		{json.Number("0"), false, false},
		{2, false, true},
		{"2", false, true},
		{"对", false, true},
		{"maybe", false, true},
		{[]any{}, false, true},
	}
	for _, tt := range tests {
		got, err := ratings.ParseBool(tt.in)
		if tt.wantErr {
			if err == nil || !errors.Is(err, ratings.ErrInvalid) {
				t.Errorf("ParseBool(%#v) = %v, %v; want an error matching ErrInvalid", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseBool(%#v) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	sh := storetest.Shanghai(t)
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		in   string
		want time.Time // zero = an error
	}{
		// The rule: without a zone it is the center's (Beijing)
		// time, with an offset it is that instant.
		{"local without zone is Beijing", "2026-06-30 23:50", utc("2026-06-30T15:50:00Z")},
		{"UTC offset", "2026-06-30T16:30:00Z", utc("2026-06-30T16:30:00Z")},
		{"RFC 3339 with +08:00", "2026-07-01T00:30:00+08:00", utc("2026-06-30T16:30:00Z")},
		{"RFC 3339 with space", "2026-07-01 00:30:00+08:00", utc("2026-06-30T16:30:00Z")},
		{"RFC 3339 with fraction", "2026-06-30T16:30:00.250Z", utc("2026-06-30T16:30:00.25Z")},
		{"local seconds", "2026-06-30 23:50:15", utc("2026-06-30T15:50:15Z")},
		{"local fraction", "2026-06-30 23:50:15.5", utc("2026-06-30T15:50:15.5Z")},
		{"local slashes", "2026/6/30 9:05", utc("2026-06-30T01:05:00Z")},
		{"local slashes padded", "2026/06/30 09:05", utc("2026-06-30T01:05:00Z")},
		{"local slashes seconds", "2026/6/30 23:50:05", utc("2026-06-30T15:50:05Z")},
		{"local date is midnight", "2026-06-30", utc("2026-06-29T16:00:00Z")},
		{"local T without zone", "2026-06-30T23:50:00", utc("2026-06-30T15:50:00Z")},
		{"full-width digits", "２０２６－０６－３０　２３：５０", utc("2026-06-30T15:50:00Z")},
		{"surrounding spaces", "  2026-06-30 23:50  ", utc("2026-06-30T15:50:00Z")},
		{"empty", "", time.Time{}},
		{"garbage", "yesterday", time.Time{}},
		{"day out of range", "2026-02-30 10:00", time.Time{}},
		{"hour out of range", "2026-06-30 25:00", time.Time{}},
		{"offset without colon", "2026-06-30T16:30:00+0800", time.Time{}},
		{"trailing text", "2026-06-30 23:50 下午", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ratings.ParseTime(tt.in, sh)
			if tt.want.IsZero() {
				if err == nil || !errors.Is(err, ratings.ErrInvalid) {
					t.Fatalf("ParseTime(%q) = %v, %v; want an error matching ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Fatalf("ParseTime(%q) = %v, %v; want %v in UTC", tt.in, got, err, tt.want)
			}
		})
	}

	t.Run("nil location is UTC", func(t *testing.T) {
		got, err := ratings.ParseTime("2026-06-30 23:50", nil)
		if want := utc("2026-06-30T23:50:00Z"); err != nil || !got.Equal(want) {
			t.Fatalf("ParseTime = %v, %v; want %v", got, err, want)
		}
	})
}
