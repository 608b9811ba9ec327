package ratings

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// parseError is a problem with one raw value. Its text is the message shown
// to the sender (no package prefix: it becomes FieldError.Message), and it
// matches ErrInvalid.
type parseError string

func (e parseError) Error() string { return string(e) }

// Is reports whether target is ErrInvalid.
func (e parseError) Is(target error) bool { return target == ErrInvalid }

func invalidf(format string, args ...any) error { return parseError(fmt.Sprintf(format, args...)) }

const msgRequired = "不能为空 (required)"

// ParseLevel reads a rating level: a number 1–5 (an integer, a float without
// fraction, a json.Number, or a numeric string, full-width digits included)
// or one of the five words of the national scale: 非常满意 = 5, 满意 = 4,
// 基本满意 = 3, 不满意 = 2, 非常不满意 = 1. White space anywhere is ignored.
func ParseLevel(v any) (int, error) {
	const msg = "评价等级应为 1–5 或 非常满意/满意/基本满意/不满意/非常不满意 (level must be 1–5 or one of the five Chinese words)"
	var n float64
	switch x := v.(type) {
	case nil:
		return 0, parseError(msgRequired)
	case string:
		return parseLevelText(x, msg)
	case json.Number:
		return parseLevelText(string(x), msg)
	case bool:
		return 0, invalidf("%s, got %v", msg, x)
	default:
		rv := reflect.ValueOf(v)
		switch rv.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			n = float64(rv.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			n = float64(rv.Uint())
		case reflect.Float32, reflect.Float64:
			n = rv.Float()
		default:
			return 0, parseError(msg)
		}
	}
	if n != math.Trunc(n) || n < 1 || n > 5 {
		return 0, invalidf("%s, got %v", msg, v)
	}
	return int(n), nil
}

func parseLevelText(s, msg string) (int, error) {
	w := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, norm.NFKC.String(s))
	switch w {
	case "":
		return 0, parseError(msgRequired)
	case "非常满意":
		return VerySatisfied, nil
	case "满意":
		return Satisfied, nil
	case "基本满意":
		return Neutral, nil
	case "不满意":
		return Dissatisfied, nil
	case "非常不满意":
		return VeryDissatisfied, nil
	}
	// "4" or "4.0" (a spreadsheet's number as text), nothing looser: no
	// signs, exponents or hex that strconv would take.
	digits, frac, _ := strings.Cut(w, ".")
	if digits != "" && allIn(digits, "0123456789") && allIn(frac, "0") {
		if n, err := strconv.Atoi(digits); err == nil && n >= 1 && n <= 5 {
			return n, nil
		}
	}
	return 0, invalidf("%s, got %q", msg, strings.TrimSpace(s))
}

func allIn(s, set string) bool {
	for _, r := range s {
		if !strings.ContainsRune(set, r) {
			return false
		}
	}
	return true
}

// ParseReasons reads the reason tags of a rating: a []string, a []any of
// strings (as JSON arrays decode), or one string with the tags separated by
// ; ； | ｜ or 、. Tags are trimmed, empty ones dropped and repeats removed,
// keeping the first; nil or "" is no reasons. The result is never nil.
//
// Commas do not separate: a tag written by a person ("态度差，不耐烦") may
// contain one, and the list of separators has none.
func ParseReasons(v any) ([]string, error) {
	var parts []string
	switch x := v.(type) {
	case nil:
	case string:
		parts = strings.FieldsFunc(x, func(r rune) bool {
			switch r {
			case ';', '；', '|', '｜', '、':
				return true
			}
			return false
		})
	case []string:
		parts = x
	case []any:
		parts = make([]string, 0, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, invalidf("第 %d 项应为文字 (reasons[%d] must be a string)", i+1, i)
			}
			parts = append(parts, s)
		}
	default:
		return nil, parseError("评价原因应为文字数组或以 ; ； | 、 分隔的文字 (reasons must be an array of strings or one string separated by ; ； | 、)")
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" || slices.Contains(out, p) {
			continue
		}
		if msg := checkLine(p, MaxReason); msg != "" {
			return nil, invalidf("%q: %s", p, msg)
		}
		out = append(out, p)
	}
	if len(out) > MaxReasons {
		return nil, invalidf("最多 %d 个原因，现有 %d 个 (at most %d reasons, got %d)", MaxReasons, len(out), MaxReasons, len(out))
	}
	return out, nil
}

