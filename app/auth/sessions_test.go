package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/store"
)

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.createUser(t, "alice", goodPassword)

	token, sess, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.1", "Mozilla/5.0")
	if err != nil {
		t.Fatal(err)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(raw) != 32 {
		t.Errorf("token %q is not 32 bytes of unpadded base64url (err %v)", token, err)
	}
	sum := sha256.Sum256([]byte(token))
	if got, want := sess.ID, hex.EncodeToString(sum[:]); got != want {
		t.Errorf("session ID = %q, want sha256 hex of the token %q", got, want)
	}
	if sess.User == nil || sess.User.ID != u.ID {
		t.Errorf("CreateSession User = %+v, want user %d", sess.User, u.ID)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(sess.CSRFToken); err != nil || len(raw) != 32 {
		t.Errorf("CSRF token %q is not 32 bytes of unpadded base64url", sess.CSRFToken)
	}
	if want := f.clock.Now().Add(12 * time.Hour).Truncate(time.Microsecond); !sess.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", sess.ExpiresAt, want)
	}
	if text := rowText(t, f.db, "sessions"); strings.Contains(text, token) {
		t.Errorf("sessions table holds the cookie token:\n%s", text)
	}

	got, err := f.svc.SessionByToken(ctx, token)
	if err != nil {
		t.Fatalf("SessionByToken: %v", err)
	}
	if got.ID != sess.ID || got.CSRFToken != sess.CSRFToken || got.IP != "10.0.0.1" || got.UserAgent != "Mozilla/5.0" {
		t.Errorf("SessionByToken = %+v, want %+v", got, sess)
	}
	if got.User == nil || got.User.Username != "alice" || got.User.PasswordHash == "" {
		t.Errorf("SessionByToken did not load the user: %+v", got.User)
	}

	token2, sess2, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.2", "curl")
	if err != nil {
		t.Fatal(err)
	}
	if token2 == token || sess2.CSRFToken == sess.CSRFToken {
		t.Error("two sessions share a token or CSRF token")
	}

	for _, bad := range []string{"", "nope", token + "x"} {
		if _, err := f.svc.SessionByToken(ctx, bad); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SessionByToken(%q): error = %v, want store.ErrNotFound", bad, err)
		}
	}

	if err := f.svc.DeleteSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SessionByToken(ctx, token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after DeleteSession: error = %v, want store.ErrNotFound", err)
	}
	if err := f.svc.DeleteSession(ctx, token); err != nil {
		t.Errorf("DeleteSession twice: %v", err)
	}
	if _, err := f.svc.SessionByToken(ctx, token2); err != nil {
		t.Errorf("other session after DeleteSession: %v", err)
	}
	if err := f.svc.DeleteUserSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SessionByToken(ctx, token2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after DeleteUserSessions: error = %v, want store.ErrNotFound", err)
	}
	if _, _, err := f.svc.CreateSession(ctx, 999999, "", ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CreateSession for unknown user: error = %v, want store.ErrNotFound", err)
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.createUser(t, "alice", goodPassword)
	token, sess, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	// Used every 29 minutes the session lives on well past the idle timeout.
	for i := range 4 {
		f.clock.Add(29 * time.Minute)
		if _, err := f.svc.SessionByToken(ctx, token); err != nil {
			t.Fatalf("use %d after 29 minutes idle: %v", i+1, err)
		}
	}
	f.clock.Add(30 * time.Minute)
	if _, err := f.svc.SessionByToken(ctx, token); !errors.Is(err, auth.ErrSessionExpired) {
		t.Fatalf("after 30 minutes idle: error = %v, want ErrSessionExpired", err)
	}
	if n := f.count(t, "sessions", "id = ?", sess.ID); n != 0 {
		t.Errorf("expired session rows = %d, want deleted", n)
	}
	if _, err := f.svc.SessionByToken(ctx, token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expired session again: error = %v, want store.ErrNotFound", err)
	}
}

func TestSessionAbsoluteTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.createUser(t, "alice", goodPassword)
	token, _, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	// Busy all day: used every 20 minutes until just before 12 hours.
	for elapsed := 20 * time.Minute; elapsed < 12*time.Hour; elapsed += 20 * time.Minute {
		f.clock.Add(20 * time.Minute)
		if _, err := f.svc.SessionByToken(ctx, token); err != nil {
			t.Fatalf("after %v: %v", elapsed, err)
		}
	}
	f.clock.Add(20 * time.Minute) // now exactly 12h
	if _, err := f.svc.SessionByToken(ctx, token); !errors.Is(err, auth.ErrSessionExpired) {
		t.Fatalf("after 12 hours: error = %v, want ErrSessionExpired", err)
	}
}

func TestSessionLastSeenWrittenAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.createUser(t, "alice", goodPassword)
	token, sess, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	created := sess.LastSeenAt
	stored := func() time.Time {
		t.Helper()
		var ts time.Time
		if err := f.db.NewSelect().Table("sessions").Column("last_seen_at").Where("id = ?", sess.ID).Scan(ctx, &ts); err != nil {
			t.Fatal(err)
		}
		return ts
	}
	steps := []struct {
		advance time.Duration
		want    time.Time
	}{
		{30 * time.Second, created},
		{29 * time.Second, created},
		{time.Second, created.Add(time.Minute)},
		{59 * time.Second, created.Add(time.Minute)},
		{61 * time.Second, created.Add(time.Minute + 2*time.Minute)},
	}
	for i, st := range steps {
		f.clock.Add(st.advance)
		got, err := f.svc.SessionByToken(ctx, token)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if s := stored(); !s.Equal(st.want) || !got.LastSeenAt.Equal(st.want) {
			t.Errorf("step %d: last_seen_at stored %v, returned %v; want %v", i, s, got.LastSeenAt, st.want)
		}
	}
}

func TestDisablingEndsSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.createUser(t, "alice", goodPassword)
	other := f.createUser(t, "bob", goodPassword)
	var tokens []string
	for range 3 {
		token, _, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, token)
	}
	bobToken, _, err := f.svc.CreateSession(ctx, other.ID, "10.0.0.2", "test")
	if err != nil {
		t.Fatal(err)
	}

	if err := f.svc.SetDisabled(ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, "sessions", "user_id = ?", u.ID); n != 0 {
		t.Errorf("sessions of the disabled user = %d, want 0", n)
	}
	for _, token := range tokens {
		if _, err := f.svc.SessionByToken(ctx, token); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("disabled user's session: error = %v, want store.ErrNotFound", err)
		}
	}
	if _, err := f.svc.SessionByToken(ctx, bobToken); err != nil {
		t.Errorf("another user's session after disabling alice: %v", err)
	}
	if _, _, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.1", "test"); !errors.Is(err, auth.ErrDisabled) {
		t.Errorf("CreateSession for a disabled user: error = %v, want ErrDisabled", err)
	}
	if err := f.svc.SetDisabled(ctx, 999999, true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetDisabled(unknown): error = %v, want store.ErrNotFound", err)
	}

	// A user switched off behind the service's back (by another instance)
	// cannot use a session once the session cache's TTL has passed.
	if _, err := f.db.NewUpdate().Table("users").Set("disabled = ?", true).Where("id = ?", other.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(auth.DefaultConfig().SessionCacheTTL)
	if _, err := f.svc.SessionByToken(ctx, bobToken); !errors.Is(err, auth.ErrDisabled) {
		t.Errorf("session of a user disabled in the database: error = %v, want ErrDisabled", err)
	}

	if err := f.svc.SetDisabled(ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(ctx, "alice", goodPassword, "10.0.0.1"); err != nil {
		t.Errorf("login after re-enabling: %v", err)
	}
}

func TestPurgeExpiredSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	u := f.createUser(t, "alice", goodPassword)
	newSession := func() string {
		token, _, err := f.svc.CreateSession(ctx, u.ID, "10.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	busy := newSession() // kept alive until its absolute timeout
	idle := newSession() // never used again
	_ = idle
	for range 35 { // 11h40m
		f.clock.Add(20 * time.Minute)
		if _, err := f.svc.SessionByToken(ctx, busy); err != nil {
			t.Fatal(err)
		}
	}
	fresh := newSession()
	if n, err := f.svc.PurgeExpiredSessions(ctx); err != nil || n != 1 {
		t.Fatalf("PurgeExpiredSessions = %d, %v; want 1 (the idle one)", n, err)
	}
	f.clock.Add(20 * time.Minute) // busy reaches 12h; fresh is 20 minutes idle
	if n, err := f.svc.PurgeExpiredSessions(ctx); err != nil || n != 1 {
		t.Fatalf("PurgeExpiredSessions = %d, %v; want 1 (the 12-hour one)", n, err)
	}
	if _, err := f.svc.SessionByToken(ctx, fresh); err != nil {
		t.Errorf("fresh session after purge: %v", err)
	}
	if n := f.count(t, "sessions", "1 = 1"); n != 1 {
		t.Errorf("sessions left = %d, want 1", n)
	}
}
