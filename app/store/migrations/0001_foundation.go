package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Frozen row structs of migration 0001. Do not edit: add a migration instead.

type center0001 struct {
	bun.BaseModel `bun:"table:centers"`
	ID            int64     `bun:",pk,autoincrement"`
	Code          string    `bun:",notnull,unique"`
	Name          string    `bun:",notnull"`
	Timezone      string    `bun:",notnull"`
	CreatedAt     time.Time `bun:",notnull"`
}

type team0001 struct {
	bun.BaseModel `bun:"table:teams"`
	ID            int64     `bun:",pk,autoincrement"`
	CenterID      int64     `bun:",notnull,unique:teams_center_code"`
	Code          string    `bun:",notnull,unique:teams_center_code"`
	Name          string    `bun:",notnull"`
	Channel       string    `bun:",notnull"`
	CreatedAt     time.Time `bun:",notnull"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
}

type staff0001 struct {
	bun.BaseModel `bun:"table:staff"`
	ID            int64     `bun:",pk,autoincrement"`
	CenterID      int64     `bun:",notnull,unique:staff_center_no"`
	StaffNo       string    `bun:",notnull,unique:staff_center_no"`
	Name          string    `bun:",notnull"`
	Channels      string    `bun:",notnull"` // "offline;online", normalized codes
	Active        bool      `bun:",notnull"`
	CreatedAt     time.Time `bun:",notnull"`
	UpdatedAt     time.Time `bun:",notnull"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
}

type staffExternalID0001 struct {
	bun.BaseModel `bun:"table:staff_external_ids"`
	ID            int64  `bun:",pk,autoincrement"`
	CenterID      int64  `bun:",notnull,unique:staff_ext_center_ext"`
	StaffID       int64  `bun:",notnull"`
	ExternalID    string `bun:",notnull,unique:staff_ext_center_ext"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
	Staff  *staff0001  `bun:"rel:belongs-to,join:staff_id=id,on_delete:cascade"`
}

type teamMembership0001 struct {
	bun.BaseModel `bun:"table:team_memberships"`
	ID            int64   `bun:",pk,autoincrement"`
	StaffID       int64   `bun:",notnull"`
	TeamID        int64   `bun:",notnull"`
	ValidFrom     string  `bun:",notnull,type:varchar(10)"` // YYYY-MM-DD in the center's time zone, inclusive
	ValidTo       *string `bun:",type:varchar(10)"`         // exclusive; NULL while current

	Staff *staff0001 `bun:"rel:belongs-to,join:staff_id=id,on_delete:cascade"`
	Team  *team0001  `bun:"rel:belongs-to,join:team_id=id"`
}

type serviceItem0001 struct {
	bun.BaseModel `bun:"table:service_items"`
	ID            int64     `bun:",pk,autoincrement"`
	CenterID      int64     `bun:",notnull,unique:items_center_code"`
	Code          string    `bun:",notnull,unique:items_center_code"`
	Name          string    `bun:",notnull"`
	CreatedAt     time.Time `bun:",notnull"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
}

type user0001 struct {
	bun.BaseModel      `bun:"table:users"`
	ID                 int64      `bun:",pk,autoincrement"`
	CenterID           int64      `bun:",notnull"`
	Username           string     `bun:",notnull,unique"`
	DisplayName        string     `bun:",notnull"`
	PasswordHash       string     `bun:",notnull"`
	StaffID            *int64     `bun:",unique"`
	Disabled           bool       `bun:",notnull"`
	MustChangePassword bool       `bun:",notnull"`
	CreatedAt          time.Time  `bun:",notnull"`
	UpdatedAt          time.Time  `bun:",notnull"`
	LastLoginAt        *time.Time ``

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
	Staff  *staff0001  `bun:"rel:belongs-to,join:staff_id=id,on_delete:set null"`
}

