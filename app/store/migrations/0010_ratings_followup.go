package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Frozen row structs of migration 0010 (rating import runs, bad-rating
// cases, appeals). Do not edit: add a migration instead.
//
// import_runs records every file import: the CLI and the upload job create
// one, tag the ratings they store with its id, and keep its counters and
// progress current, so a page can show progress and a reject report can be
// downloaded after the run. errors is the JSON array of the rejected rows
// (line, field, message), capped by the importer.
//
// rating_cases is the follow-up of one bad rating (verify → rectify → reply
// → closed), with deadlines computed in working days of the center's
// calendar when the case opens. rating_appeals is one appeal per rating,
// its evidence files in appeal_evidence (in the database, so every instance
// reads them). ratings.personal_excluded marks a partly upheld appeal: the
// rating leaves the person's own score but stays in the channel statistics.

type importRun0010 struct {
	bun.BaseModel `bun:"table:import_runs"`
	ID            int64      `bun:",pk,autoincrement"`
	CenterID      int64      `bun:",notnull"`
	Kind          string     `bun:",notnull,type:varchar(16)"` // ratings
	FileName      string     `bun:",notnull"`
	StoredPath    string     `bun:",notnull"` // an uploaded file waiting for its job; "" for the CLI
	Encoding      string     `bun:",notnull,type:varchar(16)"`
	SkipInvalid   bool       `bun:",notnull"`
	Status        string     `bun:",notnull,type:varchar(16)"` // pending, validating, importing, done, refused, failed
	TotalRows     int64      `bun:",notnull"`
	DoneRows      int64      `bun:",notnull"`
	Imported      int64      `bun:",notnull"`
	Duplicates    int64      `bun:",notnull"`
	Rejected      int64      `bun:",notnull"`
	Errors        string     `bun:",notnull,type:text"` // JSON array of {line, field, message}
	Message       string     `bun:",notnull,type:text"`
	CreatedBy     string     `bun:",notnull"` // "user:7 name" or "cli"
	CreatedAt     time.Time  `bun:",notnull"`
	StartedAt     *time.Time ``
	FinishedAt    *time.Time ``

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
}

type ratingCase0010 struct {
	bun.BaseModel     `bun:"table:rating_cases"`
	ID                int64      `bun:",pk,autoincrement"`
	CenterID          int64      `bun:",notnull"`
	RatingID          int64      `bun:",notnull,unique"`
	StaffID           int64      `bun:",notnull"`
	TeamID            *int64     ``
	State             string     `bun:",notnull,type:varchar(16)"` // verify, rectify, reply, closed
	Complex           bool       `bun:",notnull"`
	OpenedAt          time.Time  `bun:",notnull"`
	VerifyDue         time.Time  `bun:",notnull"`
	RectifyDue        time.Time  `bun:",notnull"`
	VerifiedAt        *time.Time ``
	VerifiedBy        string     `bun:",notnull"`
	Attributable      *bool      ``
	Reasonable        *bool      ``
	VerifyNote        string     `bun:",notnull,type:text"`
	RectifiedAt       *time.Time ``
	RectifiedBy       string     `bun:",notnull"`
	RectifyNote       string     `bun:",notnull,type:text"`
	RepliedAt         *time.Time ``
	RepliedBy         string     `bun:",notnull"`
	ReplyReached      *bool      ``
	ReplySatisfaction string     `bun:",notnull,type:varchar(16)"` // satisfied, neutral, dissatisfied, ""
	ReplyNote         string     `bun:",notnull,type:text"`
	ClosedAt          *time.Time ``
	EscalatedAt       *time.Time ``
	UpdatedAt         time.Time  `bun:",notnull"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
	Rating *rating0007 `bun:"rel:belongs-to,join:rating_id=id"`
	Staff  *staff0001  `bun:"rel:belongs-to,join:staff_id=id"`
	Team   *team0001   `bun:"rel:belongs-to,join:team_id=id,on_delete:set null"`
}

type ratingAppeal0010 struct {
	bun.BaseModel  `bun:"table:rating_appeals"`
	ID             int64      `bun:",pk,autoincrement"`
	CenterID       int64      `bun:",notnull"`
	RatingID       int64      `bun:",notnull,unique"`
	StaffID        int64      `bun:",notnull"`
	Reason         string     `bun:",notnull,type:text"`
	State          string     `bun:",notnull,type:varchar(16)"` // pending, upheld, partly, rejected
	SubmittedAt    time.Time  `bun:",notnull"`
	SubmittedBy    string     `bun:",notnull"`
	Deadline       string     `bun:",notnull,type:varchar(10)"` // the last day it could be submitted
	DecidedAt      *time.Time ``
	DecidedBy      string     `bun:",notnull"`
	DecisionReason string     `bun:",notnull,type:text"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
	Rating *rating0007 `bun:"rel:belongs-to,join:rating_id=id"`
	Staff  *staff0001  `bun:"rel:belongs-to,join:staff_id=id"`
}

type appealEvidence0010 struct {
	bun.BaseModel `bun:"table:appeal_evidence"`
	ID            int64     `bun:",pk,autoincrement"`
	AppealID      int64     `bun:",notnull"`
	Name          string    `bun:",notnull"`
	ContentType   string    `bun:",notnull"`
	Size          int64     `bun:",notnull"`
	Data          []byte    `bun:",notnull"`
	CreatedAt     time.Time `bun:",notnull"`

	Appeal *ratingAppeal0010 `bun:"rel:belongs-to,join:appeal_id=id,on_delete:cascade"`
}

func up0010(ctx context.Context, tx bun.Tx) error {
	if err := createTables(ctx, tx, (*importRun0010)(nil), (*ratingCase0010)(nil),
		(*ratingAppeal0010)(nil), (*appealEvidence0010)(nil)); err != nil {
		return err
	}
	return exec(ctx, tx,
		"ALTER TABLE ratings ADD COLUMN personal_excluded BOOLEAN NOT NULL DEFAULT false",
		"CREATE INDEX ratings_import_run ON ratings (import_run_id)",
		"CREATE INDEX import_runs_center ON import_runs (center_id, created_at)",
		"CREATE INDEX rating_cases_center_state ON rating_cases (center_id, state)",
		"CREATE INDEX rating_cases_team_state ON rating_cases (team_id, state)",
		"CREATE INDEX rating_cases_staff ON rating_cases (staff_id)",
		"CREATE INDEX rating_appeals_staff ON rating_appeals (staff_id)",
		"CREATE INDEX rating_appeals_center_state ON rating_appeals (center_id, state)",
		"CREATE INDEX appeal_evidence_appeal ON appeal_evidence (appeal_id)",
	)
}
