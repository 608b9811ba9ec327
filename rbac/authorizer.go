package rbac

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"
)

//go:embed model.conf
var modelConf string

// Authorizer answers authorization questions from an in-memory copy of the
// policy stored in the database, and applies changes to both. It is safe
// for concurrent use.
type Authorizer struct {
	adapter *adapter

	// writeMu serializes mutations and reloads, so the database and the
	// in-memory copy apply changes in the same order. It also guards rev.
	writeMu sync.Mutex
	// rev is the policy_revision the in-memory copy reflects.
	rev int64

	// mu guards enf. Can holds it for reading across the whole decision,
	// cache write included, and a change holds it for writing while it
	// updates the model and clears the cache. Without it, a decision
	// computed on the old model could be cached just after the clear and
	// be served stale until the next change (casbin's own lock is released
	// before the cached enforcer stores the result).
	mu  sync.RWMutex
	enf *casbin.SyncedCachedEnforcer

	// watchMu guards watcher and onWatchErr (see SetWatcher).
	watchMu    sync.Mutex
	watcher    persist.Watcher
	onWatchErr func(error)
}

// New loads the model and every rule from db and returns an Authorizer
// with decision caching on.
func New(ctx context.Context, db *bun.DB) (*Authorizer, error) {
	a := &Authorizer{adapter: &adapter{db: db}}
	rev, enf, err := a.load(ctx)
	if err != nil {
		return nil, err
	}
	a.rev, a.enf = rev, enf
	return a, nil
}

// load reads the stored policy into a new enforcer.
func (a *Authorizer) load(ctx context.Context) (int64, *casbin.SyncedCachedEnforcer, error) {
	rev, rows, err := a.adapter.load(ctx)
	if err != nil {
		return 0, nil, err
	}
	m, err := newModel()
	if err != nil {
		return 0, nil, err
	}
	if err := loadInto(m, rows); err != nil {
		return 0, nil, err
	}
	// No adapter on the enforcer: it never touches the database itself,
	// so writes keep their context (see apply).
	enf, err := casbin.NewSyncedCachedEnforcer(m)
	if err != nil {
		return 0, nil, fmt.Errorf("rbac: new enforcer: %w", err)
	}
	enf.EnableAutoSave(false)
	configure(enf.SyncedEnforcer.Enforcer)
	// The rules went straight into the model, so the role graph is built
	// here.
	if err := enf.BuildRoleLinks(); err != nil {
		return 0, nil, fmt.Errorf("rbac: build role links: %w", err)
	}
	return rev, enf, nil
}

// configure removes the domain pattern matching that casbin installs on g
// by itself (because the matcher contains keyMatch(r.dom, p.dom)). With it,
// every domain added to the role graph is compared with every domain
// already there, and a check in a domain without grants scans them all:
// loading 10,500 grants over 10,500 staff and team domains took 9.6 s.
// Grants are only ever in a concrete domain or "*" (Grant.validate), and
// the matcher asks g for "*" itself, so exact domain lookup is enough.
func configure(e *casbin.Enforcer) {
	e.AddNamedDomainMatchingFunc("g", "keyMatch", nil)
}

func newModel() (model.Model, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("rbac: model: %w", err)
	}
	return m, nil
}

