package store

import (
	"context"
	"database/sql"
	"sync"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Stmt is a hot read that runs on every request (the session, a person's
// scope). On SQLite it is prepared once: parsing SQL is a large part of a
// small query's cost there (database/sql re-prepares it on each pooled
// connection as needed). On PostgreSQL it runs through bun unprepared. The
// query uses "?" placeholders; arguments must be plain values (ids,
// strings), not times, whose text form differs between the two paths.
type Stmt struct {
	db    *bun.DB
	query string
	once  sync.Once
	stmt  *sql.Stmt
	err   error
}

// NewStmt returns a Stmt for query on db; nothing is prepared until first use.
func NewStmt(db *bun.DB, query string) *Stmt { return &Stmt{db: db, query: query} }

// QueryContext runs the statement.
func (s *Stmt) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	if s.db.Dialect().Name() != dialect.SQLite {
		return s.db.QueryContext(ctx, s.query, args...)
	}
	s.once.Do(func() {
		s.stmt, s.err = s.db.DB.PrepareContext(context.WithoutCancel(ctx), s.query)
	})
	if s.err != nil {
		return nil, s.err
	}
	return s.stmt.QueryContext(ctx, args...)
}

// Scan runs the statement and scans every row into dest, a pointer to a
// slice of structs, with bun's column mapping (so times stored as text by
// SQLite read back as time.Time, and "rel__col" columns fill relations).
func (s *Stmt) Scan(ctx context.Context, dest any, args ...any) error {
	rows, err := s.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	return s.db.ScanRows(ctx, rows, dest)
}
