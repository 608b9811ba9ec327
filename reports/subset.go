package reports

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// Why a subsetter of our own: the PDF library parses the whole font for
// every document, twice (when the font is added, and again when it cuts
// the embedded subset on output). For the 15 MB LXGW WenKai that was ~80%
// of the time of a staff report (≈ 12 of 15 ms, and most of its 24 MB of
// garbage). So render lays every document out twice: a dry run collects
// the characters it prints, then the PDF is drawn with a small TrueType
// font holding only those glyphs, cut here from tables parsed once in
// NewRenderer. The library still cuts and embeds its own subset of that
// small font, so the PDF is no bigger. See the package doc for numbers.

// ttf is the parsed TrueType data the subsetter needs, read-only after
// NewRenderer.
type ttf struct {
	tables      map[string][]byte
	loca        []uint32 // numGlyphs+1 offsets into glyf
	numHMetrics int
	gid         []uint16 // BMP code point → glyph index, 0 = none
}

// parseTTF reads the tables of a font that checkTrueType accepted.
func parseTTF(tables map[string][]byte) (*ttf, error) {
	head, hhea, maxp := tables["head"], tables["hhea"], tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, errors.New("short head, hhea or maxp table")
	}
	t := &ttf{tables: tables, gid: make([]uint16, 0x10000)}
	numGlyphs := int(binary.BigEndian.Uint16(maxp[4:]))
	t.numHMetrics = int(binary.BigEndian.Uint16(hhea[34:]))
	if t.numHMetrics < 1 || t.numHMetrics > numGlyphs || len(tables["hmtx"]) < 4*t.numHMetrics+2*(numGlyphs-t.numHMetrics) {
		return nil, errors.New("bad hmtx table")
	}
	loca, glyf := tables["loca"], tables["glyf"]
	t.loca = make([]uint32, numGlyphs+1)
	long := binary.BigEndian.Uint16(head[50:]) == 1
	if (long && len(loca) < 4*(numGlyphs+1)) || (!long && len(loca) < 2*(numGlyphs+1)) {
		return nil, errors.New("short loca table")
	}
	for i := range t.loca {
		if long {
			t.loca[i] = binary.BigEndian.Uint32(loca[4*i:])
		} else {
			t.loca[i] = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		}
		if t.loca[i] > uint32(len(glyf)) || (i > 0 && t.loca[i] < t.loca[i-1]) {
			return nil, errors.New("bad loca table")
		}
	}
	return t, nil
}

// glyph returns the glyf data of glyph g.
func (t *ttf) glyph(g uint16) []byte {
	return t.tables["glyf"][t.loca[g]:t.loca[g+1]]
}

// Composite glyph flags (TrueType glyf table).
const (
	argWords      = 0x0001
	haveScale     = 0x0008
	moreComps     = 0x0020
	haveXYScale   = 0x0040
	haveTwoByTwo  = 0x0080
	compositeHead = 10
)

// components calls fn with the offset of each component's glyph index in
// a composite glyph; a simple or empty glyph has none.
func components(data []byte, fn func(off int)) error {
	if len(data) < compositeHead || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil
	}
	for off := compositeHead; ; {
		if off+4 > len(data) {
			return errors.New("truncated composite glyph")
		}
		flags := binary.BigEndian.Uint16(data[off:])
		fn(off + 2)
		off += 4
		if flags&argWords != 0 {
			off += 4
		} else {
			off += 2
		}
		switch {
		case flags&haveScale != 0:
			off += 2
		case flags&haveXYScale != 0:
			off += 4
		case flags&haveTwoByTwo != 0:
			off += 8
		}
		if flags&moreComps == 0 {
			return nil
		}
	}
}

// subset builds a TrueType font with the glyphs of runes (and the
// components they use), renumbered from 1 in the order of the original
// glyph indices, so the same runes give the same bytes.
func (t *ttf) subset(runes []rune) ([]byte, error) {
	numGlyphs := len(t.loca) - 1
	seen := map[uint16]bool{0: true}
	olds := []uint16{0}
	for _, r := range runes {
		if r < 0 || r > 0xFFFF {
			continue
		}
		if g := t.gid[r]; g != 0 && !seen[g] {
			seen[g] = true
			olds = append(olds, g)
		}
	}
	for i := 0; i < len(olds); i++ { // olds grows with components
		data := t.glyph(olds[i])
		var bad error
		err := components(data, func(off int) {
			c := binary.BigEndian.Uint16(data[off:])
			if int(c) >= numGlyphs {
				bad = fmt.Errorf("component glyph %d out of range", c)
				return
			}
			if !seen[c] {
				seen[c] = true
				olds = append(olds, c)
			}
		})
		if err != nil {
			return nil, err
		}
		if bad != nil {
			return nil, bad
		}
	}
	slices.Sort(olds)
	newID := make(map[uint16]uint16, len(olds))
	for i, g := range olds {
		newID[g] = uint16(i)
	}
	// Every rune gets a glyph of its own: the PDF library keeps one rune per
	// glyph in a map and picks among runes sharing a glyph in random order,
	// which would make the same document come out different bytes from run
	// to run. A second rune of a glyph (space and no-break space, say) maps
	// to a copy of it appended after the others.
	runeID := make(map[rune]uint16, len(runes))
	taken := make(map[uint16]bool, len(olds))
	all := olds
	for _, r := range runes {
		g := t.gid[r]
		if r < 0 || r >= 0xFFFF || g == 0 {
			continue
		}
		if _, ok := runeID[r]; ok {
			continue
		}
		if !taken[g] {
			taken[g] = true
			runeID[r] = newID[g]
			continue
		}
		all = append(all, g)
		runeID[r] = uint16(len(all) - 1)
	}

	var glyf, loca, hmtx []byte
	hm := t.tables["hmtx"]
	for _, g := range all {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		data := t.glyph(g)
		start := len(glyf)
		glyf = append(glyf, data...)
		_ = components(data, func(off int) {
			c := binary.BigEndian.Uint16(data[off:])
			binary.BigEndian.PutUint16(glyf[start+off:], newID[c])
		})
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		if int(g) < t.numHMetrics {
			hmtx = append(hmtx, hm[4*int(g):4*int(g)+4]...)
		} else {
			last := 4 * (t.numHMetrics - 1)
			hmtx = append(hmtx, hm[last:last+2]...)
			lsb := 4*t.numHMetrics + 2*(int(g)-t.numHMetrics)
			hmtx = append(hmtx, hm[lsb:lsb+2]...)
		}
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))

	n := uint16(len(all))
	head := slices.Clone(t.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0) // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1)
	hhea := slices.Clone(t.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], n)
	maxp := slices.Clone(t.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], n)

	out := map[string][]byte{
		"cmap": t.cmap(runeID), "glyf": glyf, "head": head, "hhea": hhea,
		"hmtx": hmtx, "loca": loca, "maxp": maxp, "post": t.post(),
	}
	for _, tag := range []string{"OS/2", "name", "cvt ", "fpgm", "prep", "gasp"} {
		if b, ok := t.tables[tag]; ok {
			out[tag] = b
		}
	}
	return assemble(out), nil
}

