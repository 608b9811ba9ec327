package quizzes

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ParseAiken reads single-answer multiple-choice questions in the Aiken
// format (Moodle's qformat_aiken):
//
//	Which document proves identity?
//	A) Resident identity card
//	B. Library card
//	ANSWER: A
//
// The question text is one or more lines; the options follow, one per line,
// lettered A, B, C … in order, each letter followed by ")" or "." and a
// space; "ANSWER: X" ends the question ("ANSWER：X" with a full-width colon
// is accepted too). Blank lines are ignored, as Moodle ignores them. Texts
// are plain text. name is the file name used in error messages.
//
// Every malformed question is reported in a *FormatError (LINE is the
// question's first line) and then no questions are returned: a missing
// ANSWER line, an answer letter that is not among the options, fewer than
// two options, options out of order.
func ParseAiken(name string, r io.Reader) ([]Question, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("quizzes: read %s: %w", name, err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")

	qs := []Question{}
	var errs []LineError
	var cur *aikenQuestion
	fail := func(line int, format string, args ...any) {
		errs = append(errs, LineError{name, line, fmt.Sprintf(format, args...)})
	}
	finish := func() {
		if cur == nil {
			return
		}
		if !cur.bad {
			fail(cur.first, "question %q has no ANSWER line", cur.name())
		}
		cur = nil
	}

	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !utf8.ValidString(line) {
			first := n
			if cur != nil {
				first = cur.first
			}
			fail(first, "line %d is not valid UTF-8 (save the file as UTF-8)", n)
			if cur != nil {
				cur.bad = true
			}
			continue
		}
		if answer, ok := aikenAnswerLine(line); ok {
			if cur == nil {
				fail(n, "ANSWER line without a question before it")
				continue
			}
			if !cur.bad {
				if q, msg := cur.question(answer); msg != "" {
					fail(cur.first, "question %q: %s", cur.name(), msg)
				} else {
					qs = append(qs, q)
				}
			}
			cur = nil
			continue
		}
		if letter, option, ok := aikenOption(line); ok {
			if cur == nil {
				cur = &aikenQuestion{first: n}
				fail(n, "option %c) before any question text", letter)
				cur.bad = true
				continue
			}
			if want := rune('A' + len(cur.options)); letter != want && !cur.bad {
				fail(cur.first, "question %q: option %c on line %d should be %c (options go A, B, C … in order)", cur.name(), letter, n, want)
				cur.bad = true
			}
			cur.options = append(cur.options, option)
			continue
		}
		// A text line: the question's text, or the start of the next
		// question when the current one already has options.
		if cur != nil && len(cur.options) > 0 {
			finish()
		}
		if cur == nil {
			cur = &aikenQuestion{first: n}
		}
		cur.text = append(cur.text, line)
	}
	finish()

	if len(errs) > 0 {
		return nil, &FormatError{Errors: errs}
	}
	return qs, nil
}

// aikenQuestion collects one question while it is read.
type aikenQuestion struct {
	first   int
	text    []string
	options []string
	bad     bool // already reported; reported once only
}

func (a *aikenQuestion) name() string { return defaultName(strings.Join(a.text, " ")) }

// question builds the question once its ANSWER is known.
func (a *aikenQuestion) question(answer string) (Question, string) {
	if len(a.options) < 2 {
		return Question{}, fmt.Sprintf("needs at least 2 options, has %d", len(a.options))
	}
	if len(answer) != 1 || answer[0] < 'A' || answer[0] > 'Z' {
		return Question{}, fmt.Sprintf("ANSWER %q is not one letter A–Z", answer)
	}
	k := int(answer[0] - 'A')
	if k >= len(a.options) {
		return Question{}, fmt.Sprintf("ANSWER %s is not among the options A–%c", answer, rune('A'+len(a.options)-1))
	}
	q := Question{
		Type:   MultiChoice,
		Name:   a.name(),
		Text:   strings.Join(a.text, "\n"),
		Format: FormatPlain,
		Single: true,
	}
	for i, o := range a.options {
		ans := Answer{Text: o, Format: FormatPlain}
		if i == k {
			ans.Fraction = 1
		}
		q.Answers = append(q.Answers, ans)
	}
	if msg := q.problem(); msg != "" {
		return Question{}, msg
	}
	return q, ""
}

// aikenOption recognises "A) text" and "A. text".
func aikenOption(line string) (letter rune, text string, ok bool) {
	if len(line) < 3 || line[0] < 'A' || line[0] > 'Z' || (line[1] != ')' && line[1] != '.') || (line[2] != ' ' && line[2] != '\t') {
		return 0, "", false
	}
	text = strings.TrimSpace(line[3:])
	return rune(line[0]), text, text != ""
}

// aikenAnswerLine recognises "ANSWER: X" and returns X.
func aikenAnswerLine(line string) (answer string, ok bool) {
	for _, prefix := range []string{"ANSWER:", "ANSWER："} {
		if rest, found := strings.CutPrefix(line, prefix); found {
			return strings.TrimSpace(rest), true
		}
	}
	return "", false
}
