package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Group commit of answer saves.
//
// An exam is thousands of takers autosaving at once, each save one row; the
// cost of a save is its commit (on SQLite, the one write lock). Concurrent
// saves are therefore gathered into one transaction: many rows, one commit.
// There is no timer: a save that finds no commit running starts one at once
// (no latency when idle), and saves that arrive while a commit runs form the
// next batch. A save is answered only after the commit that holds its row,
// so nothing acknowledged is lost when the process dies.
//
// Each row keeps its own rules: saveAnswerSQL checks the attempt's state and
// close time itself, and its rows-affected tells that save alone it was
// refused (the caller then explains why, outside the batch). If the batch
// transaction fails as a whole, each of its saves is retried on its own, so
// one bad row cannot fail the others.

// maxSaveBatch bounds the rows of one commit.
const maxSaveBatch = 256

// saveReq is one answer waiting for a commit.
type saveReq struct {
	attemptID int64
	position  int
	body      string
	now       time.Time

	// wake receives true when this save is to run the next commit itself
	// (at most once: see lead), false when its result is in. Its buffer
	// holds both, so no sender ever waits.
	wake  chan bool
	lead  bool // chosen to run a commit (under saveBatcher.mu)
	saved bool // the row was written (false: refused by the row's rules)
	err   error
}

// saveBatcher gathers concurrent saves of one Store. At most committers
// commits run at once: one on SQLite (writers take turns anyway), a few on
// PostgreSQL, whose commits wait on the WAL flush in parallel.
type saveBatcher struct {
	s          *Store
	committers int

	mu      sync.Mutex
	queue   []*saveReq
	running int // commits in progress
}

func newSaveBatcher(s *Store, committers int) *saveBatcher {
	if committers <= 0 {
		committers = 1
		if s.db.Dialect().Name() == dialect.PG {
			committers = 4
		}
	}
	return &saveBatcher{s: s, committers: committers}
}

// save writes one answer in the next commit and reports whether the row's
// rules let it be written.
func (b *saveBatcher) save(ctx context.Context, attemptID int64, position int, body string, now time.Time) (bool, error) {
	r := &saveReq{attemptID: attemptID, position: position, body: body, now: now, wake: make(chan bool, 2)}
	b.mu.Lock()
	b.queue = append(b.queue, r)
	lead := b.running < b.committers
	if lead {
		b.running++
		r.lead = true
	}
	b.mu.Unlock()
	if lead {
		b.commitNext(ctx)
	}
	// A save is never abandoned half way: once queued it is in a commit
	// that runs to its end, so the caller waits for the outcome.
	for <-r.wake {
		b.commitNext(ctx)
	}
	return r.saved, r.err
}

// commitNext commits the oldest queued saves (the caller holds one of the
// running slots) and passes the slot on to a queued save not yet chosen,
// which runs the next commit, or gives it up. (With several committers a
// chosen save may be taken into another's batch before it runs: it still
// holds its slot, commits what it then finds queued, and passes it on.)
func (b *saveBatcher) commitNext(ctx context.Context) {
	b.mu.Lock()
	n := min(len(b.queue), maxSaveBatch)
	batch := slices.Clone(b.queue[:n])
	b.queue = slices.Delete(b.queue, 0, n)
	b.mu.Unlock()

	if len(batch) > 0 {
		b.commit(context.WithoutCancel(ctx), batch)
	}

	b.mu.Lock()
	next := slices.IndexFunc(b.queue, func(r *saveReq) bool { return !r.lead })
	if next >= 0 {
		b.queue[next].lead = true
		b.queue[next].wake <- true
	} else {
		b.running--
	}
	b.mu.Unlock()
	for _, r := range batch {
		r.wake <- false
	}
}

// commit writes batch in one transaction, in (attempt, position) order;
// saves of one row keep their order of arrival (last write wins). Should
// parallel committers on PostgreSQL deadlock on rows two batches share (one
// taker saving from two tabs at once), PostgreSQL aborts one and its saves
// are retried one by one.
func (b *saveBatcher) commit(ctx context.Context, batch []*saveReq) {
	if len(batch) == 1 {
		r := batch[0]
		r.saved, r.err = b.s.saveOne(ctx, b.s.db, r)
		return
	}
	slices.SortStableFunc(batch, func(x, y *saveReq) int {
		return cmp.Or(cmp.Compare(x.attemptID, y.attemptID), cmp.Compare(x.position, y.position))
	})
	saved := make([]bool, len(batch))
	var err error
	if b.s.db.Dialect().Name() == dialect.PG {
		err = b.commitPG(ctx, batch, saved)
	} else {
		err = b.s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			for i, r := range batch {
				ok, err := b.s.saveOne(ctx, tx, r)
				if err != nil {
					return err
				}
				saved[i] = ok
			}
			return nil
		})
	}
	if err != nil {
		// Something failed the whole transaction (on PostgreSQL one failed
		// statement does): each save on its own, so only the bad one fails.
		for _, r := range batch {
			r.saved, r.err = b.s.saveOne(ctx, b.s.db, r)
		}
		return
	}
	for i, r := range batch {
		r.saved = saved[i]
	}
}

