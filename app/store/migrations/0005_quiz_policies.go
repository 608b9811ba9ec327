package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// policies0005 adds the routes of the quiz issue. The trainer's quiz pages
// fall under the existing "/modules/:code/*" rule; HR, admin and team leads
// get the item analysis; employees take their own attempts; team leads see
// their team's attempts' grading queue and grade essays.
var policies0005 = [][4]string{
	{"employee", "staff:*", "/enrolments/:id/quiz", "GET"},
	{"employee", "staff:*", "/enrolments/:id/quiz/start", "POST"},
	{"employee", "staff:*", "/attempts/:id", "(GET|POST)"},
	{"employee", "staff:*", "/attempts/:id/review", "GET"},
	{"employee", "staff:*", "/api/v1/attempts/:id/answers", "POST"},

	{"team_lead", "team:*", "/enrolments/:id/quiz", "GET"},
	{"team_lead", "team:*", "/teams/:id/grading", "GET"},
	{"team_lead", "team:*", "/essays/:id/grade", "POST"},

	{"hr", "center:*", "/modules/:code/quiz/stats", "GET"},
	{"hr", "center:*", "/enrolments/:id/quiz", "GET"},
	{"admin", "center:*", "/modules/:code/quiz/stats", "GET"},
	{"admin", "center:*", "/enrolments/:id/quiz", "GET"},
}

func up0005(ctx context.Context, tx bun.Tx) error { return addPolicies(ctx, tx, policies0005) }
