package quizzes_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/quizzes"
)

// FuzzAikenToGIFT checks what FuzzParseAiken does not: every error names the
// file and a line of it; every question is a single-answer multiple choice
// with one right answer among at least two one-line options; and GIFT, the
// format questions are exported in, carries Aiken questions unchanged
// (WriteGIFT then ParseGIFT gives them back, or says what it skipped).
func FuzzAikenToGIFT(f *testing.F) {
	addSeeds(f, "testdata/aiken/*.txt")
	for _, s := range []string{
		"Q\r\nA) x\r\nB) y\r\nANSWER: B\r\n", "Q {=a ~b}\nA) 1::2\nB) #3\nANSWER: A", "Q\\\nA) \\{x}\nB) ~y=\nANSWER: B",
		"$CATEGORY: x\nA) a\nB) b\nANSWER: A", "// c\nA) a\nB) b\nANSWER: A", "Q\nA)\tx\nB.\ty\nANSWER：B",
		"Q\nA) x\nANSWER: A", "ANSWER: A", "Q\nB) x\nA) y\nANSWER: A", "Q\nA) x\nB) y\nANSWER: C", "\xffQ\nA) x\nB) y\nANSWER: A",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		qs, err := quizzes.ParseAiken("fuzz.txt", strings.NewReader(src))
		if err != nil {
			checkFormatError(t, err)
			var fe *quizzes.FormatError
			errors.As(err, &fe)
			text := strings.ReplaceAll(strings.ReplaceAll(src, "\r\n", "\n"), "\r", "\n")
			lines := strings.Count(text, "\n") + 1
			for _, le := range fe.Errors {
				if le.File != "fuzz.txt" || le.Line < 1 || le.Line > lines || le.Msg == "" {
					t.Fatalf("error %v is not at a line of the %d-line file", le, lines)
				}
			}
			return
		}
		for _, q := range qs {
			right := 0
			for _, a := range q.Answers {
				switch {
				case a.Text == "" || strings.ContainsAny(a.Text, "\r\n"):
					t.Fatalf("option %q is empty or spans lines", a.Text)
				case a.Fraction == 1:
					right++
				case a.Fraction != 0:
					t.Fatalf("option %q has fraction %v", a.Text, a.Fraction)
				}
			}
			if q.Type != quizzes.MultiChoice || !q.Single || len(q.Answers) < 2 || right != 1 || q.Text == "" {
				t.Fatalf("not a single-answer multiple choice with one right option: %#v", q)
			}
		}
		checkGIFTRoundTrip(t, "Aiken", qs)
	})
}