// saveAnswersPGSQL is saveAnswerSQL for many rows in one statement: on
// PostgreSQL each statement is a round trip, which one per row would spend
// inside the transaction. RETURNING names the rows written.
const saveAnswersPGSQL = `UPDATE attempt_questions AS aq SET response = v.response, saved_at = v.saved_at
 FROM (VALUES %s) AS v(attempt_id, position, response, saved_at)
 WHERE aq.attempt_id = v.attempt_id AND aq.position = v.position AND aq.fraction IS NULL AND aq.needs_manual = ?
 AND EXISTS (SELECT 1 FROM attempts AS a WHERE a.id = v.attempt_id AND a.state = ? AND (a.closes_at IS NULL OR a.closes_at > v.saved_at))
 RETURNING aq.attempt_id, aq.position`

// saveKey is the row of an answer.
type saveKey struct {
	attemptID int64
	position  int
}

// commitPG writes batch with one UPDATE per round, rounds being the saves
// of distinct rows in order of arrival (the second save of a row in the
// batch goes into the second round, and so on, so the last one wins); one
// round is one statement, its own commit, several share a transaction.
func (b *saveBatcher) commitPG(ctx context.Context, batch []*saveReq, saved []bool) error {
	var rounds [][]int // indexes into batch
	seen := make(map[saveKey]int, len(batch))
	for i, r := range batch {
		k := saveKey{r.attemptID, r.position}
		n := seen[k]
		seen[k] = n + 1
		if n == len(rounds) {
			rounds = append(rounds, nil)
		}
		rounds[n] = append(rounds[n], i)
	}
	run := func(ctx context.Context, db bun.IDB) error {
		for _, round := range rounds {
			values := strings.Repeat("(?::bigint, ?::integer, ?::text, ?::timestamptz), ", len(round))
			args := make([]any, 0, 4*len(round)+2)
			for _, i := range round {
				r := batch[i]
				args = append(args, r.attemptID, r.position, r.body, r.now)
			}
			args = append(args, false, StateInProgress)
			written := make(map[saveKey]bool, len(round))
			rows, err := db.QueryContext(ctx, fmt.Sprintf(saveAnswersPGSQL, values[:len(values)-2]), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var k saveKey
				if err := rows.Scan(&k.attemptID, &k.position); err != nil {
					rows.Close()
					return err
				}
				written[k] = true
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			for _, i := range round {
				saved[i] = written[saveKey{batch[i].attemptID, batch[i].position}]
			}
		}
		return nil
	}
	if len(rounds) == 1 {
		return run(ctx, b.s.db)
	}
	return b.s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error { return run(ctx, tx) })
}

// saveOne runs saveAnswerSQL for one save through db (the pool: its own
// commit; or the batch's transaction) and reports whether it wrote the row.
func (s *Store) saveOne(ctx context.Context, db bun.IDB, r *saveReq) (bool, error) {
	res, err := s.saveAnswer(ctx, db, r.attemptID, r.position, r.body, r.now)
	if err != nil {
		return false, wrap(err, "save answer %d of attempt %d", r.position, r.attemptID)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(err, "save answer %d of attempt %d", r.position, r.attemptID)
	}
	return n > 0, nil
}

// saveAnswer runs saveAnswerSQL through db. On SQLite the statement is
// prepared once (per pooled connection): parsing it would cost a fifth of a
// save. Times are bound as the text bun writes, so they compare with the
// stored ones.
func (s *Store) saveAnswer(ctx context.Context, db bun.IDB, attemptID int64, position int, body string, now time.Time) (sql.Result, error) {
	if s.db.Dialect().Name() != dialect.SQLite {
		return db.ExecContext(ctx, saveAnswerSQL, body, now, attemptID, position, false, attemptID, StateInProgress, now)
	}
	s.saveOnce.Do(func() {
		s.saveStmt, s.saveErr = s.db.DB.PrepareContext(context.WithoutCancel(ctx), saveAnswerSQL)
	})
	if s.saveErr != nil {
		return nil, s.saveErr
	}
	stmt := s.saveStmt
	if tx, ok := db.(bun.Tx); ok {
		stmt = tx.Tx.StmtContext(ctx, stmt)
	}
	ts := now.UTC().Format(sqliteTime)
	return stmt.ExecContext(ctx, body, ts, attemptID, position, false, attemptID, StateInProgress, ts)
}
