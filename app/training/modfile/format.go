package modfile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format returns the canonical module.md of m: the same module always gives
// the same bytes (fixed key order, channel notes sorted by channel, "\n"
// line endings, a final newline), and Parse gives the module back.
//
// The TOML is written by hand rather than with toml.Encoder so that the
// layout is ours and stays stable: one key per line, optional keys left out
// when empty, text with line breaks as a multi-line string.
//
// Format normalizes CRLF to LF and trims blank lines around lesson bodies.
// It refuses only what could not be read back the same: a missing code or
// title, invalid UTF-8, a lesson title that is blank or spans lines, an empty
// lesson body, a body line that starts with "# " (it would begin a new
// lesson) or a code fence left open. It does not apply the rules of
// training.Standard.Validate; Parse does, with line numbers.
func Format(m *Module) ([]byte, error) {
	if err := checkFormattable(m); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(delimiter + "\n")
	writeString(&b, "code", m.Code, true)
	writeString(&b, "title", m.Title, true)
	writeString(&b, "summary", m.Summary, false)
	writeString(&b, "item_code", m.ItemCode, false)
	writeInt(&b, "validity_months", m.ValidityMonths, false)

	s := &m.Standard
	writeInt(&b, "time_limit_days", s.TimeLimitDays, false)
	if len(s.Criteria) > 0 {
		b.WriteString("criteria = [\n")
		for _, c := range s.Criteria {
			b.WriteString("  " + tomlString(c) + ",\n")
		}
		b.WriteString("]\n")
	}
	if len(s.ChannelNotes) > 0 {
		b.WriteString("\n[channel_notes]\n")
		for _, ch := range sortedKeys(s.ChannelNotes) {
			writeString(&b, tomlKey(ch), s.ChannelNotes[ch], true)
		}
	}
	for _, st := range s.Steps {
		b.WriteString("\n[[steps]]\n")
		writeString(&b, "title", st.Title, true)
		writeString(&b, "detail", st.Detail, false)
	}
	for _, mt := range s.Materials {
		b.WriteString("\n[[materials]]\n")
		writeString(&b, "name", mt.Name, true)
		writeString(&b, "form", mt.Form, true)
		writeInt(&b, "count", mt.Count, true)
		writeString(&b, "notes", mt.Notes, false)
	}
	b.WriteString(delimiter + "\n")

	for _, l := range m.Lessons {
		b.WriteString("\n# " + l.Title + "\n\n")
		b.WriteString(strings.Join(trimBlankLines(normalizeNewlines(l.Body)), "\n") + "\n")
	}
	return []byte(b.String()), nil
}

func checkFormattable(m *Module) error {
	if strings.TrimSpace(m.Code) == "" {
		return errors.New("modfile: code is required")
	}
	if strings.TrimSpace(m.Title) == "" {
		return fmt.Errorf("modfile: module %s: title is required", m.Code)
	}
	fields := []struct{ name, val string }{
		{"code", m.Code}, {"title", m.Title}, {"summary", m.Summary}, {"item_code", m.ItemCode},
	}
	s := &m.Standard
	for i, c := range s.Criteria {
		fields = append(fields, struct{ name, val string }{fmt.Sprintf("criteria[%d]", i+1), c})
	}
	for ch, n := range s.ChannelNotes {
		fields = append(fields, struct{ name, val string }{"channel_notes." + ch, ch + n})
	}
	for i, st := range s.Steps {
		fields = append(fields, struct{ name, val string }{fmt.Sprintf("steps[%d]", i+1), st.Title + st.Detail})
	}
	for i, mt := range s.Materials {
		fields = append(fields, struct{ name, val string }{fmt.Sprintf("materials[%d]", i+1), mt.Name + mt.Form + mt.Notes})
	}
	for _, f := range fields {
		if !utf8.ValidString(f.val) {
			return fmt.Errorf("modfile: module %s: %s: invalid UTF-8", m.Code, f.name)
		}
	}
	for i, l := range m.Lessons {
		if err := checkLesson(l.Title, l.Body); err != nil {
			return fmt.Errorf("modfile: module %s: lesson %d: %w", m.Code, i+1, err)
		}
	}
	return nil
}

// checkLesson tells whether a lesson survives the trip through module.md.
func checkLesson(title, body string) error {
	switch {
	case !utf8.ValidString(title) || !utf8.ValidString(body):
		return errors.New("invalid UTF-8")
	case strings.Trim(title, " \t") == "":
		return errors.New("title is required")
	case strings.ContainsAny(title, "\r\n"):
		return fmt.Errorf("title %q spans several lines", title)
	case strings.Trim(title, " \t") != title:
		return fmt.Errorf("title %q starts or ends with spaces", title)
	}
	lines := trimBlankLines(normalizeNewlines(body))
	if len(lines) == 0 {
		return fmt.Errorf("%q: body is empty", title)
	}
	var f fence
	for i, ln := range lines {
		if !f.open() && isHeading(ln) {
			return fmt.Errorf("%q: body line %d starts with \"#\" and a space, which would begin a new lesson; use \"##\" for a heading inside a lesson", title, i+1)
		}
		f.next(ln, i+1)
	}
	if f.open() {
		return fmt.Errorf("%q: code fence opened on body line %d is never closed", title, f.line)
	}
	return nil
}

func trimBlankLines(s string) []string {
	lines := strings.Split(s, "\n")
	for len(lines) > 0 && isBlank(lines[0]) {
		lines = lines[1:]
	}
	for len(lines) > 0 && isBlank(lines[len(lines)-1]) {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func writeString(b *strings.Builder, key, val string, always bool) {
	if val == "" && !always {
		return
	}
	b.WriteString(key + " = " + tomlString(val) + "\n")
}

func writeInt(b *strings.Builder, key string, val int, always bool) {
	if val == 0 && !always {
		return
	}
	b.WriteString(key + " = " + strconv.Itoa(val) + "\n")
}

// tomlKey quotes a key unless it is a bare key.
func tomlKey(k string) string {
	for _, r := range k {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return tomlString(k)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}

// tomlString writes s as a TOML basic string; text with line breaks becomes
// a multi-line basic string so that it reads like the text it is:
//
//	detail = """
//	第一行
//	第二行"""
//
// Backslashes are always escaped, so no line ends in a line-continuation
// backslash. In a multi-line string a quote is escaped only when another
// quote or the closing delimiter follows it, so no run of quotes can end the
// string early. A line that would read "+++" starts with \u002B instead, so
// it cannot close the front matter.
func tomlString(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if !strings.Contains(s, "\n") {
		return `"` + escape(s, false) + `"`
	}
	e := escape(s, true)
	lines := strings.Split(e, "\n")
	for i, ln := range lines {
		if isDelimiter(ln) {
			lines[i] = `\u002B` + ln[1:]
		}
	}
	return `"""` + "\n" + strings.Join(lines, "\n") + `"""`
}

// escape escapes s for a basic string; multi keeps line breaks and lone
// quotes as they are.
func escape(s string, multi bool) string {
	var b strings.Builder
	for i, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			if multi && i+1 < len(s) && s[i+1] != '"' {
				b.WriteByte('"')
			} else {
				b.WriteString(`\"`)
			}
		case '\n':
			if multi {
				b.WriteByte('\n')
			} else {
				b.WriteString(`\n`)
			}
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}
