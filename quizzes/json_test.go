package quizzes_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/quizzes"
)

func TestQuestionsJSONKeys(t *testing.T) {
	common := []string{"type", "category", "name", "text", "format", "general_feedback"}
	qs := []quizzes.Question{
		{Type: quizzes.MultiChoice, Text: "x", Single: false, Tags: []string{"t"}, DefaultMark: 2, Answers: []quizzes.Answer{{Text: "a", Fraction: 1}}},
		{Type: quizzes.ShortAnswer, Text: "x", CaseSensitive: true, Answers: []quizzes.Answer{{Text: "a", Fraction: 1}}},
		{Type: quizzes.Numerical, Text: "x", Answers: []quizzes.Answer{{Value: 3, Tolerance: 0.5, Fraction: 1}, {Text: "*", Feedback: "no"}}},
		{Type: quizzes.TrueFalse, Text: "x"},
		{Type: quizzes.Matching, Text: "x", Pairs: []quizzes.Pair{{"a", "1"}, {"", "2"}}},
		{Type: quizzes.Essay, Text: "x", Rubric: "secret"},
		{Type: quizzes.Description, Text: "x"},
	}
	extra := [][]string{
		{"single", "answers"},
		{"answers"},
		{"answers"},
		{"correct", "feedback_wrong", "feedback_correct"},
		{"pairs"},
		nil,
		nil,
	}
	out, err := quizzes.QuestionsJSON(qs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "[\n  {\n    \"type\"") || !strings.HasSuffix(string(out), "]\n") {
		t.Errorf("not indented by two spaces:\n%s", out)
	}
	var got []map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	for i, m := range got {
		want := append(append([]string{}, common...), extra[i]...)
		sort.Strings(want)
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("%s keys = %q, want %q", qs[i].Type, keys, want)
		}
	}

	answers := func(i int) []any { return got[i]["answers"].([]any) }
	if a := answers(0)[0].(map[string]any); !reflect.DeepEqual(sortedKeys(a), []string{"feedback", "format", "fraction", "text"}) {
		t.Errorf("multichoice answer keys %q", sortedKeys(a))
	}
	if a := answers(2)[0].(map[string]any); !reflect.DeepEqual(sortedKeys(a), []string{"feedback", "fraction", "tolerance", "value"}) {
		t.Errorf("numerical answer keys %q", sortedKeys(a))
	}
	if a := answers(2)[1].(map[string]any); !reflect.DeepEqual(a, map[string]any{"text": "*", "fraction": 0.0, "feedback": "no"}) {
		t.Errorf("numerical catch-all = %v", a)
	}
	if got[0]["single"] != false {
		t.Errorf("single = %v, want false present", got[0]["single"])
	}
}

func TestQuestionsJSONEmptyAndHTML(t *testing.T) {
	out, err := quizzes.QuestionsJSON(nil)
	if err != nil || string(out) != "[]\n" {
		t.Errorf("QuestionsJSON(nil) = %q, %v", out, err)
	}
	out, _ = quizzes.QuestionsJSON([]quizzes.Question{{Type: quizzes.Description, Text: "<b>A & B</b>"}})
	if !strings.Contains(string(out), `"<b>A & B</b>"`) {
		t.Errorf("HTML escaped: %s", out)
	}
}

func sortedKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
