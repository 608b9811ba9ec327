package quizzes

import (
	"fmt"
	"math/rand/v2"
)

// Choice is one choice (multichoice) or item (ordering) as shown.
type Choice struct {
	// Index is the choice's position in the shown order (0, 1, 2, …): the
	// value the form posts back. It is deliberately NOT the index in
	// Question.Answers or Question.Items, which would reveal the author's
	// order (often "right answer first") through a shuffle. Unshuffle turns
	// posted positions into the question's own indexes for a Response.
	Index int `json:"index"`
	// Text is the choice text, in Format.
	Text string `json:"text"`
	// Format is the text format of a multichoice answer; empty for items.
	Format string `json:"format,omitempty"`
}

// Presented is what the browser may see of a question before submission:
// the texts to show and nothing that reveals the key — no fractions,
// feedback, general feedback, true/false key, accepted answers, values,
// tolerances, pairings, correct order or rubric.
type Presented struct {
	Type   Type   `json:"type"`
	Name   string `json:"name"`
	Text   string `json:"text"`
	Format string `json:"format"`
	// Single: a multichoice question takes exactly one choice.
	Single bool `json:"single,omitempty"`
	// Choices are the multichoice answers in the shown order.
	Choices []Choice `json:"choices,omitempty"`
	// MatchQuestions are the questions of the non-distractor pairs, in Pairs
	// order; Response.Matches answers them in this order.
	MatchQuestions []string `json:"match_questions,omitempty"`
	// MatchOptions are all answers of the pairs, distractors included, each
	// text once, in the shown order.
	MatchOptions []string `json:"match_options,omitempty"`
	// Items are the ordering items in the shown (starting) order.
	Items []Choice `json:"items,omitempty"`
}

// Present builds what the taker sees. perm is the order chosen by Shuffle
// at attempt start and stored with the attempt: a permutation of the
// Answers indexes (multichoice), of the match options (matching) or of the
// Items (ordering); shown position k displays element perm[k]. nil, or a
// perm that is not a permutation of the right length, shows the natural
// order — for an ordering question that is the key, so always pass the
// stored perm there.
func Present(q *Question, perm []int) Presented {
	p := Presented{Type: q.Type, Name: q.Name, Text: q.Text, Format: q.Format}
	switch q.Type {
	case MultiChoice:
		p.Single = q.Single
		order := orderOf(perm, len(q.Answers))
		p.Choices = make([]Choice, len(order))
		for k, i := range order {
			a := q.Answers[i]
			f := a.Format
			if f == "" {
				f = q.Format
			}
			p.Choices[k] = Choice{Index: k, Text: a.Text, Format: f}
		}
	case Matching:
		for _, pr := range matchPairs(q) {
			p.MatchQuestions = append(p.MatchQuestions, pr.Question)
		}
		opts := matchOptions(q)
		order := orderOf(perm, len(opts))
		p.MatchOptions = make([]string, len(order))
		for k, i := range order {
			p.MatchOptions[k] = opts[i]
		}
	case Ordering:
		order := orderOf(perm, len(q.Items))
		p.Items = make([]Choice, len(order))
		for k, i := range order {
			p.Items[k] = Choice{Index: k, Text: q.Items[i]}
		}
	}
	return p
}

// matchOptions lists the answers of all pairs, distractors included, each
// text once, in Pairs order: the list a matching perm shuffles.
func matchOptions(q *Question) []string {
	seen := make(map[string]bool, len(q.Pairs))
	var opts []string
	for _, p := range q.Pairs {
		if !seen[p.Answer] {
			seen[p.Answer] = true
			opts = append(opts, p.Answer)
		}
	}
	return opts
}

// isPerm reports whether perm is a permutation of 0..n-1.
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

// orderOf returns perm when it is a permutation of 0..n-1, else 0..n-1.
func orderOf(perm []int, n int) []int {
	if isPerm(perm, n) {
		return perm
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	return order
}

// Shuffle chooses the order an attempt shows q in, to be stored with the
// attempt and passed to Present and Unshuffle: for multichoice a
// permutation of the answers when shuffleAnswers is set (else nil, the
// natural order); for matching a permutation of the match options, always;
// for ordering a permutation of the items, always, and never the correct
// order itself when there are two items or more. Other types: nil.
// A nil rnd uses math/rand/v2's global generator.
func Shuffle(q *Question, rnd *rand.Rand, shuffleAnswers bool) []int {
	permute := rand.Perm
	if rnd != nil {
		permute = rnd.Perm
	}
	switch q.Type {
	case MultiChoice:
		if shuffleAnswers && len(q.Answers) > 1 {
			return permute(len(q.Answers))
		}
	case Matching:
		if n := len(matchOptions(q)); n > 1 {
			return permute(n)
		}
	case Ordering:
		n := len(q.Items)
		if n < 2 {
			return nil
		}
		// Rejection keeps every non-identity order equally likely; at least
		// half of all permutations qualify, so this loops twice on average.
		for {
			p := permute(n)
			for i, v := range p {
				if i != v {
					return p
				}
			}
		}
	}
	return nil
}

// Unshuffle converts positions the taker chose in the shown order (the
// Choice.Index values posted by the form) into indexes of q.Answers
// (multichoice, for Response.Choices) or q.Items (ordering, for
// Response.Order), keeping their order. perm is the attempt's stored perm
// (nil = natural order). A position out of range or a perm that does not
// fit q is an error wrapping ErrInvalid.
func Unshuffle(q *Question, perm []int, shown []int) ([]int, error) {
	var n int
	switch q.Type {
	case MultiChoice:
		n = len(q.Answers)
	case Ordering:
		n = len(q.Items)
	default:
		return nil, fmt.Errorf("%w: a %s question has no shown positions", ErrInvalid, q.Type)
	}
	if perm != nil && !isPerm(perm, n) {
		return nil, fmt.Errorf("%w: perm %v does not fit a question of %d choices", ErrInvalid, perm, n)
	}
	order := orderOf(perm, n)
	out := make([]int, len(shown))
	for k, s := range shown {
		if s < 0 || s >= n {
			return nil, fmt.Errorf("%w: choice %d is out of range (%d choices)", ErrInvalid, s, n)
		}
		out[k] = order[s]
	}
	return out, nil
}
