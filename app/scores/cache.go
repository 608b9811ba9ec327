package scores

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun/dialect"

	"github.com/kaoping/kaoping/app/scoring"
)

// The sheet cache.
//
// Computing a live sheet reads every rating of the period (millions in a
// big center) and takes seconds; the team page needs five sheets (the
// period, and four for the trend) on every view. So the service keeps the
// sheets it computed, a bounded number, least recently used out first, and
// serves one again only while the data it was computed from is unchanged.
// Each request checks that with a stamp: a handful of index-backed reads
// that together change whenever anything the sheet depends on changes.
//
//   - today (overdue enrolments depend on it) and the center's time zone;
//   - settings: count and highest id of the center's versions (they are
//     only ever inserted);
//   - teams and quizzes: a hash of the rows scoring reads (names, grading
//     method, pass mark), a few hundred rows at most;
//   - memberships: count, highest id, how many are closed, sum of the team
//     ids, over the center's teams;
//   - ratings of the period, by id: how many have an id above a "settled"
//     id K — one below which no rating can still appear (ratings are never
//     deleted). On SQLite K is simply the highest id: its single writer
//     assigns ids and commits in the same order. On PostgreSQL ids are
//     assigned at insert and committed in any order, so the highest id seen
//     may have gaps that fill later; K is an id seen earlier, once every
//     transaction that could still have held a lower id has ended (see
//     watermark). Counting only ratings above K keeps the check cheap —
//     an index range over the newest ids — and exact;
//   - appeal decisions that flag ratings of the period (upheld, partly
//     upheld): their count; the flags are set in the same transaction;
//   - staff, enrolments and attempts change by update (a rename, a move, a
//     completion, a finished or graded attempt), and every such update
//     stamps the row with the writer's clock: staff.updated_at,
//     enrolments.created_at/completed_at, attempts.updated_at. The stamp
//     hashes the rows stamped since a base time — the service clock minus
//     a margin (an hour) that covers a writer's transaction between reading
//     its clock and committing. Hashing (not counting) the rows makes the
//     check exact within the window even when the clock stands still, as
//     the tests' clock does.
//
// A stamp is read before the sheet's data, never after, so a change that
// lands in between makes the next check fail rather than hide. Each check
// also moves the bases (K, the window start) forward in the same
// statements, so the windows stay small. Closed periods are served from
// their issue, which never changes once written; the cache keeps those by
// issue id.
//
// What the stamp does not see: writes that bypass the services (a manual
// UPDATE in psql), a writer whose clock is more than the margin behind the
// server's, and rows deleted from ratings or enrolments (nothing in
// Kaoping deletes them). Sheets handed out are shared between requests:
// callers must not modify their scores or maps (replacing a field of the
// returned Sheet is fine; it is a copy).

// Option configures a Service.
type Option func(*Service)

// DefaultCacheSize is how many computed sheets a Service keeps unless told
// otherwise: a center's current period and the three before it (the trend),
// for a few centers or periods being looked at.
const DefaultCacheSize = 16

// stampMargin is how far behind the service clock a writer's timestamp may
// be and still be seen by the stamp.
const stampMargin = time.Hour

// CacheSize sets how many computed sheets the service keeps; 0 turns the
// cache off (every Sheet of an open period is computed).
func CacheSize(n int) Option {
	return func(s *Service) {
		if n <= 0 {
			s.cache = nil
			return
		}
		s.cache = newSheetCache(n)
	}
}

// CacheStats counts what the sheet cache did.
type CacheStats struct {
	Entries  int   // sheets held
	Hits     int64 // served from the cache after a stamp check
	Misses   int64 // computed (or read from an issue): not cached, or the stamp had changed
	Computed int64 // live sheets computed
}

// CacheStats returns the cache's counters (zero when it is off).
func (s *Service) CacheStats() CacheStats {
	if s.cache == nil {
		return CacheStats{}
	}
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stats
	st.Entries = c.lru.Len()
	return st
}

