package followup

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
)

// Case states, in the order a case goes through them.
const (
	StateVerify  = "verify"  // 待核实: is the rating about this person, is it reasonable?
	StateRectify = "rectify" // 待整改: what was done about it
	StateReply   = "reply"   // 待回访: the return visit to the citizen
	StateClosed  = "closed"  // 已办结
)

// The citizen's satisfaction with what was done, told on the return visit.
const (
	Satisfied    = "satisfied"
	Neutral      = "neutral"
	Dissatisfied = "dissatisfied"
)

// Case is the follow-up of one bad rating (table rating_cases).
//
// The deadline of the verify step is VerifyDue; rectify and reply share
// RectifyDue, because the time limit of a bad rating covers both fixing the
// problem and telling the citizen (整改并回访). A case whose current step is
// past its deadline is overdue; Escalate marks it once (EscalatedAt) and the
// mark stays, even when a later step is on time again.
type Case struct {
	bun.BaseModel `bun:"table:rating_cases,alias:rc"`

	ID         int64 `bun:",pk,autoincrement"`
	CenterID   int64
	RatingID   int64
	StaffID    int64  // the rated person
	TeamID     *int64 // their team on the rating's date; nil if they had none
	State      string // StateVerify, StateRectify, StateReply or StateClosed
	Complex    bool   // RectifyDue counts Rules.ComplexDays instead of RectifyDays
	OpenedAt   time.Time
	VerifyDue  time.Time
	RectifyDue time.Time

	VerifiedAt   *time.Time
	VerifiedBy   string
	Attributable *bool // the rating is about this person's own work
	Reasonable   *bool // the citizen's complaint is reasonable
	VerifyNote   string

	RectifiedAt *time.Time
	RectifiedBy string
	RectifyNote string

	RepliedAt         *time.Time
	RepliedBy         string
	ReplyReached      *bool  // the citizen was reached on the return visit
	ReplySatisfaction string // Satisfied, Neutral, Dissatisfied; "" if not reached
	ReplyNote         string

	ClosedAt    *time.Time
	EscalatedAt *time.Time
	UpdatedAt   time.Time

	// Rating is the rating, with the citizen's personal data as stored:
	// masking it is the caller's business.
	Rating *ratings.Rating `bun:"rel:belongs-to,join:rating_id=id"`
	// Appeal is the person's appeal of the rating, nil if none; its Rating
	// is nil (it is the case's) and its Evidence has no Data.
	Appeal    *Appeal `bun:"-"`
	StaffNo   string  `bun:",scanonly"`
	StaffName string  `bun:",scanonly"`
	TeamName  string  `bun:",scanonly"` // "" without a team

	// Due is the deadline of the current step (zero once closed), and
	// Overdue whether it had passed when the case was read.
	Due     time.Time `bun:"-"`
	Overdue bool      `bun:"-"`
}

// due is the deadline of the case's current step.
func (c *Case) due() time.Time {
	switch c.State {
	case StateVerify:
		return c.VerifyDue
	case StateRectify, StateReply:
		return c.RectifyDue
	}
	return time.Time{}
}

// SQL of the same rule, for listing and escalating (alias rc). Times compare
// correctly as text on SQLite: bun writes them all in UTC in one layout.
const (
	dueSQL     = "CASE rc.state WHEN 'verify' THEN rc.verify_due WHEN 'closed' THEN NULL ELSE rc.rectify_due END"
	overdueSQL = "((rc.state = 'verify' AND rc.verify_due < ?) OR (rc.state IN ('rectify', 'reply') AND rc.rectify_due < ?))"
)

// stateLabel is how a state reads in a message.
func stateLabel(state string) string {
	switch state {
	case StateVerify:
		return "「待核实」"
	case StateRectify:
		return "「待整改」"
	case StateReply:
		return "「待回访」"
	case StateClosed:
		return "「已办结」"
	}
	return state
}

