package reports_test

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// tinyTrueType builds a minimal valid TrueType font in which every rune of
// chars maps to one square glyph: enough to stand in for a real font that
// lacks digits (DroidSansFallback) or rare name characters (gbsn00lp).
func tinyTrueType(chars string) []byte {
	runes := []rune(chars)
	slices.Sort(runes)
	runes = slices.Compact(runes)
	be := func(vs ...any) []byte {
		var b bytes.Buffer
		for _, v := range vs {
			_ = binary.Write(&b, binary.BigEndian, v)
		}
		return b.Bytes()
	}
	const upem = 1000
	head := be(uint32(0x00010000), uint32(0x00010000), uint32(0), uint32(0x5F0F3CF5),
		uint16(0), uint16(upem), uint64(0), uint64(0),
		int16(0), int16(0), int16(800), int16(800),
		uint16(0), uint16(8), int16(2), int16(0) /* short loca */, int16(0))
	hhea := be(uint32(0x00010000), int16(880), int16(-120), int16(0), uint16(1000),
		int16(0), int16(0), int16(800), int16(1), int16(0), int16(0),
		int16(0), int16(0), int16(0), int16(0), int16(0), uint16(2))
	maxp := be(uint32(0x00010000), uint16(2), make([]byte, 26))
	hmtx := be(uint16(1000), int16(0), uint16(1000), int16(100))
	// glyph 1: a square, one contour of four on-curve points
	square := be(int16(1), int16(100), int16(0), int16(800), int16(700),
		uint16(3), uint16(0), []byte{1, 1, 1, 1},
		int16(100), int16(700), int16(0), int16(-700),
		int16(0), int16(0), int16(700), int16(0))
	if len(square)%2 == 1 {
		square = append(square, 0)
	}
	loca := be(uint16(0), uint16(0), uint16(len(square)/2))
	// cmap format 4: one segment per rune, then the 0xFFFF terminator
	seg := len(runes) + 1
	var ends, starts, deltas, offsets []uint16
	for _, r := range runes {
		ends, starts = append(ends, uint16(r)), append(starts, uint16(r))
		deltas, offsets = append(deltas, uint16(1-int(r))), append(offsets, 0)
	}
	ends, starts, deltas, offsets = append(ends, 0xFFFF), append(starts, 0xFFFF), append(deltas, 1), append(offsets, 0)
	sub := be(uint16(4), uint16(16+8*seg), uint16(0), uint16(2*seg), uint16(2), uint16(0), uint16(0),
		ends, uint16(0), starts, deltas, offsets)
	cmap := append(be(uint16(0), uint16(1), uint16(3), uint16(1), uint32(12)), sub...)

	post := be(uint32(0x00030000), uint32(0), int16(-100), int16(50), make([]byte, 20))

	tables := []struct {
		tag  string
		data []byte
	}{{"cmap", cmap}, {"glyf", square}, {"head", head}, {"hhea", hhea}, {"hmtx", hmtx}, {"loca", loca}, {"maxp", maxp}, {"post", post}}
	out := be(uint32(0x00010000), uint16(len(tables)), uint16(64), uint16(2), uint16(48))
	off := 12 + 16*len(tables)
	var body []byte
	for _, t := range tables {
		out = append(out, t.tag...)
		out = append(out, be(uint32(0), uint32(off+len(body)), uint32(len(t.data)))...)
		body = append(body, t.data...)
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
	}
	return append(out, body...)
}
