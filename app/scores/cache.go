package scores

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"
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
//   - memberships: the highest id (a new one), and those of the people
//     stamped in the window (below): a move closes, re-points or merges
//     memberships — always through the staff service, which stamps the
//     person (staff.updated_at) in the same transaction;
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
//     its clock and committing — the enrolments and attempts only of
//     enrolments due or completed in the period, so that an exam taken
//     today leaves last month's sheet alone. Hashing (not counting) the
//     rows makes the check exact within the window even when the clock
//     stands still, as the tests' clock does.
//
// A stamp is read before the sheet's data, never after, so a change that
// lands in between makes the next check fail rather than hide. Each check
// also moves the bases (K, the window start) forward in the same
// statements, so the windows stay small. Closed periods are served from
// their issue, which never changes once written; the cache keeps those by
// issue id.
//
// In the current period ratings arrive all day, and attempts are finished,
// so its sheet would be recomputed on almost every view. For it the cache
// also keeps the input the sheet was computed from, with the rating groups
// up to K apart; when new ratings, enrolments or attempts are the only
// change, it reads just the groups of the ratings above K (an index range
// over the newest ids), or the period's enrolments again, and runs
// scoring.Compute again on the kept input (refresh): a fraction of a second
// instead of a scan of the period. Trends keeps its result with the entry of its last
// period, for as long as the sheets it was computed from stay the same.
//
// What the stamp does not see: writes that bypass the services (a manual
// UPDATE in psql), a writer whose clock is more than the margin behind the
// server's, and rows deleted from ratings or enrolments (nothing in
// Kaoping deletes them). Sheets handed out are shared between requests:
// callers must not modify their scores or maps (replacing a field of the
// returned Sheet is fine; it is a copy).

// Option configures a Service.
type Option func(*Service)

// DefaultCacheSize is how many sheets a Service keeps unless told
// otherwise: twice what the team page needs (the period and the three
// before it, for the trend). A sheet of 10,000 people takes about 20 MiB;
// the current period's also keeps its input (see liveInput): about 50 MiB
// more when half a million enrolments fall in it, as in the benchmark.
const DefaultCacheSize = 8

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
	Entries   int   // sheets held
	Hits      int64 // served from the cache after a stamp check
	Misses    int64 // computed (or read from an issue): not cached, or the stamp had changed
	Computed  int64 // live sheets computed
	Refreshed int64 // live sheets brought up to date with new ratings only
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
	live  *liveInput // what the sheet was computed from, kept for the current period
	trend *trendMemo // Trends ending with this period, while its sheets stay
}

// trendMemo is the result of Trends over the sheets it was computed from.
type trendMemo struct {
	sheets        []*Sheet
	people, teams map[int64][]TrendPoint
}

// trend returns the kept result of Trends over these sheets, if any (nil
// with the cache off).
func (c *sheetCache) trend(centerID int64, sheets []*Sheet) *trendMemo {
	if c == nil || len(sheets) == 0 {
		return nil
	}
	last := sheets[len(sheets)-1]
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[cacheKey{center: centerID, period: last.Period.String()}]; ok {
		if t := el.Value.(*cacheEntry).trend; t != nil && slices.Equal(t.sheets, sheets) {
			return t
		}
	}
	return nil
}

// keepTrend keeps the result of Trends over these sheets with the entry of
// the last one, while that entry holds the same sheet.
func (c *sheetCache) keepTrend(centerID int64, t *trendMemo) {
	if c == nil || len(t.sheets) == 0 {
		return
	}
	last := t.sheets[len(t.sheets)-1]
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[cacheKey{center: centerID, period: last.Period.String()}]; ok && el.Value.(*cacheEntry).sheet == last {
		el.Value.(*cacheEntry).trend = t
	}
}

// liveInput is the input of a sheet of the current period — where new
// ratings keep arriving — so that new ratings alone can be added to it
// instead of reading the period again: in.Ratings[:base] are the groups of
// the ratings with an id up to baseK (settled: that set never changes but
// through an appeal decision, which the stamp sees), the rest are newer.
type liveInput struct {
	in     scoring.Input
	base   int
	baseK  int64
	packed int // len of the base when it was last merged
}

