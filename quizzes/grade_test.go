package quizzes_test

import (
	"reflect"
	"testing"

	"github.com/kaoping/kaoping/quizzes"
)

type gradeCase struct {
	name string
	r    quizzes.Response
	want quizzes.Result
}

func runGrade(t *testing.T, q *quizzes.Question, cases []gradeCase) {
	t.Helper()
	if err := q.Validate(); err != nil {
		t.Fatalf("test question is invalid: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := quizzes.Grade(q, c.r)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Grade = %+v, want %+v", got, c.want)
			}
		})
	}
}

func answered(f float64, feedback ...string) quizzes.Result {
	return quizzes.Result{Fraction: f, Answered: true, Feedback: feedback}
}

func boolp(b bool) *bool { return &b }

func TestGradeMultiChoiceSingle(t *testing.T) {
	q := &quizzes.Question{Type: quizzes.MultiChoice, Text: "Jesus Christ was from", Single: true, Answers: []quizzes.Answer{
		{Text: "Jerusalem", Feedback: "wrong city"},
		{Text: "Bethlehem", Fraction: 0.25},
		{Text: "Nazareth", Fraction: 1, Feedback: "yes"},
		{Text: "Rome", Fraction: -0.5, Feedback: "no"},
	}}
	runGrade(t, q, []gradeCase{
		{"right", quizzes.Response{Choices: []int{2}}, answered(1, "yes")},
		{"partial", quizzes.Response{Choices: []int{1}}, answered(0.25)},
		{"wrong", quizzes.Response{Choices: []int{0}}, answered(0, "wrong city")},
		{"negative counts only in multi", quizzes.Response{Choices: []int{3}}, answered(0, "no")},
		{"no choice", quizzes.Response{}, quizzes.Result{}},
		{"two choices is invalid", quizzes.Response{Choices: []int{2, 1}}, answered(0)},
		{"out of range", quizzes.Response{Choices: []int{4}}, answered(0)},
		{"negative index", quizzes.Response{Choices: []int{-1}}, answered(0)},
	})
}

func TestGradeMultiChoiceMultiple(t *testing.T) {
	q := &quizzes.Question{Type: quizzes.MultiChoice, Text: "Primary colours?", Answers: []quizzes.Answer{
		{Text: "red", Fraction: 0.5, Feedback: "r"},
		{Text: "blue", Fraction: 0.5, Feedback: "b"},
		{Text: "green", Fraction: -1, Feedback: "g"},
		{Text: "grey", Fraction: -0.25},
	}}
	runGrade(t, q, []gradeCase{
		{"both right", quizzes.Response{Choices: []int{0, 1}}, answered(1, "r", "b")},
		{"click order does not matter", quizzes.Response{Choices: []int{1, 0}}, answered(1, "r", "b")},
		{"one right", quizzes.Response{Choices: []int{1}}, answered(0.5, "b")},
		{"right and small penalty", quizzes.Response{Choices: []int{0, 1, 3}}, answered(0.75, "r", "b")},
		{"clamped at 0", quizzes.Response{Choices: []int{0, 2}}, answered(0, "r", "g")},
		{"everything", quizzes.Response{Choices: []int{0, 1, 2, 3}}, answered(0, "r", "b", "g")},
		{"repeat counts once", quizzes.Response{Choices: []int{0, 0, 0}}, answered(0.5, "r")},
		{"out of range is invalid", quizzes.Response{Choices: []int{0, 9}}, answered(0)},
		{"none", quizzes.Response{Choices: []int{}}, quizzes.Result{}},
	})

	thirds := &quizzes.Question{Type: quizzes.MultiChoice, Text: "Thirds", Answers: []quizzes.Answer{
		{Text: "a", Fraction: 1.0 / 3}, {Text: "b", Fraction: 1.0 / 3}, {Text: "c", Fraction: 1.0 / 3}, {Text: "d", Fraction: -1.0 / 3},
		{Text: "e", Fraction: -0.5},
	}}
	runGrade(t, thirds, []gradeCase{
		{"1/3+1/3+1/3 is exactly 1", quizzes.Response{Choices: []int{0, 1, 2}}, answered(1)},
		{"2/3", quizzes.Response{Choices: []int{0, 1}}, answered(2.0 / 3)},
		{"1/3 - 1/3 is exactly 0", quizzes.Response{Choices: []int{0, 3}}, answered(0)},
		{"1/3 + 1/3 + 1/3 - 1/2 is exactly 1/2", quizzes.Response{Choices: []int{0, 1, 4, 2}}, answered(0.5)},
		{"1/3 + 1/3 - 1/3 is exactly 1/3", quizzes.Response{Choices: []int{0, 3, 1}}, answered(1.0 / 3)},
	})

	moodle := &quizzes.Question{Type: quizzes.MultiChoice, Text: "Moodle's 33.333 %", Answers: []quizzes.Answer{
		{Text: "a", Fraction: 0.33333}, {Text: "b", Fraction: 0.33333}, {Text: "c", Fraction: 0.33333}, {Text: "d"},
	}}
	// 0.99999 is within the validation tolerance but is not 1: the grade
	// is the honest sum, not rounded up.
	if got := quizzes.Grade(moodle, quizzes.Response{Choices: []int{0, 1, 2}}).Fraction; got < 0.99998 || got > 0.99999+1e-12 {
		t.Errorf("3 × 0.33333 = %v", got)
	}
}

