package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Frozen row struct of migration 0013 (batch report jobs). Do not edit: add
// a migration instead.
//
// A batch of staff reports started from the HR page is a job: pending until
// an instance claims it (one instance: the claim is a guarded UPDATE, with
// SKIP LOCKED on PostgreSQL), running with done/total for the progress bar,
// then done with the ZIP's path (under the configured report directory) or
// failed with a message.

type reportJob0013 struct {
	bun.BaseModel `bun:"table:report_jobs"`
	ID            int64      `bun:",pk,autoincrement"`
	CenterID      int64      `bun:",notnull"`
	Period        string     `bun:",notnull,type:varchar(8)"`
	TeamID        *int64     ``
	Status        string     `bun:",notnull,type:varchar(16)"` // pending, running, done, failed
	Total         int        `bun:",notnull"`
	Done          int        `bun:",notnull"`
	Failed        int        `bun:",notnull"`
	Message       string     `bun:",notnull,type:text"`
	Path          string     `bun:",notnull"`
	CreatedBy     string     `bun:",notnull"`
	CreatedAt     time.Time  `bun:",notnull"`
	StartedAt     *time.Time ``
	FinishedAt    *time.Time ``

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
	Team   *team0001   `bun:"rel:belongs-to,join:team_id=id,on_delete:set null"`
}

// policies0013: report PDFs, verification, batch jobs, rating file uploads.
var policies0013 = [][4]string{
	{"employee", "staff:*", "/api/v1/staff/:no/report.pdf", "GET"},
	{"team_lead", "team:*", "/api/v1/staff/:no/report.pdf", "GET"},
	{"hr", "center:*", "/api/v1/staff/:no/report.pdf", "GET"},
	{"admin", "center:*", "/api/v1/staff/:no/report.pdf", "GET"},
	{"team_lead", "team:*", "/api/v1/teams/:id/report.pdf", "GET"},
	{"hr", "center:*", "/api/v1/teams/:id/report.pdf", "GET"},
	{"hr", "center:*", "/api/v1/center/report.pdf", "GET"},
	{"admin", "center:*", "/api/v1/center/report.pdf", "GET"},
	{"employee", "staff:*", "/certificates/:id/pdf", "GET"},
	{"team_lead", "team:*", "/certificates/:id/pdf", "GET"},
	{"hr", "center:*", "/certificates/:id/pdf", "GET"},
	{"admin", "center:*", "/certificates/:id/pdf", "GET"},
	{"hr", "center:*", "/verify", "(GET|POST)"},
	{"admin", "center:*", "/verify", "(GET|POST)"},
	{"hr", "center:*", "/reports/batch", "(GET|POST)"},
	{"hr", "center:*", "/reports/batch/:id", "GET"},
	{"hr", "center:*", "/reports/batch/:id/zip", "GET"},
	{"hr", "center:*", "/ratings/import", "(GET|POST)"},
	{"admin", "center:*", "/ratings/import", "(GET|POST)"},
	{"hr", "center:*", "/ratings/import/:id", "GET"},
	{"admin", "center:*", "/ratings/import/:id", "GET"},
	{"hr", "center:*", "/ratings/import/:id/rejects", "GET"},
	{"admin", "center:*", "/ratings/import/:id/rejects", "GET"},
}

func up0013(ctx context.Context, tx bun.Tx) error {
	if err := createTables(ctx, tx, (*reportJob0013)(nil)); err != nil {
		return err
	}
	if err := exec(ctx, tx, "CREATE INDEX report_jobs_status ON report_jobs (status, id)"); err != nil {
		return err
	}
	return addPolicies(ctx, tx, policies0013)
}
