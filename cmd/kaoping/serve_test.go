package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestServeDemoAndGracefulShutdown starts `kaoping serve --demo` on a free
// port, signs in with a printed demo login, then cancels (as SIGTERM does)
// and expects a clean exit. Logs must not contain the password or cookie.
func TestServeDemoAndGracefulShutdown(t *testing.T) {
	c := newCLI(t)
	c.env["KAOPING_LOG_LEVEL"] = "info"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0"}, func(k string) string { return c.env[k] }, strings.NewReader(""), &stdout, &stderr)
	}()
	re := regexp.MustCompile(`running at (http://[0-9.:]+)`)
	var base string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\n%s\n%s", err, stdout.String(), stderr.String())
		default:
		}
	}
	if base == "" {
		t.Fatalf("no URL printed:\n%s", stdout.String())
	}
	for _, want := range []string{"admin", "kaoping-demo", "employee", "demo-feed"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("demo logins lack %q:\n%s", want, stdout.String())
		}
	}
	res, err := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(`{"username":"admin","password":"kaoping-demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("demo admin login: %d %s", res.StatusCode, body)
	}
	var session string
	for _, ck := range res.Cookies() {
		if ck.Name == "kaoping_session" {
			session = ck.Value
		}
	}
	if session == "" {
		t.Fatal("no session cookie")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after cancel: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20 s of the signal")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "/api/v1/login") {
		t.Errorf("request log lacks the login request:\n%s", logs)
	}
	for _, secret := range []string{"kaoping-demo", session} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains a secret %q", secret)
		}
	}
}
