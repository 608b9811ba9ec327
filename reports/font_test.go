package reports_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/image/font/sfnt"

	"github.com/kaoping/kaoping/reports"
)

// TestNewRendererRejects: fonts the PDF library cannot embed, or that
// would print boxes or nothing, fail at once with a message that says
// what to do.
func TestNewRendererRejects(t *testing.T) {
	random := make([]byte, 4096)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	latin := "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.%:-/．%：〓"
	tests := []struct {
		name string
		font []byte
		want string
	}{
		{"empty", nil, "not a font"},
		{"random bytes", random, "not a TrueType font"},
		{"collection", append([]byte("ttcf"), random...), "collection"},
		{"CFF OpenType", append([]byte("OTTO"), random...), "CFF"},
		{"truncated", mustFont(t)[:5000], "outside the file"},
		// like DroidSansFallback: Chinese, but no digits or Latin letters
		{"no digits", tinyTrueType("．%：〓喆堃赟考评"), "0 1 2"},
		// like gbsn00lp: GB2312 only, no rare name characters
		{"no rare names", tinyTrueType(latin + "考评"), "喆 堃 赟"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := reports.NewRenderer(tt.font)
			if err == nil {
				t.Fatalf("NewRenderer gave %v, want an error", r)
			}
			if !errors.Is(err, reports.ErrBadFont) {
				t.Errorf("error %v is not ErrBadFont", err)
			}
			for _, w := range []string{tt.want, "make fonts", "KAOPING_FONT"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	t.Run("tiny font with everything", func(t *testing.T) {
		if _, err := reports.NewRenderer(tinyTrueType(latin + "喆堃赟")); err != nil {
			t.Errorf("the test font itself is broken: %v", err)
		}
	})
}

func TestFindFont(t *testing.T) {
	t.Run("explicit", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "f.ttf")
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := reports.FindFont(p)
		if err != nil || got != p {
			t.Errorf("FindFont(%q) = %q, %v", p, got, err)
		}
	})
	t.Run("explicit missing", func(t *testing.T) {
		_, err := reports.FindFont(filepath.Join(t.TempDir(), "none.ttf"))
		if !errors.Is(err, reports.ErrNoFont) || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v, want ErrNoFont and ErrNotExist", err)
		}
	})
	t.Run("project directory", func(t *testing.T) {
		mustFont(t)
		t.Chdir("..")
		got, err := reports.FindFont("")
		if err != nil || got != filepath.FromSlash(reports.FontRelPath) {
			t.Errorf("FindFont(\"\") = %q, %v", got, err)
		}
	})
	t.Run("nowhere", func(t *testing.T) {
		t.Chdir(t.TempDir())
		got, err := reports.FindFont("")
		const system = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"
		if _, serr := os.Stat(system); serr == nil {
			if got != system {
				t.Errorf("FindFont(\"\") = %q, %v; want the system font", got, err)
			}
			return
		}
		if !errors.Is(err, reports.ErrNoFont) {
			t.Fatalf("FindFont(\"\") = %q, %v; want ErrNoFont", got, err)
		}
		for _, w := range []string{"make fonts", "apt-get install fonts-lxgw-wenkai", "KAOPING_FONT"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q lacks %q", err, w)
			}
		}
	})
}

// TestCoverage: every character handed to the PDF library has a glyph in
// the embedded font (checked with the font itself, not with the
// renderer's own table), so nothing prints as a box or blank.
func TestCoverage(t *testing.T) {
	fontData := mustFont(t)
	r, err := reports.NewRenderer(fontData)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var printed []string
	reports.SetRecorder(r, func(s string) {
		mu.Lock()
		printed = append(printed, s)
		mu.Unlock()
	})
	odd := staffReport()
	odd.Name = "𠮷田😀\u200d👩 \t\x07é"
	odd.LeadComment = "表现❤️不错\r\n继续努力"
	docs := []any{odd}
	for _, fx := range fixtures() {
		docs = append(docs, fx.data)
	}
	for k, d := range docs {
		render(t, r, "doc", d)
		if k == 0 && len(printed) == 0 {
			t.Fatal("the recorder saw nothing")
		}
	}
	all := strings.Join(printed, "\n")
	for _, w := range []string{"徐喆", "何堃", "罗赟", "第 1 / 2 页", "82.9", "〓田〓", "培训合格证书"} {
		if !strings.Contains(all, w) {
			t.Errorf("the recorder did not see %q", w)
		}
	}
	f, err := sfnt.Parse(fontData)
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	bad := map[rune]bool{}
	for _, c := range all {
		if c == '\n' || bad[c] {
			continue
		}
		g, err := f.GlyphIndex(&buf, c)
		if c > 0xFFFF || err != nil || g == 0 {
			bad[c] = true
			t.Errorf("printed %q (U+%04X), which the font does not cover", c, c)
		}
	}
}

// TestConcurrent: one Renderer serves many goroutines, and each gets the
// bytes a lone call gets.
func TestConcurrent(t *testing.T) {
	r := mustRenderer(t)
	want, _ := render(t, r, "staff", staffReport())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for k := 0; k < 8; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			if _, err := r.Staff(&buf, staffReport()); err != nil {
				errs <- err
				return
			}
			if !bytes.Equal(buf.Bytes(), want) {
				errs <- errors.New("a concurrent rendering differs")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
