package rbac

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"
)

// ruleRow is a row of casbin_rule (created by migration 0001). Every column
// is NOT NULL, so unused columns hold "" and one unique index over all of
// them makes an identical rule impossible to store twice.
type ruleRow struct {
	bun.BaseModel `bun:"table:casbin_rule"`
	ID            int64  `bun:",pk,autoincrement"`
	Ptype         string `bun:",notnull"`
	V0            string `bun:",notnull"`
	V1            string `bun:",notnull"`
	V2            string `bun:",notnull"`
	V3            string `bun:",notnull"`
	V4            string `bun:",notnull"`
	V5            string `bun:",notnull"`
}

// maxFields is the number of value columns of casbin_rule.
const maxFields = 6

func newRuleRow(ptype string, rule []string) (ruleRow, error) {
	if len(rule) > maxFields {
		return ruleRow{}, fmt.Errorf("rbac: rule %q has more than %d fields", rule, maxFields)
	}
	var v [maxFields]string
	copy(v[:], rule)
	return ruleRow{Ptype: ptype, V0: v[0], V1: v[1], V2: v[2], V3: v[3], V4: v[4], V5: v[5]}, nil
}

func (r ruleRow) values() [maxFields]string {
	return [maxFields]string{r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
}

// adapter stores the policy in casbin_rule. Each write runs in one
// transaction (a savepoint inside the caller's, when db is a bun.Tx) that
// also bumps policy_revision, so every instance's Refresh notices it.
//
// It implements casbin's persist.Adapter and persist.BatchAdapter, whose
// methods carry no context; the Authorizer and WriteGrants call the
// context-taking methods (load, add, remove, removeFiltered) instead, and
// keep casbin's auto-save off.
type adapter struct {
	db bun.IDB
}

var (
	_ persist.Adapter      = (*adapter)(nil)
	_ persist.BatchAdapter = (*adapter)(nil)
)

// load returns the policy revision and every rule, read in that order: a
// change committed in between makes the rules newer than the revision,
// which only costs one extra reload later, while the other order could
// record a revision whose rules were never loaded.
func (a *adapter) load(ctx context.Context) (int64, []ruleRow, error) {
	rev, err := readRevision(ctx, a.db)
	if err != nil {
		return 0, nil, err
	}
	var rows []ruleRow
	if err := a.db.NewSelect().Model(&rows).Order("id").Scan(ctx); err != nil {
		return 0, nil, fmt.Errorf("rbac: load rules: %w", err)
	}
	return rev, rows, nil
}

// add stores rules, skipping existing ones, and returns the bumped
// revision (0 when every rule existed and nothing was bumped).
func (a *adapter) add(ctx context.Context, ptype string, rules [][]string) (int64, error) {
	rows := make([]ruleRow, 0, len(rules))
	for _, rule := range rules {
		r, err := newRuleRow(ptype, rule)
		if err != nil {
			return 0, err
		}
		rows = append(rows, r)
	}
	return change(ctx, a.db, func(ctx context.Context, tx bun.Tx) (int64, error) {
		return insertRows(ctx, tx, rows)
	})
}

// remove deletes rules, skipping missing ones, and returns the bumped
// revision (0 when nothing was deleted).
func (a *adapter) remove(ctx context.Context, ptype string, rules [][]string) (int64, error) {
	return change(ctx, a.db, func(ctx context.Context, tx bun.Tx) (int64, error) {
		return deleteRules(ctx, tx, ptype, rules)
	})
}

// removeFiltered deletes the rules of ptype whose fields, from fieldIndex
// on, equal fieldValues (an empty value matches anything), and returns the
// bumped revision (0 when nothing was deleted).
func (a *adapter) removeFiltered(ctx context.Context, ptype string, fieldIndex int, fieldValues ...string) (int64, error) {
	return change(ctx, a.db, func(ctx context.Context, tx bun.Tx) (int64, error) {
		return deleteFiltered(ctx, tx, ptype, fieldIndex, fieldValues...)
	})
}

// LoadPolicy loads every rule into m.
func (a *adapter) LoadPolicy(m model.Model) error {
	_, rows, err := a.load(context.Background())
	if err != nil {
		return err
	}
	return loadInto(m, rows)
}

// SavePolicy replaces the stored policy with the one in m.
func (a *adapter) SavePolicy(m model.Model) error {
	var rows []ruleRow
	for _, sec := range []string{"p", "g"} {
		for ptype, ast := range m[sec] {
			for _, rule := range ast.Policy {
				r, err := newRuleRow(ptype, rule)
				if err != nil {
					return err
				}
				rows = append(rows, r)
			}
		}
	}
	_, err := change(context.Background(), a.db, func(ctx context.Context, tx bun.Tx) (int64, error) {
		res, err := tx.NewDelete().Model((*ruleRow)(nil)).Where("1 = 1").Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("rbac: clear rules: %w", err)
		}
		deleted, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("rbac: clear rules: %w", err)
		}
		added, err := insertRows(ctx, tx, rows)
		// Rewriting the same rules still counts as a change and bumps the
		// revision: one needless reload elsewhere, never a missed one.
		return deleted + added, err
	})
	return err
}

