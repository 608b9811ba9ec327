package quizzes

// Item analysis: quiz (test) statistics and per-question (item) statistics
// with the formulas of Moodle's quiz statistics report
// (mod/quiz/report/statistics/classes/calculator.php and
// question/classes/statistics/questions/calculator.php). The formulas, the
// units of every figure and the few deliberate differences from Moodle are
// written down in docs/ITEM-ANALYSIS.md.

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// StatsInput is the data of one quiz: one row per attempt (already selected
// by the caller, see PickAttempts), one column per question slot.
type StatsInput struct {
	// MaxMarks is the mark each slot is worth (≥ 0, finite). A slot worth 0
	// is allowed (as in Moodle); its facility and SD are NaN.
	MaxMarks []float64
	// Marks[attempt][slot] is the mark scored, 0..MaxMarks[slot]. NaN means
	// the question was not attempted: it counts as 0 in every calculation
	// (Moodle does the same) and only lowers ItemStats.N.
	Marks [][]float64
}

// QuizStats are the test statistics of a quiz plus one ItemStats per slot.
// Every figure is NaN when it is undefined (too few attempts, zero variance,
// a single question, …); see docs/ITEM-ANALYSIS.md for each condition.
type QuizStats struct {
	// N is the number of attempts (rows) analysed.
	N int
	// Mean, Median, SD and StandardError are in percent of the maximum total
	// mark ΣMaxMarks, as Moodle shows them (raw mark = value × ΣMaxMarks / 100).
	// SD uses the n−1 (sample) divisor.
	Mean, Median, SD float64
	// Skewness and Kurtosis (excess kurtosis) are plain numbers, no unit.
	Skewness, Kurtosis float64
	// CronbachAlpha (Moodle: "coefficient of internal consistency") and
	// ErrorRatio are percentages: α = 0.8 is reported as 80.
	CronbachAlpha, ErrorRatio float64
	// StandardError is in percent of the maximum total mark, like SD.
	StandardError float64
	// Slots has one entry per column of StatsInput.Marks, in column order.
	Slots []ItemStats
}

// ItemStats are the statistics of one question slot.
type ItemStats struct {
	// Slot is the 1-based slot number (column index + 1), as Moodle numbers
	// slots.
	Slot int
	// N is the number of attempts that attempted the slot (mark not NaN).
	// The figures below are nevertheless computed over all QuizStats.N
	// attempts with a not-attempted question counting as 0, as Moodle does;
	// when N is 0 (nobody attempted the slot) they are all NaN.
	N int
	// Facility is the mean mark ÷ MaxMarks, a fraction 0..1 (Moodle shows
	// it ×100 as "Facility index").
	Facility float64
	// SD is the standard deviation (n−1) of mark ÷ MaxMarks, a fraction 0..1
	// like Facility (Moodle shows it ×100).
	SD float64
	// DiscriminationIndex is 100 × the correlation between the slot's mark and
	// the rest of the test (total − slot), in percent (−100..100).
	DiscriminationIndex float64
	// DiscriminativeEfficiency is 100 × cov(slot, rest) ÷ the largest
	// covariance the two score distributions allow (both sorted), in percent.
	DiscriminativeEfficiency float64
	// EffectiveWeight is 100 × √cov(slot, total) ÷ Σ √cov(slot', total) over
	// the slots whose covariance is not negative, in percent; NaN for a slot
	// with a negative covariance (Moodle: "Negative covariance").
	EffectiveWeight float64
	// Flags lists the reasons to review the question, in this order:
	// FlagLowDiscrimination, FlagTooEasy, FlagTooHard. Never nil.
	Flags []string
}

// Flags of ItemStats.
const (
	FlagLowDiscrimination = "low_discrimination" // discriminative efficiency < 15 %
	FlagTooEasy           = "too_easy"           // facility ≥ 95 %
	FlagTooHard           = "too_hard"           // facility ≤ 5 %
)

// Flag thresholds. Comparisons allow statsFlagTolerance for floating-point
// rounding, so a facility of exactly 19/20 is "too easy" and a discriminative
// efficiency of exactly 15 % is not "low".
const (
	statsLowEfficiency  = 15.0 // percent, as Moodle's is_dubious_question
	statsTooEasy        = 0.95
	statsTooHard        = 0.05
	statsFlagTolerance  = 1e-9
	statsMarkTolerance  = 1e-9 // relative: a mark may exceed its max by rounding noise
	statsPercent        = 100.0
	statsMinForSkewness = 3 // Moodle: s > 2
	statsMinForKurtosis = 4 // Moodle: s > 3
	statsMinForAlpha    = 3 // Moodle computes α inside its s > 2 branch
)

