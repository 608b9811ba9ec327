package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/rbac"
)

// The closed loop (闭环): when a person's counted bad ratings for one
// service item reach the rule in its rolling window (default 2 in 30 days),
// the item's module is assigned to them again (due in 14 days, not again
// within 30), their team lead is told, and the decision is logged — also
// when it is skipped, with the reason.

// LoopTrigger is one entry of the closed-loop log.
type LoopTrigger struct {
	bun.BaseModel `bun:"table:loop_triggers,alias:lt"`
	ID            int64 `bun:",pk,autoincrement"`
	CenterID      int64
	StaffID       int64
	ItemID        int64
	ModuleID      *int64
	EnrolmentID   *int64
	BadCount      int
	Outcome       string // assigned, skipped
	Reason        string
	At            time.Time

	StaffNo   string `bun:",scanonly"`
	StaffName string `bun:",scanonly"`
	ItemCode  string `bun:",scanonly"`
	ItemName  string `bun:",scanonly"`
}

// RunLoop evaluates the closed loop for a center now and returns the log
// entries it wrote. Only a (person, item) with a bad rating received since
// its last log entry is evaluated, so the log shows decisions, not polls.
func (a *App) RunLoop(ctx context.Context, centerID int64) ([]LoopTrigger, error) {
	now := a.now().UTC()
	today, err := a.staff.Today(ctx, centerID)
	if err != nil {
		return nil, err
	}
	p, err := scoring.ParsePeriod(today[:7])
	if err != nil {
		return nil, err
	}
	set, _, err := a.scores.Settings(ctx, centerID, p)
	if err != nil {
		return nil, err
	}
	rule := set.Loop
	window := now.Add(-time.Duration(rule.WindowDays) * 24 * time.Hour)
	type bad struct {
		StaffID    int64     `bun:"staff_id"`
		ItemID     int64     `bun:"item_id"`
		RatedAt    time.Time `bun:"rated_at"`
		ReceivedAt time.Time `bun:"received_at"`
	}
	var bads []bad
	if err := a.db.NewSelect().TableExpr("ratings").ColumnExpr("staff_id, item_id, rated_at, received_at").
		Where("center_id = ? AND item_id IS NOT NULL", centerID).
		Where("level <= 2 AND is_default = ? AND excluded = ? AND personal_excluded = ?", false, false, false).
		Where("rated_at > ?", window).OrderExpr("staff_id, item_id, rated_at").
		Scan(ctx, &bads); err != nil {
		return nil, fmt.Errorf("loop: bad ratings: %w", err)
	}
	type key struct{ staff, item int64 }
	groups := map[key][]bad{}
	var order []key
	for _, b := range bads {
		k := key{b.StaffID, b.ItemID}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], b)
	}
	var out []LoopTrigger
	for _, k := range order {
		g := groups[k]
		if len(g) < rule.BadCount {
			continue
		}
		var last LoopTrigger
		err := a.db.NewSelect().Model(&last).Where("lt.staff_id = ? AND lt.item_id = ?", k.staff, k.item).
			OrderExpr("lt.at DESC, lt.id DESC").Limit(1).Scan(ctx)
		hasLast := err == nil
		if err != nil && !errors.Is(store.Translate(err), store.ErrNotFound) {
			return out, fmt.Errorf("loop: log: %w", err)
		}
		newest := g[0].ReceivedAt
		times := make([]time.Time, len(g))
		for i, b := range g {
			times[i] = b.RatedAt
			if b.ReceivedAt.After(newest) {
				newest = b.ReceivedAt
			}
		}
		if hasLast && !newest.After(last.At) {
			continue // nothing new since the last decision
		}
		var lastAssigned *time.Time
		var la LoopTrigger
		if err := a.db.NewSelect().Model(&la).Where("lt.staff_id = ? AND lt.item_id = ? AND lt.outcome = 'assigned'", k.staff, k.item).
			OrderExpr("lt.at DESC").Limit(1).Scan(ctx); err == nil {
			lastAssigned = &la.At
		}
		d := rule.Decide(times, now, lastAssigned)
		if !d.Trigger {
			continue
		}
		t, err := a.loopDecide(ctx, centerID, k.staff, k.item, d, rule, today, now)
		if err != nil {
			return out, err
		}
		out = append(out, *t)
	}
	return out, nil
}

