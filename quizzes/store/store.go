// Package store keeps the quiz engine's data in the application database:
// the question bank (categories, tags, versions), quizzes and their slots,
// attempts with their pinned question versions, the essay grading queue and
// the gate that training asks whether an enrolment's quiz is passed.
//
// It is the one part of quizzes that knows SQL; the rules themselves
// (grading, shuffling, what a taker may see) are in package quizzes.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/quizzes"
)

// Errors of attempts, besides quizzes.ErrInvalid, store.ErrNotFound and
// store.ErrConflict.
var (
	// ErrDeadlinePassed is returned for an answer (or a submit of a
	// never-submit attempt) that arrives after the attempt's deadline and
	// grace period.
	ErrDeadlinePassed = errors.New("quizzes: the time for this attempt is up")
	// ErrAttemptClosed is returned for a change to an attempt that is no
	// longer in progress (finished or abandoned).
	ErrAttemptClosed = errors.New("quizzes: the attempt is closed")
	// ErrNoAttemptsLeft is returned by Start when the person has used every
	// attempt the quiz allows.
	ErrNoAttemptsLeft = errors.New("quizzes: no attempts left")
	// ErrNotFinished is returned for an action that needs a finished
	// attempt, such as grading an essay of an attempt still in progress.
	ErrNotFinished = errors.New("quizzes: the attempt is not finished")
)

// Options configure a Store. The zero value is usable.
type Options struct {
	// OnPassed is called, after the change is committed, when an attempt
	// that belongs to an enrolment makes that enrolment's quiz passed
	// (a submit, an overdue finalization or the last essay graded). It is
	// called once per transition from not passed to passed; wire it to
	// training.Service.QuizPassed, which is idempotent.
	OnPassed func(ctx context.Context, enrolmentID int64) error
	// CacheAttempts bounds the in-process cache of the pinned questions of
	// open attempts that keeps SaveAnswer to one statement; 0 means 10000.
	CacheAttempts int
	// SaveCommitters bounds the commits of answer saves that run at once,
	// each holding a batch of concurrent saves; 0 means 1 on SQLite (one
	// writer at a time anyway) and 4 on PostgreSQL.
	SaveCommitters int
}

// Store reads and writes the quiz engine's tables. It is safe for
// concurrent use, also by several server instances on one database: its
// only in-process state caches rows that never change once written.
type Store struct {
	db       *bun.DB
	now      func() time.Time
	onPassed func(ctx context.Context, enrolmentID int64) error
	cache    *bounded[int64, *pinnedAttempt] // pinned questions of recent attempts: SaveAnswer validates without a read
	infoStmt *store.Stmt                     // AttemptInfo: the owner check of every autosave
	infos    *bounded[int64, AttemptInfo]    // owners of recent attempts

	saves *saveBatcher // group commit of SaveAnswer

	saveOnce sync.Once // prepares saveStmt (SQLite)
	saveStmt *sql.Stmt
	saveErr  error
}

// New returns a Store on db. now is the clock (nil: time.Now); it owns every
// deadline, so tests inject it. At most one Options value is used.
func New(db *bun.DB, now func() time.Time, opts ...Options) *Store {
	var opt Options
	if len(opts) > 0 {
		opt = opts[0]
	}
	if now == nil {
		now = time.Now
	}
	s := &Store{db: db, now: now, onPassed: opt.OnPassed, cache: newBounded[int64, *pinnedAttempt](opt.CacheAttempts, 10000),
		infoStmt: store.NewStmt(db, attemptInfoSQL), infos: newBounded[int64, AttemptInfo](opt.CacheAttempts*5, 50000)}
	s.saves = newSaveBatcher(s, opt.SaveCommitters)
	return s
}

// clock returns the current time in UTC, truncated to microseconds as both
// databases store it, so values read back compare equal.
func (s *Store) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// invalidf returns a quizzes.ErrInvalid naming field.
func invalidf(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", quizzes.ErrInvalid, field, fmt.Sprintf(format, args...))
}

// notFound reports a missing row as store.ErrNotFound with what was looked
// for; other errors go through store.Translate.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("quizzes: %s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
	}
	return fmt.Errorf("quizzes: %s: %w", fmt.Sprintf(format, args...), store.Translate(err))
}

// wrap adds what was being done to a database error, translated.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("quizzes: %s: %w", fmt.Sprintf(format, args...), store.Translate(err))
}

// forUpdate locks the selected rows on PostgreSQL (SQLite transactions
// already hold the write lock from BEGIN).
func forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if q.Dialect().Name() == dialect.PG {
		return q.For("UPDATE")
	}
	return q
}

// forShare share-locks the selected rows on PostgreSQL.
func forShare(q *bun.SelectQuery) *bun.SelectQuery {
	if q.Dialect().Name() == dialect.PG {
		return q.For("SHARE")
	}
	return q
}

// inChunk bounds the ids in one IN (…) list.
const inChunk = 500

// chunks splits ids into slices of at most inChunk.
func chunks(ids []int64) [][]int64 {
	var out [][]int64
	for len(ids) > inChunk {
		out = append(out, ids[:inChunk])
		ids = ids[inChunk:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}
