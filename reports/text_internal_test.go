package reports

import (
	"reflect"
	"strings"
	"testing"
)

// width1 measures every character as 1, CJK as 2.
func width1(c rune) float64 {
	if c > 0x2E80 {
		return 2
	}
	return 1
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in   string
		max  float64
		want []string
	}{
		{"", 10, []string{""}},
		{"短句", 10, []string{"短句"}},
		{"一二三四五六七", 6, []string{"一二三", "四五六", "七"}},
		{"hello world again", 11, []string{"hello world", "again"}},
		{"abcdefghijkl", 5, []string{"abcde", "fghij", "kl"}},
		// a closing mark never begins a line: 三 comes down with it
		{"一二三。四", 6, []string{"一二", "三。四"}},
		{"第一行\n第二行", 20, []string{"第一行", "第二行"}},
		{"得分 82.9%", 8, []string{"得分", "82.9%"}},
	}
	for _, tt := range tests {
		got := wrap(tt.in, tt.max, width1)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("wrap(%q, %v) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		for _, l := range got {
			var w float64
			for _, c := range l {
				w += width1(c)
			}
			if w > tt.max && len([]rune(l)) > 1 && !strings.ContainsAny(l, noStart) {
				t.Errorf("wrap(%q): line %q is wider than %v", tt.in, l, tt.max)
			}
		}
	}
}

func TestSanitize(t *testing.T) {
	covers := func(c rune) bool { return c < 0x3000 || c >= 0x4E00 && c <= 0x9FFF || c == replacementRune }
	tests := []struct {
		in, want string
		bad      []rune
	}{
		{"徐喆", "徐喆", nil},
		{"𠮷田", "〓田", []rune{0x20BB7}},
		{"好😀", "好〓", []rune{0x1F600}},
		{"❤️", "❤", nil}, // the variation selector is dropped
		{"a\tb\x00c", "a b c", nil},
		{"一\r\n二", "一\n二", nil},
		{"가", "〓", []rune{'가'}}, // not covered by this font
	}
	for _, tt := range tests {
		var bad []rune
		got := sanitize(tt.in, covers, true, func(c rune) { bad = append(bad, c) })
		if got != tt.want || !reflect.DeepEqual(bad, tt.bad) {
			t.Errorf("sanitize(%q) = %q, %U; want %q, %U", tt.in, got, bad, tt.want, tt.bad)
		}
	}
}
