package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/store/storetest"
)

// instrument replaces the key derivation with one that reports when it
// starts and then blocks until released, counting how many run at once.
type instrument struct {
	entered  chan struct{}
	release  chan struct{}
	inFlight atomic.Int32
	maxSeen  atomic.Int32
}

func instrumentHasher(h *Hasher) *instrument {
	in := &instrument{entered: make(chan struct{}, 100), release: make(chan struct{})}
	h.key = func(password, salt []byte, p Params) []byte {
		n := in.inFlight.Add(1)
		for {
			m := in.maxSeen.Load()
			if n <= m || in.maxSeen.CompareAndSwap(m, n) {
				break
			}
		}
		in.entered <- struct{}{}
		<-in.release
		in.inFlight.Add(-1)
		return make([]byte, p.KeyLen)
	}
	return in
}

func TestHasherBoundsConcurrency(t *testing.T) {
	t.Parallel()
	h := NewHasher(Params{Memory: 64, Time: 1, Threads: 1}, 2)
	in := instrumentHasher(h)

	const calls = 8
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for range calls {
		wg.Go(func() {
			_, err := h.Hash(context.Background(), "some password")
			errs <- err
		})
	}
	// Two hashes start; while both are held no third may start.
	<-in.entered
	<-in.entered
	select {
	case <-in.entered:
		t.Fatal("a third hash started while two were in flight with maxConcurrent 2")
	case <-time.After(100 * time.Millisecond):
	}
	close(in.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Hash: %v", err)
		}
	}
	if got := in.maxSeen.Load(); got != 2 {
		t.Errorf("max hashes in flight = %d, want 2", got)
	}
}

func TestHasherWaitRespectsContext(t *testing.T) {
	t.Parallel()
	h := NewHasher(Params{Memory: 64, Time: 1, Threads: 1}, 1)
	in := instrumentHasher(h)
	defer close(in.release)

	go func() { _, _ = h.Hash(context.Background(), "holds the only slot") }()
	<-in.entered

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := h.Verify(ctx, h.dummy, "waits for a slot")
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Verify returned %v while the only slot was taken", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Verify error = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Verify still waiting after its context was cancelled")
	}
}

// TestUnknownUserCostsOneHash checks the timing defence structurally: an
// unknown username runs exactly the key derivations a wrong password does,
// with the same parameters, so both take about the same time.
func TestUnknownUserCostsOneHash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Params = Params{Memory: 64, Time: 1, Threads: 1}
	svc := NewService(storetest.New(t), cfg, nil)
	var center int64
	if err := svc.db.NewSelect().Table("centers").Column("id").Limit(1).Scan(ctx, &center); err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateUser(ctx, svc.db, &User{CenterID: center, Username: "alice"}, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	var calls []Params
	svc.hasher.key = func(password, salt []byte, p Params) []byte {
		calls = append(calls, p)
		return argon2Key(password, salt, p)
	}
	for _, name := range []string{"alice", "nobody"} {
		calls = nil
		if _, err := svc.Authenticate(ctx, name, "wrong password", "10.0.0.1"); !errors.Is(err, ErrBadCredentials) {
			t.Fatalf("Authenticate(%s): error = %v, want ErrBadCredentials", name, err)
		}
		if len(calls) != 1 || calls[0] != svc.hasher.params {
			t.Errorf("Authenticate(%s) derived keys with %v, want once with %v", name, calls, svc.hasher.params)
		}
	}
}
