package staff

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/store"
)

// StaffInput is what SaveStaff writes: a person identified by (CenterID,
// StaffNo).
type StaffInput struct {
	CenterID int64
	StaffNo  string // 工号; full-width characters are folded
	Name     string
	// TeamID moves the person to that team of the center from AsOf on;
	// 0 leaves the team as it is (for a new person: no team).
	TeamID int64
	// Channels are channel codes (any word channel.Parse understands is
	// accepted and stored as its code); at least one.
	Channels []string
	// ExternalIDs replace the person's external ids (nil or empty clears
	// them). An id held by another person of the center is an error.
	ExternalIDs []string
	Active      bool
	AsOf        string // YYYY-MM-DD a team move takes effect; "" = today
}

// SaveStaff creates the person of in, or updates them if the staff_no is
// already known in the center, and returns them with created reporting
// which. Member.Team is the team they belong to from AsOf on.
//
// A team change closes the current membership on AsOf and opens one from
// AsOf, so history is kept; if the current membership itself started on
// AsOf it is only re-pointed (and merged back into the previous one when
// that was the same team), so same-day corrections never leave zero-length
// or overlapping intervals. A move dated before the current membership
// started is refused.
//
// db is where to write: pass a bun.Tx to make the save part of the caller's
// transaction, or nil (or the service's own *bun.DB) for a standalone call;
// either way the statements run in one (nested) transaction.
func (s *Service) SaveStaff(ctx context.Context, db bun.IDB, in StaffInput) (m *Member, created bool, err error) {
	if db == nil {
		db = s.db
	}
	if in.CenterID == 0 {
		return nil, false, &FieldError{Field: "center_id", Message: "不能为空 (required)"}
	}
	var out *outcome
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		b, err := s.loadBatch(ctx, tx, in.CenterID)
		if err != nil {
			return err
		}
		r := &request{in: in}
		reqs := []*request{r}
		if err := s.plan(ctx, tx, b, reqs); err != nil {
			return err
		}
		if len(r.errs) > 0 {
			return r.errs[0]
		}
		outs, err := s.apply(ctx, tx, b, reqs)
		if err != nil {
			return err
		}
		out = outs[0]
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out.member, out.created, nil
}

// request is one StaffInput on its way through plan and apply; Import adds
// what a spreadsheet row can leave open.
type request struct {
	in   StaffInput
	line int // file line for messages; 0 outside imports

	keepExtIDs bool   // the file has no external-id column: leave them alone
	keepActive bool   // no status given: existing people keep theirs, new ones are active
	newTeam    string // team text matching no team: created if the row is accepted

	errs []*FieldError
}

