package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/rbac"
)

// AssignInput assigns a module: TargetID names the person or team,
// TargetValue the role or channel.
type AssignInput struct {
	CenterID, ModuleID int64
	TargetKind         string // TargetStaff, TargetTeam, TargetRole, TargetChannel
	TargetID           int64
	TargetValue        string
	DueDate            string // YYYY-MM-DD, today or later in the center's time zone
}

// Assign assigns a published module and enrols the people it covers right
// away, returning the assignment and the number of enrolments created. The
// target must exist in the center (ErrInvalid naming target_id or
// target_value); the due date must not be in the past; a module without a
// published version cannot be assigned.
func (s *Service) Assign(ctx context.Context, in AssignInput, by int64) (*Assignment, int, error) {
	today, err := s.today(ctx, s.db, in.CenterID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, invalidf("center_id", "no center %d", in.CenterID)
		}
		return nil, 0, err
	}
	due, err := parseDate("due_date", strings.TrimSpace(in.DueDate))
	if err != nil {
		return nil, 0, err
	}
	if due < today {
		return nil, 0, invalidf("due_date", "%s is in the past (today is %s)", due, today)
	}
	m, err := moduleByID(ctx, s.db, in.ModuleID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.CenterID != in.CenterID) {
		return nil, 0, invalidf("module_id", "no module %d in this center", in.ModuleID)
	}
	if err != nil {
		return nil, 0, err
	}
	if _, err := currentVersion(ctx, s.db, m.ID); errors.Is(err, store.ErrNotFound) {
		return nil, 0, invalidf("module_id", "module %s has no published version yet", m.Code)
	} else if err != nil {
		return nil, 0, err
	}
	a := &Assignment{CenterID: in.CenterID, ModuleID: m.ID, TargetKind: in.TargetKind, DueDate: due, Active: true,
		CreatedBy: by, CreatedAt: s.now().UTC()}
	roles := map[string][]int64{}
	switch in.TargetKind {
	case TargetStaff:
		var st staff.Staff
		if err := s.db.NewSelect().Model(&st).Where("s.id = ?", in.TargetID).Where("s.center_id = ?", in.CenterID).
			Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, 0, invalidf("target_id", "no staff member %d in this center", in.TargetID)
			}
			return nil, 0, fmt.Errorf("training: find staff %d: %w", in.TargetID, err)
		}
		a.TargetID, a.TargetName = &st.ID, st.Name
	case TargetTeam:
		t, err := s.staff.Team(ctx, in.CenterID, in.TargetID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, 0, invalidf("target_id", "no team %d in this center", in.TargetID)
		}
		if err != nil {
			return nil, 0, err
		}
		a.TargetID, a.TargetName = &t.ID, t.Name
	case TargetRole:
		role := strings.TrimSpace(in.TargetValue)
		if !rbac.ValidRole(role) || role == rbac.RoleRatingFeed {
			return nil, 0, invalidf("target_value", "unknown role %q", in.TargetValue)
		}
		if s.roleMembers == nil {
			return nil, 0, invalidf("target_value", "role assignments are not available")
		}
		ids, err := s.roleMembers(ctx, in.CenterID, role)
		if err != nil {
			return nil, 0, fmt.Errorf("training: members of role %s: %w", role, err)
		}
		roles[role] = ids
		a.TargetValue, a.TargetName = role, role
	case TargetChannel:
		code, err := channel.Parse(in.TargetValue)
		if err != nil {
			return nil, 0, invalidf("target_value", "unknown channel %q", in.TargetValue)
		}
		a.TargetValue, a.TargetName = code, code
	default:
		return nil, 0, invalidf("target_kind", "want staff, team, role or channel, got %q", in.TargetKind)
	}

	var n int
	err = s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			return fmt.Errorf("training: create assignment: %w", store.Translate(err))
		}
		sy := &syncer{s: s, tx: tx, today: today, roles: roles}
		var err error
		n, err = sy.assignment(ctx, a)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	a.Module = m
	return a, n, nil
}

