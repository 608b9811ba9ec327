package quizzes

import (
	"fmt"
	"math"
	"strings"
)

// fractionEpsilon absorbs float rounding when fractions are compared with 1
// or clamped: 1/3 + 1/3 + 1/3 counts as exactly 1.
const fractionEpsilon = 1e-9

// sumTolerance is how far the positive fractions of a multiple-answer
// question may miss 1 (Moodle accepts 33.333 % × 3).
const sumTolerance = 0.001

// Validate reports whether q is a question the engine can show and grade.
// The error wraps ErrInvalid and names the offending field, as in
// "quizzes: invalid: answers[2].fraction: 1.5 is outside [-1, 1]".
func (q *Question) Validate() error {
	if msg := q.problem(); msg != "" {
		return fmt.Errorf("%w: %s", ErrInvalid, msg)
	}
	return nil
}

// MaxFraction is the best fraction a response can earn: 1 for every graded
// type (essay included, once graded by hand), 0 for a description or an
// unknown type.
func (q *Question) MaxFraction() float64 {
	switch q.Type {
	case MultiChoice, TrueFalse, ShortAnswer, Numerical, Matching, Ordering, Essay:
		return 1
	}
	return 0
}

// knownFormat reports whether f is a text format; "" means the default.
func knownFormat(f string) bool {
	switch f {
	case "", FormatMoodle, FormatHTML, FormatPlain, FormatMarkdown:
		return true
	}
	return false
}

// problem is Validate's message without the ErrInvalid prefix ("" when q is
// valid); the GIFT and Aiken parsers put it next to a line number.
func (q *Question) problem() string {
	switch q.Type {
	case MultiChoice, TrueFalse, ShortAnswer, Numerical, Matching, Ordering, Essay, Description:
	case "":
		return "type: missing"
	default:
		return fmt.Sprintf("type: unknown question type %q", string(q.Type))
	}
	if strings.TrimSpace(q.Text) == "" {
		return "text: empty"
	}
	if !knownFormat(q.Format) {
		return fmt.Sprintf("format: unknown text format %q", q.Format)
	}
	if math.IsNaN(q.DefaultMark) || math.IsInf(q.DefaultMark, 0) || q.DefaultMark < 0 {
		return fmt.Sprintf("default_mark: %v is not a mark", q.DefaultMark)
	}
	// Fields of other types are refused rather than ignored: they would be
	// stored, exported and never used.
	if q.Type != MultiChoice && q.Type != ShortAnswer && q.Type != Numerical && len(q.Answers) > 0 {
		return fmt.Sprintf("answers: a %s question has no answers", q.Type)
	}
	if q.Type != Matching && len(q.Pairs) > 0 {
		return fmt.Sprintf("pairs: a %s question has no pairs", q.Type)
	}
	if q.Type != Ordering && len(q.Items) > 0 {
		return fmt.Sprintf("items: a %s question has no items", q.Type)
	}

	switch q.Type {
	case MultiChoice:
		return q.multiChoiceProblem()
	case ShortAnswer:
		return q.shortAnswerProblem()
	case Numerical:
		return q.numericalProblem()
	case Matching:
		return q.matchingProblem()
	case Ordering:
		return q.orderingProblem()
	}
	return ""
}

// fractionProblem checks one answer's fraction.
func fractionProblem(i int, f float64) string {
	if math.IsNaN(f) || f < -1 || f > 1 {
		return fmt.Sprintf("answers[%d].fraction: %v is outside [-1, 1]", i, f)
	}
	return ""
}

