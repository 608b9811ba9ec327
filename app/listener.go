package app

import (
	"errors"
	"log/slog"
	"net"
	"syscall"
	"time"
)

// Accept backs off this long after its first temporary failure, doubling up
// to maxAcceptDelay, as net/http's server does.
const (
	minAcceptDelay = 5 * time.Millisecond
	maxAcceptDelay = time.Second
)

// retryListener keeps a listener accepting through temporary failures.
// fasthttp stops serving at the first accept error that is not a timeout,
// and the one a crowd of connections brings is EMFILE ("too many open
// files"): the server would exit exactly when it is busiest. Instead Accept
// waits for connections to close and tries again; it logs once when a burst
// of failures starts and once when accepting works again.
type retryListener struct {
	net.Listener
	log   *slog.Logger
	sleep func(time.Duration) // time.Sleep; tests record instead
}

func newRetryListener(ln net.Listener, log *slog.Logger, sleep func(time.Duration)) *retryListener {
	if sleep == nil {
		sleep = time.Sleep
	}
	return &retryListener{Listener: ln, log: log, sleep: sleep}
}

// Accept returns the next connection, retrying temporary failures; other
// errors (the listener closed) are returned.
func (l *retryListener) Accept() (net.Conn, error) {
	var delay time.Duration
	failures := 0
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			if failures > 0 {
				l.log.Info("accepting connections again", slog.Int("failed_accepts", failures))
			}
			return c, nil
		}
		if !temporaryAcceptError(err) {
			return nil, err
		}
		if failures == 0 {
			l.log.Warn("accept failed; retrying with back-off", slog.Any("err", err))
		}
		failures++
		delay = min(max(2*delay, minAcceptDelay), maxAcceptDelay)
		l.sleep(delay)
	}
}

// temporaryAcceptError reports whether an accept failure passes on its own:
// out of file descriptors or buffers, or a connection that went away
// before it was accepted.
func temporaryAcceptError(err error) bool {
	for _, errno := range []syscall.Errno{
		syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN, syscall.EPROTO,
	} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
