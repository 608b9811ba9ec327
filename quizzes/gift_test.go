package quizzes_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/quizzes"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/gift and testdata/aiken")

// golden compares got with the file at path, or rewrites the file with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run go test -update to accept it):\n%s", path, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first differing line of want and got.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return "(same lines)"
}

func parseGIFTFile(t *testing.T, path string) ([]quizzes.Question, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return quizzes.ParseGIFT(filepath.Base(path), f)
}

func parseGIFT(t *testing.T, src string) []quizzes.Question {
	t.Helper()
	qs, err := quizzes.ParseGIFT("test.gift", strings.NewReader(src))
	if err != nil {
		t.Fatalf("ParseGIFT(%q): %v", src, err)
	}
	return qs
}

func TestParseGIFTGolden(t *testing.T) {
	qs, err := parseGIFTFile(t, "testdata/gift/all.gift")
	if err != nil {
		t.Fatal(err)
	}
	out, err := quizzes.QuestionsJSON(qs)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/gift/all.json", out)

	// Tags are not part of the parse schema; check them here.
	var untitled *quizzes.Question
	for i := range qs {
		if strings.HasPrefix(qs[i].Name, "This question has no title") {
			untitled = &qs[i]
		}
	}
	if untitled == nil {
		t.Fatal("the untitled question is missing")
	}
	if got, want := untitled.Tags, []string{"enterprise", "name]with-bracket", "spaced"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tags = %q, want %q", got, want)
	}
	if got := len([]rune(untitled.Name)); got != 80 {
		t.Errorf("default name has %d characters, want 80", got)
	}
	for _, q := range qs {
		if err := q.Validate(); err != nil {
			t.Errorf("%s: %v", q.Name, err)
		}
	}
}

func TestParseGIFTErrors(t *testing.T) {
	_, err := parseGIFTFile(t, "testdata/gift/errors.gift")
	if !errors.Is(err, quizzes.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	var fe *quizzes.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("err is %T, want *FormatError", err)
	}
	want := []struct {
		line int
		msg  string
	}{
		{5, "::title:: is not closed"},
		{7, "{ without }"},
		{9, `numerical answer "three" is not a number`},
		{11, "at least 2 answers"},
		{13, "more than one answer block"},
		{15, `"3:x" is not a number`},
		{17, `matching answer "c d" has no ->`},
		{19, "no answer has a positive fraction"},
		{23, "$CATEGORY line must be followed by a blank line"},
	}
	if len(fe.Errors) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(fe.Errors), len(want), err)
	}
	lines := strings.Split(err.Error(), "\n")
	for i, w := range want {
		got := fe.Errors[i]
		if got.File != "errors.gift" || got.Line != w.line || !strings.Contains(got.Msg, w.msg) {
			t.Errorf("error %d = %s, want errors.gift:%d: …%s…", i, got.Error(), w.line, w.msg)
		}
		if prefix := "errors.gift:" + strconv.Itoa(w.line) + ": "; !strings.HasPrefix(lines[i], prefix) {
			t.Errorf("Error() line %d = %q, want prefix %q", i, lines[i], prefix)
		}
	}
}

func TestParseGIFTBOMAndCRLF(t *testing.T) {
	for _, file := range []string{"testdata/gift/all.gift", "testdata/gift/errors.gift"} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			crlf := append([]byte("\uFEFF"), bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))...)
			wantQs, wantErr := quizzes.ParseGIFT("f", bytes.NewReader(data))
			gotQs, gotErr := quizzes.ParseGIFT("f", bytes.NewReader(crlf))
			if !reflect.DeepEqual(gotQs, wantQs) {
				t.Errorf("BOM+CRLF questions differ from LF questions")
			}
			if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
				t.Errorf("BOM+CRLF error:\n%v\nwant:\n%v", gotErr, wantErr)
			}
		})
	}
}

func TestParseGIFTNotUTF8(t *testing.T) {
	// "是否" in GB18030, as a Windows editor in China may save it.
	src := "::Q1::ok{T}\n\n::Q2::\xca\xc7\xb7\xf1{T}\n"
	_, err := quizzes.ParseGIFT("gbk.gift", strings.NewReader(src))
	if err == nil || !strings.Contains(err.Error(), "gbk.gift:3: line 3 is not valid UTF-8") {
		t.Errorf("err = %v, want a UTF-8 error on line 3", err)
	}
}