func TestGradeTrueFalse(t *testing.T) {
	q := &quizzes.Question{Type: quizzes.TrueFalse, Text: "The sun rises in the east.", Correct: true, FeedbackWrong: "It does.", FeedbackCorrect: "Right."}
	runGrade(t, q, []gradeCase{
		{"right", quizzes.Response{Bool: boolp(true)}, answered(1, "Right.")},
		{"wrong", quizzes.Response{Bool: boolp(false)}, answered(0, "It does.")},
		{"unanswered", quizzes.Response{}, quizzes.Result{}},
	})
	f := &quizzes.Question{Type: quizzes.TrueFalse, Text: "1 + 1 = 3", Correct: false}
	runGrade(t, f, []gradeCase{
		{"false is right", quizzes.Response{Bool: boolp(false)}, answered(1)},
		{"true is wrong", quizzes.Response{Bool: boolp(true)}, answered(0)},
	})
}

func TestGradeShortAnswer(t *testing.T) {
	q := &quizzes.Question{Type: quizzes.ShortAnswer, Text: "Who's buried in Grant's tomb?", Answers: []quizzes.Answer{
		{Text: "Ulysses S. Grant", Fraction: 1, Feedback: "full name"},
		{Text: "Grant", Fraction: 1},
		{Text: "ABC", Fraction: 1, Feedback: "abc"},
		{Text: "Ulysses*", Fraction: 0.5, Feedback: "half"},
		{Text: "*tomb*", Fraction: -0.5, Feedback: "negative floors at 0"},
		{Text: `star\*`, Fraction: 0.25, Feedback: "literal star"},
		{Text: "统一  社会 信用代码", Fraction: 1, Feedback: "中文"},
		{Text: "*", Fraction: 0, Feedback: "anything else"},
	}}
	runGrade(t, q, []gradeCase{
		{"exact", quizzes.Response{Text: "Grant"}, answered(1)},
		{"case-insensitive", quizzes.Response{Text: "grant"}, answered(1)},
		{"surrounding and inner white space", quizzes.Response{Text: "  ulysses   s.\tgrant \n"}, answered(1, "full name")},
		{"full-width letters", quizzes.Response{Text: "ＡＢＣ"}, answered(1, "abc")},
		{"full-width lower case", quizzes.Response{Text: "ａｂｃ"}, answered(1, "abc")},
		{"ideographic spaces become spaces", quizzes.Response{Text: "统一　社会　　信用代码"}, answered(1, "中文")},
		{"chinese with spaces collapsed", quizzes.Response{Text: "统一 社会 信用代码"}, answered(1, "中文")},
		{"first match in order wins", quizzes.Response{Text: "Ulysses S. Grant"}, answered(1, "full name")},
		{"wildcard suffix", quizzes.Response{Text: "Ulysses Simpson"}, answered(0.5, "half")},
		{"wildcard matches empty run", quizzes.Response{Text: "Ulysses"}, answered(0.5, "half")},
		{"wildcard both ends, negative floored", quizzes.Response{Text: "in the tomb now"}, answered(0, "negative floors at 0")},
		{"escaped star is literal", quizzes.Response{Text: "star*"}, answered(0.25, "literal star")},
		{"escaped star is not a wildcard", quizzes.Response{Text: "starry"}, answered(0, "anything else")},
		{"catch-all", quizzes.Response{Text: "Lincoln"}, answered(0, "anything else")},
		{"empty is unanswered", quizzes.Response{Text: "   "}, quizzes.Result{}},
	})

	cs := &quizzes.Question{Type: quizzes.ShortAnswer, Text: "Code?", CaseSensitive: true, Answers: []quizzes.Answer{{Text: "AbC", Fraction: 1}}}
	runGrade(t, cs, []gradeCase{
		{"same case", quizzes.Response{Text: "AbC"}, answered(1)},
		{"full-width same case", quizzes.Response{Text: "ＡｂＣ"}, answered(1)},
		{"other case", quizzes.Response{Text: "abc"}, answered(0)},
	})

	// A pathological wildcard pattern must not take exponential time.
	slow := &quizzes.Question{Type: quizzes.ShortAnswer, Text: "x", Answers: []quizzes.Answer{{Text: "*a*a*a*a*a*a*a*a*a*a*b", Fraction: 1}}}
	long := make([]byte, 5000)
	for i := range long {
		long[i] = 'a'
	}
	if got := quizzes.Grade(slow, quizzes.Response{Text: string(long)}); got.Fraction != 0 {
		t.Errorf("pathological pattern matched: %+v", got)
	}
}

