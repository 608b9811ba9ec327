package scores_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/scores"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store/storetest"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
)

// testClock is an injectable clock that moves only when told to.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// cacheFixture is a small seeded center (the benchmark's generator, 60
// people in three teams, ratings and due dates over the year up to July 2026)
// with a caching service and one that always computes.
type cacheFixture struct {
	db      *bun.DB
	clock   *testClock
	staff   *staff.Service
	cached  *scores.Service
	fresh   *scores.Service
	ratings *ratings.Service
	july    scoring.Period
}

func newCacheFixture(t *testing.T, opts ...scores.Option) *cacheFixture {
	t.Helper()
	db := storetest.New(t)
	seedBench(t, db, benchSize{Staff: 60, Ratings: 6000, Enrolments: 300, Modules: 5, Spread: "year"})
	clk := &testClock{t: benchNow}
	st := staff.NewService(db, clk.Now)
	qs := quizstore.New(db, clk.Now)
	al := audit.New(db, clk.Now)
	july, err := scoring.ParsePeriod("2026-07")
	if err != nil {
		t.Fatal(err)
	}
	return &cacheFixture{db: db, clock: clk, staff: st, july: july,
		cached:  scores.New(db, clk.Now, st, qs, al, opts...),
		fresh:   scores.New(db, clk.Now, st, qs, al, scores.CacheSize(0)),
		ratings: ratings.NewService(db, st, clk.Now)}
}

// sheetView is what a sheet says, without who issued it when.
type sheetView struct {
	Period   string
	IssueNo  int
	Settings scoring.Settings
	Channels map[string]scoring.ChannelStat
	Scores   []scoring.Score
}

func viewOf(sh *scores.Sheet) sheetView {
	return sheetView{Period: sh.Period.String(), IssueNo: sh.IssueNo, Settings: sh.Settings, Channels: sh.Channels, Scores: sh.Scores}
}

// check returns the cached service's sheet of p and fails unless it is
// the sheet a fresh computation gives.
func (f *cacheFixture) check(t *testing.T, p scoring.Period) sheetView {
	t.Helper()
	ctx := context.Background()
	got, err := f.cached.Sheet(ctx, 1, p)
	if err != nil {
		t.Fatal(err)
	}
	want, err := f.fresh.Sheet(ctx, 1, p)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := viewOf(got), viewOf(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("cached sheet of %s differs from a fresh computation:\n got %s\nwant %s", p, brief(g), brief(w))
	}
	return viewOf(got)
}

// brief is a short description of a sheet for failure messages.
func brief(v sheetView) string {
	s := v.Period
	for i, sc := range v.Scores {
		if i == 3 {
			s += " …"
			break
		}
		q := "—"
		if sc.Quality != nil {
			q = scoring.Format1(sc.Quality)
		}
		s += " " + sc.StaffNo + "/" + sc.Name + "/" + sc.Team + "=" + q
	}
	return s
}