func TestParseGIFTCases(t *testing.T) {
	tf := func(name, text string, correct bool) quizzes.Question {
		return quizzes.Question{Type: quizzes.TrueFalse, Name: name, Text: text, Format: "moodle", Correct: correct}
	}
	tests := []struct {
		name string
		src  string
		want []quizzes.Question
	}{
		{"true short", "::a::x{T}", []quizzes.Question{tf("a", "x", true)}},
		{"true long", "::a::x{TRUE}", []quizzes.Question{tf("a", "x", true)}},
		{"false short", "::a::x{F}", []quizzes.Question{tf("a", "x", false)}},
		{"false long", "::a::x{FALSE}", []quizzes.Question{tf("a", "x", false)}},
		{"tf feedback", "::a::x{F#wrong#right}", []quizzes.Question{{Type: quizzes.TrueFalse, Name: "a", Text: "x", Format: "moodle", FeedbackWrong: "wrong", FeedbackCorrect: "right"}}},
		{
			// Moodle: a lower-case t is not true/false but an accepted answer.
			"lower-case t is a short answer", "::a::x{t}",
			[]quizzes.Question{{Type: quizzes.ShortAnswer, Name: "a", Text: "x", Format: "moodle", Answers: []quizzes.Answer{{Text: "t", Fraction: 1, Format: "moodle"}}}},
		},
		{
			"comment lines inside a question are dropped", "// c1\n::a::x\n// c2\n{T}",
			[]quizzes.Question{tf("a", "x", true)},
		},
		{
			"unknown format prefix stays in the text", "::a::[foo]x{T}",
			[]quizzes.Question{tf("a", "[foo]x", true)},
		},
		{
			"category applies to following questions and can be reset",
			"$CATEGORY: top/a\n\n::a::x{T}\n\n$CATEGORY:\n\n::b::y{T}",
			[]quizzes.Question{
				{Type: quizzes.TrueFalse, Category: "top/a", Name: "a", Text: "x", Format: "moodle", Correct: true},
				tf("b", "y", true),
			},
		},
		{
			"text before the first marker is a wrong answer, as in Moodle", "::a::x{maybe ~no =yes}",
			[]quizzes.Question{{Type: quizzes.MultiChoice, Name: "a", Text: "x", Format: "moodle", Single: true, Answers: []quizzes.Answer{
				{Text: "maybe", Format: "moodle"}, {Text: "no", Format: "moodle"}, {Text: "yes", Fraction: 1, Format: "moodle"},
			}}},
		},
		{
			"a percent sign that is not a weight stays in the text", "::a::x{=%abc% ~b}",
			[]quizzes.Question{{Type: quizzes.MultiChoice, Name: "a", Text: "x", Format: "moodle", Single: true, Answers: []quizzes.Answer{
				{Text: "%abc%", Fraction: 1, Format: "moodle"}, {Text: "b", Format: "moodle"},
			}}},
		},
		{
			"decimal weights", "::a::x{~%33.333%a ~%33.333%b ~%33.334%c ~d}",
			[]quizzes.Question{{Type: quizzes.MultiChoice, Name: "a", Text: "x", Format: "moodle", Answers: []quizzes.Answer{
				{Text: "a", Fraction: 0.33333, Format: "moodle"}, {Text: "b", Fraction: 0.33333, Format: "moodle"},
				{Text: "c", Fraction: 0.33334, Format: "moodle"}, {Text: "d", Format: "moodle"},
			}}},
		},
		{
			"numerical catch-all right after the value", "::a::x{#3:2~#Completely wrong}",
			[]quizzes.Question{{Type: quizzes.Numerical, Name: "a", Text: "x", Format: "moodle", Answers: []quizzes.Answer{
				{Value: 3, Tolerance: 2, Fraction: 1}, {Text: "*", Feedback: "Completely wrong"},
			}}},
		},
		{
			"numerical negative range and exponent", "::a::x{#-5..-1 =%50%1e3:1.5e1}",
			[]quizzes.Question{{Type: quizzes.Numerical, Name: "a", Text: "x", Format: "moodle", Answers: []quizzes.Answer{
				{Value: -3, Tolerance: 2, Fraction: 1}, {Value: 1000, Tolerance: 15, Fraction: 0.5},
			}}},
		},
		{
			"numerical explicit * answer", "::a::x{#=4 =%10%*#anything}",
			[]quizzes.Question{{Type: quizzes.Numerical, Name: "a", Text: "x", Format: "moodle", Answers: []quizzes.Answer{
				{Value: 4, Fraction: 1}, {Text: "*", Fraction: 0.1, Feedback: "anything"},
			}}},
		},
		{
			"question text only", "Read this.",
			[]quizzes.Question{{Type: quizzes.Description, Name: "Read this.", Text: "Read this.", Format: "moodle"}},
		},
		{
			"whitespace-only answer block is an essay", "::e::Say { }",
			[]quizzes.Question{{Type: quizzes.Essay, Name: "e", Text: "Say", Format: "moodle"}},
		},
		{"only comments", "// nothing\n// here\n", []quizzes.Question{}},
		{"empty file", "", []quizzes.Question{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseGIFT(t, tt.src)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseGIFTRejects(t *testing.T) {
	tests := []struct{ name, src, msg string }{
		{"non-numeric numerical answer", "{#abc}", `numerical answer "abc" is not a number`},
		{"infinite numerical answer", "x{#Inf}", `"Inf" is not a number`},
		{"empty numerical", "x{#}", "at least one value"},
		{"answer after numerical ~", "x{#3 ~2}", "feedback only"},
		{"two numerical ~", "x{#3 ~#a ~#b}", "not several ~"},
		{"negative tolerance", "x{#3:-1}", "tolerance"},
		{"reversed range", "x{#5..1}", "tolerance"},
		{"weight over 100 %", "x{~%150%a ~b}", "outside [-1, 1]"},
		{"short answer without full marks", "x{=%50%a}", "no answer has fraction 1"},
		{"multi-answer weights not adding to 1", "x{~%50%a ~%20%b ~c}", "add up to 1"},
		{"matching with one pair", "x{=a -> b = -> c}", "at least 2 pairs"},
		{"matching with duplicate questions", "x{=a -> b =a -> c}", "appears twice"},
		{"matching with empty answer", "x{=a -> b =c -> }", "answer: empty"},
		{"closing brace first", "x } {T}", "} before {"},
		{"closing brace only", "x }", "} without {"},
		{"question without text", "::t::{T}", "text: empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := quizzes.ParseGIFT("r.gift", strings.NewReader("// first line\n"+tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "r.gift:2: ") {
				t.Errorf("err = %v, want r.gift:2: …%s…", err, tt.msg)
			}
		})
	}
}

// roundTripQuestions has every type GIFT can express, with the characters
// that need escaping in every place they can appear.
func roundTripQuestions() []quizzes.Question {
	special := `a\b {c} ~d =e #f :g` + "\nnext line"
	return []quizzes.Question{
		{Type: quizzes.TrueFalse, Name: "tf: " + special, Text: special, Format: "moodle", Correct: true,
			FeedbackWrong: "wrong " + special, FeedbackCorrect: "right " + special, GeneralFeedback: "general " + special,
			Tags: []string{"t1", "with ] bracket"}},
		{Type: quizzes.TrueFalse, Name: "tf only right feedback", Text: "x", Format: "moodle", FeedbackCorrect: "right"},
		{Type: quizzes.MultiChoice, Category: "top/区/" + special, Name: "mc single", Text: "[not a format] text", Format: "html", Single: true,
			Answers: []quizzes.Answer{
				{Text: "right " + special, Fraction: 1, Feedback: "[plain] fb", Format: "html"},
				{Text: "also right", Fraction: 1, Format: "html"},
				{Text: "%50% looks weighted", Format: "html"},
				{Text: "half", Fraction: 0.5, Format: "markdown"},
				{Text: "[html]bracket", Fraction: -0.25, Format: "plain"},
			}, GeneralFeedback: "[x]gf"},
		{Type: quizzes.MultiChoice, Category: "top/区/" + special, Name: "mc multi thirds", Text: "pick", Format: "moodle",
			Answers: []quizzes.Answer{
				{Text: "a", Fraction: 1.0 / 3, Format: "moodle"},
				{Text: "b", Fraction: 1.0 / 3, Format: "moodle"},
				{Text: "c", Fraction: 1.0 / 3, Format: "moodle"},
				{Text: "d", Fraction: -1, Format: "moodle", Feedback: "no"},
			}},
		{Type: quizzes.ShortAnswer, Name: "sa", Text: "Two plus _____ equals four.", Format: "markdown",
			Answers: []quizzes.Answer{
				{Text: "two", Fraction: 1, Feedback: special, Format: "markdown"},
				{Text: `tw\*o`, Fraction: 1, Format: "markdown"},
				{Text: "%20% odd", Fraction: 1, Format: "markdown"},
				{Text: "[b]racket", Fraction: 0.1, Format: "markdown"},
				{Text: "*", Fraction: 0, Feedback: "no", Format: "markdown"},
			}, GeneralFeedback: "gf"},
		{Type: quizzes.Numerical, Name: "num", Text: "How much?", Format: "moodle",
			Answers: []quizzes.Answer{
				{Value: 3.14, Tolerance: 0.005, Fraction: 1, Feedback: "yes " + special},
				{Value: -1e21, Tolerance: 0, Fraction: 0.5},
				{Value: 3, Tolerance: 0.5, Fraction: 1.0 / 3},
				{Text: "*", Fraction: 0, Feedback: "any other"},
			}, GeneralFeedback: "gf"},
		{Type: quizzes.Numerical, Name: "num catch-all first", Text: "How much?", Format: "moodle",
			Answers: []quizzes.Answer{
				{Text: "*", Fraction: 0.1},
				{Value: 2, Fraction: 1},
				{Text: "*", Fraction: 0, Feedback: "x"},
				{Value: 3, Fraction: 0.5},
			}},
		{Type: quizzes.Matching, Name: "match", Text: "Match " + special, Format: "plain",
			Pairs: []quizzes.Pair{
				{Question: "q " + special, Answer: "a " + special},
				{Question: "[html]q2", Answer: "a -> 2"},
				{Question: "q3-", Answer: "a"},
				{Question: "", Answer: "distractor"},
			}, GeneralFeedback: "gf"},
		{Type: quizzes.Essay, Name: "essay", Text: "Write.", Format: "moodle", GeneralFeedback: "model answer"},
		{Type: quizzes.Essay, Name: "essay plain", Text: "//not a comment\n$CATEGORY: not a category", Format: "moodle"},
		{Type: quizzes.Description, Category: "", Name: "desc", Text: "Read " + special, Format: "markdown"},
	}
}

func TestGIFTRoundTrip(t *testing.T) {
	qs := roundTripQuestions()
	var buf bytes.Buffer
	skipped, err := quizzes.WriteGIFT(&buf, qs)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) > 0 {
		t.Errorf("skipped %v, want nothing skipped", skipped)
	}
	golden(t, "testdata/gift/export.gift", buf.Bytes())

	got, err := quizzes.ParseGIFT("export.gift", bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, buf.String())
	}
	if len(got) != len(qs) {
		t.Fatalf("got %d questions back, want %d", len(got), len(qs))
	}
	for i := range qs {
		if !reflect.DeepEqual(got[i], qs[i]) {
			t.Errorf("question %d:\ngot  %#v\nwant %#v", i, got[i], qs[i])
		}
	}
}

