// Package followup is the engine of what happens after a bad rating (差评):
// the team lead's follow-up case and the rated person's appeal (申诉).
//
// Every bad rating (level 1 or 2) opens a case in the transaction that
// stores it (OpenCases). A case moves verify → rectify → reply → closed:
// the lead checks whether the rating is about this person and reasonable,
// records what was done about it, then reports the return visit to the
// citizen. Deadlines are working days of the center's calendar (package
// workdays) counted from the rating's received_at and end at the end of the
// day in the center's time zone; they are fixed when the case opens, except
// that marking a case complex moves the rectify deadline. A case past the
// deadline of its current step is overdue, and Escalate marks it for HR once.
//
// The rated person may appeal a bad rating within Rules.AppealDays working
// days of being told about it (which happens when it is received). The lead
// of their team decides — HR when the person is a lead of that team
// themselves — and an upheld appeal takes the rating out of every score
// (ratings.excluded), a partly upheld one out of the person's own score only
// (ratings.personal_excluded). Nothing is ever deleted.
//
// Every change runs in one transaction that locks the row it changes and
// writes its audit entry. Who may act on which team's cases is the caller's
// casbin check (the team is Case.TeamID); this package enforces only what
// follows from the data itself: nobody handles or decides their own case.
package followup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/workdays"
)

// Errors of the package, besides store.ErrNotFound for a missing case,
// appeal, rating or file. Each is returned wrapped in an *Error that says
// what went wrong; compare with errors.Is.
var (
	// ErrInvalid is a problem with the input: a missing reason, a note too
	// long, a file of a type that is not allowed.
	ErrInvalid = errors.New("followup: invalid")
	// ErrState is a step the case or appeal is not at: verifying twice,
	// deciding an appeal already decided.
	ErrState = errors.New("followup: not allowed in this state")
	// ErrLate is an appeal after its deadline.
	ErrLate = errors.New("followup: too late")
	// ErrExists is a second appeal of the same rating.
	ErrExists = errors.New("followup: already exists")
	// ErrForbidden is an action the actor may never take, whatever their
	// role: appealing someone else's rating, handling or deciding their own.
	ErrForbidden = errors.New("followup: forbidden")
)

// Error is a refused request. Message is written for the person who made
// it, in Chinese with the English in parentheses.
type Error struct {
	Kind    error  // ErrInvalid, ErrState, ErrLate, ErrExists or ErrForbidden
	Field   string // the input at fault (reason, note, files[0], …); may be empty
	Message string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return "followup: " + e.Message
	}
	return "followup: " + e.Field + ": " + e.Message
}

// Unwrap returns Kind, so errors.Is(err, ErrState) and the like work.
func (e *Error) Unwrap() error { return e.Kind }

