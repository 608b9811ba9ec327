package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// policies0003 adds the routes of the training issue: modules, versions and
// approval (trainer; admin approves too), assignments (team lead for the
// own team, trainer and HR for the center), an employee's enrolments,
// lessons, certificates and notifications (their own staff domain; the team
// lead and HR through team and center).
var policies0003 = [][4]string{
	{"authenticated", "*", "/modules/:code/assets/:name", "GET"},

	{"employee", "staff:*", "/enrolments/:id", "GET"},
	{"employee", "staff:*", "/enrolments/:id/standard", "GET"},
	{"employee", "staff:*", "/enrolments/:id/lessons/:lesson", "GET"},
	{"employee", "staff:*", "/enrolments/:id/lessons/:lesson/read", "POST"},
	{"employee", "staff:*", "/certificates/:id", "GET"},
	{"employee", "staff:*", "/notifications", "GET"},
	{"employee", "staff:*", "/notifications/:id/read", "POST"},

	{"team_lead", "team:*", "/teams/:id/training", "GET"},
	{"team_lead", "team:*", "/teams/:id/assign", "POST"},
	{"team_lead", "team:*", "/enrolments/:id", "GET"},
	{"team_lead", "team:*", "/enrolments/:id/standard", "GET"},
	{"team_lead", "team:*", "/enrolments/:id/remind", "POST"},
	{"team_lead", "team:*", "/certificates/:id", "GET"},

	{"trainer", "center:*", "/modules", "(GET|POST)"},
	{"trainer", "center:*", "/modules/:code", "GET"},
	{"trainer", "center:*", "/modules/:code/*", "(GET|POST)"},
	{"trainer", "center:*", "/training", "GET"},

	{"hr", "center:*", "/modules", "GET"},
	{"hr", "center:*", "/modules/:code", "GET"},
	{"hr", "center:*", "/modules/:code/versions/:n", "GET"},
	{"hr", "center:*", "/modules/:code/diff", "GET"},
	{"hr", "center:*", "/modules/:code/assign", "POST"},
	{"hr", "center:*", "/training", "GET"},
	{"hr", "center:*", "/teams/:id/training", "GET"},
	{"hr", "center:*", "/enrolments/:id", "GET"},
	{"hr", "center:*", "/enrolments/:id/standard", "GET"},
	{"hr", "center:*", "/certificates/:id", "GET"},

	{"admin", "center:*", "/modules", "GET"},
	{"admin", "center:*", "/modules/:code", "GET"},
	{"admin", "center:*", "/modules/:code/versions/:n", "GET"},
	{"admin", "center:*", "/modules/:code/diff", "GET"},
	{"admin", "center:*", "/modules/:code/approve", "POST"},
	{"admin", "center:*", "/modules/:code/reject", "POST"},
	{"admin", "center:*", "/training", "GET"},
	{"admin", "center:*", "/teams/:id/training", "GET"},
	{"admin", "center:*", "/enrolments/:id", "GET"},
	{"admin", "center:*", "/enrolments/:id/standard", "GET"},
	{"admin", "center:*", "/certificates/:id", "GET"},
}

func up0003(ctx context.Context, tx bun.Tx) error { return addPolicies(ctx, tx, policies0003) }
