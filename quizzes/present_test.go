package quizzes_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/quizzes"
)

// keyedQuestions are questions whose keys, feedback and settings are made of
// marker words ("KEY…") that appear nowhere in what may be shown.
func keyedQuestions() []quizzes.Question {
	return []quizzes.Question{
		{Type: quizzes.MultiChoice, Name: "mc", Text: "Pick", Single: true, GeneralFeedback: "KEYGENERAL",
			Answers: []quizzes.Answer{
				{Text: "alpha", Fraction: 1, Feedback: "KEYFEEDBACK1"},
				{Text: "beta", Fraction: -0.5, Feedback: "KEYFEEDBACK2"},
				{Text: "gamma", Fraction: 0.25},
			}},
		{Type: quizzes.TrueFalse, Name: "tf", Text: "True?", Correct: true, FeedbackWrong: "KEYWRONG", FeedbackCorrect: "KEYRIGHT", GeneralFeedback: "KEYGENERAL"},
		{Type: quizzes.ShortAnswer, Name: "sa", Text: "Name it", CaseSensitive: true, GeneralFeedback: "KEYGENERAL",
			Answers: []quizzes.Answer{{Text: "KEYACCEPTED", Fraction: 1, Feedback: "KEYFEEDBACK"}, {Text: "KEYHALF*", Fraction: 0.5}}},
		{Type: quizzes.Numerical, Name: "num", Text: "How many?", GeneralFeedback: "KEYGENERAL",
			Answers: []quizzes.Answer{{Value: 98765, Tolerance: 4321, Fraction: 1, Feedback: "KEYFEEDBACK"}, {Text: "*", Feedback: "KEYOTHER"}}},
		{Type: quizzes.Matching, Name: "match", Text: "Match", GeneralFeedback: "KEYGENERAL",
			Pairs: []quizzes.Pair{{Question: "q1", Answer: "a1"}, {Question: "q2", Answer: "a2"}, {Question: "q3", Answer: "a1"}, {Answer: "a9"}}},
		{Type: quizzes.Ordering, Name: "order", Text: "Order", GeneralFeedback: "KEYGENERAL", Items: []string{"s1", "s2", "s3", "s4"}},
		{Type: quizzes.Essay, Name: "essay", Text: "Write", Rubric: "KEYRUBRIC", GeneralFeedback: "KEYGENERAL"},
		{Type: quizzes.Description, Name: "desc", Text: "Read", GeneralFeedback: "KEYGENERAL"},
	}
}

func TestPresentRevealsNoKey(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, q := range keyedQuestions() {
		t.Run(q.Name, func(t *testing.T) {
			if err := q.Validate(); err != nil {
				t.Fatal(err)
			}
			for _, perm := range [][]int{nil, quizzes.Shuffle(&q, rnd, true)} {
				b, err := json.Marshal(quizzes.Present(&q, perm))
				if err != nil {
					t.Fatal(err)
				}
				s := string(b)
				for _, leak := range []string{"KEY", "fraction", "feedback", "correct", "tolerance", "value", "rubric", "98765", "4321", "answers", "pairs", "case_sensitive"} {
					if strings.Contains(s, leak) {
						t.Errorf("Present shows %q: %s", leak, s)
					}
				}
				// Only the listed keys may appear.
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				allowed := map[string]bool{"type": true, "name": true, "text": true, "format": true, "single": true,
					"choices": true, "match_questions": true, "match_options": true, "items": true}
				for k := range m {
					if !allowed[k] {
						t.Errorf("Present has key %q", k)
					}
				}
			}
		})
	}
}

func TestPresentOrders(t *testing.T) {
	qs := keyedQuestions()
	mc, match, order := &qs[0], &qs[4], &qs[5]

	got := quizzes.Present(mc, []int{2, 0, 1})
	want := []quizzes.Choice{{Index: 0, Text: "gamma"}, {Index: 1, Text: "alpha"}, {Index: 2, Text: "beta"}}
	if !reflect.DeepEqual(got.Choices, want) || !got.Single {
		t.Errorf("multichoice = %+v, want %+v single", got.Choices, want)
	}
	if got := quizzes.Present(mc, []int{0, 0, 1}).Choices[0].Text; got != "alpha" {
		t.Errorf("a perm that is not a permutation shows %q first, want the natural order", got)
	}

	m := quizzes.Present(match, []int{2, 0, 1})
	if want := []string{"q1", "q2", "q3"}; !reflect.DeepEqual(m.MatchQuestions, want) {
		t.Errorf("match questions = %q, want %q", m.MatchQuestions, want)
	}
	if want := []string{"a9", "a1", "a2"}; !reflect.DeepEqual(m.MatchOptions, want) {
		t.Errorf("match options = %q, want %q (deduplicated, distractor included, shuffled)", m.MatchOptions, want)
	}

	o := quizzes.Present(order, []int{3, 1, 0, 2})
	wantItems := []quizzes.Choice{{Index: 0, Text: "s4"}, {Index: 1, Text: "s2"}, {Index: 2, Text: "s1"}, {Index: 3, Text: "s3"}}
	if !reflect.DeepEqual(o.Items, wantItems) {
		t.Errorf("items = %+v, want %+v", o.Items, wantItems)
	}

	// The taker keeps the shown order s4 s2 s1 s3; Unshuffle gives item
	// indexes 3 1 0 2 for grading.
	shown := []int{0, 1, 2, 3}
	idx, err := quizzes.Unshuffle(order, []int{3, 1, 0, 2}, shown)
	if err != nil || !reflect.DeepEqual(idx, []int{3, 1, 0, 2}) {
		t.Errorf("Unshuffle = %v, %v", idx, err)
	}
	if r := quizzes.Grade(order, quizzes.Response{Order: idx}); r.Fraction != 1.0/3 {
		t.Errorf("grade of s4 s2 s1 s3 = %v, want 1/3 (LIS 2 of 4)", r.Fraction)
	}
}

