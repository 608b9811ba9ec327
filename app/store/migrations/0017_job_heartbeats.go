package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// Migration 0017: heartbeats of background jobs. An import run or a batch
// report job stamps heartbeat_at whenever it reports progress; a job whose
// heartbeat is older than a few minutes was left by a process that died,
// and the scheduler puts it back in the queue (imports are idempotent by
// external id, batches start their ZIP afresh).
func up0017(ctx context.Context, tx bun.Tx) error {
	ts := "TIMESTAMP"
	if tx.Dialect().Name().String() == "pg" {
		ts = "TIMESTAMPTZ"
	}
	return exec(ctx, tx,
		"ALTER TABLE import_runs ADD COLUMN heartbeat_at "+ts,
		"ALTER TABLE report_jobs ADD COLUMN heartbeat_at "+ts,
	)
}
