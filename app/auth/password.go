package auth

import (
	"crypto/rand"
	"fmt"
	"unicode/utf8"
)

// Password length limits, counted in characters (runes) so that a Chinese
// passphrase is measured the way its owner counts it.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// ValidatePassword checks a new password against the policy. The error wraps
// ErrWeakPassword and its text says what to fix, e.g.
// "auth: password not acceptable: must be at least 10 characters (got 9)".
func ValidatePassword(pw string) error {
	if !utf8.ValidString(pw) {
		return fmt.Errorf("%w: contains invalid characters", ErrWeakPassword)
	}
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return fmt.Errorf("%w: must be at least %d characters (got %d)", ErrWeakPassword, MinPasswordLen, n)
	}
	if n > MaxPasswordLen {
		return fmt.Errorf("%w: must be at most %d characters (got %d)", ErrWeakPassword, MaxPasswordLen, n)
	}
	return nil
}

// passwordAlphabet leaves out characters that are easily confused when a
// password is read aloud or copied from paper: 0/O/o, 1/l/I.
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

const generatedPasswordLen = 14

// GeneratePassword returns a random one-time password of 14 characters from
// an unambiguous alphabet of 56 (about 81 bits), read from crypto/rand.
func GeneratePassword() string {
	// Rejection sampling keeps every character equally likely: bytes at or
	// above the largest multiple of the alphabet size are drawn again.
	const limit = 256 - 256%len(passwordAlphabet)
	out := make([]byte, 0, generatedPasswordLen)
	buf := make([]byte, 32)
	for len(out) < generatedPasswordLen {
		_, _ = rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < generatedPasswordLen {
				out = append(out, passwordAlphabet[int(b)%len(passwordAlphabet)])
			}
		}
	}
	return string(out)
}
