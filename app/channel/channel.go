// Package channel names the three service channels of a center — the
// offline window, online service and the telephone hotline — and is the one
// place where the words people type for them (in spreadsheets, forms, API
// calls and the upstream rating feed) become canonical codes.
package channel

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The canonical channel codes, stored in the database and used in the API.
const (
	Offline = "offline" // 线下窗口: window clerks
	Online  = "online"  // 线上/一网通办: online reviewers
	Hotline = "hotline" // 12345 热线: hotline agents
)

// ErrUnknown is matched (errors.Is) by the error Parse returns for a word
// that names no channel.
var ErrUnknown = errors.New("channel: unknown channel")

// All returns the channel codes in canonical order: offline, online, hotline.
func All() []string {
	return []string{Offline, Online, Hotline}
}

// Parse turns a word as people write it into a channel code. It is
// case-insensitive, ignores surrounding (and inner) white space including the
// ideographic space U+3000, and folds full-width letters and digits (NFKC), so
// "Ｏｎｌｉｎｅ", "　窗口 " and "１２３４５" are understood.
func Parse(word string) (string, error) {
	if code := lookup(fold(word)); code != "" {
		return code, nil
	}
	return "", fmt.Errorf("%w %q (expected offline/窗口, online/线上, hotline/热线)", ErrUnknown, strings.TrimSpace(word))
}

// ParseList parses a list such as "窗口;线上" or "offline，hotline". Items are
// separated by ; ； , ， 、 | or ｜ (not by spaces); empty items are skipped,
// duplicates removed, and the result is in canonical order. A blank list
// gives an empty result and no error: callers decide whether one is required.
// The error names the first unknown word.
func ParseList(s string) ([]string, error) {
	parts := strings.FieldsFunc(norm.NFKC.String(s), func(r rune) bool {
		switch r {
		case ';', ',', '、', '|':
			return true
		}
		return false
	})
	seen := make(map[string]bool, 3)
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			continue
		}
		code, err := Parse(p)
		if err != nil {
			return nil, err
		}
		seen[code] = true
	}
	out := make([]string, 0, len(seen))
	for _, code := range All() {
		if seen[code] {
			out = append(out, code)
		}
	}
	return out, nil
}

// Valid reports whether code is one of the canonical channel codes.
func Valid(code string) bool {
	switch code {
	case Offline, Online, Hotline:
		return true
	}
	return false
}

// Label returns the display name of code in lang: "en" (or "en-…") gives
// Window / Online / Hotline, anything else Chinese 窗口 / 线上 / 热线. An
// unknown code is returned unchanged. Every label parses back to its code.
func Label(code, lang string) string {
	en := strings.EqualFold(lang, "en") || strings.HasPrefix(strings.ToLower(lang), "en-") || strings.HasPrefix(strings.ToLower(lang), "en_")
	switch code {
	case Offline:
		if en {
			return "Window"
		}
		return "窗口"
	case Online:
		if en {
			return "Online"
		}
		return "线上"
	case Hotline:
		if en {
			return "Hotline"
		}
		return "热线"
	}
	return code
}

// fold normalizes a word for lookup: NFKC (full-width → ASCII, U+3000 →
// space), lower case, all white space removed.
func fold(word string) string {
	w := strings.ToLower(norm.NFKC.String(word))
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, w)
}

// lookup maps a folded word to its code, or "" when it names no channel. A
// switch rather than a map keeps the table immutable.
func lookup(w string) string {
	switch w {
	case "offline", "window", "窗口", "线下窗口", "大厅", "线下":
		return Offline
	case "online", "线上", "网上", "一网通办", "随申办", "网办":
		return Online
	case "hotline", "热线", "电话", "电话咨询", "12345", "12345热线":
		return Hotline
	}
	return ""
}
