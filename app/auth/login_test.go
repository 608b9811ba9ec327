package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/store"
)

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	alice := f.createUser(t, "alice", goodPassword)
	off := f.createUser(t, "off", goodPassword)
	if err := f.svc.SetDisabled(ctx, off.ID, true); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		username string
		password string
		want     error
	}{
		{"right password", "alice", goodPassword, nil},
		{"username in other case", " ALICE ", goodPassword, nil},
		{"wrong password", "alice", goodPassword + "!", auth.ErrBadCredentials},
		{"empty password", "alice", "", auth.ErrBadCredentials},
		{"unknown user", "mallory", goodPassword, auth.ErrBadCredentials},
		{"disabled, right password", "off", goodPassword, auth.ErrDisabled},
		{"disabled, wrong password", "off", "guess guess guess", auth.ErrBadCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := f.svc.Authenticate(ctx, tt.username, tt.password, "10.0.0.1")
			if !errors.Is(err, tt.want) {
				t.Fatalf("Authenticate: error = %v, want %v", err, tt.want)
			}
			if tt.want != nil {
				if u != nil {
					t.Errorf("Authenticate returned a user with error %v", err)
				}
				return
			}
			if u.ID != alice.ID {
				t.Errorf("Authenticate = user %d, want %d", u.ID, alice.ID)
			}
		})
	}

	// Every failure above counted for its username and for the IP.
	for key, want := range map[string]int{"user:alice": 2, "user:mallory": 1, "user:off": 1, "ip:10.0.0.1": 4} {
		if got := f.count(t, "login_failures", "key = ?", key); got != want {
			t.Errorf("failures for %s = %d, want %d", key, got, want)
		}
	}
	// Success clears the username's failures, not the IP's.
	f.clock.Add(time.Minute)
	if _, err := f.svc.Authenticate(ctx, "alice", goodPassword, "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]int{"user:alice": 0, "ip:10.0.0.1": 4} {
		if got := f.count(t, "login_failures", "key = ?", key); got != want {
			t.Errorf("after success, failures for %s = %d, want %d", key, got, want)
		}
	}

	got, err := f.svc.User(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := f.clock.Now().Truncate(time.Microsecond); got.LastLoginAt == nil || !got.LastLoginAt.Equal(want) {
		t.Errorf("LastLoginAt = %v, want %v", got.LastLoginAt, want)
	}
}

func TestAuthenticateThrottlesUser(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.createUser(t, "alice", goodPassword)
	start := f.clock.Now()

	for i := range 5 {
		// Different IPs: the per-user limit must not depend on the IP.
		ip := "10.0.0." + string(rune('1'+i))
		if _, err := f.svc.Authenticate(ctx, "Alice", "wrong password", ip); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d: error = %v, want ErrBadCredentials", i+1, err)
		}
		f.clock.Add(time.Minute)
	}
	// Now at start+5m; the oldest of the five failures was at start.
	_, err := f.svc.Authenticate(ctx, "alice", goodPassword, "10.9.9.9")
	var te *auth.ThrottledError
	if !errors.As(err, &te) || !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("sixth attempt: error = %v, want *ThrottledError", err)
	}
	if got, want := te.RetryAfter, start.Add(15*time.Minute).Sub(f.clock.Now()); got != want || got <= 0 {
		t.Errorf("RetryAfter = %v, want %v", got, want)
	}
	if !strings.Contains(err.Error(), "retry in 10m0s") {
		t.Errorf("message %q does not say when to retry", err)
	}
	// An unknown username is throttled the same way once it has failures.
	for range 5 {
		_, _ = f.svc.Authenticate(ctx, "ghost", "x", "")
	}
	if _, err := f.svc.Authenticate(ctx, "ghost", "x", ""); !errors.Is(err, auth.ErrThrottled) {
		t.Errorf("unknown user after 5 failures: error = %v, want ErrThrottled", err)
	}

	// Just before the oldest failure leaves the window: still blocked.
	f.clock.Add(te.RetryAfter - time.Second)
	if _, err := f.svc.Authenticate(ctx, "alice", goodPassword, "10.9.9.9"); !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("1s before release: error = %v, want ErrThrottled", err)
	}
	f.clock.Add(time.Second)
	if _, err := f.svc.Authenticate(ctx, "alice", goodPassword, "10.9.9.9"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	// Success cleared alice's failures: five more are allowed at once.
	for i := range 4 {
		if _, err := f.svc.Authenticate(ctx, "alice", "wrong password", "10.9.9.9"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d after success: error = %v, want ErrBadCredentials", i+1, err)
		}
	}
	// They counted for the IP as well.
	if got, want := f.count(t, "login_failures", "key = ?", "ip:10.9.9.9"), 4; got != want {
		t.Errorf("failures for the IP = %d, want %d", got, want)
	}
	// Failures older than the window were pruned on the way.
	if got := f.count(t, "login_failures", "key = ?", "ip:10.0.0.1"); got != 0 {
		t.Errorf("stale failures for 10.0.0.1 = %d, want pruned", got)
	}
}

