package reports

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// TestSubset: the cut font maps every requested character to a glyph with
// the original's advance and outline, composite glyphs included.
func TestSubset(t *testing.T) {
	path := os.Getenv("KAOPING_FONT")
	if path == "" {
		path = filepath.Join("..", filepath.FromSlash(FontRelPath))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("report font: %v (run make fonts, or set KAOPING_FONT)", err)
	}
	r, err := NewRenderer(data)
	if err != nil {
		t.Fatal(err)
	}
	runes := []rune("徐喆何堃罗赟 82.9%：．〓Aé第页")
	// add a character drawn by a composite glyph, if the font has one
	for c := rune(0x20); c < 0xFFFF; c++ {
		g := r.ttf.gid[c]
		if g == 0 {
			continue
		}
		if gl := r.ttf.glyph(g); len(gl) >= 2 && int16(binary.BigEndian.Uint16(gl)) < 0 {
			runes = append(runes, c)
			t.Logf("composite glyph: %q", c)
			break
		}
	}
	cut, err := r.ttf.subset(runes)
	if err != nil {
		t.Fatal(err)
	}
	if len(cut) > 200<<10 {
		t.Errorf("the subset of %d characters is %d bytes", len(runes), len(cut))
	}
	if _, err := checkTrueType(cut); err != nil {
		t.Fatalf("the subset is not a TrueType font the PDF library reads: %v", err)
	}
	orig, err := sfnt.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := sfnt.Parse(cut)
	if err != nil {
		t.Fatalf("the subset does not parse: %v", err)
	}
	var b1, b2 sfnt.Buffer
	ppem := fixed.Int26_6(orig.UnitsPerEm()) << 6
	for _, c := range runes {
		g1, _ := orig.GlyphIndex(&b1, c)
		g2, err := sub.GlyphIndex(&b2, c)
		if err != nil || g2 == 0 {
			t.Errorf("%q: not in the subset (%v)", c, err)
			continue
		}
		a1, _ := orig.GlyphAdvance(&b1, g1, ppem, font.HintingNone)
		a2, _ := sub.GlyphAdvance(&b2, g2, ppem, font.HintingNone)
		if a1 != a2 {
			t.Errorf("%q: advance %v, want %v", c, a2, a1)
		}
		s1, err1 := orig.LoadGlyph(&b1, g1, ppem, nil)
		s1 = slices.Clone(s1)
		s2, err2 := sub.LoadGlyph(&b2, g2, ppem, nil)
		if err1 != nil || err2 != nil || !slices.Equal(s1, s2) {
			t.Errorf("%q: outline differs (%v, %v)", c, err1, err2)
		}
	}
	if g, _ := sub.GlyphIndex(&b2, '丁'); g != 0 {
		t.Error("the subset has a character that was not asked for")
	}
}
