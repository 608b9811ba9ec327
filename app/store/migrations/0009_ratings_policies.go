package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// policies0009: the upstream rating feed posts ratings into its center.
var policies0009 = [][4]string{
	{"rating_feed", "center:*", "/api/v1/ratings", "POST"},
}

func up0009(ctx context.Context, tx bun.Tx) error { return addPolicies(ctx, tx, policies0009) }
