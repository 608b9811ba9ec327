package reports

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// FontRelPath is where `make fonts` puts the report font, relative to the
// project root.
const FontRelPath = "data/fonts/LXGWWenKai-Regular.ttf"

// fontSystemPath is where Debian's fonts-lxgw-wenkai installs the font.
const fontSystemPath = "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"

// fontHint tells the operator how to get a usable font.
const fontHint = "run `make fonts`, or `apt-get install fonts-lxgw-wenkai`, or set KAOPING_FONT to the path of LXGWWenKai-Regular.ttf"

var (
	// ErrNoFont is returned by FindFont when no font file is found.
	ErrNoFont = errors.New("reports: no CJK TrueType font for the PDF reports")
	// ErrBadFont is returned by NewRenderer for a font the PDF library
	// cannot embed or that cannot print every report.
	ErrBadFont = errors.New("reports: unusable font")
)

// FindFont returns the path of the report font: explicit if it is not
// empty (an error if that file does not exist), else the first existing of
// data/fonts/LXGWWenKai-Regular.ttf relative to the working directory,
// the same path relative to the running executable's directory and its
// parent, and the path of Debian's fonts-lxgw-wenkai.
func FindFont(explicit string) (string, error) {
	if explicit != "" {
		fi, err := os.Stat(explicit)
		if err != nil {
			return "", fmt.Errorf("%w: %w; %s", ErrNoFont, err, fontHint)
		}
		if !fi.Mode().IsRegular() {
			return "", fmt.Errorf("%w: %s is not a regular file; %s", ErrNoFont, explicit, fontHint)
		}
		return explicit, nil
	}
	rel := filepath.FromSlash(FontRelPath)
	candidates := []string{rel}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		candidates = append(candidates, filepath.Join(dir, rel), filepath.Join(dir, "..", rel))
	}
	candidates = append(candidates, fontSystemPath)
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() {
			return c, nil
		}
	}
	return "", fmt.Errorf("%w: looked for %s; %s", ErrNoFont, strings.Join(candidates, ", "), fontHint)
}

// requiredRunes must all have a drawn glyph: digits and Latin letters for
// figures and staff numbers (DroidSansFallback has none), the punctuation
// of the figures, the replacement mark, and rare characters of real names
// (GB2312-only fonts such as gbsn00lp lack them and print nothing).
const requiredRunes = "0123456789" +
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" +
	".%:-/．%：" + string(replacementRune) + "喆堃赟"

// replacementRune is printed for a character the PDF cannot show.
const replacementRune = '〓'

// Renderer renders the reports with one font. It is safe for concurrent
// use: every document gets its own PDF instance, and the font data below is
// read-only after NewRenderer.
type Renderer struct {
	font []byte
	// ttf holds the tables for cutting per-document subsets, and the
	// glyph of each BMP code point (its coverage: the PDF library cannot
	// print code points above U+FFFF).
	ttf *ttf
	// adv is each BMP code point's advance width in thousandths of an
	// em, rounded as the PDF library rounds it.
	adv []uint16
	// record, when set (by tests), receives every string handed to the
	// PDF library.
	record func(string)
}

// NewRenderer checks fontBytes once and returns a Renderer that prints
// with it. The font must be a TrueType font with glyf outlines (what the
// PDF library can subset and embed) and must draw digits, Latin letters,
// the punctuation of the figures and rare name characters such as 喆 堃 赟.
func NewRenderer(fontBytes []byte) (*Renderer, error) {
	tables, err := checkTrueType(fontBytes)
	if err != nil {
		return nil, err
	}
	f, err := sfnt.Parse(fontBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w; %s", ErrBadFont, err, fontHint)
	}
	t, err := parseTTF(tables)
	if err != nil {
		return nil, fmt.Errorf("%w: %w; %s", ErrBadFont, err, fontHint)
	}
	r := &Renderer{font: fontBytes, ttf: t, adv: make([]uint16, 0x10000)}
	var buf sfnt.Buffer
	upem := float64(f.UnitsPerEm())
	ppem := fixed.Int26_6(f.UnitsPerEm()) << 6
	for c := rune(0x20); c <= 0xFFFF; c++ {
		if c >= 0xD800 && c <= 0xDFFF {
			continue // surrogates are not characters
		}
		g, err := f.GlyphIndex(&buf, c)
		if err != nil || g == 0 {
			continue
		}
		a, err := f.GlyphAdvance(&buf, g, ppem, font.HintingNone)
		if err != nil || int(g) >= len(t.loca)-1 {
			continue
		}
		t.gid[c] = uint16(g)
		r.adv[c] = uint16(math.Round(1000 / upem * float64(a) / 64))
	}
	var missing []string
	for _, c := range requiredRunes {
		if !r.covers(c) {
			missing = append(missing, string(c))
			continue
		}
		g, _ := f.GlyphIndex(&buf, c)
		segs, err := f.LoadGlyph(&buf, g, ppem, nil)
		if err != nil || len(segs) == 0 {
			missing = append(missing, string(c))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: it has no glyph for %s (DroidSansFallback lacks digits and Latin letters, GB2312-only fonts such as gbsn00lp lack rare name characters); %s",
			ErrBadFont, strings.Join(missing, " "), fontHint)
	}
	return r, nil
}

