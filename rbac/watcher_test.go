package rbac_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/kaoping/kaoping/rbac"
)

// fakeWatcher records Update calls and lets the test fire the callback.
type fakeWatcher struct {
	mu       sync.Mutex
	updates  int
	callback func(string)
}

func (w *fakeWatcher) SetUpdateCallback(fn func(string)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.callback = fn
	return nil
}

func (w *fakeWatcher) Update() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.updates++
	return nil
}

func (w *fakeWatcher) Close() {}

func (w *fakeWatcher) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.updates
}

func (w *fakeWatcher) fire() {
	w.mu.Lock()
	cb := w.callback
	w.mu.Unlock()
	cb("")
}

// TestAuthorizerAnnouncesChanges: every change that reached the database,
// and every Refresh that found one, calls the watcher's Update; a change
// that changed nothing does not; the watcher's callback reloads.
func TestAuthorizerAnnouncesChanges(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a := newAuthorizer(t, db)
		w := &fakeWatcher{}
		if err := a.SetWatcher(w, func(err error) { t.Errorf("watcher: %v", err) }); err != nil {
			t.Fatal(err)
		}
		p := rbac.Policy{Role: rbac.RoleHR, Domain: "center:*", Object: "/watched", Action: "GET"}
		steps := []struct {
			name string
			do   func() error
			want int
		}{
			{"add policy", func() error { return a.AddPolicy(ctx, p) }, 1},
			{"add it again", func() error { return a.AddPolicy(ctx, p) }, 1},
			{"add grant", func() error {
				return a.AddGrant(ctx, rbac.Grant{Subject: "user:9", Role: rbac.RoleHR, Domain: "center:1"})
			}, 2},
			{"remove policy", func() error { return a.RemovePolicy(ctx, p) }, 3},
			{"remove missing policy", func() error { return a.RemovePolicy(ctx, p) }, 3},
			{"refresh without change", func() error { return a.Refresh(ctx) }, 3},
			{"write grants, refresh", func() error {
				if err := rbac.WriteGrants(ctx, db, []rbac.Grant{{Subject: "user:10", Role: rbac.RoleHR, Domain: "center:1"}}); err != nil {
					return err
				}
				return a.Refresh(ctx)
			}, 4},
		}
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got := w.count(); got != s.want {
				t.Errorf("after %s: %d updates, want %d", s.name, got, s.want)
			}
		}

		// Another instance's change, announced: the callback reloads.
		other := newAuthorizer(t, db)
		if err := other.AddGrant(ctx, rbac.Grant{Subject: "user:11", Role: rbac.RoleAdmin, Domain: "center:1"}); err != nil {
			t.Fatal(err)
		}
		if mustCan(t, a, "user:11", []string{"center:1"}, "/admin/*", "GET") {
			t.Fatal("the grant is visible before any reload")
		}
		w.fire()
		if !mustCan(t, a, "user:11", []string{"center:1"}, "/admin/*", "GET") {
			t.Error("the callback did not reload")
		}
		if got := w.count(); got != 4 {
			t.Errorf("a reload on notification announced again: %d updates, want 4", got)
		}
	})
}

func TestWatcherNeedsPostgres(t *testing.T) {
	db := newSQLite(t)
	if _, err := rbac.NewWatcher(context.Background(), db, ""); !errors.Is(err, rbac.ErrNotPostgres) {
		t.Fatalf("NewWatcher on SQLite: %v, want ErrNotPostgres", err)
	}
}

// pgOnly returns the PostgreSQL URL, or skips the test.
func pgOnly(t *testing.T) string {
	t.Helper()
	url := os.Getenv(envPG)
	if url == "" {
		t.Skip(envPG + " not set")
	}
	return url
}

