package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// Token is an API token for a machine client of one center. Only the hash
// of the secret is stored; the plaintext is shown once, at creation.
type Token struct {
	bun.BaseModel `bun:"table:api_tokens,alias:t"`

	ID       int64 `bun:",pk,autoincrement" json:"id"`
	CenterID int64 `bun:",notnull" json:"center_id"`
	// Name is unique within the center ("hr-sync", "bi-export").
	Name string `bun:",notnull" json:"name"`
	// Role is the RBAC role the token acts as.
	Role string `bun:",notnull" json:"role"`
	// TokenHash is the hex SHA-256 of the plaintext token.
	TokenHash  string     `bun:",notnull" json:"-"`
	CreatedAt  time.Time  `bun:",notnull" json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// TokenPrefix starts every API token, so a leaked one is easy to recognise
// (secret scanners, logs) and a malformed one is refused without a query.
const TokenPrefix = "kp_"

// maxTokenFieldLen bounds a token's name and role, in characters.
const maxTokenFieldLen = 64

// CreateToken makes an API token acting as role in a center and returns its
// plaintext ("kp_" + 32 random bytes, base64url) — the only time it is
// available — with the stored row. db is s's database or a caller's
// transaction. A name already used in the center wraps store.ErrConflict.
func (s *Service) CreateToken(ctx context.Context, db bun.IDB, centerID int64, name, role string) (string, *Token, error) {
	name, role = strings.TrimSpace(name), strings.TrimSpace(role)
	if err := validateTokenField("name", name); err != nil {
		return "", nil, err
	}
	if err := validateTokenField("role", role); err != nil {
		return "", nil, err
	}
	plaintext := TokenPrefix + randomToken()
	t := &Token{
		CenterID:  centerID,
		Name:      name,
		Role:      role,
		TokenHash: hashToken(plaintext),
		CreatedAt: s.clock(),
	}
	if _, err := db.NewInsert().Model(t).Exec(ctx); err != nil {
		return "", nil, fmt.Errorf("auth: create token %q: %w", name, store.Translate(err))
	}
	return plaintext, t, nil
}

func validateTokenField(field, v string) error {
	n := utf8.RuneCountInString(v)
	if n == 0 || n > maxTokenFieldLen {
		return fmt.Errorf("%w: %s must be 1–%d characters", ErrInvalid, field, maxTokenFieldLen)
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: %s contains a control character", ErrInvalid, field)
		}
	}
	return nil
}

// TokenByPlaintext returns the token a client presented. An unknown or
// malformed token gives ErrBadCredentials, a revoked one ErrDisabled.
// LastUsedAt is rewritten at most once a minute.
func (s *Service) TokenByPlaintext(ctx context.Context, plaintext string) (*Token, error) {
	if !strings.HasPrefix(plaintext, TokenPrefix) {
		return nil, ErrBadCredentials
	}
	t := new(Token)
	err := s.db.NewSelect().Model(t).Where("t.token_hash = ?", hashToken(plaintext)).Scan(ctx)
	if err != nil {
		if err := store.Translate(err); errors.Is(err, store.ErrNotFound) {
			return nil, ErrBadCredentials
		}
		return nil, fmt.Errorf("auth: token: %w", err)
	}
	if t.RevokedAt != nil {
		return nil, ErrDisabled
	}
	now := s.clock()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchInterval {
		_, err := s.db.NewUpdate().Model((*Token)(nil)).Set("last_used_at = ?", now).Where("id = ?", t.ID).Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("auth: touch token %d: %w", t.ID, err)
		}
		t.LastUsedAt = &now
	}
	return t, nil
}

// RevokeToken switches a token off for good; revoking it again keeps the
// first revocation time. An unknown id wraps store.ErrNotFound.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	res, err := s.db.NewUpdate().Model((*Token)(nil)).
		Set("revoked_at = COALESCE(revoked_at, ?)", s.clock()).
		Where("id = ?", id).
		Exec(ctx)
	if err := checkOne(res, err); err != nil {
		return fmt.Errorf("auth: revoke token %d: %w", id, err)
	}
	return nil
}

// Tokens returns a center's tokens, revoked ones included, sorted by name
// (bytewise, as Users).
func (s *Service) Tokens(ctx context.Context, centerID int64) ([]Token, error) {
	var ts []Token
	if err := s.db.NewSelect().Model(&ts).Where("t.center_id = ?", centerID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("auth: tokens of center %d: %w", centerID, err)
	}
	slices.SortFunc(ts, func(a, b Token) int { return strings.Compare(a.Name, b.Name) })
	return ts, nil
}
