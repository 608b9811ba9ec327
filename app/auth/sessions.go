package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// Session is a signed-in browser. The cookie holds a random token; only its
// SHA-256 is stored, so a copy of the database does not hold live sessions.
type Session struct {
	bun.BaseModel `bun:"table:sessions,alias:s"`

	// ID is the hex SHA-256 of the cookie token.
	ID     string `bun:",pk,type:varchar(64)"`
	UserID int64  `bun:",notnull"`
	// CSRFToken is the per-session token forms and API writes must echo.
	CSRFToken  string    `bun:"csrf_token,notnull"`
	CreatedAt  time.Time `bun:",notnull"`
	LastSeenAt time.Time `bun:",notnull"`
	// ExpiresAt is the absolute end: CreatedAt + Config.AbsoluteTimeout.
	ExpiresAt time.Time `bun:",notnull"`
	IP        string    `bun:"ip,notnull"`
	UserAgent string    `bun:",notnull"`

	User *User `bun:"rel:belongs-to,join:user_id=id"`
}

// maxUserAgentLen caps what is kept of a client's User-Agent header.
const maxUserAgentLen = 256

// CreateSession opens a session for a user who has just authenticated and
// returns the token for the cookie (base64url, 32 random bytes) with the
// session, its User loaded. A disabled user gives ErrDisabled.
func (s *Service) CreateSession(ctx context.Context, userID int64, ip, userAgent string) (string, *Session, error) {
	u, err := s.User(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	if u.Disabled {
		return "", nil, ErrDisabled
	}
	if utf8.RuneCountInString(userAgent) > maxUserAgentLen {
		userAgent = string([]rune(userAgent)[:maxUserAgentLen])
	}
	token := randomToken()
	now := s.clock()
	sess := &Session{
		ID:         hashToken(token),
		UserID:     userID,
		CSRFToken:  randomToken(),
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(s.cfg.AbsoluteTimeout),
		IP:         ip,
		UserAgent:  userAgent,
	}
	if _, err := s.db.NewInsert().Model(sess).Exec(ctx); err != nil {
		return "", nil, fmt.Errorf("auth: create session for user %d: %w", userID, store.Translate(err))
	}
	sess.User = u
	return token, sess, nil
}

// SessionByToken returns the session of a cookie token with its User.
// An unknown token wraps store.ErrNotFound. A session past its absolute
// timeout, or unused for IdleTimeout, is deleted and gives ErrSessionExpired;
// a disabled user gives ErrDisabled. LastSeenAt is rewritten at most once a
// minute, so the idle timeout is exact to about a minute. A session
// validated in the last Config.SessionCacheTTL comes from memory (see
// sessionCache for what that may miss).
func (s *Service) SessionByToken(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, fmt.Errorf("auth: session: %w", store.ErrNotFound)
	}
	id := hashToken(token)
	now := s.clock()
	// A cached session is used only while nothing is due: expiry and the
	// touch are decided on the row read from the database below.
	if sess := s.sessions.get(id, now); sess != nil && now.Before(sess.ExpiresAt) &&
		now.Sub(sess.LastSeenAt) < min(touchInterval, s.cfg.IdleTimeout) {
		return sess, nil
	}
	gen := s.sessions.generation()
	var found []Session
	if err := s.sessionStmt.Scan(ctx, &found, id); err != nil {
		return nil, fmt.Errorf("auth: session: %w", err)
	}
	if len(found) == 0 {
		s.sessions.forget(id)
		return nil, fmt.Errorf("auth: session: %w", store.ErrNotFound)
	}
	sess := &found[0]
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.cfg.IdleTimeout {
		if err := s.deleteSession(ctx, id); err != nil {
			return nil, err
		}
		return nil, ErrSessionExpired
	}
	if sess.User == nil || sess.User.ID == 0 {
		// The foreign key cascades, so this is a broken database, not a user error.
		return nil, fmt.Errorf("auth: session of missing user %d", sess.UserID)
	}
	if sess.User.Disabled {
		s.sessions.forget(id)
		return nil, ErrDisabled
	}
	if now.Sub(sess.LastSeenAt) >= touchInterval {
		_, err := s.db.NewUpdate().Model((*Session)(nil)).Set("last_seen_at = ?", now).Where("id = ?", id).Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("auth: touch session: %w", err)
		}
		sess.LastSeenAt = now
	}
	s.sessions.put(sess, now, gen)
	return sess, nil
}

// DeleteSession ends the session of a cookie token (signing out). An unknown
// token is not an error: the session is gone either way.
func (s *Service) DeleteSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.deleteSession(ctx, hashToken(token))
}

func (s *Service) deleteSession(ctx context.Context, id string) error {
	defer s.sessions.drop(id)
	if _, err := s.db.NewDelete().Model((*Session)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("auth: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions signs a user out everywhere.
func (s *Service) DeleteUserSessions(ctx context.Context, userID int64) error {
	defer s.sessions.dropUser(userID)
	if err := deleteUserSessions(ctx, s.db, userID); err != nil {
		return fmt.Errorf("auth: delete sessions of user %d: %w", userID, err)
	}
	return nil
}

func deleteUserSessions(ctx context.Context, db bun.IDB, userID int64) error {
	_, err := db.NewDelete().Model((*Session)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return err
}

// PurgeExpiredSessions deletes sessions past their absolute or idle timeout
// and returns how many; SessionByToken refuses them anyway, this only
// reclaims the rows (run it from a periodic job).
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int, error) {
	now := s.clock()
	res, err := s.db.NewDelete().Model((*Session)(nil)).
		WhereOr("expires_at <= ?", now).
		WhereOr("last_seen_at <= ?", now.Add(-s.cfg.IdleTimeout)).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("auth: purge sessions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("auth: purge sessions: %w", err)
	}
	return int(n), nil
}

// randomToken returns 32 random bytes, base64url without padding.
func randomToken() string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(32))
}

// hashToken is how a session or API token is stored: hex SHA-256. The
// tokens carry 256 random bits, so a fast unsalted hash is enough.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// sessionSQL reads a session with its user in one prepared statement: it
// runs on every request. "user__" columns fill the User relation.
const sessionSQL = `SELECT s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent,
 u.id AS user__id, u.center_id AS user__center_id, u.username AS user__username, u.display_name AS user__display_name,
 u.password_hash AS user__password_hash, u.staff_id AS user__staff_id, u.disabled AS user__disabled,
 u.must_change_password AS user__must_change_password, u.created_at AS user__created_at, u.updated_at AS user__updated_at,
 u.last_login_at AS user__last_login_at
 FROM sessions AS s JOIN users AS u ON u.id = s.user_id WHERE s.id = ?`
