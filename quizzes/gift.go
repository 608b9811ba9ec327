package quizzes

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LineError is one malformed question of an imported file.
type LineError struct {
	File string // the name given to the parser
	Line int    // the question's first line, 1-based
	Msg  string
}

// Error formats e as FILE:LINE: message.
func (e LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// FormatError lists every malformed question of a GIFT or Aiken file; a
// file with any error imports nothing. It wraps ErrInvalid.
type FormatError struct {
	Errors []LineError
}

// Error has one FILE:LINE: message line per malformed question.
func (e *FormatError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, le := range e.Errors {
		lines[i] = le.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FormatError) Unwrap() error { return ErrInvalid }

// ParseGIFT reads questions in Moodle's GIFT format (docs.moodle.org "GIFT
// format", qformat_gift) and returns them in file order. name is the file
// name used in error messages.
//
// It follows Moodle's import rules — the type is chosen from the answer
// block exactly as Moodle does — with two differences on purpose: a
// numerical answer that is not a number is an error (Moodle silently turns
// it into a catch-all), and a question that Validate rejects (too few
// answers for its type, no full-mark answer, …) is an error instead of a
// question that cannot be answered right. A few malformed inputs Moodle
// imports as garbage are errors too: an unclosed ::title::, a second
// answer block, a $CATEGORY line not followed by a blank line.
//
// Every malformed question is reported, in a *FormatError; then no
// questions are returned. The input may start with a UTF-8 BOM and use CRLF
// line ends; it must be UTF-8.
func ParseGIFT(name string, r io.Reader) ([]Question, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("quizzes: read %s: %w", name, err)
	}
	qs := []Question{}
	var errs []LineError
	category := ""
	for _, b := range giftBlocks(data) {
		if b.badLine != 0 {
			errs = append(errs, LineError{name, b.first, fmt.Sprintf("line %d is not valid UTF-8 (save the file as UTF-8)", b.badLine)})
			continue
		}
		p := parseGIFTBlock(b, category)
		switch {
		case p.msg != "":
			errs = append(errs, LineError{name, b.first, p.msg})
		case p.isCategory:
			category = p.category
		default:
			qs = append(qs, p.q)
		}
	}
	if len(errs) > 0 {
		return nil, &FormatError{Errors: errs}
	}
	return qs, nil
}

// giftBlock is the lines of one question (or $CATEGORY): the lines between
// blank lines, trimmed as Moodle trims them, comment lines set apart.
type giftBlock struct {
	first    int      // line number of the first non-comment line
	lines    []string // non-comment lines, trimmed
	comments []string // "//" lines, where Moodle reads [tag:…]
	badLine  int      // first line that is not UTF-8, 0 if none
}

// giftBlocks splits a file into blocks at blank lines.
func giftBlocks(data []byte) []giftBlock {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	var blocks []giftBlock
	var cur giftBlock
	flush := func() {
		if len(cur.lines) > 0 {
			blocks = append(blocks, cur)
		}
		cur = giftBlock{}
	}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "//"):
			cur.comments = append(cur.comments, line)
		default:
			if cur.first == 0 {
				cur.first = i + 1
			}
			if cur.badLine == 0 && !utf8.ValidString(line) {
				cur.badLine = i + 1
			}
			cur.lines = append(cur.lines, line)
		}
	}
	flush()
	return blocks
}

// gtok is one character of a question after escapes are resolved: lit is
// set when it came from a backslash escape, and then it never has a
// structural meaning (Moodle swaps escapes for placeholders to the same
// end).
type gtok struct {
	r   rune
	lit bool
}

// seg is a run of question characters.
type seg []gtok

