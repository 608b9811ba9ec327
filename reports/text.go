package reports

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// dash is printed for a value that is not available.
const dash = "—"

// One formats v with one decimal, rounding half up (away from zero), and
// "—" for nil, NaN or ±Inf. It rounds the decimal text of v rounded to 9
// decimals, so 82.85 prints as 82.9 although 82.85*10 is 828.4999… in
// binary. The UI uses the same function so that screen and paper agree to
// the last decimal.
func One(v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return dash
	}
	neg := *v < 0
	s := strconv.FormatFloat(math.Abs(*v), 'f', 9, 64)
	dot := strings.IndexByte(s, '.')
	digits := []byte(s[:dot+2]) // integer part, '.', first decimal
	if s[dot+2] >= '5' {
		// add one tenth: propagate the carry leftwards over the dot
		i := len(digits) - 1
		for ; i >= 0; i-- {
			if digits[i] == '.' {
				continue
			}
			if digits[i] < '9' {
				digits[i]++
				break
			}
			digits[i] = '0'
		}
		if i < 0 {
			digits = append([]byte{'1'}, digits...)
		}
	}
	out := string(digits)
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out
}

// tenths returns v rounded as One rounds it, in tenths, for arithmetic on
// printed figures (a printed difference then agrees with the printed
// values).
func tenths(v *float64) (int64, bool) {
	s := One(v)
	if s == dash {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.Replace(s, ".", "", 1), 10, 64)
	return n, err == nil
}

// pct prints a fraction 0..1 as a percentage with one decimal.
func pct(v *float64) string {
	if v == nil {
		return dash
	}
	p := *v * 100
	s := One(&p)
	if s == dash {
		return s
	}
	return s + "%"
}

// weightPct prints a weight fraction as a percentage with one decimal.
func weightPct(w float64) string { return pct(&w) }

// num prints a float that is always present with one decimal.
func num(v float64) string { return One(&v) }

// rank prints a rank as "第 3 名", or "—".
func rank(p *int) string {
	if p == nil {
		return dash
	}
	return "第 " + strconv.Itoa(*p) + " 名"
}

// orDash returns s, or "—" when s is blank.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return dash
	}
	return s
}

// levelLabels names the rating levels 1..5.
var levelLabels = [5]string{"非常不满意", "不满意", "基本满意", "满意", "非常满意"}

// levelLabel names a rating level, or prints the number if out of range.
func levelLabel(l int) string {
	if l >= 1 && l <= 5 {
		return levelLabels[l-1]
	}
	return strconv.Itoa(l)
}

// clock formats t in loc as 2006-01-02 15:04, or "—" for the zero time.
func clock(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return dash
	}
	return t.In(locOrUTC(loc)).Format("2006-01-02 15:04")
}

// day formats t in loc as 2006-01-02, or "—" for the zero time.
func day(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return dash
	}
	return t.In(locOrUTC(loc)).Format("2006-01-02")
}

func locOrUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// isInvisible reports format characters that are dropped silently: they
// draw nothing (zero-width joiners and spaces, variation selectors that
// follow an emoji, the byte-order mark).
func isInvisible(c rune) bool {
	switch {
	case c >= 0x200B && c <= 0x200F, c >= 0x2060 && c <= 0x2064,
		c >= 0xFE00 && c <= 0xFE0F, c == 0xFEFF, c == 0xAD:
		return true
	}
	return false
}

// sanitize makes s printable with a font of the given coverage: a
// character above U+FFFF (which the PDF library cannot encode) or one the
// font has no glyph for becomes 〓 and is reported through bad; control
// characters become spaces (newlines are kept when keepNewlines), format
// characters are dropped. It returns s itself when nothing changes.
func sanitize(s string, covers func(rune) bool, keepNewlines bool, bad func(c rune)) string {
	clean := true
	for _, c := range s {
		if c < 0x20 || c == 0x7F || c > 0xFFFF || isInvisible(c) || !covers(c) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, c := range s {
		switch {
		case c == '\n' && keepNewlines:
			b.WriteRune('\n')
		case c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0):
			b.WriteByte(' ')
		case isInvisible(c):
		case c == 0xA0 || c == 0x3000 && !covers(c):
			b.WriteByte(' ')
		case c > 0xFFFF || !covers(c):
			bad(c)
			b.WriteRune(replacementRune)
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// noStart are characters that must not begin a line (Chinese line-breaking
// rules, 避头点): closing punctuation stays with the character before it.
const noStart = "，。、；：？！）】》」』’”…%．,.;:?!)]}"

// wrap breaks s into lines no wider than max, measuring with width. A
// CJK character may break anywhere, a run of Latin letters or digits only
// at spaces unless it alone is too wide; a closing punctuation mark never
// begins a line; "\n" forces a break. It always returns at least one line.
func wrap(s string, max float64, width func(rune) float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		lines = append(lines, wrapPara(para, max, width)...)
	}
	return lines
}

func wrapPara(s string, max float64, width func(rune) float64) []string {
	tokens := tokenize(s)
	var lines []string
	var line []string
	var lw float64
	tw := func(t string) float64 {
		var w float64
		for _, c := range t {
			w += width(c)
		}
		return w
	}
	flush := func() {
		lines = append(lines, strings.TrimRight(strings.Join(line, ""), " "))
		line, lw = nil, 0
	}
	for i := 0; i < len(tokens); i++ {
		t := tokens[i]
		w := tw(t)
		if lw+w <= max || (t == " " && len(line) > 0) {
			if t == " " && len(line) == 0 {
				continue // no leading space on a wrapped line
			}
			line = append(line, t)
			lw += w
			continue
		}
		if len(line) == 0 {
			// a single token wider than the line: break it by characters
			var cur strings.Builder
			var cw float64
			for _, c := range t {
				w := width(c)
				if cw+w > max && cur.Len() > 0 {
					lines = append(lines, cur.String())
					cur.Reset()
					cw = 0
				}
				cur.WriteRune(c)
				cw += w
			}
			line, lw = []string{cur.String()}, cw
			continue
		}
		if strings.ContainsAny(t, noStart) && len([]rune(t)) == 1 && len(line) > 1 {
			// carry the last character down with the punctuation
			last := line[len(line)-1]
			line = line[:len(line)-1]
			flush()
			line, lw = []string{last}, tw(last)
			i-- // place t again after last
			if lw+w > max {
				// cannot happen with a sane width; avoid looping
				line = append(line, t)
				lw += w
				i++
			}
			continue
		}
		flush()
		i-- // place t on the new line
	}
	if len(line) > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// tokenize splits s into wrapping units: single CJK characters and
// punctuation, runs of spaces (as one " "), and runs of other characters.
func tokenize(s string) []string {
	var out []string
	var word strings.Builder
	end := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, c := range s {
		switch {
		case c == ' ':
			end()
			if len(out) == 0 || out[len(out)-1] != " " {
				out = append(out, " ")
			}
		case breaksAround(c):
			end()
			out = append(out, string(c))
		default:
			word.WriteRune(c)
		}
	}
	end()
	return out
}

// breaksAround reports characters that may have a line break on either
// side: ideographs, kana, Hangul, fullwidth forms and CJK punctuation.
func breaksAround(c rune) bool {
	return c >= 0x2E80 && (unicode.Is(unicode.Han, c) || c >= 0x3000 && c <= 0x30FF ||
		c >= 0xAC00 && c <= 0xD7AF || c >= 0xFF00 && c <= 0xFFEF || c == replacementRune)
}