type cacheKey struct {
	center int64
	period string
}

type cacheEntry struct {
	key   cacheKey
	issue int64 // id of the issue the sheet was read from; 0 for a live sheet
	stamp stamp // of a live sheet
	sheet *Sheet
}

// sheetCache is a least-recently-used set of sheets, the computations in
// flight (so that concurrent requests for one sheet compute it once) and,
// on PostgreSQL, the ratings watermark of each center.
type sheetCache struct {
	mu      sync.Mutex
	size    int
	lru     *list.List // of *cacheEntry, most recently used first
	entries map[cacheKey]*list.Element
	flights map[cacheKey]*flight
	marks   map[int64]*watermark
	stats   CacheStats
}

type flight struct {
	done  chan struct{}
	stamp stamp
	sheet *Sheet
	err   error
}

func newSheetCache(size int) *sheetCache {
	return &sheetCache{size: size, lru: list.New(), entries: map[cacheKey]*list.Element{},
		flights: map[cacheKey]*flight{}, marks: map[int64]*watermark{}}
}

// get returns a copy of the entry for k, if any, and marks it used.
func (c *sheetCache) get(k cacheKey) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		return cacheEntry{}, false
	}
	c.lru.MoveToFront(el)
	return *el.Value.(*cacheEntry), true
}

// put stores e, replacing the entry of its key, and evicts the least
// recently used entries beyond the size.
func (c *sheetCache) put(e cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[e.key]; ok {
		*el.Value.(*cacheEntry) = e
		c.lru.MoveToFront(el)
		return
	}
	c.entries[e.key] = c.lru.PushFront(&e)
	for c.lru.Len() > c.size {
		old := c.lru.Back()
		delete(c.entries, old.Value.(*cacheEntry).key)
		c.lru.Remove(old)
	}
}

// restamp moves the bases of a checked entry forward, unless the entry was
// replaced meanwhile.
func (c *sheetCache) restamp(k cacheKey, sheet *Sheet, st stamp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Hits++
	if el, ok := c.entries[k]; ok && el.Value.(*cacheEntry).sheet == sheet {
		el.Value.(*cacheEntry).stamp = st
	}
}

func (c *sheetCache) count(computed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Misses++
	if computed {
		c.stats.Computed++
	}
}

// shared returns a copy of sh for a caller: the fields are its own, the
// scores and maps are shared.
func shared(sh *Sheet) *Sheet {
	cp := *sh
	return &cp
}

// cachedIssue returns the sheet of an issue, read once per issue.
func (s *Service) cachedIssue(ctx context.Context, iss *Issue, p scoring.Period) (*Sheet, error) {
	k := cacheKey{center: iss.CenterID, period: p.String()}
	if e, ok := s.cache.get(k); ok && e.issue == iss.ID {
		s.cache.restamp(k, e.sheet, e.stamp)
		return shared(e.sheet), nil
	}
	s.cache.count(false)
	sh, err := s.issuedSheet(ctx, iss, p)
	if err != nil {
		return nil, err
	}
	s.cache.put(cacheEntry{key: k, issue: iss.ID, sheet: sh})
	return shared(sh), nil
}

// cachedLive returns the live sheet of an open period: the cached one when
// its stamp still holds, else a new computation (one per key at a time).
func (s *Service) cachedLive(ctx context.Context, centerID int64, p scoring.Period) (*Sheet, error) {
	k := cacheKey{center: centerID, period: p.String()}
	var prev *stamp
	e, ok := s.cache.get(k)
	if ok && e.issue == 0 {
		prev = &e.stamp
	}
	old, cur, err := s.readStamp(ctx, centerID, p, prev)
	if err != nil {
		return nil, err
	}
	if prev != nil && old == *prev {
		s.cache.restamp(k, e.sheet, cur)
		return shared(e.sheet), nil
	}
	sh, err := s.computeOnce(ctx, k, centerID, p, cur)
	if err != nil {
		return nil, err
	}
	return shared(sh), nil
}

