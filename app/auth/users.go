package auth

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// User is an account that can sign in to the web application.
type User struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID       int64 `bun:",pk,autoincrement" json:"id"`
	CenterID int64 `bun:",notnull" json:"center_id"`
	// Username is stored lower-cased; lookups are case-insensitive.
	Username     string `bun:",notnull" json:"username"`
	DisplayName  string `bun:",notnull" json:"display_name"`
	PasswordHash string `bun:",notnull" json:"-"`
	// StaffID links the account to a staff member (employees, team leads).
	StaffID            *int64     `json:"staff_id"`
	Disabled           bool       `bun:",notnull" json:"disabled"`
	MustChangePassword bool       `bun:",notnull" json:"must_change_password"`
	CreatedAt          time.Time  `bun:",notnull" json:"created_at"`
	UpdatedAt          time.Time  `bun:",notnull" json:"updated_at"`
	LastLoginAt        *time.Time `json:"last_login_at"`
}

// Username and display name limits, in characters.
const (
	MinUsernameLen    = 2
	MaxUsernameLen    = 64
	MaxDisplayNameLen = 64
)

// ValidateUsername checks a username: 2–64 characters, each a letter (any
// script, so Chinese names are fine), a digit, '.', '_' or '-'. The error
// wraps ErrInvalid and names the field "username".
func ValidateUsername(name string) error {
	n := utf8.RuneCountInString(name)
	if n < MinUsernameLen || n > MaxUsernameLen {
		return fmt.Errorf("%w: username must be %d–%d characters (got %d)", ErrInvalid, MinUsernameLen, MaxUsernameLen, n)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' && r != '_' && r != '-' {
			return fmt.Errorf("%w: username may contain only letters, digits, '.', '_' and '-' (not %q)", ErrInvalid, r)
		}
	}
	return nil
}

// normalizeUsername is the stored and looked-up form of a username:
// lower-cased (Chinese is unaffected) and without surrounding blanks.
func normalizeUsername(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}

// cleanDisplayName trims a display name and checks it; empty means "use the
// username".
func cleanDisplayName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n > MaxDisplayNameLen {
		return "", fmt.Errorf("%w: display_name must be at most %d characters (got %d)", ErrInvalid, MaxDisplayNameLen, n)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) && r != ' ' {
			return "", fmt.Errorf("%w: display_name contains a control character", ErrInvalid)
		}
	}
	return name, nil
}

// CreateUser validates u.Username and password, hashes the password and
// inserts u, filling ID, the lower-cased Username, PasswordHash and the
// timestamps. An empty DisplayName becomes the username. db is s's database
// or a transaction of the caller's. A username taken in any letter case
// wraps store.ErrConflict.
func (s *Service) CreateUser(ctx context.Context, db bun.IDB, u *User, password string) error {
	name := normalizeUsername(u.Username)
	if err := ValidateUsername(name); err != nil {
		return err
	}
	display, err := cleanDisplayName(u.DisplayName)
	if err != nil {
		return err
	}
	if display == "" {
		display = name
	}
	if err := ValidatePassword(password); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return fmt.Errorf("auth: create user: %w", err)
	}
	now := s.clock()
	u.ID = 0
	u.Username, u.DisplayName, u.PasswordHash = name, display, hash
	u.CreatedAt, u.UpdatedAt, u.LastLoginAt = now, now, nil
	if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
		return fmt.Errorf("auth: create user %q: %w", name, store.Translate(err))
	}
	return nil
}

// User returns the user with id; an unknown id wraps store.ErrNotFound.
func (s *Service) User(ctx context.Context, id int64) (*User, error) {
	u := new(User)
	if err := s.db.NewSelect().Model(u).Where("u.id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("auth: user %d: %w", id, store.Translate(err))
	}
	return u, nil
}

// UserByName returns the user with username in any letter case; an unknown
// name wraps store.ErrNotFound.
func (s *Service) UserByName(ctx context.Context, username string) (*User, error) {
	name := normalizeUsername(username)
	u := new(User)
	if err := s.db.NewSelect().Model(u).Where("u.username = ?", name).Scan(ctx); err != nil {
		return nil, fmt.Errorf("auth: user %q: %w", name, store.Translate(err))
	}
	return u, nil
}

// UserByStaffID returns the account linked to a staff member; none wraps
// store.ErrNotFound.
func (s *Service) UserByStaffID(ctx context.Context, staffID int64) (*User, error) {
	u := new(User)
	if err := s.db.NewSelect().Model(u).Where("u.staff_id = ?", staffID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("auth: user of staff %d: %w", staffID, store.Translate(err))
	}
	return u, nil
}

