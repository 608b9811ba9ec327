package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/store/storetest"
)

func TestMigrateFromEmptyIsIdempotent(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	if err := store.Migrate(ctx, db); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	pending, err := store.Pending(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 0 {
		t.Fatalf("pending after migrate = %v, want none", pending)
	}
	var n int
	if err := db.NewSelect().Table("centers").ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("centers = %d, want the one default center", n)
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "INSERT INTO audit_log (at, actor, action, target, detail, ip) VALUES (?, 'cli', 'test', '', '', '')", "2026-01-01 00:00:00"); err != nil {
		t.Fatalf("insert: %v", err)
	}
	if _, err := db.ExecContext(ctx, "UPDATE audit_log SET action = 'forged'"); err == nil {
		t.Error("UPDATE audit_log succeeded, want refusal")
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM audit_log"); err == nil {
		t.Error("DELETE FROM audit_log succeeded, want refusal")
	}
}

func TestTranslateUniqueViolation(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	q := "INSERT INTO centers (code, name, timezone, created_at) VALUES ('default', 'x', 'UTC', ?)"
	_, err := db.ExecContext(ctx, q, "2026-01-01 00:00:00")
	if !errors.Is(store.Translate(err), store.ErrConflict) {
		t.Fatalf("Translate(%v) is not ErrConflict", err)
	}
	var id int64
	err = db.NewSelect().Table("centers").Column("id").Where("code = 'nope'").Scan(ctx, &id)
	if !errors.Is(store.Translate(err), store.ErrNotFound) {
		t.Fatalf("Translate(%v) is not ErrNotFound", err)
	}
}
