package migrations

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// Frozen row struct of migration 0007 (citizen ratings, 好差评). Do not edit:
// add a migration instead.
//
// rated_at, received_at and created_at are UTC; period_date is the rated_at
// date in the center's time zone ('YYYY-MM-DD'), stored so that period
// queries (a month, a quarter) are a plain range over an index instead of a
// time-zone conversion per row. external_id is the upstream system's
// idempotency key: unique per center, so a re-sent rating is a conflict the
// insert skips (ON CONFLICT DO NOTHING). Every accepted rating is attributed
// to a person, hence staff_id NOT NULL; the foreign key has no cascade, so a
// person with ratings cannot be deleted and take acknowledged ratings along.
// import_run_id has no foreign key yet: the import runs table comes with the
// file import.

type rating0007 struct {
	bun.BaseModel   `bun:"table:ratings"`
	ID              int64     `bun:",pk,autoincrement"`
	CenterID        int64     `bun:",notnull,unique:ratings_center_external"`
	ExternalID      string    `bun:",notnull,unique:ratings_center_external,type:varchar(128)"`
	RatedAt         time.Time `bun:",notnull"`
	PeriodDate      string    `bun:",notnull,type:varchar(10)"`
	Channel         string    `bun:",notnull,type:varchar(16)"`
	ItemCode        *string   `bun:",type:varchar(64)"`
	ItemID          *int64    ``
	StaffID         int64     `bun:",notnull"`
	Level           int       `bun:",notnull,type:smallint"`
	Reasons         string    `bun:",notnull,type:text"` // JSON array of strings
	Comment         string    `bun:",notnull,type:text"`
	IsDefault       bool      `bun:",notnull"`
	ReceivedAt      time.Time `bun:",notnull"`
	Source          string    `bun:",notnull,type:varchar(255)"` // "api" or "file:NAME"
	ImportRunID     *int64    ``
	CitizenPhone    *string   `bun:",type:varchar(32)"`
	CitizenIDNumber *string   `bun:"citizen_id_number,type:varchar(32)"`
	Excluded        bool      `bun:",notnull,default:false"` // an upheld appeal: kept, never counted
	CreatedAt       time.Time `bun:",notnull"`

	Center *center0001      `bun:"rel:belongs-to,join:center_id=id"`
	Item   *serviceItem0001 `bun:"rel:belongs-to,join:item_id=id,on_delete:set null"`
	Staff  *staff0001       `bun:"rel:belongs-to,join:staff_id=id"`
}

func up0007(ctx context.Context, tx bun.Tx) error {
	// The level check is in the table: five levels are the national rating
	// scale, not a setting, and no code path should store a sixth.
	if _, err := tx.NewCreateTable().Model((*rating0007)(nil)).WithForeignKeys().
		ColumnExpr("CHECK (level BETWEEN 1 AND 5)").Exec(ctx); err != nil {
		return fmt.Errorf("create table %T: %w", (*rating0007)(nil), err)
	}
	return exec(ctx, tx,
		"CREATE INDEX ratings_center_period ON ratings (center_id, period_date)",
		"CREATE INDEX ratings_staff_period ON ratings (staff_id, period_date)",
		"CREATE INDEX ratings_center_channel_period ON ratings (center_id, channel, period_date)",
	)
}
