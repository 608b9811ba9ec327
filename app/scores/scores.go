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
	res := scoring.Compute(in)
	return &Sheet{Period: p, Settings: in.Settings, Channels: res.Channels, Scores: res.Scores}, nil
}

// Sheet returns the scores of a period: the newest issue when the period is
// closed, else the live computation — from the service's cache while the
// data it was computed from is unchanged (see cache.go). The returned
// Sheet is the caller's, but its Scores, Channels and Settings may be shared
// with other callers and must not be modified in place.
func (s *Service) Sheet(ctx context.Context, centerID int64, p scoring.Period) (*Sheet, error) {
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
	today, err := s.staff.Today(ctx, centerID)
	if err != nil {
		return scoring.Input{}, err
	}
	set, _, err := s.Settings(ctx, centerID, p)
	if err != nil {
		return scoring.Input{}, err
	}
	in := scoring.Input{Period: p, Today: today, Settings: set}
	if in.People, err = s.people(ctx, centerID, p); err != nil {
		return in, err
	}
	if in.Ratings, err = s.ratings(ctx, centerID, p); err != nil {
		return in, err
	}
	if in.Enrolments, err = s.enrolments(ctx, centerID, p); err != nil {
		return in, err
	}
	return in, nil
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

// ratings loads the period's ratings of the center grouped by what scoring
// distinguishes — one row per (person, channel, level, flags) with its count
// — so a month of millions of ratings is one aggregate scan, not millions of
// rows in memory.
func (s *Service) ratings(ctx context.Context, centerID int64, p scoring.Period) ([]scoring.Rating, error) {
	type row struct {
		StaffID          int64  `bun:"staff_id"`
		Channel          string `bun:"channel"`
		Level            int    `bun:"level"`
		IsDefault        bool   `bun:"is_default"`
		Excluded         bool   `bun:"excluded"`
		PersonalExcluded bool   `bun:"personal_excluded"`
		N                int    `bun:"n"`
	}
	var rows []row
	if err := s.db.NewSelect().TableExpr("ratings").
		ColumnExpr("staff_id, channel, level, is_default, excluded, personal_excluded, COUNT(*) AS n").
		Where("center_id = ?", centerID).
		Where("period_date >= ? AND period_date <= ?", p.FirstDate(), p.LastDate()).
		GroupExpr("staff_id, channel, level, is_default, excluded, personal_excluded").
		Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("scores: ratings of %s: %w", p, err)
	}
	out := make([]scoring.Rating, 0, len(rows))
	for _, r := range rows {
		out = append(out, scoring.Rating{StaffID: r.StaffID, Channel: r.Channel, Level: r.Level, IsDefault: r.IsDefault,
			Excluded: r.Excluded, PersonalExcluded: r.PersonalExcluded, Count: r.N})
	}
	return out, nil
}

// enrolments loads the enrolments due or completed in the period with their
// quiz outcome.
func (s *Service) enrolments(ctx context.Context, centerID int64, p scoring.Period) ([]scoring.Enrolment, error) {
	type row struct {
		ID          int64   `bun:"id"`
		StaffID     int64   `bun:"staff_id"`
		DueDate     string  `bun:"due_date"`
		CompletedOn *string `bun:"completed_on"`
	}
	var rows []row
	first, last := p.FirstDate(), p.LastDate()
	if err := s.db.NewSelect().TableExpr("enrolments").
		ColumnExpr("id, staff_id, due_date, completed_on").
		Where("center_id = ?", centerID).
		Where("((due_date >= ? AND due_date <= ?) OR (completed_on >= ? AND completed_on <= ?))", first, last, first, last).
		OrderExpr("id").
		Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("scores: enrolments of %s: %w", p, err)
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	results, err := s.quizzes.EnrolmentResults(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]scoring.Enrolment, 0, len(rows))
	for _, r := range rows {
		res := results[r.ID]
		e := scoring.Enrolment{StaffID: r.StaffID, Due: r.DueDate, HasQuiz: res.HasQuiz, Grade: res.Grade, Attempted: res.Attempted}
		if r.CompletedOn != nil {
			e.CompletedOn = *r.CompletedOn
		}
		out = append(out, e)
	}
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
