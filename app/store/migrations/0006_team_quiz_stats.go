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

func up0006(ctx context.Context, tx bun.Tx) error {
	rules := make([]casbinRule0001, 0, len(policies0006))
	for _, p := range policies0006 {
		rules = append(rules, casbinRule0001{Ptype: "p", V0: p[0], V1: p[1], V2: p[2], V3: p[3]})
	}
	if _, err := tx.NewInsert().Model(&rules).Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewUpdate().Table("policy_revision").Set("rev = rev + 1").Where("id = 1").Exec(ctx)
	return err
}
