// Package migrations holds the versioned, append-only schema migrations.
// Each migration uses frozen copies of the row structs it creates, so later
// changes to the live models never change what an old migration does.
package migrations

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// All returns every migration in order. A new migration is appended here
// with the next number; a landed migration is never edited.
func All() *migrate.Migrations {
	ms := migrate.NewMigrations()
	add := func(name, comment string, up func(ctx context.Context, tx bun.Tx) error) {
		ms.Add(migrate.Migration{
			Name:    name,
			Comment: comment,
			Up:      inTx(up),
			Down:    func(context.Context, *migrate.Migrator, *migrate.Migration) error { return nil },
		})
	}
	add("0001", "foundation", up0001)
	add("0002", "training", up0002)
	add("0003", "training_policies", up0003)
	add("0004", "quizzes", up0004)
	add("0005", "quiz_policies", up0005)
	add("0006", "team_quiz_stats", up0006)
	add("0007", "ratings", up0007)
	add("0008", "workdays", up0008)
	add("0009", "ratings_policies", up0009)
	add("0010", "ratings_followup", up0010)
	add("0011", "scoring", up0011)
	add("0012", "followup_policies", up0012)
	add("0013", "report_jobs", up0013)
	add("0014", "score_indexes", up0014)
	add("0015", "observability", up0015)
	add("0016", "shared_files", up0016)
	add("0017", "job_heartbeats", up0017)
	return ms
}

// inTx runs a migration inside one transaction: both SQLite and PostgreSQL
// have transactional DDL, so a failed migration leaves nothing behind.
func inTx(up func(ctx context.Context, tx bun.Tx) error) func(context.Context, *migrate.Migrator, *migrate.Migration) error {
	return func(ctx context.Context, m *migrate.Migrator, mg *migrate.Migration) error {
		return m.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := up(ctx, tx); err != nil {
				return fmt.Errorf("migration %s_%s: %w", mg.Name, mg.Comment, err)
			}
			return nil
		})
	}
}

func createTables(ctx context.Context, tx bun.Tx, models ...any) error {
	for _, m := range models {
		if _, err := tx.NewCreateTable().Model(m).WithForeignKeys().Exec(ctx); err != nil {
			return fmt.Errorf("create table %T: %w", m, err)
		}
	}
	return nil
}

func exec(ctx context.Context, tx bun.Tx, stmts ...string) error {
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// addPolicies inserts casbin "p" rows (sub, dom, obj, act) and bumps the
// policy revision so running servers reload.
func addPolicies(ctx context.Context, tx bun.Tx, policies [][4]string) error {
	rules := make([]casbinRule0001, 0, len(policies))
	for _, p := range policies {
		rules = append(rules, casbinRule0001{Ptype: "p", V0: p[0], V1: p[1], V2: p[2], V3: p[3]})
	}
	if _, err := tx.NewInsert().Model(&rules).Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewUpdate().Table("policy_revision").Set("rev = rev + 1").Where("id = 1").Exec(ctx)
	return err
}