func TestGradeNumerical(t *testing.T) {
	q := &quizzes.Question{Type: quizzes.Numerical, Text: "When was Grant born?", Answers: []quizzes.Answer{
		{Value: 1822, Tolerance: 0, Fraction: 1, Feedback: "exact"},
		{Value: 1822, Tolerance: 2, Fraction: 0.5, Feedback: "close"},
		{Value: 1822, Tolerance: 10, Fraction: 0.75, Feedback: "never reached for 1820–1824: first match wins"},
		{Text: "*", Feedback: "not quite"},
	}}
	runGrade(t, q, []gradeCase{
		{"exact", quizzes.Response{Text: "1822"}, answered(1, "exact")},
		{"decimal form", quizzes.Response{Text: "1822.0"}, answered(1, "exact")},
		{"exponent", quizzes.Response{Text: "1.822e3"}, answered(1, "exact")},
		{"leading plus", quizzes.Response{Text: "+1822"}, answered(1, "exact")},
		{"full-width digits", quizzes.Response{Text: "１８２２"}, answered(1, "exact")},
		{"tolerance edge inside", quizzes.Response{Text: "1824"}, answered(0.5, "close")},
		{"tolerance edge below", quizzes.Response{Text: "1820"}, answered(0.5, "close")},
		{"first in order, not best", quizzes.Response{Text: "1830"}, answered(0.75, "never reached for 1820–1824: first match wins")},
		{"catch-all", quizzes.Response{Text: "1900"}, answered(0, "not quite")},
		{"not a number", quizzes.Response{Text: "eighteen"}, answered(0, quizzes.FeedbackNotANumber)},
		{"thousands separator is not a number", quizzes.Response{Text: "1,822.0"}, answered(0, quizzes.FeedbackNotANumber)},
		{"units are not a number", quizzes.Response{Text: "1822年"}, answered(0, quizzes.FeedbackNotANumber)},
		{"Inf is not a number", quizzes.Response{Text: "Inf"}, answered(0, quizzes.FeedbackNotANumber)},
		{"empty is unanswered", quizzes.Response{Text: " "}, quizzes.Result{}},
	})

	edges := &quizzes.Question{Type: quizzes.Numerical, Text: "x", Answers: []quizzes.Answer{
		{Value: 0.3, Tolerance: 0.1, Fraction: 1},
		{Value: -3, Tolerance: 0.5, Fraction: 0.5},
	}}
	runGrade(t, edges, []gradeCase{
		{"0.4 is within 0.3 ± 0.1 despite binary rounding", quizzes.Response{Text: "0.4"}, answered(1)},
		{"0.2 is within 0.3 ± 0.1", quizzes.Response{Text: "0.2"}, answered(1)},
		{"0.4000001 is not", quizzes.Response{Text: "0.4000001"}, answered(0)},
		{"comma decimal separator", quizzes.Response{Text: "0,35"}, answered(1)},
		{"negative value, upper edge", quizzes.Response{Text: "-2.5"}, answered(0.5)},
		{"negative value, lower edge", quizzes.Response{Text: "-3.5"}, answered(0.5)},
		{"full-width minus", quizzes.Response{Text: "－３"}, answered(0.5)},
		{"minus sign U+2212", quizzes.Response{Text: "−3"}, answered(0.5)},
		{"just outside", quizzes.Response{Text: "-3.5001"}, answered(0)},
	})
}