type apiToken0001 struct {
	bun.BaseModel `bun:"table:api_tokens"`
	ID            int64      `bun:",pk,autoincrement"`
	CenterID      int64      `bun:",notnull,unique:tokens_center_name"`
	Name          string     `bun:",notnull,unique:tokens_center_name"`
	Role          string     `bun:",notnull"`
	TokenHash     string     `bun:",notnull,unique"`
	CreatedAt     time.Time  `bun:",notnull"`
	LastUsedAt    *time.Time ``
	RevokedAt     *time.Time ``

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
}

type session0001 struct {
	bun.BaseModel `bun:"table:sessions"`
	ID            string    `bun:",pk,type:varchar(64)"` // SHA-256 of the cookie value, hex
	UserID        int64     `bun:",notnull"`
	CSRFToken     string    `bun:"csrf_token,notnull"`
	CreatedAt     time.Time `bun:",notnull"`
	LastSeenAt    time.Time `bun:",notnull"`
	ExpiresAt     time.Time `bun:",notnull"`
	IP            string    `bun:"ip,notnull"`
	UserAgent     string    `bun:",notnull"`

	User *user0001 `bun:"rel:belongs-to,join:user_id=id,on_delete:cascade"`
}

type loginFailure0001 struct {
	bun.BaseModel `bun:"table:login_failures"`
	ID            int64     `bun:",pk,autoincrement"`
	Key           string    `bun:",notnull"` // "user:NAME" or "ip:ADDR"
	At            time.Time `bun:",notnull"`
}

type auditEntry0001 struct {
	bun.BaseModel `bun:"table:audit_log"`
	ID            int64     `bun:",pk,autoincrement"`
	At            time.Time `bun:",notnull"`
	CenterID      *int64    ``
	Actor         string    `bun:",notnull"` // "user:7 (zhangwei)", "cli", "token:3"
	Action        string    `bun:",notnull"` // "login.ok", "user.create", "policy.add", …
	Target        string    `bun:",notnull"`
	Detail        string    `bun:",notnull"`
	IP            string    `bun:"ip,notnull"`
}

type casbinRule0001 struct {
	bun.BaseModel `bun:"table:casbin_rule"`
	ID            int64  `bun:",pk,autoincrement"`
	Ptype         string `bun:",notnull,type:varchar(8),unique:casbin_rule_all"`
	V0            string `bun:",notnull,unique:casbin_rule_all"`
	V1            string `bun:",notnull,unique:casbin_rule_all"`
	V2            string `bun:",notnull,unique:casbin_rule_all"`
	V3            string `bun:",notnull,unique:casbin_rule_all"`
	V4            string `bun:",notnull,unique:casbin_rule_all"`
	V5            string `bun:",notnull,unique:casbin_rule_all"`
}

type policyRevision0001 struct {
	bun.BaseModel `bun:"table:policy_revision"`
	ID            int64 `bun:",pk"`
	Rev           int64 `bun:",notnull"`
}

// policies0001 is the default policy set at the foundation: p = sub, dom, obj, act.
// "authenticated" is matched by every signed-in user (see rbac's model).
var policies0001 = [][4]string{
	{"authenticated", "*", "/", "GET"},
	{"authenticated", "*", "/logout", "POST"},
	{"authenticated", "*", "/account/password", "(GET|POST)"},
	{"authenticated", "*", "/api/v1/logout", "POST"},
	{"authenticated", "*", "/api/v1/me", "GET"},

	{"employee", "staff:*", "/my", "GET"},
	{"employee", "staff:*", "/staff/:id", "GET"},
	{"employee", "staff:*", "/api/v1/staff/:id", "GET"},

	{"team_lead", "team:*", "/teams/:id", "GET"},
	{"team_lead", "team:*", "/staff/:id", "GET"},
	{"team_lead", "team:*", "/api/v1/teams/:id/members", "GET"},
	{"team_lead", "team:*", "/api/v1/staff/:id", "GET"},

	{"trainer", "center:*", "/items", "GET"},

	{"hr", "center:*", "/center", "GET"},
	{"hr", "center:*", "/items", "GET"},
	{"hr", "center:*", "/teams/:id", "GET"},
	{"hr", "center:*", "/staff/:id", "GET"},
	{"hr", "center:*", "/api/v1/staff", "GET"},
	{"hr", "center:*", "/api/v1/staff/:id", "GET"},
	{"hr", "center:*", "/api/v1/teams/:id/members", "GET"},

	{"admin", "center:*", "/admin/*", "(GET|POST)"},
	{"admin", "center:*", "/center", "GET"},
	{"admin", "center:*", "/items", "GET"},
	{"admin", "center:*", "/teams/:id", "GET"},
	{"admin", "center:*", "/staff/:id", "GET"},
	{"admin", "center:*", "/api/v1/staff", "GET"},
	{"admin", "center:*", "/api/v1/staff/:id", "GET"},
	{"admin", "center:*", "/api/v1/teams/:id/members", "GET"},
	{"admin", "center:*", "/api/v1/policies", "(GET|POST|DELETE)"},
}

