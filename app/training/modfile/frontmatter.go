package modfile

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/training"
)

// decodeFrontMatter fills m from the TOML text doc, whose first line is line
// first of file.
//
// The TOML is decoded into plain maps and then checked against the schema
// here, rather than decoded into a struct and checked with
// MetaData.Undecoded: BurntSushi reports a wrong type as a plain error
// without a position, and neither it nor Undecoded says which [[steps]]
// entry is wrong. Walking the maps gives a path such as "steps[3].count",
// and keyLines turns that path into a line.
func decodeFrontMatter(file, doc string, first int, m *Module) error {
	var raw map[string]any
	if _, err := toml.Decode(doc, &raw); err != nil {
		line := first
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line = first - 1 + max(pe.Position.Line, 1)
			err = errors.New(pe.Message)
		}
		return &ParseError{File: file, Line: line, Msg: "TOML: " + err.Error(), err: err}
	}

	d := &schema{file: file, lines: keyLines(doc), first: first}
	d.unknownKeys(raw, "", "code", "title", "summary", "item_code", "validity_months",
		"time_limit_days", "criteria", "channel_notes", "steps", "materials")
	m.Code = d.str(raw, "code", "")
	m.Title = d.str(raw, "title", "")
	m.Summary = d.str(raw, "summary", "")
	m.ItemCode = d.str(raw, "item_code", "")
	m.ValidityMonths = d.int(raw, "validity_months", "")
	if m.ValidityMonths < 0 {
		d.fail("validity_months", "validity_months: must be 0 (no expiry) or more")
	}

	s := &m.Standard
	s.TimeLimitDays = d.int(raw, "time_limit_days", "")
	for i, v := range d.array(raw, "criteria", "") {
		path := fmt.Sprintf("criteria[%d]", i+1)
		if c, ok := v.(string); ok {
			s.Criteria = append(s.Criteria, c)
		} else {
			d.fail(path, "%s: want a string, got %s", path, typeName(v))
		}
	}
	if notes := d.table(raw, "channel_notes", ""); len(notes) > 0 {
		s.ChannelNotes = make(map[string]string, len(notes))
		for _, ch := range sortedKeys(notes) {
			if !channel.Valid(ch) {
				d.fail("channel_notes."+ch, "channel_notes: unknown channel %q (want offline, online or hotline)", ch)
				continue
			}
			s.ChannelNotes[ch] = d.str(notes, ch, "channel_notes")
		}
	}
	for i, t := range d.tables(raw, "steps") {
		p := fmt.Sprintf("steps[%d]", i+1)
		d.unknownKeys(t, p, "title", "detail")
		s.Steps = append(s.Steps, training.Step{Title: d.str(t, "title", p), Detail: d.str(t, "detail", p)})
	}
	for i, t := range d.tables(raw, "materials") {
		p := fmt.Sprintf("materials[%d]", i+1)
		d.unknownKeys(t, p, "name", "form", "count", "notes")
		s.Materials = append(s.Materials, training.Material{
			Name: d.str(t, "name", p), Form: d.str(t, "form", p), Count: d.int(t, "count", p), Notes: d.str(t, "notes", p),
		})
	}
	if d.err != nil {
		return d.err
	}

	for _, f := range []struct{ key, val string }{{"code", m.Code}, {"title", m.Title}} {
		if strings.TrimSpace(f.val) == "" {
			line := 1 // the front matter as a whole, when the key is absent
			if l, ok := d.lines[f.key]; ok {
				line = first - 1 + l
			}
			return &ParseError{File: file, Line: line, Msg: fmt.Sprintf("%s is required", f.key)}
		}
	}
	if err := s.Validate(); err != nil {
		// Validate names the field first ("steps[2].title: duplicate of
		// step 1"); point at that field's line when we can find it.
		msg := strings.TrimPrefix(err.Error(), training.ErrInvalid.Error()+": ")
		field, _, _ := strings.Cut(msg, ": ")
		return &ParseError{File: file, Line: d.line(field), Msg: msg, err: err}
	}
	return nil
}

// schema walks the decoded TOML and keeps the error with the lowest line, so
// the report is the first problem a reader meets.
type schema struct {
	file  string
	lines map[string]int // key path → line in the TOML text
	first int            // file line of the TOML's first line
	err   *ParseError
}