// sheetCache is a least-recently-used set of sheets, the computations in
// flight (so that concurrent requests for one sheet compute it once) and,
// on PostgreSQL, the ratings watermark of each center.
type sheetCache struct {
	mu      sync.Mutex
	size    int
	lru     *list.List // of *cacheEntry, most recently used first
	entries map[cacheKey]*list.Element
	flights map[cacheKey]chan struct{} // keys being updated
	marks   map[int64]*watermark
	stats   CacheStats
}

func newSheetCache(size int) *sheetCache {
	return &sheetCache{size: size, lru: list.New(), entries: map[cacheKey]*list.Element{},
		flights: map[cacheKey]chan struct{}{}, marks: map[int64]*watermark{}}
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

// How an entry put in the cache was made, for the stats.
const (
	issueRead = iota
	liveComputed
	liveRefreshed
)

// put stores e, made how, replacing the entry of its key, and evicts the
// least recently used entries beyond the size.
func (c *sheetCache) put(e cacheEntry, how int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stats.Misses++
	switch how {
	case liveComputed:
		c.stats.Computed++
	case liveRefreshed:
		c.stats.Refreshed++
	}
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
		return e.sheet, nil
	}
	sh, err := s.issuedSheet(ctx, iss, p)
	if err != nil {
		return nil, err
	}
	s.cache.put(cacheEntry{key: k, issue: iss.ID, sheet: sh}, issueRead)
	return sh, nil
}

// cachedLive returns the live sheet of an open period: the cached one when
// its stamp still holds; the cached one with new ratings added when they
// are all that changed (current period); else a new computation. One
// request at a time updates a key; the others wait for it and check the
// stamp again.
func (s *Service) cachedLive(ctx context.Context, centerID int64, p scoring.Period) (*Sheet, error) {
	k := cacheKey{center: centerID, period: p.String()}
	for waited := 0; ; waited++ {
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
			return e.sheet, nil
		}
		// Changed. Wait for a request updating it already (twice at
		// most, should it keep changing), then check again; check again
		// too if one did so since the entry was read.
		done, mine := s.cache.begin(k)
		if mine && s.cache.replaced(k, e.sheet) {
			s.cache.end(k, done)
			continue
		}
		if !mine && waited < 2 {
			select {
			case <-done:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		var sh *Sheet
		if prev != nil && e.live != nil && refreshable(old, *prev) {
			sh, err = s.refresh(ctx, e, cur, old.ratingN != prev.ratingN, old.training != prev.training)
		} else {
			sh, err = s.computeLive(ctx, k, p, cur)
		}
		if mine {
			s.cache.end(k, done)
		}
		return sh, err
	}
}

// begin marks k as being updated and returns mine = true, or returns the
// channel that the request updating it closes when done.
func (c *sheetCache) begin(k cacheKey) (done chan struct{}, mine bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if done, busy := c.flights[k]; busy {
		return done, false
	}
	done = make(chan struct{})
	c.flights[k] = done
	return done, true
}

// replaced reports whether the entry of k is no longer the one of sheet
// (nil: none).
func (c *sheetCache) replaced(k cacheKey, sheet *Sheet) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		return sheet != nil
	}
	return el.Value.(*cacheEntry).sheet != sheet
}

// end marks the update of k done.
func (c *sheetCache) end(k cacheKey, done chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flights[k] == done {
		delete(c.flights, k)
	}
	close(done)
}

// computeLive computes the sheet of k stamped st (read before) and keeps
// it, with its input if the period is the current one.
func (s *Service) computeLive(ctx context.Context, k cacheKey, p scoring.Period, st stamp) (*Sheet, error) {
	in, base, err := s.input(ctx, k.center, p, st.ratingK)
	if err != nil {
		return nil, err
	}
	sh := sheetOf(in)
	e := cacheEntry{key: k, stamp: st, sheet: sh}
	if p.FirstDate() <= in.Today && in.Today <= p.LastDate() {
		e.live = &liveInput{in: in, base: base, baseK: st.ratingK, packed: base}
	}
	s.cache.put(e, liveComputed)
	return sh, nil
}

