// Package scores loads what scoring needs from the database, computes the
// quality scores of a center for a period (package scoring does the maths),
// keeps the versioned scoring settings, and freezes the scores of a closed
// period as numbered issues: a later change gives an audited re-issue with a
// reason, never a silent rewrite.
package scores

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
)

// Errors of the package, besides store.ErrNotFound and scoring.ErrInvalid.
var (
	// ErrClosed: the period is closed already (Close again), or a change
	// needs a re-issue.
	ErrClosed = errors.New("scores: period closed")
	// ErrOpen: a re-issue of a period that was never closed.
	ErrOpen = errors.New("scores: period not closed")
)

// Service computes, issues and explains scores.
type Service struct {
	db      *bun.DB
	now     func() time.Time
	staff   *staff.Service
	quizzes *quizstore.Store
	audit   *audit.Log
	cache   *sheetCache // nil: off
}

// New returns the service.
func New(db *bun.DB, now func() time.Time, st *staff.Service, qs *quizstore.Store, al *audit.Log, opts ...Option) *Service {
	s := &Service{db: db, now: now, staff: st, quizzes: qs, audit: al, cache: newSheetCache(DefaultCacheSize)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Sheet is the scores of a center for one period: live, or as issued when
// the period is closed.
type Sheet struct {
	Period   scoring.Period
	Settings scoring.Settings
	Channels map[string]scoring.ChannelStat
	Scores   []scoring.Score
	IssueNo  int // 0: the period is open and the scores are live
	IssuedAt time.Time
	IssuedBy string
	Reason   string
}

// Closed reports whether the sheet is an issue of a closed period.
func (s *Sheet) Closed() bool { return s.IssueNo > 0 }

// Compute computes the live scores of the center for the period.
func (s *Service) Compute(ctx context.Context, centerID int64, p scoring.Period) (*Sheet, error) {
	in, err := s.Input(ctx, centerID, p)
	if err != nil {
		return nil, err
	}
	return sheetOf(in), nil
}

// sheetOf computes the live sheet of in.
func sheetOf(in scoring.Input) *Sheet {
	res := scoring.Compute(in)
	return &Sheet{Period: in.Period, Settings: in.Settings, Channels: res.Channels, Scores: res.Scores}
}

// Sheet returns the scores of a period: the newest issue when the period is
// closed, else the live computation — from the service's cache while the
// data it was computed from is unchanged (see cache.go). The returned
// Sheet is the caller's, but its Scores, Channels and Settings may be shared
// with other callers and must not be modified in place.
func (s *Service) Sheet(ctx context.Context, centerID int64, p scoring.Period) (*Sheet, error) {
	sh, err := s.sheet(ctx, centerID, p)
	if err != nil {
		return nil, err
	}
	return shared(sh), nil
}

// sheet is Sheet without the copy: the cached sheet itself.
func (s *Service) sheet(ctx context.Context, centerID int64, p scoring.Period) (*Sheet, error) {
	iss, err := s.latestIssue(ctx, s.db, centerID, p)
	switch {
	case errors.Is(err, store.ErrNotFound) && s.cache == nil:
		return s.Compute(ctx, centerID, p)
	case errors.Is(err, store.ErrNotFound):
		return s.cachedLive(ctx, centerID, p)
	case err != nil:
		return nil, err
	case s.cache == nil:
		return s.issuedSheet(ctx, iss, p)
	}
	return s.cachedIssue(ctx, iss, p)
}

// Person returns one person's entry of Sheet, or store.ErrNotFound when the
// person has no score in the period (not in the center during it).
func (sh *Sheet) Person(staffNo string) (*scoring.Score, error) {
	for i := range sh.Scores {
		if sh.Scores[i].StaffNo == staffNo {
			return &sh.Scores[i], nil
		}
	}
	return nil, fmt.Errorf("scores: %s has no score in %s: %w", staffNo, sh.Period, store.ErrNotFound)
}

// Team returns the entries of one team, in the sheet's order.
func (sh *Sheet) Team(teamID int64) []scoring.Score {
	var out []scoring.Score
	for _, sc := range sh.Scores {
		if sc.TeamID == teamID {
			out = append(out, sc)
		}
	}
	return out
}

// Input loads everything Compute needs for the center and period.
func (s *Service) Input(ctx context.Context, centerID int64, p scoring.Period) (scoring.Input, error) {
	in, _, err := s.input(ctx, centerID, p, -1)
	return in, err
}

// input is Input. With split ≥ 0 the ratings of ids up to split come first
// in in.Ratings, their number returned, so that the cache can add newer
// ratings to them later (cache.go).
func (s *Service) input(ctx context.Context, centerID int64, p scoring.Period, split int64) (scoring.Input, int, error) {
	today, err := s.staff.Today(ctx, centerID)
	if err != nil {
		return scoring.Input{}, 0, err
	}
	set, _, err := s.Settings(ctx, centerID, p)
	if err != nil {
		return scoring.Input{}, 0, err
	}
	in := scoring.Input{Period: p, Today: today, Settings: set}
	// The reads are independent: the ratings are the database's work (one
	// aggregate), the enrolments mostly ours (hundreds of thousands of
	// rows to scan), so at once they take about as long as the ratings.
	var older, newer []scoring.Rating
	var errs [3]error
	var wg sync.WaitGroup
	wg.Go(func() { in.People, errs[0] = s.people(ctx, centerID, p) })
	wg.Go(func() { older, newer, errs[1] = s.ratings(ctx, centerID, p, 0, split) })
	wg.Go(func() { in.Enrolments, errs[2] = s.enrolments(ctx, centerID, p) })
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return in, 0, err
	}
	in.Ratings = append(older, newer...)
	return in, len(older), nil
}

// people lists everyone who belonged to a team of the center during the
// period, with the team they belonged to at its end (or when they left, if
// they left during it), ordered by team and staff number.
func (s *Service) people(ctx context.Context, centerID int64, p scoring.Period) ([]scoring.Person, error) {
	type row struct {
		StaffID   int64  `bun:"staff_id"`
		StaffNo   string `bun:"staff_no"`
		Name      string `bun:"name"`
		TeamID    int64  `bun:"team_id"`
		Team      string `bun:"team"`
		ValidFrom string `bun:"valid_from"`
	}
	var rows []row
	if err := s.db.NewSelect().TableExpr("team_memberships AS m").
		Join("JOIN staff AS s ON s.id = m.staff_id").
		Join("JOIN teams AS t ON t.id = m.team_id").
		ColumnExpr("m.staff_id, s.staff_no, s.name, m.team_id, t.name AS team, m.valid_from").
		Where("s.center_id = ?", centerID).
		Where("m.valid_from <= ?", p.LastDate()).
		Where("(m.valid_to IS NULL OR m.valid_to > ?)", p.FirstDate()).
		OrderExpr("m.staff_id, m.valid_from").
		Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("scores: people of %s: %w", p, err)
	}
	last := map[int64]row{}
	var order []int64
	for _, r := range rows {
		if _, ok := last[r.StaffID]; !ok {
			order = append(order, r.StaffID)
		}
		last[r.StaffID] = r // ordered by valid_from: the latest wins
	}
	out := make([]scoring.Person, 0, len(order))
	for _, id := range order {
		r := last[id]
		out = append(out, scoring.Person{StaffID: r.StaffID, StaffNo: r.StaffNo, Name: r.Name, TeamID: r.TeamID, Team: r.Team})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Team != out[j].Team {
			return out[i].Team < out[j].Team
		}
		return out[i].StaffNo < out[j].StaffNo
	})
	return out, nil
}