func (r *request) fail(field, format string, args ...any) {
	r.errs = append(r.errs, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (r *request) failed(field string) bool {
	for _, e := range r.errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// outcome is what apply did for one accepted request.
type outcome struct {
	member  *Member
	created bool
	changed bool // an existing person was updated (fields, ids or team)
	moved   bool // an existing person changed team
}

// batch is the part of the directory a set of requests touches, loaded with
// a handful of queries so that a 10,000-row import does not run 10,000
// lookups.
type batch struct {
	center   *Center
	today    string
	teams    map[int64]*Team       // all teams of the center
	existing map[string]*Staff     // staff_no → row, for the requests' staff_nos
	extIDs   map[int64][]string    // staff id → external ids now
	open     map[int64]*Membership // staff id → membership with valid_to NULL
	owners   map[string]owner      // external id claimed by a request → who holds it now
}

type owner struct {
	StaffID int64
	StaffNo string
}

func (s *Service) loadBatch(ctx context.Context, db bun.IDB, centerID int64) (*batch, error) {
	c, err := s.center(ctx, db, centerID)
	if err != nil {
		return nil, err
	}
	today, err := s.today(c)
	if err != nil {
		return nil, err
	}
	var teams []Team
	if err := db.NewSelect().Model(&teams).Where("t.center_id = ?", centerID).OrderExpr("t.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("staff: load teams: %w", err)
	}
	b := &batch{
		center:   c,
		today:    today,
		teams:    make(map[int64]*Team, len(teams)),
		existing: make(map[string]*Staff),
		extIDs:   make(map[int64][]string),
		open:     make(map[int64]*Membership),
		owners:   make(map[string]owner),
	}
	for i := range teams {
		b.teams[teams[i].ID] = &teams[i]
	}
	return b, nil
}

// plan normalizes and validates every request against the batch, recording
// problems in request.errs. It writes nothing; the error return is for
// database failures only.
func (s *Service) plan(ctx context.Context, db bun.IDB, b *batch, reqs []*request) error {
	for _, r := range reqs {
		b.normalize(r)
	}

	// The same staff_no twice: the later line is the mistake.
	first := make(map[string]*request, len(reqs))
	for _, r := range reqs {
		if r.failed("staff_no") {
			continue
		}
		if f, dup := first[r.in.StaffNo]; dup {
			if f.line > 0 {
				r.fail("staff_no", "工号 %s 重复，第 %d 行已出现 (duplicate of line %d)", r.in.StaffNo, f.line, f.line)
			} else {
				r.fail("staff_no", "工号 %s 重复 (duplicate)", r.in.StaffNo)
			}
			continue
		}
		first[r.in.StaffNo] = r
	}

	if err := s.loadExisting(ctx, db, b, reqs); err != nil {
		return err
	}

	for _, r := range reqs {
		st := b.existing[r.in.StaffNo]
		if st == nil || (r.in.TeamID == 0 && r.newTeam == "") || r.failed("as_of") {
			continue
		}
		// A team still to be created (import) differs from any current one.
		if open := b.open[st.ID]; open != nil && (r.newTeam != "" || open.TeamID != r.in.TeamID) && r.in.AsOf < open.ValidFrom {
			r.fail("as_of", "调动日期 %s 早于现班组起始日期 %s (a move cannot take effect before the current membership started on %s)", r.in.AsOf, open.ValidFrom, open.ValidFrom)
		}
	}

	return s.checkExternalIDs(ctx, db, b, reqs)
}

// normalize folds the input into canonical form and records what is wrong
// with it on its own, without looking at the database.
func (b *batch) normalize(r *request) {
	in := &r.in
	in.StaffNo = normalizeCode(in.StaffNo)
	in.Name = strings.TrimSpace(in.Name)
	if fe := checkText("staff_no", in.StaffNo, maxStaffNo, true); fe != nil {
		r.errs = append(r.errs, fe)
	}
	if fe := checkText("name", in.Name, maxName, false); fe != nil {
		r.errs = append(r.errs, fe)
	}
	if in.CenterID != b.center.ID {
		r.fail("center_id", "与批次中心不符 (center %d, expected %d)", in.CenterID, b.center.ID)
	}
	if in.TeamID != 0 {
		if _, ok := b.teams[in.TeamID]; !ok {
			r.fail("team_id", "班组 %d 不存在 (no such team in this center)", in.TeamID)
		}
	}

	if !r.failed("channels") {
		seen := make(map[string]bool, len(in.Channels))
		for _, w := range in.Channels {
			code, err := channel.Parse(w)
			if err != nil {
				r.fail("channels", "%s", channelMessage(err))
				break
			}
			seen[code] = true
		}
		var codes []string
		for _, c := range channel.All() {
			if seen[c] {
				codes = append(codes, c)
			}
		}
		in.Channels = codes
		if len(codes) == 0 && !r.failed("channels") {
			r.fail("channels", "至少需要一个渠道：窗口/线上/热线 (at least one channel: offline, online, hotline)")
		}
	}

	if !r.keepExtIDs {
		ids := make([]string, 0, len(in.ExternalIDs))
		for _, id := range in.ExternalIDs {
			id = normalizeCode(id)
			if id == "" || slices.Contains(ids, id) {
				continue
			}
			if fe := checkText("external_ids", id, maxExternalID, true); fe != nil {
				fe.Message = strings.Replace(fe.Message, "不能包含空格", "不能包含空格，多个编号用分号分隔", 1)
				r.errs = append(r.errs, fe)
				continue
			}
			ids = append(ids, id)
		}
		in.ExternalIDs = ids
	}

	if strings.TrimSpace(in.AsOf) == "" {
		in.AsOf = b.today
	} else if d, fe := parseDate("as_of", in.AsOf); fe != nil {
		r.errs = append(r.errs, fe)
	} else {
		in.AsOf = d
	}
}

// loadExisting loads the staff rows, external ids and open memberships of
// the people the requests name.
func (s *Service) loadExisting(ctx context.Context, db bun.IDB, b *batch, reqs []*request) error {
	nos := make([]string, 0, len(reqs))
	for _, r := range reqs {
		if !r.failed("staff_no") {
			nos = append(nos, r.in.StaffNo)
		}
	}
	var ids []int64
	for chunk := range slices.Chunk(nos, inChunk) {
		var rows []Staff
		if err := db.NewSelect().Model(&rows).Where("s.center_id = ?", b.center.ID).
			Where("s.staff_no IN (?)", bun.List(chunk)).Scan(ctx); err != nil {
			return fmt.Errorf("staff: load staff: %w", err)
		}
		for i := range rows {
			b.existing[rows[i].StaffNo] = &rows[i]
			ids = append(ids, rows[i].ID)
		}
	}
	for chunk := range slices.Chunk(ids, inChunk) {
		var xs []ExternalID
		if err := db.NewSelect().Model(&xs).Where("x.staff_id IN (?)", bun.List(chunk)).OrderExpr("x.id").Scan(ctx); err != nil {
			return fmt.Errorf("staff: load external ids: %w", err)
		}
		for _, x := range xs {
			b.extIDs[x.StaffID] = append(b.extIDs[x.StaffID], x.ExternalID)
		}
		var ms []Membership
		if err := db.NewSelect().Model(&ms).Where("tm.staff_id IN (?)", bun.List(chunk)).
			Where("tm.valid_to IS NULL").OrderExpr("tm.valid_from").Scan(ctx); err != nil {
			return fmt.Errorf("staff: load memberships: %w", err)
		}
		for i := range ms {
			b.open[ms[i].StaffID] = &ms[i]
		}
	}
	return nil
}

// checkExternalIDs refuses an external id that would end up with two
// people: one claimed by an earlier request for someone else, or held in the
// database by someone who keeps it. Someone "keeps" an id unless an accepted
// request of theirs replaces their ids without it — so swapping ids between
// two people in one file works. Rejecting a request can make someone keep an
// id after all, so the check repeats until nothing changes (rejections only
// grow, so it ends).
func (s *Service) checkExternalIDs(ctx context.Context, db bun.IDB, b *batch, reqs []*request) error {
	var claimed []string
	for _, r := range reqs {
		if len(r.errs) == 0 && !r.keepExtIDs {
			claimed = append(claimed, r.in.ExternalIDs...)
		}
	}
	for chunk := range slices.Chunk(claimed, inChunk) {
		var rows []struct {
			ExternalID string
			StaffID    int64
			StaffNo    string
		}
		if err := db.NewSelect().TableExpr("staff_external_ids AS x").
			ColumnExpr("x.external_id, x.staff_id, s.staff_no").
			Join("JOIN staff AS s ON s.id = x.staff_id").
			Where("x.center_id = ?", b.center.ID).
			Where("x.external_id IN (?)", bun.List(chunk)).Scan(ctx, &rows); err != nil {
			return fmt.Errorf("staff: load external id owners: %w", err)
		}
		for _, row := range rows {
			b.owners[row.ExternalID] = owner{StaffID: row.StaffID, StaffNo: row.StaffNo}
		}
	}

	rejected := make(map[*request]bool)
	for {
		// Final id sets of the people whose ids the accepted requests replace.
		final := make(map[string][]string)
		for _, r := range reqs {
			if len(r.errs) == 0 && !r.keepExtIDs {
				final[r.in.StaffNo] = r.in.ExternalIDs
			}
		}
		claim := make(map[string]*request)
		grew := false
		for _, r := range reqs {
			if len(r.errs) > 0 || r.keepExtIDs {
				continue
			}
			for _, id := range r.in.ExternalIDs {
				if c, ok := claim[id]; ok {
					if c.line > 0 {
						r.fail("external_ids", "外部编号 %s 已在第 %d 行用于工号 %s (already used by staff %s on line %d)", id, c.line, c.in.StaffNo, c.in.StaffNo, c.line)
					} else {
						r.fail("external_ids", "外部编号 %s 已用于工号 %s (already used by staff %s)", id, c.in.StaffNo, c.in.StaffNo)
					}
					continue
				}
				if o, ok := b.owners[id]; ok && o.StaffNo != r.in.StaffNo {
					if ids, replaced := final[o.StaffNo]; !replaced || slices.Contains(ids, id) {
						r.fail("external_ids", "外部编号 %s 已属于工号 %s (already used by staff %s)", id, o.StaffNo, o.StaffNo)
						continue
					}
				}
				claim[id] = r
			}
			if len(r.errs) > 0 && !rejected[r] {
				rejected[r] = true
				grew = true
			}
		}
		if !grew {
			return nil
		}
	}
}

// apply writes the accepted requests (those without errors) and returns
// their outcomes, nil for the others. Inserts are batched; updates touch only
// what changed.
func (s *Service) apply(ctx context.Context, db bun.IDB, b *batch, reqs []*request) ([]*outcome, error) {
	now := s.now().UTC()
	outs := make([]*outcome, len(reqs))

	var (
		newRows   []Staff
		newIdx    []int // reqs index of each newRows entry
		updates   []*Staff
		moves     []move
		replaceOf []int64 // staff whose external ids are replaced
	)
	for i, r := range reqs {
		if len(r.errs) > 0 {
			continue
		}
		in := &r.in
		chans := strings.Join(in.Channels, ";")
		out := &outcome{}
		outs[i] = out
		st := b.existing[in.StaffNo]
		if st == nil {
			active := in.Active || r.keepActive
			newRows = append(newRows, Staff{
				CenterID: b.center.ID, StaffNo: in.StaffNo, Name: in.Name, Channels: chans,
				Active: active, CreatedAt: now, UpdatedAt: now,
			})
			newIdx = append(newIdx, i)
			out.created = true
			continue
		}
		if st.Name != in.Name || st.Channels != chans || (!r.keepActive && st.Active != in.Active) {
			out.changed = true
			st.Name, st.Channels = in.Name, chans
			if !r.keepActive {
				st.Active = in.Active
			}
		}
		if !r.keepExtIDs && !sameSet(b.extIDs[st.ID], in.ExternalIDs) {
			out.changed = true
			replaceOf = append(replaceOf, st.ID)
		}
		if open := b.open[st.ID]; in.TeamID != 0 && (open == nil || open.TeamID != in.TeamID) {
			out.changed, out.moved = true, true
			moves = append(moves, move{staffID: st.ID, open: open, teamID: in.TeamID, asOf: in.AsOf})
		}
		if out.changed {
			st.UpdatedAt = now
			updates = append(updates, st)
		}
	}

	for _, st := range updates {
		if _, err := db.NewUpdate().Model(st).Column("name", "channels", "active", "updated_at").WherePK().Exec(ctx); err != nil {
			return nil, fmt.Errorf("staff: update %s: %w", st.StaffNo, store.Translate(err))
		}
	}
	for chunk := range slices.Chunk(newRows, inChunk) {
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return nil, fmt.Errorf("staff: insert staff: %w", store.Translate(err))
		}
	}

	// Memberships: new people join from AsOf; moves close or re-point.
	var opened []Membership
	for k, i := range newIdx {
		if t := reqs[i].in.TeamID; t != 0 {
			opened = append(opened, Membership{StaffID: newRows[k].ID, TeamID: t, ValidFrom: reqs[i].in.AsOf})
		}
	}
	for _, mv := range moves {
		m, err := mv.apply(ctx, db)
		if err != nil {
			return nil, err
		}
		if m != nil {
			opened = append(opened, *m)
		}
	}
	for chunk := range slices.Chunk(opened, inChunk) {
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return nil, fmt.Errorf("staff: insert memberships: %w", err)
		}
	}

	// External ids: delete every replaced set before inserting any, so ids
	// swapped between two people never collide on the unique index.
	for chunk := range slices.Chunk(replaceOf, inChunk) {
		if _, err := db.NewDelete().Model((*ExternalID)(nil)).Where("staff_id IN (?)", bun.List(chunk)).Exec(ctx); err != nil {
			return nil, fmt.Errorf("staff: delete external ids: %w", err)
		}
	}
	replaced := make(map[int64]bool, len(replaceOf))
	for _, id := range replaceOf {
		replaced[id] = true
	}
	var xs []ExternalID
	for k, i := range newIdx {
		for _, id := range reqs[i].in.ExternalIDs {
			xs = append(xs, ExternalID{CenterID: b.center.ID, StaffID: newRows[k].ID, ExternalID: id})
		}
	}
	for i, r := range reqs {
		if outs[i] == nil || outs[i].created {
			continue
		}
		if st := b.existing[r.in.StaffNo]; replaced[st.ID] {
			for _, id := range r.in.ExternalIDs {
				xs = append(xs, ExternalID{CenterID: b.center.ID, StaffID: st.ID, ExternalID: id})
			}
		}
	}
	for chunk := range slices.Chunk(xs, inChunk) {
		if _, err := db.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return nil, fmt.Errorf("staff: insert external ids: %w", store.Translate(err))
		}
	}

	// What the callers get back.
	for k, i := range newIdx {
		outs[i].member = b.member(newRows[k], reqs[i].in.ExternalIDs, reqs[i].in.TeamID)
	}
	for i, r := range reqs {
		if outs[i] == nil || outs[i].created {
			continue
		}
		st := b.existing[r.in.StaffNo]
		ids := r.in.ExternalIDs
		if r.keepExtIDs {
			ids = b.extIDs[st.ID]
		}
		teamID := r.in.TeamID
		if open := b.open[st.ID]; teamID == 0 && open != nil {
			teamID = open.TeamID
		}
		outs[i].member = b.member(*st, ids, teamID)
	}
	return outs, nil
}

