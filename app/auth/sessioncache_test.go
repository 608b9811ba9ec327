package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/store"
)

// TestSessionCacheChangesApplyAtOnce: a session the cache holds is refused
// at the next lookup after a sign-out, a sign-out everywhere, a disable or a
// password reset through the same service, and a user update is seen at
// once.
func TestSessionCacheChangesApplyAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(t *testing.T, f *fixture, u *auth.User, token string) error
		want   error
	}{
		{"sign out", func(_ *testing.T, f *fixture, _ *auth.User, token string) error {
			return f.svc.DeleteSession(ctx, token)
		}, store.ErrNotFound},
		{"sign out everywhere", func(_ *testing.T, f *fixture, u *auth.User, _ string) error {
			return f.svc.DeleteUserSessions(ctx, u.ID)
		}, store.ErrNotFound},
		{"disable", func(_ *testing.T, f *fixture, u *auth.User, _ string) error {
			return f.svc.SetDisabled(ctx, u.ID, true)
		}, store.ErrNotFound},
		{"password reset", func(_ *testing.T, f *fixture, u *auth.User, _ string) error {
			return f.svc.ResetPassword(ctx, u.ID, "another-Good-passw0rd")
		}, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			u, token := signedIn(t, f)
			// the second lookup is served by the cache
			if _, err := f.svc.SessionByToken(ctx, token); err != nil {
				t.Fatal(err)
			}
			if err := tt.change(t, f, u, token); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.SessionByToken(ctx, token); !errors.Is(err, tt.want) {
				t.Errorf("lookup right after: error = %v, want %v", err, tt.want)
			}
		})
	}

	t.Run("user update", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		u, token := signedIn(t, f)
		u.DisplayName = "Alice B."
		if err := f.svc.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		sess, err := f.svc.SessionByToken(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := sess.User.DisplayName, "Alice B."; got != want {
			t.Errorf("display name after update = %q, want %q", got, want)
		}
	})
}

// TestSessionCacheOtherInstance states the bound of the cache: a sign-out
// on another instance is seen here within Config.SessionCacheTTL.
func TestSessionCacheOtherInstance(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	other := auth.NewService(f.db, f.cfg, f.clock.Now)
	_, token := signedIn(t, f)
	if err := other.DeleteSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	ttl := f.cfg.SessionCacheTTL
	f.clock.Add(ttl - time.Microsecond)
	if _, err := f.svc.SessionByToken(ctx, token); err != nil {
		t.Logf("signed out elsewhere, within the TTL: %v (allowed either way)", err)
	}
	f.clock.Add(time.Microsecond)
	if _, err := f.svc.SessionByToken(ctx, token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("signed out elsewhere, TTL passed: error = %v, want store.ErrNotFound", err)
	}
}

// TestSessionCacheKeepsTimeoutsExact: a session the cache holds still ends
// exactly at its absolute timeout and its idle timeout.
func TestSessionCacheKeepsTimeoutsExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("absolute", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		u := f.createUser(t, "alice", goodPassword)
		token, sess, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		for f.clock.Now().Before(sess.ExpiresAt.Add(-10 * time.Minute)) {
			f.clock.Add(10 * time.Minute) // active: never idle
			if _, err := f.svc.SessionByToken(ctx, token); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Add(sess.ExpiresAt.Sub(f.clock.Now()) - time.Microsecond)
		if _, err := f.svc.SessionByToken(ctx, token); err != nil {
			t.Fatalf("just before the absolute timeout: %v", err)
		}
		f.clock.Add(time.Microsecond)
		if _, err := f.svc.SessionByToken(ctx, token); !errors.Is(err, auth.ErrSessionExpired) {
			t.Errorf("at the absolute timeout, cached a microsecond before: error = %v, want ErrSessionExpired", err)
		}
	})
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, func(c *auth.Config) { c.IdleTimeout = 2 * time.Second; c.SessionCacheTTL = time.Hour })
		_, token := signedIn(t, f)
		f.clock.Add(time.Second)
		if _, err := f.svc.SessionByToken(ctx, token); err != nil {
			t.Fatalf("1 s idle of 2: %v", err)
		}
		// last_seen_at is still the sign-in (touched once a minute): the
		// idle timeout counts from it, cache or not.
		f.clock.Add(time.Second)
		if _, err := f.svc.SessionByToken(ctx, token); !errors.Is(err, auth.ErrSessionExpired) {
			t.Errorf("2 s since the last touch with a 2 s idle timeout: error = %v, want ErrSessionExpired", err)
		}
	})
}

// signedIn creates the user alice with a session and looks it up once, so
// the cache holds it.
func signedIn(t *testing.T, f *fixture) (*auth.User, string) {
	t.Helper()
	ctx := context.Background()
	u := f.createUser(t, "alice", goodPassword)
	token, _, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SessionByToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	return u, token
}