// ComputeStats computes the test and item statistics of in. It returns an
// error wrapping ErrInvalid, naming the field, when MaxMarks is empty or holds
// a negative or non-finite value, when a row of Marks does not have one mark
// per slot, or when a mark is negative, infinite or above its slot's max.
// It never panics; undefined figures are NaN.
func ComputeStats(in StatsInput) (QuizStats, error) {
	if err := statsValidate(in); err != nil {
		return QuizStats{}, err
	}
	n, k := len(in.Marks), len(in.MaxMarks)

	// Item marks with NaN (not attempted) as 0, per slot; totals per attempt.
	marks := make([][]float64, k)
	answered := make([]int, k)
	totals := make([]float64, n)
	maxTotal := 0.0
	for j := range k {
		maxTotal += in.MaxMarks[j]
		marks[j] = make([]float64, n)
		for i, row := range in.Marks {
			if m := row[j]; !math.IsNaN(m) {
				marks[j][i] = m
				answered[j]++
			}
		}
	}
	for i := range n {
		for j := range k {
			totals[i] += marks[j][i]
		}
	}

	qs := QuizStats{N: n}
	qs.Slots = make([]ItemStats, k)
	sumItemVariance := statsItems(qs.Slots, in.MaxMarks, marks, answered, totals)
	statsTest(&qs, totals, maxTotal, k, sumItemVariance)
	return qs, nil
}

func statsValidate(in StatsInput) error {
	if len(in.MaxMarks) == 0 {
		return fmt.Errorf("%w: MaxMarks: empty, a quiz needs at least one slot", ErrInvalid)
	}
	for j, mm := range in.MaxMarks {
		if math.IsNaN(mm) || math.IsInf(mm, 0) || mm < 0 {
			return fmt.Errorf("%w: MaxMarks[%d]: %v is not a mark (finite, ≥ 0)", ErrInvalid, j, mm)
		}
	}
	for i, row := range in.Marks {
		if len(row) != len(in.MaxMarks) {
			return fmt.Errorf("%w: Marks[%d]: %d marks for %d slots (ragged rows)", ErrInvalid, i, len(row), len(in.MaxMarks))
		}
		for j, m := range row {
			switch {
			case math.IsNaN(m):
				// Not attempted.
			case math.IsInf(m, 0):
				return fmt.Errorf("%w: Marks[%d][%d]: %v is not a mark", ErrInvalid, i, j, m)
			case m < 0:
				return fmt.Errorf("%w: Marks[%d][%d]: %v is negative", ErrInvalid, i, j, m)
			case m > in.MaxMarks[j]+statsMarkTolerance*math.Max(1, in.MaxMarks[j]):
				return fmt.Errorf("%w: Marks[%d][%d]: %v exceeds MaxMarks[%d] = %v", ErrInvalid, i, j, m, j, in.MaxMarks[j])
			}
		}
	}
	return nil
}