func (b *batch) member(st Staff, ids []string, teamID int64) *Member {
	m := &Member{Staff: st, ExternalIDs: append([]string{}, ids...)}
	if t, ok := b.teams[teamID]; ok {
		tc := *t
		m.Team = &tc
	}
	return m
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y)
}

// move is a team change of an existing person.
type move struct {
	staffID int64
	open    *Membership // current membership, nil if none
	teamID  int64
	asOf    string
}

// apply closes or re-points the open membership and returns the membership
// to insert, if any.
func (mv move) apply(ctx context.Context, db bun.IDB) (*Membership, error) {
	next := &Membership{StaffID: mv.staffID, TeamID: mv.teamID, ValidFrom: mv.asOf}
	if mv.open == nil {
		return next, nil
	}
	if mv.open.ValidFrom != mv.asOf {
		if _, err := db.NewUpdate().Model((*Membership)(nil)).Set("valid_to = ?", mv.asOf).
			Where("id = ?", mv.open.ID).Exec(ctx); err != nil {
			return nil, fmt.Errorf("staff: close membership: %w", err)
		}
		return next, nil
	}

	// The current membership began today (AsOf): a second move on the same
	// day corrects the first instead of leaving a zero-length interval.
	prev := new(Membership)
	err := db.NewSelect().Model(prev).Where("tm.staff_id = ?", mv.staffID).Where("tm.valid_to = ?", mv.asOf).
		OrderExpr("tm.valid_from DESC").Limit(1).Scan(ctx)
	switch {
	case err == nil && prev.TeamID == mv.teamID:
		// Back to the team of the day before: one unbroken membership.
		if _, err := db.NewDelete().Model((*Membership)(nil)).Where("id = ?", mv.open.ID).Exec(ctx); err != nil {
			return nil, fmt.Errorf("staff: merge membership: %w", err)
		}
		if _, err := db.NewUpdate().Model((*Membership)(nil)).Set("valid_to = NULL").Where("id = ?", prev.ID).Exec(ctx); err != nil {
			return nil, fmt.Errorf("staff: merge membership: %w", err)
		}
	case err == nil || errors.Is(err, sql.ErrNoRows):
		if _, err := db.NewUpdate().Model((*Membership)(nil)).Set("team_id = ?", mv.teamID).
			Where("id = ?", mv.open.ID).Exec(ctx); err != nil {
			return nil, fmt.Errorf("staff: re-point membership: %w", err)
		}
	default:
		return nil, fmt.Errorf("staff: previous membership: %w", err)
	}
	return nil, nil
}