// ParseBool reads a yes/no cell: 是/否, true/false, 1/0, yes/no (any case,
// full-width folded), a bool, or the numbers 1 and 0. nil and "" are false.
func ParseBool(v any) (bool, error) {
	const msg = "应为 是/否、true/false 或 1/0 (must be 是/否, true/false or 1/0)"
	switch x := v.(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case string:
		return parseBoolText(x, msg)
	case json.Number:
		return parseBoolText(string(x), msg)
	}
	rv := reflect.ValueOf(v)
	var n float64
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n = float64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n = float64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		n = rv.Float()
	default:
		return false, parseError(msg)
	}
	switch n {
	case 1:
		return true, nil
	case 0:
		return false, nil
	}
	return false, invalidf("%s, got %v", msg, v)
}

func parseBoolText(s, msg string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(norm.NFKC.String(s))) {
	case "", "否", "false", "0", "no":
		return false, nil
	case "是", "true", "1", "yes":
		return true, nil
	}
	return false, invalidf("%s, got %q", msg, strings.TrimSpace(s))
}

// ParseTime reads a rating time and returns it in UTC. A time with an offset
// (RFC 3339: "2026-06-30T16:30:00Z", "2026-07-01 00:30:00+08:00") means that
// instant. A time without a zone ("2026-06-30 23:50:00", "2026-06-30 23:50",
// "2026/6/30 23:50", "2026/6/30 23:50:05", "2026-06-30T23:50:00", or a bare
// date "2026-06-30" = midnight) is a wall-clock time in loc, the center's
// zone (UTC when loc is nil). Full-width digits and punctuation are folded.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	v := strings.TrimSpace(norm.NFKC.String(s))
	if v == "" {
		return time.Time{}, parseError(msgRequired)
	}
	// Zoned layouts are RFC 3339 (fractional seconds optional), also with a
	// space for the T. Local ones have no zone; "1" and "2" take one- or
	// two-digit months and days, "15" one- or two-digit hours, and
	// time.Parse accepts fractional seconds after the seconds of any layout.
	zonedLayouts := [...]string{time.RFC3339, "2006-01-02 15:04:05Z07:00"}
	localLayouts := [...]string{
		"2006-1-2 15:04:05", "2006-1-2 15:04", "2006-1-2",
		"2006/1/2 15:04:05", "2006/1/2 15:04", "2006/1/2",
		"2006-1-2T15:04:05", "2006-1-2T15:04",
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, invalidf("无法识别的时间 %q，应为 2006-01-02 15:04:05、2006/1/2 15:04、2006-01-02 或带时区的 RFC 3339 如 2006-01-02T15:04:05+08:00 "+
		"(unrecognized time; use 2006-01-02 15:04:05, 2006/1/2 15:04, 2006-01-02 in the center's time zone, or RFC 3339 with an offset)", strings.TrimSpace(s))
}

// checkLine checks a one-line text value of at most max characters: valid
// UTF-8, no line breaks or control characters. It returns the problem, or "".
func checkLine(v string, max int) string {
	if !utf8.ValidString(v) {
		return "包含无效字符 (invalid UTF-8)"
	}
	if n := utf8.RuneCountInString(v); n > max {
		return fmt.Sprintf("不能超过 %d 个字符，现有 %d 个 (at most %d characters, got %d)", max, n, max, n)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return "不能包含换行或控制字符 (must not contain line breaks or control characters)"
		}
	}
	return ""
}

// checkText is checkLine for free text: line breaks and tabs are allowed
// (a citizen's comment has paragraphs), other control characters — NUL,
// which PostgreSQL refuses in text, above all — are not.
func checkText(v string, max int) string {
	if !utf8.ValidString(v) {
		return "包含无效字符 (invalid UTF-8)"
	}
	if n := utf8.RuneCountInString(v); n > max {
		return fmt.Sprintf("不能超过 %d 个字符，现有 %d 个 (at most %d characters, got %d)", max, n, max, n)
	}
	for _, r := range v {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return "不能包含控制字符 (must not contain control characters)"
		}
	}
	return ""
}
