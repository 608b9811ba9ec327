package scores_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/store/storetest"
)

func TestTmpExplain(t *testing.T) {
	if os.Getenv("TMP_EXPLAIN") == "" {
		t.Skip()
	}
	z := sizeFromEnv(t)
	db := storetest.New(t)
	seedBench(t, db, z)
	ctx := context.Background()
	for _, q := range []string{
		"SELECT staff_id, channel, level, COUNT(*) FROM ratings WHERE center_id = 1 AND period_date BETWEEN '2026-07-01' AND '2026-07-31' GROUP BY staff_id, channel, level",
		"SELECT staff_id, channel, level, is_default, excluded, personal_excluded, COUNT(*) AS n FROM ratings WHERE center_id = 1 AND period_date >= '2026-07-01' AND period_date <= '2026-07-31' GROUP BY staff_id, channel, level, is_default, excluded, personal_excluded",
		"SELECT COUNT(*) FROM ratings",
	} {
		rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			t.Log(vals...)
		}
		rows.Close()
		st := time.Now()
		r2, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for r2.Next() {
			n++
		}
		r2.Close()
		t.Log(q[:min(40, len(q))], n, time.Since(st))
	}
}
