package quizzes_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/quizzes"
)

func TestValidate(t *testing.T) {
	mc := func(single bool, fractions ...float64) quizzes.Question {
		q := quizzes.Question{Type: quizzes.MultiChoice, Text: "x", Single: single}
		for i, f := range fractions {
			q.Answers = append(q.Answers, quizzes.Answer{Text: string(rune('a' + i)), Fraction: f})
		}
		return q
	}
	valid := []struct {
		name string
		q    quizzes.Question
	}{
		{"single with partial credit", mc(true, 1, 0.5, 0, -1)},
		{"single with two right answers", mc(true, 1, 1, 0)},
		{"multi halves", mc(false, 0.5, 0.5, -1)},
		{"multi thirds", mc(false, 1.0/3, 1.0/3, 1.0/3)},
		{"multi Moodle thirds", mc(false, 0.33333, 0.33333, 0.33333, 0)},
		{"truefalse", quizzes.Question{Type: quizzes.TrueFalse, Text: "x"}},
		{"shortanswer", quizzes.Question{Type: quizzes.ShortAnswer, Text: "x", Answers: []quizzes.Answer{{Text: "a", Fraction: 1}, {Text: "*"}}}},
		{"numerical", quizzes.Question{Type: quizzes.Numerical, Text: "x", Answers: []quizzes.Answer{{Value: -3, Tolerance: 0, Fraction: 1}, {Text: "*"}}}},
		{"matching with distractor", quizzes.Question{Type: quizzes.Matching, Text: "x", Pairs: []quizzes.Pair{{"a", "1"}, {"b", "1"}, {"", "2"}}}},
		{"ordering", quizzes.Question{Type: quizzes.Ordering, Text: "x", Items: []string{"a", "b"}}},
		{"essay with rubric", quizzes.Question{Type: quizzes.Essay, Text: "x", Rubric: "r", Format: "html"}},
		{"description", quizzes.Question{Type: quizzes.Description, Text: "x", DefaultMark: 0}},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.q.Validate(); err != nil {
				t.Errorf("Validate = %v, want nil", err)
			}
		})
	}

	invalid := []struct {
		name  string
		q     quizzes.Question
		field string
	}{
		{"unknown type", quizzes.Question{Type: "cloze", Text: "x"}, "type:"},
		{"missing type", quizzes.Question{Text: "x"}, "type:"},
		{"empty text", quizzes.Question{Type: quizzes.Description, Text: "  \n"}, "text:"},
		{"unknown format", quizzes.Question{Type: quizzes.Essay, Text: "x", Format: "rtf"}, "format:"},
		{"negative default mark", quizzes.Question{Type: quizzes.Essay, Text: "x", DefaultMark: -1}, "default_mark:"},
		{"NaN default mark", quizzes.Question{Type: quizzes.Essay, Text: "x", DefaultMark: math.NaN()}, "default_mark:"},
		{"multichoice one answer", mc(true, 1), "answers:"},
		{"multichoice nothing positive", mc(false, 0, -1), "answers:"},
		{"single without full marks", mc(true, 0.5, 0.5), "answers:"},
		{"multi not adding to 1", mc(false, 0.5, 0.4, 0), "answers:"},
		{"multi adding to more than 1", mc(false, 1, 0.5), "answers:"},
		{"fraction above 1", mc(true, 1.5, 0), "answers[0].fraction:"},
		{"fraction below -1", mc(true, 1, -2), "answers[1].fraction:"},
		{"fraction NaN", mc(true, 1, math.NaN()), "answers[1].fraction:"},
		{"empty choice", quizzes.Question{Type: quizzes.MultiChoice, Text: "x", Single: true, Answers: []quizzes.Answer{{Text: "a", Fraction: 1}, {Text: " "}}}, "answers[1].text:"},
		{"answer format", quizzes.Question{Type: quizzes.MultiChoice, Text: "x", Single: true, Answers: []quizzes.Answer{{Text: "a", Fraction: 1}, {Text: "b", Format: "doc"}}}, "answers[1].format:"},
		{"shortanswer none", quizzes.Question{Type: quizzes.ShortAnswer, Text: "x"}, "answers:"},
		{"shortanswer no full marks", quizzes.Question{Type: quizzes.ShortAnswer, Text: "x", Answers: []quizzes.Answer{{Text: "a", Fraction: 0.5}}}, "answers:"},
		{"shortanswer empty text", quizzes.Question{Type: quizzes.ShortAnswer, Text: "x", Answers: []quizzes.Answer{{Text: "a", Fraction: 1}, {Text: "　"}}}, "answers[1].text:"},
		{"numerical none", quizzes.Question{Type: quizzes.Numerical, Text: "x"}, "answers:"},
		{"numerical only catch-all", quizzes.Question{Type: quizzes.Numerical, Text: "x", Answers: []quizzes.Answer{{Text: "*", Fraction: 1}}}, "answers:"},
		{"numerical negative tolerance", quizzes.Question{Type: quizzes.Numerical, Text: "x", Answers: []quizzes.Answer{{Value: 1, Tolerance: -1, Fraction: 1}}}, "answers[0].tolerance:"},
		{"numerical infinite value", quizzes.Question{Type: quizzes.Numerical, Text: "x", Answers: []quizzes.Answer{{Value: math.Inf(1), Fraction: 1}}}, "answers[0].value:"},
		{"numerical text", quizzes.Question{Type: quizzes.Numerical, Text: "x", Answers: []quizzes.Answer{{Text: "three", Fraction: 1}}}, "answers[0].text:"},
		{"matching one real pair", quizzes.Question{Type: quizzes.Matching, Text: "x", Pairs: []quizzes.Pair{{"a", "1"}, {"", "2"}}}, "pairs:"},
		{"matching empty answer", quizzes.Question{Type: quizzes.Matching, Text: "x", Pairs: []quizzes.Pair{{"a", "1"}, {"b", ""}}}, "pairs[1].answer:"},
		{"matching duplicate question", quizzes.Question{Type: quizzes.Matching, Text: "x", Pairs: []quizzes.Pair{{"a", "1"}, {"a ", "2"}}}, "pairs[1].question:"},
		{"ordering one item", quizzes.Question{Type: quizzes.Ordering, Text: "x", Items: []string{"a"}}, "items:"},
		{"ordering duplicate", quizzes.Question{Type: quizzes.Ordering, Text: "x", Items: []string{"a", "b", "a"}}, "items[2]:"},
		{"ordering empty item", quizzes.Question{Type: quizzes.Ordering, Text: "x", Items: []string{"a", ""}}, "items[1]:"},
		{"essay with answers", quizzes.Question{Type: quizzes.Essay, Text: "x", Answers: []quizzes.Answer{{Text: "a"}}}, "answers:"},
		{"description with pairs", quizzes.Question{Type: quizzes.Description, Text: "x", Pairs: []quizzes.Pair{{"a", "b"}}}, "pairs:"},
		{"truefalse with items", quizzes.Question{Type: quizzes.TrueFalse, Text: "x", Items: []string{"a"}}, "items:"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.q.Validate()
			if !errors.Is(err, quizzes.ErrInvalid) {
				t.Fatalf("Validate = %v, want ErrInvalid", err)
			}
			if !strings.HasPrefix(err.Error(), "quizzes: invalid: "+tt.field) {
				t.Errorf("Validate = %q, want it to name %q", err, tt.field)
			}
		})
	}
}
