package quizzes_test

import (
	"errors"
	"math"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/quizzes"
)

var nan = math.NaN()

// closeTo reports whether got equals want within tol (absolute, or relative
// for large values); NaN equals only NaN.
func closeTo(got, want, tol float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

type figure struct {
	name      string
	got, want float64
}

func checkFigures(t *testing.T, figs []figure, tol float64) {
	t.Helper()
	for _, f := range figs {
		if !closeTo(f.got, f.want, tol) {
			t.Errorf("%s = %.15g, want %.15g", f.name, f.got, f.want)
		}
	}
}

// testFigures lists the test statistics of s next to want.
func testFigures(s, want quizzes.QuizStats) []figure {
	return []figure{
		{"Mean", s.Mean, want.Mean},
		{"Median", s.Median, want.Median},
		{"SD", s.SD, want.SD},
		{"Skewness", s.Skewness, want.Skewness},
		{"Kurtosis", s.Kurtosis, want.Kurtosis},
		{"CronbachAlpha", s.CronbachAlpha, want.CronbachAlpha},
		{"ErrorRatio", s.ErrorRatio, want.ErrorRatio},
		{"StandardError", s.StandardError, want.StandardError},
	}
}

func itemFigures(prefix string, s, want quizzes.ItemStats) []figure {
	return []figure{
		{prefix + ".Facility", s.Facility, want.Facility},
		{prefix + ".SD", s.SD, want.SD},
		{prefix + ".DiscriminationIndex", s.DiscriminationIndex, want.DiscriminationIndex},
		{prefix + ".DiscriminativeEfficiency", s.DiscriminativeEfficiency, want.DiscriminativeEfficiency},
		{prefix + ".EffectiveWeight", s.EffectiveWeight, want.EffectiveWeight},
	}
}

// checkStats compares every field of got with want.
func checkStats(t *testing.T, got, want quizzes.QuizStats, tol float64) {
	t.Helper()
	if got.N != want.N {
		t.Errorf("N = %d, want %d", got.N, want.N)
	}
	checkFigures(t, testFigures(got, want), tol)
	if len(got.Slots) != len(want.Slots) {
		t.Fatalf("%d slots, want %d", len(got.Slots), len(want.Slots))
	}
	for j, w := range want.Slots {
		g := got.Slots[j]
		p := "Slots[" + string(rune('0'+j)) + "]"
		if g.Slot != w.Slot || g.N != w.N {
			t.Errorf("%s: Slot %d N %d, want Slot %d N %d", p, g.Slot, g.N, w.Slot, w.N)
		}
		checkFigures(t, itemFigures(p, g, w), tol)
		if g.Flags == nil {
			t.Errorf("%s.Flags is nil, want a non-nil slice", p)
		}
		if !reflect.DeepEqual(append([]string{}, g.Flags...), append([]string{}, w.Flags...)) {
			t.Errorf("%s.Flags = %q, want %q", p, g.Flags, w.Flags)
		}
	}
}

// TestComputeStatsHandExample checks every figure of a 5 × 3 quiz worked out
// by hand (the same example is in docs/ITEM-ANALYSIS.md).
//
// MaxMarks 1, 2, 3 (maximum total 6). Attempt E did not attempt Q3 (NaN → 0).
//
//	attempt  Q1 Q2 Q3 | total | rest1 rest2 rest3  (rest = total − item)
//	A         1  2  3 |   6   |   5     4     3
//	B         1  1  2 |   4   |   3     3     2
//	C         0  2  1 |   3   |   3     1     2
//	D         1  0  1 |   2   |   1     2     1
//	E         0  1  – |   1   |   1     0     1
//
// Test statistics (raw marks, then ÷ 6 × 100 for the % figures):
//
//	mean = 16/5 = 3.2                       → 53.333…%
//	median of 1 2 3 4 6 = 3                  → 50%
//	deviations 2.8 0.8 −0.2 −1.2 −2.2
//	Σd² = 7.84+0.64+0.04+1.44+4.84 = 14.8; var = 14.8/4 = 3.7; SD = √3.7 → √3.7/6×100
//	Σd³ = 21.952+0.512−0.008−1.728−10.648 = 10.08
//	Σd⁴ = 61.4656+0.4096+0.0016+2.0736+23.4256 = 87.376
//	m2 = 2.96, m3 = 2.016, m4 = 17.4752
//	k2 = 5·2.96/4 = 3.7; k3 = 25·2.016/(4·3) = 4.2 → skewness = 4.2/3.7^1.5
//	k4 = 25·(6·17.4752 − 3·4·2.96²)/(4·3·2) = 25·(104.8512 − 105.1392)/24 = −0.3
//	   → kurtosis = −0.3/3.7² = −0.3/13.69
//
// Items (n−1 = 4 as divisor; "sorted" pairs the sorted item marks with the
// sorted rest marks):
//
//	Q1: marks 1 1 0 1 0, mean 0.6 → facility 0.6
//	    dev .4 .4 −.6 .4 −.6, Σdev² = 1.2 → var 0.3, SD fraction √0.3/1
//	    rest 5 3 3 1 1, mean 2.6, dev 2.4 .4 .4 −1.6 −1.6, Σ = 11.2 → var 2.8
//	    Σ dev·devrest = .96+.16−.24−.64+.96 = 1.2 → cov 0.3
//	    DI = 100·0.3/√(0.3·2.8) = 30/√0.84
//	    sorted 0 0 1 1 1 × 1 1 3 3 5: (−.6)(−1.6)·2 + (.4)(.4)·2 + (.4)(2.4) = 3.2 → covmax 0.8
//	    DE = 100·0.3/0.8 = 37.5;  cov(Q1,total) = var + cov(Q1,rest) = 0.6
//	Q2: marks 2 1 2 0 1, mean 1.2 → facility 0.6
//	    dev .8 −.2 .8 −1.2 −.2, Σ = 2.8 → var 0.7, SD fraction √0.7/2
//	    rest 4 3 1 2 0, mean 2, dev 2 1 −1 0 −2, Σ = 10 → var 2.5
//	    Σ = 1.6−.2−.8+0+.4 = 1.0 → cov 0.25; DI = 25/√(0.7·2.5) = 25/√1.75
//	    sorted 0 1 1 2 2 × 0 1 2 3 4: 2.4+.2+0+.8+1.6 = 5 → covmax 1.25; DE = 20
//	    cov(Q2,total) = 0.7+0.25 = 0.95
//	Q3: marks 3 2 1 1 0, mean 1.4 → facility 1.4/3; N = 4 (E did not attempt it)
//	    dev 1.6 .6 −.4 −.4 −1.4, Σ = 5.2 → var 1.3, SD fraction √1.3/3
//	    rest 3 2 2 1 1, mean 1.8, dev 1.2 .2 .2 −.8 −.8, Σ = 2.8 → var 0.7
//	    Σ = 1.92+.12−.08+.32+1.12 = 3.4 → cov 0.85; DI = 85/√(1.3·0.7) = 85/√0.91
//	    sorted 0 1 1 2 3 × 1 1 2 2 3: 1.12+.32−.08+.12+1.92 = 3.4 → covmax 0.85; DE = 100
//	    cov(Q3,total) = 1.3+0.85 = 2.15
//
// Check: Σ cov(Qi,total) = 0.6+0.95+2.15 = 3.7 = var(total).
//
//	α = 3/2·(1 − (0.3+0.7+1.3)/3.7) = 1.5·1.4/3.7 = 2.1/3.7  → 100·2.1/3.7 %
//	error ratio = √(1 − 2.1/3.7) = √(1.6/3.7)               → 100·√(1.6/3.7) %
//	standard error = √(1.6/3.7)·√3.7 = √1.6 marks           → √1.6/6×100 %
//	effective weight Qi = 100·√cov(Qi,total) / (√0.6+√0.95+√2.15)
//
// No flags: efficiencies 37.5, 20, 100 ≥ 15; facilities between 5 % and 95 %.
func TestComputeStatsHandExample(t *testing.T) {
	in := quizzes.StatsInput{
		MaxMarks: []float64{1, 2, 3},
		Marks: [][]float64{
			{1, 2, 3},
			{1, 1, 2},
			{0, 2, 1},
			{1, 0, 1},
			{0, 1, nan},
		},
	}
	got, err := quizzes.ComputeStats(in)
	if err != nil {
		t.Fatal(err)
	}
	sumSqrt := math.Sqrt(0.6) + math.Sqrt(0.95) + math.Sqrt(2.15)
	want := quizzes.QuizStats{
		N:             5,
		Mean:          3.2 / 6 * 100,
		Median:        50,
		SD:            math.Sqrt(3.7) / 6 * 100,
		Skewness:      4.2 / math.Pow(3.7, 1.5),
		Kurtosis:      -0.3 / 13.69,
		CronbachAlpha: 100 * 2.1 / 3.7,
		ErrorRatio:    100 * math.Sqrt(1.6/3.7),
		StandardError: math.Sqrt(1.6) / 6 * 100,
		Slots: []quizzes.ItemStats{
			{Slot: 1, N: 5, Facility: 0.6, SD: math.Sqrt(0.3),
				DiscriminationIndex: 30 / math.Sqrt(0.84), DiscriminativeEfficiency: 37.5,
				EffectiveWeight: 100 * math.Sqrt(0.6) / sumSqrt, Flags: []string{}},
			{Slot: 2, N: 5, Facility: 0.6, SD: math.Sqrt(0.7) / 2,
				DiscriminationIndex: 25 / math.Sqrt(1.75), DiscriminativeEfficiency: 20,
				EffectiveWeight: 100 * math.Sqrt(0.95) / sumSqrt, Flags: []string{}},
			{Slot: 3, N: 4, Facility: 1.4 / 3, SD: math.Sqrt(1.3) / 3,
				DiscriminationIndex: 85 / math.Sqrt(0.91), DiscriminativeEfficiency: 100,
				EffectiveWeight: 100 * math.Sqrt(2.15) / sumSqrt, Flags: []string{}},
		},
	}
	checkStats(t, got, want, 1e-9)

	// The effective weights of all slots add up to 100 %.
	ew := 0.0
	for _, s := range got.Slots {
		ew += s.EffectiveWeight
	}
	if !closeTo(ew, 100, 1e-9) {
		t.Errorf("Σ effective weight = %v, want 100", ew)
	}
	// The input is not modified (NaN stays NaN).
	if !math.IsNaN(in.Marks[4][2]) {
		t.Errorf("ComputeStats changed its input: %v", in.Marks[4])
	}
}

// TestComputeStatsEdgeCases: few attempts, zero variance, a question nobody
// attempted, a single question, a slot worth 0. Each expected figure is
// worked out in the comment of its case; undefined figures are NaN.
func TestComputeStatsEdgeCases(t *testing.T) {
	allNaN := quizzes.QuizStats{Mean: nan, Median: nan, SD: nan, Skewness: nan, Kurtosis: nan,
		CronbachAlpha: nan, ErrorRatio: nan, StandardError: nan}
	item := func(slot, n int, facility, sd, di, de, ew float64, flags ...string) quizzes.ItemStats {
		if flags == nil {
			flags = []string{}
		}
		return quizzes.ItemStats{Slot: slot, N: n, Facility: facility, SD: sd, DiscriminationIndex: di,
			DiscriminativeEfficiency: de, EffectiveWeight: ew, Flags: flags}
	}
	with := func(s quizzes.QuizStats, f func(*quizzes.QuizStats)) quizzes.QuizStats {
		f(&s)
		return s
	}
	third := math.Sqrt(1.0 / 3)

	tests := []struct {
		name string
		in   quizzes.StatsInput
		want quizzes.QuizStats
	}{
		{
			// No attempts at all: nothing is defined, and no flags.
			name: "no attempts",
			in:   quizzes.StatsInput{MaxMarks: []float64{1, 1}},
			want: with(allNaN, func(s *quizzes.QuizStats) {
				s.Slots = []quizzes.ItemStats{item(1, 0, nan, nan, nan, nan, nan), item(2, 0, nan, nan, nan, nan, nan)}
			}),
		},
		{
			// N = 1: total 2 of 3 → mean = median = 66.67 %; everything that
			// needs a spread is NaN. Facility 1 → too easy, 0.5 → no flag.
			name: "one attempt",
			in:   quizzes.StatsInput{MaxMarks: []float64{1, 2}, Marks: [][]float64{{1, 1}}},
			want: with(allNaN, func(s *quizzes.QuizStats) {
				s.N, s.Mean, s.Median = 1, 200.0/3, 200.0/3
				s.Slots = []quizzes.ItemStats{
					item(1, 1, 1, nan, nan, nan, nan, quizzes.FlagTooEasy),
					item(2, 1, 0.5, nan, nan, nan, nan),
				}
			}),
		},
		{
			// N = 2: totals 2, 1 of 2 → mean = median = 75 %; SD = √0.5 → √0.5/2×100.
			// Skewness needs N ≥ 3, kurtosis N ≥ 4, and Moodle computes α
			// (hence error ratio and standard error) only for N ≥ 3.
			// Q1 1,0: var 0.5 → SD √0.5; rest (Q2) constant 1 → DI NaN;
			// covmax = Σ(±0.5)·0 = 0 → DE NaN; cov(Q1,total) = 0.5.
			// Q2 constant 1: facility 1, SD 0, DI/DE NaN, cov with total 0.
			// EW: 100·√0.5/(√0.5+0) = 100 and 0.
			name: "two attempts",
			in:   quizzes.StatsInput{MaxMarks: []float64{1, 1}, Marks: [][]float64{{1, 1}, {0, 1}}},
			want: with(allNaN, func(s *quizzes.QuizStats) {
				s.N, s.Mean, s.Median, s.SD = 2, 75, 75, math.Sqrt(0.5)/2*100
				s.Slots = []quizzes.ItemStats{
					item(1, 2, 0.5, math.Sqrt(0.5), nan, nan, 100),
					item(2, 2, 1, 0, nan, nan, 0, quizzes.FlagTooEasy),
				}
			}),
		},
		{
			// N = 3: totals 2, 1, 0 → mean 1 (50 %), median 1 (50 %),
			// var = (1+0+1)/2 = 1 → SD 1/2×100 = 50 %; symmetric → skewness 0;
			// kurtosis needs N ≥ 4.
			// Q1 1,1,0: mean 2/3, var (1/9+1/9+4/9)/2 = 1/3; Q2 1,0,0: var 1/3.
			// α = 2·(1 − (2/3)/1) = 2/3 → 66.67 %; error ratio √(1/3) → 57.74 %;
			// standard error √(1/3)·1 mark → /2×100.
			// Q1: rest = Q2 (1,0,0; mean 1/3); Σ dev·devrest = (1/3)(2/3)+(1/3)(−1/3)+(−2/3)(−1/3) = 1/3
			//     → cov 1/6; DI = 100·(1/6)/√(1/3·1/3) = 50.
			//     sorted 0 1 1 × 0 0 1: (−2/3)(−1/3)+(1/3)(−1/3)+(1/3)(2/3) = 1/3 → covmax 1/6 → DE 100.
			//     cov(Q1,total) = 1/3+1/6 = 1/2.
			// Q2: symmetric: DI 50, DE 100, cov with total 1/2 → EW 50 each.
			name: "three attempts",
			in:   quizzes.StatsInput{MaxMarks: []float64{1, 1}, Marks: [][]float64{{1, 1}, {1, 0}, {0, 0}}},
			want: quizzes.QuizStats{N: 3, Mean: 50, Median: 50, SD: 50, Skewness: 0, Kurtosis: nan,
				CronbachAlpha: 200.0 / 3, ErrorRatio: 100 * third, StandardError: third / 2 * 100,
				Slots: []quizzes.ItemStats{
					item(1, 3, 2.0/3, third, 50, 100, 50),
					item(2, 3, 1.0/3, third, 50, 100, 50),
				}},
		},
		{
			// All totals equal (1 of 2): SD is 0 — a real value — but
			// skewness, kurtosis and α divide by the variance: NaN.
			// Items are constant: SD 0, DI/DE NaN, every cov with total is 0
			// so Σ√cov = 0 and EW is NaN. Facility 1 and 0 flag.
			name: "all equal scores",
			in: quizzes.StatsInput{MaxMarks: []float64{1, 1},
				Marks: [][]float64{{1, 0}, {1, 0}, {1, 0}, {1, 0}}},
			want: with(allNaN, func(s *quizzes.QuizStats) {
				s.N, s.Mean, s.Median, s.SD = 4, 50, 50, 0
				s.Slots = []quizzes.ItemStats{
					item(1, 4, 1, 0, nan, nan, nan, quizzes.FlagTooEasy),
					item(2, 4, 0, 0, nan, nan, nan, quizzes.FlagTooHard),
				}
			}),
		},
		{
			// Equal totals from marks that do not add up exactly in binary
			// (0.1 + 0.2): still exactly zero variance, no garbage ratios.
			// Mean 0.30000000000000004/2 ×100 = 15 % (to 1e-9).
			name: "all equal scores, inexact decimals",
			in: quizzes.StatsInput{MaxMarks: []float64{1, 1},
				Marks: [][]float64{{0.1, 0.2}, {0.1, 0.2}, {0.1, 0.2}, {0.1, 0.2}, {0.1, 0.2}}},
			want: with(allNaN, func(s *quizzes.QuizStats) {
				s.N, s.Mean, s.Median, s.SD = 5, 15, 15, 0
				s.Slots = []quizzes.ItemStats{
					item(1, 5, 0.1, 0, nan, nan, nan),
					item(2, 5, 0.2, 0, nan, nan, nan),
				}
			}),
		},
		{
			// Q3 attempted by nobody: N = 0, every item figure NaN, no flag.
			// It still counts in the maximum (3) and in k for α (its variance is 0).
			// Totals 2,1,0,1: mean 1 → 33.33 %, median 1 → 33.33 %,
			// var (1+0+1+0)/3 = 2/3 → SD √(2/3)/3×100.
			// Deviations 1,0,−1,0: m3 = 0 → skewness 0;
			// m2 = 0.5, m4 = 0.5, k2 = 2/3, k4 = 16·(5·0.5 − 3·3·0.25)/(3·2·1) = 2/3
			// → kurtosis (2/3)/(4/9) = 1.5.
			// Q1 1,1,0,0 and Q2 1,0,0,1: var 1/3 each.
			// α = 3/2·(1 − (2/3)/(2/3)) = 0 → error ratio 100 %, standard error = SD.
			// Q1: rest = Q2 (+0): cov = Σ(.5)(.5)+(.5)(−.5)+(−.5)(−.5)+(−.5)(.5) = 0 → DI 0, DE 0 → low.
			//     sorted 0 0 1 1 × 0 0 1 1 → covmax = 4·0.25/3 = 1/3.
			//     cov with total = 1/3 + 0. Q2 the same → EW 50 each.
			name: "question nobody attempted",
			in: quizzes.StatsInput{MaxMarks: []float64{1, 1, 1},
				Marks: [][]float64{{1, 1, nan}, {1, 0, nan}, {0, 0, nan}, {0, 1, nan}}},
			want: quizzes.QuizStats{N: 4, Mean: 100.0 / 3, Median: 100.0 / 3, SD: math.Sqrt(2.0/3) / 3 * 100,
				Skewness: 0, Kurtosis: 1.5, CronbachAlpha: 0, ErrorRatio: 100, StandardError: math.Sqrt(2.0/3) / 3 * 100,
				Slots: []quizzes.ItemStats{
					item(1, 4, 0.5, math.Sqrt(1.0/3), 0, 0, 50, quizzes.FlagLowDiscrimination),
					item(2, 4, 0.5, math.Sqrt(1.0/3), 0, 0, 50, quizzes.FlagLowDiscrimination),
					item(3, 0, nan, nan, nan, nan, nan),
				}},
		},
		{
			// One question worth 2: marks 2,1,0,1 → totals the same as above:
			// mean 50 %, median 50 %, SD √(2/3)/2×100, skewness 0, kurtosis 1.5.
			// α needs ≥ 2 questions → NaN (and error ratio, standard error).
			// Rest of test is always 0 → DI and DE NaN; EW 100 %.
			// Item SD fraction = √(2/3)/2.
			name: "one question",
			in:   quizzes.StatsInput{MaxMarks: []float64{2}, Marks: [][]float64{{2}, {1}, {0}, {1}}},
			want: with(allNaN, func(s *quizzes.QuizStats) {
				s.N, s.Mean, s.Median, s.SD = 4, 50, 50, math.Sqrt(2.0/3)/2*100
				s.Skewness, s.Kurtosis = 0, 1.5
				s.Slots = []quizzes.ItemStats{item(1, 4, 0.5, math.Sqrt(2.0/3)/2, nan, nan, 100)}
			}),
		},
		{
			// A slot worth 0 marks has no facility or SD; it adds nothing.
			// Totals 1,0,1 of 1: mean 66.67 %, median 100 %, var 1/3 → SD √(1/3)×100.
			// Skewness: dev 1/3,−2/3,1/3: m2 = 2/9, m3 = (1/27−8/27+1/27)/3 = −2/27,
			// k2 = 1/3, k3 = 9·(−2/27)/2 = −1/3 → −(1/3)/(1/3)^1.5 = −√3.
			// α: (2/1)·(1 − (1/3+0)/(1/3)) = 0 → error ratio 100 %, SE = SD.
			// Q1: rest constant 0 → DI, DE NaN; cov with total 1/3 → EW 100; Q2: EW 0.
			name: "slot worth zero",
			in:   quizzes.StatsInput{MaxMarks: []float64{1, 0}, Marks: [][]float64{{1, 0}, {0, 0}, {1, nan}}},
			want: quizzes.QuizStats{N: 3, Mean: 200.0 / 3, Median: 100, SD: third * 100,
				Skewness: -math.Sqrt(3), Kurtosis: nan, CronbachAlpha: 0, ErrorRatio: 100, StandardError: third * 100,
				Slots: []quizzes.ItemStats{
					item(1, 3, 2.0/3, third, nan, nan, 100),
					item(2, 2, nan, nan, nan, nan, 0),
				}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := quizzes.ComputeStats(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			checkStats(t, got, tc.want, 1e-9)
		})
	}
}

// TestComputeStatsFlags: facility ≥ 95 % → too_easy, ≤ 5 % → too_hard,
// discriminative efficiency < 15 % → low_discrimination.
func TestComputeStatsFlags(t *testing.T) {
	// twenty builds 20 attempts × 3 one-mark slots: Q1 right for the last
	// `easy` attempts, Q2 right for the last `hard` attempts, Q3 right for the
	// last 10. Every item rises with the rest of the test, so each
	// discriminative efficiency is 100 % (or NaN for a constant item) and only
	// the facility flags can fire.
	twenty := func(easy, hard int) quizzes.StatsInput {
		in := quizzes.StatsInput{MaxMarks: []float64{1, 1, 1}}
		for i := range 20 {
			row := []float64{0, 0, 0}
			if i >= 20-easy {
				row[0] = 1
			}
			if i >= 20-hard {
				row[1] = 1
			}
			if i >= 10 {
				row[2] = 1
			}
			in.Marks = append(in.Marks, row)
		}
		return in
	}
	tests := []struct {
		name      string
		in        quizzes.StatsInput
		flags     [][]string
		efficient []float64 // expected discriminative efficiency per slot (NaN = undefined)
	}{
		{"facility 95 % and 5 % (19/20, 1/20)", twenty(19, 1),
			[][]string{{quizzes.FlagTooEasy}, {quizzes.FlagTooHard}, {}}, []float64{100, 100, 100}},
		{"facility 90 % and 10 % (18/20, 2/20)", twenty(18, 2),
			[][]string{{}, {}, {}}, []float64{100, 100, 100}},
		{"facility 100 % and 0 %", twenty(20, 0),
			[][]string{{quizzes.FlagTooEasy}, {quizzes.FlagTooHard}, {}}, []float64{nan, nan, nan}}, // Q3's rest is constant
		{
			// Q1 (max 1) 1,0,0,1 against Q2 (max 3) 0,3,3,1: they move in
			// opposite directions. Q1: rest = Q2, mean 1.75:
			// Σ dev·devrest = (.5)(−1.75)+(−.5)(1.25)+(−.5)(1.25)+(.5)(−.75) = −2.5;
			// sorted 0 0 1 1 × 0 1 3 3 → .875+.375+.625+.625 = 2.5 → DE = −100 %.
			// Q2 mirrors it → −100 %. Both are flagged; facilities 50 % and 58 %.
			"negative discrimination",
			quizzes.StatsInput{MaxMarks: []float64{1, 3}, Marks: [][]float64{{1, 0}, {0, 3}, {0, 3}, {1, 1}}},
			[][]string{{quizzes.FlagLowDiscrimination}, {quizzes.FlagLowDiscrimination}}, []float64{-100, -100},
		},
		{
			// Low discrimination and too easy at once, in the documented order:
			// Q1 right for 19 of 20 but the one miss is by the best attempt.
			"low and too easy",
			func() quizzes.StatsInput {
				in := twenty(19, 1)
				in.Marks[0][0], in.Marks[19][0] = 1, 0
				return in
			}(),
			nil, nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := quizzes.ComputeStats(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if tc.flags == nil { // the "low and too easy" case
				if f := got.Slots[0].Flags; !reflect.DeepEqual(f, []string{quizzes.FlagLowDiscrimination, quizzes.FlagTooEasy}) {
					t.Errorf("Slots[0].Flags = %q (DE %v, facility %v)", f, got.Slots[0].DiscriminativeEfficiency, got.Slots[0].Facility)
				}
				return
			}
			for j, want := range tc.flags {
				if !reflect.DeepEqual(got.Slots[j].Flags, want) {
					t.Errorf("Slots[%d].Flags = %q, want %q (facility %v, DE %v)", j, got.Slots[j].Flags, want,
						got.Slots[j].Facility, got.Slots[j].DiscriminativeEfficiency)
				}
				if !closeTo(got.Slots[j].DiscriminativeEfficiency, tc.efficient[j], 1e-9) {
					t.Errorf("Slots[%d].DiscriminativeEfficiency = %v, want %v", j, got.Slots[j].DiscriminativeEfficiency, tc.efficient[j])
				}
			}
		})
	}

	// Negative covariance with the total: Moodle shows no effective weight
	// for that slot and leaves it out of the sum. In the "negative
	// discrimination" data cov(Q1, total) = 1/3 + (−2.5/3) = −0.5 < 0, and
	// cov(Q2, total) = 2.25 − 2.5/3 > 0 → EW = NaN, 100.
	got, err := quizzes.ComputeStats(tests[3].in)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(got.Slots[0].EffectiveWeight) || !closeTo(got.Slots[1].EffectiveWeight, 100, 1e-9) {
		t.Errorf("effective weights = %v, %v; want NaN, 100", got.Slots[0].EffectiveWeight, got.Slots[1].EffectiveWeight)
	}
}

func TestComputeStatsInvalid(t *testing.T) {
	tests := []struct {
		name  string
		in    quizzes.StatsInput
		field string // the error must name it
	}{
		{"no slots", quizzes.StatsInput{}, "MaxMarks"},
		{"empty MaxMarks", quizzes.StatsInput{MaxMarks: []float64{}, Marks: [][]float64{{}}}, "MaxMarks"},
		{"negative max", quizzes.StatsInput{MaxMarks: []float64{1, -1}}, "MaxMarks[1]"},
		{"NaN max", quizzes.StatsInput{MaxMarks: []float64{nan}}, "MaxMarks[0]"},
		{"infinite max", quizzes.StatsInput{MaxMarks: []float64{math.Inf(1)}}, "MaxMarks[0]"},
		{"short row", quizzes.StatsInput{MaxMarks: []float64{1, 1}, Marks: [][]float64{{1, 1}, {1}}}, "Marks[1]"},
		{"long row", quizzes.StatsInput{MaxMarks: []float64{1, 1}, Marks: [][]float64{{1, 1, 1}}}, "Marks[0]"},
		{"negative mark", quizzes.StatsInput{MaxMarks: []float64{1, 1}, Marks: [][]float64{{1, 1}, {0, -0.5}}}, "Marks[1][1]"},
		{"mark above max", quizzes.StatsInput{MaxMarks: []float64{1, 2}, Marks: [][]float64{{1, 2.5}}}, "Marks[0][1]"},
		{"infinite mark", quizzes.StatsInput{MaxMarks: []float64{1}, Marks: [][]float64{{math.Inf(1)}}}, "Marks[0][0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := quizzes.ComputeStats(tc.in)
			if !errors.Is(err, quizzes.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("err = %q, want it to name %s", err, tc.field)
			}
		})
	}

	// Rounding noise above the max (0.1·3 scaled back) is not an error.
	if _, err := quizzes.ComputeStats(quizzes.StatsInput{MaxMarks: []float64{0.3},
		Marks: [][]float64{{0.1 * 3}}}); err != nil {
		t.Errorf("mark 0.1·3 of max 0.3: %v", err)
	}
}

// TestComputeStatsAgainstTextbook recomputes every figure of random quizzes
// with the textbook formulas in a different form (one-pass sums, Pearson's
// r, the adjusted Fisher–Pearson G1 and G2) and compares.
func TestComputeStatsAgainstTextbook(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	for round := range 50 {
		n, k := 4+rng.Intn(30), 2+rng.Intn(6)
		in := quizzes.StatsInput{}
		for range k {
			in.MaxMarks = append(in.MaxMarks, float64(1+rng.Intn(4)))
		}
		for range n {
			row := make([]float64, k)
			for j := range row {
				switch {
				case rng.Intn(10) == 0:
					row[j] = nan
				default:
					row[j] = float64(rng.Intn(int(in.MaxMarks[j])*2+1)) / 2 // half marks
				}
			}
			in.Marks = append(in.Marks, row)
		}
		got, err := quizzes.ComputeStats(in)
		if err != nil {
			t.Fatal(err)
		}

		x := make([][]float64, k) // x[j][i], NaN → 0
		tot := make([]float64, n)
		maxTotal := 0.0
		for j := range k {
			maxTotal += in.MaxMarks[j]
			x[j] = make([]float64, n)
			for i := range n {
				if v := in.Marks[i][j]; !math.IsNaN(v) {
					x[j][i] = v
				}
				tot[i] += x[j][i]
			}
		}
		nf := float64(n)
		sum := func(a []float64) (s float64) {
			for _, v := range a {
				s += v
			}
			return s
		}
		cov := func(a, b []float64) float64 { // (Σab − ΣaΣb/n)/(n−1)
			sab := 0.0
			for i := range a {
				sab += a[i] * b[i]
			}
			return (sab - sum(a)*sum(b)/nf) / (nf - 1)
		}
		sorted := func(a []float64) []float64 {
			s := append([]float64(nil), a...)
			sort.Float64s(s)
			return s
		}

		mean := sum(tot) / nf
		var m2, m3, m4 float64
		for _, v := range tot {
			d := v - mean
			m2 += d * d / nf
			m3 += d * d * d / nf
			m4 += d * d * d * d / nf
		}
		g1, g2 := m3/math.Pow(m2, 1.5), m4/(m2*m2)-3
		vt := cov(tot, tot)
		sumVar := 0.0
		for j := range k {
			sumVar += cov(x[j], x[j])
		}
		alpha := float64(k) / float64(k-1) * (1 - sumVar/vt)
		st := sorted(tot)
		median := st[n/2]
		if n%2 == 0 {
			median = (st[n/2-1] + st[n/2]) / 2
		}
		want := quizzes.QuizStats{
			Mean:          mean / maxTotal * 100,
			Median:        median / maxTotal * 100,
			SD:            math.Sqrt(vt) / maxTotal * 100,
			Skewness:      g1 * math.Sqrt(nf*(nf-1)) / (nf - 2),
			Kurtosis:      ((nf+1)*g2 + 6) * (nf - 1) / ((nf - 2) * (nf - 3)),
			CronbachAlpha: 100 * alpha,
			ErrorRatio:    100 * math.Sqrt(1-alpha),
			StandardError: math.Sqrt(1-alpha) * math.Sqrt(vt) / maxTotal * 100,
		}
		if vt == 0 {
			continue // a degenerate draw; the edge cases cover it
		}
		figs := testFigures(got, want)

		sqrtSum := 0.0
		for j := range k {
			if c := cov(x[j], tot); c > -1e-12 {
				sqrtSum += math.Sqrt(math.Max(c, 0))
			}
		}
		for j := range k {
			rest := make([]float64, n)
			for i := range n {
				rest[i] = tot[i] - x[j][i]
			}
			vx, vr, c := cov(x[j], x[j]), cov(rest, rest), cov(x[j], rest)
			di, de, ew := nan, nan, nan
			if vx*vr > 1e-12 { // one-pass sums leave rounding noise where the exact value is 0
				di = 100 * c / math.Sqrt(vx*vr)
			}
			if cm := cov(sorted(x[j]), sorted(rest)); math.Abs(cm) > 1e-12 {
				de = 100 * c / cm
			}
			if ct := cov(x[j], tot); ct > -1e-12 {
				ew = 100 * math.Sqrt(math.Max(ct, 0)) / sqrtSum
			}
			w := quizzes.ItemStats{Facility: sum(x[j]) / nf / in.MaxMarks[j],
				SD: math.Sqrt(vx) / in.MaxMarks[j], DiscriminationIndex: di, DiscriminativeEfficiency: de, EffectiveWeight: ew}
			if got.Slots[j].N == 0 {
				w = quizzes.ItemStats{Facility: nan, SD: nan, DiscriminationIndex: nan, DiscriminativeEfficiency: nan, EffectiveWeight: nan}
			}
			figs = append(figs, itemFigures("slot", got.Slots[j], w)...)
		}
		for _, f := range figs {
			if !closeTo(f.got, f.want, 1e-6) {
				t.Errorf("round %d (n=%d k=%d): %s = %.15g, want %.15g", round, n, k, f.name, f.got, f.want)
			}
		}
	}
}

func TestPickAttempts(t *testing.T) {
	type attempt struct {
		id      string
		person  int64
		started int // minutes
		grade   float64
	}
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	// Person 1: a1 first, a2 and a3 share the best grade (a2 started first),
	// a3 last. Person 2: b2 started first (grade −1), b1 last with a NaN
	// grade, which counts as 0 and so beats −1. Person 3: c1 and c2 started
	// at the same time with the same grade: the slice order decides.
	attempts := []attempt{
		{"a2", 1, 20, 8},
		{"b1", 2, 25, nan},
		{"c1", 3, 10, 3},
		{"a1", 1, 10, 5},
		{"b2", 2, 5, -1},
		{"c2", 3, 10, 3},
		{"a3", 1, 30, 8},
	}
	person := func(a attempt) int64 { return a.person }
	started := func(a attempt) time.Time { return base.Add(time.Duration(a.started) * time.Minute) }
	grade := func(a attempt) float64 { return a.grade }

	tests := []struct {
		pick  quizzes.AttemptPick
		valid bool
		want  []string // ids, in input order
	}{
		{quizzes.AttemptPickFirst, true, []string{"c1", "a1", "b2"}},
		{"", true, []string{"c1", "a1", "b2"}}, // default: first
		{quizzes.AttemptPickLast, true, []string{"b1", "c2", "a3"}},
		{quizzes.AttemptPickHighest, true, []string{"a2", "b1", "c1"}},
		{quizzes.AttemptPickAll, true, []string{"a2", "b1", "c1", "a1", "b2", "c2", "a3"}},
		{"average", false, nil},
	}
	for _, tc := range tests {
		t.Run(string(tc.pick), func(t *testing.T) {
			if tc.pick.Valid() != tc.valid {
				t.Errorf("Valid() = %v, want %v", tc.pick.Valid(), tc.valid)
			}
			for range 5 { // deterministic: the same answer every time
				var ids []string
				for _, a := range quizzes.PickAttempts(attempts, person, started, grade, tc.pick) {
					ids = append(ids, a.id)
				}
				if !reflect.DeepEqual(ids, tc.want) {
					t.Fatalf("PickAttempts(%q) = %v, want %v", tc.pick, ids, tc.want)
				}
			}
		})
	}

	// "all" returns a copy, not the caller's slice.
	all := quizzes.PickAttempts(attempts, person, started, grade, quizzes.AttemptPickAll)
	all[0].id = "changed"
	if attempts[0].id != "a2" {
		t.Error("PickAttempts(all) returned the input slice itself")
	}
	// No attempts → nothing picked.
	for _, p := range []quizzes.AttemptPick{quizzes.AttemptPickFirst, quizzes.AttemptPickHighest, quizzes.AttemptPickLast, quizzes.AttemptPickAll} {
		if got := quizzes.PickAttempts(nil, person, started, grade, p); len(got) != 0 {
			t.Errorf("PickAttempts(nil, %q) = %v", p, got)
		}
	}
}