func TestAuthenticateThrottlesIP(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *auth.Config) { c.MaxFailuresPerIP = 3 })
	ctx := context.Background()
	f.createUser(t, "alice", goodPassword)

	for i, name := range []string{"root", "admin", "guest"} {
		if _, err := f.svc.Authenticate(ctx, name, "123456", "203.0.113.7"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("failure %d: error = %v, want ErrBadCredentials", i+1, err)
		}
		f.clock.Add(time.Second)
	}
	_, err := f.svc.Authenticate(ctx, "alice", goodPassword, "203.0.113.7")
	var te *auth.ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("fresh username from a throttled IP: error = %v, want *ThrottledError", err)
	}
	if got, want := te.RetryAfter, 15*time.Minute-3*time.Second; got != want {
		t.Errorf("RetryAfter = %v, want %v", got, want)
	}
	if _, err := f.svc.Authenticate(ctx, "alice", goodPassword, "198.51.100.1"); err != nil {
		t.Fatalf("same user from another IP: %v", err)
	}
	if _, err := f.svc.Authenticate(ctx, "alice", goodPassword, ""); err != nil {
		t.Fatalf("same user without an IP: %v", err)
	}
	f.clock.Add(te.RetryAfter)
	if _, err := f.svc.Authenticate(ctx, "alice", goodPassword, "203.0.113.7"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestAuthenticateRehashes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.createUser(t, "alice", goodPassword)

	stronger := cheapParams()
	stronger.Time = 2
	cfg := f.cfg
	cfg.Params = stronger
	svc := auth.NewService(f.db, cfg, f.clock.Now)
	if !svc.Hasher().NeedsRehash(u.PasswordHash) {
		t.Fatal("NeedsRehash = false for a hash with other parameters")
	}
	got, err := svc.Authenticate(ctx, "alice", goodPassword, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := svc.User(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.PasswordHash == u.PasswordHash || !strings.Contains(stored.PasswordHash, "m=64,t=2,p=1") {
		t.Errorf("stored hash %q was not replaced with t=2", stored.PasswordHash)
	}
	if got.PasswordHash != stored.PasswordHash {
		t.Error("returned user does not carry the new hash")
	}
	if _, err := svc.Authenticate(ctx, "alice", goodPassword, "10.0.0.1"); err != nil {
		t.Errorf("login with the rehashed password: %v", err)
	}
}

func TestChangeAndResetPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.createUser(t, "alice", goodPassword)
	if _, _, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}

	const reset = "reset by admin 2026"
	if err := f.svc.ResetPassword(ctx, u.ID, reset); err != nil {
		t.Fatalf("ResetPassword: %v", err)
	}
	if n := f.count(t, "sessions", "user_id = ?", u.ID); n != 0 {
		t.Errorf("sessions after reset = %d, want 0", n)
	}
	got, err := f.svc.Authenticate(ctx, "alice", reset, "10.0.0.1")
	if err != nil {
		t.Fatalf("login with reset password: %v", err)
	}
	if !got.MustChangePassword {
		t.Error("MustChangePassword = false after reset")
	}
	if _, err := f.svc.Authenticate(ctx, "alice", goodPassword, "10.0.0.1"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("old password after reset: error = %v, want ErrBadCredentials", err)
	}
	if err := f.svc.ResetPassword(ctx, u.ID, "short"); !errors.Is(err, auth.ErrWeakPassword) {
		t.Errorf("reset to a weak password: error = %v, want ErrWeakPassword", err)
	}
	if err := f.svc.ResetPassword(ctx, 999999, reset); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("reset of unknown user: error = %v, want store.ErrNotFound", err)
	}

	if _, _, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	const mine = "my own choice 我的"
	tests := []struct {
		name     string
		old, new string
		want     error
	}{
		{"wrong old password", "not it at all", mine, auth.ErrBadCredentials},
		{"same as old", reset, reset, auth.ErrWeakPassword},
		{"too short", reset, "short", auth.ErrWeakPassword},
		{"ok", reset, mine, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.svc.ChangePassword(ctx, u.ID, tt.old, tt.new); !errors.Is(err, tt.want) {
				t.Fatalf("ChangePassword: error = %v, want %v", err, tt.want)
			}
		})
	}
	got, err = f.svc.Authenticate(ctx, "alice", mine, "10.0.0.1")
	if err != nil {
		t.Fatalf("login with changed password: %v", err)
	}
	if got.MustChangePassword {
		t.Error("MustChangePassword = true after the user changed it")
	}
	if n := f.count(t, "sessions", "user_id = ?", u.ID); n != 0 {
		t.Errorf("sessions after password change = %d, want 0", n)
	}
}

func TestChangePasswordIsThrottled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.createUser(t, "alice", goodPassword)
	for range 5 {
		if err := f.svc.ChangePassword(ctx, u.ID, "guess guess", "new password 1"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Fatalf("ChangePassword: error = %v, want ErrBadCredentials", err)
		}
	}
	if err := f.svc.ChangePassword(ctx, u.ID, goodPassword, "new password 1"); !errors.Is(err, auth.ErrThrottled) {
		t.Errorf("ChangePassword after 5 wrong old passwords: error = %v, want ErrThrottled", err)
	}
}
