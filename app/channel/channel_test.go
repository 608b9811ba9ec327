package channel_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/kaoping/kaoping/app/channel"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		word string
		want string
	}{
		{"offline", channel.Offline},
		{"OFFLINE", channel.Offline},
		{"Offline", channel.Offline},
		{"窗口", channel.Offline},
		{"线下窗口", channel.Offline},
		{"大厅", channel.Offline},
		{"线下", channel.Offline},
		{"　窗口　", channel.Offline},    // ideographic spaces
		{" 线下 窗口 ", channel.Offline}, // inner space
		{"Window", channel.Offline},  // the English label parses back
		{"ｏｆｆｌｉｎｅ", channel.Offline}, // full-width letters
		{"online", channel.Online},
		{"ONLINE", channel.Online},
		{"线上", channel.Online},
		{"网上", channel.Online},
		{"一网通办", channel.Online},
		{"随申办", channel.Online},
		{"网办", channel.Online},
		{"Ｏｎｌｉｎｅ", channel.Online},
		{"hotline", channel.Hotline},
		{"HotLine", channel.Hotline},
		{"热线", channel.Hotline},
		{"电话", channel.Hotline},
		{"12345", channel.Hotline},
		{"１２３４５", channel.Hotline}, // full-width digits
		{"12345热线", channel.Hotline},
		{"１２３４５热线", channel.Hotline},
		{"\t热线\r\n", channel.Hotline},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			got, err := channel.Parse(tt.word)
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.word, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %q, want %q", tt.word, got, tt.want)
			}
		})
	}
}

func TestParseUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		word    string
		wantMsg string
	}{
		{"xx", `channel: unknown channel "xx" (expected offline/窗口, online/线上, hotline/热线)`},
		{" 邮寄 ", `channel: unknown channel "邮寄" (expected offline/窗口, online/线上, hotline/热线)`},
		{"", `channel: unknown channel "" (expected offline/窗口, online/线上, hotline/热线)`},
		{"offline;online", `channel: unknown channel "offline;online" (expected offline/窗口, online/线上, hotline/热线)`},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			got, err := channel.Parse(tt.word)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want error", tt.word, got)
			}
			if !errors.Is(err, channel.ErrUnknown) {
				t.Errorf("Parse(%q) error %v is not ErrUnknown", tt.word, err)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("Parse(%q) error = %q, want %q", tt.word, err.Error(), tt.wantMsg)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{" ; ", []string{}},
		{"offline", []string{"offline"}},
		{"offline;online", []string{"offline", "online"}},
		{"热线；窗口", []string{"offline", "hotline"}},
		{"online,offline", []string{"offline", "online"}},
		{"热线，线上", []string{"online", "hotline"}},
		{"窗口、线上、热线", []string{"offline", "online", "hotline"}},
		{"hotline|offline", []string{"offline", "hotline"}},
		{"hotline｜offline", []string{"offline", "hotline"}},
		{"窗口;offline;大厅", []string{"offline"}},
		{"线上;", []string{"online"}},
		{"线下 窗口", []string{"offline"}},
		{"12345热线 ; 一网通办", []string{"online", "hotline"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := channel.ParseList(tt.in)
			if err != nil {
				t.Fatalf("ParseList(%q) error: %v", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseList(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseListUnknown(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"窗口;邮寄", "offline online", "窗口/线上"} {
		t.Run(in, func(t *testing.T) {
			got, err := channel.ParseList(in)
			if !errors.Is(err, channel.ErrUnknown) {
				t.Fatalf("ParseList(%q) = %q, %v; want ErrUnknown", in, got, err)
			}
		})
	}
}

func TestLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code, lang, want string
	}{
		{channel.Offline, "zh", "窗口"},
		{channel.Online, "zh", "线上"},
		{channel.Hotline, "zh", "热线"},
		{channel.Offline, "zh-CN", "窗口"},
		{channel.Offline, "", "窗口"},
		{channel.Offline, "en", "Window"},
		{channel.Online, "en", "Online"},
		{channel.Hotline, "en", "Hotline"},
		{channel.Hotline, "en-US", "Hotline"},
		{"mail", "en", "mail"},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.lang, func(t *testing.T) {
			if got := channel.Label(tt.code, tt.lang); got != tt.want {
				t.Errorf("Label(%q, %q) = %q, want %q", tt.code, tt.lang, got, tt.want)
			}
		})
	}
}

func TestLabelsParseBack(t *testing.T) {
	t.Parallel()
	for _, code := range channel.All() {
		for _, lang := range []string{"zh", "en"} {
			got, err := channel.Parse(channel.Label(code, lang))
			if err != nil || got != code {
				t.Errorf("Parse(Label(%q, %q)) = %q, %v; want %q", code, lang, got, err, code)
			}
		}
		if !channel.Valid(code) {
			t.Errorf("Valid(%q) = false", code)
		}
	}
	if channel.Valid("窗口") {
		t.Error(`Valid("窗口") = true, want false (only canonical codes are valid)`)
	}
}