// statsTest fills the test statistics (Moodle's quiz_statistics\calculator).
// All moments are taken on raw total marks; the mark-valued figures are
// turned into percentages of maxTotal at the end.
func statsTest(qs *QuizStats, totals []float64, maxTotal float64, k int, sumItemVariance float64) {
	nan := math.NaN()
	qs.Mean, qs.Median, qs.SD = nan, nan, nan
	qs.Skewness, qs.Kurtosis = nan, nan
	qs.CronbachAlpha, qs.ErrorRatio, qs.StandardError = nan, nan, nan

	s := len(totals)
	if s == 0 {
		return
	}
	pct := func(raw float64) float64 {
		if maxTotal == 0 || math.IsNaN(raw) {
			return nan
		}
		return raw * statsPercent / maxTotal
	}

	mean := statsMean(totals)
	qs.Mean = pct(mean)
	qs.Median = pct(statsMedian(totals))
	if s < 2 {
		return
	}

	var p2, p3, p4 float64 // Σ (x − mean)^2, ^3, ^4 — Moodle's power2..power4
	for _, x := range totals {
		d := x - mean
		p2 += d * d
		p3 += d * d * d
		p4 += d * d * d * d
	}
	sf := float64(s)
	sd := math.Sqrt(p2 / (sf - 1))
	qs.SD = pct(sd)

	if s < statsMinForSkewness {
		return
	}
	m2, m3, m4 := p2/sf, p3/sf, p4/sf
	k2 := sf * m2 / (sf - 1) // the n−1 variance
	if k2 == 0 {
		return // all totals equal: skewness, kurtosis and α are undefined
	}
	k3 := sf * sf * m3 / ((sf - 1) * (sf - 2))
	qs.Skewness = k3 / math.Pow(k2, 1.5)
	if s >= statsMinForKurtosis {
		k4 := sf * sf * ((sf+1)*m4 - 3*(sf-1)*m2*m2) / ((sf - 1) * (sf - 2) * (sf - 3))
		qs.Kurtosis = k4 / (k2 * k2)
	}

	if k > 1 && s >= statsMinForAlpha {
		kf := float64(k)
		alpha := kf / (kf - 1) * (1 - sumItemVariance/k2)
		qs.CronbachAlpha = statsPercent * alpha
		// α ≤ 1 always (Cauchy–Schwarz); a hair above 1 is rounding noise.
		rest := 1 - alpha
		if rest < 0 && rest > -statsFlagTolerance {
			rest = 0
		}
		if rest >= 0 {
			errorRatio := math.Sqrt(rest)
			qs.ErrorRatio = statsPercent * errorRatio
			qs.StandardError = pct(errorRatio * sd)
		}
	}
}

// statsItems fills one ItemStats per slot (Moodle's
// core_question\statistics\questions\calculator) and returns Σ of the item
// mark variances (n−1), which Cronbach's α needs.
func statsItems(out []ItemStats, maxMarks []float64, marks [][]float64, answered []int, totals []float64) float64 {
	nan := math.NaN()
	s := len(totals)
	sf := float64(s)
	totalMean := statsMean(totals)

	sumItemVariance := 0.0
	covWithTotal := make([]float64, len(out))
	for j := range out {
		st := ItemStats{
			Slot: j + 1, N: answered[j],
			Facility: nan, SD: nan,
			DiscriminationIndex: nan, DiscriminativeEfficiency: nan, EffectiveWeight: nan,
		}
		covWithTotal[j] = nan
		x := marks[j]
		rest := make([]float64, s)
		for i := range s {
			rest[i] = totals[i] - x[i]
		}
		var xMean, restMean float64
		if s > 0 {
			xMean, restMean = statsMean(x), statsMean(rest)
		}
		if s > 0 && maxMarks[j] != 0 {
			st.Facility = xMean / maxMarks[j]
		}
		if s > 1 {
			var varSum, restVarSum, covSum, covMaxSum, covTotalSum float64
			xs, rs := statsSorted(x), statsSorted(rest)
			for i := range s {
				dx, dr, dt := x[i]-xMean, rest[i]-restMean, totals[i]-totalMean
				varSum += dx * dx
				restVarSum += dr * dr
				covSum += dx * dr
				covTotalSum += dx * dt
				covMaxSum += (xs[i] - xMean) * (rs[i] - restMean)
			}
			variance := varSum / (sf - 1)
			restVariance := restVarSum / (sf - 1)
			cov := covSum / (sf - 1)
			covMax := covMaxSum / (sf - 1)
			covWithTotal[j] = covTotalSum / (sf - 1)
			sumItemVariance += variance

			if maxMarks[j] != 0 {
				st.SD = math.Sqrt(variance) / maxMarks[j]
			}
			if prod := variance * restVariance; prod != 0 {
				st.DiscriminationIndex = statsPercent * cov / math.Sqrt(prod)
			}
			if covMax != 0 {
				st.DiscriminativeEfficiency = statsPercent * cov / covMax
			}
		}
		out[j] = st
	}

	// Effective weight: each slot's √cov(slot, total) as a share of the sum
	// over the slots whose covariance is not negative.
	sumSqrtCov := 0.0
	for _, c := range covWithTotal {
		if c >= 0 { // false for NaN
			sumSqrtCov += math.Sqrt(c)
		}
	}
	for j := range out {
		if c := covWithTotal[j]; c >= 0 && sumSqrtCov != 0 {
			out[j].EffectiveWeight = statsPercent * math.Sqrt(c) / sumSqrtCov
		}
	}

	for j := range out {
		st := &out[j]
		if st.N == 0 {
			// Nobody attempted the slot: there is nothing to say about it.
			st.Facility, st.SD = nan, nan
			st.DiscriminationIndex, st.DiscriminativeEfficiency, st.EffectiveWeight = nan, nan, nan
		}
		st.Flags = statsFlags(*st)
	}
	return sumItemVariance
}