// Can reports whether sub may do act on obj in any of domains, tried in
// order (narrowest first, e.g. staff:42, team:5, center:1) so the common
// case stops early. No domains, or a subject that is not user:<id> or
// token:<id>, is a denial. The error is only for engine failures.
func (a *Authorizer) Can(sub string, domains []string, obj, act string) (bool, error) {
	// casbin treats a subject equal to a role name as holding that role;
	// only real subjects may ask.
	if !strings.HasPrefix(sub, "user:") && !strings.HasPrefix(sub, "token:") {
		return false, nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	for _, d := range domains {
		ok, err := a.enf.Enforce(sub, d, obj, act)
		if err != nil {
			return false, fmt.Errorf("rbac: enforce %s %s %s %s: %w", sub, d, obj, act, err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// Grants returns the g rows of sub, sorted by role then domain.
func (a *Authorizer) Grants(sub string) []Grant {
	a.mu.RLock()
	defer a.mu.RUnlock()
	rules := grouping(a.enf, 0, sub)
	gs := make([]Grant, 0, len(rules))
	for _, r := range rules {
		gs = append(gs, Grant{Subject: r[0], Role: r[1], Domain: r[2]})
	}
	slices.SortFunc(gs, compareGrants)
	return gs
}

// Holders returns the subjects holding role in exactly domain (a global
// "*" grant is not listed under center:1), sorted.
func (a *Authorizer) Holders(role, domain string) []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	rules := grouping(a.enf, 1, role, domain)
	subs := make([]string, 0, len(rules))
	for _, r := range rules {
		subs = append(subs, r[0])
	}
	slices.Sort(subs)
	return subs
}

// grouping reads g rows by exact field values. casbin only fails here when
// the model has no g section, which the embedded model always has. The rows
// are casbin's own: copy them before a.mu is released.
func grouping(enf *casbin.SyncedCachedEnforcer, field int, values ...string) [][]string {
	rules, _ := enf.GetFilteredGroupingPolicy(field, values...)
	return rules
}

// Policies returns the p rows, sorted by role, domain, object, action.
func (a *Authorizer) Policies() []Policy {
	a.mu.RLock()
	defer a.mu.RUnlock()
	// GetPolicy returns casbin's own slice, which a change rewrites in
	// place: it is copied while a.mu is held. It only fails without a p
	// section, which the embedded model always has.
	rules, _ := a.enf.GetPolicy()
	ps := make([]Policy, 0, len(rules))
	for _, r := range rules {
		ps = append(ps, Policy{Role: r[0], Domain: r[1], Object: r[2], Action: r[3]})
	}
	slices.SortFunc(ps, comparePolicies)
	return ps
}

// AddGrant gives g.Subject g.Role in g.Domain, in the database and at once
// in memory. The role must be one of Roles() and the domain concrete or
// "*"; otherwise the error wraps ErrInvalid. Adding a grant that exists is
// not an error.
func (a *Authorizer) AddGrant(ctx context.Context, g Grant) error {
	if err := g.Validate(); err != nil {
		return err
	}
	return a.apply(ctx, func(ctx context.Context) (int64, error) {
		return a.adapter.add(ctx, "g", [][]string{g.rule()})
	}, func(e *casbin.SyncedCachedEnforcer) error {
		_, err := e.AddGroupingPolicy(g.Subject, g.Role, g.Domain)
		return err
	})
}

// RemoveGrant takes g away; removing a missing grant is not an error.
func (a *Authorizer) RemoveGrant(ctx context.Context, g Grant) error {
	return a.apply(ctx, func(ctx context.Context) (int64, error) {
		return a.adapter.remove(ctx, "g", [][]string{g.rule()})
	}, func(e *casbin.SyncedCachedEnforcer) error {
		_, err := e.RemoveGroupingPolicy(g.Subject, g.Role, g.Domain)
		return err
	})
}

// RemoveSubject takes every grant away from sub (a deleted user or a
// revoked token).
func (a *Authorizer) RemoveSubject(ctx context.Context, sub string) error {
	if sub == "" {
		return fmt.Errorf("%w: empty subject", ErrInvalid)
	}
	return a.apply(ctx, func(ctx context.Context) (int64, error) {
		return a.adapter.removeFiltered(ctx, "g", 0, sub)
	}, func(e *casbin.SyncedCachedEnforcer) error {
		_, err := e.RemoveFilteredGroupingPolicy(0, sub)
		return err
	})
}

// AddPolicy stores p and applies it at once. The role must be one of
// Roles() or Authenticated; the domain "*", "center:*", "team:*",
// "staff:*" or a concrete domain; the object a route pattern starting with
// "/"; the action a method (GET) or a method list ((GET|POST)). Otherwise
// the error wraps ErrInvalid. Adding a policy that exists is not an error.
func (a *Authorizer) AddPolicy(ctx context.Context, p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return a.apply(ctx, func(ctx context.Context) (int64, error) {
		return a.adapter.add(ctx, "p", [][]string{p.rule()})
	}, func(e *casbin.SyncedCachedEnforcer) error {
		_, err := e.AddPolicy(p.Role, p.Domain, p.Object, p.Action)
		return err
	})
}

// RemovePolicy deletes p and applies it at once; removing a missing policy
// is not an error.
func (a *Authorizer) RemovePolicy(ctx context.Context, p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return a.apply(ctx, func(ctx context.Context) (int64, error) {
		return a.adapter.remove(ctx, "p", [][]string{p.rule()})
	}, func(e *casbin.SyncedCachedEnforcer) error {
		_, err := e.RemovePolicy(p.Role, p.Domain, p.Object, p.Action)
		return err
	})
}

// apply writes a change to the database (with the revision bump, in one
// transaction), then to the in-memory model, and clears the decision
// cache, so the very next Can sees it. The database goes first: a failed
// write leaves memory untouched, and no decision waits on database I/O.
//
// The memory step runs even when the database already had the change (a
// stale copy catches up). casbin's cached enforcer would only drop the
// cache entry keyed by the rule itself, which is never a request key, so
// the whole cache is cleared.
//
// A change that reached the database is then announced to the other
// instances through the watcher, if one is set (SetWatcher).
func (a *Authorizer) apply(ctx context.Context,
	write func(ctx context.Context) (int64, error),
	mem func(e *casbin.SyncedCachedEnforcer) error,
) error {
	rev, err := a.applyLocked(ctx, write, mem)
	if rev != 0 {
		a.notify(ctx)
	}
	return err
}

// applyLocked is apply without the announcement; it returns the revision
// the write bumped to (0: nothing changed in the database).
func (a *Authorizer) applyLocked(ctx context.Context,
	write func(ctx context.Context) (int64, error),
	mem func(e *casbin.SyncedCachedEnforcer) error,
) (int64, error) {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	rev, err := write(ctx)
	if err != nil {
		return 0, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := mem(a.enf); err != nil {
		// The database has the change but memory may be half updated: force
		// the next Refresh to reload everything.
		a.rev = 0
		_ = a.enf.InvalidateCache()
		return rev, fmt.Errorf("rbac: apply change in memory: %w", err)
	}
	if err := a.enf.InvalidateCache(); err != nil {
		return rev, fmt.Errorf("rbac: clear decision cache: %w", err)
	}
	// Only our own bump may advance rev: if another writer's change came
	// in between (rev jumped by more than one), this copy has not seen it,
	// and the next Refresh must reload.
	if rev == a.rev+1 {
		a.rev = rev
	}
	return rev, nil
}

// WriteGrants stores grants using the caller's transaction (db may be a
// bun.Tx) and bumps the policy revision in that same transaction, so the
// grants commit or roll back with the caller's other rows. Existing grants
// are skipped. The in-memory Authorizer is NOT changed: call Refresh after
// the commit. Every grant is validated first; any invalid one wraps
// ErrInvalid and nothing is written.
func WriteGrants(ctx context.Context, db bun.IDB, grants []Grant) error {
	rules := make([][]string, 0, len(grants))
	for _, g := range grants {
		if err := g.Validate(); err != nil {
			return err
		}
		rules = append(rules, g.rule())
	}
	if len(rules) == 0 {
		return nil
	}
	_, err := (&adapter{db: db}).add(ctx, "g", rules)
	return err
}

// Refresh reloads the policy if policy_revision changed since the last load
// or change through this Authorizer, which makes edits by the CLI and by
// other instances visible. When nothing changed it costs one small SELECT
// and keeps the decision cache (decisions depend on nothing else); a
// reload starts with an empty cache.
//
// Callers run it after their own WriteGrants committed, so a reload is
// also announced to the other instances through the watcher, if one is
// set (SetWatcher). The watcher's own callback and Watch reload without
// announcing.
func (a *Authorizer) Refresh(ctx context.Context) error {
	changed, err := a.reload(ctx)
	if changed {
		a.notify(ctx)
	}
	return err
}

// reload is Refresh without the announcement.
func (a *Authorizer) reload(ctx context.Context) (bool, error) {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	rev, err := readRevision(ctx, a.adapter.db)
	if err != nil {
		return false, err
	}
	if rev == a.rev {
		return false, nil
	}
	// Built aside and swapped in, so decisions go on against the old copy
	// while the new one loads.
	rev, enf, err := a.load(ctx)
	if err != nil {
		return false, err
	}
	a.mu.Lock()
	a.enf = enf
	a.mu.Unlock()
	a.rev = rev
	return true, nil
}

// Watch reloads the policy every interval if policy_revision changed, until
// ctx ends; it blocks, so run it in its own goroutine. With a watcher set
// (SetWatcher) it is the fallback for notifications lost while the
// listener reconnected, and for edits by processes without one. Errors go
// to onErr when it is not nil, and the next tick tries again.
func (a *Authorizer) Watch(ctx context.Context, interval time.Duration, onErr func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := a.reload(ctx); err != nil && onErr != nil && ctx.Err() == nil {
				onErr(err)
			}
		}
	}
}

// reloadTimeout bounds a reload triggered by the watcher, whose callback
// has no context.
const reloadTimeout = 30 * time.Second

// SetWatcher connects a to the other instances: every change through a
// (and every Refresh that found one) calls w.Update, and w's notifications
// reload the policy when policy_revision moved. Errors of either go to
// onErr when it is not nil; the change itself stands, and the other
// instances pick it up at their next Watch tick. The caller keeps owning
// w and closes it; SetWatcher(nil, nil) disconnects.
func (a *Authorizer) SetWatcher(w persist.Watcher, onErr func(error)) error {
	a.watchMu.Lock()
	a.watcher, a.onWatchErr = w, onErr
	a.watchMu.Unlock()
	if w == nil {
		return nil
	}
	return w.SetUpdateCallback(func(string) {
		ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
		defer cancel()
		if _, err := a.reload(ctx); err != nil && onErr != nil {
			onErr(fmt.Errorf("rbac: reload on notification: %w", err))
		}
	})
}

// contextUpdater is a watcher whose Update can take a context (Watcher).
type contextUpdater interface {
	UpdateContext(ctx context.Context) error
}

// notify announces a change through the watcher, if any. It runs after the
// change committed, so a listener that reloads at once sees it.
func (a *Authorizer) notify(ctx context.Context) {
	a.watchMu.Lock()
	w, onErr := a.watcher, a.onWatchErr
	a.watchMu.Unlock()
	if w == nil {
		return
	}
	var err error
	if cu, ok := w.(contextUpdater); ok {
		// The change is made: a caller that gives up now must not keep the
		// others from hearing of it.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), updateTimeout)
		err = cu.UpdateContext(uctx)
		cancel()
	} else {
		err = w.Update()
	}
	if err != nil && onErr != nil {
		onErr(err)
	}
}

func compareGrants(x, y Grant) int {
	return cmp.Or(
		strings.Compare(x.Subject, y.Subject),
		strings.Compare(x.Role, y.Role),
		strings.Compare(x.Domain, y.Domain),
	)
}

func comparePolicies(x, y Policy) int {
	return cmp.Or(
		strings.Compare(x.Role, y.Role),
		strings.Compare(x.Domain, y.Domain),
		strings.Compare(x.Object, y.Object),
		strings.Compare(x.Action, y.Action),
	)
}
