package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/quizzes"
	qstore "github.com/kaoping/kaoping/quizzes/store"
)

// Both benchmarks run on a SQLite file opened by store.Open, so they share
// the DSN pragmas (WAL, synchronous NORMAL, busy timeout, immediate
// transactions) and pool size; the ratio of their ops/s is the cost of
// SaveAnswer over a bare single-row commit. Run them together:
//
//	go test -run '^$' -bench 'SaveAnswer|RawSQLiteCommit' -benchtime 5s ./quizzes/store/

// benchAttempts is how many attempts are open at once (an exam room).
const benchAttempts = 500

// openBenchSQLite opens and migrates a fresh SQLite database, whatever
// KAOPING_TEST_PG says: the comparison is about the embedded database.
func openBenchSQLite(b *testing.B, migrate bool) *bun.DB {
	b.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	if migrate {
		if err := store.Migrate(ctx, db); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// latencies collects per-operation durations from parallel goroutines.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

// report adds ops/s and the p50/p99 latencies to the benchmark output.
func (l *latencies) report(b *testing.B, elapsed time.Duration) {
	if len(l.all) == 0 || elapsed <= 0 {
		return
	}
	slices.Sort(l.all)
	pct := func(p float64) float64 {
		return float64(l.all[int(p*float64(len(l.all)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(l.all))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkSaveAnswer saves answers to many open attempts of a 20-question
// quiz from parallel goroutines, as an exam room autosaving does.
func BenchmarkSaveAnswer(b *testing.B) {
	ctx := context.Background()
	db := openBenchSQLite(b, true)
	st := qstore.New(db, nil)
	var centerID int64
	if err := db.NewSelect().Table("centers").Column("id").Limit(1).Scan(ctx, &centerID); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	var moduleID int64
	if err := db.QueryRowContext(ctx, "INSERT INTO modules (center_id, code, validity_months, created_by, created_at, updated_at) VALUES (?, 'bench', 0, 1, ?, ?) RETURNING id",
		centerID, now, now).Scan(&moduleID); err != nil {
		b.Fatal(err)
	}
	qz := &qstore.Quiz{ModuleID: moduleID, ShuffleAnswers: true, ShuffleQuestions: true}
	if err := st.SaveQuiz(ctx, qz); err != nil {
		b.Fatal(err)
	}
	var qs []quizzes.Question
	for i := range 20 {
		qs = append(qs, single(fmt.Sprintf("题%02d", i)))
	}
	bank, err := st.AddQuestions(ctx, centerID, qs, 1)
	if err != nil {
		b.Fatal(err)
	}
	slots := make([]qstore.Slot, len(bank))
	for i, q := range bank {
		slots[i] = qstore.Slot{Kind: qstore.SlotFixed, QuestionID: q.ID}
	}
	if err := st.SetSlots(ctx, qz.ID, slots); err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, benchAttempts)
	for i := range ids {
		var staffID int64
		if err := db.QueryRowContext(ctx, "INSERT INTO staff (center_id, staff_no, name, channels, active, created_at, updated_at) VALUES (?, ?, '考生', 'offline', ?, ?, ?) RETURNING id",
			centerID, fmt.Sprintf("B%04d", i), true, now, now).Scan(&staffID); err != nil {
			b.Fatal(err)
		}
		a, err := st.Start(ctx, qz.ID, staffID, nil, int64(i+1))
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = a.ID
	}
	var next atomic.Int64
	var lat latencies
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			n := next.Add(1)
			id := ids[n%benchAttempts]
			position := int(n/benchAttempts)%20 + 1
			t0 := time.Now()
			if _, err := st.SaveAnswer(ctx, id, position, quizzes.Response{Choices: []int{int(n % 3)}}); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		lat.add(mine)
	})
	elapsed := time.Since(start)
	b.StopTimer()
	lat.report(b, elapsed)
}

// BenchmarkRawSQLiteCommit is the baseline: one single-row INSERT per
// commit on a bare table, from parallel goroutines, on the same kind of
// SQLite file and DSN as BenchmarkSaveAnswer.
func BenchmarkRawSQLiteCommit(b *testing.B) {
	ctx := context.Background()
	db := openBenchSQLite(b, false)
	if _, err := db.ExecContext(ctx, "CREATE TABLE bench (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	var lat latencies
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if _, err := db.ExecContext(ctx, "INSERT INTO bench (v) VALUES (?)", `{"choices":[1]}`); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		lat.add(mine)
	})
	elapsed := time.Since(start)
	b.StopTimer()
	lat.report(b, elapsed)
}
