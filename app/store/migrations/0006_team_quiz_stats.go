package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// policies0006 lets a team lead see the item analysis of a quiz over their
// own team's attempts.
var policies0006 = [][4]string{
	{"team_lead", "team:*", "/teams/:id/quiz-stats", "GET"},
	{"hr", "center:*", "/teams/:id/quiz-stats", "GET"},
	{"admin", "center:*", "/teams/:id/quiz-stats", "GET"},
}

func up0006(ctx context.Context, tx bun.Tx) error { return addPolicies(ctx, tx, policies0006) }
