package modfile

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/kaoping/kaoping/app/training"
)

const delimiter = "+++"

// assetRef is one place where a lesson shows an image from assets/.
type assetRef struct {
	Line   int    // line in module.md
	Lesson string // lesson title
	Name   string // base name after "assets/"
}

// Parse reads the content of a module.md. name is only used in error
// messages. The result has no Assets: those live beside the file, and
// ReadPath checks that every image a lesson shows is there.
//
// Any problem is a *ParseError naming the line. CRLF line endings and a
// leading UTF-8 byte order mark are accepted; invalid UTF-8 is not.
func Parse(name string, data []byte) (*Module, error) {
	m, _, err := parse(name, data)
	return m, err
}

func parse(name string, data []byte) (*Module, []assetRef, error) {
	fail := func(line int, format string, args ...any) (*Module, []assetRef, error) {
		return nil, nil, &ParseError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return fail(invalidUTF8Line(data), "invalid UTF-8")
	}
	lines := strings.Split(normalizeNewlines(string(data)), "\n")

	if !isDelimiter(lines[0]) {
		return fail(1, "missing opening %q: the first line must be %q, then the TOML front matter", delimiter, delimiter)
	}
	end := 0
	for i := 1; i < len(lines); i++ {
		if isDelimiter(lines[i]) {
			end = i
			break
		}
	}
	if end == 0 {
		return fail(1, "missing closing %q: the front matter opened here never ends", delimiter)
	}

	m := &Module{}
	// The TOML starts on file line 2.
	if err := decodeFrontMatter(name, strings.Join(lines[1:end], "\n")+"\n", 2, m); err != nil {
		return nil, nil, err
	}

	// lines[end+1] is file line end+2.
	spans, err := splitLessons(lines[end+1:], end+2)
	if err != nil {
		return fail(err.line, "%s", err.msg)
	}
	lessons, refs, err2 := lessonsOf(name, spans)
	if err2 != nil {
		return nil, nil, err2
	}
	m.Lessons = lessons
	return m, refs, nil
}

// lessonsOf joins split lessons into their text and lists the images they
// show; a lesson without text is an error at its heading.
func lessonsOf(name string, spans []lessonSpan) ([]training.Lesson, []assetRef, error) {
	var lessons []training.Lesson
	var refs []assetRef
	for _, s := range spans {
		if len(s.body) == 0 {
			return nil, nil, &ParseError{File: name, Line: s.headLine, Msg: fmt.Sprintf("lesson %q has no text", s.title)}
		}
		body := strings.Join(s.body, "\n")
		lessons = append(lessons, training.Lesson{Title: s.title, Body: body})
		for _, r := range findAssetRefs(body) {
			refs = append(refs, assetRef{Line: s.bodyLine + r.Line - 1, Lesson: s.title, Name: r.Name})
		}
	}
	return lessons, refs, nil
}

// ParseLessons reads lessons written as in module.md after the front matter
// — each lesson starts with a line "# TITLE"; "# " lines inside fenced code
// are code — so that the web editor and the file format split text the same
// way. Errors are *ParseError with name and the line in src.
func ParseLessons(name, src string) ([]training.Lesson, error) {
	spans, err := splitLessons(strings.Split(normalizeNewlines(src), "\n"), 1)
	if err != nil {
		return nil, &ParseError{File: name, Line: err.line, Msg: err.msg}
	}
	lessons, _, perr := lessonsOf(name, spans)
	return lessons, perr
}

// checkRefs reports the first lesson image whose file is not in assets.
func checkRefs(file string, refs []assetRef, assets map[string][]byte) error {
	for _, r := range refs {
		if _, ok := assets[r.Name]; !ok {
			return &ParseError{File: file, Line: r.Line,
				Msg: fmt.Sprintf("lesson %q: missing asset assets/%s", r.Lesson, r.Name)}
		}
	}
	return nil
}

func isDelimiter(line string) bool {
	return strings.TrimRight(line, " \t") == delimiter
}

func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

func invalidUTF8Line(data []byte) int {
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return line
}

func isBlank(line string) bool { return strings.Trim(line, " \t") == "" }

