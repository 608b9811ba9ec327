package store

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/uptrace/bun/driver/pgdriver"
)

// Translate maps driver errors of both dialects onto ErrNotFound and
// ErrConflict (wrapping the original so the details stay in logs); other
// errors are returned unchanged.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errors.Join(ErrNotFound, err)
	}
	var pgErr pgdriver.Error
	if errors.As(err, &pgErr) && pgErr.IntegrityViolation() && pgErr.Field('C') == "23505" {
		return errors.Join(ErrConflict, err)
	}
	// modernc.org/sqlite reports "constraint failed: UNIQUE constraint failed: …".
	msg := err.Error()
	if strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "PRIMARY KEY constraint failed") {
		return errors.Join(ErrConflict, err)
	}
	return err
}