// giftTokens resolves GIFT escapes: \\ \: \# \= \{ \} \~ become the
// character, \n a newline; any other backslash stays as it is.
func giftTokens(s string) seg {
	rs := []rune(s)
	out := make(seg, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		if rs[i] == '\\' && i+1 < len(rs) {
			switch n := rs[i+1]; n {
			case '\\', ':', '#', '=', '{', '}', '~':
				out = append(out, gtok{n, true})
				i++
				continue
			case 'n':
				out = append(out, gtok{'\n', true})
				i++
				continue
			}
		}
		out = append(out, gtok{rs[i], false})
	}
	return out
}

func (s seg) String() string {
	var b strings.Builder
	for _, t := range s {
		b.WriteRune(t.r)
	}
	return b.String()
}

// at reports whether the unescaped characters of pat start at s[i].
func (s seg) at(i int, pat string) bool {
	for _, r := range pat {
		if i >= len(s) || s[i].lit || s[i].r != r {
			return false
		}
		i++
	}
	return true
}

// index is the first i ≥ from where pat starts unescaped, or -1.
func (s seg) index(pat string, from int) int {
	for i := from; i < len(s); i++ {
		if s.at(i, pat) {
			return i
		}
	}
	return -1
}

// lastIndex is the last i where pat starts unescaped, or -1.
func (s seg) lastIndex(pat string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s.at(i, pat) {
			return i
		}
	}
	return -1
}

// trim drops unescaped white space at both ends (an escaped \n stays).
func (s seg) trim() seg {
	i, j := 0, len(s)
	for i < j && !s[i].lit && unicode.IsSpace(s[i].r) {
		i++
	}
	for j > i && !s[j-1].lit && unicode.IsSpace(s[j-1].r) {
		j--
	}
	return s[i:j]
}

