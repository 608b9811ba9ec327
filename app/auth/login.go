package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// loginFailure is one failed sign-in, counted against a key
// "user:<lower-cased name>" or "ip:<address>".
type loginFailure struct {
	bun.BaseModel `bun:"table:login_failures,alias:lf"`

	ID  int64     `bun:",pk,autoincrement"`
	Key string    `bun:",notnull"`
	At  time.Time `bun:",notnull"`
}

func failureKeyUser(username string) string {
	name := normalizeUsername(username)
	// No account has a longer name; a cap keeps junk input out of the table.
	if utf8.RuneCountInString(name) > MaxUsernameLen {
		name = string([]rune(name)[:MaxUsernameLen])
	}
	return "user:" + name
}

func failureKeyIP(ip string) string { return "ip:" + ip }

// Authenticate signs a user in with username and password from client ip
// ("" when there is none, e.g. the CLI: no per-IP limit then).
//
// Throttling comes first: with MaxFailuresPerUser failures for the username,
// or MaxFailuresPerIP for the IP, within FailureWindow the result is a
// *ThrottledError and the password is not even checked. An unknown username
// and a wrong password both give ErrBadCredentials, cost about the same time
// and count a failure for the username and the IP. A disabled account gives
// ErrDisabled, but only after the right password. Success clears the
// username's failures (not the IP's: one good account must not unlock an IP
// that is guessing others), sets LastLoginAt, and replaces the stored hash
// if it was made with other parameters.
func (s *Service) Authenticate(ctx context.Context, username, password, ip string) (*User, error) {
	userKey := failureKeyUser(username)
	keys := []string{userKey}
	if err := s.checkThrottle(ctx, userKey, s.cfg.MaxFailuresPerUser); err != nil {
		return nil, err
	}
	if ip != "" {
		ipKey := failureKeyIP(ip)
		keys = append(keys, ipKey)
		if err := s.checkThrottle(ctx, ipKey, s.cfg.MaxFailuresPerIP); err != nil {
			return nil, err
		}
	}

	u, err := s.UserByName(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		if err := s.hasher.verifyDummy(ctx, password); err != nil {
			return nil, fmt.Errorf("auth: authenticate: %w", err)
		}
		if err := s.recordFailures(ctx, keys...); err != nil {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("auth: authenticate: %w", err)
	}
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("auth: authenticate user %d: %w", u.ID, err)
	}
	if !ok {
		if err := s.recordFailures(ctx, keys...); err != nil {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	if u.Disabled {
		return nil, ErrDisabled
	}

	newHash := ""
	if s.hasher.NeedsRehash(u.PasswordHash) {
		if newHash, err = s.hasher.Hash(ctx, password); err != nil {
			return nil, fmt.Errorf("auth: rehash password of user %d: %w", u.ID, err)
		}
	}
	now := s.clock()
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*User)(nil)).Set("last_login_at = ?", now).Where("id = ?", u.ID)
		if newHash != "" {
			q = q.Set("password_hash = ?", newHash)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*loginFailure)(nil)).Where("key = ?", userKey).Exec(ctx); err != nil {
			return err
		}
		return s.pruneFailures(ctx, tx, now)
	})
	if err != nil {
		return nil, fmt.Errorf("auth: record login of user %d: %w", u.ID, err)
	}
	u.LastLoginAt = &now
	if newHash != "" {
		u.PasswordHash = newHash
	}
	return u, nil
}

// checkThrottle returns a *ThrottledError when key has limit or more failures
// within the window. The wait is until the limit-th most recent failure leaves
// the window, which brings the count below limit again.
func (s *Service) checkThrottle(ctx context.Context, key string, limit int) error {
	now := s.clock()
	var recent []time.Time
	err := s.db.NewSelect().Model((*loginFailure)(nil)).Column("at").
		Where("key = ?", key).
		Where("at > ?", now.Add(-s.cfg.FailureWindow)).
		OrderExpr("at DESC").
		Limit(int64(limit)).
		Scan(ctx, &recent)
	if err != nil {
		return fmt.Errorf("auth: count login failures: %w", err)
	}
	if len(recent) < limit {
		return nil
	}
	retry := recent[limit-1].Add(s.cfg.FailureWindow).Sub(now)
	return &ThrottledError{RetryAfter: max(retry, time.Second)}
}

// recordFailures counts one failed attempt against each key and drops
// failures too old to count, so the table stays small without a janitor.
func (s *Service) recordFailures(ctx context.Context, keys ...string) error {
	now := s.clock()
	rows := make([]loginFailure, len(keys))
	for i, k := range keys {
		rows[i] = loginFailure{Key: k, At: now}
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
		return s.pruneFailures(ctx, tx, now)
	})
	if err != nil {
		return fmt.Errorf("auth: record login failure: %w", err)
	}
	return nil
}

func (s *Service) pruneFailures(ctx context.Context, db bun.IDB, now time.Time) error {
	_, err := db.NewDelete().Model((*loginFailure)(nil)).Where("at <= ?", now.Add(-s.cfg.FailureWindow)).Exec(ctx)
	return err
}
