package quizzes_test

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/quizzes"
)

func TestParseAikenGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/aiken/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	qs, err := quizzes.ParseAiken("sample.txt", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out, err := quizzes.QuestionsJSON(qs)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/aiken/sample.json", out)
	for _, q := range qs {
		if err := q.Validate(); err != nil {
			t.Errorf("%s: %v", q.Name, err)
		}
	}

	crlf := append([]byte("\uFEFF"), bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))...)
	again, err := quizzes.ParseAiken("sample.txt", bytes.NewReader(crlf))
	if err != nil || !reflect.DeepEqual(again, qs) {
		t.Errorf("BOM+CRLF: err %v, questions equal %v", err, reflect.DeepEqual(again, qs))
	}
}

func TestParseAikenQuestion(t *testing.T) {
	qs, err := quizzes.ParseAiken("q.txt", strings.NewReader("Pick one\nA) x\nB. y\nANSWER: B\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []quizzes.Question{{
		Type: quizzes.MultiChoice, Name: "Pick one", Text: "Pick one", Format: "plain", Single: true,
		Answers: []quizzes.Answer{{Text: "x", Format: "plain"}, {Text: "y", Fraction: 1, Format: "plain"}},
	}}
	if !reflect.DeepEqual(qs, want) {
		t.Errorf("got  %+v\nwant %+v", qs, want)
	}
}

func TestParseAikenErrors(t *testing.T) {
	data, err := os.ReadFile("testdata/aiken/errors.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, err = quizzes.ParseAiken("errors.txt", bytes.NewReader(data))
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
		{6, "has no ANSWER line"},
		{10, "ANSWER C is not among the options A–B"},
		{15, "at least 2 options"},
		{19, "option C on line 21 should be B"},
		{24, "ANSWER line without a question"},
		{26, `ANSWER "2" is not one letter`},
		{31, "has no ANSWER line"},
	}
	if len(fe.Errors) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(fe.Errors), len(want), err)
	}
	for i, w := range want {
		got := fe.Errors[i]
		if got.File != "errors.txt" || got.Line != w.line || !strings.Contains(got.Msg, w.msg) {
			t.Errorf("error %d = %s, want errors.txt:%d: …%s…", i, got.Error(), w.line, w.msg)
		}
	}

	// The same errors on the same lines with a BOM and CRLF line ends.
	crlf := append([]byte("\uFEFF"), bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))...)
	_, err2 := quizzes.ParseAiken("errors.txt", bytes.NewReader(crlf))
	if err2 == nil || err2.Error() != err.Error() {
		t.Errorf("BOM+CRLF errors:\n%v\nwant:\n%v", err2, err)
	}
}

func TestParseAikenOptionBeforeText(t *testing.T) {
	_, err := quizzes.ParseAiken("x.txt", strings.NewReader("\n\nA) orphan\nB) option\nANSWER: A\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "x.txt:3: option A) before any question text") {
		t.Errorf("err = %v", err)
	}
}