func (d *schema) fail(path, format string, args ...any) {
	line := d.line(path)
	if d.err == nil || line < d.err.Line {
		d.err = &ParseError{File: d.file, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
}

// line finds the file line of a key path, falling back to its table or
// array ("steps[2].title" → "steps[2]" → "steps"), then to the first line
// of the front matter.
func (d *schema) line(path string) int {
	for path != "" {
		if l, ok := d.lines[path]; ok {
			return d.first - 1 + l
		}
		cut := max(strings.LastIndexByte(path, '.'), strings.LastIndexByte(path, '['))
		if cut < 0 {
			break
		}
		path = path[:cut]
	}
	return d.first
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (d *schema) unknownKeys(t map[string]any, prefix string, known ...string) {
	for _, k := range sortedKeys(t) {
		if !slices.Contains(known, k) {
			p := join(prefix, k)
			d.fail(p, "unknown key %q", p)
		}
	}
}

func (d *schema) str(t map[string]any, key, prefix string) string {
	v, ok := t[key]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p := join(prefix, key)
		d.fail(p, "%s: want a string, got %s", p, typeName(v))
	}
	return s
}

func (d *schema) int(t map[string]any, key, prefix string) int {
	v, ok := t[key]
	if !ok {
		return 0
	}
	p := join(prefix, key)
	n, ok := v.(int64)
	if !ok {
		d.fail(p, "%s: want an integer, got %s", p, typeName(v))
		return 0
	}
	if n < -1<<31 || n > 1<<31-1 {
		d.fail(p, "%s: %d is out of range", p, n)
		return 0
	}
	return int(n)
}

func (d *schema) array(t map[string]any, key, prefix string) []any {
	v, ok := t[key]
	if !ok {
		return nil
	}
	a, ok := v.([]any)
	if !ok {
		p := join(prefix, key)
		d.fail(p, "%s: want an array, got %s", p, typeName(v))
	}
	return a
}

func (d *schema) table(t map[string]any, key, prefix string) map[string]any {
	v, ok := t[key]
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		p := join(prefix, key)
		d.fail(p, "%s: want a table, got %s", p, typeName(v))
	}
	return m
}

// tables reads an array of tables, written either as [[key]] sections or
// inline as key = [{…}, {…}].
func (d *schema) tables(t map[string]any, key string) []map[string]any {
	switch v := t[key].(type) {
	case nil:
		return nil
	case []map[string]any:
		return v
	case []any:
		out := make([]map[string]any, 0, len(v))
		for i, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				p := fmt.Sprintf("%s[%d]", key, i+1)
				d.fail(p, "%s: want a table, got %s", p, typeName(e))
				continue
			}
			out = append(out, m)
		}
		return out
	default:
		d.fail(key, "%s: want [[%s]] tables, got %s", key, key, typeName(v))
		return nil
	}
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keyLines maps the key paths of a TOML document to the 1-based line that
// defines them: "code", "channel_notes", "channel_notes.online", "steps[2]"
// (the line of the second [[steps]]) and "steps[2].title". It only locates
// keys for error messages; the TOML itself was already parsed by toml.Decode.
// It skips the inside of multi-line strings and arrays, so text in a step's
// detail is never mistaken for a key.
func keyLines(doc string) map[string]int {
	var (
		lines = map[string]int{}
		count = map[string]int{} // array-of-tables name → entries so far
		table string
		sc    valueScanner
	)
	record := func(path string, n int) {
		if _, ok := lines[path]; !ok {
			lines[path] = n
		}
	}
	for i, ln := range strings.Split(doc, "\n") {
		n := i + 1
		if sc.inValue() {
			sc.scan(ln)
			continue
		}
		t := strings.TrimSpace(ln)
		switch {
		case t == "" || t[0] == '#':
		case strings.HasPrefix(t, "[["):
			name := keyPath(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(t, "[[")), "]]"))
			count[name]++
			table = fmt.Sprintf("%s[%d]", name, count[name])
			record(table, n)
		case t[0] == '[':
			end := strings.LastIndexByte(t, ']')
			if end < 0 {
				end = len(t)
			}
			table = keyPath(t[1:end])
			record(table, n)
		default:
			eq := equalsIndex(t)
			if eq < 0 {
				continue
			}
			record(join(table, keyPath(t[:eq])), n)
			sc.scan(t[eq+1:])
		}
	}
	return lines
}

// keyPath turns a dotted TOML key (a."b.c" . d) into our path form.
func keyPath(s string) string {
	var (
		parts []string
		cur   strings.Builder
		quote byte
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == '"' && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case quote != 0:
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
		case c == '.':
			parts = append(parts, cur.String())
			cur.Reset()
		case c != ' ' && c != '\t':
			cur.WriteByte(c)
		}
	}
	return strings.Join(append(parts, cur.String()), ".")
}

// equalsIndex finds the "=" that ends a key, ignoring any inside quotes.
func equalsIndex(s string) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
		case c == '"' || c == '\'':
			quote = c
		case c == '=':
			return i
		}
	}
	return -1
}

// valueScanner follows a TOML value across lines: whether we are inside a
// multi-line string or an unclosed array or inline table.
type valueScanner struct {
	multi string // `"""` or `'''` while inside a multi-line string
	depth int    // open [ and {
}

func (sc *valueScanner) inValue() bool { return sc.multi != "" || sc.depth > 0 }

func (sc *valueScanner) scan(s string) {
	for i := 0; i < len(s); i++ {
		if sc.multi != "" {
			if sc.multi == `"""` && s[i] == '\\' {
				i++
				continue
			}
			if strings.HasPrefix(s[i:], sc.multi) {
				i += len(sc.multi) - 1
				// Up to two quotes may stand right before the closing three.
				for i+1 < len(s) && s[i+1] == sc.multi[0] {
					i++
				}
				sc.multi = ""
			}
			continue
		}
		switch c := s[i]; c {
		case '"', '\'':
			q := strings.Repeat(string(c), 3)
			if strings.HasPrefix(s[i:], q) {
				sc.multi = q
				i += 2
				continue
			}
			for i++; i < len(s) && s[i] != c; i++ {
				if c == '"' && s[i] == '\\' {
					i++
				}
			}
		case '#':
			return
		case '[', '{':
			sc.depth++
		case ']', '}':
			if sc.depth > 0 {
				sc.depth--
			}
		}
	}
}
