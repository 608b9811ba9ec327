package quizzes

import (
	"bytes"
	"encoding/json"
)

// jsonQuestion is one question in the schema of `kaoping quiz parse`: the
// common keys, then only the keys of the question's type. Pointers and
// interfaces let a key be present with a zero value (single: false) and
// absent for other types.
type jsonQuestion struct {
	Type            Type    `json:"type"`
	Category        string  `json:"category"`
	Name            string  `json:"name"`
	Text            string  `json:"text"`
	Format          string  `json:"format"`
	GeneralFeedback string  `json:"general_feedback"`
	Single          *bool   `json:"single,omitempty"`
	Answers         any     `json:"answers,omitempty"`
	Correct         *bool   `json:"correct,omitempty"`
	FeedbackWrong   *string `json:"feedback_wrong,omitempty"`
	FeedbackCorrect *string `json:"feedback_correct,omitempty"`
	Pairs           any     `json:"pairs,omitempty"`
	Items           any     `json:"items,omitempty"`
}

// jsonChoice is a multichoice or short-answer answer.
type jsonChoice struct {
	Text     string  `json:"text"`
	Fraction float64 `json:"fraction"`
	Feedback string  `json:"feedback"`
	Format   string  `json:"format"`
}

// jsonValue is a numerical answer.
type jsonValue struct {
	Value     float64 `json:"value"`
	Tolerance float64 `json:"tolerance"`
	Fraction  float64 `json:"fraction"`
	Feedback  string  `json:"feedback"`
}

// jsonAnyNumber is the numerical catch-all answer.
type jsonAnyNumber struct {
	Text     string  `json:"text"`
	Fraction float64 `json:"fraction"`
	Feedback string  `json:"feedback"`
}

// jsonPair is a matching pair; an empty question is a distractor.
type jsonPair struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// QuestionsJSON renders questions in the schema `kaoping quiz parse`
// prints, a JSON array indented by two spaces and ending in a newline. Each
// object has type, category, name, text, format and general_feedback, then
// per type: multichoice single and answers [{text, fraction, feedback,
// format}]; shortanswer answers (the same); numerical answers [{value,
// tolerance, fraction, feedback}] with the catch-all as {text: "*",
// fraction, feedback}; truefalse correct, feedback_wrong, feedback_correct;
// matching pairs [{question, answer}]; essay and description nothing more.
// (Ordering, which neither GIFT nor Aiken produce, adds items.) Characters
// such as < and & are written as they are, not as \u003c.
func QuestionsJSON(qs []Question) ([]byte, error) {
	out := make([]jsonQuestion, 0, len(qs))
	for i := range qs {
		out = append(out, toJSON(&qs[i]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func toJSON(q *Question) jsonQuestion {
	j := jsonQuestion{
		Type: q.Type, Category: q.Category, Name: q.Name, Text: q.Text,
		Format: q.Format, GeneralFeedback: q.GeneralFeedback,
	}
	choices := func() []jsonChoice {
		cs := make([]jsonChoice, 0, len(q.Answers))
		for _, a := range q.Answers {
			f := a.Format
			if f == "" {
				f = q.Format
			}
			cs = append(cs, jsonChoice{Text: a.Text, Fraction: a.Fraction, Feedback: a.Feedback, Format: f})
		}
		return cs
	}
	switch q.Type {
	case MultiChoice:
		single := q.Single
		j.Single = &single
		j.Answers = choices()
	case ShortAnswer:
		j.Answers = choices()
	case Numerical:
		as := make([]any, 0, len(q.Answers))
		for _, a := range q.Answers {
			if a.Text == "*" {
				as = append(as, jsonAnyNumber{Text: "*", Fraction: a.Fraction, Feedback: a.Feedback})
			} else {
				as = append(as, jsonValue{Value: a.Value, Tolerance: a.Tolerance, Fraction: a.Fraction, Feedback: a.Feedback})
			}
		}
		j.Answers = as
	case TrueFalse:
		correct, wrong, right := q.Correct, q.FeedbackWrong, q.FeedbackCorrect
		j.Correct, j.FeedbackWrong, j.FeedbackCorrect = &correct, &wrong, &right
	case Matching:
		ps := make([]jsonPair, 0, len(q.Pairs))
		for _, p := range q.Pairs {
			ps = append(ps, jsonPair(p))
		}
		j.Pairs = ps
	case Ordering:
		items := append([]string{}, q.Items...)
		j.Items = items
	}
	return j
}