// Assignments lists the center's assignments (of one module, or of all when
// moduleID is 0), newest first, with their module and target name.
func (s *Service) Assignments(ctx context.Context, centerID int64, moduleID int64) ([]Assignment, error) {
	as := []Assignment{}
	q := s.db.NewSelect().Model(&as).Relation("Module").Where("a.center_id = ?", centerID)
	if moduleID != 0 {
		q = q.Where("a.module_id = ?", moduleID)
	}
	if err := q.OrderExpr("a.id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("training: list assignments: %w", err)
	}
	var staffIDs, teamIDs []int64
	for _, a := range as {
		switch {
		case a.TargetID == nil:
		case a.TargetKind == TargetStaff:
			staffIDs = append(staffIDs, *a.TargetID)
		case a.TargetKind == TargetTeam:
			teamIDs = append(teamIDs, *a.TargetID)
		}
	}
	names := map[string]string{}
	if len(staffIDs) > 0 {
		var rows []staff.Staff
		if err := s.db.NewSelect().Model(&rows).Column("s.id", "s.name").Where("s.id IN (?)", bun.List(staffIDs)).Scan(ctx); err != nil {
			return nil, fmt.Errorf("training: assignment staff: %w", err)
		}
		for _, r := range rows {
			names[fmt.Sprintf("staff:%d", r.ID)] = r.Name
		}
	}
	if len(teamIDs) > 0 {
		var rows []staff.Team
		if err := s.db.NewSelect().Model(&rows).Column("t.id", "t.name").Where("t.id IN (?)", bun.List(teamIDs)).Scan(ctx); err != nil {
			return nil, fmt.Errorf("training: assignment teams: %w", err)
		}
		for _, r := range rows {
			names[fmt.Sprintf("team:%d", r.ID)] = r.Name
		}
	}
	for i := range as {
		a := &as[i]
		if a.TargetID != nil {
			a.TargetName = names[fmt.Sprintf("%s:%d", a.TargetKind, *a.TargetID)]
		} else {
			a.TargetName = a.TargetValue
		}
	}
	return as, nil
}

