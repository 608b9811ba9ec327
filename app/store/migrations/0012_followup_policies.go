package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// policies0012: the working-day calendar (HR; administrators have /admin/*
// already), ratings lists and personal data, bad-rating cases and appeals,
// quality scores and their settings.
var policies0012 = [][4]string{
	{"hr", "center:*", "/admin/calendar", "(GET|POST)"},
	{"hr", "center:*", "/admin/calendar/import", "POST"},
	{"hr", "center:*", "/ratings", "GET"},
	{"admin", "center:*", "/ratings", "GET"},
	{"team_lead", "team:*", "/teams/:id/ratings", "GET"},
	{"hr", "center:*", "/teams/:id/ratings", "GET"},
	{"admin", "center:*", "/teams/:id/ratings", "GET"},
	{"admin", "center:*", "/ratings/:id/personal", "POST"},
	{"team_lead", "team:*", "/teams/:id/cases", "GET"},
	{"hr", "center:*", "/teams/:id/cases", "GET"},
	{"admin", "center:*", "/teams/:id/cases", "GET"},
	{"hr", "center:*", "/cases", "GET"},
	{"admin", "center:*", "/cases", "GET"},
	{"employee", "staff:*", "/cases/:id", "GET"},
	{"team_lead", "team:*", "/cases/:id", "GET"},
	{"hr", "center:*", "/cases/:id", "GET"},
	{"admin", "center:*", "/cases/:id", "GET"},
	{"team_lead", "team:*", "/cases/:id/step", "POST"},
	{"hr", "center:*", "/cases/:id/step", "POST"},
	{"admin", "center:*", "/cases/:id/step", "POST"},
	{"employee", "staff:*", "/ratings/:id/appeal", "POST"},
	{"employee", "staff:*", "/appeals/:id", "GET"},
	{"team_lead", "team:*", "/appeals/:id", "GET"},
	{"hr", "center:*", "/appeals/:id", "GET"},
	{"admin", "center:*", "/appeals/:id", "GET"},
	{"team_lead", "team:*", "/appeals/:id/decide", "POST"},
	{"hr", "center:*", "/appeals/:id/decide", "POST"},
	{"admin", "center:*", "/appeals/:id/decide", "POST"},
	{"employee", "staff:*", "/appeals/:id/evidence/:eid", "GET"},
	{"team_lead", "team:*", "/appeals/:id/evidence/:eid", "GET"},
	{"hr", "center:*", "/appeals/:id/evidence/:eid", "GET"},
	{"admin", "center:*", "/appeals/:id/evidence/:eid", "GET"},
	{"hr", "center:*", "/scores", "GET"},
	{"admin", "center:*", "/scores", "GET"},
	{"hr", "center:*", "/scores/export", "GET"},
	{"admin", "center:*", "/scores/export", "GET"},
	{"hr", "center:*", "/scores/issue", "POST"},
	{"admin", "center:*", "/scores/issue", "POST"},
	{"team_lead", "team:*", "/teams/:id/scores", "GET"},
	{"hr", "center:*", "/teams/:id/scores", "GET"},
	{"admin", "center:*", "/teams/:id/scores", "GET"},
	{"team_lead", "team:*", "/teams/:id/scores/export", "GET"},
	{"hr", "center:*", "/teams/:id/scores/export", "GET"},
	{"admin", "center:*", "/teams/:id/scores/export", "GET"},
	{"employee", "staff:*", "/staff/:id/scores", "GET"},
	{"team_lead", "team:*", "/staff/:id/scores", "GET"},
	{"hr", "center:*", "/staff/:id/scores", "GET"},
	{"admin", "center:*", "/staff/:id/scores", "GET"},
	{"employee", "staff:*", "/api/v1/staff/:no/scores", "GET"},
	{"team_lead", "team:*", "/api/v1/staff/:no/scores", "GET"},
	{"hr", "center:*", "/api/v1/staff/:no/scores", "GET"},
	{"admin", "center:*", "/api/v1/staff/:no/scores", "GET"},
	{"hr", "center:*", "/admin/scoring", "(GET|POST)"},
	{"hr", "center:*", "/loop", "GET"},
	{"admin", "center:*", "/loop", "GET"},
	{"team_lead", "team:*", "/teams/:id/loop", "GET"},
	{"hr", "center:*", "/teams/:id/loop", "GET"},
	{"admin", "center:*", "/teams/:id/loop", "GET"},
}

func up0012(ctx context.Context, tx bun.Tx) error { return addPolicies(ctx, tx, policies0012) }