// OpenCases opens a case for each bad rating of rs (level 1 or 2; others
// are skipped) in tx, the transaction that stores them, so a stored bad
// rating always has its case. It fits ratings.Options.OnBad. Ratings that
// already have a case are left alone (ON CONFLICT DO NOTHING), so calling it
// twice, or from two instances, opens one case per rating.
//
// The case's team is the person's team on the rating's date (membership
// history); its deadlines count working days of the center's calendar from
// received_at. The ratings must be stored (have an ID).
func (s *Service) OpenCases(ctx context.Context, tx bun.IDB, rs []ratings.Rating) error {
	var bad []ratings.Rating
	for _, r := range rs {
		if !r.Bad() {
			continue
		}
		if r.ID == 0 {
			return fmt.Errorf("followup: open case: rating %q has no id (not stored)", r.ExternalID)
		}
		bad = append(bad, r)
	}
	return s.openCases(ctx, tx, bad, make(map[int64]deadlines))
}

// openCases opens the cases of bad, stored bad ratings; byCenter caches the
// deadlines of each center (and may come filled in).
func (s *Service) openCases(ctx context.Context, tx bun.IDB, bad []ratings.Rating, byCenter map[int64]deadlines) error {
	if len(bad) == 0 {
		return nil
	}
	now := s.stamp()
	cases := make([]Case, 0, len(bad))
	dates := make([]string, len(bad))
	for i, r := range bad {
		d, ok := byCenter[r.CenterID]
		if !ok {
			var err error
			if d, err = s.deadlines(ctx, tx, r.CenterID); err != nil {
				return err
			}
			byCenter[r.CenterID] = d
		}
		dates[i] = r.PeriodDate
		if dates[i] == "" {
			dates[i] = d.date(r.RatedAt)
		}
		cases = append(cases, Case{
			CenterID: r.CenterID, RatingID: r.ID, StaffID: r.StaffID, State: StateVerify,
			OpenedAt: now, UpdatedAt: now,
			VerifyDue:  d.add(r.ReceivedAt, s.rules.VerifyDays),
			RectifyDue: d.add(r.ReceivedAt, s.rules.RectifyDays),
		})
	}
	if err := teamsOn(ctx, tx, cases, dates); err != nil {
		return err
	}
	for chunk := range slices.Chunk(cases, insertChunk) {
		// RETURNING is suppressed: with DO NOTHING it would return fewer
		// rows than the chunk has, and bun would give ids to wrong elements.
		if _, err := tx.NewInsert().Model(&chunk).On("CONFLICT (rating_id) DO NOTHING").
			Returning("NULL").Exec(ctx); err != nil {
			return fmt.Errorf("followup: open cases: %w", store.Translate(err))
		}
	}
	return nil
}

// insertChunk bounds the rows of one INSERT and the ids of one IN list.
const insertChunk = 100

