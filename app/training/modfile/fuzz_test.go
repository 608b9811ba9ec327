package modfile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/kaoping/kaoping/app/training/modfile"
)

// FuzzParse checks that whatever Parse accepts, Format can write, and that
// the written form is canonical: parsing and formatting it again changes
// nothing.
func FuzzParse(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join(golden, "module.md"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add(minimal)
	f.Add([]byte("+++\ncode = \"x\"\ntitle = \"\"\"\n+++\"\"\"\n+++\n# 课\n```\n# a\n```\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := modfile.Parse("module.md", data)
		if err != nil {
			return
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
		if !bytes.Equal(once, twice) {
			t.Fatalf("not canonical:\n%q\n%q", once, twice)
		}
	})
}