// computeOnce computes the sheet stamped st, or waits for a computation of
// the same key already under way and takes its result if it was stamped
// the same.
func (s *Service) computeOnce(ctx context.Context, k cacheKey, centerID int64, p scoring.Period, st stamp) (*Sheet, error) {
	c := s.cache
	var f *flight
	for f == nil {
		c.mu.Lock()
		other, busy := c.flights[k]
		if !busy {
			f = &flight{done: make(chan struct{}), stamp: st}
			c.flights[k] = f
		}
		c.mu.Unlock()
		if busy {
			select {
			case <-other.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if other.err == nil && other.stamp == st {
				c.restamp(k, other.sheet, st)
				return other.sheet, nil
			}
		}
	}
	f.sheet, f.err = s.Compute(ctx, centerID, p)
	c.mu.Lock()
	if c.flights[k] == f {
		delete(c.flights, k)
	}
	c.mu.Unlock()
	close(f.done)
	c.count(true)
	if f.err != nil {
		return nil, f.err
	}
	c.put(cacheEntry{key: k, stamp: st, sheet: f.sheet})
	return f.sheet, nil
}

// stamp is what a live sheet was computed from, as far as a change of it
// would change the sheet; see the comment at the top of the file. Two
// stamps read with the same bases are equal when nothing changed.
type stamp struct {
	today    string
	settings [2]int64  // count, highest id
	members  [4]int64  // count, highest id, closed, Σ team id
	appeals  int64     // decided appeals that flag ratings of the period
	ratingK  int64     // settled ratings id: the base
	ratingN  int64     // ratings of the period with an id above ratingK
	since    int64     // start of the windows, µs since 1970 (UTC)
	rows     [2]uint64 // Σ hash and count of the hashed rows (teams, quizzes, the windows since `since`)
}

// readStamp reads the stamp of the center's period. With prev (the stamp
// of a cached sheet) it returns the stamp read with prev's bases, to compare
// with prev, and the stamp with the current bases, to keep; without, both
// are the latter.
func (s *Service) readStamp(ctx context.Context, centerID int64, p scoring.Period, prev *stamp) (old, cur stamp, err error) {
	today, err := s.staff.Today(ctx, centerID)
	if err != nil {
		return old, cur, err
	}
	pg := s.db.Dialect().Name() == dialect.PG
	cur.today = today
	cur.since = s.now().Add(-stampMargin).UnixMicro()
	old.today = today
	old.since = cur.since
	if prev != nil {
		old.since, old.ratingK = prev.since, prev.ratingK
	}
	since0, since1 := time.UnixMicro(old.since).UTC(), time.UnixMicro(cur.since).UTC()
	lo := time.UnixMicro(min(old.since, cur.since)).UTC()
	first, last := p.FirstDate(), p.LastDate()

	// One statement for the counts: settings, memberships, appeals and the
	// ratings of the period above the two bases.
	var k1Expr string
	var k1 int64
	if pg {
		if k1, err = s.settledRatings(ctx, centerID); err != nil {
			return old, cur, err
		}
		k1Expr = strconv.FormatInt(k1, 10)
	} else {
		// SQLite: the highest id, read in the same statement (snapshot).
		k1Expr = "(SELECT COALESCE(MAX(id), 0) FROM ratings WHERE center_id = " + strconv.FormatInt(centerID, 10) + ")"
	}
	// n0 counts above the old base (prev's), n1 above the current one.
	base0 := "kk.k"
	if prev != nil {
		base0 = strconv.FormatInt(old.ratingK, 10)
		if pg && k1 < old.ratingK {
			// Not expected (the settled id only grows): compare nothing.
			base0 = "kk.k"
		}
	}
	var rk, n0, n1 int64
	err = s.db.NewRaw(`SELECT
 (SELECT COUNT(*) FROM score_settings WHERE center_id = ?),
 (SELECT COALESCE(MAX(id), 0) FROM score_settings WHERE center_id = ?),
 mm.n, mm.top, mm.closed, mm.teams,
 (SELECT COUNT(*) FROM rating_appeals AS a JOIN ratings AS r ON r.id = a.rating_id
   WHERE a.center_id = ? AND a.state IN ('upheld', 'partly') AND r.period_date >= ? AND r.period_date <= ?),
 rr.k, rr.n0, rr.n1
FROM (SELECT COUNT(*) AS n, COALESCE(MAX(m.id), 0) AS top, COUNT(m.valid_to) AS closed, COALESCE(SUM(m.team_id), 0) AS teams
   FROM team_memberships AS m JOIN teams AS t ON t.id = m.team_id WHERE t.center_id = ?) AS mm,
 (SELECT kk.k AS k,
   (SELECT COUNT(*) FROM ratings WHERE center_id = ? AND id > `+base0+` AND period_date >= ? AND period_date <= ?) AS n0,
   (SELECT COUNT(*) FROM ratings WHERE center_id = ? AND id > kk.k AND period_date >= ? AND period_date <= ?) AS n1
  FROM (SELECT `+k1Expr+` AS k) AS kk) AS rr`,
		centerID, centerID, centerID, first, last, centerID,
		centerID, first, last, centerID, first, last).
		Scan(ctx, &cur.settings[0], &cur.settings[1], &cur.members[0], &cur.members[1], &cur.members[2], &cur.members[3],
			&cur.appeals, &rk, &n0, &n1)
	if err != nil {
		return old, cur, fmt.Errorf("scores: stamp: %w", err)
	}
	old.settings, old.members, old.appeals = cur.settings, cur.members, cur.appeals
	cur.ratingK, cur.ratingN = rk, n1
	old.ratingN = n0
	if prev != nil && base0 == "kk.k" {
		old.ratingN = -1
	}

	// One statement for the hashed rows: teams and quizzes (all), staff,
	// enrolments and attempts stamped since lo; f0 and f1 say whether a row
	// is in the old and the current window.
	rows, err := s.db.QueryContext(ctx, `
SELECT 1, id, 0, name, '', CAST(NULL AS DOUBLE PRECISION), 1, 1 FROM teams WHERE center_id = ?
UNION ALL
SELECT 2, id, module_id, grading_method, '', pass_percent, 1, 1 FROM quizzes WHERE center_id = ?
UNION ALL
SELECT 3, id, 0, staff_no, name, CAST(NULL AS DOUBLE PRECISION),
  CASE WHEN updated_at >= ? THEN 1 ELSE 0 END, CASE WHEN updated_at >= ? THEN 1 ELSE 0 END
 FROM staff WHERE center_id = ? AND updated_at >= ?
UNION ALL
SELECT 4, id, staff_id, due_date, COALESCE(completed_on, ''), CAST(NULL AS DOUBLE PRECISION),
  CASE WHEN created_at >= ? OR completed_at >= ? THEN 1 ELSE 0 END, CASE WHEN created_at >= ? OR completed_at >= ? THEN 1 ELSE 0 END
 FROM enrolments WHERE center_id = ? AND (created_at >= ? OR completed_at >= ?)
UNION ALL
SELECT 5, id, COALESCE(enrolment_id, 0), state, '', grade_percent,
  CASE WHEN updated_at >= ? THEN 1 ELSE 0 END, CASE WHEN updated_at >= ? THEN 1 ELSE 0 END
 FROM attempts WHERE center_id = ? AND updated_at >= ?`,
		centerID, centerID,
		since0, since1, centerID, lo,
		since0, since0, since1, since1, centerID, lo, lo,
		since0, since1, centerID, lo)
	if err != nil {
		return old, cur, fmt.Errorf("scores: stamp rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var src, id, n, f0, f1 int64
		var t1, t2 string
		var x *float64
		if err := rows.Scan(&src, &id, &n, &t1, &t2, &x, &f0, &f1); err != nil {
			return old, cur, fmt.Errorf("scores: stamp rows: %w", err)
		}
		h := rowHash(src, id, n, t1, t2, x)
		if f0 == 1 {
			old.rows[0] += h
			old.rows[1]++
		}
		if f1 == 1 {
			cur.rows[0] += h
			cur.rows[1]++
		}
	}
	if err := rows.Err(); err != nil {
		return old, cur, fmt.Errorf("scores: stamp rows: %w", err)
	}
	if prev == nil {
		old = cur
	}
	return old, cur, nil
}

// rowHash hashes one row of the stamp; the stamp adds them up, so the
// order of the rows does not matter.
func rowHash(src, id, n int64, t1, t2 string, x *float64) uint64 {
	h := fnv.New64a()
	var b [8]byte
	put := func(v uint64) {
		for i := range b {
			b[i] = byte(v >> (8 * i))
		}
		_, _ = h.Write(b[:])
	}
	put(uint64(src))
	put(uint64(id))
	put(uint64(n))
	_, _ = h.Write([]byte(t1))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(t2))
	_, _ = h.Write([]byte{0})
	if x != nil {
		put(math.Float64bits(*x))
	} else {
		put(1<<64 - 1)
	}
	return h.Sum64()
}

// settledRatings returns, on PostgreSQL, a ratings id of the center below
// which no rating can still become visible.
//
// An id is taken from a sequence at insert, but the transaction may commit
// after one that took a higher id, so the highest id seen can have gaps
// that fill later. Each call observes the highest id with the snapshot of
// the same statement; an observation is settled once every transaction
// that was running — or about to get its transaction id, having already
// taken a sequence value — has ended: when the oldest running transaction
// (xmin) is at or past the xmax of a later observation. On a quiet
// database that takes three calls, so a stamp without a settled id makes
// them at once.
func (s *Service) settledRatings(ctx context.Context, centerID int64) (int64, error) {
	k, fresh := int64(0), false
	for range 3 {
		var top int64
		var xmin, xmax string
		if err := s.db.NewRaw(`SELECT CAST(pg_snapshot_xmin(x.s) AS text), CAST(pg_snapshot_xmax(x.s) AS text),
 (SELECT COALESCE(MAX(id), 0) FROM ratings WHERE center_id = ?) FROM (SELECT pg_current_snapshot() AS s) AS x`, centerID).
			Scan(ctx, &xmin, &xmax, &top); err != nil {
			return 0, fmt.Errorf("scores: ratings watermark: %w", err)
		}
		lo, err1 := strconv.ParseUint(xmin, 10, 64)
		hi, err2 := strconv.ParseUint(xmax, 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return 0, fmt.Errorf("scores: ratings watermark: %w", err)
		}
		k, fresh = s.cache.observe(centerID, top, lo, hi)
		if fresh {
			break
		}
	}
	return k, nil
}

// watermark is the settled ratings id of one center (PostgreSQL) and the
// observations not settled yet.
type watermark struct {
	settled int64
	top     int64 // highest id observed
	pending []observation
}

type observation struct {
	id    int64  // highest ratings id seen
	after uint64 // xmax of the next observation; 0 until there is one
}

// observe records an observation (highest id, snapshot xmin and xmax) and
// returns the settled id, and whether it is the highest id observed so far
// (nothing newer is waiting to settle).
func (c *sheetCache) observe(centerID, top int64, xmin, xmax uint64) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.marks[centerID]
	if w == nil {
		w = &watermark{}
		c.marks[centerID] = w
	}
	kept := w.pending[:0]
	for _, o := range w.pending {
		if o.after != 0 && xmin >= o.after {
			w.settled = max(w.settled, o.id)
			continue
		}
		if o.after == 0 {
			o.after = xmax
		}
		kept = append(kept, o)
	}
	w.pending = kept
	if top > w.settled && len(w.pending) < 4 && (len(w.pending) == 0 || w.pending[len(w.pending)-1].id < top) {
		w.pending = append(w.pending, observation{id: top})
	}
	w.top = max(w.top, top)
	return w.settled, w.settled >= w.top
}