// AddPolicy stores one rule; storing an existing rule is not an error.
func (a *adapter) AddPolicy(sec, ptype string, rule []string) error {
	return a.AddPolicies(sec, ptype, [][]string{rule})
}

// AddPolicies stores rules; existing ones are skipped.
func (a *adapter) AddPolicies(_, ptype string, rules [][]string) error {
	_, err := a.add(context.Background(), ptype, rules)
	return err
}

// RemovePolicy deletes one rule; deleting a missing rule is not an error.
func (a *adapter) RemovePolicy(sec, ptype string, rule []string) error {
	return a.RemovePolicies(sec, ptype, [][]string{rule})
}

// RemovePolicies deletes rules; missing ones are skipped.
func (a *adapter) RemovePolicies(_, ptype string, rules [][]string) error {
	_, err := a.remove(context.Background(), ptype, rules)
	return err
}

// RemoveFilteredPolicy deletes the rules of ptype whose fields, from
// fieldIndex on, equal fieldValues; an empty value matches anything.
func (a *adapter) RemoveFilteredPolicy(_, ptype string, fieldIndex int, fieldValues ...string) error {
	_, err := a.removeFiltered(context.Background(), ptype, fieldIndex, fieldValues...)
	return err
}

// change runs fn in a transaction (a savepoint when db is already a
// bun.Tx) and, if fn changed any row, bumps policy_revision in the same
// transaction. It returns the new revision, or 0 when nothing changed.
func change(ctx context.Context, db bun.IDB, fn func(ctx context.Context, tx bun.Tx) (int64, error)) (int64, error) {
	var rev int64
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		n, err := fn(ctx, tx)
		if err != nil || n == 0 {
			return err
		}
		rev, err = bumpRevision(ctx, tx)
		return err
	})
	if err != nil {
		return 0, err
	}
	return rev, nil
}

// bumpRevision increments policy_revision.rev and returns the new value.
func bumpRevision(ctx context.Context, db bun.IDB) (int64, error) {
	var rev int64
	err := db.NewUpdate().Table("policy_revision").Set("rev = rev + 1").Where("id = 1").
		Returning("rev").Scan(ctx, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errors.New("rbac: policy_revision has no row id=1 (database not migrated?)")
	}
	if err != nil {
		return 0, fmt.Errorf("rbac: bump policy revision: %w", err)
	}
	return rev, nil
}

