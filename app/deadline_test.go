package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/store/storetest"
)

// TestRequestTimeout: a request that cannot get a database connection (all
// of the pool taken, as under an exam storm) stops waiting at the
// configured deadline and says so with 503, instead of hanging on.
func TestRequestTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	cfg := testConfig()
	cfg.RequestTimeout = 50 * time.Millisecond
	a, err := app.New(ctx, db, cfg, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx) // the pool's only connection, held until the end
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	for _, tc := range []struct {
		name string
		req  func() *http.Request
	}{
		{"api login", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/login", strings.NewReader(`{"username":"employee","password":"x"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
		{"api with a token", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/staff", nil)
			r.Header.Set("Authorization", "Bearer kp_0123456789")
			return r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			resp, err := a.Fiber().Test(tc.req(), 10_000)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("answered after %v, want about the 50ms deadline", took)
			}
			body, _ := io.ReadAll(resp.Body)
			if got, want := resp.StatusCode, http.StatusServiceUnavailable; got != want {
				t.Fatalf("status %d, want %d (%s)", got, want, body)
			}
			var e struct{ Error string }
			if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Error, "too busy") {
				t.Errorf("body %s, want the too-busy message", body)
			}
		})
	}

	// Once a connection is free again, requests work as before.
	conn.Close()
	resp, err := a.Fiber().Test(httptest.NewRequest(http.MethodGet, "/healthz", nil), 10_000)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz after: status %d, want 200", resp.StatusCode)
	}
}
