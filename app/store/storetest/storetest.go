// Package storetest gives every test its own migrated database: a SQLite file
// under t.TempDir(), or — when KAOPING_TEST_PG holds a postgres:// URL — a
// fresh PostgreSQL schema that is dropped when the test ends. Tests never see
// each other's rows and may run in parallel. It also holds what the fixtures
// built on such a database share: a settable clock and Shanghai wall times.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// EnvPG names the environment variable that selects PostgreSQL for tests.
const EnvPG = "KAOPING_TEST_PG"

// New returns a migrated database for tb; it is closed (and on PostgreSQL its
// schema dropped) by tb.Cleanup.
func New(tb testing.TB) *bun.DB {
	tb.Helper()
	db, _ := NewDSN(tb)
	return db
}

// NewDSN is New that also returns how to reach the same database from another
// process or a second pool: a SQLite path, or a postgres:// URL whose schema
// must be passed as store.Options.SearchPath (returned as the second value's
// "search_path" query parameter).
func NewDSN(tb testing.TB) (*bun.DB, DSN) {
	tb.Helper()
	ctx := context.Background()
	pg := os.Getenv(EnvPG)
	var dsn DSN
	if pg == "" {
		dsn = DSN{URL: filepath.Join(tb.TempDir(), "kaoping.db")}
	} else {
		schema := "t_" + randomHex(tb, 8)
		admin, err := store.Open(ctx, pg, store.Options{MaxOpenConns: 1})
		if err != nil {
			tb.Fatalf("storetest: %s: %v", EnvPG, err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			tb.Fatalf("storetest: create schema: %v", err)
		}
		tb.Cleanup(func() {
			if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
				tb.Errorf("storetest: drop schema: %v", err)
			}
			_ = admin.Close()
		})
		dsn = DSN{URL: pg, Schema: schema}
	}
	db := dsn.Open(tb)
	if err := store.Migrate(ctx, db); err != nil {
		tb.Fatalf("storetest: migrate: %v", err)
	}
	return db, dsn
}

// DSN identifies a test database.
type DSN struct {
	URL    string // SQLite path or postgres:// URL
	Schema string // PostgreSQL schema, empty for SQLite
}

// Open opens another pool on the same test database, closed by tb.Cleanup.
func (d DSN) Open(tb testing.TB) *bun.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), d.URL, store.Options{SearchPath: d.Schema})
	if err != nil {
		tb.Fatalf("storetest: open: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func randomHex(tb testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}
