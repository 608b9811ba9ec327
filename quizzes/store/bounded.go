package store

import "sync"

// bounded is a map of what never changes once read (an attempt's pinned
// questions, its owner), capped at max entries: when full, about a tenth
// is dropped in map order (random enough); a dropped entry costs one read
// the next time it is needed.
type bounded[K comparable, V any] struct {
	mu  sync.Mutex
	max int
	m   map[K]V
}

// newBounded makes a bounded map of max entries (def when max ≤ 0).
func newBounded[K comparable, V any](max, def int) *bounded[K, V] {
	if max <= 0 {
		max = def
	}
	return &bounded[K, V]{max: max, m: make(map[K]V)}
}

func (c *bounded[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *bounded[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		n := c.max/10 + 1
		for old := range c.m {
			delete(c.m, old)
			if n--; n == 0 {
				break
			}
		}
	}
	c.m[k] = v
}
