package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Frozen row struct of migration 0008 (workdays). Do not edit: add a
// migration instead.
//
// work_calendar holds a center's own edits of its working-day calendar; the
// national calendar shipped with the code (app/workdays) lies underneath, and
// a row replaces the shipped entry of its date. date is 'YYYY-MM-DD' (a
// calendar day, no time zone); kind is holiday, workday or normal ("normal"
// cancels a shipped entry so the day follows the week again).

type workCalendar0008 struct {
	bun.BaseModel `bun:"table:work_calendar"`
	ID            int64     `bun:",pk,autoincrement"`
	CenterID      int64     `bun:",notnull,unique:work_calendar_center_date"`
	Date          string    `bun:",notnull,type:varchar(10),unique:work_calendar_center_date"`
	Kind          string    `bun:",notnull,type:varchar(8)"`
	Name          string    `bun:",notnull"`
	UpdatedAt     time.Time `bun:",notnull"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
}

func up0008(ctx context.Context, tx bun.Tx) error {
	return createTables(ctx, tx, (*workCalendar0008)(nil))
}