// ratings loads the period's ratings of the center grouped by person,
// channel and level, with how many of each group are default ratings,
// excluded by an upheld appeal or by a partly upheld one — so a month of
// millions of ratings is one aggregate scan, not millions of rows in
// memory, and the same aggregate as a plain count by person, channel and
// level (the database runs it the same way, in parallel on PostgreSQL).
// With above > 0 it loads only the ratings with a higher id (the newest:
// an index range). With split ≥ 0 the ratings with an id above split come
// back apart, as newer; else all are older.
func (s *Service) ratings(ctx context.Context, centerID int64, p scoring.Period, above, split int64) (older, newer []scoring.Rating, err error) {
	// Each rating is counted in the first kind that applies, as
	// scoring.Compute does: default, excluded, partly excluded, plain.
	const kinds = `COUNT(*) FILTER (WHERE %[1]s),
 COUNT(*) FILTER (WHERE %[1]s AND is_default),
 COUNT(*) FILTER (WHERE %[1]s AND NOT is_default AND excluded),
 COUNT(*) FILTER (WHERE %[1]s AND NOT is_default AND NOT excluded AND personal_excluded)`
	q := s.db.NewSelect().TableExpr("ratings")
	if above > 0 {
		q = s.db.NewSelect().TableExpr(newestRatings(s.db)).Where("id > ?", above)
	}
	q = q.ColumnExpr("staff_id, channel, level").ColumnExpr(fmt.Sprintf(kinds, "TRUE"))
	if split >= 0 {
		q = q.ColumnExpr(fmt.Sprintf(kinds, "id > "+strconv.FormatInt(split, 10)))
	}
	rows, err := q.Where("center_id = ?", centerID).
		Where("period_date >= ? AND period_date <= ?", p.FirstDate(), p.LastDate()).
		GroupExpr("staff_id, channel, level").Rows(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("scores: ratings of %s: %w", p, err)
	}
	defer rows.Close()
	add := func(out []scoring.Rating, staffID int64, channel string, level int, c *[4]int) []scoring.Rating {
		plain := c[0] - c[1] - c[2] - c[3]
		for _, g := range []scoring.Rating{
			{Count: plain}, {IsDefault: true, Count: c[1]}, {Excluded: true, Count: c[2]}, {PersonalExcluded: true, Count: c[3]},
		} {
			if g.Count > 0 {
				g.StaffID, g.Channel, g.Level = staffID, channel, level
				out = append(out, g)
			}
		}
		return out
	}
	var staffID int64
	var channel string
	var level int
	var all, fresh [4]int
	dest := []any{&staffID, &channel, &level, &all[0], &all[1], &all[2], &all[3]}
	if split >= 0 {
		dest = append(dest, &fresh[0], &fresh[1], &fresh[2], &fresh[3])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, fmt.Errorf("scores: ratings of %s: %w", p, err)
		}
		var old [4]int
		for i := range old {
			old[i] = all[i] - fresh[i]
		}
		older = add(older, staffID, channel, level, &old)
		newer = add(newer, staffID, channel, level, &fresh)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("scores: ratings of %s: %w", p, err)
	}
	return older, newer, nil
}

