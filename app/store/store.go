// Package store opens the database (embedded SQLite or PostgreSQL), applies the
// embedded migrations and translates driver errors of both dialects into the
// few errors the rest of the application reasons about.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/driver/sqliteshim"
	"github.com/uptrace/bun/migrate"

	"github.com/kaoping/kaoping/app/store/migrations"
)

// Errors returned by store helpers and by domain packages that translate
// driver errors with Translate.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: already exists")
)

// IsPostgres reports whether dsn selects PostgreSQL rather than SQLite.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Options tune Open. The zero value is fine.
type Options struct {
	// SearchPath sets the PostgreSQL schema search path of every connection
	// (the test helper uses one schema per test).
	SearchPath string
	// MaxOpenConns bounds the pool; 0 picks a default per dialect.
	MaxOpenConns int
}

// Open connects to dsn: a postgres:// URL, or else a SQLite file path (its
// directory is created). SQLite runs in WAL mode with foreign keys on and a
// busy timeout, set in the DSN so that every pooled connection has them.
func Open(ctx context.Context, dsn string, opt Options) (*bun.DB, error) {
	var db *bun.DB
	if IsPostgres(dsn) {
		connOpts := []pgdriver.Option{pgdriver.WithDSN(dsn), pgdriver.WithApplicationName("kaoping")}
		if opt.SearchPath != "" {
			connOpts = append(connOpts, pgdriver.WithConnParams(map[string]any{"search_path": opt.SearchPath}))
		}
		sqldb := sql.OpenDB(pgdriver.NewConnector(connOpts...))
		n := opt.MaxOpenConns
		if n == 0 {
			n = 20
		}
		sqldb.SetMaxOpenConns(n)
		sqldb.SetMaxIdleConns(n)
		db = bun.NewDB(sqldb, pgdialect.New())
	} else {
		path := strings.TrimPrefix(dsn, "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if path == "" || path == ":memory:" {
			return nil, fmt.Errorf("store: SQLite needs a file path, got %q", dsn)
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create database directory: %w", err)
			}
		}
		sqldb, err := sql.Open(sqliteshim.ShimName, sqliteDSN(path))
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		n := opt.MaxOpenConns
		if n == 0 {
			n = 8
		}
		sqldb.SetMaxOpenConns(n)
		sqldb.SetMaxIdleConns(n)
		sqldb.SetConnMaxIdleTime(0)
		db = bun.NewDB(sqldb, sqlitedialect.New())
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return db, nil
}

// sqliteDSN sets the pragmas on every connection. _txlock=immediate makes a
// write transaction take the write lock at BEGIN, so two writers queue on
// busy_timeout instead of failing with SQLITE_BUSY when one upgrades.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// Migrate applies every pending migration. On PostgreSQL an advisory lock
// keeps several instances starting at once from racing.
func Migrate(ctx context.Context, db *bun.DB) error {
	if db.Dialect().Name() == dialect.PG {
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		defer conn.Close()
		const lockID = 0x6b616f70 // "kaop"
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", lockID); err != nil {
			return fmt.Errorf("store: migrate lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", lockID) //nolint:errcheck
	}
	m := migrate.NewMigrator(db, migrations.All(), migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("store: migrate init: %w", err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Pending lists the migrations not yet applied (for `kaoping migrate --status`).
func Pending(ctx context.Context, db *bun.DB) ([]string, error) {
	m := migrate.NewMigrator(db, migrations.All())
	if err := m.Init(ctx); err != nil {
		return nil, err
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, mg := range ms.Unapplied() {
		names = append(names, mg.Name+"_"+mg.Comment)
	}
	return names, nil
}
