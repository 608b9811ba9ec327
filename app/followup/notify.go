package followup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/rbac"
)

// Holders returns the staff records, ascending, of the enabled accounts
// that hold role in domain (rbac.TeamDomain, rbac.CenterDomain), for in-app
// notifications.
func Holders(ctx context.Context, db bun.IDB, role, domain string) ([]int64, error) {
	var ids []int64
	if err := holdersQuery(db, role).Where("g.v2 = ?", domain).OrderExpr("u.staff_id").Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("followup: holders of %s in %s: %w", role, domain, err)
	}
	return ids, nil
}

// RoleHolders returns the staff records, ascending, of the enabled accounts
// of the center that hold role in any domain (the role assignments of
// training modules).
func RoleHolders(ctx context.Context, db bun.IDB, centerID int64, role string) ([]int64, error) {
	var ids []int64
	if err := holdersQuery(db, role).Where("u.center_id = ?", centerID).OrderExpr("u.staff_id").Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("followup: holders of %s in center %d: %w", role, centerID, err)
	}
	return ids, nil
}

// holdersQuery selects the staff records of the enabled accounts that hold
// role. Grants are the casbin grouping rows of table casbin_rule (ptype g,
// v0 "user:<id>", v1 role, v2 domain) that account administration writes;
// accounts without a staff record cannot receive in-app notifications and
// are left out.
func holdersQuery(db bun.IDB, role string) *bun.SelectQuery {
	return db.NewSelect().
		ColumnExpr("DISTINCT u.staff_id").
		TableExpr("users AS u").
		Join("JOIN casbin_rule AS g ON g.ptype = 'g' AND g.v0 = 'user:' || CAST(u.id AS VARCHAR(20))").
		Where("g.v1 = ?", role).
		Where("u.staff_id IS NOT NULL AND u.disabled = ?", false)
}

// caseTeam is the team of the rating's case, nil without a team or case.
func caseTeam(ctx context.Context, db bun.IDB, ratingID int64) (*int64, error) {
	var team sql.NullInt64
	err := db.NewSelect().Model((*Case)(nil)).Column("rc.team_id").Where("rc.rating_id = ?", ratingID).Scan(ctx, &team)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("followup: team of rating %d: %w", ratingID, err)
	}
	if !team.Valid {
		return nil, nil
	}
	return &team.Int64, nil
}

// leadsOwnTeam reports whether the appellant is a lead of the team of the
// rating's case: then HR, not a fellow lead, decides.
func (s *Service) leadsOwnTeam(ctx context.Context, db bun.IDB, ap *Appeal) (bool, error) {
	team, err := caseTeam(ctx, db, ap.RatingID)
	if err != nil || team == nil {
		return false, err
	}
	leads, err := Holders(ctx, db, rbac.RoleTeamLead, rbac.TeamDomain(*team))
	return slices.Contains(leads, ap.StaffID), err
}

// deciders are who is told about a new appeal: the leads of the team of the
// rating's case, or the center's HR people when the appellant is one of
// those leads or the team has no lead with a staff record. Never the
// appellant.
func (s *Service) deciders(ctx context.Context, db bun.IDB, ap *Appeal) ([]int64, error) {
	team, err := caseTeam(ctx, db, ap.RatingID)
	if err != nil {
		return nil, err
	}
	var leads []int64
	if team != nil {
		if leads, err = Holders(ctx, db, rbac.RoleTeamLead, rbac.TeamDomain(*team)); err != nil {
			return nil, err
		}
	}
	if len(leads) == 0 || slices.Contains(leads, ap.StaffID) {
		if leads, err = Holders(ctx, db, rbac.RoleHR, rbac.CenterDomain(ap.CenterID)); err != nil {
			return nil, err
		}
	}
	return slices.DeleteFunc(leads, func(id int64) bool { return id == ap.StaffID }), nil
}

func notify(ctx context.Context, db bun.IDB, n training.Notification) error {
	_, err := training.InAppNotifier{}.Insert(ctx, db, n)
	return err
}

// notifySubmitted tells the deciders about a new appeal.
func (s *Service) notifySubmitted(ctx context.Context, tx bun.IDB, ap *Appeal, r *ratings.Rating, d deadlines) error {
	to, err := s.deciders(ctx, tx, ap)
	if err != nil || len(to) == 0 {
		return err
	}
	person := new(staff.Staff)
	if err := tx.NewSelect().Model(person).Column("s.staff_no", "s.name").Where("s.id = ?", ap.StaffID).Scan(ctx); err != nil {
		return notFound(err, "staff %d", ap.StaffID)
	}
	body := fmt.Sprintf("%s（工号 %s）对 %s 的 %d 星差评提出申诉：%s", person.Name, person.StaffNo,
		r.RatedAt.In(d.loc).Format("2006-01-02 15:04"), r.Level, excerpt(ap.Reason, 100))
	for _, id := range to {
		n := training.Notification{CenterID: ap.CenterID, StaffID: id, Kind: "appeal_submitted", Title: "收到一条差评申诉",
			Body: body, Link: "/appeals/" + strconv.FormatInt(ap.ID, 10),
			DedupeKey: fmt.Sprintf("appeal_submitted:%d:%d", ap.ID, id), CreatedAt: ap.SubmittedAt}
		if err := notify(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// notifyDecided tells the appellant the outcome.
func (s *Service) notifyDecided(ctx context.Context, tx bun.IDB, ap *Appeal) error {
	var effect string
	switch ap.State {
	case Upheld:
		effect = "该差评不再计入任何考核分数。"
	case Partly:
		effect = "该差评不再计入您的个人考核分数。"
	default:
		effect = "该差评维持有效。"
	}
	n := training.Notification{CenterID: ap.CenterID, StaffID: ap.StaffID, Kind: "appeal_decided",
		Title: "申诉处理结果：" + outcomeLabel(ap.State),
		Body:  effect + "理由：" + excerpt(ap.DecisionReason, 200), Link: "/my",
		DedupeKey: "appeal_decided:" + strconv.FormatInt(ap.ID, 10), CreatedAt: *ap.DecidedAt}
	return notify(ctx, tx, n)
}

// notifyEscalated tells the center's HR people, once per Escalate run that
// marked cases, how many were marked (one message, not one per case).
func (s *Service) notifyEscalated(ctx context.Context, tx bun.IDB, centerID int64, marked []Case, now time.Time) error {
	hr, err := Holders(ctx, tx, rbac.RoleHR, rbac.CenterDomain(centerID))
	if err != nil {
		return err
	}
	for _, id := range hr {
		n := training.Notification{CenterID: centerID, StaffID: id, Kind: "case_escalated", Title: "差评处理超期",
			Body: fmt.Sprintf("%d 条差评的核实、整改或回访已超过期限，请督办。", len(marked)), Link: "/cases?overdue=1",
			// A case is marked once, so the first case of the run is unique to it.
			DedupeKey: fmt.Sprintf("case_escalated:%d:%d", marked[0].ID, id), CreatedAt: now}
		if err := notify(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}

// excerpt cuts s to n characters, marking the cut.
func excerpt(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}
