package staff

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits of the text fields.
const (
	maxStaffNo    = 32
	maxName       = 64
	maxTeamText   = 64
	maxExternalID = 64
	maxItemCode   = 64
	maxItemName   = 200
)

// checkText validates a trimmed text value: required, at most max runes
// (characters, not bytes: 𠮷 counts once), no control characters (a line
// break in a name is a mistake in the file), and with noSpace no white space.
func checkText(field, v string, max int, noSpace bool) *FieldError {
	if v == "" {
		return &FieldError{Field: field, Message: "不能为空 (required)"}
	}
	if n := utf8.RuneCountInString(v); n > max {
		return &FieldError{Field: field, Message: fmt.Sprintf("不能超过 %d 个字符，现有 %d 个 (at most %d characters, got %d)", max, n, max, n)}
	}
	if !utf8.ValidString(v) {
		return &FieldError{Field: field, Message: "包含无效字符 (invalid UTF-8)"}
	}
	for _, r := range v {
		if noSpace && unicode.IsSpace(r) {
			return &FieldError{Field: field, Message: fmt.Sprintf("%q 不能包含空格 (must not contain spaces)", v)}
		}
		if unicode.IsControl(r) {
			return &FieldError{Field: field, Message: "不能包含换行或控制字符 (must not contain line breaks or control characters)"}
		}
	}
	return nil
}

// normalizeCode folds identifiers people type (工号, external ids): NFKC turns
// full-width letters and digits into ASCII, then surrounding space goes.
func normalizeCode(s string) string {
	return strings.TrimSpace(norm.NFKC.String(s))
}

// parseDate checks a YYYY-MM-DD date and returns it in canonical form.
func parseDate(field, v string) (string, *FieldError) {
	t, err := time.Parse(dateLayout, strings.TrimSpace(v))
	if err != nil {
		return "", &FieldError{Field: field, Message: fmt.Sprintf("日期 %q 格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)", v)}
	}
	return t.Format(dateLayout), nil
}
