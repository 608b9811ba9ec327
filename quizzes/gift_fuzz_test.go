package quizzes_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/quizzes"
)

// addSeeds adds every file matching pattern, and the blocks of each, to the
// fuzz corpus.
func addSeeds(f *testing.F, pattern string) {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files %s: %v", pattern, err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
		for _, block := range strings.Split(string(data), "\n\n") {
			f.Add(block)
		}
	}
}

// checkFormatError fails unless err is a non-empty *FormatError that wraps
// ErrInvalid.
func checkFormatError(t *testing.T, err error) {
	t.Helper()
	var fe *quizzes.FormatError
	if !errors.As(err, &fe) || len(fe.Errors) == 0 || !errors.Is(err, quizzes.ErrInvalid) {
		t.Fatalf("error %T %v is not a non-empty *FormatError", err, err)
	}
}

// checkValid fails unless every parsed question passes Validate.
func checkValid(t *testing.T, qs []quizzes.Question) {
	t.Helper()
	for i := range qs {
		if err := qs[i].Validate(); err != nil {
			t.Fatalf("parsed an invalid question: %v", err)
		}
	}
}

// checkGIFTRoundTrip fails unless qs, parsed from the format from, write to
// GIFT that parses back to the same questions; it passes when the writer
// reports something it could not write.
func checkGIFTRoundTrip(t *testing.T, from string, qs []quizzes.Question) {
	t.Helper()
	var buf bytes.Buffer
	skipped, err := quizzes.WriteGIFT(&buf, qs)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) > 0 {
		return
	}
	again, err := quizzes.ParseGIFT("export.gift", &buf)
	if err != nil {
		t.Fatalf("the GIFT export of %s questions does not parse: %v\nexport:\n%s", from, err, buf.String())
	}
	if !reflect.DeepEqual(again, qs) {
		t.Fatalf("%s → GIFT → questions changed them:\n got  %#v\n want %#v\nexport:\n%s", from, again, qs, buf.String())
	}
}

func FuzzParseGIFT(f *testing.F) {
	addSeeds(f, "testdata/gift/*.gift")
	for _, s := range []string{"{", "}", "::", "::a", "{#}", "{#1..}", "{~%", "\\", "$CATEGORY:", "{=a->}", "// [tag:", "{T#", "x{#*}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		qs, err := quizzes.ParseGIFT("fuzz.gift", strings.NewReader(src))
		if err != nil {
			checkFormatError(t, err)
			return
		}
		checkValid(t, qs)
		checkGIFTRoundTrip(t, "GIFT", qs)
	})
}

func FuzzParseAiken(f *testing.F) {
	addSeeds(f, "testdata/aiken/*.txt")
	for _, s := range []string{"ANSWER:", "A) x", "Q\nA) x\nB) y\nANSWER: Z", "Q\nA. x\nANSWER：A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		qs, err := quizzes.ParseAiken("fuzz.txt", strings.NewReader(src))
		if err != nil {
			checkFormatError(t, err)
			return
		}
		checkValid(t, qs)
	})
}
