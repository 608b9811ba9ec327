package rbac

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/driver/pgdriver"
)

// PolicyChannel is the PostgreSQL NOTIFY channel on which instances tell
// each other that the policy changed.
const PolicyChannel = "kaoping_policy"

// ErrNotPostgres is returned by NewWatcher for a database that is not
// PostgreSQL over pgdriver: SQLite has no LISTEN/NOTIFY (and serves one
// instance; the revision poll is enough there).
var ErrNotPostgres = errors.New("rbac: the policy watcher needs PostgreSQL")

// updateTimeout bounds the NOTIFY of Update, which casbin's interface
// calls without a context.
const updateTimeout = 5 * time.Second

// Watcher is casbin's persist.Watcher over PostgreSQL LISTEN/NOTIFY: Update
// sends a notification on the channel, and every Watcher listening on it
// (one per instance, on a connection of its own) calls its update callback
// when one arrives. The payload is the schema the policy lives in, so
// deployments (or test schemas) sharing one database ignore each other.
//
// A notification sent while a listener reconnects is lost: the
// Authorizer's revision poll (Watch) stays on as the fallback.
type Watcher struct {
	db      *bun.DB
	channel string
	scope   string // current_schema() of db; the payload of our notifications
	ln      *pgdriver.Listener
	done    chan struct{} // closed when the receive loop has ended

	mu       sync.Mutex
	callback func(string)
	closed   bool
}

var _ persist.Watcher = (*Watcher)(nil)

// NewWatcher starts listening on channel ("" means PolicyChannel) on a
// connection of its own, and returns once LISTEN has succeeded. Close it
// when done.
func NewWatcher(ctx context.Context, db *bun.DB, channel string) (*Watcher, error) {
	if db.Dialect().Name() != dialect.PG {
		return nil, ErrNotPostgres
	}
	if _, ok := db.Driver().(pgdriver.Driver); !ok {
		return nil, ErrNotPostgres
	}
	if channel == "" {
		channel = PolicyChannel
	}
	var scope string
	if err := db.NewSelect().ColumnExpr("current_schema()").Scan(ctx, &scope); err != nil {
		return nil, fmt.Errorf("rbac: watcher: current schema: %w", err)
	}
	ln := pgdriver.NewListener(db)
	if err := ln.Listen(ctx, channel); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("rbac: watcher: listen on %s: %w", channel, err)
	}
	w := &Watcher{db: db, channel: channel, scope: scope, ln: ln, done: make(chan struct{})}
	// The channel is closed by ln.Close. A full buffer drops notifications,
	// which is harmless: the ones still queued trigger the same reload.
	go w.receive(ln.Channel(pgdriver.WithChannelSize(64)))
	return w, nil
}

// receive calls the callback for each notification of our scope; a burst
// of them (several edits in a row) makes one call.
func (w *Watcher) receive(ch <-chan pgdriver.Notification) {
	defer close(w.done)
	for n := range ch {
		if !w.ours(n) {
			continue
		}
	drain:
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					break drain
				}
			default:
				break drain
			}
		}
		w.mu.Lock()
		cb, closed := w.callback, w.closed
		w.mu.Unlock()
		if cb != nil && !closed {
			cb(n.Payload)
		}
	}
}

func (w *Watcher) ours(n pgdriver.Notification) bool {
	return n.Channel == w.channel && n.Payload == w.scope
}

// SetUpdateCallback sets the function called when another instance (or
// this one) reported a policy change.
func (w *Watcher) SetUpdateCallback(fn func(string)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.callback = fn
	return nil
}

// Update tells every listening instance that the policy changed. Call it
// after the change committed: a listener that reloads at once must see it.
func (w *Watcher) Update() error {
	ctx, cancel := context.WithTimeout(context.Background(), updateTimeout)
	defer cancel()
	return w.UpdateContext(ctx)
}

// UpdateContext is Update with the caller's context.
func (w *Watcher) UpdateContext(ctx context.Context) error {
	// pg_notify rather than NOTIFY: the channel and payload are values,
	// not identifiers spliced into the statement.
	if _, err := w.db.ExecContext(ctx, "SELECT pg_notify(?, ?)", w.channel, w.scope); err != nil {
		return fmt.Errorf("rbac: notify %s: %w", w.channel, err)
	}
	return nil
}

// Close stops listening and releases the connection; the callback is not
// called after Close returns. Closing twice is a no-op.
func (w *Watcher) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	w.mu.Unlock()
	_ = w.ln.Close()
	<-w.done
}