// cmap builds a format-4 cmap (the one the PDF library reads) mapping
// runes to their glyph indices in the subset, one segment per run of consecutive code
// points with consecutive glyphs.
func (t *ttf) cmap(runeID map[rune]uint16) []byte {
	type pair struct {
		r rune
		g uint16
	}
	ps := make([]pair, 0, len(runeID))
	for r, g := range runeID {
		ps = append(ps, pair{r, g})
	}
	slices.SortFunc(ps, func(a, b pair) int { return int(a.r - b.r) })
	var starts, ends, deltas []uint16
	for i := 0; i < len(ps); {
		j := i
		for j+1 < len(ps) && ps[j+1].r == ps[j].r+1 && ps[j+1].g == ps[j].g+1 {
			j++
		}
		starts = append(starts, uint16(ps[i].r))
		ends = append(ends, uint16(ps[j].r))
		deltas = append(deltas, ps[i].g-uint16(ps[i].r))
		i = j + 1
	}
	starts, ends, deltas = append(starts, 0xFFFF), append(ends, 0xFFFF), append(deltas, 1)
	seg := len(starts)
	searchRange, entrySelector := 2, 0
	for searchRange*2 <= 2*seg {
		searchRange *= 2
		entrySelector++
	}
	u16 := binary.BigEndian.AppendUint16
	sub := u16(nil, 4)
	sub = u16(sub, uint16(16+8*seg))
	sub = u16(sub, 0)
	sub = u16(sub, uint16(2*seg))
	sub = u16(sub, uint16(searchRange))
	sub = u16(sub, uint16(entrySelector))
	sub = u16(sub, uint16(2*seg-searchRange))
	for _, v := range ends {
		sub = u16(sub, v)
	}
	sub = u16(sub, 0)
	for _, v := range starts {
		sub = u16(sub, v)
	}
	for _, v := range deltas {
		sub = u16(sub, v)
	}
	for range starts {
		sub = u16(sub, 0) // idRangeOffset
	}
	b := u16(nil, 0)
	b = u16(b, 1)
	b = u16(b, 3)
	b = u16(b, 1)
	b = binary.BigEndian.AppendUint32(b, 12)
	return append(b, sub...)
}

// post returns a version 3 post table (no glyph names) with the original
// italic angle and underline metrics.
func (t *ttf) post() []byte {
	p := make([]byte, 32)
	binary.BigEndian.PutUint32(p, 0x00030000)
	if orig := t.tables["post"]; len(orig) >= 16 {
		copy(p[4:16], orig[4:16])
	}
	return p
}

// assemble writes a TrueType file: table directory sorted by tag, tables
// 4-byte aligned, checksums and head's checkSumAdjustment filled in.
func assemble(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	n := len(tags)
	searchRange, entrySelector := 1, 0
	for searchRange*2 <= n {
		searchRange *= 2
		entrySelector++
	}
	u16 := binary.BigEndian.AppendUint16
	u32 := binary.BigEndian.AppendUint32
	out := u32(nil, 0x00010000)
	out = u16(out, uint16(n))
	out = u16(out, uint16(16*searchRange))
	out = u16(out, uint16(entrySelector))
	out = u16(out, uint16(16*(n-searchRange)))
	off := 12 + 16*n
	var body []byte
	headAt := -1
	for _, tag := range tags {
		data := tables[tag]
		if tag == "head" {
			headAt = off + len(body)
		}
		out = append(out, tag...)
		out = u32(out, checksum(data))
		out = u32(out, uint32(off+len(body)))
		out = u32(out, uint32(len(data)))
		body = append(body, data...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
	}
	out = append(out, body...)
	if headAt >= 0 {
		binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	}
	return out
}

// checksum is the TrueType table checksum: the sum of big-endian uint32
// words, the last one zero-padded.
func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	if len(b) > 0 {
		var last [4]byte
		copy(last[:], b)
		sum += binary.BigEndian.Uint32(last[:])
	}
	return sum
}