// split cuts s at every unescaped sep; with keep, each piece after the
// first starts with its separator.
func (s seg) split(seps string, keep bool) []seg {
	var parts []seg
	start := 0
	for i, t := range s {
		if !t.lit && strings.ContainsRune(seps, t.r) {
			parts = append(parts, s[start:i])
			start = i
			if !keep {
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// splitN cuts s at the first n-1 unescaped sep, like PHP's explode with a
// limit.
func (s seg) splitN(sep rune, n int) []seg {
	var parts []seg
	start := 0
	for i, t := range s {
		if len(parts) == n-1 {
			break
		}
		if !t.lit && t.r == sep {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// giftFormats are the [format] prefixes GIFT knows.
var giftFormats = map[string]bool{FormatMoodle: true, FormatHTML: true, FormatPlain: true, FormatMarkdown: true}

// withFormat reads an optional [html]/[moodle]/[plain]/[markdown] prefix
// (an unknown one stays part of the text) and returns the format (def when
// there is none) and the trimmed text.
func withFormat(s seg, def string) (string, string) {
	s = s.trim()
	if len(s) > 0 && s.at(0, "[") {
		if j := s.index("]", 1); j > 0 {
			if f := s[1:j].String(); giftFormats[f] {
				return f, s[j+1:].trim().String()
			}
		}
	}
	return def, s.String()
}

// parseWeight reads a leading %50% / %-100% / %33.333% weight as a
// fraction; ok is false (and s unchanged) when s does not start with one,
// then the text keeps its percent signs as Moodle keeps them.
func parseWeight(s seg) (fraction float64, rest seg, ok bool) {
	s = s.trim()
	if !s.at(0, "%") {
		return 0, s, false
	}
	i := 1
	if s.at(i, "-") {
		i++
	}
	digits, dot := 0, false
	for ; i < len(s) && !s[i].lit; i++ {
		r := s[i].r
		if r >= '0' && r <= '9' {
			digits++
		} else if r == '.' && !dot && digits > 0 {
			dot = true
		} else {
			break
		}
	}
	if digits == 0 || !s.at(i, "%") {
		return 0, s, false
	}
	// Parsing "33.333e-2" rounds once, to the double nearest 0.33333;
	// dividing 33.333 by 100 would round twice.
	v, ok := parseDecimal(s[1:i].String() + "e-2")
	if !ok {
		return 0, s, false
	}
	return v, s[i+1:], true
}

// giftResult is what one block turned out to be.
type giftResult struct {
	q          Question
	isCategory bool
	category   string
	msg        string // why the block is not a question
}

func failed(format string, args ...any) giftResult {
	return giftResult{msg: fmt.Sprintf(format, args...)}
}

// parseGIFTBlock reads one block the way Moodle's qformat_gift::readquestion
// does.
func parseGIFTBlock(b giftBlock, category string) giftResult {
	t := giftTokens(strings.Join(b.lines, "\n")).trim()

	if t.at(0, "$CATEGORY:") {
		c := t[len("$CATEGORY:"):].trim()
		if c.index("\n", 0) >= 0 {
			return failed("a $CATEGORY line must be followed by a blank line")
		}
		return giftResult{isCategory: true, category: c.String()}
	}

	q := Question{Category: category, Format: FormatMoodle, Tags: giftTags(b.comments)}
	if t.at(0, "::") {
		end := t.index("::", 2)
		if end < 0 {
			return failed("the ::title:: is not closed (escape a literal colon as \\:)")
		}
		q.Name = strings.TrimSpace(t[2:end].String())
		t = t[end+2:].trim()
	}

	// The answer block runs from the first { to the first }.
	lbrace, rbrace := t.index("{", 0), t.index("}", 0)
	var text, answer seg
	description := false
	switch {
	case lbrace < 0 && rbrace < 0:
		description, text = true, t
	case lbrace < 0:
		return failed("} without { (escape a literal brace as \\})")
	case rbrace < 0:
		return failed("{ without } (escape a literal brace as \\{)")
	case rbrace < lbrace:
		return failed("} before { (escape a literal brace as \\})")
	case t.index("{", lbrace+1) >= 0 || t.index("}", rbrace+1) >= 0:
		return failed("more than one answer block { … } (escape literal braces as \\{ and \\})")
	default:
		answer = t[lbrace+1 : rbrace].trim()
		after := t[rbrace+1:]
		if len(after.trim()) == 0 {
			text = t[:lbrace]
		} else {
			// Missing-word format: the blank goes where the answers were.
			text = append(append(append(seg{}, t[:lbrace]...), giftTokens("_____")...), after...)
		}
	}

	var general seg
	if i := answer.lastIndex("####"); i >= 0 {
		general = answer[i+4:]
		answer = answer[:i].trim()
	}
	q.Format, q.Text = withFormat(text, FormatMoodle)
	_, q.GeneralFeedback = withFormat(general, q.Format)
	if q.Name == "" {
		q.Name = defaultName(q.Text)
	}

	var msg string
	switch {
	case description:
		q.Type = Description
	case len(answer) == 0:
		q.Type = Essay
	case answer.at(0, "#"):
		q.Type = Numerical
		msg = giftNumerical(&q, answer[1:])
	case answer.index("~", 0) >= 0:
		q.Type = MultiChoice
		giftMultiChoice(&q, answer)
	case answer.index("=", 0) >= 0 && answer.index("->", 0) >= 0:
		q.Type = Matching
		msg = giftMatching(&q, answer)
	default:
		check := answer
		if i := answer.index("#", 0); i > 0 {
			check = answer[:i].trim()
		}
		switch check.String() {
		case "T", "TRUE", "F", "FALSE":
			q.Type = TrueFalse
			giftTrueFalse(&q, answer)
		default:
			q.Type = ShortAnswer
			giftShortAnswer(&q, answer)
		}
	}
	if msg == "" {
		msg = q.problem()
	}
	if msg != "" {
		return giftResult{msg: fmt.Sprintf("%s question %q: %s", q.Type, q.Name, msg)}
	}
	return giftResult{q: q}
}

// defaultName is Moodle's name for an untitled question: the start of its
// text, here the first 80 characters with white space collapsed.
func defaultName(text string) string {
	name := []rune(strings.Join(strings.Fields(text), " "))
	if len(name) > 80 {
		name = name[:80]
	}
	return strings.TrimSpace(string(name))
}

// giftMultiChoice: "=" marks a right answer (100 %), "~" any other, with an
// optional %weight%; the question is single-answer when any "=" is present
// (Moodle's rule).
func giftMultiChoice(q *Question, answer seg) {
	q.Single = answer.index("=", 0) >= 0
	parts := answer.split("~=", true)
	q.Answers = make([]Answer, 0, len(parts))
	for i, part := range parts {
		part = part.trim()
		var fraction float64
		switch {
		case i == 0 && len(part) == 0:
			continue
		case part.at(0, "="):
			fraction, part = 1, part[1:]
		case part.at(0, "~"):
			part = part[1:]
			if w, rest, ok := parseWeight(part); ok {
				fraction, part = w, rest
			}
		}
		// Text before the first ~ or = is a wrong answer, as in Moodle.
		bits := part.splitN('#', 2)
		a := Answer{Fraction: fraction}
		a.Format, a.Text = withFormat(bits[0], q.Format)
		if len(bits) > 1 {
			_, a.Feedback = withFormat(bits[1], q.Format)
		}
		q.Answers = append(q.Answers, a)
	}
}

// giftMatching: "=question -> answer" pairs; "= -> answer" is a distractor.
func giftMatching(q *Question, answer seg) string {
	parts := answer.split("=", false)
	q.Pairs = make([]Pair, 0, len(parts))
	for i, part := range parts {
		part = part.trim()
		if i == 0 && len(part) == 0 {
			continue
		}
		m := part.index("->", 0)
		if m < 0 {
			return fmt.Sprintf("matching answer %q has no -> (write =question -> answer)", part.String())
		}
		_, question := withFormat(part[:m], q.Format)
		q.Pairs = append(q.Pairs, Pair{Question: question, Answer: part[m+2:].trim().String()})
	}
	return ""
}

// giftTrueFalse: {T}/{TRUE}/{F}/{FALSE}, then #feedback for a wrong
// response and #feedback for a right one.
func giftTrueFalse(q *Question, answer seg) {
	bits := answer.splitN('#', 3)
	key := bits[0].trim().String()
	q.Correct = key == "T" || key == "TRUE"
	if len(bits) > 1 {
		_, q.FeedbackWrong = withFormat(bits[1], q.Format)
	}
	if len(bits) > 2 {
		_, q.FeedbackCorrect = withFormat(bits[2], q.Format)
	}
}

// giftShortAnswer: "=text" answers, 100 % unless %weight% follows the "=".
func giftShortAnswer(q *Question, answer seg) {
	parts := answer.split("=", false)
	q.Answers = make([]Answer, 0, len(parts))
	for i, part := range parts {
		part = part.trim()
		if i == 0 && len(part) == 0 {
			continue
		}
		fraction := 1.0
		if w, rest, ok := parseWeight(part); ok {
			fraction, part = w, rest
		}
		bits := part.splitN('#', 2)
		a := Answer{Fraction: fraction, Format: q.Format}
		_, a.Text = withFormat(bits[0], q.Format)
		if len(bits) > 1 {
			_, a.Feedback = withFormat(bits[1], q.Format)
		}
		q.Answers = append(q.Answers, a)
	}
}

// giftNumerical reads what follows the "#" of a numerical block: answers
// "value", "value:tolerance" or "min..max", each with an optional "="
// prefix, %weight% and #feedback, then an optional "~#feedback" for any
// other number (the catch-all answer "*").
func giftNumerical(q *Question, body seg) string {
	var catchAll *Answer
	if i := body.index("~", 0); i >= 0 {
		other := body[i+1:]
		body = body[:i]
		if other.index("~", 0) >= 0 {
			return "a numerical question takes one ~#feedback for other numbers, not several ~"
		}
		bits := other.splitN('#', 2)
		if len(bits[0].trim()) > 0 {
			return fmt.Sprintf("~ in a numerical question takes feedback only (~#feedback), not the answer %q", bits[0].trim().String())
		}
		catchAll = &Answer{Text: "*"}
		if len(bits) > 1 {
			_, catchAll.Feedback = withFormat(bits[1], q.Format)
		}
	}
	parts := body.split("=", false)
	q.Answers = make([]Answer, 0, len(parts)+1)
	for i, part := range parts {
		part = part.trim()
		if i == 0 && len(part) == 0 {
			continue
		}
		a := Answer{Fraction: 1}
		if w, rest, ok := parseWeight(part); ok {
			a.Fraction, part = w, rest
		}
		bits := part.splitN('#', 2)
		if len(bits) > 1 {
			_, a.Feedback = withFormat(bits[1], q.Format)
		}
		if msg := giftNumber(&a, bits[0].trim()); msg != "" {
			return msg
		}
		q.Answers = append(q.Answers, a)
	}
	if len(q.Answers) == 0 {
		return "a numerical question needs at least one value, as {#3:0.5} or {#1..5}"
	}
	if catchAll != nil {
		q.Answers = append(q.Answers, *catchAll)
	}
	return ""
}

// giftNumber sets a's value and tolerance from "v", "v:tol" or "min..max"
// (the middle ± half the width), or makes a the catch-all for "*".
func giftNumber(a *Answer, s seg) string {
	num := func(x seg) (float64, bool) { return parseDecimal(x.trim().String()) }
	if s.String() == "*" && len(s) == 1 && !s[0].lit {
		a.Text = "*"
		return ""
	}
	if i := s.index("..", 0); i > 0 {
		lo, ok1 := num(s[:i])
		hi, ok2 := num(s[i+2:])
		if !ok1 || !ok2 {
			return fmt.Sprintf("numerical answer %q is not a range of numbers min..max", s.String())
		}
		a.Value = (lo + hi) / 2
		a.Tolerance = hi - a.Value
		return ""
	}
	if i := s.index(":", 0); i > 0 {
		v, ok1 := num(s[:i])
		tol, ok2 := num(s[i+1:])
		if !ok1 || !ok2 {
			return fmt.Sprintf("numerical answer %q is not a number with a tolerance value:tolerance", s.String())
		}
		a.Value, a.Tolerance = v, tol
		return ""
	}
	v, ok := num(s)
	if !ok {
		return fmt.Sprintf("numerical answer %q is not a number", s.String())
	}
	a.Value = v
	return ""
}

// giftTags reads Moodle's tag comments, "// [tag:name] [tag:other]", with
// "\]" for a "]" inside a name. Empty and repeated tags are dropped.
func giftTags(comments []string) []string {
	var tags []string
	seen := map[string]bool{}
	for _, c := range comments {
		rest := c
		for {
			i := strings.Index(rest, "[tag:")
			if i < 0 {
				break
			}
			rest = rest[i+len("[tag:"):]
			tag, next, ok := scanTag(rest)
			if tag = strings.TrimSpace(tag); ok && tag != "" && !seen[tag] {
				seen[tag] = true
				tags = append(tags, tag)
			}
			// Every "[tag:" before next would stop where this one stopped,
			// so the search resumes there: one pass over the line.
			rest = next
		}
	}
	return tags
}

// scanTag reads a tag name up to its closing "]". ok is false when a
// character a tag may not hold (<, >, a control character) or the end of
// the line comes first; next is where to look for the next tag.
func scanTag(s string) (tag, next string, ok bool) {
	var b strings.Builder
	for j := 0; j < len(s); {
		r, size := utf8.DecodeRuneInString(s[j:])
		switch {
		case r == '\\' && strings.HasPrefix(s[j+1:], "]"):
			b.WriteByte(']')
			j += 2
		case r == ']':
			return b.String(), s[j+1:], true
		case r == '<' || r == '>' || unicode.IsControl(r):
			return "", s[j+size:], false
		default:
			b.WriteRune(r)
			j += size
		}
	}
	return "", "", false
}