func (q *Question) multiChoiceProblem() string {
	if len(q.Answers) < 2 {
		return fmt.Sprintf("answers: a multichoice question needs at least 2 answers, it has %d", len(q.Answers))
	}
	maxF, sumPos := math.Inf(-1), 0.0
	for i, a := range q.Answers {
		if strings.TrimSpace(a.Text) == "" {
			return fmt.Sprintf("answers[%d].text: empty", i)
		}
		if !knownFormat(a.Format) {
			return fmt.Sprintf("answers[%d].format: unknown text format %q", i, a.Format)
		}
		if msg := fractionProblem(i, a.Fraction); msg != "" {
			return msg
		}
		maxF = math.Max(maxF, a.Fraction)
		if a.Fraction > 0 {
			sumPos += a.Fraction
		}
	}
	if maxF <= 0 {
		return "answers: no answer has a positive fraction"
	}
	if q.Single && maxF < 1-fractionEpsilon {
		return fmt.Sprintf("answers: the best answer of a single-answer question must have fraction 1, the best has %v", maxF)
	}
	if !q.Single && math.Abs(sumPos-1) > sumTolerance {
		return fmt.Sprintf("answers: the positive fractions of a multiple-answer question must add up to 1, they add up to %v", sumPos)
	}
	return ""
}

func (q *Question) shortAnswerProblem() string {
	if len(q.Answers) == 0 {
		return "answers: a shortanswer question needs at least 1 answer"
	}
	full := false
	for i, a := range q.Answers {
		if Normalize(a.Text) == "" {
			return fmt.Sprintf("answers[%d].text: empty", i)
		}
		if msg := fractionProblem(i, a.Fraction); msg != "" {
			return msg
		}
		full = full || a.Fraction >= 1-fractionEpsilon
	}
	if !full {
		return "answers: no answer has fraction 1, so full marks are impossible"
	}
	return ""
}

func (q *Question) numericalProblem() string {
	if len(q.Answers) == 0 {
		return "answers: a numerical question needs at least 1 answer"
	}
	full := false
	for i, a := range q.Answers {
		if a.Text != "" && a.Text != "*" {
			return fmt.Sprintf("answers[%d].text: a numerical answer has a value, text may only be \"*\" (any number), not %q", i, a.Text)
		}
		if math.IsNaN(a.Value) || math.IsInf(a.Value, 0) {
			return fmt.Sprintf("answers[%d].value: %v is not a finite number", i, a.Value)
		}
		if math.IsNaN(a.Tolerance) || math.IsInf(a.Tolerance, 0) || a.Tolerance < 0 {
			return fmt.Sprintf("answers[%d].tolerance: %v must be a finite number ≥ 0", i, a.Tolerance)
		}
		if msg := fractionProblem(i, a.Fraction); msg != "" {
			return msg
		}
		full = full || (a.Text != "*" && a.Fraction >= 1-fractionEpsilon)
	}
	if !full {
		return "answers: no value has fraction 1, so full marks are impossible"
	}
	return ""
}

func (q *Question) matchingProblem() string {
	n := 0
	seen := make(map[string]bool, len(q.Pairs))
	for i, p := range q.Pairs {
		if strings.TrimSpace(p.Answer) == "" {
			return fmt.Sprintf("pairs[%d].answer: empty", i)
		}
		question := strings.TrimSpace(p.Question)
		if question == "" {
			continue // a distractor answer
		}
		if seen[question] {
			return fmt.Sprintf("pairs[%d].question: %q appears twice", i, question)
		}
		seen[question] = true
		n++
	}
	if n < 2 {
		return fmt.Sprintf("pairs: a matching question needs at least 2 pairs with a question, it has %d", n)
	}
	return ""
}

func (q *Question) orderingProblem() string {
	if len(q.Items) < 2 {
		return fmt.Sprintf("items: an ordering question needs at least 2 items, it has %d", len(q.Items))
	}
	seen := make(map[string]bool, len(q.Items))
	for i, it := range q.Items {
		it = strings.TrimSpace(it)
		if it == "" {
			return fmt.Sprintf("items[%d]: empty", i)
		}
		if seen[it] {
			return fmt.Sprintf("items[%d]: %q appears twice", i, it)
		}
		seen[it] = true
	}
	return ""
}
