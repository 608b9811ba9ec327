package quizzes

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// FeedbackNotANumber is the feedback of a numerical response that is not a
// number; the web layer may translate it.
const FeedbackNotANumber = "not a number"

// Grade grades one response. It is deterministic and never fails: a response
// that does not fit the question (an index out of range, two choices for a
// single-answer question) earns 0. The rules per type are in
// docs/QUESTIONS.md; in short:
//
//   - multichoice, single answer: the chosen answer's fraction, floored at 0;
//   - multichoice, multiple answers: the sum of the chosen answers' fractions,
//     clamped to [0, 1];
//   - truefalse: 1 or 0;
//   - shortanswer: the fraction of the first answer that matches, after
//     Normalize, case-insensitively unless CaseSensitive, "*" a wildcard;
//   - numerical: the fraction of the first answer within its tolerance;
//   - matching: right pairs / pairs;
//   - ordering: (LIS − 1) / (n − 1), LIS the longest run of items the taker
//     put in the right relative order;
//   - essay: 0 and NeedsManual (when answered); description: 0, answered.
func Grade(q *Question, r Response) Result {
	switch q.Type {
	case MultiChoice:
		return gradeMultiChoice(q, r)
	case TrueFalse:
		return gradeTrueFalse(q, r)
	case ShortAnswer:
		return gradeShortAnswer(q, r)
	case Numerical:
		return gradeNumerical(q, r)
	case Matching:
		return gradeMatching(q, r)
	case Ordering:
		return gradeOrdering(q, r)
	case Essay:
		answered := strings.TrimSpace(r.Text) != ""
		return Result{Answered: answered, NeedsManual: answered}
	case Description:
		return Result{Answered: true}
	}
	return Result{}
}

// clamp01 limits a grade to [0, 1] and snaps values within fractionEpsilon
// of either end onto it, so 1/3 + 1/3 + 1/3 is exactly 1.
func clamp01(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < fractionEpsilon:
		return 0
	case x > 1-fractionEpsilon:
		return 1
	}
	return x
}

// snapFraction returns the fraction k/d (d ≤ 100, smallest d first) within
// fractionEpsilon of x, or x itself. Answer fractions such as 1/3 are not
// exact in binary, so their sums drift: 1/3 + 1/3 + 1/3 − 1/2 comes out as
// 0.49999999999999994. Snapping moves a grade by less than 1e-9 and makes
// sums of common fractions exactly what a person computes.
func snapFraction(x float64) float64 {
	for d := 1.0; d <= 100; d++ {
		if k := math.Round(x * d); math.Abs(x-k/d) <= fractionEpsilon {
			return k / d
		}
	}
	return x
}

// appendFeedback appends f when it says something.
func appendFeedback(fb []string, f string) []string {
	if strings.TrimSpace(f) == "" {
		return fb
	}
	return append(fb, f)
}

func gradeMultiChoice(q *Question, r Response) Result {
	if len(r.Choices) == 0 {
		return Result{}
	}
	n := len(q.Answers)
	if q.Single {
		if len(r.Choices) != 1 || r.Choices[0] < 0 || r.Choices[0] >= n {
			return Result{Answered: true}
		}
		a := q.Answers[r.Choices[0]]
		return Result{Fraction: clamp01(a.Fraction), Answered: true, Feedback: appendFeedback(nil, a.Feedback)}
	}
	chosen := make([]bool, n)
	for _, c := range r.Choices {
		if c < 0 || c >= n {
			return Result{Answered: true}
		}
		chosen[c] = true // choosing twice counts once
	}
	// Summing in the question's order, not the click order, keeps the float
	// result identical for the same set of choices.
	sum := 0.0
	var fb []string
	for i, a := range q.Answers {
		if chosen[i] {
			sum += a.Fraction
			fb = appendFeedback(fb, a.Feedback)
		}
	}
	return Result{Fraction: clamp01(snapFraction(sum)), Answered: true, Feedback: fb}
}

func gradeTrueFalse(q *Question, r Response) Result {
	if r.Bool == nil {
		return Result{}
	}
	if *r.Bool == q.Correct {
		return Result{Fraction: 1, Answered: true, Feedback: appendFeedback(nil, q.FeedbackCorrect)}
	}
	return Result{Answered: true, Feedback: appendFeedback(nil, q.FeedbackWrong)}
}

func gradeShortAnswer(q *Question, r Response) Result {
	resp := Normalize(r.Text)
	if resp == "" {
		return Result{}
	}
	for _, a := range q.Answers {
		if matchWildcard(Normalize(a.Text), resp, !q.CaseSensitive) {
			return Result{Fraction: clamp01(a.Fraction), Answered: true, Feedback: appendFeedback(nil, a.Feedback)}
		}
	}
	return Result{Answered: true}
}

// withinTolerance reports whether x is in [value − tol, value + tol]. Like
// Moodle (MDL-3225) it widens the interval by a hair, here relative to the
// magnitudes involved, so that 0.4 is within 0.3 ± 0.1 although
// 0.4 − 0.3 > 0.1 in binary floating point.
func withinTolerance(x, value, tol float64) bool {
	eps := 1e-12 * math.Max(1, math.Max(math.Abs(value), math.Max(math.Abs(x), tol)))
	return x >= value-tol-eps && x <= value+tol+eps
}