// isHeading reports whether line starts a lesson: a level-1 ATX heading at
// the start of the line ("# Title"). A bare "#" is a heading without a title.
func isHeading(line string) bool {
	return line == "#" || strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "#\t")
}

// lessonSpan is a lesson as found in the text, before joining its lines.
type lessonSpan struct {
	title    string
	headLine int      // file line of "# title"
	bodyLine int      // file line of body[0]
	body     []string // without leading and trailing blank lines
}

type lineError struct {
	line int
	msg  string
}

// splitLessons cuts the Markdown after the front matter into lessons. first
// is the file line of lines[0]. A "# " line inside a fenced code block is
// code, not a new lesson.
func splitLessons(lines []string, first int) ([]lessonSpan, *lineError) {
	var (
		spans []lessonSpan
		cur   *lessonSpan
		f     fence
	)
	for i, ln := range lines {
		n := first + i
		if !f.open() && isHeading(ln) {
			title := strings.Trim(ln[1:], " \t")
			if title == "" {
				return nil, &lineError{n, "lesson heading has no title"}
			}
			spans = append(spans, lessonSpan{title: title, headLine: n})
			cur = &spans[len(spans)-1]
			continue
		}
		if cur == nil {
			if isBlank(ln) {
				continue
			}
			return nil, &lineError{n, `text before the first lesson: each lesson starts with a line "# TITLE"`}
		}
		f.next(ln, n)
		if len(cur.body) == 0 {
			if isBlank(ln) {
				continue
			}
			cur.bodyLine = n
		}
		cur.body = append(cur.body, ln)
	}
	if f.open() {
		return nil, &lineError{f.line, "code fence is never closed"}
	}
	for i := range spans {
		b := spans[i].body
		for len(b) > 0 && isBlank(b[len(b)-1]) {
			b = b[:len(b)-1]
		}
		spans[i].body = b
	}
	return spans, nil
}

// fence tracks CommonMark fenced code blocks (``` or ~~~) line by line.
type fence struct {
	char  byte // '`' or '~' while open, 0 when closed
	width int  // length of the opening run
	line  int  // line of the opening fence
}

func (f *fence) open() bool { return f.char != 0 }

// next feeds one line to the tracker.
func (f *fence) next(line string, n int) {
	indent := len(line) - len(strings.TrimLeft(line, " "))
	if indent > 3 {
		return
	}
	rest := line[indent:]
	if rest == "" || (rest[0] != '`' && rest[0] != '~') {
		return
	}
	c := rest[0]
	w := len(rest) - len(strings.TrimLeft(rest, string(c)))
	if w < 3 {
		return
	}
	if f.open() {
		if c == f.char && w >= f.width && isBlank(rest[w:]) {
			*f = fence{}
		}
		return
	}
	if c == '`' && strings.Contains(rest[w:], "`") {
		return // not a fence: a backtick info string may not hold backticks
	}
	*f = fence{char: c, width: w, line: n}
}

// Image references a lesson may use: ![alt](assets/x.png),
// ![alt](<assets/name with spaces.png>), <img src="assets/x.png"> and a
// reference definition [x]: assets/x.png.
var assetRefPatterns = []*regexp.Regexp{
	regexp.MustCompile(`\]\(\s*<assets/([^>]+)>`),
	regexp.MustCompile(`\]\(\s*assets/([^)\s]+)`),
	regexp.MustCompile(`(?i)\bsrc\s*=\s*["']assets/([^"']+)["']`),
	regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*<?assets/([^>\s]+)`),
}

// findAssetRefs lists the assets a lesson body shows, with the 1-based line
// in the body. References inside fenced code blocks are examples, not
// images, and are skipped.
func findAssetRefs(body string) []assetRef {
	var (
		refs []assetRef
		f    fence
	)
	for i, ln := range strings.Split(body, "\n") {
		wasOpen := f.open()
		f.next(ln, i+1)
		if wasOpen || f.open() {
			continue
		}
		for _, re := range assetRefPatterns {
			for _, sm := range re.FindAllStringSubmatch(ln, -1) {
				refs = append(refs, assetRef{Line: i + 1, Name: sm[1]})
			}
		}
	}
	return refs
}