func TestGradeMatching(t *testing.T) {
	q := &quizzes.Question{Type: quizzes.Matching, Text: "Capitals", Pairs: []quizzes.Pair{
		{Question: "Canada", Answer: "Ottawa"},
		{Question: "", Answer: "Beijing"},
		{Question: "Italy", Answer: "Rome"},
		{Question: "Japan", Answer: "Tokyo"},
	}}
	runGrade(t, q, []gradeCase{
		{"all right", quizzes.Response{Matches: []string{"Ottawa", "Rome", "Tokyo"}}, answered(1)},
		{"two of three", quizzes.Response{Matches: []string{"Ottawa", "Rome", "Beijing"}}, answered(2.0 / 3)},
		{"one, others blank", quizzes.Response{Matches: []string{"", "Rome", ""}}, answered(1.0 / 3)},
		{"distractor everywhere", quizzes.Response{Matches: []string{"Beijing", "Beijing", "Beijing"}}, answered(0)},
		{"extra matches ignored", quizzes.Response{Matches: []string{"Ottawa", "Rome", "Tokyo", "Tokyo"}}, answered(1)},
		{"nothing chosen", quizzes.Response{Matches: []string{"", "", ""}}, quizzes.Result{}},
	})
}

func TestGradeOrdering(t *testing.T) {
	q := &quizzes.Question{Type: quizzes.Ordering, Text: "Order the steps", Items: []string{"收件", "核验", "受理", "审核", "发证"}}
	runGrade(t, q, []gradeCase{
		{"exact order", quizzes.Response{Order: []int{0, 1, 2, 3, 4}}, answered(1)},
		{"fully reversed", quizzes.Response{Order: []int{4, 3, 2, 1, 0}}, answered(0)},
		{"one step moved: LIS 4 of 5 → 3/4", quizzes.Response{Order: []int{0, 2, 3, 1, 4}}, answered(0.75)},
		{"last step first: LIS 4 → 3/4", quizzes.Response{Order: []int{4, 0, 1, 2, 3}}, answered(0.75)},
		{"two swaps: LIS 3 → 2/4", quizzes.Response{Order: []int{1, 0, 3, 2, 4}}, answered(0.5)},
		{"missing items ignored: LIS 3 → 2/4", quizzes.Response{Order: []int{0, 1, 2}}, answered(0.5)},
		{"repeats and out of range ignored", quizzes.Response{Order: []int{0, 0, 9, -1, 1, 2, 3, 4}}, answered(1)},
		{"one item: LIS 1 → 0", quizzes.Response{Order: []int{3}}, answered(0)},
		{"empty is unanswered", quizzes.Response{}, quizzes.Result{}},
	})
}

func TestGradeEssayAndDescription(t *testing.T) {
	essay := &quizzes.Question{Type: quizzes.Essay, Text: "Describe", Rubric: "3 points for …"}
	runGrade(t, essay, []gradeCase{
		{"answered waits for a grader", quizzes.Response{Text: "My answer"}, quizzes.Result{Answered: true, NeedsManual: true}},
		{"blank needs no grader", quizzes.Response{Text: "  "}, quizzes.Result{}},
	})
	desc := &quizzes.Question{Type: quizzes.Description, Text: "Read this"}
	runGrade(t, desc, []gradeCase{
		{"always answered, no grade", quizzes.Response{}, quizzes.Result{Answered: true}},
	})
	if got := quizzes.Grade(&quizzes.Question{Type: "bogus"}, quizzes.Response{Text: "x"}); !reflect.DeepEqual(got, quizzes.Result{}) {
		t.Errorf("unknown type graded %+v", got)
	}
}