func TestGIFTReexport(t *testing.T) {
	// Parse → write → parse gives the same questions for the sample file.
	first, err := parseGIFTFile(t, "testdata/gift/all.gift")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if skipped, err := quizzes.WriteGIFT(&buf, first); err != nil || len(skipped) > 0 {
		t.Fatalf("WriteGIFT: skipped %v, err %v", skipped, err)
	}
	second, err := quizzes.ParseGIFT("again.gift", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, second) {
		for i := range first {
			if i < len(second) && !reflect.DeepEqual(first[i], second[i]) {
				t.Errorf("question %d:\ngot  %#v\nwant %#v", i, second[i], first[i])
			}
		}
		t.Fatalf("re-export changed the questions")
	}
}

func TestWriteGIFTSkipped(t *testing.T) {
	valid := quizzes.Question{Type: quizzes.TrueFalse, Name: "ok", Text: "x", Format: "moodle"}
	withRubric := quizzes.Question{Type: quizzes.Essay, Name: "essay", Text: "Write.", Format: "moodle", Rubric: "3 points for …", DefaultMark: 5}
	caseSensitive := quizzes.Question{Type: quizzes.ShortAnswer, Name: "cs", Text: "x", Format: "moodle", CaseSensitive: true,
		Answers: []quizzes.Answer{{Text: "ABC", Fraction: 1}}}
	badTags := valid
	badTags.Name, badTags.Tags = "tags", []string{"good", "<bad>", " padded "}
	qs := []quizzes.Question{
		{Type: quizzes.Ordering, Name: "steps", Text: "Order", Items: []string{"a", "b"}},
		{Type: quizzes.MultiChoice, Name: "invalid", Text: "x", Answers: []quizzes.Answer{{Text: "only", Fraction: 1}}},
		{Type: quizzes.Matching, Name: "arrow", Text: "x", Pairs: []quizzes.Pair{{Question: "a->b", Answer: "c"}, {Question: "d", Answer: "e"}}},
		{Type: quizzes.ShortAnswer, Name: "sa arrow", Text: "x", Answers: []quizzes.Answer{{Text: "a->b", Fraction: 1}}},
		{Type: quizzes.Description, Name: "desc", Text: "x", GeneralFeedback: "lost"},
		valid, withRubric, caseSensitive, badTags,
	}
	var buf bytes.Buffer
	skipped, err := quizzes.WriteGIFT(&buf, qs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"steps":    {"no ordering questions"},
		"invalid":  {"invalid question not exported", "at least 2 answers"},
		"arrow":    {`contains "->"`},
		"sa arrow": {`contains "->"`},
		"desc":     {"general feedback"},
		"essay":    {"rubric", "default mark"},
		"cs":       {"case-sensitive"},
		"tags":     {`"<bad>"`, `" padded "`},
	}
	gotBy := map[string]string{}
	for _, s := range skipped {
		gotBy[s.Name] += s.Reason + "|"
	}
	for name, parts := range want {
		for _, p := range parts {
			if !strings.Contains(gotBy[name], p) {
				t.Errorf("skipped for %q = %q, want it to mention %q", name, gotBy[name], p)
			}
		}
	}
	if len(gotBy) != len(want) {
		t.Errorf("skipped %v, want entries for %v", skipped, want)
	}
	back, err := quizzes.ParseGIFT("out.gift", &buf)
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	var names []string
	for _, q := range back {
		names = append(names, q.Name)
	}
	if want := []string{"desc", "ok", "essay", "cs", "tags"}; !reflect.DeepEqual(names, want) {
		t.Errorf("exported %q, want %q", names, want)
	}
	if got := back[len(back)-1].Tags; !reflect.DeepEqual(got, []string{"good"}) {
		t.Errorf("tags = %q, want [good]", got)
	}
}

