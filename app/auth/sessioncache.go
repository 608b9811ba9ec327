package auth

import (
	"sync"
	"time"
)

// sessionCache keeps sessions SessionByToken has just validated in the
// database, so that a busy browser (an exam autosaving) does not read its
// session on every request.
//
// It only ever says yes: a cached session past its absolute or idle timeout,
// or due for its last_seen_at touch, is looked up in the database again, so
// expiry and the idle timeout are as exact as without the cache. What it
// may miss is a change made by another server instance on the same
// database: a session signed out, or a user disabled, there is still
// accepted here for at most ttl (Config.SessionCacheTTL). Changes made
// through this Service (sign-out, disable, password change or reset, user
// update) drop the entries at once.
type sessionCache struct {
	ttl time.Duration
	max int

	mu     sync.Mutex
	gen    uint64                   // counts drops: a read older than a drop is not cached
	byID   map[string]cachedSession // by Session.ID, the token's hash
	byUser map[int64]map[string]struct{}
}

type cachedSession struct {
	sess  Session // with User, copied in and out
	user  User
	until time.Time // of the service clock
}

func newSessionCache(ttl time.Duration, max int) *sessionCache {
	return &sessionCache{ttl: ttl, max: max, byID: make(map[string]cachedSession), byUser: make(map[int64]map[string]struct{})}
}

// get returns a copy of the cached session id if it is younger than ttl at
// now, or nil.
func (c *sessionCache) get(id string, now time.Time) *Session {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	e, ok := c.byID[id]
	c.mu.Unlock()
	if !ok || !now.Before(e.until) {
		return nil
	}
	sess, u := e.sess, e.user
	sess.User = &u
	return &sess
}

// generation is to be read before the session is read from the database
// and given to put.
func (c *sessionCache) generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches a copy of sess (with its User) as read at now, unless a drop
// happened since generation gen: the row read may predate a sign-out.
func (c *sessionCache) put(sess *Session, now time.Time, gen uint64) {
	if c == nil || sess.User == nil {
		return
	}
	e := cachedSession{sess: *sess, user: *sess.User, until: now.Add(c.ttl)}
	e.sess.User = nil
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if _, ok := c.byID[sess.ID]; !ok && len(c.byID) >= c.max {
		c.evict(now)
	}
	c.byID[sess.ID] = e
	ids := c.byUser[sess.UserID]
	if ids == nil {
		ids = make(map[string]struct{})
		c.byUser[sess.UserID] = ids
	}
	ids[sess.ID] = struct{}{}
}

// evict makes room: the stale entries, else some entry (map order).
func (c *sessionCache) evict(now time.Time) {
	for id, e := range c.byID {
		if !now.Before(e.until) {
			c.remove(id, e.sess.UserID)
		}
	}
	for id, e := range c.byID {
		if len(c.byID) < c.max {
			return
		}
		c.remove(id, e.sess.UserID)
	}
}

func (c *sessionCache) remove(id string, userID int64) {
	delete(c.byID, id)
	if ids := c.byUser[userID]; ids != nil {
		delete(ids, id)
		if len(ids) == 0 {
			delete(c.byUser, userID)
		}
	}
}

// drop forgets one session after a change to it (a sign-out). Called after
// the change is committed (and also before, harmlessly): with the
// generation check in put, no read from before the change can be cached
// after it.
func (c *sessionCache) drop(id string) { c.discard(id, true) }

// forget removes an entry the read path found stale (no generation bump:
// nothing changed, and unknown tokens must not stop the caching).
func (c *sessionCache) forget(id string) { c.discard(id, false) }

func (c *sessionCache) discard(id string, changed bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if changed {
		c.gen++
	}
	if e, ok := c.byID[id]; ok {
		c.remove(id, e.sess.UserID)
	}
}

// dropUser forgets every session of a user.
func (c *sessionCache) dropUser(userID int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.gen++
	for id := range c.byUser[userID] {
		delete(c.byID, id)
	}
	delete(c.byUser, userID)
	c.mu.Unlock()
}
