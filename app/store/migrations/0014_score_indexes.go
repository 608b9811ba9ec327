package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// Migration 0014: indexes for the stamp that tells the scores service
// whether a cached sheet still holds (app/scores/cache.go). Each stamp read
// is an index range over the newest rows only:
//
//   - ratings (center_id, id, period_date): the period's ratings with an id
//     above a settled id — the range of new ids, period_date read from the
//     index;
//   - staff, attempts (center_id, updated_at) and enrolments (center_id,
//     created_at) and (center_id, completed_at): the rows stamped in the
//     last hour.

func up0014(ctx context.Context, tx bun.Tx) error {
	return exec(ctx, tx,
		"CREATE INDEX ratings_center_id ON ratings (center_id, id, period_date)",
		"CREATE INDEX staff_center_updated ON staff (center_id, updated_at)",
		"CREATE INDEX enrolments_center_created ON enrolments (center_id, created_at)",
		"CREATE INDEX enrolments_center_completed ON enrolments (center_id, completed_at)",
		"CREATE INDEX attempts_center_updated ON attempts (center_id, updated_at)",
	)
}