// enrolments loads the enrolments due or completed in the period with their
// quiz outcome: the quizzes of the center's modules (a few hundred at
// most), then one query of the enrolments with the attempts made under
// them (a month of a big center has hundreds of thousands), read row by row
// in enrolment order, each enrolment's outcome given by quizstore.ResultOf.
func (s *Service) enrolments(ctx context.Context, centerID int64, p scoring.Period) ([]scoring.Enrolment, error) {
	type quiz struct {
		ID            int64   `bun:"id"`
		ModuleID      int64   `bun:"module_id"`
		GradingMethod string  `bun:"grading_method"`
		PassPercent   float64 `bun:"pass_percent"`
	}
	var qs []quiz
	if err := s.db.NewSelect().TableExpr("quizzes").ColumnExpr("id, module_id, grading_method, pass_percent").
		Where("module_id IN (SELECT id FROM modules WHERE center_id = ?)", centerID).Scan(ctx, &qs); err != nil {
		return nil, fmt.Errorf("scores: quizzes: %w", err)
	}
	quizOf := make(map[int64]*quiz, len(qs))
	for i := range qs {
		quizOf[qs[i].ModuleID] = &qs[i]
	}
	first, last := p.FirstDate(), p.LastDate()
	rows, err := s.db.NewSelect().TableExpr("enrolments AS e").
		Join("LEFT JOIN attempts AS a ON a.enrolment_id = e.id").
		ColumnExpr("e.id, e.staff_id, e.module_id, e.due_date, e.completed_on").
		ColumnExpr("a.id, a.quiz_id, a.number, a.state, a.grade_percent").
		Where("e.center_id = ?", centerID).
		Where("((e.due_date >= ? AND e.due_date <= ?) OR (e.completed_on >= ? AND e.completed_on <= ?))", first, last, first, last).
		OrderExpr("e.id").Rows(ctx)
	if err != nil {
		return nil, fmt.Errorf("scores: enrolments of %s: %w", p, err)
	}
	defer rows.Close()
	var out []scoring.Enrolment
	var attempts []quizstore.QuizAttempt
	var cur struct {
		id   int64
		e    scoring.Enrolment
		quiz *quiz
	}
	flush := func() {
		if cur.id == 0 {
			return
		}
		if cur.quiz != nil {
			res := quizstore.ResultOf(cur.quiz.GradingMethod, cur.quiz.PassPercent, attempts)
			cur.e.HasQuiz, cur.e.Grade, cur.e.Attempted = true, res.Grade, res.Attempted
		}
		out = append(out, cur.e)
		attempts = attempts[:0]
	}
	// Hundreds of thousands of rows: the texts are read without a copy
	// (RawBytes), and the dates, a few hundred distinct ones, are made
	// strings once each: less to allocate now and to keep in the cache.
	dates := map[string]string{}
	date := func(b []byte) string {
		d, ok := dates[string(b)]
		if !ok {
			d = string(b)
			dates[d] = d
		}
		return d
	}
	var id, staffID, moduleID int64
	var due, done, state sql.RawBytes
	var grade sql.NullFloat64
	var aid, quizID, number sql.NullInt64
	for rows.Next() {
		if err := rows.Scan(&id, &staffID, &moduleID, &due, &done, &aid, &quizID, &number, &state, &grade); err != nil {
			return nil, fmt.Errorf("scores: enrolments of %s: %w", p, err)
		}
		if id != cur.id {
			flush()
			cur.id, cur.e, cur.quiz = id, scoring.Enrolment{StaffID: staffID, Due: date(due)}, quizOf[moduleID]
			if done != nil {
				cur.e.CompletedOn = date(done)
			}
		}
		// Only attempts at the module's quiz count.
		if aid.Valid && cur.quiz != nil && quizID.Int64 == cur.quiz.ID {
			a := quizstore.QuizAttempt{ID: aid.Int64, Number: int(number.Int64), Finished: string(state) == quizstore.StateFinished}
			if grade.Valid {
				g := grade.Float64
				a.GradePercent = &g
			}
			attempts = append(attempts, a)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scores: enrolments of %s: %w", p, err)
	}
	flush()
	return out, nil
}

// settingsRow is one version of a center's scoring settings.
type settingsRow struct {
	bun.BaseModel `bun:"table:score_settings,alias:ss"`
	ID            int64 `bun:",pk,autoincrement"`
	CenterID      int64
	EffectiveFrom string
	Config        string
	Reason        string
	CreatedBy     string
	CreatedAt     time.Time
}

// SettingsVersion describes one saved version of the settings.
type SettingsVersion struct {
	ID            int64
	EffectiveFrom string // first month it applies to, YYYY-MM
	Settings      scoring.Settings
	Reason        string
	CreatedBy     string
	CreatedAt     time.Time
}

// Settings returns the settings that apply to the period — the newest
// version whose first month is not after the period's — or the defaults
// when none was saved (version nil).
func (s *Service) Settings(ctx context.Context, centerID int64, p scoring.Period) (scoring.Settings, *SettingsVersion, error) {
	var r settingsRow
	err := s.db.NewSelect().Model(&r).Where("ss.center_id = ?", centerID).
		Where("ss.effective_from <= ?", p.FirstMonth()).
		OrderExpr("ss.effective_from DESC, ss.id DESC").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return scoring.DefaultSettings(), nil, nil
	}
	if err != nil {
		return scoring.Settings{}, nil, fmt.Errorf("scores: settings: %w", err)
	}
	v, err := r.version()
	if err != nil {
		return scoring.Settings{}, nil, err
	}
	return v.Settings, v, nil
}