func up0001(ctx context.Context, tx bun.Tx) error {
	if err := createTables(ctx, tx,
		(*center0001)(nil), (*team0001)(nil), (*staff0001)(nil), (*staffExternalID0001)(nil),
		(*teamMembership0001)(nil), (*serviceItem0001)(nil), (*user0001)(nil), (*apiToken0001)(nil),
		(*session0001)(nil), (*loginFailure0001)(nil), (*auditEntry0001)(nil), (*casbinRule0001)(nil),
		(*policyRevision0001)(nil),
	); err != nil {
		return err
	}
	if err := exec(ctx, tx,
		"CREATE INDEX team_memberships_staff ON team_memberships (staff_id, valid_from)",
		"CREATE INDEX team_memberships_team ON team_memberships (team_id, valid_from)",
		"CREATE INDEX staff_external_ids_staff ON staff_external_ids (staff_id)",
		"CREATE INDEX sessions_user ON sessions (user_id)",
		"CREATE INDEX login_failures_key_at ON login_failures (key, at)",
		"CREATE INDEX audit_log_at ON audit_log (at)",
		"CREATE INDEX casbin_rule_v0 ON casbin_rule (ptype, v0)",
	); err != nil {
		return err
	}
	if err := appendOnly(ctx, tx, "audit_log"); err != nil {
		return err
	}

	// The default center: every import and account lands here until an
	// administrator creates others. Its time zone decides dates and periods.
	c := &center0001{Code: "default", Name: "政务服务中心", Timezone: "Asia/Shanghai", CreatedAt: time.Now().UTC()}
	if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.NewInsert().Model(&policyRevision0001{ID: 1, Rev: 1}).Exec(ctx); err != nil {
		return err
	}
	rules := make([]casbinRule0001, 0, len(policies0001))
	for _, p := range policies0001 {
		rules = append(rules, casbinRule0001{Ptype: "p", V0: p[0], V1: p[1], V2: p[2], V3: p[3]})
	}
	_, err := tx.NewInsert().Model(&rules).Exec(ctx)
	return err
}

// appendOnly makes the database itself refuse UPDATE and DELETE on table, so
// no code path (or hand-written SQL) can rewrite history.
func appendOnly(ctx context.Context, tx bun.Tx, table string) error {
	if tx.Dialect().Name() == dialect.PG {
		return exec(ctx, tx,
			`CREATE FUNCTION kaoping_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$`,
			"CREATE TRIGGER "+table+"_append_only BEFORE UPDATE OR DELETE ON "+table+
				" FOR EACH ROW EXECUTE FUNCTION kaoping_append_only()",
		)
	}
	return exec(ctx, tx,
		"CREATE TRIGGER "+table+"_no_update BEFORE UPDATE ON "+table+
			" BEGIN SELECT RAISE(ABORT, '"+table+" is append-only'); END",
		"CREATE TRIGGER "+table+"_no_delete BEFORE DELETE ON "+table+
			" BEGIN SELECT RAISE(ABORT, '"+table+" is append-only'); END",
	)
}
