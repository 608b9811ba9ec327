package scoring

import (
	"math"
	"strconv"
	"strings"
)

// Round1 rounds x half-up (half away from zero) to one decimal: the figure
// printed on pages and reports, and the one bands and ranks use. It rounds
// the decimal that x stands for, not its binary value: 82.85 is stored as
// 82.8499999999999943…, yet Round1(82.85) is 82.9, as on paper. Differences
// below 5e-10 count as binary noise.
func Round1(x float64) float64 {
	v, _ := strconv.ParseFloat(roundDecimal(x, 1), 64)
	return v
}

// Format1 returns *v rounded as Round1 with exactly one decimal ("79.0"),
// or "—" when v is nil (no data).
func Format1(v *float64) string {
	if v == nil {
		return "—"
	}
	return roundDecimal(*v, 1)
}

// roundDecimal returns x rounded half away from zero to places decimals
// (1 ≤ places ≤ 8), as a decimal string. Writing x with nine decimals first
// (strconv rounds correctly) absorbs the binary error of a decimal value,
// then the half-up rounding is done on the digits.
func roundDecimal(x float64, places int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'f', places, 64)
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', 9, 64)
	dot := strings.IndexByte(s, '.')
	b := []byte(s[:dot] + s[dot+1:dot+1+places]) // kept digits, no dot
	if s[dot+1+places] >= '5' {
		i := len(b) - 1
		for ; i >= 0 && b[i] == '9'; i-- {
			b[i] = '0'
		}
		if i < 0 {
			b = append([]byte{'1'}, b...)
		} else {
			b[i]++
		}
	}
	whole := len(b) - places
	out := string(b[:whole]) + "." + string(b[whole:])
	if x < 0 && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out
}

// num writes x for the formula texts of Explain: rounded half-up to two
// decimals, without trailing zeros ("86.67", "85", "0.5"). The numeric
// fields next to the texts carry full precision.
func num(x float64) string {
	s := roundDecimal(x, 2)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

// WilsonUpper returns the upper bound of the Wilson score interval for a
// proportion of k successes in n trials, with z the normal quantile (1.96
// for 95 %): how high the true rate may plausibly be. For 0 bad ratings of
// 10 it is 0.2775, for 2 of 10 0.5098. With n = 0 nothing is known and it
// returns 1.
func WilsonUpper(k, n int, z float64) float64 {
	if n <= 0 {
		return 1
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	centre := p + z2/(2*nf)
	margin := float64(z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))) // float64: never fused into the sum below
	return math.Min(1, (centre+margin)/(1+z2/nf))
}
