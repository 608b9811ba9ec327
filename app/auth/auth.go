// Package auth holds accounts, password hashing, sessions, API tokens and
// login throttling. It knows nothing of HTTP: handlers pass in what they read
// from the request (username, password, client IP, cookie value) and map the
// errors below onto responses.
package auth

import (
	"errors"
	"fmt"
	"github.com/kaoping/kaoping/app/store"
	"time"

	"github.com/uptrace/bun"
)

// Errors returned by the service. Not-found errors wrap store.ErrNotFound and
// duplicates wrap store.ErrConflict, so callers test both with errors.Is.
var (
	// ErrBadCredentials means the username or password (or API token) is wrong.
	// It never says which, so it cannot be used to probe for usernames.
	ErrBadCredentials = errors.New("auth: wrong username or password")
	// ErrDisabled means the account or API token exists but is switched off.
	ErrDisabled = errors.New("auth: account disabled")
	// ErrThrottled means too many recent failed logins; the concrete error is
	// a *ThrottledError that says how long to wait.
	ErrThrottled = errors.New("auth: too many failed attempts")
	// ErrWeakPassword means a new password does not meet the policy; the
	// wrapping error says why.
	ErrWeakPassword = errors.New("auth: password not acceptable")
	// ErrInvalid means an input other than a password is malformed; the
	// wrapping error names the field.
	ErrInvalid = errors.New("auth: invalid input")
	// ErrSessionExpired means the session passed its idle or absolute
	// timeout; it has been deleted and the user must sign in again.
	ErrSessionExpired = errors.New("auth: session expired")
)

// ThrottledError is returned by Authenticate while a username or client IP
// has too many recent failures. errors.Is(err, ErrThrottled) holds.
type ThrottledError struct {
	// RetryAfter is how long until the oldest failure that keeps the limit
	// reached leaves the window, i.e. when one more attempt will be allowed.
	RetryAfter time.Duration
}

// Error implements error.
func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%s, retry in %s", ErrThrottled, e.RetryAfter.Round(time.Second))
}

// Is makes errors.Is(err, ErrThrottled) hold.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// Config tunes the service. Zero fields take the values of DefaultConfig.
type Config struct {
	// IdleTimeout ends a session unused for this long.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after login, used or not.
	AbsoluteTimeout time.Duration
	// MaxFailuresPerUser failed logins for one username within FailureWindow
	// block further attempts for that username.
	MaxFailuresPerUser int
	// MaxFailuresPerIP failed logins from one client IP within FailureWindow
	// block further attempts from that IP, whatever the username.
	MaxFailuresPerIP int
	// FailureWindow is how long a failed login counts.
	FailureWindow time.Duration
	// Params are the argon2id parameters for new hashes.
	Params Params
	// MaxConcurrentHashes bounds how many hashes are computed at once
	// (0: runtime.GOMAXPROCS(0)).
	MaxConcurrentHashes int
	// SessionCacheTTL is how long a validated session is kept in process
	// before SessionByToken reads it again (negative: no cache). It bounds
	// how long another server instance on the same database may still
	// accept a session signed out or a user disabled elsewhere; changes made
	// through this instance apply at once.
	SessionCacheTTL time.Duration
	// SessionCacheSize bounds the cached sessions.
	SessionCacheSize int
}

// DefaultConfig returns the production settings.
func DefaultConfig() Config {
	return Config{
		IdleTimeout:        30 * time.Minute,
		AbsoluteTimeout:    12 * time.Hour,
		MaxFailuresPerUser: 5,
		MaxFailuresPerIP:   50,
		FailureWindow:      15 * time.Minute,
		Params:             DefaultParams(),
		SessionCacheTTL:    5 * time.Second,
		SessionCacheSize:   10000,
	}
}

// touchInterval is how stale last_seen_at / last_used_at may get before a
// lookup rewrites it: one write a minute per session instead of one per request.
const touchInterval = time.Minute

// Service manages accounts, sessions and API tokens in the database.
type Service struct {
	db          *bun.DB
	cfg         Config
	now         func() time.Time
	hasher      *Hasher
	sessionStmt *store.Stmt   // SessionByToken: runs on every request
	sessions    *sessionCache // nil: off
}

// NewService returns a service over db. now is the clock (nil: time.Now);
// zero fields of cfg take their defaults.
func NewService(db *bun.DB, cfg Config, now func() time.Time) *Service {
	def := DefaultConfig()
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = def.IdleTimeout
	}
	if cfg.AbsoluteTimeout <= 0 {
		cfg.AbsoluteTimeout = def.AbsoluteTimeout
	}
	if cfg.MaxFailuresPerUser <= 0 {
		cfg.MaxFailuresPerUser = def.MaxFailuresPerUser
	}
	if cfg.MaxFailuresPerIP <= 0 {
		cfg.MaxFailuresPerIP = def.MaxFailuresPerIP
	}
	if cfg.FailureWindow <= 0 {
		cfg.FailureWindow = def.FailureWindow
	}
	if cfg.SessionCacheTTL == 0 {
		cfg.SessionCacheTTL = def.SessionCacheTTL
	}
	if cfg.SessionCacheSize <= 0 {
		cfg.SessionCacheSize = def.SessionCacheSize
	}
	if now == nil {
		now = time.Now
	}
	h := NewHasher(cfg.Params, cfg.MaxConcurrentHashes)
	cfg.Params = h.params
	s := &Service{db: db, cfg: cfg, now: now, hasher: h, sessionStmt: store.NewStmt(db, sessionSQL)}
	if cfg.SessionCacheTTL > 0 {
		s.sessions = newSessionCache(cfg.SessionCacheTTL, cfg.SessionCacheSize)
	}
	return s
}

// Hasher returns the password hasher the service uses, e.g. for the CLI.
func (s *Service) Hasher() *Hasher { return s.hasher }

// clock is the injected time in UTC at the microsecond precision PostgreSQL
// keeps, so a value written and read back compares equal on both dialects.
func (s *Service) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}
