// Package audit records who did what, when and from where. The table is
// append-only: the database itself refuses UPDATE and DELETE (migration 0001).
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Entry is one audit record.
type Entry struct {
	bun.BaseModel `bun:"table:audit_log"`

	ID       int64     `bun:",pk,autoincrement" json:"id"`
	At       time.Time `bun:",notnull" json:"at"`
	CenterID *int64    `json:"center_id,omitempty"`
	Actor    string    `bun:",notnull" json:"actor"`  // "user:7 zhangwei", "cli", "token:3 feed"
	Action   string    `bun:",notnull" json:"action"` // "login.ok", "user.create", "policy.add", …
	Target   string    `bun:",notnull" json:"target"`
	Detail   string    `bun:",notnull" json:"detail"`
	IP       string    `bun:"ip,notnull" json:"ip"`
}

// Log writes and reads audit entries.
type Log struct {
	db  *bun.DB
	now func() time.Time
}

// New returns a Log over db; now is the clock.
func New(db *bun.DB, now func() time.Time) *Log { return &Log{db: db, now: now} }

// Record appends e using db, which may be the caller's transaction so the
// audit row commits or rolls back with the change it describes. A nil db
// means the Log's own database.
func (l *Log) Record(ctx context.Context, db bun.IDB, e Entry) error {
	if db == nil {
		db = l.db
	}
	e.ID = 0
	e.At = l.now().UTC()
	if _, err := db.NewInsert().Model(&e).Exec(ctx); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// Filter narrows List.
type Filter struct {
	CenterID int64  // 0: every center
	Action   string // prefix, e.g. "login" or "user."
	Actor    string // substring
	BeforeID int64  // paging: entries older than this id
	Limit    int    // default 100, at most 1000
}

// List returns entries newest first.
func (l *Log) List(ctx context.Context, f Filter) ([]Entry, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var out []Entry
	q := l.db.NewSelect().Model(&out).OrderExpr("id DESC").Limit(int64(f.Limit))
	if f.CenterID != 0 {
		q = q.Where("center_id = ? OR center_id IS NULL", f.CenterID)
	}
	if f.Action != "" {
		q = q.Where("action LIKE ?", f.Action+"%")
	}
	if f.Actor != "" {
		q = q.Where("actor LIKE ?", "%"+f.Actor+"%")
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	return out, nil
}
