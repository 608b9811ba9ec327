package store

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/kaoping/kaoping/quizzes"
)

// MaxResponseText bounds a text answer (short answer, numerical, essay), in
// characters.
const MaxResponseText = 50000

// fromShown turns a response as the taker's form posts it — choices and
// order as shown positions (quizzes.Choice.Index) — into the stored form,
// indexes of the question's own order, and validates it. Fields of other
// question types are dropped.
func (pq *pinnedQuestion) fromShown(r quizzes.Response) (quizzes.Response, error) {
	q := pq.q
	var out quizzes.Response
	switch q.Type {
	case quizzes.MultiChoice:
		if q.Single && len(r.Choices) > 1 {
			return out, invalidf("response.choices", "a single-answer question takes one choice, got %d", len(r.Choices))
		}
		idx, err := unshuffle(q, pq.perm, r.Choices, "response.choices")
		if err != nil {
			return out, err
		}
		out.Choices = idx
	case quizzes.Ordering:
		idx, err := unshuffle(q, pq.perm, r.Order, "response.order")
		if err != nil {
			return out, err
		}
		out.Order = idx
	case quizzes.TrueFalse:
		if r.Bool != nil {
			b := *r.Bool
			out.Bool = &b
		}
	case quizzes.ShortAnswer, quizzes.Numerical, quizzes.Essay:
		if n := utf8.RuneCountInString(r.Text); n > MaxResponseText {
			return out, invalidf("response.text", "%d characters, at most %d", n, MaxResponseText)
		}
		if !utf8.ValidString(r.Text) {
			return out, invalidf("response.text", "not valid UTF-8")
		}
		out.Text = r.Text
	case quizzes.Matching:
		if n := len(pq.presented.MatchQuestions); len(r.Matches) > n {
			return out, invalidf("response.matches", "%d matches for %d questions", len(r.Matches), n)
		}
		for i, m := range r.Matches {
			if m != "" && !pq.options[m] {
				return out, invalidf(fmt.Sprintf("response.matches[%d]", i), "%q is not one of the options", m)
			}
		}
		if len(r.Matches) > 0 {
			out.Matches = append([]string(nil), r.Matches...)
		}
	default:
		return out, invalidf("position", "a %s question takes no answer", q.Type)
	}
	return out, nil
}

// unshuffle maps shown positions onto question indexes, refusing positions
// out of range and repeated ones.
func unshuffle(q *quizzes.Question, perm, shown []int, field string) ([]int, error) {
	if len(shown) == 0 {
		return nil, nil
	}
	seen := make(map[int]bool, len(shown))
	for _, k := range shown {
		if seen[k] {
			return nil, invalidf(field, "position %d given twice", k)
		}
		seen[k] = true
	}
	idx, err := quizzes.Unshuffle(q, perm, shown)
	if err != nil {
		return nil, invalidf(field, "%v", err)
	}
	return idx, nil
}

// toShown is the inverse of fromShown: the stored response with choices and
// order as the positions the taker sees.
func (pq *pinnedQuestion) toShown(r quizzes.Response) quizzes.Response {
	switch pq.q.Type {
	case quizzes.MultiChoice:
		r.Choices = reshuffle(pq.perm, len(pq.q.Answers), r.Choices)
	case quizzes.Ordering:
		r.Order = reshuffle(pq.perm, len(pq.q.Items), r.Order)
	}
	return r
}

// reshuffle maps question indexes onto shown positions: position k shows
// element perm[k] (the natural order when perm does not fit n, as
// quizzes.Present does).
func reshuffle(perm []int, n int, idx []int) []int {
	if len(idx) == 0 {
		return idx
	}
	pos := make([]int, n)
	for i := range pos {
		pos[i] = i
	}
	if isPerm(perm, n) {
		for k, i := range perm {
			pos[i] = k
		}
	}
	out := make([]int, 0, len(idx))
	for _, i := range idx {
		if i >= 0 && i < n {
			out = append(out, pos[i])
		}
	}
	return out
}

func isPerm(perm []int, n int) bool {
	if len(perm) != n {
		return false
	}
	seen := make([]bool, n)
	for _, i := range perm {
		if i < 0 || i >= n || seen[i] {
			return false
		}
		seen[i] = true
	}
	return true
}

// decodeResponse reads a stored response; "" is no answer.
func decodeResponse(s string) (*quizzes.Response, error) {
	if s == "" {
		return nil, nil
	}
	r := new(quizzes.Response)
	if err := json.Unmarshal([]byte(s), r); err != nil {
		return nil, fmt.Errorf("quizzes: decode response: %w", err)
	}
	return r, nil
}