func statsFlags(st ItemStats) []string {
	flags := []string{}
	if de := st.DiscriminativeEfficiency; !math.IsNaN(de) && de < statsLowEfficiency-statsFlagTolerance {
		flags = append(flags, FlagLowDiscrimination)
	}
	if f := st.Facility; !math.IsNaN(f) {
		if f >= statsTooEasy-statsFlagTolerance {
			flags = append(flags, FlagTooEasy)
		}
		if f <= statsTooHard+statsFlagTolerance {
			flags = append(flags, FlagTooHard)
		}
	}
	return flags
}

// statsMean is the arithmetic mean of a non-empty slice. When every value is
// the same it returns that value exactly, so that deviations from the mean
// are exactly 0 and a constant column has exactly zero variance (Σx/n alone
// can be off by one unit in the last place).
func statsMean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	constant, sum := true, 0.0
	for _, x := range xs {
		sum += x
		if x != xs[0] {
			constant = false
		}
	}
	if constant {
		return xs[0]
	}
	return sum / float64(len(xs))
}

// statsMedian is the middle value, or the mean of the two middle values.
func statsMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := statsSorted(xs)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

func statsSorted(xs []float64) []float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s
}

// AttemptPick says which attempts of each person the statistics use, like
// Moodle's "Calculate statistics from" setting.
type AttemptPick string

// The attempt picks. The zero value "" means AttemptPickFirst, Moodle's
// default: later attempts are not independent of the first.
const (
	AttemptPickFirst   AttemptPick = "first"   // each person's earliest attempt
	AttemptPickHighest AttemptPick = "highest" // each person's best-graded attempt
	AttemptPickLast    AttemptPick = "last"    // each person's latest attempt
	AttemptPickAll     AttemptPick = "all"     // every attempt, as if by different people
)

// Valid reports whether p is one of the picks (or "", which means first).
func (p AttemptPick) Valid() bool {
	switch p {
	case "", AttemptPickFirst, AttemptPickHighest, AttemptPickLast, AttemptPickAll:
		return true
	}
	return false
}

// PickAttempts chooses, for each person, the attempts the statistics use:
//
//   - first: the attempt with the earliest start (ties: the one earlier in attempts);
//   - last: the attempt with the latest start (ties: the one later in attempts);
//   - highest: the attempt with the highest grade, a NaN grade counting as 0
//     (ties: the earliest start, then the one earlier in attempts) — Moodle's
//     rule, which prefers the lowest attempt number among equal grades;
//   - all: every attempt.
//
// The result is a new slice holding the chosen attempts in their order in
// attempts, so it is deterministic. An invalid pick returns nil (check it with
// AttemptPick.Valid). The three functions must not be nil.
func PickAttempts[T any](attempts []T, person func(T) int64, started func(T) time.Time, grade func(T) float64, pick AttemptPick) []T {
	if !pick.Valid() {
		return nil
	}
	if pick == AttemptPickAll {
		return append([]T(nil), attempts...)
	}
	if pick == "" {
		pick = AttemptPickFirst
	}
	gradeOf := func(a T) float64 {
		g := grade(a)
		if math.IsNaN(g) {
			return 0 // Moodle: COALESCE(sumgrades, 0)
		}
		return g
	}
	// better reports whether attempt i beats the current choice c (i > c).
	better := func(i, c int) bool {
		ai, ac := attempts[i], attempts[c]
		switch pick {
		case AttemptPickFirst:
			return started(ai).Before(started(ac))
		case AttemptPickLast:
			return !started(ai).Before(started(ac)) // later or equal start, later in the slice
		default: // highest
			gi, gc := gradeOf(ai), gradeOf(ac)
			if gi != gc {
				return gi > gc
			}
			return started(ai).Before(started(ac))
		}
	}
	chosen := map[int64]int{}
	for i, a := range attempts {
		p := person(a)
		if c, ok := chosen[p]; !ok || better(i, c) {
			chosen[p] = i
		}
	}
	keep := make([]bool, len(attempts))
	for _, i := range chosen {
		keep[i] = true
	}
	var out []T
	for i, a := range attempts {
		if keep[i] {
			out = append(out, a)
		}
	}
	return out
}
