package modfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kaoping/kaoping/app/training/modfile"
)

// moduleSeeds are the golden module, the minimal one, the demo modules and
// a few broken front matters and lesson layouts.
func moduleSeeds(f *testing.F) [][]byte {
	f.Helper()
	seeds := [][]byte{minimal,
		[]byte("+++\ncode = \"x\"\ntitle = \"\"\"\n+++\"\"\"\n+++\n# 课\n```\n# a\n```\n"),
		[]byte("+++\ncode = \"x\"\n"), []byte("no front matter"), []byte("\ufeff+++\r\ncode = \"x\"\r\ntitle = \"t\"\r\n+++\r\n# a\r\nb\r\n"),
		[]byte("+++\ncode = \"x\"\ntitle = \"t\"\n+++\ntext first\n# a\nb\n"), []byte("+++\ncode = \"x\"\ntitle = \"t\"\n+++\n# \nb\n"),
		[]byte("+++\ncode = \"x\"\ntitle = \"t\"\n+++\n# a\n~~~\n# b\n"), []byte("+++\ncode = 1\ntitle = [\n+++\n"),
	}
	files, _ := filepath.Glob("../../demo/modules/*.md")
	files = append(files, filepath.Join(golden, "module.md"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			seeds = append(seeds, data)
		}
	}
	return seeds
}

// FuzzParseModule: whatever Parse refuses is a *ParseError naming the file
// and one of its lines; whatever it accepts formats, and the parsed form of
// that is a fixed point: parsing and formatting it again gives the same
// module and the same bytes.
func FuzzParseModule(f *testing.F) {
	for _, s := range moduleSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := modfile.Parse("module.md", data)
		if err != nil {
			checkParseError(t, err, string(data))
			return
		}
		if m == nil {
			t.Fatal("Parse returned neither a module nor an error")
		}
		once, err := modfile.Format(m)
		if err != nil {
			t.Fatalf("Format of a parsed module: %v", err)
		}
		m2, err := modfile.Parse("module.md", once)
		if err != nil {
			t.Fatalf("Parse(Format(m)): %v\n%s", err, once)
		}
		twice, err := modfile.Format(m2)
		if err != nil {
			t.Fatal(err)
		}
		m3, err := modfile.Parse("module.md", twice)
		if err != nil || !reflect.DeepEqual(m3, m2) || string(twice) != string(once) {
			t.Fatalf("Format then Parse is not a fixed point (%v):\n%#v\n%#v", err, m2, m3)
		}
	})
}

// checkParseError fails unless err is a *ParseError for module.md at a line
// of src.
func checkParseError(t *testing.T, err error, src string) {
	t.Helper()
	var pe *modfile.ParseError
	if !errors.As(err, &pe) || pe.File != "module.md" || pe.Msg == "" {
		t.Fatalf("error %T %v is not a *ParseError of module.md", err, err)
	}
	lines := strings.Count(strings.ReplaceAll(src, "\r\n", "\n"), "\n") + strings.Count(src, "\r") - strings.Count(src, "\r\n") + 1
	if pe.Line < 1 || pe.Line > lines {
		t.Fatalf("error at line %d of a %d-line file: %v", pe.Line, lines, err)
	}
}

// fuzzFrontMatter is the smallest valid front matter; the lessons after it
// start on line 5.
const fuzzFrontMatter = "+++\ncode = \"x\"\ntitle = \"标题\"\n+++\n"

// FuzzParseLessons: the web editor's lesson splitter (ParseLessons) and the
// file format (Parse) agree on any text: the same lessons, or errors at the
// same line.
func FuzzParseLessons(f *testing.F) {
	for _, s := range moduleSeeds(f) {
		_, body, ok := strings.Cut(string(s), "\n+++\n")
		if !ok {
			body = string(s)
		}
		f.Add(body)
	}
	for _, s := range []string{"", "# 课\n正文", "# a\n```\n# b\n```\nc", "# a\n", "正文", "# a\r\nb\rc\n# d\n\n\ne\n\n", "#\tx\n y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if !utf8.ValidString(src) {
			return // Parse refuses the file for that alone
		}
		got, gotErr := modfile.ParseLessons("lessons.md", src)
		m, wantErr := modfile.Parse("module.md", []byte(fuzzFrontMatter+src))
		switch {
		case gotErr == nil && wantErr == nil:
			if !reflect.DeepEqual(got, m.Lessons) {
				t.Fatalf("ParseLessons and Parse split differently:\n%#v\n%#v", got, m.Lessons)
			}
		case gotErr != nil && wantErr != nil:
			var a, b *modfile.ParseError
			if !errors.As(gotErr, &a) || !errors.As(wantErr, &b) || a.File != "lessons.md" || a.Line+4 != b.Line || a.Msg != b.Msg {
				t.Fatalf("different errors: ParseLessons %v; Parse %v", gotErr, wantErr)
			}
		default:
			t.Fatalf("ParseLessons: %v; Parse: %v", gotErr, wantErr)
		}
	})
}
