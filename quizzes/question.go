// Package quizzes is the assessment engine: question types and their
// grading, quizzes and attempts, the GIFT and Aiken formats and item
// statistics. It knows nothing of HTTP.
package quizzes

import "errors"

// ErrInvalid marks a question, quiz or response that breaks a rule; the
// message names the field.
var ErrInvalid = errors.New("quizzes: invalid")

// Type is a question type.
type Type string

// The question types.
const (
	MultiChoice Type = "multichoice" // one or several right answers; fractions per answer, negative allowed
	TrueFalse   Type = "truefalse"
	ShortAnswer Type = "shortanswer" // accepted answers with fractions; "*" is a catch-all
	Numerical   Type = "numerical"   // value ± tolerance, several answers with fractions
	Matching    Type = "matching"    // pairs, plus distractor answers
	Ordering    Type = "ordering"    // put the items (workflow steps) in order
	Essay       Type = "essay"       // graded by hand (team lead), with a rubric
	Description Type = "description" // text only, no grade
)

// Text formats, as GIFT's [moodle] [html] [plain] [markdown] prefixes.
const (
	FormatMoodle   = "moodle"
	FormatHTML     = "html"
	FormatPlain    = "plain"
	FormatMarkdown = "markdown"
)

// Question is the content of one question version: what the taker sees and
// the key to grade it. It never goes to the browser as is (see Present).
type Question struct {
	Type            Type     `json:"type"`
	Category        string   `json:"category"` // "$CATEGORY" path, "/"-separated, "" if none
	Name            string   `json:"name"`
	Text            string   `json:"text"`
	Format          string   `json:"format"`
	GeneralFeedback string   `json:"general_feedback"`
	Tags            []string `json:"tags,omitempty"`
	DefaultMark     float64  `json:"default_mark,omitempty"` // 0 means 1

	// MultiChoice: Single means exactly one answer may be chosen.
	Single bool `json:"single,omitempty"`
	// MultiChoice, ShortAnswer, Numerical.
	Answers []Answer `json:"answers,omitempty"`
	// ShortAnswer: compare case-sensitively (default: insensitive).
	CaseSensitive bool `json:"case_sensitive,omitempty"`

	// TrueFalse.
	Correct         bool   `json:"correct,omitempty"`
	FeedbackWrong   string `json:"feedback_wrong,omitempty"`
	FeedbackCorrect string `json:"feedback_correct,omitempty"`

	// Matching: pairs with an empty Question are distractor answers.
	Pairs []Pair `json:"pairs,omitempty"`

	// Ordering: the items in their correct order.
	Items []string `json:"items,omitempty"`

	// Essay: the rubric the grader sees.
	Rubric string `json:"rubric,omitempty"`
}

// Answer is one answer of a multichoice, short-answer or numerical question.
type Answer struct {
	Text      string  `json:"text"`      // choice text, accepted text, or "*" (catch-all)
	Value     float64 `json:"value"`     // numerical
	Tolerance float64 `json:"tolerance"` // numerical: |x − Value| ≤ Tolerance
	Fraction  float64 `json:"fraction"`  // −1..1 (1 = full marks)
	Feedback  string  `json:"feedback"`
	Format    string  `json:"format"`
}

// Pair is one matching pair.
type Pair struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Response is what a taker answered. Only the fields of the question's type
// are used. Indexes refer to the question's own order (Answers, Pairs,
// Items), never to the shuffled order shown — the attempt translates.
type Response struct {
	Choices []int    `json:"choices,omitempty"` // multichoice: chosen answer indexes
	Bool    *bool    `json:"bool,omitempty"`    // truefalse
	Text    string   `json:"text,omitempty"`    // shortanswer, numerical, essay
	Matches []string `json:"matches,omitempty"` // matching: chosen answer text per non-distractor pair, in Pairs order ("" = none)
	Order   []int    `json:"order,omitempty"`   // ordering: item indexes in the order the taker put them
}

// Result is the grade of one response.
type Result struct {
	Fraction    float64  `json:"fraction"`     // 0..1 of the question's mark
	NeedsManual bool     `json:"needs_manual"` // essay: waits for a grader
	Feedback    []string `json:"feedback,omitempty"`
	Answered    bool     `json:"answered"`
}