// Users returns the accounts of a center sorted by username, bytewise: the
// same order on both databases whatever their collation.
func (s *Service) Users(ctx context.Context, centerID int64) ([]User, error) {
	var us []User
	if err := s.db.NewSelect().Model(&us).Where("u.center_id = ?", centerID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("auth: users of center %d: %w", centerID, err)
	}
	slices.SortFunc(us, func(a, b User) int { return strings.Compare(a.Username, b.Username) })
	return us, nil
}

// UpdateUser saves u's DisplayName and StaffID (and sets UpdatedAt); other
// fields change only through their own methods. A staff member already
// linked to another account wraps store.ErrConflict; an unknown u.ID wraps
// store.ErrNotFound.
func (s *Service) UpdateUser(ctx context.Context, u *User) error {
	display, err := cleanDisplayName(u.DisplayName)
	if err != nil {
		return err
	}
	if display == "" {
		return fmt.Errorf("%w: display_name must not be empty", ErrInvalid)
	}
	now := s.clock()
	res, err := s.db.NewUpdate().Model((*User)(nil)).
		Set("display_name = ?", display).
		Set("staff_id = ?", u.StaffID).
		Set("updated_at = ?", now).
		Where("id = ?", u.ID).
		Exec(ctx)
	s.sessions.dropUser(u.ID) // the sessions carry the user's staff id
	if err := checkOne(res, err); err != nil {
		return fmt.Errorf("auth: update user %d: %w", u.ID, err)
	}
	u.DisplayName, u.UpdatedAt = display, now
	return nil
}

// SetDisabled switches an account off or on. Disabling also deletes all of
// the user's sessions in the same transaction, so they are signed out at once.
func (s *Service) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	defer s.sessions.dropUser(id)
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*User)(nil)).
			Set("disabled = ?", disabled).
			Set("updated_at = ?", s.clock()).
			Where("id = ?", id).
			Exec(ctx)
		if err := checkOne(res, err); err != nil {
			return err
		}
		if disabled {
			return deleteUserSessions(ctx, tx, id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("auth: set disabled of user %d: %w", id, err)
	}
	return nil
}

// ResetPassword is an administrator setting a new password for a user: the
// user must change it at the next sign-in, and all their sessions end.
func (s *Service) ResetPassword(ctx context.Context, id int64, newPassword string) error {
	if err := ValidatePassword(newPassword); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return fmt.Errorf("auth: reset password of user %d: %w", id, err)
	}
	if err := s.setPassword(ctx, id, hash, true); err != nil {
		return fmt.Errorf("auth: reset password of user %d: %w", id, err)
	}
	return nil
}

// ChangePassword is a user changing their own password. oldPassword must be
// right (else ErrBadCredentials, counted like a failed login so a stolen
// session cannot be used to guess it) and newPassword must pass
// ValidatePassword and differ from it. It clears MustChangePassword and ends
// every session of the user, including the current one: the caller signs
// the user in again with CreateSession, which also rotates the session token.
func (s *Service) ChangePassword(ctx context.Context, id int64, oldPassword, newPassword string) error {
	u, err := s.User(ctx, id)
	if err != nil {
		return err
	}
	userKey := failureKeyUser(u.Username)
	if err := s.checkThrottle(ctx, userKey, s.cfg.MaxFailuresPerUser); err != nil {
		return err
	}
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, oldPassword)
	if err != nil {
		return fmt.Errorf("auth: change password of user %d: %w", id, err)
	}
	if !ok {
		if err := s.recordFailures(ctx, userKey); err != nil {
			return err
		}
		return ErrBadCredentials
	}
	if err := ValidatePassword(newPassword); err != nil {
		return err
	}
	if newPassword == oldPassword {
		return fmt.Errorf("%w: must differ from the current password", ErrWeakPassword)
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return fmt.Errorf("auth: change password of user %d: %w", id, err)
	}
	if err := s.setPassword(ctx, id, hash, false); err != nil {
		return fmt.Errorf("auth: change password of user %d: %w", id, err)
	}
	return nil
}

// setPassword stores a new hash and ends the user's sessions in one
// transaction, so no session outlives the password it was opened with.
func (s *Service) setPassword(ctx context.Context, id int64, hash string, mustChange bool) error {
	defer s.sessions.dropUser(id)
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*User)(nil)).
			Set("password_hash = ?", hash).
			Set("must_change_password = ?", mustChange).
			Set("updated_at = ?", s.clock()).
			Where("id = ?", id).
			Exec(ctx)
		if err := checkOne(res, err); err != nil {
			return err
		}
		return deleteUserSessions(ctx, tx, id)
	})
}

// checkOne turns the result of an UPDATE by primary key into an error:
// the driver's error translated, or store.ErrNotFound when no row matched.
func checkOne(res sql.Result, err error) error {
	if err != nil {
		return store.Translate(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}