func gradeNumerical(q *Question, r Response) Result {
	if Normalize(r.Text) == "" {
		return Result{}
	}
	x, ok := parseResponseNumber(r.Text)
	if !ok {
		return Result{Answered: true, Feedback: []string{FeedbackNotANumber}}
	}
	// Moodle takes the first matching answer in order, not the best one.
	for _, a := range q.Answers {
		if a.Text == "*" || withinTolerance(x, a.Value, a.Tolerance) {
			return Result{Fraction: clamp01(a.Fraction), Answered: true, Feedback: appendFeedback(nil, a.Feedback)}
		}
	}
	return Result{Answered: true}
}

// isDistractor reports whether p is an extra answer with no question.
func isDistractor(p Pair) bool { return strings.TrimSpace(p.Question) == "" }

// matchPairs returns the pairs that have a question, in Pairs order: the
// ones Response.Matches answers.
func matchPairs(q *Question) []Pair {
	var ps []Pair
	for _, p := range q.Pairs {
		if !isDistractor(p) {
			ps = append(ps, p)
		}
	}
	return ps
}

func gradeMatching(q *Question, r Response) Result {
	pairs := matchPairs(q)
	answered, right := false, 0
	for k, m := range r.Matches {
		if m == "" {
			continue
		}
		answered = true
		if k < len(pairs) && m == pairs[k].Answer {
			right++
		}
	}
	if !answered {
		return Result{}
	}
	if len(pairs) == 0 {
		return Result{Answered: true}
	}
	return Result{Fraction: clamp01(float64(right) / float64(len(pairs))), Answered: true}
}

// cleanOrder drops item indexes out of range and repeats of an index (the
// first place counts), so the LIS sees each item at most once.
func cleanOrder(order []int, n int) []int {
	seen := make([]bool, n)
	out := make([]int, 0, len(order))
	for _, i := range order {
		if i < 0 || i >= n || seen[i] {
			continue
		}
		seen[i] = true
		out = append(out, i)
	}
	return out
}

// lisLength is the length of the longest strictly increasing subsequence of
// xs (patience sorting, O(n log n)).
func lisLength(xs []int) int {
	var tails []int
	for _, x := range xs {
		i := sort.SearchInts(tails, x)
		if i == len(tails) {
			tails = append(tails, x)
		} else {
			tails[i] = x
		}
	}
	return len(tails)
}

func gradeOrdering(q *Question, r Response) Result {
	n := len(q.Items)
	order := cleanOrder(r.Order, n)
	if len(order) == 0 {
		return Result{}
	}
	if n < 2 {
		return Result{Fraction: 1, Answered: true}
	}
	l := lisLength(order)
	return Result{Fraction: clamp01(float64(l-1) / float64(n-1)), Answered: true}
}

// Review is what the review page may show after submission; the caller
// decides, per the quiz's review options, which parts it shows.
type Review struct {
	// Fraction is the grade (0 for an essay until a grader grades it).
	Fraction float64 `json:"fraction"`
	// Feedback is the feedback of the chosen or matched answers.
	Feedback []string `json:"feedback,omitempty"`
	// RightAnswer is the key in words, without a label (the page adds
	// "正确答案：" in the user's language): answer texts joined by "、",
	// the accepted text, "3 ± 0.5", "a → x；b → y", "step → step → step".
	// Empty for essay and description.
	RightAnswer string `json:"right_answer,omitempty"`
	// GeneralFeedback is the question's general feedback.
	GeneralFeedback string `json:"general_feedback,omitempty"`
}

// ReviewOf grades r and adds what the taker may learn once the attempt is
// submitted. Never call it before submission: RightAnswer is the key.
func ReviewOf(q *Question, r Response) Review {
	res := Grade(q, r)
	return Review{
		Fraction:        res.Fraction,
		Feedback:        res.Feedback,
		RightAnswer:     rightAnswer(q),
		GeneralFeedback: q.GeneralFeedback,
	}
}

// rightAnswer writes the key of q for a person to read.
func rightAnswer(q *Question) string {
	switch q.Type {
	case MultiChoice:
		var texts []string
		if q.Single {
			best := math.Inf(-1)
			for _, a := range q.Answers {
				best = math.Max(best, a.Fraction)
			}
			for _, a := range q.Answers {
				if a.Fraction == best && best > 0 {
					texts = append(texts, a.Text)
				}
			}
		} else {
			for _, a := range q.Answers {
				if a.Fraction > 0 {
					texts = append(texts, a.Text)
				}
			}
		}
		return strings.Join(texts, "、")
	case TrueFalse:
		if q.Correct {
			return "对"
		}
		return "错"
	case ShortAnswer:
		for _, a := range q.Answers {
			if a.Fraction >= 1-fractionEpsilon {
				return a.Text
			}
		}
	case Numerical:
		for _, a := range q.Answers {
			if a.Text != "*" && a.Fraction >= 1-fractionEpsilon {
				v := strconv.FormatFloat(a.Value, 'g', -1, 64)
				if a.Tolerance == 0 {
					return v
				}
				return v + " ± " + strconv.FormatFloat(a.Tolerance, 'g', -1, 64)
			}
		}
	case Matching:
		var parts []string
		for _, p := range matchPairs(q) {
			parts = append(parts, p.Question+" → "+p.Answer)
		}
		return strings.Join(parts, "；")
	case Ordering:
		return strings.Join(q.Items, " → ")
	}
	return ""
}
