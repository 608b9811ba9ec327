package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app/auth"
)

func TestHasherVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := auth.NewHasher(cheapParams(), 2)
	encoded, err := h.Hash(ctx, "s3cret-密码-passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=64,t=1,p=1$"; !strings.HasPrefix(encoded, want) {
		t.Fatalf("Hash = %q, want prefix %q", encoded, want)
	}
	again, err := h.Hash(ctx, "s3cret-密码-passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if again == encoded {
		t.Error("two hashes of one password are equal: salt not random")
	}

	parts := strings.Split(encoded, "$") // "", argon2id, v=19, params, salt, key
	flip := func(s string) string {
		c := byte('A')
		if s[0] == 'A' {
			c = 'B'
		}
		return string(c) + s[1:]
	}
	join := func(p ...string) string { return strings.Join(p, "$") }
	tests := []struct {
		name     string
		encoded  string
		password string
		want     bool
		wantErr  bool
	}{
		{"right password", encoded, "s3cret-密码-passphrase", true, false},
		{"wrong password", encoded, "s3cret-密码-passphrasE", false, false},
		{"empty password", encoded, "", false, false},
		{"tampered key", join(parts[0], parts[1], parts[2], parts[3], parts[4], flip(parts[5])), "s3cret-密码-passphrase", false, false},
		{"tampered salt", join(parts[0], parts[1], parts[2], parts[3], flip(parts[4]), parts[5]), "s3cret-密码-passphrase", false, false},
		{"tampered params", join(parts[0], parts[1], parts[2], "m=72,t=1,p=1", parts[4], parts[5]), "s3cret-密码-passphrase", false, false},
		{"argon2i", join(parts[0], "argon2i", parts[2], parts[3], parts[4], parts[5]), "s3cret-密码-passphrase", false, true},
		{"old version", join(parts[0], parts[1], "v=16", parts[3], parts[4], parts[5]), "s3cret-密码-passphrase", false, true},
		{"huge memory", join(parts[0], parts[1], parts[2], "m=4294967295,t=1,p=1", parts[4], parts[5]), "x", false, true},
		{"bad base64", join(parts[0], parts[1], parts[2], parts[3], parts[4], "!!!"+parts[5][3:]), "s3cret-密码-passphrase", false, true},
		{"truncated", join(parts[0], parts[1], parts[2], parts[3], parts[4]), "s3cret-密码-passphrase", false, true},
		{"empty", "", "", false, true},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "x", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Verify(ctx, tt.encoded, tt.password)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Verify error = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDefaultParamsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := auth.NewHasher(auth.DefaultParams(), 1)
	encoded, err := h.Hash(ctx, "默认参数的密码很安全")
	if err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(encoded, want) {
		t.Fatalf("Hash = %q, want prefix %q", encoded, want)
	}
	parts := strings.Split(encoded, "$")
	if got, want := len(parts[4]), 22; got != want { // 16 bytes, unpadded base64
		t.Errorf("salt has %d base64 characters, want %d", got, want)
	}
	if got, want := len(parts[5]), 43; got != want { // 32 bytes
		t.Errorf("key has %d base64 characters, want %d", got, want)
	}
	if ok, err := h.Verify(ctx, encoded, "默认参数的密码很安全"); err != nil || !ok {
		t.Errorf("Verify(right password) = %v, %v; want true", ok, err)
	}
	if ok, err := h.Verify(ctx, encoded, "默认参数的密码很安全!"); err != nil || ok {
		t.Errorf("Verify(wrong password) = %v, %v; want false", ok, err)
	}
	if h.NeedsRehash(encoded) {
		t.Error("NeedsRehash of a fresh hash = true")
	}
	if got := auth.NewHasher(auth.Params{}, 0).NeedsRehash(encoded); got {
		t.Error("zero Params do not default to DefaultParams")
	}
}

func TestNeedsRehash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cheap := auth.NewHasher(cheapParams(), 1)
	encoded, err := cheap.Hash(ctx, "some password")
	if err != nil {
		t.Fatal(err)
	}
	change := func(f func(*auth.Params)) *auth.Hasher {
		p := cheapParams()
		f(&p)
		return auth.NewHasher(p, 1)
	}
	tests := []struct {
		name    string
		h       *auth.Hasher
		encoded string
		want    bool
	}{
		{"same params", cheap, encoded, false},
		{"more memory", change(func(p *auth.Params) { p.Memory = 128 }), encoded, true},
		{"more time", change(func(p *auth.Params) { p.Time = 2 }), encoded, true},
		{"more threads", change(func(p *auth.Params) { p.Threads = 2 }), encoded, true},
		{"longer salt", change(func(p *auth.Params) { p.SaltLen = 32 }), encoded, true},
		{"longer key", change(func(p *auth.Params) { p.KeyLen = 64 }), encoded, true},
		{"unreadable", cheap, "plaintext?", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.h.NeedsRehash(tt.encoded); got != tt.want {
				t.Errorf("NeedsRehash = %v, want %v", got, tt.want)
			}
		})
	}
	// A hash made with old parameters still verifies with a new hasher.
	if ok, err := change(func(p *auth.Params) { p.Time = 3 }).Verify(ctx, encoded, "some password"); err != nil || !ok {
		t.Errorf("Verify with newer hasher = %v, %v; want true", ok, err)
	}
}

func TestHasherHonoursCancelledContext(t *testing.T) {
	t.Parallel()
	h := auth.NewHasher(cheapParams(), 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "some password"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash with cancelled context: error = %v, want context.Canceled", err)
	}
	if _, err := h.Verify(ctx, "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U", "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with cancelled context: error = %v, want context.Canceled", err)
	}
}