// stamp is what a live sheet was computed from, as far as a change of it
// would change the sheet; see the comment at the top of the file. Two
// stamps read with the same bases are equal when nothing changed.
type stamp struct {
	today    string
	settings [2]int64  // count, highest id
	members  int64     // highest membership id
	appeals  int64     // decided appeals that flag ratings of the period
	ratingK  int64     // settled ratings id: the base
	ratingN  int64     // ratings of the period with an id above ratingK
	since    int64     // start of the windows, µs since 1970 (UTC)
	people   [2]uint64 // Σ hash and count of the hashed rows of teams, staff, memberships
	training [2]uint64 // … of quizzes, enrolments and attempts
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
	// ratings of the period above the two bases. Each is an index lookup or
	// a range over few entries.
	var k1Expr string
	var k1 int64
	newest := newestRatings(s.db)
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
 (SELECT COALESCE(MAX(id), 0) FROM team_memberships),
 (SELECT COUNT(*) FROM rating_appeals AS a JOIN ratings AS r ON r.id = a.rating_id
   WHERE a.center_id = ? AND a.state IN ('upheld', 'partly') AND r.period_date >= ? AND r.period_date <= ?),
 rr.k, rr.n0, rr.n1
FROM (SELECT kk.k AS k,
   (SELECT COUNT(*) FROM `+newest+` WHERE center_id = ? AND id > `+base0+` AND period_date >= ? AND period_date <= ?) AS n0,
   (SELECT COUNT(*) FROM `+newest+` WHERE center_id = ? AND id > kk.k AND period_date >= ? AND period_date <= ?) AS n1
  FROM (SELECT `+k1Expr+` AS k) AS kk) AS rr`,
		centerID, centerID, centerID, first, last,
		centerID, first, last, centerID, first, last).
		Scan(ctx, &cur.settings[0], &cur.settings[1], &cur.members, &cur.appeals, &rk, &n0, &n1)
	if err != nil {
		return old, cur, fmt.Errorf("scores: stamp: %w", err)
	}
	old.settings, old.members, old.appeals = cur.settings, cur.members, cur.appeals
	cur.ratingK, cur.ratingN = rk, n1
	old.ratingN = n0
	if prev != nil && base0 == "kk.k" {
		old.ratingN = -1
	}

	// One statement for the hashed rows: teams and quizzes (all), staff
	// stamped since lo and their memberships, enrolments and attempts
	// stamped since lo that count in the period (due or completed in it);
	// f0 and f1 say whether a row is in the old and the current window.
	rows, err := s.db.QueryContext(ctx, `
SELECT 1, id, 0, name, '', CAST(NULL AS DOUBLE PRECISION), 1, 1 FROM teams WHERE center_id = ?
UNION ALL
SELECT 2, id, module_id, grading_method, '', pass_percent, 1, 1 FROM quizzes WHERE center_id = ?
UNION ALL
SELECT 3, id, 0, staff_no, name, CAST(NULL AS DOUBLE PRECISION),
  CASE WHEN updated_at >= ? THEN 1 ELSE 0 END, CASE WHEN updated_at >= ? THEN 1 ELSE 0 END
 FROM staff WHERE center_id = ? AND updated_at >= ?
UNION ALL
SELECT 6, m.id, m.team_id, m.valid_from, COALESCE(m.valid_to, ''), CAST(NULL AS DOUBLE PRECISION),
  CASE WHEN s.updated_at >= ? THEN 1 ELSE 0 END, CASE WHEN s.updated_at >= ? THEN 1 ELSE 0 END
 FROM staff AS s JOIN team_memberships AS m ON m.staff_id = s.id WHERE s.center_id = ? AND s.updated_at >= ?
UNION ALL
SELECT 4, id, staff_id, due_date, COALESCE(completed_on, ''), CAST(NULL AS DOUBLE PRECISION),
  CASE WHEN created_at >= ? OR completed_at >= ? THEN 1 ELSE 0 END, CASE WHEN created_at >= ? OR completed_at >= ? THEN 1 ELSE 0 END
 FROM enrolments WHERE center_id = ? AND (created_at >= ? OR completed_at >= ?)
  AND ((due_date >= ? AND due_date <= ?) OR (completed_on >= ? AND completed_on <= ?))
UNION ALL
SELECT 5, a.id, a.quiz_id * 1000 + a.number, a.state, '', a.grade_percent,
  CASE WHEN a.updated_at >= ? THEN 1 ELSE 0 END, CASE WHEN a.updated_at >= ? THEN 1 ELSE 0 END
 FROM attempts AS a JOIN enrolments AS e ON e.id = a.enrolment_id WHERE a.center_id = ? AND a.updated_at >= ?
  AND ((e.due_date >= ? AND e.due_date <= ?) OR (e.completed_on >= ? AND e.completed_on <= ?))`,
		centerID, centerID,
		since0, since1, centerID, lo,
		since0, since1, centerID, lo,
		since0, since0, since1, since1, centerID, lo, lo, first, last, first, last,
		since0, since1, centerID, lo, first, last, first, last)
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
		o, c := &old.people, &cur.people
		if src == 2 || src == 4 || src == 5 {
			o, c = &old.training, &cur.training
		}
		if f0 == 1 {
			o[0] += h
			o[1]++
		}
		if f1 == 1 {
			c[0] += h
			c[1]++
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

// newestRatings is the ratings table for a query of the newest ratings of a
// center (id above some id): on SQLite through the (center_id, id,
// period_date) index by name — without statistics its planner would rather
// range over the period's dates, millions of rows.
func newestRatings(db *bun.DB) string {
	if db.Dialect().Name() == dialect.PG {
		return "ratings"
	}
	return "ratings INDEXED BY ratings_center_id"
}

// refreshable reports whether two stamps read with the same bases differ
// only in the count of the period's newest ratings and in the enrolments
// and attempts (and quizzes) of the period: what refresh can bring up to
// date without reading the period's ratings again.
func refreshable(now, then stamp) bool {
	if now.ratingN < 0 {
		return false
	}
	now.ratingN, now.training = then.ratingN, then.training
	return now == then
}

// refresh brings the sheet of e up to date when the only changes since it
// was computed (the stamp cur says so) are new ratings of the period or
// its enrolments and attempts: it reads the groups of the ratings above the
// entry's base id — the newest ones, an index range — or the enrolments
// again, and computes the scores again from the kept input. Ratings up to
// cur's settled id join the base.
func (s *Service) refresh(ctx context.Context, e cacheEntry, cur stamp, ratings, training bool) (*Sheet, error) {
	lv := e.live
	in := lv.in
	base, baseK, packed := in.Ratings[:lv.base], lv.baseK, lv.packed
	var newer []scoring.Rating
	if ratings {
		older, n, err := s.ratings(ctx, e.key.center, in.Period, lv.baseK, cur.ratingK)
		if err != nil {
			return nil, err
		}
		base = append(append(make([]scoring.Rating, 0, len(base)+len(older)), base...), older...)
		if len(base) > 2*packed+256 {
			base = mergeRatings(base)
			packed = len(base)
		}
		newer, baseK = n, cur.ratingK
	} else {
		newer = in.Ratings[lv.base:]
	}
	if training {
		var err error
		if in.Enrolments, err = s.enrolments(ctx, e.key.center, in.Period); err != nil {
			return nil, err
		}
	}
	in.Ratings = append(base[:len(base):len(base)], newer...)
	sh := sheetOf(in)
	s.cache.put(cacheEntry{key: e.key, stamp: cur, sheet: sh,
		live: &liveInput{in: in, base: len(base), baseK: baseK, packed: packed}}, liveRefreshed)
	return sh, nil
}

// mergeRatings adds up the counts of equal rating groups.
func mergeRatings(rs []scoring.Rating) []scoring.Rating {
	type key struct {
		staff   int64
		channel string
		level   int
		flags   [3]bool
	}
	idx := make(map[key]int, len(rs)/2)
	out := make([]scoring.Rating, 0, len(rs)/2)
	for _, r := range rs {
		k := key{r.StaffID, r.Channel, r.Level, [3]bool{r.IsDefault, r.Excluded, r.PersonalExcluded}}
		if i, ok := idx[k]; ok && r.Count > 0 && out[i].Count > 0 {
			out[i].Count += r.Count
			continue
		}
		idx[k] = len(out)
		out = append(out, r)
	}
	return out
}
