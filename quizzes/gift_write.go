package quizzes

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// Skipped is something WriteGIFT could not write: a whole question (an
// ordering question, an invalid one) or one setting of a question that was
// written without it (tags GIFT cannot hold, a rubric, case-sensitive
// matching, a default mark).
type Skipped struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// WriteGIFT writes qs in GIFT so that ParseGIFT reads the same questions
// back: a $CATEGORY block whenever the category changes, a "// [tag:…]"
// comment for tags (Moodle's syntax), the title, and every special character
// escaped. What GIFT cannot express is listed in skipped, never silently
// lost; err is only a write error.
func WriteGIFT(w io.Writer, qs []Question) (skipped []Skipped, err error) {
	var b strings.Builder
	category := ""
	for i := range qs {
		q := &qs[i]
		skip := func(format string, args ...any) {
			skipped = append(skipped, Skipped{Name: q.Name, Reason: fmt.Sprintf(format, args...)})
		}
		if q.Type == Ordering {
			skip("GIFT has no ordering questions; question not exported")
			continue
		}
		if msg := q.problem(); msg != "" {
			skip("invalid question not exported: %s", msg)
			continue
		}
		if reason := giftInexpressible(q); reason != "" {
			skip("%s; question not exported", reason)
			continue
		}

		var tags []string
		for _, t := range q.Tags {
			if giftTagOK(t) {
				tags = append(tags, t)
			} else {
				skip("tag %q cannot be written in a GIFT comment; tag not exported", t)
			}
		}
		if q.Rubric != "" {
			skip("GIFT has no rubric; rubric not exported")
		}
		if q.CaseSensitive {
			skip("GIFT has no case-sensitive short answers; exported as case-insensitive")
		}
		if q.DefaultMark != 0 && q.DefaultMark != 1 {
			skip("GIFT has no default mark; mark %v not exported", q.DefaultMark)
		}
		if q.Type == Description && q.GeneralFeedback != "" {
			skip("GIFT has no general feedback for a description; general feedback not exported")
		}

		if q.Category != category {
			category = q.Category
			b.WriteString(strings.TrimRight("$CATEGORY: "+giftEscape(category), " ") + "\n\n")
		}
		if len(tags) > 0 {
			b.WriteString("//")
			for _, t := range tags {
				b.WriteString(" [tag:" + strings.ReplaceAll(t, "]", `\]`) + "]")
			}
			b.WriteString("\n")
		}
		writeGIFTQuestion(&b, q)
		b.WriteString("\n")
	}
	_, err = io.WriteString(w, b.String())
	return skipped, err
}

// giftInexpressible says why q cannot be written in GIFT at all ("" if it
// can): "->" in a matching question or a short answer would be read as a
// matching arrow, and neither "-" nor ">" can be escaped.
func giftInexpressible(q *Question) string {
	switch q.Type {
	case Matching:
		for _, p := range q.Pairs {
			if strings.Contains(p.Question, "->") {
				return fmt.Sprintf("matching question %q contains \"->\"", p.Question)
			}
		}
	case ShortAnswer:
		for _, a := range q.Answers {
			if strings.Contains(a.Text, "->") || strings.Contains(a.Feedback, "->") {
				return "a short answer or its feedback contains \"->\", which GIFT reads as matching"
			}
		}
	}
	return ""
}