func fail(kind error, field, format string, args ...any) *Error {
	return &Error{Kind: kind, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Rules are the time limits, in working days of the center's calendar.
type Rules struct {
	VerifyDays  int // to verify a bad rating
	RectifyDays int // to rectify and reply to the citizen
	ComplexDays int // the same for a case marked complex
	AppealDays  int // for the person to appeal
}

// DefaultRules returns the limits the issue names: verify within 1 working
// day, rectify within 5 (15 for a complex case), appeal within 5.
func DefaultRules() Rules {
	return Rules{VerifyDays: 1, RectifyDays: 5, ComplexDays: 15, AppealDays: 5}
}

// Actor is who performs a step: the signed-in user.
type Actor struct {
	// Label names them in the audit log and the *_by columns, e.g.
	// "user:7 王强".
	Label string
	IP    string
	// StaffID is their staff record, 0 if the account has none. It decides
	// whose own rating a case or appeal is.
	StaffID int64
	// HR marks an actor holding the hr role in the center: the only one who
	// may decide an appeal of a team lead about their own team.
	HR bool
}

// Service runs cases and appeals.
type Service struct {
	db       *bun.DB
	now      func() time.Time
	staff    *staff.Service
	workdays *workdays.Store
	audit    *audit.Log
	rules    Rules
}

// New returns a Service on db. now is the clock (time.Now when nil); st
// resolves centers and their time zones; wd gives each center's calendar;
// al records every step. A field of rules that is 0 or less takes its
// DefaultRules value.
func New(db *bun.DB, now func() time.Time, st *staff.Service, wd *workdays.Store, al *audit.Log, rules Rules) *Service {
	if now == nil {
		now = time.Now
	}
	def := DefaultRules()
	rules.VerifyDays = orDefault(rules.VerifyDays, def.VerifyDays)
	rules.RectifyDays = orDefault(rules.RectifyDays, def.RectifyDays)
	rules.ComplexDays = orDefault(rules.ComplexDays, def.ComplexDays)
	rules.AppealDays = orDefault(rules.AppealDays, def.AppealDays)
	return &Service{db: db, now: now, staff: st, workdays: wd, audit: al, rules: rules}
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Rules returns the limits the service applies.
func (s *Service) Rules() Rules { return s.rules }

// stamp is the current time as both databases store it: UTC, microseconds.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// deadlines is what a center's deadlines are computed with.
type deadlines struct {
	cal *workdays.Calendar
	loc *time.Location
}

func (s *Service) deadlines(ctx context.Context, db bun.IDB, centerID int64) (deadlines, error) {
	c := new(staff.Center)
	if err := db.NewSelect().Model(c).Where("c.id = ?", centerID).Scan(ctx); err != nil {
		return deadlines{}, notFound(err, "center %d", centerID)
	}
	loc, err := c.Location()
	if err != nil {
		return deadlines{}, err
	}
	cal, err := s.workdays.CalendarIn(ctx, db, centerID)
	if err != nil {
		return deadlines{}, err
	}
	return deadlines{cal: cal, loc: loc}, nil
}

// deadlinesBeforeTx reads the deadlines of the center of row id of model
// (a table whose alias is alias; what names it in a not-found error). Steps
// that need them read them before their transaction: the calendar's store
// has its own connection, which a busy SQLite pool might not hand out to a
// transaction that holds the write lock.
func (s *Service) deadlinesBeforeTx(ctx context.Context, model any, alias, what string, id int64) (deadlines, error) {
	var centerID int64
	if err := s.db.NewSelect().Model(model).Column(alias+".center_id").Where(alias+".id = ?", id).Scan(ctx, &centerID); err != nil {
		return deadlines{}, notFound(err, "%s %d", what, id)
	}
	return s.deadlines(ctx, s.db, centerID)
}

// add is the end of the n-th working day after from, truncated to the
// microsecond so that it is stored exactly (PostgreSQL would round the last
// nanosecond of the day up to the next midnight).
func (d deadlines) add(from time.Time, n int) time.Time {
	return d.cal.AddWorkdays(from, n, d.loc).Truncate(time.Microsecond)
}

// date is t's calendar date in the center's time zone.
func (d deadlines) date(t time.Time) string { return t.In(d.loc).Format(workdays.DateLayout) }

// notFound reports a missing row as store.ErrNotFound with what was looked
// for; other errors go through store.Translate.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("followup: %s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
	}
	return fmt.Errorf("followup: %s: %w", fmt.Sprintf(format, args...), store.Translate(err))
}

// checkStates refuses a filter state that is not one of valid.
func checkStates(states []string, valid ...string) error {
	for i, st := range states {
		if !slices.Contains(valid, st) {
			head, last := valid[:len(valid)-1], valid[len(valid)-1]
			return fail(ErrInvalid, "states", "未知状态 %q，应为 %s 或 %s (state %d must be %s or %s)",
				st, strings.Join(head, "、"), last, i, strings.Join(head, ", "), last)
		}
	}
	return nil
}

// whereFilter narrows a list of cases or appeals (alias) by what
// CaseFilter and AppealFilter share. The team is the case's (rc.team_id),
// which a list of appeals joins; teamIDs nil means any team.
func whereFilter(q *bun.SelectQuery, alias string, centerID int64, teamIDs []int64, staffID int64, states []string) *bun.SelectQuery {
	if centerID != 0 {
		q = q.Where(alias+".center_id = ?", centerID)
	}
	if teamIDs != nil {
		q = q.Where("rc.team_id IN (?)", bun.List(teamIDs))
	}
	if staffID != 0 {
		q = q.Where(alias+".staff_id = ?", staffID)
	}
	if len(states) > 0 {
		q = q.Where(alias+".state IN (?)", bun.List(states))
	}
	return q
}

// forUpdate locks the selected rows on PostgreSQL; SQLite transactions hold
// the write lock from BEGIN already (the DSN asks for immediate ones).
func forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if q.Dialect().Name() == dialect.PG {
		return q.For("UPDATE")
	}
	return q
}

// MaxText is the longest note, reason or decision, in characters.
const MaxText = 2000

// text trims v and checks it: at most MaxText characters of valid UTF-8,
// line breaks and tabs but no other control characters (PostgreSQL refuses
// NUL in text, and the others only hide things from the reader).
func text(field, v string, required bool) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			return "", fail(ErrInvalid, field, "不能为空 (required)")
		}
		return "", nil
	}
	if !utf8.ValidString(v) {
		return "", fail(ErrInvalid, field, "包含无效字符 (invalid UTF-8)")
	}
	if n := utf8.RuneCountInString(v); n > MaxText {
		return "", fail(ErrInvalid, field, "不能超过 %d 个字符，现有 %d 个 (at most %d characters, got %d)", MaxText, n, MaxText, n)
	}
	if strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0 {
		return "", fail(ErrInvalid, field, "不能包含控制字符 (must not contain control characters)")
	}
	return v, nil
}

func checkActor(a Actor) error {
	if strings.TrimSpace(a.Label) == "" {
		return fail(ErrInvalid, "actor", "缺少操作人 (the actor has no label)")
	}
	return nil
}

// record writes an audit entry in the caller's transaction.
func (s *Service) record(ctx context.Context, tx bun.IDB, centerID int64, actor, ip, action, target, detail string) error {
	return s.audit.Record(ctx, tx, audit.Entry{CenterID: &centerID, Actor: actor, IP: ip, Action: action, Target: target, Detail: detail})
}
