package auth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/store"
)

func TestTokenLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()

	plaintext, tok, err := f.svc.CreateToken(ctx, f.db, f.center, "hr-sync", "hr")
	if err != nil {
		t.Fatal(err)
	}
	secret, ok := strings.CutPrefix(plaintext, "kp_")
	if !ok {
		t.Fatalf("token %q lacks the kp_ prefix", plaintext)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(secret); err != nil || len(raw) != 32 {
		t.Errorf("token secret %q is not 32 bytes of unpadded base64url", secret)
	}
	if tok.ID == 0 || tok.Name != "hr-sync" || tok.Role != "hr" || tok.LastUsedAt != nil || tok.RevokedAt != nil {
		t.Errorf("CreateToken = %+v", tok)
	}
	if text := rowText(t, f.db, "api_tokens"); strings.Contains(text, secret) {
		t.Errorf("api_tokens holds the plaintext:\n%s", text)
	}

	f.clock.Add(time.Hour)
	got, err := f.svc.TokenByPlaintext(ctx, plaintext)
	if err != nil {
		t.Fatalf("TokenByPlaintext: %v", err)
	}
	used := f.clock.Now().Truncate(time.Microsecond)
	if got.ID != tok.ID || got.Role != "hr" || got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
		t.Errorf("TokenByPlaintext = %+v, want token %d last used %v", got, tok.ID, used)
	}
	// Within a minute last_used_at is not rewritten; after it, it is.
	for _, st := range []struct {
		advance time.Duration
		want    time.Time
	}{
		{59 * time.Second, used},
		{time.Second, used.Add(time.Minute)},
	} {
		f.clock.Add(st.advance)
		if _, err := f.svc.TokenByPlaintext(ctx, plaintext); err != nil {
			t.Fatal(err)
		}
		var stored time.Time
		if err := f.db.NewSelect().Table("api_tokens").Column("last_used_at").Where("id = ?", tok.ID).Scan(ctx, &stored); err != nil {
			t.Fatal(err)
		}
		if !stored.Equal(st.want) {
			t.Errorf("last_used_at = %v, want %v", stored, st.want)
		}
	}

	for _, bad := range []string{"", secret, "kp_" + strings.Repeat("A", 43), plaintext + "x"} {
		if _, err := f.svc.TokenByPlaintext(ctx, bad); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("TokenByPlaintext(%q): error = %v, want ErrBadCredentials", bad, err)
		}
	}

	if err := f.svc.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.TokenByPlaintext(ctx, plaintext); !errors.Is(err, auth.ErrDisabled) {
		t.Errorf("revoked token: error = %v, want ErrDisabled", err)
	}
	revokedAt := f.clock.Now().Truncate(time.Microsecond)
	f.clock.Add(time.Hour)
	if err := f.svc.RevokeToken(ctx, tok.ID); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	ts, err := f.svc.Tokens(ctx, f.center)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].RevokedAt == nil || !ts[0].RevokedAt.Equal(revokedAt) {
		t.Errorf("Tokens = %+v, want one revoked at %v", ts, revokedAt)
	}
	if err := f.svc.RevokeToken(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RevokeToken(unknown): error = %v, want store.ErrNotFound", err)
	}
}

func TestTokenNames(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	other := f.addCenter(t, "north")
	for _, name := range []string{"zeta", "alpha", "mid"} {
		if _, _, err := f.svc.CreateToken(ctx, f.db, f.center, name, "admin"); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.svc.CreateToken(ctx, f.db, f.center, "alpha", "hr"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate name in a center: error = %v, want store.ErrConflict", err)
	}
	if _, _, err := f.svc.CreateToken(ctx, f.db, other, "alpha", "hr"); err != nil {
		t.Errorf("same name in another center: %v", err)
	}
	for _, tt := range []struct{ name, role string }{{"", "hr"}, {"   ", "hr"}, {"x", ""}, {strings.Repeat("n", 65), "hr"}} {
		if _, _, err := f.svc.CreateToken(ctx, f.db, f.center, tt.name, tt.role); !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("CreateToken(%q, %q): error = %v, want ErrInvalid", tt.name, tt.role, err)
		}
	}
	ts, err := f.svc.Tokens(ctx, f.center)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tk := range ts {
		names = append(names, tk.Name)
	}
	if got, want := strings.Join(names, ","), "alpha,mid,zeta"; got != want {
		t.Errorf("Tokens = %s, want %s", got, want)
	}
}
