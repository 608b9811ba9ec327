package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store/storetest"
)

// These tests are inside the package: they drive runExclusive and runTask
// with tasks of their own, on Apps that have only what those need.

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func bareApp(db *bun.DB, clk *testClock) *App {
	return &App{db: db, now: clk.Now, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// countingTask counts its runs.
func countingTask(name string, every time.Duration, n *atomic.Int32) scheduledTask {
	return scheduledTask{name: name, every: every, run: func(context.Context) error {
		n.Add(1)
		return nil
	}}
}

func TestRunTaskOncePerPeriod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &testClock{t: time.Date(2026, 7, 15, 10, 0, 1, 0, time.UTC)}
	a := bareApp(storetest.New(t), clk)
	var n atomic.Int32
	task := countingTask("test.task", 10*time.Minute, &n)
	steps := []struct {
		name    string
		advance time.Duration
		wantRan bool
	}{
		{"first tick", 0, true},
		{"same instant", 0, false},
		{"later in the period", 9 * time.Minute, false},        // 10:09:01
		{"next period", 1 * time.Minute, true},                 // 10:10:01
		{"clock set back a day", -24 * time.Hour, true},        // the recorded start is "in the future"
		{"a tick later, same period", 15 * time.Second, false}, // 10:10:16 the day before
	}
	want := int32(0)
	for _, s := range steps {
		clk.Add(s.advance)
		ran, err := a.runTask(ctx, task)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if ran != s.wantRan {
			t.Errorf("%s: ran = %v, want %v", s.name, ran, s.wantRan)
		}
		if s.wantRan {
			want++
		}
		if got := n.Load(); got != want {
			t.Errorf("%s: %d runs, want %d", s.name, got, want)
		}
	}
	// Tasks are counted apart.
	var m atomic.Int32
	if ran, err := a.runTask(ctx, countingTask("test.other", 10*time.Minute, &m)); err != nil || !ran {
		t.Errorf("another task: ran %v, %v", ran, err)
	}
}

// twoInstances returns two Apps on one PostgreSQL schema, or skips.
func twoInstances(t *testing.T, clk *testClock) (*App, *App) {
	t.Helper()
	if os.Getenv(storetest.EnvPG) == "" {
		t.Skip(storetest.EnvPG + " not set: the lock is for several instances on PostgreSQL")
	}
	db, dsn := storetest.NewDSN(t)
	return bareApp(db, clk), bareApp(dsn.Open(t), clk)
}

// TestRunExclusive: while one instance runs a task, another does not; once
// it finished, the lock is free again; a lock in one schema does not block
// another schema.
func TestRunExclusive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &testClock{t: time.Date(2026, 7, 15, 10, 0, 0, 0, time.UTC)}
	a, b := twoInstances(t, clk)
	other := bareApp(storetest.New(t), clk)

	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		ran, err := a.runExclusive(ctx, "test.lock", func(context.Context) error {
			close(started)
			<-release
			return nil
		})
		if err == nil && !ran {
			t.Error("A did not run with the lock free")
		}
		done <- err
	}()
	<-started
	ran, err := b.runExclusive(ctx, "test.lock", func(context.Context) error {
		t.Error("B ran while A held the lock")
		return nil
	})
	if err != nil || ran {
		t.Errorf("B while A runs: ran %v, %v; want false, nil", ran, err)
	}
	if ran, err := b.runExclusive(ctx, "test.other", func(context.Context) error { return nil }); err != nil || !ran {
		t.Errorf("B, another task: ran %v, %v; want true", ran, err)
	}
	if ran, err := other.runExclusive(ctx, "test.lock", func(context.Context) error { return nil }); err != nil || !ran {
		t.Errorf("another schema, same task: ran %v, %v; want true", ran, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ran, err := b.runExclusive(ctx, "test.lock", func(context.Context) error { return nil }); err != nil || !ran {
		t.Errorf("B after A finished: ran %v, %v; want true", ran, err)
	}
}

// TestRunTaskConcurrentInstances: instances ticking together run each
// task once, whichever gets it.
func TestRunTaskConcurrentInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &testClock{t: time.Date(2026, 7, 15, 10, 0, 0, 0, time.UTC)}
	a, b := twoInstances(t, clk)
	var n atomic.Int32
	task := countingTask("test.concurrent", time.Minute, &n)
	for round := range 5 {
		var wg sync.WaitGroup
		var ranA, ranB atomic.Int32
		for i := range 8 {
			x, ran := a, &ranA
			if i%2 == 1 {
				x, ran = b, &ranB
			}
			wg.Go(func() {
				if ok, err := x.runTask(ctx, task); err != nil {
					t.Error(err)
				} else if ok {
					ran.Add(1)
				}
			})
		}
		wg.Wait()
		if got := n.Load(); got != int32(round+1) || ranA.Load()+ranB.Load() != 1 {
			t.Fatalf("round %d: %d runs in all, want %d (A ran %d, B %d)", round, got, round+1, ranA.Load(), ranB.Load())
		}
		clk.Add(time.Minute)
	}
}
