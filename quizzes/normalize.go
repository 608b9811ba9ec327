package quizzes

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize prepares free text for comparison: NFKC (so full-width letters,
// digits and spaces become their half-width forms, "ＡＢＣ" → "ABC"), then
// surrounding whitespace trimmed and every inner run of whitespace collapsed
// to one space. Short answers are compared after Normalize.
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	return strings.Join(strings.Fields(s), " ")
}

// matchWildcard reports whether s matches pattern the way Moodle matches a
// short answer: an unescaped "*" (or a run of them) stands for any run of
// characters, possibly empty; "\*" is a literal star; everything else
// matches itself, case-insensitively when fold is set. The match is anchored
// at both ends. Its cost is O(len(pattern)·len(s)) at worst.
func matchWildcard(pattern, s string, fold bool) bool {
	type ptok struct {
		r    rune
		star bool
	}
	pr := []rune(pattern)
	p := make([]ptok, 0, len(pr))
	for i := 0; i < len(pr); i++ {
		switch {
		case pr[i] == '\\' && i+1 < len(pr) && pr[i+1] == '*':
			p = append(p, ptok{r: '*'})
			i++
		case pr[i] == '*':
			if len(p) == 0 || !p[len(p)-1].star {
				p = append(p, ptok{star: true})
			}
		default:
			p = append(p, ptok{r: pr[i]})
		}
	}
	t := []rune(s)
	eq := func(a, b rune) bool { return a == b || (fold && equalFoldRune(a, b)) }

	// Greedy matching that backtracks only to the most recent star: with
	// single-run stars this is exact and never exponential.
	pi, ti := 0, 0
	starP, starT := -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && p[pi].star:
			starP, starT = pi, ti
			pi++
		case pi < len(p) && eq(p[pi].r, t[ti]):
			pi++
			ti++
		case starP >= 0:
			pi = starP + 1
			starT++
			ti = starT
		default:
			return false
		}
	}
	for pi < len(p) && p[pi].star {
		pi++
	}
	return pi == len(p)
}

// equalFoldRune reports whether a and b are equal under simple Unicode case
// folding, as strings.EqualFold compares runes.
func equalFoldRune(a, b rune) bool {
	if a == b {
		return true
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// parseResponseNumber reads a number the way a taker types it: full-width
// digits and signs are accepted (via Normalize), so are a leading "+", the
// minus sign U+2212, an exponent ("1.5e3"), and "," as the decimal separator
// when the text has no ".". Anything else — units, thousands separators,
// "NaN", "Inf", hexadecimal — is not a number.
func parseResponseNumber(s string) (float64, bool) {
	s = strings.ReplaceAll(Normalize(s), "\u2212", "-")
	if strings.Contains(s, ",") && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	return parseDecimal(s)
}

// parseDecimal parses [+-]digits[.digits][e[+-]digits] (or [+-].digits…)
// and nothing else; strconv.ParseFloat alone would also take "Inf", "NaN",
// hexadecimal and underscores. The result is always finite.
func parseDecimal(s string) (float64, bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}
