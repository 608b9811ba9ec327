package scores_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/scores"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store/storetest"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
)

// The benchmarks of the quality scores run on one center the size of the
// issue: 10,000 staff in 500 teams of 20, 5,000,000 ratings, 500,000
// enrolments with about 500,000 quiz attempts. KAOPING_BENCH_SCALE scales
// every count (0.01 for a quick run); KAOPING_BENCH_SPREAD=year spreads the
// ratings and due dates over the twelve months up to July 2026 instead of
// putting them all in July 2026, the month that is scored (the worst case,
// and the default). The database is a SQLite file under b.TempDir(), or a
// PostgreSQL schema with KAOPING_TEST_PG.

// benchSize is the seeded workload.
type benchSize struct {
	Staff      int
	Ratings    int
	Enrolments int
	Modules    int
	Spread     string // month or year
}

func (z benchSize) teams() int { return (z.Staff + 19) / 20 }

// days is how many days the ratings and due dates are spread over, ending
// on the last day of the period.
func (z benchSize) days() (first string, n int) {
	if z.Spread == "year" {
		return "2025-08-01", 365
	}
	return "2026-07-01", 31
}

func (z benchSize) String() string {
	return fmt.Sprintf("%d staff in %d teams, %d ratings, %d enrolments over %s", z.Staff, z.teams(), z.Ratings, z.Enrolments, z.Spread)
}

func sizeFromEnv(tb testing.TB) benchSize {
	scale := 1.0
	if s := os.Getenv("KAOPING_BENCH_SCALE"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 {
			tb.Fatalf("KAOPING_BENCH_SCALE=%q: want a positive number", s)
		}
		scale = f
	}
	spread := os.Getenv("KAOPING_BENCH_SPREAD")
	switch spread {
	case "":
		spread = "month"
	case "month", "year":
	default:
		tb.Fatalf("KAOPING_BENCH_SPREAD=%q: want month or year", spread)
	}
	n := func(x float64) int { return max(1, int(x*scale)) }
	return benchSize{Staff: max(20, n(10_000)), Ratings: n(5_000_000), Enrolments: n(500_000), Modules: 50, Spread: spread}
}

// benchNow is the benchmarks' clock: noon of the last day of July 2026 in
// the center's zone (Asia/Shanghai), so July is the open period.
var benchNow = time.Date(2026, 7, 31, 4, 0, 0, 0, time.UTC)

// sqlGen writes the dialect-specific parts of the seeding statements: every
// big table is filled by INSERT … SELECT over a generated series, which
// keeps seeding five million ratings to well under a minute on either
// database.
type sqlGen struct{ pg bool }

// series is a CTE s(i) of the integers lo … hi-1.
func (g sqlGen) series(lo, hi int) string {
	if g.pg {
		return fmt.Sprintf("WITH s(i) AS (SELECT generate_series(CAST(%d AS bigint), %d)) ", lo, hi-1)
	}
	return fmt.Sprintf("WITH RECURSIVE s(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM s WHERE i + 1 < %d) ", lo, hi)
}

// pad zero-pads the integer expression x to width digits.
func (g sqlGen) pad(x string, width int) string {
	if g.pg {
		return fmt.Sprintf("lpad(CAST(%s AS text), %d, '0')", x, width)
	}
	return fmt.Sprintf("substr('%s' || (%s), -%d)", strings.Repeat("0", width), x, width)
}

// day is the date (YYYY-MM-DD) n days after base.
func (g sqlGen) day(base, n string) string {
	if g.pg {
		return fmt.Sprintf("to_char(DATE '%s' + CAST(%s AS int), 'YYYY-MM-DD')", base, n)
	}
	return fmt.Sprintf("date('%s', '+' || (%s) || ' days')", base, n)
}

// ts is the UTC time clock (HH:MM:SS) of the date expression d, as bun
// stores times.
func (g sqlGen) ts(d, clock string) string {
	if g.pg {
		return fmt.Sprintf("CAST(%s || ' %s+00' AS timestamptz)", d, clock)
	}
	return fmt.Sprintf("(%s || ' %s+00:00')", d, clock)
}