// samePool opens a second pool on db's schema, as a second instance would.
func samePool(t *testing.T, url string, db *bun.DB) *bun.DB {
	t.Helper()
	var schema string
	if err := db.NewSelect().ColumnExpr("current_schema()").Scan(context.Background(), &schema); err != nil {
		t.Fatal(err)
	}
	other := bun.NewDB(sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url),
		pgdriver.WithConnParams(map[string]any{"search_path": schema}))), pgdialect.New())
	t.Cleanup(func() { _ = other.Close() })
	return other
}

func newWatcher(t *testing.T, db *bun.DB) *rbac.Watcher {
	t.Helper()
	w, err := rbac.NewWatcher(context.Background(), db, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

// eventually waits up to d for cond.
func eventually(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestWatcherSpreadsChanges: two instances on one schema, no revision
// poll: a change on one is enforced by the other within a second.
func TestWatcherSpreadsChanges(t *testing.T) {
	url := pgOnly(t)
	ctx := context.Background()
	dbA := newPostgres(t, url)
	dbB := samePool(t, url, dbA)
	a, b := newAuthorizer(t, dbA), newAuthorizer(t, dbB)
	for _, x := range []struct {
		authz *rbac.Authorizer
		db    *bun.DB
	}{{a, dbA}, {b, dbB}} {
		if err := x.authz.SetWatcher(newWatcher(t, x.db), func(err error) { t.Errorf("watcher: %v", err) }); err != nil {
			t.Fatal(err)
		}
	}
	p := rbac.Policy{Role: rbac.RoleHR, Domain: "center:*", Object: "/spread", Action: "GET"}
	g := rbac.Grant{Subject: "user:5", Role: rbac.RoleHR, Domain: "center:1"}
	can := func(x *rbac.Authorizer) func() bool {
		return func() bool { return mustCan(t, x, "user:5", []string{"center:1"}, "/spread", "GET") }
	}
	if err := a.AddGrant(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := a.AddPolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	if !eventually(time.Second, can(b)) {
		t.Fatal("B does not enforce A's new policy after 1 s")
	}
	if err := b.RemovePolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	if !eventually(time.Second, func() bool { return !can(a)() }) {
		t.Fatal("A still enforces the policy B removed, after 1 s")
	}
	// Grants written in a caller's transaction reach the others with the
	// Refresh that follows.
	if err := rbac.WriteGrants(ctx, dbA, []rbac.Grant{{Subject: "user:6", Role: rbac.RoleAdmin, Domain: "center:1"}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !eventually(time.Second, func() bool { return mustCan(t, b, "user:6", []string{"center:1"}, "/admin/*", "GET") }) {
		t.Fatal("B does not see grants written on A after A's Refresh, after 1 s")
	}
}

// TestWatcherScopeAndClose: notifications of another schema in the same
// database are ignored, and none is delivered after Close.
func TestWatcherScopeAndClose(t *testing.T) {
	url := pgOnly(t)
	db := newPostgres(t, url)
	elsewhere := newPostgres(t, url)
	w := newWatcher(t, db)
	var calls atomic.Int32
	if err := w.SetUpdateCallback(func(string) { calls.Add(1) }); err != nil {
		t.Fatal(err)
	}
	if err := newWatcher(t, elsewhere).Update(); err != nil {
		t.Fatal(err)
	}
	// Delivery takes about a millisecond; a foreign notification that were
	// not ignored would have called back by now.
	time.Sleep(200 * time.Millisecond)
	if got := calls.Load(); got != 0 {
		t.Fatalf("%d callbacks for another schema's notification, want 0", got)
	}
	if err := newWatcher(t, samePool(t, url, db)).Update(); err != nil {
		t.Fatal(err)
	}
	if !eventually(time.Second, func() bool { return calls.Load() == 1 }) {
		t.Fatalf("%d callbacks for a notification of our schema, want 1", calls.Load())
	}
	w.Close()
	w.Close() // twice is fine
	// Sending still works: it goes through the pool, not the listener.
	if err := w.Update(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if got := calls.Load(); got != 1 {
		t.Errorf("%d callbacks after Close, want 1", got)
	}
}