// readRevision returns policy_revision.rev.
func readRevision(ctx context.Context, db bun.IDB) (int64, error) {
	var rev int64
	err := db.NewSelect().Table("policy_revision").Column("rev").Where("id = 1").Scan(ctx, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errors.New("rbac: policy_revision has no row id=1 (database not migrated?)")
	}
	if err != nil {
		return 0, fmt.Errorf("rbac: read policy revision: %w", err)
	}
	return rev, nil
}

// loadInto adds rows to m, cut to as many fields as m's definition of the
// row's ptype has. A row the model cannot hold is an error rather than
// skipped: silently dropping a rule would change decisions unnoticed.
func loadInto(m model.Model, rows []ruleRow) error {
	for _, r := range rows {
		if r.Ptype == "" {
			return fmt.Errorf("rbac: casbin_rule %d: empty ptype", r.ID)
		}
		ast, ok := m[r.Ptype[:1]][r.Ptype]
		if !ok {
			return fmt.Errorf("rbac: casbin_rule %d: ptype %q is not in the model", r.ID, r.Ptype)
		}
		v := r.values()
		n := len(ast.Tokens)
		for _, extra := range v[n:] {
			if extra != "" {
				return fmt.Errorf("rbac: casbin_rule %d: more fields than %s has (%d)", r.ID, r.Ptype, n)
			}
		}
		line := append([]string{r.Ptype}, v[:n]...)
		if err := persist.LoadPolicyArray(line, m); err != nil {
			return fmt.Errorf("rbac: casbin_rule %d: %w", r.ID, err)
		}
	}
	return nil
}

// insertRows inserts rows and returns how many were new. ON CONFLICT DO
// NOTHING (both dialects) skips rows already stored without aborting a
// PostgreSQL transaction, which is what makes adding idempotent.
func insertRows(ctx context.Context, db bun.IDB, rows []ruleRow) (int64, error) {
	const chunk = 500 // keeps each statement small
	var added int64
	for len(rows) > 0 {
		n := min(chunk, len(rows))
		part := rows[:n]
		rows = rows[n:]
		res, err := db.NewInsert().Model(&part).On("CONFLICT DO NOTHING").Returning("NULL").Exec(ctx)
		if err != nil {
			return added, fmt.Errorf("rbac: insert rules: %w", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return added, fmt.Errorf("rbac: insert rules: %w", err)
		}
		added += k
	}
	return added, nil
}

func deleteRules(ctx context.Context, db bun.IDB, ptype string, rules [][]string) (int64, error) {
	var deleted int64
	for _, rule := range rules {
		r, err := newRuleRow(ptype, rule)
		if err != nil {
			return deleted, err
		}
		res, err := db.NewDelete().Model((*ruleRow)(nil)).
			Where("ptype = ?", r.Ptype).
			Where("v0 = ?", r.V0).Where("v1 = ?", r.V1).Where("v2 = ?", r.V2).
			Where("v3 = ?", r.V3).Where("v4 = ?", r.V4).Where("v5 = ?", r.V5).
			Exec(ctx)
		if err != nil {
			return deleted, fmt.Errorf("rbac: delete rule: %w", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return deleted, fmt.Errorf("rbac: delete rule: %w", err)
		}
		deleted += k
	}
	return deleted, nil
}

func deleteFiltered(ctx context.Context, db bun.IDB, ptype string, fieldIndex int, fieldValues ...string) (int64, error) {
	if fieldIndex < 0 || fieldIndex+len(fieldValues) > maxFields {
		return 0, fmt.Errorf("rbac: filter on fields %d..%d: casbin_rule has %d", fieldIndex, fieldIndex+len(fieldValues)-1, maxFields)
	}
	q := db.NewDelete().Model((*ruleRow)(nil)).Where("ptype = ?", ptype)
	for i, v := range fieldValues {
		if v != "" {
			q = q.Where("? = ?", bun.Ident(fmt.Sprintf("v%d", fieldIndex+i)), v)
		}
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("rbac: delete rules: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("rbac: delete rules: %w", err)
	}
	return n, nil
}
