package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/quizzes"
	qstore "github.com/kaoping/kaoping/quizzes/store"
)

func TestEnsureCategory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()

	c, err := f.st.EnsureCategory(ctx, f.center, " 窗口 / 企业登记 ")
	if err != nil {
		t.Fatalf("EnsureCategory: %v", err)
	}
	if c.Path != "窗口/企业登记" || c.Name != "企业登记" || c.ParentID == nil {
		t.Fatalf("category = %+v, want 窗口/企业登记 under 窗口", c)
	}
	again, err := f.st.EnsureCategory(ctx, f.center, "窗口/企业登记")
	if err != nil || again.ID != c.ID {
		t.Fatalf("second EnsureCategory = %+v, %v; want id %d", again, err, c.ID)
	}
	// Concurrent calls create one category.
	var wg sync.WaitGroup
	ids := make([]int64, 6)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := f.st.EnsureCategory(ctx, f.center, "热线/咨询")
			if err != nil {
				t.Errorf("concurrent EnsureCategory: %v", err)
				return
			}
			ids[i] = c.ID
		}()
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("concurrent EnsureCategory ids = %v, want one", ids)
		}
	}
	if _, err := f.st.EnsureCategory(ctx, f.center, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.EnsureCategory(ctx, f.center, "窗口-A"); err != nil {
		t.Fatal(err)
	}
	cats, err := f.st.Categories(ctx, f.center)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, c := range cats {
		paths = append(paths, c.Path)
	}
	want := []string{"热线", "热线/咨询", "窗口", "窗口/企业登记", "窗口-A", "默认"}
	if strings.Join(paths, "|") != strings.Join(want, "|") {
		t.Fatalf("Categories = %v, want %v", paths, want)
	}
}

func TestAddQuestionsIsOneTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	bad := single("坏题")
	bad.Answers[0].Fraction = 0.5 // a single-answer question needs a right answer
	bad2 := trueFalse("", true)
	bad2.Text = ""
	_, err := f.st.AddQuestions(ctx, f.center, []quizzes.Question{single("好题"), bad, bad2}, trainer)
	if !errors.Is(err, quizzes.ErrInvalid) {
		t.Fatalf("AddQuestions with invalid questions: %v, want ErrInvalid", err)
	}
	for _, want := range []string{"question 2", "answers", "question 3", "text"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	got, err := f.st.Questions(ctx, f.center, qstore.QuestionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("questions after a failed import = %d, want 0", len(got))
	}
}

func TestQuestionsFilter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	q := func(name, cat string, tags ...string) quizzes.Question {
		x := single(name)
		x.Category, x.Tags = cat, tags
		return x
	}
	bank, err := f.st.AddQuestions(ctx, f.center, []quizzes.Question{
		q("A 企业设立", "窗口/企业登记", "材料", "设立"),
		q("B 企业变更", "窗口/企业登记/变更", "材料"),
		q("C 热线礼仪", "热线", "礼仪"),
		q("D 没有分类", ""),
	}, trainer)
	if err != nil {
		t.Fatal(err)
	}
	if bank[3].Question.Category != qstore.DefaultCategory {
		t.Errorf("category of an uncategorized question = %q, want %q", bank[3].Question.Category, qstore.DefaultCategory)
	}
	if got := bank[0].Question.Tags; strings.Join(got, ",") != "材料,设立" {
		t.Errorf("tags = %v, want [材料 设立]", got)
	}
	moduleID, _ := f.module(t, "m1")
	qz := &qstore.Quiz{ModuleID: moduleID}
	if err := f.st.SaveQuiz(ctx, qz); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetSlots(ctx, qz.ID, []qstore.Slot{
		{Kind: qstore.SlotFixed, QuestionID: bank[2].ID},
		{Kind: qstore.SlotRandom, CategoryID: bank[1].CategoryID, Count: 1},
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.ArchiveQuestion(ctx, bank[3].ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		filter qstore.QuestionFilter
		want   string
	}{
		{"all but archived", qstore.QuestionFilter{}, "A,B,C"},
		{"with archived", qstore.QuestionFilter{IncludeArchived: true}, "A,B,C,D"},
		{"category", qstore.QuestionFilter{CategoryID: bank[0].CategoryID}, "A"},
		{"category and subcategories", qstore.QuestionFilter{CategoryID: bank[0].CategoryID, IncludeSub: true}, "A,B"},
		{"one tag", qstore.QuestionFilter{Tags: []string{"材料"}}, "A,B"},
		{"every tag", qstore.QuestionFilter{Tags: []string{"材料", "设立"}}, "A"},
		{"query in an answer", qstore.QuestionFilter{Query: "礼仪 正确"}, "C"},
		{"query ignores case", qstore.QuestionFilter{Query: "b 企业"}, "B"},
		{"module", qstore.QuestionFilter{ModuleID: moduleID}, "B,C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.st.Questions(ctx, f.center, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, b := range got {
				names = append(names, b.Question.Name[:1])
			}
			// Order is by category path; compare as sets.
			if g := sortedJoin(names); g != tt.want {
				t.Fatalf("Questions(%+v) = %s, want %s", tt.filter, g, tt.want)
			}
		})
	}
}

func sortedJoin(s []string) string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return strings.Join(out, ",")
}

func TestUpdateQuestionInPlaceUntilUsed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	b, err := f.st.AddQuestion(ctx, f.center, single("原题"), trainer)
	if err != nil {
		t.Fatal(err)
	}
	q := b.Question
	q.Text = "改过一次"
	q.Tags = []string{"新标签"}
	b2, err := f.st.UpdateQuestion(ctx, b.ID, q, trainer)
	if err != nil {
		t.Fatal(err)
	}
	if b2.Version != 1 || b2.VersionID != b.VersionID || b2.Question.Text != "改过一次" {
		t.Fatalf("unused question edited: version %d (id %d), text %q; want version 1 changed in place", b2.Version, b2.VersionID, b2.Question.Text)
	}
	if strings.Join(b2.Question.Tags, ",") != "新标签" {
		t.Fatalf("tags = %v", b2.Question.Tags)
	}
	if _, err := f.st.UpdateQuestion(ctx, 9999, q, trainer); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateQuestion(missing) = %v, want ErrNotFound", err)
	}
	q.Answers = nil
	if _, err := f.st.UpdateQuestion(ctx, b.ID, q, trainer); !errors.Is(err, quizzes.ErrInvalid) {
		t.Fatalf("UpdateQuestion(invalid) = %v, want ErrInvalid", err)
	}
}
