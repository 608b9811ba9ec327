package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// policies0012: the working-day calendar (HR; administrators have /admin/*
// already), bad-rating cases and appeals, rating imports, personal data.
var policies0012 = [][4]string{
	{"hr", "center:*", "/admin/calendar", "(GET|POST)"},
	{"hr", "center:*", "/admin/calendar/import", "POST"},
	{"hr", "center:*", "/ratings", "GET"},
	{"admin", "center:*", "/ratings", "GET"},
	{"team_lead", "team:*", "/teams/:id/ratings", "GET"},
	{"hr", "center:*", "/teams/:id/ratings", "GET"},
	{"admin", "center:*", "/teams/:id/ratings", "GET"},
	{"admin", "center:*", "/ratings/:id/personal", "POST"},
}

func up0012(ctx context.Context, tx bun.Tx) error { return addPolicies(ctx, tx, policies0012) }
