package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Frozen row structs of migration 0011 (quality scoring, the closed loop,
// issued documents). Do not edit: add a migration instead.
//
// score_settings is versioned: a change inserts a row that applies from the
// period starting at effective_from ('YYYY-MM', the first month of the
// period) onward; the settings of a period are the newest row whose
// effective_from is not after the period's first month. config is JSON
// (weights, points, prior, bands, thresholds, closed-loop rule).
//
// score_issues freezes the scores of a closed period: issue 1 when HR closes
// it, 2, 3, … for every audited re-issue (with its reason); the rows of an
// issue hold each person's score object as JSON, exactly as issued, and the
// issue itself the settings and channel means they were computed with.
//
// loop_triggers is the closed-loop log: every time a person's bad ratings
// for one item reached the threshold, whether the module was assigned again
// or skipped, and why.
//
// issued_documents records every PDF Kaoping generated (reports,
// certificates) under its integrity code, so a printed document can be
// verified: who, which period, when, by whom.

type scoreSettings0011 struct {
	bun.BaseModel `bun:"table:score_settings"`
	ID            int64     `bun:",pk,autoincrement"`
	CenterID      int64     `bun:",notnull"`
	EffectiveFrom string    `bun:",notnull,type:varchar(7)"`
	Config        string    `bun:",notnull,type:text"`
	Reason        string    `bun:",notnull,type:text"`
	CreatedBy     string    `bun:",notnull"`
	CreatedAt     time.Time `bun:",notnull"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
}

type scoreIssue0011 struct {
	bun.BaseModel `bun:"table:score_issues"`
	ID            int64     `bun:",pk,autoincrement"`
	CenterID      int64     `bun:",notnull,unique:score_issues_number"`
	Period        string    `bun:",notnull,type:varchar(8),unique:score_issues_number"`
	IssueNo       int       `bun:",notnull,unique:score_issues_number"`
	Reason        string    `bun:",notnull,type:text"`
	Data          string    `bun:",notnull,type:text"` // JSON: the settings and channel means used
	CreatedBy     string    `bun:",notnull"`
	CreatedAt     time.Time `bun:",notnull"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
}

type scoreIssueRow0011 struct {
	bun.BaseModel `bun:"table:score_issue_rows"`
	IssueID       int64  `bun:",pk"`
	StaffID       int64  `bun:",pk"`
	Data          string `bun:",notnull,type:text"`

	Issue *scoreIssue0011 `bun:"rel:belongs-to,join:issue_id=id,on_delete:cascade"`
	Staff *staff0001      `bun:"rel:belongs-to,join:staff_id=id"`
}

type loopTrigger0011 struct {
	bun.BaseModel `bun:"table:loop_triggers"`
	ID            int64     `bun:",pk,autoincrement"`
	CenterID      int64     `bun:",notnull"`
	StaffID       int64     `bun:",notnull"`
	ItemID        int64     `bun:",notnull"`
	ModuleID      *int64    ``
	EnrolmentID   *int64    ``
	BadCount      int       `bun:",notnull"`
	Outcome       string    `bun:",notnull,type:varchar(16)"` // assigned, skipped
	Reason        string    `bun:",notnull,type:text"`
	At            time.Time `bun:",notnull"`

	Center *center0001      `bun:"rel:belongs-to,join:center_id=id"`
	Staff  *staff0001       `bun:"rel:belongs-to,join:staff_id=id"`
	Item   *serviceItem0001 `bun:"rel:belongs-to,join:item_id=id"`
}

type issuedDocument0011 struct {
	bun.BaseModel `bun:"table:issued_documents"`
	ID            int64     `bun:",pk,autoincrement"`
	CenterID      int64     `bun:",notnull"`
	Code          string    `bun:",notnull,unique,type:varchar(64)"`
	Kind          string    `bun:",notnull,type:varchar(16)"` // staff, team, center, certificate
	Subject       string    `bun:",notnull"`                  // "W001 张伟", "窗口一组", …
	StaffID       *int64    ``
	TeamID        *int64    ``
	Period        string    `bun:",notnull,type:varchar(8)"`
	IssueNo       int       `bun:",notnull"` // 0: not a closed period
	GeneratedAt   time.Time `bun:",notnull"`
	GeneratedBy   string    `bun:",notnull"`
	Size          int64     `bun:",notnull"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
}

func up0011(ctx context.Context, tx bun.Tx) error {
	if err := createTables(ctx, tx, (*scoreSettings0011)(nil), (*scoreIssue0011)(nil),
		(*scoreIssueRow0011)(nil), (*loopTrigger0011)(nil), (*issuedDocument0011)(nil)); err != nil {
		return err
	}
	return exec(ctx, tx,
		"CREATE INDEX score_settings_center ON score_settings (center_id, effective_from)",
		"CREATE INDEX loop_triggers_center ON loop_triggers (center_id, at)",
		"CREATE INDEX loop_triggers_staff_item ON loop_triggers (staff_id, item_id, at)",
		"CREATE INDEX issued_documents_center ON issued_documents (center_id, generated_at)",
	)
}
