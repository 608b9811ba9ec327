package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app/auth"
)

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"empty", "", false},
		{"9 ascii", "abcdefghi", false},
		{"10 ascii", "abcdefghij", true},
		{"9 chinese runes (27 bytes)", "我们的培训平台很好", false},
		{"10 chinese runes", "我们的培训平台非常好", true},
		{"256 runes", strings.Repeat("密", 256), true},
		{"257 runes", strings.Repeat("a", 257), false},
		{"invalid utf-8", "abcdefghij\xff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := auth.ValidatePassword(tt.pw)
			if tt.ok && err != nil {
				t.Fatalf("ValidatePassword = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, auth.ErrWeakPassword) {
				t.Fatalf("ValidatePassword = %v, want ErrWeakPassword", err)
			}
		})
	}
	if err := auth.ValidatePassword("short"); !strings.Contains(err.Error(), "at least 10 characters") {
		t.Errorf("message %q does not say what to fix", err)
	}
}

func TestGeneratePassword(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		pw := auth.GeneratePassword()
		if len(pw) != 14 {
			t.Fatalf("GeneratePassword = %q, want 14 characters", pw)
		}
		if i := strings.IndexAny(pw, "0O1lIo"); i >= 0 {
			t.Fatalf("GeneratePassword = %q contains ambiguous %q", pw, pw[i])
		}
		for _, r := range pw {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '2' && r <= '9') {
				t.Fatalf("GeneratePassword = %q contains %q", pw, r)
			}
		}
		if err := auth.ValidatePassword(pw); err != nil {
			t.Fatalf("generated password fails the policy: %v", err)
		}
		if seen[pw] {
			t.Fatalf("GeneratePassword repeated %q", pw)
		}
		seen[pw] = true
	}
}

func TestValidateUsername(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"two letters", "ab", true},
		{"one letter", "a", false},
		{"chinese", "张伟", true},
		{"one chinese", "王", false},
		{"punctuation allowed", "zhang.wei_01-b", true},
		{"64 runes", strings.Repeat("张", 64), true},
		{"65 runes", strings.Repeat("a", 65), false},
		{"space", "zhang wei", false},
		{"at sign", "a@b", false},
		{"slash", "a/b", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := auth.ValidateUsername(tt.in)
			if tt.ok {
				if err != nil {
					t.Fatalf("ValidateUsername(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if !errors.Is(err, auth.ErrInvalid) {
				t.Fatalf("ValidateUsername(%q) = %v, want ErrInvalid", tt.in, err)
			}
			if !strings.Contains(err.Error(), "username") {
				t.Errorf("error %q does not name the field", err)
			}
		})
	}
}