// loopDecide assigns the module (or records why not) in one transaction.
func (a *App) loopDecide(ctx context.Context, centerID, staffID, itemID int64, d scoring.Decision, rule scoring.LoopRule, today string, now time.Time) (*LoopTrigger, error) {
	t := &LoopTrigger{CenterID: centerID, StaffID: staffID, ItemID: itemID, BadCount: d.Count, At: now.Truncate(time.Microsecond)}
	err := a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		due := addDaysISO(today, rule.DueDays)
		switch m, _, err := a.training.ModuleForItem(ctx, tx, centerID, itemID); {
		case d.Skip == scoring.SkipCooldown:
			t.Outcome, t.Reason = "skipped", fmt.Sprintf("冷却期内：%d 天内已安排过复训 (cooldown: retrained within %d days)", rule.CooldownDays, rule.CooldownDays)
		case errors.Is(err, store.ErrNotFound):
			t.Outcome, t.Reason = "skipped", "该事项没有已发布的培训模块 (no published module for the item)"
		case err != nil:
			return err
		default:
			t.ModuleID = &m.ID
			e, created, err := a.training.Retrain(ctx, tx, centerID, staffID, m.ID, due)
			if err != nil {
				return err
			}
			t.EnrolmentID = &e.ID
			if created {
				t.Outcome, t.Reason = "assigned", fmt.Sprintf("%d 天内 %d 条差评，重新学习《%s》，%s 前完成 (%d bad ratings in %d days)", rule.WindowDays, d.Count, m.Code, due, d.Count, rule.WindowDays)
			} else {
				t.Outcome, t.Reason = "skipped", fmt.Sprintf("已有未完成的培训任务 #%d (an open enrolment exists)", e.ID)
			}
		}
		if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
			return fmt.Errorf("loop: log: %w", err)
		}
		if t.Outcome == "assigned" {
			if err := a.notifyLeads(ctx, tx, t); err != nil {
				return err
			}
		}
		return a.audit.Record(ctx, tx, audit.Entry{CenterID: &centerID, Actor: "scheduler", IP: "local", Action: "loop." + t.Outcome,
			Target: fmt.Sprintf("staff:%d item:%d", staffID, itemID), Detail: t.Reason})
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// notifyLeads tells the person's team leads (those with a staff record)
// about a retraining the loop assigned.
func (a *App) notifyLeads(ctx context.Context, tx bun.IDB, t *LoopTrigger) error {
	_, teamID, err := a.staff.ScopeOf(ctx, t.StaffID)
	if err != nil || teamID == 0 {
		return err
	}
	leads, err := followup.Holders(ctx, tx, rbac.RoleTeamLead, rbac.TeamDomain(teamID))
	if err != nil {
		return err
	}
	m, err := a.staff.StaffByID(ctx, t.StaffID)
	if err != nil {
		return err
	}
	for _, lead := range leads {
		n := training.Notification{CenterID: t.CenterID, StaffID: lead, Kind: "loop", Title: "差评触发复训：" + m.Name,
			Body: t.Reason, Link: "/teams/" + strconv.FormatInt(teamID, 10) + "/loop",
			DedupeKey: "loop:" + strconv.FormatInt(t.ID, 10) + ":" + strconv.FormatInt(lead, 10), CreatedAt: t.At}
		if _, err := (training.InAppNotifier{}).Insert(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}

func addDaysISO(date string, n int) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return d.AddDate(0, 0, n).Format(time.DateOnly)
}

// LoopLog lists the center's closed-loop decisions (of one team's people
// when teamID is not 0), newest first.
func (a *App) LoopLog(ctx context.Context, centerID, teamID int64, limit int) ([]LoopTrigger, error) {
	var out []LoopTrigger
	q := a.db.NewSelect().Model(&out).
		ColumnExpr("lt.*").ColumnExpr("s.staff_no, s.name AS staff_name, si.code AS item_code, si.name AS item_name").
		Join("JOIN staff AS s ON s.id = lt.staff_id").
		Join("JOIN service_items AS si ON si.id = lt.item_id").
		Where("lt.center_id = ?", centerID)
	if teamID != 0 {
		q = q.Where("lt.staff_id IN (SELECT m.staff_id FROM team_memberships AS m WHERE m.team_id = ?)", teamID)
	}
	if err := q.OrderExpr("lt.at DESC, lt.id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("loop: log: %w", err)
	}
	return out, nil
}

// RetrainOutcome is a retrained person's satisfaction on the item before the
// loop sent them back to training and after they completed it (mean points
// of their counted ratings of the item; nil without ratings).
type RetrainOutcome struct {
	LoopTrigger
	CompletedOn   string
	Before, After *float64
	NBefore       int
	NAfter        int
}

// RetrainOutcomes lists the loop's assignments for a center (or a team's
// people) with before/after satisfaction on the item: before is the window
// of the rule ending at the trigger, after is from the completion of the
// retraining (or the trigger, while it is open) to now.
func (a *App) RetrainOutcomes(ctx context.Context, centerID, teamID int64) ([]RetrainOutcome, error) {
	log, err := a.LoopLog(ctx, centerID, teamID, 1000)
	if err != nil {
		return nil, err
	}
	today, err := a.staff.Today(ctx, centerID)
	if err != nil {
		return nil, err
	}
	p, err := scoring.ParsePeriod(today[:7])
	if err != nil {
		return nil, err
	}
	set, _, err := a.scores.Settings(ctx, centerID, p)
	if err != nil {
		return nil, err
	}
	mean := func(staffID, itemID int64, from, to time.Time) (*float64, int, error) {
		var rows []struct {
			Level int `bun:"level"`
			N     int `bun:"n"`
		}
		if err := a.db.NewSelect().TableExpr("ratings").ColumnExpr("level, COUNT(*) AS n").
			Where("staff_id = ? AND item_id = ? AND rated_at >= ? AND rated_at < ?", staffID, itemID, from, to).
			Where("is_default = ? AND excluded = ? AND personal_excluded = ?", false, false, false).
			GroupExpr("level").Scan(ctx, &rows); err != nil {
			return nil, 0, err
		}
		var sum float64
		n := 0
		for _, r := range rows {
			if r.Level >= 1 && r.Level <= 5 {
				sum += float64(r.N) * set.Points[r.Level-1]
				n += r.N
			}
		}
		if n == 0 {
			return nil, 0, nil
		}
		m := sum / float64(n)
		return &m, n, nil
	}
	var out []RetrainOutcome
	for _, t := range log {
		if t.Outcome != "assigned" {
			continue
		}
		o := RetrainOutcome{LoopTrigger: t}
		from := t.At.Add(-time.Duration(set.Loop.WindowDays) * 24 * time.Hour)
		if o.Before, o.NBefore, err = mean(t.StaffID, t.ItemID, from, t.At.Add(time.Microsecond)); err != nil {
			return nil, err
		}
		after := t.At
		if t.EnrolmentID != nil {
			if e, err := a.training.Enrolment(ctx, *t.EnrolmentID); err == nil && e.CompletedAt != nil {
				after = *e.CompletedAt
				if e.CompletedOn != nil {
					o.CompletedOn = *e.CompletedOn
				}
			}
		}
		if o.After, o.NAfter, err = mean(t.StaffID, t.ItemID, after, a.now().UTC().Add(time.Microsecond)); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}