// seedBench fills the default center (id 1) of a migrated database.
func seedBench(tb testing.TB, db *bun.DB, z benchSize) {
	tb.Helper()
	ctx := context.Background()
	g := sqlGen{pg: db.Dialect().Name() == dialect.PG}
	first, ndays := z.days()
	exec := func(what, q string) {
		tb.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			tb.Fatalf("seed %s: %v\n%s", what, err, q)
		}
	}
	old := g.ts("'2025-01-01'", "00:00:00")
	teams := z.teams()
	exec("teams", g.series(1, teams+1)+"INSERT INTO teams (id, center_id, code, name, channel, created_at) "+
		"SELECT i, 1, 'T' || "+g.pad("i", 3)+", '班组' || "+g.pad("i", 3)+", 'offline', "+old+" FROM s")
	exec("staff", g.series(1, z.Staff+1)+"INSERT INTO staff (id, center_id, staff_no, name, channels, active, created_at, updated_at) "+
		"SELECT i, 1, 'S' || "+g.pad("i", 5)+", '员工' || i, 'offline;online;hotline', TRUE, "+old+", "+old+" FROM s")
	exec("memberships", g.series(1, z.Staff+1)+"INSERT INTO team_memberships (id, staff_id, team_id, valid_from) "+
		"SELECT i, i, 1 + (i - 1) / 20, '2025-01-01' FROM s")
	exec("modules", g.series(1, z.Modules+1)+"INSERT INTO modules (id, center_id, code, validity_months, created_by, created_at, updated_at) "+
		"SELECT i, 1, 'M' || "+g.pad("i", 2)+", 0, 1, "+old+", "+old+" FROM s")
	exec("module versions", g.series(1, z.Modules+1)+"INSERT INTO module_versions (id, module_id, number, status, title, summary, standard, "+
		"recert_policy, recert_days, author_id, published_at, reject_reason, created_at, updated_at) "+
		"SELECT i, i, 1, 'published', '课程' || i, '', '{}', '', 0, 1, "+old+", '', "+old+", "+old+" FROM s")
	// Nine modules in ten have a quiz, with each grading method in turn.
	exec("quizzes", g.series(1, z.Modules+1)+"INSERT INTO quizzes (id, center_id, module_id, title, time_limit_seconds, overdue_handling, "+
		"grace_seconds, attempts_allowed, grading_method, pass_percent, shuffle_questions, shuffle_answers, review_marks, "+
		"review_right_answers, review_feedback, review_when, created_at, updated_at) "+
		"SELECT i, 1, i, '测验' || i, 0, 'autosubmit', 0, 0, "+
		"CASE i % 4 WHEN 0 THEN 'highest' WHEN 1 THEN 'average' WHEN 2 THEN 'first' ELSE 'last' END, "+
		"60, FALSE, FALSE, FALSE, FALSE, FALSE, 'immediately', "+old+", "+old+" FROM s WHERE i % 10 <> 0")

	// Enrolment i: person i % staff, module (i / staff) % modules, so that
	// nobody has two open enrolments of one module; six in ten completed
	// on their due date, one in ten three days late (unless that is after
	// the period: then open), the rest open.
	const chunk = 200_000 // rows per statement: a few seconds each, well within the drivers' read timeout
	d := fmt.Sprintf("((i * 13) %% %d)", ndays)
	due := g.day(first, d)
	done := fmt.Sprintf("CASE WHEN (i * 7) %% 10 < 6 THEN %s WHEN (i * 7) %% 10 = 6 AND %s + 3 < %d THEN %s END",
		due, d, ndays, g.day(first, d+" + 3"))
	for lo := 0; lo < z.Enrolments; lo += chunk {
		hi := min(lo+chunk, z.Enrolments)
		exec("enrolments", g.series(lo, hi)+"INSERT INTO enrolments (id, center_id, staff_id, module_id, version_id, reason, due_date, status, "+
			"completed_at, completed_on, created_at) "+
			fmt.Sprintf("SELECT i + 1, 1, 1 + i %% %d, 1 + (i / %d) %% %d, 1 + (i / %d) %% %d, 'assigned', %s, ", z.Staff, z.Staff, z.Modules, z.Staff, z.Modules, due)+
			"CASE WHEN "+done+" IS NULL THEN 'assigned' ELSE 'completed' END, "+
			g.ts(done, "02:00:00")+", "+done+", "+old+" FROM s")
	}
	// Attempts: none for one quiz enrolment in nine, two for two in nine,
	// one for the rest — about as many attempts as enrolments. One in fifty
	// waits for an essay grader (no grade yet).
	for _, number := range []int{1, 2} {
		cond := "e.id % 9 <> 0"
		if number == 2 {
			cond = "e.id % 9 IN (1, 2)"
		}
		exec("attempts", "INSERT INTO attempts (center_id, quiz_id, staff_id, enrolment_id, number, state, overdue_handling, started_at, "+
			"finished_at, sum_marks, max_marks, grade_percent, needs_grading, submit_key, created_at, updated_at) "+
			fmt.Sprintf("SELECT 1, q.id, e.staff_id, e.id, %d, 'finished', 'autosubmit', ", number)+g.ts("e.due_date", "01:00:00")+", "+
			g.ts("e.due_date", "01:30:00")+", 0, 100, CASE WHEN e.id % 50 = 0 THEN NULL ELSE 40 + (e.id * 37) % 61 END, "+
			"e.id % 50 = 0, '', "+g.ts("e.due_date", "01:00:00")+", "+g.ts("e.due_date", "01:30:00")+" "+
			"FROM enrolments e JOIN quizzes q ON q.module_id = e.module_id WHERE "+cond)
	}

	// Rating i: person (i × 7919) mod staff, so each person's ratings are
	// spread over the table; channel i mod 3; levels mostly 4–5; one in ten
	// a default rating, about one in a thousand excluded by an upheld
	// appeal and as many by a partly upheld one.
	pd := g.day(first, fmt.Sprintf("(i * 17) %% %d", ndays))
	for lo := 0; lo < z.Ratings; lo += chunk {
		hi := min(lo+chunk, z.Ratings)
		exec("ratings", g.series(lo, hi)+"INSERT INTO ratings (center_id, external_id, rated_at, period_date, channel, staff_id, level, "+
			"reasons, comment, is_default, received_at, source, excluded, personal_excluded, created_at) "+
			"SELECT 1, 'b' || i, "+g.ts(pd, "02:00:00")+", "+pd+", "+
			"CASE i % 3 WHEN 0 THEN 'offline' WHEN 1 THEN 'online' ELSE 'hotline' END, "+
			fmt.Sprintf("1 + (i * 7919) %% %d, ", z.Staff)+
			fmt.Sprintf("CASE WHEN (i * 31 + i / %d) %% 20 < 11 THEN 5 WHEN (i * 31 + i / %d) %% 20 < 16 THEN 4 "+
				"WHEN (i * 31 + i / %d) %% 20 < 18 THEN 3 WHEN (i * 31 + i / %d) %% 20 = 18 THEN 2 ELSE 1 END, ", z.Staff, z.Staff, z.Staff, z.Staff)+
			"'[]', '', i % 10 = 9, "+g.ts(pd, "02:00:00")+", 'api', i % 997 = 0, i % 991 = 1, "+g.ts(pd, "02:00:00")+" FROM s")
	}
	if g.pg {
		for _, t := range []string{"teams", "staff", "team_memberships", "modules", "module_versions", "quizzes", "enrolments"} {
			exec("sequence "+t, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), (SELECT MAX(id) FROM "+t+"))")
		}
		// What autovacuum does shortly after a bulk load: statistics for the
		// planner and the visibility map for index-only scans. Only the
		// seeded tables: a bare VACUUM would walk every schema of the
		// database, other test packages' too.
		exec("vacuum", "VACUUM ANALYZE teams, staff, team_memberships, modules, module_versions, quizzes, enrolments, attempts, ratings")
	} else {
		exec("checkpoint", "PRAGMA wal_checkpoint(TRUNCATE)")
	}
}