// CancelAssignment deactivates an assignment: it covers nobody new, and the
// enrolments it created stay.
func (s *Service) CancelAssignment(ctx context.Context, id int64) error {
	res, err := s.db.NewUpdate().Model((*Assignment)(nil)).Set("active = ?", false).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("training: cancel assignment %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("training: assignment %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// SyncAssignments expands every active assignment of the center: each
// active person it covers today who has neither an open enrolment for the
// module nor a valid completion is enrolled on the published version, due
// on the assignment's due date — or, for a late joiner whose assignment is
// already due, LateJoinerDays from today. It is idempotent and safe to run
// concurrently (one open enrolment per person and module is a unique index).
// It returns the number of enrolments created.
func (s *Service) SyncAssignments(ctx context.Context, centerID int64) (int, error) {
	today, err := s.today(ctx, s.db, centerID)
	if err != nil {
		return 0, err
	}
	var as []Assignment
	if err := s.db.NewSelect().Model(&as).Where("a.center_id = ?", centerID).Where("a.active = ?", true).
		OrderExpr("a.id").Scan(ctx); err != nil {
		return 0, fmt.Errorf("training: list assignments: %w", err)
	}
	if len(as) == 0 {
		return 0, nil
	}
	// Role members come from outside (the policy store): ask before the
	// transaction starts.
	roles := map[string][]int64{}
	for _, a := range as {
		if a.TargetKind != TargetRole {
			continue
		}
		if _, done := roles[a.TargetValue]; done || s.roleMembers == nil {
			continue
		}
		ids, err := s.roleMembers(ctx, centerID, a.TargetValue)
		if err != nil {
			return 0, fmt.Errorf("training: members of role %s: %w", a.TargetValue, err)
		}
		roles[a.TargetValue] = ids
	}
	var n int
	err = s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		n = 0
		sy := &syncer{s: s, tx: tx, today: today, roles: roles}
		for i := range as {
			k, err := sy.assignment(ctx, &as[i])
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	return n, err
}

// syncer expands assignments inside one transaction.
type syncer struct {
	s     *Service
	tx    bun.Tx
	today string
	roles map[string][]int64
	mods  map[int64]*moduleState
}

// moduleState is what a sync needs to know about a module once.
type moduleState struct {
	module  *Module
	current *Version // nil: nothing published, nothing to enrol on
}

func (sy *syncer) module(ctx context.Context, id int64) (*moduleState, error) {
	if st, ok := sy.mods[id]; ok {
		return st, nil
	}
	if sy.mods == nil {
		sy.mods = map[int64]*moduleState{}
	}
	m, err := moduleByID(ctx, sy.tx, id)
	if err != nil {
		return nil, err
	}
	st := &moduleState{module: m}
	v, err := currentVersion(ctx, sy.tx, id)
	switch {
	case err == nil:
		st.current = v
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	sy.mods[id] = st
	return st, nil
}

// assignment enrols the people a covers who need it.
func (sy *syncer) assignment(ctx context.Context, a *Assignment) (int, error) {
	st, err := sy.module(ctx, a.ModuleID)
	if err != nil || st.current == nil {
		return 0, err
	}
	ids, err := sy.targets(ctx, a)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	need, err := sy.s.needing(ctx, sy.tx, a.ModuleID, ids, sy.today)
	if err != nil {
		return 0, err
	}
	due := a.DueDate
	if due < sy.today {
		due = addDays(sy.today, LateJoinerDays)
	}
	n := 0
	for _, sid := range need {
		e := &Enrolment{CenterID: a.CenterID, StaffID: sid, ModuleID: a.ModuleID, VersionID: st.current.ID,
			AssignmentID: &a.ID, Reason: ReasonAssigned, DueDate: due}
		ok, err := sy.s.enrol(ctx, sy.tx, e, st.current)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// targets returns the active people of the assignment's center it covers
// today, sorted by id.
func (sy *syncer) targets(ctx context.Context, a *Assignment) ([]int64, error) {
	q := sy.tx.NewSelect().Model((*staff.Staff)(nil)).Column("s.id").
		Where("s.center_id = ?", a.CenterID).Where("s.active = ?", true).OrderExpr("s.id")
	switch a.TargetKind {
	case TargetStaff:
		if a.TargetID == nil {
			return nil, nil
		}
		q = q.Where("s.id = ?", *a.TargetID)
	case TargetTeam:
		if a.TargetID == nil {
			return nil, nil
		}
		q = q.Where("s.id IN (?)", sy.tx.NewSelect().Model((*staff.Membership)(nil)).Column("tm.staff_id").
			Where("tm.team_id = ?", *a.TargetID).Where("tm.valid_from <= ?", sy.today).
			Where("(tm.valid_to IS NULL OR tm.valid_to > ?)", sy.today))
	case TargetChannel:
		q = q.Where("(';' || s.channels || ';') LIKE ?", "%;"+a.TargetValue+";%")
	case TargetRole:
		ids := sy.roles[a.TargetValue]
		if len(ids) == 0 {
			return nil, nil
		}
		var out []int64
		for chunk := range slices.Chunk(ids, inChunk) {
			var part []int64
			if err := q.Clone().Where("s.id IN (?)", bun.List(chunk)).Scan(ctx, &part); err != nil {
				return nil, fmt.Errorf("training: role members: %w", err)
			}
			out = append(out, part...)
		}
		slices.Sort(out)
		return out, nil
	default:
		return nil, nil
	}
	var ids []int64
	if err := q.Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("training: assignment %d targets: %w", a.ID, err)
	}
	return ids, nil
}