func TestParseGIFTLargeInputs(t *testing.T) {
	// Inputs built to make a careless parser quadratic; each must parse (or
	// fail) promptly. The test timeout is the judge.
	n := 200_000
	inputs := map[string]string{
		"many answers":    "::q::x{=a" + strings.Repeat(" ~b", n) + "}",
		"many escapes":    "::q::" + strings.Repeat(`\{\}\~`, n) + "{T}",
		"many tags":       "// " + strings.Repeat("[tag:", n) + "<\n::q::x{T}",
		"many colons":     strings.Repeat(":", n),
		"many braces":     strings.Repeat("{", n) + strings.Repeat("}", n),
		"many questions":  strings.Repeat("::q::x{T}\n\n", n/10),
		"many numbers":    "::q::x{#" + strings.Repeat("=1:1#f ", n/4) + "}",
		"many hashes":     "::q::x{T" + strings.Repeat("#", n) + "}",
		"many brackets":   "::q::" + strings.Repeat("[", n) + "{T}",
		"many percent":    "::q::x{=a" + strings.Repeat(" ~%", n) + "}",
		"many arrows":     "::q::x{" + strings.Repeat("=a -> b ", n/8) + "}",
		"long line title": "::" + strings.Repeat("a", n),
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			_, _ = quizzes.ParseGIFT("big.gift", strings.NewReader(src))
		})
	}
}