// benchEnv is a seeded database with the services over it.
type benchEnv struct {
	db     *bun.DB
	size   benchSize
	period scoring.Period
	now    func() time.Time
	st     *staff.Service
	qs     *quizstore.Store
	al     *audit.Log
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	z := sizeFromEnv(b)
	db := storetest.New(b)
	start := time.Now()
	seedBench(b, db, z)
	now := func() time.Time { return benchNow }
	p, err := scoring.ParsePeriod("2026-07")
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %s on %s in %s", z, db.Dialect().Name(), time.Since(start).Round(time.Second))
	return &benchEnv{db: db, size: z, period: p, now: now, st: staff.NewService(db, now), qs: quizstore.New(db, now), al: audit.New(db, now)}
}

func (e *benchEnv) service(opts ...scores.Option) *scores.Service {
	return scores.New(e.db, e.now, e.st, e.qs, e.al, opts...)
}

// groupBy is the reference of the issue: one GROUP BY over the period's
// ratings of the center, every row read back.
func (e *benchEnv) groupBy(b *testing.B) int {
	b.Helper()
	rows, err := e.db.QueryContext(context.Background(),
		"SELECT staff_id, channel, level, COUNT(*) FROM ratings WHERE center_id = ? AND period_date BETWEEN ? AND ? GROUP BY staff_id, channel, level",
		1, e.period.FirstDate(), e.period.LastDate())
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var id, level, n int64
		var ch string
		if err := rows.Scan(&id, &ch, &level, &n); err != nil {
			b.Fatal(err)
		}
		total += int(n)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return total
}