func (r *settingsRow) version() (*SettingsVersion, error) {
	set := scoring.DefaultSettings()
	if err := json.Unmarshal([]byte(r.Config), &set); err != nil {
		return nil, fmt.Errorf("scores: settings %d: %w", r.ID, err)
	}
	return &SettingsVersion{ID: r.ID, EffectiveFrom: r.EffectiveFrom, Settings: set, Reason: r.Reason, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}, nil
}

// SettingsHistory lists every saved version, newest first.
func (s *Service) SettingsHistory(ctx context.Context, centerID int64) ([]SettingsVersion, error) {
	var rows []settingsRow
	if err := s.db.NewSelect().Model(&rows).Where("ss.center_id = ?", centerID).
		OrderExpr("ss.effective_from DESC, ss.id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("scores: settings history: %w", err)
	}
	out := make([]SettingsVersion, 0, len(rows))
	for i := range rows {
		v, err := rows[i].version()
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// Actor is who makes a change, for the audit log.
type Actor struct{ Name, IP string }

// SaveSettings stores a new version of the settings applying from the period
// from onward (its first month), audited with the reason. Closed periods keep
// their issued scores; one that should follow the new settings needs a
// re-issue (Reissue), which is audited with its own reason.
func (s *Service) SaveSettings(ctx context.Context, centerID int64, from scoring.Period, set scoring.Settings, reason string, by Actor) (*SettingsVersion, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	if reason == "" {
		return nil, &scoring.FieldError{Field: "reason", Message: "请说明修改原因 (a reason is required)"}
	}
	cfg, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	r := &settingsRow{CenterID: centerID, EffectiveFrom: from.FirstMonth(), Config: string(cfg), Reason: reason,
		CreatedBy: by.Name, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(r).Exec(ctx); err != nil {
			return fmt.Errorf("scores: save settings: %w", err)
		}
		return s.audit.Record(ctx, tx, audit.Entry{CenterID: &centerID, Actor: by.Name, IP: by.IP, Action: "scores.settings",
			Target: "from:" + from.FirstMonth(), Detail: reason + " · " + string(cfg)})
	})
	if err != nil {
		return nil, err
	}
	return r.version()
}
