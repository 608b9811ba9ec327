package migrations

import (
	"context"

	"github.com/uptrace/bun"
)

// policies0015: the Prometheus metrics, for administrators. The Go profiler
// under /admin/debug/pprof/ needs no row: /admin/* covers it.
var policies0015 = [][4]string{
	{"admin", "center:*", "/metrics", "GET"},
	{"monitor", "center:*", "/metrics", "GET"},
}

func up0015(ctx context.Context, tx bun.Tx) error { return addPolicies(ctx, tx, policies0015) }