// BenchmarkScores seeds the database once and runs the sub-benchmarks on it.
//
// Recompute: the full computation of the period's sheet (Service.Compute
// without any cache: the loader's queries and scoring.Compute), next to the
// reference — the single GROUP BY — timed in the same iterations, in
// alternating order. ns/op is both; recompute-ns/op, groupby-ns/op and their
// ratio are reported separately.
//
// TeamDashboard: the data of the team page — Sheet of the period and
// Trends over four periods — for random teams.
func BenchmarkScores(b *testing.B) {
	env := newBenchEnv(b)
	ctx := context.Background()
	b.Run("Recompute", func(b *testing.B) {
		svc := env.service(scores.CacheSize(0))
		var ref, load, maths time.Duration
		var want int
		for i := 0; b.Loop(); i++ {
			groupBy := func() {
				t := time.Now()
				want = env.groupBy(b)
				ref += time.Since(t)
			}
			if i%2 == 0 {
				groupBy()
			}
			t0 := time.Now()
			in, err := svc.Input(ctx, 1, env.period)
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			res := scoring.Compute(in)
			t2 := time.Now()
			load, maths = load+t1.Sub(t0), maths+t2.Sub(t1)
			if res.Ratings.Received != want && want != 0 {
				b.Fatalf("sheet saw %d ratings, the GROUP BY %d", res.Ratings.Received, want)
			}
			if i%2 == 1 {
				groupBy()
			}
		}
		n := float64(b.N)
		rc := float64(load+maths) / n
		b.ReportMetric(rc, "recompute-ns/op")
		b.ReportMetric(float64(load)/n, "load-ns/op")
		b.ReportMetric(float64(maths)/n, "maths-ns/op")
		b.ReportMetric(float64(ref)/n, "groupby-ns/op")
		b.ReportMetric(rc/(float64(ref)/n), "ratio")
	})
	b.Run("TeamDashboard", func(b *testing.B) {
		benchDashboard(b, env)
	})
}

// benchDashboard measures the team page's data. Each iteration starts from
// a new service (empty cache) and records: the first view (cold: four
// sheets computed), 200 warm views of random teams, the stamp check alone
// (Sheet of the cached period), the view right after a new rating of the
// period, and the one after a grade of one of its attempts (the period's
// sheet brought up to date, the three before it cached).
func benchDashboard(b *testing.B, env *benchEnv) {
	ctx := context.Background()
	teams := env.size.teams()
	view := func(svc *scores.Service, team int64) time.Duration {
		t := time.Now()
		sh, err := svc.Sheet(ctx, 1, env.period)
		if err != nil {
			b.Fatal(err)
		}
		if len(sh.Team(team)) == 0 {
			b.Fatalf("team %d has no scores", team)
		}
		_, trend, err := svc.Trends(ctx, 1, env.period, 4)
		if err != nil {
			b.Fatal(err)
		}
		if len(trend[team]) != 4 {
			b.Fatalf("team %d: trend of %d periods", team, len(trend[team]))
		}
		return time.Since(t)
	}
	var cold, afterRating, afterGrade, stamp []time.Duration
	var warm []time.Duration
	for i := 0; b.Loop(); i++ {
		svc := env.service()
		cold = append(cold, view(svc, 1))
		for j := range 200 {
			warm = append(warm, view(svc, 1+int64((i*200+j)*7919%teams)))
		}
		for range 50 {
			t := time.Now()
			if _, err := svc.Sheet(ctx, 1, env.period); err != nil {
				b.Fatal(err)
			}
			stamp = append(stamp, time.Since(t))
		}
		if _, err := env.db.ExecContext(ctx, "INSERT INTO ratings (center_id, external_id, rated_at, period_date, channel, staff_id, level, "+
			"reasons, comment, is_default, received_at, source, excluded, personal_excluded, created_at) VALUES (1, ?, ?, '2026-07-31', 'online', 1, 5, "+
			"'[]', '', FALSE, ?, 'api', FALSE, FALSE, ?)", fmt.Sprintf("new-%d", i), benchNow, benchNow, benchNow); err != nil {
			b.Fatal(err)
		}
		afterRating = append(afterRating, view(svc, 1))
		// An essay graded: one attempt of a July enrolment gets a grade.
		if _, err := env.db.ExecContext(ctx, "UPDATE attempts SET grade_percent = ?, updated_at = ? WHERE id = "+
			"(SELECT MIN(a.id) FROM attempts a JOIN enrolments e ON e.id = a.enrolment_id WHERE a.grade_percent IS NULL AND a.state = 'finished' AND e.due_date >= '2026-07-01')",
			50+i, benchNow); err != nil {
			b.Fatal(err)
		}
		afterGrade = append(afterGrade, view(svc, 1))
	}
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(mean(cold)), "cold-ms")
	b.ReportMetric(ms(pct(warm, 50)), "warm-p50-ms")
	b.ReportMetric(ms(pct(warm, 95)), "warm-p95-ms")
	b.ReportMetric(ms(pct(warm, 99)), "warm-p99-ms")
	b.ReportMetric(ms(pct(stamp, 50)), "stamp-p50-ms")
	b.ReportMetric(ms(pct(stamp, 95)), "stamp-p95-ms")
	b.ReportMetric(ms(mean(afterRating)), "after-rating-ms")
	b.ReportMetric(ms(mean(afterGrade)), "after-grade-ms")
}

func mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(max(1, len(ds)))
}

// pct is the p-th percentile (nearest rank).
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}