// checkTrueType rejects what the PDF library cannot embed, with a message
// that says why: collections, CFF-flavoured OpenType, fonts without glyf
// outlines or without a format-4 Unicode cmap (the one it reads).
func checkTrueType(b []byte) (map[string][]byte, error) {
	if len(b) < 12 {
		return nil, fmt.Errorf("%w: %d bytes is not a font; %s", ErrBadFont, len(b), fontHint)
	}
	switch string(b[:4]) {
	case "\x00\x01\x00\x00", "true":
	case "ttcf":
		return nil, fmt.Errorf("%w: a TrueType collection (.ttc) cannot be embedded; split out one font or %s", ErrBadFont, fontHint)
	case "OTTO":
		return nil, fmt.Errorf("%w: an OpenType font with CFF outlines (.otf) cannot be embedded, only TrueType (glyf) fonts; %s", ErrBadFont, fontHint)
	default:
		return nil, fmt.Errorf("%w: not a TrueType font; %s", ErrBadFont, fontHint)
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if 12+16*n > len(b) {
		return nil, fmt.Errorf("%w: truncated table directory; %s", ErrBadFont, fontHint)
	}
	tables := map[string][]byte{}
	for i := 0; i < n; i++ {
		rec := b[12+16*i:]
		off, size := int64(binary.BigEndian.Uint32(rec[8:])), int64(binary.BigEndian.Uint32(rec[12:]))
		if off+size > int64(len(b)) {
			return nil, fmt.Errorf("%w: table %q lies outside the file; %s", ErrBadFont, rec[:4], fontHint)
		}
		tables[string(rec[:4])] = b[off : off+size]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "cmap", "loca", "glyf"} {
		if _, ok := tables[t]; !ok {
			return nil, fmt.Errorf("%w: no %q table (TrueType glyf outlines are required); %s", ErrBadFont, t, fontHint)
		}
	}
	if !hasFormat4Cmap(tables["cmap"]) {
		return nil, fmt.Errorf("%w: no Unicode cmap subtable of format 4; %s", ErrBadFont, fontHint)
	}
	return tables, nil
}

// hasFormat4Cmap reports whether a cmap table has the subtable the PDF
// library reads: platform 0 (Unicode) or 3/1 (Windows BMP), format 4.
func hasFormat4Cmap(cmap []byte) bool {
	if len(cmap) < 4 {
		return false
	}
	n := int(binary.BigEndian.Uint16(cmap[2:]))
	for i := 0; i < n; i++ {
		rec := 4 + 8*i
		if rec+8 > len(cmap) {
			return false
		}
		platform := binary.BigEndian.Uint16(cmap[rec:])
		encoding := binary.BigEndian.Uint16(cmap[rec+2:])
		off := int(binary.BigEndian.Uint32(cmap[rec+4:]))
		if platform != 0 && (platform != 3 || encoding != 1) {
			continue
		}
		if off+2 <= len(cmap) && binary.BigEndian.Uint16(cmap[off:]) == 4 {
			return true
		}
	}
	return false
}

// covers reports whether the font draws c.
func (r *Renderer) covers(c rune) bool {
	return c >= 0 && c <= 0xFFFF && r.ttf.gid[c] != 0
}

// Missing returns the characters of s that the reports cannot print (they
// would come out as 〓), each once, in order of appearance. Callers may use
// it to warn when a name is entered.
func (r *Renderer) Missing(s string) []rune {
	var out []rune
	seen := map[rune]bool{}
	for _, c := range s {
		if isInvisible(c) || c < 0x20 || r.covers(c) || seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}
