package quizzes_test

import (
	"reflect"
	"testing"

	"github.com/kaoping/kaoping/quizzes"
)

func TestOrderingFromSteps(t *testing.T) {
	q := quizzes.OrderingFromSteps(" 企业设立登记：办理流程 ", []string{"收件", " 核验 ", "", "受理", "核验", "发证"})
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	if q.Type != quizzes.Ordering || q.Name != "企业设立登记：办理流程" {
		t.Errorf("type %s name %q", q.Type, q.Name)
	}
	if want := []string{"收件", "核验", "受理", "发证"}; !reflect.DeepEqual(q.Items, want) {
		t.Errorf("items = %q, want %q", q.Items, want)
	}
	if r := quizzes.Grade(&q, quizzes.Response{Order: []int{0, 1, 2, 3}}); r.Fraction != 1 {
		t.Errorf("steps in order graded %v", r.Fraction)
	}
	if q := quizzes.OrderingFromSteps("x", []string{"only"}); q.Validate() == nil {
		t.Error("one step validated")
	}
}

func TestMultiChoiceFromMaterials(t *testing.T) {
	q := quizzes.MultiChoiceFromMaterials("材料", []string{"身份证", "章程", "住所证明", "身份证"}, []string{"户口本", "章程", "银行流水"})
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	if q.Single || len(q.Answers) != 5 {
		t.Fatalf("single %v, %d answers, want multiple answers and 5 (章程 counts as required)", q.Single, len(q.Answers))
	}
	idx := map[string]int{}
	for i, a := range q.Answers {
		idx[a.Text] = i
		if i > 0 && q.Answers[i-1].Text > a.Text {
			t.Errorf("answers not sorted: %q before %q", q.Answers[i-1].Text, a.Text)
		}
	}
	pick := func(texts ...string) float64 {
		var r quizzes.Response
		for _, s := range texts {
			r.Choices = append(r.Choices, idx[s])
		}
		return quizzes.Grade(&q, r).Fraction
	}
	tests := []struct {
		name  string
		picks []string
		want  float64
	}{
		{"all required", []string{"身份证", "章程", "住所证明"}, 1},
		{"all required plus one distractor", []string{"身份证", "章程", "住所证明", "户口本"}, 0.5},
		{"every box", []string{"身份证", "章程", "住所证明", "户口本", "银行流水"}, 0},
		{"two required", []string{"身份证", "章程"}, 2.0 / 3},
	}
	for _, tt := range tests {
		if got := pick(tt.picks...); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