// giftTagOK reports whether t survives "// [tag:t]": no <, > or control
// characters, no surrounding spaces, no trailing backslash.
func giftTagOK(t string) bool {
	if t == "" || t != strings.TrimSpace(t) || strings.HasSuffix(t, `\`) {
		return false
	}
	return !strings.ContainsFunc(t, func(r rune) bool { return r == '<' || r == '>' || unicode.IsControl(r) })
}

// giftEscape escapes GIFT's special characters as Moodle's exporter does:
// \ : # = { } ~ get a backslash, a newline becomes \n, CR is dropped.
var giftEscaper = strings.NewReplacer(
	`\`, `\\`, ":", `\:`, "#", `\#`, "=", `\=`, "{", `\{`, "}", `\}`, "~", `\~`,
	"\n", `\n`, "\r", "",
)

func giftEscape(s string) string { return giftEscaper.Replace(s) }

// giftText writes text with a [format] prefix when its format differs from
// def, or when the text itself starts with "[" (which would otherwise be
// read as a prefix).
func giftText(text, format, def string) string {
	if format == "" {
		format = def
	}
	if format != def || strings.HasPrefix(text, "[") {
		return "[" + format + "]" + giftEscape(text)
	}
	return giftEscape(text)
}

// giftWeight writes a fraction as a GIFT weight, "%50%": the shortest
// decimal of f with the point moved two places, so that the parser, which
// reads it back as "<weight>e-2", gets exactly f again.
func giftWeight(f float64) string {
	d := strconv.FormatFloat(f, 'f', -1, 64)
	sign := ""
	if strings.HasPrefix(d, "-") {
		sign, d = "-", d[1:]
	}
	whole, frac, _ := strings.Cut(d, ".")
	frac += "00"
	whole = strings.TrimLeft(whole+frac[:2], "0")
	frac = strings.TrimRight(frac[2:], "0")
	if whole == "" {
		whole = "0"
	}
	if frac != "" {
		whole += "." + frac
	}
	if whole == "0" {
		sign = ""
	}
	return "%" + sign + whole + "%"
}

// looksWeighted reports whether text would be read as starting with a
// weight, so it must be preceded by an explicit one.
func looksWeighted(text string) bool {
	_, _, ok := parseWeight(giftTokens(giftEscape(text)))
	return ok
}

func giftNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// writeGIFTQuestion writes one valid question.
func writeGIFTQuestion(b *strings.Builder, q *Question) {
	format := q.Format
	if format == "" {
		format = FormatMoodle
	}
	// An empty title ("::::") still keeps the text off the start of the
	// line, where "//" or "$CATEGORY:" would mean something else.
	b.WriteString("::" + giftEscape(q.Name) + "::" + giftText(q.Text, format, FormatMoodle))
	general := ""
	if q.GeneralFeedback != "" {
		general = "####" + giftText(q.GeneralFeedback, format, format)
	}
	feedback := func(fb string) string {
		if fb == "" {
			return ""
		}
		return "#" + giftText(fb, format, format)
	}

	switch q.Type {
	case Description:
		b.WriteString("\n")
	case Essay:
		b.WriteString("{" + general + "}\n")
	case TrueFalse:
		b.WriteString("{")
		if q.Correct {
			b.WriteString("TRUE")
		} else {
			b.WriteString("FALSE")
		}
		if q.FeedbackWrong != "" || q.FeedbackCorrect != "" {
			b.WriteString("#" + giftText(q.FeedbackWrong, format, format))
		}
		if q.FeedbackCorrect != "" {
			b.WriteString("#" + giftText(q.FeedbackCorrect, format, format))
		}
		b.WriteString(general + "}\n")
	case MultiChoice:
		b.WriteString("{\n")
		wroteRight := false
		for _, a := range q.Answers {
			marker := "~"
			switch {
			case q.Single && a.Fraction == 1 && !wroteRight:
				// "=" makes the question single-answer on import; one is
				// enough, further full-mark answers are written as ~%100%.
				marker, wroteRight = "=", true
			case a.Fraction != 0 || looksWeighted(a.Text):
				marker = "~" + giftWeight(a.Fraction)
			}
			b.WriteString("\t" + marker + giftText(a.Text, a.Format, format) + feedback(a.Feedback) + "\n")
		}
		if general != "" {
			b.WriteString("\t" + general + "\n")
		}
		b.WriteString("}\n")
	case ShortAnswer:
		b.WriteString("{\n")
		for _, a := range q.Answers {
			weight := ""
			if a.Fraction != 1 || looksWeighted(a.Text) {
				weight = giftWeight(a.Fraction)
			}
			b.WriteString("\t=" + weight + giftText(a.Text, format, format) + feedback(a.Feedback) + "\n")
		}
		if general != "" {
			b.WriteString("\t" + general + "\n")
		}
		b.WriteString("}\n")
	case Numerical:
		b.WriteString("{#\n")
		for i, a := range q.Answers {
			weight := ""
			if a.Fraction != 1 {
				weight = giftWeight(a.Fraction)
			}
			switch {
			case a.Text == "*" && a.Fraction == 0 && i == len(q.Answers)-1:
				b.WriteString("\t~#" + giftText(a.Feedback, format, format) + "\n")
			case a.Text == "*":
				b.WriteString("\t=" + weight + "*" + feedback(a.Feedback) + "\n")
			default:
				b.WriteString("\t=" + weight + giftNum(a.Value) + ":" + giftNum(a.Tolerance) + feedback(a.Feedback) + "\n")
			}
		}
		if general != "" {
			b.WriteString("\t" + general + "\n")
		}
		b.WriteString("}\n")
	case Matching:
		b.WriteString("{\n")
		for _, p := range q.Pairs {
			b.WriteString("\t=" + giftText(p.Question, format, format) + " -> " + giftEscape(p.Answer) + "\n")
		}
		if general != "" {
			b.WriteString("\t" + general + "\n")
		}
		b.WriteString("}\n")
	}
}