func TestShuffle(t *testing.T) {
	qs := keyedQuestions()
	mc, tf, match, order := &qs[0], &qs[1], &qs[4], &qs[5]
	rnd := rand.New(rand.NewPCG(7, 7))

	if p := quizzes.Shuffle(mc, rnd, false); p != nil {
		t.Errorf("multichoice without shuffleAnswers = %v, want nil", p)
	}
	if p := quizzes.Shuffle(tf, rnd, true); p != nil {
		t.Errorf("truefalse = %v, want nil", p)
	}
	if p := quizzes.Shuffle(mc, rnd, true); !isPermutation(p, 3) {
		t.Errorf("multichoice = %v, want a permutation of 3", p)
	}
	if p := quizzes.Shuffle(match, rnd, false); !isPermutation(p, 3) {
		t.Errorf("matching = %v, want a permutation of the 3 distinct options, even without shuffleAnswers", p)
	}
	two := &quizzes.Question{Type: quizzes.Ordering, Text: "x", Items: []string{"a", "b"}}
	for i := 0; i < 200; i++ {
		for _, q := range []*quizzes.Question{order, two} {
			p := quizzes.Shuffle(q, rnd, false)
			if !isPermutation(p, len(q.Items)) {
				t.Fatalf("ordering = %v, want a permutation", p)
			}
			if isIdentity(p) {
				t.Fatalf("ordering shuffle %v is the correct order", p)
			}
		}
	}
	// Same seed, same order: attempts are reproducible in tests.
	a := quizzes.Shuffle(order, rand.New(rand.NewPCG(1, 1)), false)
	b := quizzes.Shuffle(order, rand.New(rand.NewPCG(1, 1)), false)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed gave %v and %v", a, b)
	}
	if p := quizzes.Shuffle(order, nil, false); !isPermutation(p, 4) || isIdentity(p) {
		t.Errorf("nil rnd = %v", p)
	}
}

func TestUnshuffle(t *testing.T) {
	mc := &keyedQuestions()[0]
	got, err := quizzes.Unshuffle(mc, []int{2, 0, 1}, []int{1})
	if err != nil || !reflect.DeepEqual(got, []int{0}) {
		t.Errorf("Unshuffle = %v, %v; want [0]", got, err)
	}
	if r := quizzes.Grade(mc, quizzes.Response{Choices: got}); r.Fraction != 1 {
		t.Errorf("shown choice 1 (alpha) graded %v", r.Fraction)
	}
	if got, err := quizzes.Unshuffle(mc, nil, []int{2}); err != nil || !reflect.DeepEqual(got, []int{2}) {
		t.Errorf("nil perm: %v, %v", got, err)
	}
	for name, tc := range map[string]struct {
		q     *quizzes.Question
		perm  []int
		shown []int
	}{
		"position out of range": {mc, []int{2, 0, 1}, []int{3}},
		"negative position":     {mc, nil, []int{-1}},
		"perm of wrong length":  {mc, []int{1, 0}, []int{0}},
		"perm with repeats":     {mc, []int{0, 0, 1}, []int{0}},
		"type without choices":  {&keyedQuestions()[1], nil, []int{0}},
	} {
		if _, err := quizzes.Unshuffle(tc.q, tc.perm, tc.shown); !errors.Is(err, quizzes.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func isPermutation(p []int, n int) bool {
	if len(p) != n {
		return false
	}
	seen := make([]bool, n)
	for _, v := range p {
		if v < 0 || v >= n || seen[v] {
			return false
		}
		seen[v] = true
	}
	return true
}

func isIdentity(p []int) bool {
	for i, v := range p {
		if i != v {
			return false
		}
	}
	return true
}
