package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// flakyListener fails its first accepts with errs, then accepts conns.
type flakyListener struct {
	net.Listener
	errs  []error
	conns []net.Conn
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		return nil, err
	}
	if len(l.conns) > 0 {
		c := l.conns[0]
		l.conns = l.conns[1:]
		return c, nil
	}
	return nil, net.ErrClosed
}

func acceptErr(errno syscall.Errno) error {
	return &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", errno)}
}

func TestRetryListener(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	for _, tc := range []struct {
		name      string
		errs      []error
		wantWaits []time.Duration
	}{
		{"no failure", nil, nil},
		{"too many open files", []error{acceptErr(syscall.EMFILE), acceptErr(syscall.EMFILE), acceptErr(syscall.ENFILE)}, []time.Duration{5 * ms, 10 * ms, 20 * ms}},
		{"aborted and no buffers", []error{acceptErr(syscall.ECONNABORTED), acceptErr(syscall.ENOBUFS)}, []time.Duration{5 * ms, 10 * ms}},
		{"back-off capped at a second", slices.Repeat([]error{acceptErr(syscall.EMFILE)}, 10),
			[]time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, time.Second, time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			server, client := net.Pipe()
			defer server.Close()
			defer client.Close()
			var waits []time.Duration
			ln := newRetryListener(&flakyListener{errs: tc.errs, conns: []net.Conn{server}}, slog.New(slog.DiscardHandler),
				func(d time.Duration) { waits = append(waits, d) })
			c, err := ln.Accept()
			if err != nil {
				t.Fatalf("Accept: %v", err)
			}
			if c != server {
				t.Errorf("Accept returned %v, want the pending connection", c)
			}
			if !slices.Equal(waits, tc.wantWaits) {
				t.Errorf("waits %v, want %v", waits, tc.wantWaits)
			}
			// A second burst starts again from the shortest wait.
			if len(tc.errs) > 0 {
				waits = nil
				fl := ln.Listener.(*flakyListener)
				fl.errs, fl.conns = []error{acceptErr(syscall.EMFILE)}, []net.Conn{client}
				if _, err := ln.Accept(); err != nil {
					t.Fatalf("Accept after a second burst: %v", err)
				}
				if want := []time.Duration{5 * ms}; !slices.Equal(waits, want) {
					t.Errorf("second burst waits %v, want %v", waits, want)
				}
			}
		})
	}
}

func TestRetryListenerPermanentErrors(t *testing.T) {
	t.Parallel()
	for _, err := range []error{net.ErrClosed, io.EOF, fmt.Errorf("accept: %w", errors.New("boom")), acceptErr(syscall.EINVAL)} {
		t.Run(err.Error(), func(t *testing.T) {
			t.Parallel()
			ln := newRetryListener(&flakyListener{errs: []error{err}}, slog.New(slog.DiscardHandler),
				func(time.Duration) { t.Error("waited on a permanent error") })
			if _, got := ln.Accept(); !errors.Is(got, err) {
				t.Errorf("Accept error %v, want %v", got, err)
			}
		})
	}
}

// TestServeSurvivesEMFILE runs the real server over a listener that runs out
// of file descriptors before its first connection: the request still gets
// its answer and Serve keeps going.
func TestServeSurvivesEMFILE(t *testing.T) {
	t.Parallel()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &App{log: slog.New(slog.DiscardHandler), fiber: fiber.New(fiber.Config{DisableStartupMessage: true})}
	a.fiber.Get("/ping", func(c *fiber.Ctx) error { return c.SendString("pong") })
	ln := &emfileListener{Listener: tcp, left: 3}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ln) }()
	for i := range 2 {
		resp, err := http.Get("http://" + tcp.Addr().String() + "/ping")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "pong" {
			t.Errorf("request %d: body %q, want pong", i, body)
		}
		ln.mu.Lock()
		ln.left = 2 // and again before the next connection
		ln.mu.Unlock()
		http.DefaultClient.CloseIdleConnections()
	}
	if err := a.fiber.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// emfileListener fails with EMFILE left times, then accepts.
type emfileListener struct {
	net.Listener
	mu   sync.Mutex
	left int
}

func (l *emfileListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	fail := l.left > 0
	if fail {
		l.left--
	}
	l.mu.Unlock()
	if fail {
		return nil, acceptErr(syscall.EMFILE)
	}
	return l.Listener.Accept()
}