func (f *cacheFixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := f.db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (f *cacheFixture) tx(t *testing.T, stmts ...[]any) {
	t.Helper()
	err := f.db.RunInTx(context.Background(), nil, func(ctx context.Context, tx bun.Tx) error {
		for _, s := range stmts {
			if _, err := tx.ExecContext(ctx, s[0].(string), s[1:]...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCacheServesComputedSheet(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	ctx := context.Background()
	for _, p := range f.july.Last(4) {
		first := f.check(t, p)
		again := f.check(t, p)
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("%s: second sheet differs from the first", p)
		}
	}
	st := f.cached.CacheStats()
	if st.Computed != 4 || st.Hits != 4 || st.Entries != 4 {
		t.Errorf("stats = %+v, want 4 computed, 4 hits, 4 entries", st)
	}
	// The caller's copy is its own: replacing its scores (as the team
	// export does) leaves the cached sheet alone.
	sh, err := f.cached.Sheet(ctx, 1, f.july)
	if err != nil {
		t.Fatal(err)
	}
	n := len(sh.Scores)
	sh.Scores = sh.Team(1)
	if sh2, _ := f.cached.Sheet(ctx, 1, f.july); len(sh2.Scores) != n {
		t.Errorf("cached sheet has %d scores after a caller replaced its own, want %d", len(sh2.Scores), n)
	}
}

// TestCacheSeesChanges changes, one at a time, each thing a sheet is
// computed from — as the services write it, or with the same statements —
// and checks that the next Sheet is a fresh computation's and differs from
// the one before. The clock stands still unless a case moves it, as in the
// application's tests: the stamp must not rely on timestamps increasing.
func TestCacheSeesChanges(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	ctx := context.Background()
	now := func() time.Time { return f.clock.Now().UTC() }
	cases := []struct {
		name   string
		change func(t *testing.T)
	}{
		{"new rating (API)", func(t *testing.T) {
			res, err := f.ratings.Ingest(ctx, 1, []ratings.Input{{ExternalID: "new-1", RatedAt: "2026-07-30 10:00",
				Channel: "窗口", StaffNo: "S00001", Level: 1}}, ratings.SourceAPI)
			if err != nil || res.Imported != 1 {
				t.Fatalf("ingest: %+v, %v", res, err)
			}
		}},
		{"appeal upheld (rating excluded)", func(t *testing.T) {
			// As followup.DecideAppeal: the appeal and the flag in one transaction.
			f.tx(t,
				[]any{"INSERT INTO rating_appeals (center_id, rating_id, staff_id, reason, state, submitted_at, submitted_by, deadline, decided_at, decided_by, decision_reason) " +
					"SELECT center_id, id, staff_id, 'x', 'upheld', ?, 'test', '2026-08-10', ?, 'hr', 'ok' FROM ratings WHERE external_id = 'new-1'", now(), now()},
				[]any{"UPDATE ratings SET excluded = TRUE WHERE external_id = 'new-1'"})
		}},
		{"appeal partly upheld (personal_excluded)", func(t *testing.T) {
			f.tx(t,
				[]any{"INSERT INTO rating_appeals (center_id, rating_id, staff_id, reason, state, submitted_at, submitted_by, deadline, decided_at, decided_by, decision_reason) " +
					"SELECT center_id, id, staff_id, 'x', 'partly', ?, 'test', '2026-08-10', ?, 'hr', 'ok' FROM ratings " +
					"WHERE center_id = 1 AND period_date >= '2026-07-01' AND level = 1 AND NOT excluded AND NOT personal_excluded AND NOT is_default " +
					"AND id NOT IN (SELECT rating_id FROM rating_appeals) ORDER BY id LIMIT 1", now(), now()},
				[]any{"UPDATE ratings SET personal_excluded = TRUE WHERE id = (SELECT MAX(rating_id) FROM rating_appeals WHERE state = 'partly')"})
		}},
		{"enrolment completed", func(t *testing.T) {
			// As training.maybeComplete: an open enrolment due in July, done today.
			f.exec(t, "UPDATE enrolments SET status = 'completed', completed_at = ?, completed_on = '2026-07-31' "+
				"WHERE id = (SELECT MIN(id) FROM enrolments WHERE status <> 'completed' AND due_date >= '2026-07-01' AND due_date < '2026-07-31')", now())
		}},
		{"enrolment added", func(t *testing.T) {
			// One overdue, one due today (not counted yet), one done on time.
			f.exec(t, "INSERT INTO enrolments (center_id, staff_id, module_id, version_id, reason, due_date, status, created_at) "+
				"VALUES (1, 3, 3, 3, 'assigned', '2026-07-25', 'assigned', ?)", now())
			f.exec(t, "INSERT INTO enrolments (center_id, staff_id, module_id, version_id, reason, due_date, status, created_at) "+
				"VALUES (1, 6, 1, 1, 'assigned', '2026-07-31', 'assigned', ?)", now())
			f.exec(t, "INSERT INTO enrolments (center_id, staff_id, module_id, version_id, reason, due_date, status, completed_at, completed_on, created_at) "+
				"VALUES (1, 4, 2, 2, 'retrain', '2026-07-20', 'completed', ?, '2026-07-19', ?)", now(), now())
		}},
		{"attempt started", func(t *testing.T) {
			// As quizzes.Start: an attempt in progress on an overdue, unattempted
			// enrolment (of a quiz graded by the last attempt) turns its 0 into
			// pending.
			f.exec(t, "INSERT INTO attempts (center_id, quiz_id, staff_id, enrolment_id, number, state, overdue_handling, started_at, "+
				"sum_marks, max_marks, needs_grading, submit_key, created_at, updated_at) "+
				"SELECT 1, q.id, e.staff_id, e.id, 1, 'inprogress', 'autosubmit', ?, 0, 100, FALSE, '', ?, ? "+
				"FROM enrolments e JOIN quizzes q ON q.module_id = e.module_id "+
				"WHERE e.id = (SELECT MIN(e2.id) FROM enrolments e2 JOIN quizzes q2 ON q2.module_id = e2.module_id WHERE q2.grading_method = 'last' "+
				"AND e2.status <> 'completed' AND e2.due_date >= '2026-07-01' AND e2.due_date < '2026-07-31' "+
				"AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.enrolment_id = e2.id))", now(), now(), now())
		}},
		{"attempt finished", func(t *testing.T) {
			// As quizzes' finalize: claim (updated_at), then finished with a grade.
			f.tx(t,
				[]any{"UPDATE attempts SET updated_at = ? WHERE state = 'inprogress'", now()},
				[]any{"UPDATE attempts SET state = 'finished', finished_at = ?, submitted_at = ?, sum_marks = 80, grade_percent = 80 WHERE state = 'inprogress'", now(), now()})
		}},
		{"essay graded (grade changed at the same instant)", func(t *testing.T) {
			// As quizzes' grading: updated_at, then the attempt's new grade.
			f.tx(t,
				[]any{"UPDATE attempts SET updated_at = ? WHERE grade_percent = 80 AND updated_at = ?", now(), now()},
				[]any{"UPDATE attempts SET grade_percent = 70, sum_marks = 70 WHERE grade_percent = 80 AND updated_at = ?", now()})
		}},
		{"second attempt finished", func(t *testing.T) {
			f.exec(t, "INSERT INTO attempts (center_id, quiz_id, staff_id, enrolment_id, number, state, overdue_handling, started_at, finished_at, "+
				"sum_marks, max_marks, grade_percent, needs_grading, submit_key, created_at, updated_at) "+
				"SELECT center_id, quiz_id, staff_id, enrolment_id, 2, 'finished', 'autosubmit', ?, ?, 10, 100, 10, FALSE, '', ?, ? "+
				"FROM attempts WHERE grade_percent = 70 AND updated_at = ?", now(), now(), now(), now(), now())
		}},
		{"quiz grading method changed", func(t *testing.T) {
			// 70 then 10: last gives 10, first 70.
			f.exec(t, "UPDATE quizzes SET grading_method = 'first', updated_at = ? "+
				"WHERE id = (SELECT quiz_id FROM attempts WHERE number = 2 AND updated_at = ?)", now(), now())
		}},
		{"settings saved", func(t *testing.T) {
			set := scoring.DefaultSettings()
			set.Prior = 2
			if _, err := f.cached.SaveSettings(ctx, 1, f.july, set, "test", scores.Actor{Name: "hr"}); err != nil {
				t.Fatal(err)
			}
		}},
		{"member moved to another team", func(t *testing.T) {
			// As staff's save: close the membership, open one in the new team,
			// stamp the person.
			f.tx(t,
				[]any{"UPDATE team_memberships SET valid_to = '2026-07-20' WHERE staff_id = 5 AND valid_to IS NULL"},
				[]any{"INSERT INTO team_memberships (staff_id, team_id, valid_from) VALUES (5, 2, '2026-07-20')"},
				[]any{"UPDATE staff SET updated_at = ? WHERE id = 5", now()})
		}},
		{"moved back the same day (memberships merged)", func(t *testing.T) {
			f.tx(t,
				[]any{"DELETE FROM team_memberships WHERE staff_id = 5 AND valid_to IS NULL"},
				[]any{"UPDATE team_memberships SET valid_to = NULL WHERE staff_id = 5"},
				[]any{"UPDATE staff SET updated_at = ? WHERE id = 5", now()})
		}},
		{"member moved again", func(t *testing.T) {
			f.tx(t,
				[]any{"UPDATE team_memberships SET valid_to = '2026-07-25' WHERE staff_id = 5 AND valid_to IS NULL"},
				[]any{"INSERT INTO team_memberships (staff_id, team_id, valid_from) VALUES (5, 2, '2026-07-25')"},
				[]any{"UPDATE staff SET updated_at = ? WHERE id = 5", now()})
		}},
		{"same-day correction (membership re-pointed)", func(t *testing.T) {
			f.tx(t,
				[]any{"UPDATE team_memberships SET team_id = 3 WHERE staff_id = 5 AND valid_to IS NULL"},
				[]any{"UPDATE staff SET updated_at = ? WHERE id = 5", now()})
		}},
		{"person renamed", func(t *testing.T) {
			f.exec(t, "UPDATE staff SET name = '改名', updated_at = ? WHERE id = 7", now())
		}},
		{"person renamed again at the same instant", func(t *testing.T) {
			f.exec(t, "UPDATE staff SET name = '又改', updated_at = ? WHERE id = 7", now())
		}},
		{"team renamed", func(t *testing.T) {
			f.exec(t, "UPDATE teams SET name = '甲组' WHERE id = 2")
		}},
		{"a new day", func(t *testing.T) {
			f.clock.Advance(24 * time.Hour)
		}},
	}
	before := f.check(t, f.july)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.check(t, f.july) // cached, checked
			c.change(t)
			after := f.check(t, f.july)
			if reflect.DeepEqual(before, after) {
				t.Fatalf("the change did not change the sheet: the case tests nothing")
			}
			before = after
		})
	}
	// A rating of another period leaves July's sheet cached.
	st := f.cached.CacheStats()
	if _, err := f.ratings.Ingest(ctx, 1, []ratings.Input{{ExternalID: "june-1", RatedAt: "2026-06-30 10:00",
		Channel: "窗口", StaffNo: "S00002", Level: 5}}, ratings.SourceAPI); err != nil {
		t.Fatal(err)
	}
	f.check(t, f.july)
	if st2 := f.cached.CacheStats(); st2.Computed != st.Computed {
		t.Errorf("a June rating recomputed July's sheet")
	}
}

// TestCacheAddsNewRatings: new ratings of the current period alone are
// added to the kept input, not read again with the whole period — batch
// after batch, many new groups each time (the kept groups get merged).
func TestCacheAddsNewRatings(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	ctx := context.Background()
	f.check(t, f.july)
	channels := []string{"窗口", "一网通办", "热线"}
	for b := range 6 {
		in := make([]ratings.Input, 500)
		for i := range in {
			in[i] = ratings.Input{ExternalID: fmt.Sprintf("more-%d-%d", b, i), RatedAt: fmt.Sprintf("2026-07-%02d 10:00", 1+i%30),
				Channel: channels[i%3], StaffNo: fmt.Sprintf("S%05d", 1+(i*7+b)%40), Level: 1 + (i/3)%5, IsDefault: i%11 == 0}
		}
		if res, err := f.ratings.Ingest(ctx, 1, in, ratings.SourceAPI); err != nil || res.Imported != len(in) {
			t.Fatalf("ingest: %+v, %v", res, err)
		}
		f.check(t, f.july)
	}
	if st := f.cached.CacheStats(); st.Computed != 1 || st.Refreshed != 6 {
		t.Errorf("six batches of new ratings: %+v; want 1 computed, 6 refreshed", st)
	}
	// An appeal decision changes a rating already counted: computed again.
	f.tx(t,
		[]any{"INSERT INTO rating_appeals (center_id, rating_id, staff_id, reason, state, submitted_at, submitted_by, deadline, decided_at, decided_by, decision_reason) " +
			"SELECT center_id, id, staff_id, 'x', 'upheld', ?, 'test', '2026-08-10', ?, 'hr', 'ok' FROM ratings WHERE external_id = 'more-0-1'", benchNow, benchNow},
		[]any{"UPDATE ratings SET excluded = TRUE WHERE external_id = 'more-0-1'"})
	f.check(t, f.july)
	if st := f.cached.CacheStats(); st.Computed != 2 {
		t.Errorf("after an appeal decision: %+v; want 2 computed", st)
	}
}

// TestCacheTrainingChanges: a finished attempt of the current period is
// added to the kept input (the period's enrolments read again, not its
// ratings); one of an enrolment due in March leaves July alone and
// recomputes March.
func TestCacheTrainingChanges(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	march, err := scoring.ParsePeriod("2026-03")
	if err != nil {
		t.Fatal(err)
	}
	f.check(t, f.july)
	f.check(t, march)
	regrade := func(from, to string) {
		t.Helper()
		f.exec(t, "UPDATE attempts SET grade_percent = 1, updated_at = ? WHERE id = (SELECT MIN(a.id) FROM attempts a "+
			"JOIN enrolments e ON e.id = a.enrolment_id WHERE a.state = 'finished' AND a.grade_percent > 1 AND e.due_date >= ? AND e.due_date <= ?)",
			f.clock.Now().UTC(), from, to)
	}
	regrade("2026-07-01", "2026-07-31")
	before := f.cached.CacheStats()
	f.check(t, f.july)
	f.check(t, march)
	if st := f.cached.CacheStats(); st.Computed != before.Computed || st.Refreshed != before.Refreshed+1 {
		t.Errorf("a July regrade: %+v after %+v; want July refreshed, March kept", st, before)
	}
	regrade("2026-03-01", "2026-03-31")
	before = f.cached.CacheStats()
	f.check(t, f.july)
	f.check(t, march)
	if st := f.cached.CacheStats(); st.Computed != before.Computed+1 || st.Refreshed != before.Refreshed {
		t.Errorf("a March regrade: %+v after %+v; want March computed, July kept", st, before)
	}
}

// TestCacheTrends: the trend over four periods is the fresh computation's,
// kept while its sheets stay, and follows a change of any of them.
func TestCacheTrends(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	ctx := context.Background()
	trends := func() [2]map[int64][]scores.TrendPoint {
		t.Helper()
		people, teams, err := f.cached.Trends(ctx, 1, f.july, 4)
		if err != nil {
			t.Fatal(err)
		}
		wantPeople, wantTeams, err := f.fresh.Trends(ctx, 1, f.july, 4)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(people, wantPeople) || !reflect.DeepEqual(teams, wantTeams) {
			t.Fatalf("cached trends differ from fresh ones")
		}
		return [2]map[int64][]scores.TrendPoint{people, teams}
	}
	first := trends()
	if again := trends(); !reflect.DeepEqual(first, again) {
		t.Fatal("second trend differs")
	}
	// A rating in May, two periods back.
	if _, err := f.ratings.Ingest(ctx, 1, []ratings.Input{{ExternalID: "may-1", RatedAt: "2026-05-20 10:00",
		Channel: "窗口", StaffNo: "S00001", Level: 1}}, ratings.SourceAPI); err != nil {
		t.Fatal(err)
	}
	if after := trends(); reflect.DeepEqual(first, after) {
		t.Fatal("a May rating did not change the trend")
	}
}

// TestCacheClosedPeriod: closing a period switches the sheet to its issue;
// a re-issue replaces it.
func TestCacheClosedPeriod(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	ctx := context.Background()
	june := f.july.Prev()
	live := f.check(t, june)
	if _, err := f.cached.Close(ctx, 1, june, "signed", scores.Actor{Name: "hr"}); err != nil {
		t.Fatal(err)
	}
	closed := f.check(t, june)
	if closed.IssueNo != 1 || !reflect.DeepEqual(live.Scores, closed.Scores) {
		t.Fatalf("closed June: issue %d, same scores %v", closed.IssueNo, reflect.DeepEqual(live.Scores, closed.Scores))
	}
	f.exec(t, "UPDATE staff SET name = '补正', updated_at = ? WHERE id = 1", f.clock.Now().UTC())
	if again := f.check(t, june); !reflect.DeepEqual(again, closed) {
		t.Fatalf("a closed period's sheet changed without a re-issue")
	}
	if _, err := f.cached.Reissue(ctx, 1, june, "correction", scores.Actor{Name: "hr"}); err != nil {
		t.Fatal(err)
	}
	if re := f.check(t, june); re.IssueNo != 2 || reflect.DeepEqual(re.Scores, closed.Scores) {
		t.Fatalf("re-issue: issue %d, scores changed %v", re.IssueNo, !reflect.DeepEqual(re.Scores, closed.Scores))
	}
}

func TestCacheBounded(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t, scores.CacheSize(2))
	periods := f.july.Last(3)
	for _, p := range periods {
		f.check(t, p)
	}
	if st := f.cached.CacheStats(); st.Entries != 2 || st.Computed != 3 {
		t.Fatalf("after three periods: %+v, want 2 entries, 3 computed", st)
	}
	f.check(t, periods[2]) // kept: the most recent
	f.check(t, periods[0]) // evicted: computed again
	if st := f.cached.CacheStats(); st.Entries != 2 || st.Computed != 4 || st.Hits != 1 {
		t.Fatalf("after re-reading: %+v, want 2 entries, 4 computed, 1 hit", st)
	}
	off := newCacheFixture(t, scores.CacheSize(0))
	off.check(t, off.july)
	off.check(t, off.july)
	if st := off.cached.CacheStats(); st != (scores.CacheStats{}) {
		t.Fatalf("cache off: %+v", st)
	}
}

// TestCacheConcurrent: requests for one sheet at once compute it once,
// also while the clock moves (each reads its stamp at another time).
func TestCacheConcurrent(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			f.clock.Advance(time.Millisecond)
			if _, err := f.cached.Sheet(context.Background(), 1, f.july); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if st := f.cached.CacheStats(); st.Computed != 1 {
		t.Errorf("8 concurrent requests computed %d times, want 1", st.Computed)
	}
	f.check(t, f.july)
}

// TestCacheOutOfOrderCommit (PostgreSQL): a rating whose transaction took
// its id before another rating's but commits after it must not be missed.
// On SQLite the single writer commits in id order.
func TestCacheOutOfOrderCommit(t *testing.T) {
	t.Parallel()
	f := newCacheFixture(t)
	if f.db.Dialect().Name() != dialect.PG {
		t.Skip("PostgreSQL only: SQLite has one writer at a time")
	}
	ctx := context.Background()
	f.check(t, f.july)
	f.check(t, f.july)
	ins := "INSERT INTO ratings (center_id, external_id, rated_at, period_date, channel, staff_id, level, reasons, comment, is_default, " +
		"received_at, source, excluded, personal_excluded, created_at) VALUES (1, ?, ?, '2026-07-30', 'offline', ?, ?, '[]', '', FALSE, ?, 'api', FALSE, FALSE, ?)"
	slow, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback() //nolint:errcheck
	now := f.clock.Now()
	if _, err := slow.ExecContext(ctx, ins, "slow", now, 9, 1, now, now); err != nil {
		t.Fatal(err)
	}
	f.exec(t, ins, "quick", now, 10, 5, now, now) // a higher id, committed first
	f.check(t, f.july)                            // sees quick, not slow
	f.check(t, f.july)
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	var n int
	got := f.check(t, f.july) // must see slow now
	for _, sc := range got.Scores {
		if sc.StaffNo == "S00009" {
			n = sc.Explain.Rates.N
		}
	}
	want, err := f.fresh.Compute(ctx, 1, f.july)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := want.Person("S00009")
	if err != nil {
		t.Fatal(err)
	}
	if n != sc.Explain.Rates.N {
		t.Fatalf("S00009 has %d counted ratings in the cached sheet, %d in a fresh one", n, sc.Explain.Rates.N)
	}
}

// TestInputEnrolments checks the loader's one-pass read of enrolments,
// quizzes and attempts against quizzes' EnrolmentResults on the same
// enrolments: modules with and without a quiz, every grading method, one
// and two attempts, essays waiting, an attempt in progress and one at
// another quiz (not counted).
func TestInputEnrolments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	seedBench(t, db, benchSize{Staff: 60, Ratings: 100, Enrolments: 600, Modules: 10, Spread: "year"})
	now := func() time.Time { return benchNow }
	st := staff.NewService(db, now)
	qs := quizstore.New(db, now)
	svc := scores.New(db, now, st, qs, audit.New(db, now), scores.CacheSize(0))
	for _, q := range []string{
		"UPDATE attempts SET state = 'inprogress', finished_at = NULL, grade_percent = NULL WHERE id = (SELECT MAX(a.id) FROM attempts a " +
			"JOIN enrolments e ON e.id = a.enrolment_id WHERE a.number = 1 AND e.due_date >= '2026-07-01' AND e.id % 9 NOT IN (1, 2))",
		"UPDATE attempts SET quiz_id = (SELECT MIN(id) FROM quizzes WHERE id <> attempts.quiz_id) WHERE id = (SELECT MIN(a.id) FROM attempts a " +
			"JOIN enrolments e ON e.id = a.enrolment_id WHERE a.number = 1 AND e.due_date >= '2026-07-01' AND e.id % 9 NOT IN (1, 2))",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var total, quizzes, graded, attempted int
	for _, period := range []string{"2026-07", "2026-03", "2025-Q4"} {
		p, err := scoring.ParsePeriod(period)
		if err != nil {
			t.Fatal(err)
		}
		in, err := svc.Input(ctx, 1, p)
		if err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			ID          int64   `bun:"id"`
			StaffID     int64   `bun:"staff_id"`
			DueDate     string  `bun:"due_date"`
			CompletedOn *string `bun:"completed_on"`
		}
		first, last := p.FirstDate(), p.LastDate()
		if err := db.NewSelect().TableExpr("enrolments").ColumnExpr("id, staff_id, due_date, completed_on").
			Where("(due_date >= ? AND due_date <= ?) OR (completed_on >= ? AND completed_on <= ?)", first, last, first, last).
			OrderExpr("id").Scan(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		res, err := qs.EnrolmentResults(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		var want []scoring.Enrolment
		for _, r := range rows {
			e := scoring.Enrolment{StaffID: r.StaffID, Due: r.DueDate, HasQuiz: res[r.ID].HasQuiz, Grade: res[r.ID].Grade, Attempted: res[r.ID].Attempted}
			if r.CompletedOn != nil {
				e.CompletedOn = *r.CompletedOn
			}
			want = append(want, e)
			total++
			if e.HasQuiz {
				quizzes++
			}
			if e.Grade != nil {
				graded++
			}
			if e.Attempted {
				attempted++
			}
		}
		if !reflect.DeepEqual(in.Enrolments, want) {
			t.Errorf("%s: the loader's enrolments differ from EnrolmentResults'", p)
		}
	}
	if quizzes == total || graded == 0 || attempted <= graded {
		t.Fatalf("%d enrolments, %d with a quiz, %d graded, %d attempted: not the variety the test needs", total, quizzes, graded, attempted)
	}
}