// teamsOn sets the TeamID of each case to the team its person belonged to
// on dates[i], reading the membership history in db.
func teamsOn(ctx context.Context, db bun.IDB, cases []Case, dates []string) error {
	ids := make([]int64, 0, len(cases))
	for _, c := range cases {
		ids = append(ids, c.StaffID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	history := make(map[int64][]staff.Membership, len(ids))
	for chunk := range slices.Chunk(ids, insertChunk) {
		var ms []staff.Membership
		if err := db.NewSelect().Model(&ms).Where("tm.staff_id IN (?)", bun.List(chunk)).Scan(ctx); err != nil {
			return fmt.Errorf("followup: team memberships: %w", err)
		}
		for _, m := range ms {
			history[m.StaffID] = append(history[m.StaffID], m)
		}
	}
	for i := range cases {
		var best *staff.Membership
		for j, m := range history[cases[i].StaffID] {
			if m.ValidFrom <= dates[i] && (m.ValidTo == nil || *m.ValidTo > dates[i]) &&
				(best == nil || m.ValidFrom > best.ValidFrom) {
				best = &history[cases[i].StaffID][j]
			}
		}
		if best != nil {
			cases[i].TeamID = &best.TeamID
		}
	}
	return nil
}

// Case returns the case with id.
func (s *Service) Case(ctx context.Context, id int64) (*Case, error) {
	return s.oneCase(ctx, s.db, "case "+strconv.FormatInt(id, 10), "rc.id = ?", id)
}

// CaseByRating returns the case of the rating.
func (s *Service) CaseByRating(ctx context.Context, ratingID int64) (*Case, error) {
	return s.oneCase(ctx, s.db, "case of rating "+strconv.FormatInt(ratingID, 10), "rc.rating_id = ?", ratingID)
}

func (s *Service) oneCase(ctx context.Context, db bun.IDB, what, where string, arg any) (*Case, error) {
	var cs []Case
	if err := s.selectCases(db, &cs).Where(where, arg).Scan(ctx); err != nil {
		return nil, fmt.Errorf("followup: %s: %w", what, store.Translate(err))
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("followup: %s: %w", what, store.ErrNotFound)
	}
	if err := s.complete(ctx, db, cs); err != nil {
		return nil, err
	}
	return &cs[0], nil
}

// CaseFilter narrows Cases. Zero fields do not filter, except TeamIDs: nil
// means any team, an empty non-nil slice no team at all (a lead who leads
// none sees nothing rather than everything).
type CaseFilter struct {
	CenterID    int64
	TeamIDs     []int64
	StaffID     int64
	States      []string // StateVerify, …; empty: all
	OverdueOnly bool
	Limit       int // 0: no limit
}

// Cases lists cases: overdue ones first, then the open ones by deadline,
// then the closed ones, last closed first.
func (s *Service) Cases(ctx context.Context, f CaseFilter) ([]Case, error) {
	cs := []Case{}
	if f.TeamIDs != nil && len(f.TeamIDs) == 0 {
		return cs, nil
	}
	if err := checkStates(f.States, StateVerify, StateRectify, StateReply, StateClosed); err != nil {
		return nil, err
	}
	now := s.stamp()
	q := whereFilter(s.selectCases(s.db, &cs), "rc", f.CenterID, f.TeamIDs, f.StaffID, f.States)
	if f.OverdueOnly {
		q = q.Where(overdueSQL, now, now)
	}
	q = q.OrderExpr("CASE WHEN "+overdueSQL+" THEN 0 WHEN rc.state <> 'closed' THEN 1 ELSE 2 END", now, now).
		OrderExpr(dueSQL).OrderExpr("rc.closed_at DESC").OrderExpr("rc.id")
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("followup: list cases: %w", err)
	}
	return cs, s.complete(ctx, s.db, cs)
}

// selectCases selects cases with their rating, person and team.
func (s *Service) selectCases(db bun.IDB, dest *[]Case) *bun.SelectQuery {
	return db.NewSelect().Model(dest).
		ColumnExpr("rc.*").
		ColumnExpr("s.staff_no AS staff_no, s.name AS staff_name, COALESCE(t.name, '') AS team_name").
		Join("JOIN staff AS s ON s.id = rc.staff_id").
		Join("LEFT JOIN teams AS t ON t.id = rc.team_id").
		Relation("Rating")
}

// complete normalizes cases read from either database, computes Due and
// Overdue, and attaches the appeals.
func (s *Service) complete(ctx context.Context, db bun.IDB, cs []Case) error {
	if len(cs) == 0 {
		return nil
	}
	now := s.now()
	ids := make([]int64, len(cs))
	for i := range cs {
		c := &cs[i]
		c.OpenedAt, c.VerifyDue, c.RectifyDue, c.UpdatedAt = c.OpenedAt.UTC(), c.VerifyDue.UTC(), c.RectifyDue.UTC(), c.UpdatedAt.UTC()
		for _, t := range []**time.Time{&c.VerifiedAt, &c.RectifiedAt, &c.RepliedAt, &c.ClosedAt, &c.EscalatedAt} {
			utcPtr(t)
		}
		normalizeRating(c.Rating)
		c.Due = c.due()
		c.Overdue = !c.Due.IsZero() && now.After(c.Due)
		ids[i] = c.RatingID
	}
	appeals, err := s.appealsOf(ctx, db, ids)
	if err != nil {
		return err
	}
	for i := range cs {
		cs[i].Appeal = appeals[cs[i].RatingID]
	}
	return nil
}

func utcPtr(t **time.Time) {
	if *t != nil {
		u := (*t).UTC()
		*t = &u
	}
}

// normalizeRating makes a rating read from either database look the same:
// times in UTC (PostgreSQL's driver returns the local zone), reasons never
// nil.
func normalizeRating(r *ratings.Rating) {
	if r == nil {
		return
	}
	r.RatedAt, r.ReceivedAt, r.CreatedAt = r.RatedAt.UTC(), r.ReceivedAt.UTC(), r.CreatedAt.UTC()
	if r.Reasons == nil {
		r.Reasons = []string{}
	}
}

// change is what a step writes: the columns it set on the case (nil when
// there is nothing to change: no update, no audit) and the audit detail.
type change struct {
	columns []string
	detail  string
}

// step runs one step of a case: it locks the row, refuses the rated person,
// lets fn check the state and set the fields, then saves the columns fn
// names and the audit entry, all in one transaction.
func (s *Service) step(ctx context.Context, caseID int64, a Actor, action string,
	fn func(ctx context.Context, tx bun.Tx, c *Case, now time.Time) (change, error)) (*Case, error) {
	if err := checkActor(a); err != nil {
		return nil, err
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		c := new(Case)
		if err := forUpdate(tx.NewSelect().Model(c).Where("rc.id = ?", caseID)).Scan(ctx); err != nil {
			return notFound(err, "case %d", caseID)
		}
		if a.StaffID != 0 && a.StaffID == c.StaffID {
			return fail(ErrForbidden, "", "不能处理关于自己的差评 (you cannot handle the case of your own rating)")
		}
		now := s.stamp()
		ch, err := fn(ctx, tx, c, now)
		if err != nil || ch.columns == nil {
			return err
		}
		c.UpdatedAt = now
		if _, err := tx.NewUpdate().Model(c).Column(append(ch.columns, "updated_at")...).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("followup: %s case %d: %w", action, caseID, store.Translate(err))
		}
		return s.record(ctx, tx, c.CenterID, a.Label, a.IP, action, caseTarget(c.ID), ch.detail)
	})
	if err != nil {
		return nil, err
	}
	return s.Case(ctx, caseID)
}

