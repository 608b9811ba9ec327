package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Frozen row structs of migration 0016 (state shared by several instances).
// Do not edit: add a migration instead.
//
// Files that any instance may have to read — an uploaded ratings file
// waiting for its import job, the ZIP of a batch report job — live in the
// database instead of a local directory: a stored_files row, and the
// content in stored_file_chunks rows of up to 1 MiB each (BLOB on SQLite,
// BYTEA on PostgreSQL), so neither writing nor reading holds a whole file
// in memory or one huge value in a statement. A file is complete once its
// writer finished; an incomplete one is left by a crash and purged later.
//
// scheduled_runs records when each scheduled task last started, so that of
// several instances ticking, only the first in each period runs it (the
// others skip); a PostgreSQL advisory lock keeps two from running it at the
// same time.

type storedFile0016 struct {
	bun.BaseModel `bun:"table:stored_files"`
	ID            int64     `bun:",pk,autoincrement"`
	Kind          string    `bun:",notnull,type:varchar(32)"` // ratings_upload, report_zip
	Name          string    `bun:",notnull"`
	Size          int64     `bun:",notnull"`
	Chunks        int       `bun:",notnull"`
	Complete      bool      `bun:",notnull"`
	CreatedAt     time.Time `bun:",notnull"`
}

type storedFileChunk0016 struct {
	bun.BaseModel `bun:"table:stored_file_chunks"`
	FileID        int64  `bun:",pk"`
	Seq           int    `bun:",pk"`
	Data          []byte `bun:",notnull"`

	File *storedFile0016 `bun:"rel:belongs-to,join:file_id=id,on_delete:cascade"`
}

type scheduledRun0016 struct {
	bun.BaseModel `bun:"table:scheduled_runs"`
	Name          string    `bun:",pk,type:varchar(64)"`
	StartedAt     time.Time `bun:",notnull"`
}

func up0016(ctx context.Context, tx bun.Tx) error {
	if err := createTables(ctx, tx, (*storedFile0016)(nil), (*storedFileChunk0016)(nil), (*scheduledRun0016)(nil)); err != nil {
		return err
	}
	return exec(ctx, tx, "CREATE INDEX stored_files_complete ON stored_files (complete, created_at)")
}
