package rbac_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/kaoping/kaoping/rbac"
)

// envPG names the variable that adds PostgreSQL to every test.
const envPG = "KAOPING_TEST_PG"

// casbinRule and policyRevision copy the tables of migration 0001, which
// rbac cannot import.
type casbinRule struct {
	bun.BaseModel `bun:"table:casbin_rule"`
	ID            int64  `bun:",pk,autoincrement"`
	Ptype         string `bun:",notnull,type:varchar(8),unique:casbin_rule_all"`
	V0            string `bun:",notnull,unique:casbin_rule_all"`
	V1            string `bun:",notnull,unique:casbin_rule_all"`
	V2            string `bun:",notnull,unique:casbin_rule_all"`
	V3            string `bun:",notnull,unique:casbin_rule_all"`
	V4            string `bun:",notnull,unique:casbin_rule_all"`
	V5            string `bun:",notnull,unique:casbin_rule_all"`
}

type policyRevision struct {
	bun.BaseModel `bun:"table:policy_revision"`
	ID            int64 `bun:",pk"`
	Rev           int64 `bun:",notnull"`
}

// forEachDB runs fn on a fresh SQLite database and, when KAOPING_TEST_PG is
// set, on a fresh PostgreSQL schema, each seeded like migration 0001.
func forEachDB(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, newSQLite(t)) })
	if url := os.Getenv(envPG); url != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, newPostgres(t, url)) })
	}
}

func newSQLite(tb testing.TB) *bun.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "rbac.db")
	sqldb, err := sql.Open(sqliteshim.ShimName,
		"file:"+path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatal(err)
	}
	db := bun.NewDB(sqldb, sqlitedialect.New())
	tb.Cleanup(func() { _ = db.Close() })
	seed(tb, db)
	return db
}

func newPostgres(tb testing.TB, url string) *bun.DB {
	tb.Helper()
	ctx := context.Background()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	schema := "r_" + hex.EncodeToString(b)
	admin := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url))), pgdialect.New())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	db := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url),
		pgdriver.WithConnParams(map[string]any{"search_path": schema}))), pgdialect.New())
	// Cleanups run last-in first-out: the pool closes before the drop.
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
		_ = admin.Close()
	})
	tb.Cleanup(func() { _ = db.Close() })
	seed(tb, db)
	return db
}

// seed creates the two tables and the rows migration 0001 puts in them.
func seed(tb testing.TB, db *bun.DB) {
	tb.Helper()
	ctx := context.Background()
	for _, m := range []any{(*casbinRule)(nil), (*policyRevision)(nil)} {
		if _, err := db.NewCreateTable().Model(m).Exec(ctx); err != nil {
			tb.Fatalf("create table: %v", err)
		}
	}
	if _, err := db.NewInsert().Model(&policyRevision{ID: 1, Rev: 1}).Exec(ctx); err != nil {
		tb.Fatalf("insert revision: %v", err)
	}
	var rows []casbinRule
	for _, p := range rbac.DefaultPolicies() {
		rows = append(rows, casbinRule{Ptype: "p", V0: p.Role, V1: p.Domain, V2: p.Object, V3: p.Action})
	}
	if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
		tb.Fatalf("insert policies: %v", err)
	}
}

func revision(tb testing.TB, db bun.IDB) int64 {
	tb.Helper()
	var rev int64
	if err := db.NewSelect().Table("policy_revision").Column("rev").Where("id = 1").Scan(context.Background(), &rev); err != nil {
		tb.Fatalf("read revision: %v", err)
	}
	return rev
}

func newAuthorizer(tb testing.TB, db *bun.DB) *rbac.Authorizer {
	tb.Helper()
	a, err := rbac.New(context.Background(), db)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return a
}

func mustCan(tb testing.TB, a *rbac.Authorizer, sub string, domains []string, obj, act string) bool {
	tb.Helper()
	ok, err := a.Can(sub, domains, obj, act)
	if err != nil {
		tb.Fatalf("Can(%s, %v, %s, %s): %v", sub, domains, obj, act, err)
	}
	return ok
}