func TestMaxFraction(t *testing.T) {
	for _, typ := range []quizzes.Type{quizzes.MultiChoice, quizzes.TrueFalse, quizzes.ShortAnswer, quizzes.Numerical, quizzes.Matching, quizzes.Ordering, quizzes.Essay} {
		if got := (&quizzes.Question{Type: typ}).MaxFraction(); got != 1 {
			t.Errorf("%s: MaxFraction = %v, want 1", typ, got)
		}
	}
	if got := (&quizzes.Question{Type: quizzes.Description}).MaxFraction(); got != 0 {
		t.Errorf("description: MaxFraction = %v, want 0", got)
	}
}

func TestReviewOf(t *testing.T) {
	tests := []struct {
		name string
		q    quizzes.Question
		r    quizzes.Response
		want quizzes.Review
	}{
		{"multi", quizzes.Question{Type: quizzes.MultiChoice, Text: "x", GeneralFeedback: "gf", Answers: []quizzes.Answer{
			{Text: "A", Fraction: 0.5, Feedback: "a"}, {Text: "B", Fraction: -1}, {Text: "C", Fraction: 0.5}}},
			quizzes.Response{Choices: []int{0}}, quizzes.Review{Fraction: 0.5, Feedback: []string{"a"}, RightAnswer: "A、C", GeneralFeedback: "gf"}},
		{"single", quizzes.Question{Type: quizzes.MultiChoice, Text: "x", Single: true, Answers: []quizzes.Answer{
			{Text: "A", Fraction: 0.5}, {Text: "B", Fraction: 1}}},
			quizzes.Response{Choices: []int{1}}, quizzes.Review{Fraction: 1, RightAnswer: "B"}},
		{"truefalse", quizzes.Question{Type: quizzes.TrueFalse, Text: "x", Correct: false},
			quizzes.Response{Bool: boolp(true)}, quizzes.Review{RightAnswer: "错"}},
		{"shortanswer", quizzes.Question{Type: quizzes.ShortAnswer, Text: "x", Answers: []quizzes.Answer{
			{Text: "half", Fraction: 0.5}, {Text: "full", Fraction: 1}}},
			quizzes.Response{Text: "half"}, quizzes.Review{Fraction: 0.5, RightAnswer: "full"}},
		{"numerical", quizzes.Question{Type: quizzes.Numerical, Text: "x", Answers: []quizzes.Answer{{Value: 3, Tolerance: 0.5, Fraction: 1}}},
			quizzes.Response{Text: "3.2"}, quizzes.Review{Fraction: 1, RightAnswer: "3 ± 0.5"}},
		{"numerical exact", quizzes.Question{Type: quizzes.Numerical, Text: "x", Answers: []quizzes.Answer{{Text: "*"}, {Value: 2.5, Fraction: 1}}},
			quizzes.Response{Text: "x"}, quizzes.Review{Feedback: []string{quizzes.FeedbackNotANumber}, RightAnswer: "2.5"}},
		{"matching", quizzes.Question{Type: quizzes.Matching, Text: "x", Pairs: []quizzes.Pair{{Question: "a", Answer: "1"}, {Answer: "9"}, {Question: "b", Answer: "2"}}},
			quizzes.Response{Matches: []string{"1", "9"}}, quizzes.Review{Fraction: 0.5, RightAnswer: "a → 1；b → 2"}},
		{"ordering", quizzes.Question{Type: quizzes.Ordering, Text: "x", Items: []string{"s1", "s2", "s3"}},
			quizzes.Response{Order: []int{0, 1, 2}}, quizzes.Review{Fraction: 1, RightAnswer: "s1 → s2 → s3"}},
		{"essay", quizzes.Question{Type: quizzes.Essay, Text: "x", Rubric: "secret rubric"},
			quizzes.Response{Text: "t"}, quizzes.Review{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quizzes.ReviewOf(&tt.q, tt.r); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReviewOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}