func caseTarget(id int64) string { return "rating_case:" + strconv.FormatInt(id, 10) }

func wrongState(c *Case, zh, en string) error {
	return fail(ErrState, "", "案件 %d 当前为%s，不能%s (case %d is at %s: cannot %s)", c.ID, stateLabel(c.State), zh, c.ID, c.State, en)
}

// Verify records the verification — whether the rating is about this
// person's own work (attributable) and whether the complaint is reasonable
// — and moves the case from verify to rectify.
func (s *Service) Verify(ctx context.Context, caseID int64, a Actor, attributable, reasonable bool, note string) (*Case, error) {
	note, err := text("note", note, false)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, caseID, a, "case.verify", func(_ context.Context, _ bun.Tx, c *Case, now time.Time) (change, error) {
		if c.State != StateVerify {
			return change{}, wrongState(c, "核实", "verify")
		}
		c.State, c.VerifiedAt, c.VerifiedBy = StateRectify, &now, a.Label
		c.Attributable, c.Reasonable, c.VerifyNote = &attributable, &reasonable, note
		return change{
			columns: []string{"state", "verified_at", "verified_by", "attributable", "reasonable", "verify_note"},
			detail:  fmt.Sprintf("rating=%d attributable=%t reasonable=%t note=%q", c.RatingID, attributable, reasonable, note),
		}, nil
	})
}

// SetComplex marks a case complex (情况复杂) or not, which moves its rectify
// deadline to Rules.ComplexDays (or back to RectifyDays) working days from
// the rating's receipt. Only before the rectify step is done; setting the
// value the case already has changes nothing.
func (s *Service) SetComplex(ctx context.Context, caseID int64, a Actor, complex bool) (*Case, error) {
	d, err := s.deadlinesBeforeTx(ctx, (*Case)(nil), "rc", "case", caseID)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, caseID, a, "case.complex", func(ctx context.Context, tx bun.Tx, c *Case, _ time.Time) (change, error) {
		if c.State != StateVerify && c.State != StateRectify {
			return change{}, wrongState(c, "更改复杂程度", "change whether it is complex")
		}
		if c.Complex == complex {
			return change{}, nil
		}
		var received time.Time
		if err := tx.NewSelect().Model((*ratings.Rating)(nil)).Column("r.received_at").
			Where("r.id = ?", c.RatingID).Scan(ctx, &received); err != nil {
			return change{}, notFound(err, "rating %d", c.RatingID)
		}
		days := s.rules.RectifyDays
		if complex {
			days = s.rules.ComplexDays
		}
		old := c.RectifyDue
		c.Complex, c.RectifyDue = complex, d.add(received, days)
		return change{
			columns: []string{"complex", "rectify_due"},
			detail:  fmt.Sprintf("rating=%d complex=%t rectify_due=%s (was %s)", c.RatingID, complex, d.date(c.RectifyDue), d.date(old)),
		}, nil
	})
}

// Rectify records what was done about the rating (note, required) and moves
// the case from rectify to reply.
func (s *Service) Rectify(ctx context.Context, caseID int64, a Actor, note string) (*Case, error) {
	note, err := text("note", note, true)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, caseID, a, "case.rectify", func(_ context.Context, _ bun.Tx, c *Case, now time.Time) (change, error) {
		if c.State != StateRectify {
			return change{}, wrongState(c, "整改", "rectify")
		}
		c.State, c.RectifiedAt, c.RectifiedBy, c.RectifyNote = StateReply, &now, a.Label, note
		return change{
			columns: []string{"state", "rectified_at", "rectified_by", "rectify_note"},
			detail:  fmt.Sprintf("rating=%d note=%q", c.RatingID, note),
		}, nil
	})
}

// Reply records the return visit to the citizen and closes the case: whether
// they were reached and, if so, their satisfaction with what was done
// (Satisfied, Neutral or Dissatisfied; "" when not reached).
func (s *Service) Reply(ctx context.Context, caseID int64, a Actor, reached bool, satisfaction, note string) (*Case, error) {
	switch {
	case reached && satisfaction != Satisfied && satisfaction != Neutral && satisfaction != Dissatisfied:
		return nil, fail(ErrInvalid, "satisfaction", "回访满意度 %q 无效，应为 satisfied、neutral 或 dissatisfied (satisfaction must be satisfied, neutral or dissatisfied)", satisfaction)
	case !reached && satisfaction != "":
		return nil, fail(ErrInvalid, "satisfaction", "未联系上群众时不能填写满意度 (no satisfaction when the citizen was not reached)")
	}
	note, err := text("note", note, false)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, caseID, a, "case.reply", func(_ context.Context, _ bun.Tx, c *Case, now time.Time) (change, error) {
		if c.State != StateReply {
			return change{}, wrongState(c, "回访", "reply")
		}
		c.State, c.RepliedAt, c.RepliedBy, c.ClosedAt = StateClosed, &now, a.Label, &now
		c.ReplyReached, c.ReplySatisfaction, c.ReplyNote = &reached, satisfaction, note
		return change{
			columns: []string{"state", "replied_at", "replied_by", "reply_reached", "reply_satisfaction", "reply_note", "closed_at"},
			detail:  fmt.Sprintf("rating=%d reached=%t satisfaction=%s note=%q", c.RatingID, reached, satisfaction, note),
		}, nil
	})
}

// EscalateActor is the audit actor of Escalate, which a scheduler runs.
const EscalateActor = "system:escalate"

// Escalate marks every overdue case of the center that is not marked yet
// (escalated_at), audits each as "case.escalate", tells the center's HR
// people in-app, and returns the cases it marked, most overdue first. It is
// meant to run every few minutes: a case is marked once, and when two
// instances run it at once the conditional UPDATE lets only one of them
// mark (and report) each case.
func (s *Service) Escalate(ctx context.Context, centerID int64) ([]Case, error) {
	now := s.stamp()
	var ids []int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		ids = nil
		var marked []Case
		if err := tx.NewUpdate().Model((*Case)(nil)).
			Set("escalated_at = ?", now).Set("updated_at = ?", now).
			Where("rc.center_id = ?", centerID).Where("rc.escalated_at IS NULL").
			Where(overdueSQL, now, now).
			Returning("id, rating_id, state").Scan(ctx, &marked); err != nil {
			return fmt.Errorf("followup: escalate cases of center %d: %w", centerID, err)
		}
		if len(marked) == 0 {
			return nil
		}
		slices.SortFunc(marked, func(x, y Case) int { return cmp.Compare(x.ID, y.ID) })
		for _, c := range marked {
			ids = append(ids, c.ID)
			if err := s.record(ctx, tx, centerID, EscalateActor, "", "case.escalate", caseTarget(c.ID),
				fmt.Sprintf("rating=%d state=%s", c.RatingID, c.State)); err != nil {
				return err
			}
		}
		return s.notifyEscalated(ctx, tx, centerID, marked, now)
	})
	if err != nil || len(ids) == 0 {
		return []Case{}, err
	}
	cs := []Case{}
	if err := s.selectCases(s.db, &cs).Where("rc.id IN (?)", bun.List(ids)).
		OrderExpr(dueSQL).OrderExpr("rc.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("followup: escalated cases: %w", err)
	}
	return cs, s.complete(ctx, s.db, cs)
}
