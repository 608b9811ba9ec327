package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/quizzes"
	"github.com/kaoping/kaoping/rbac"
)

// BenchmarkAnswerSave measures autosaves through the real HTTP stack (a
// listener on loopback, net/http clients with keep-alive, session cookie,
// CSRF, casbin, the quiz store) from many concurrent takers on SQLite, and
// beside it, in the same run, the raw rate of single-row SQLite commits on a
// file with the same pragmas. It reports answers/s and latency percentiles.
// Run: go test -run '^$' -bench AnswerSave -benchtime 5s ./app/
func BenchmarkAnswerSave(b *testing.B) {
	if testing.Short() {
		b.Skip("slow setup")
	}
	f := newFixture(b)
	ctx := context.Background()
	const takers = 64
	type taker struct {
		cookie, csrf string
		attempt      int64
		position     int
	}
	quiz, err := f.app.Quizzes().QuizForModule(ctx, f.module.ID)
	if err != nil {
		b.Fatal(err)
	}
	var ts []taker
	for i := 0; i < takers; i++ {
		no := fmt.Sprintf("B%03d", i)
		m, _, err := f.app.Staff().SaveStaff(ctx, f.db, staff.StaffInput{CenterID: f.center, StaffNo: no, Name: "考生" + no, TeamID: f.teamA.ID, Channels: []string{"offline"}, Active: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.app.AddUser(ctx, app.NewUser{CenterID: f.center, Username: "b" + no, Password: testPassword, Roles: []string{rbac.RoleEmployee}, StaffNo: no}, app.Actor{Name: "bench"}); err != nil {
			b.Fatal(err)
		}
		at, err := f.app.Quizzes().Start(ctx, quiz.ID, m.ID, nil, int64(i))
		if err != nil {
			b.Fatal(err)
		}
		c := f.login("b" + no)
		tk := taker{cookie: c.cookie, csrf: c.csrf, attempt: at.ID}
		for _, q := range at.Questions {
			if q.Presented.Type == quizzes.MultiChoice {
				tk.position = q.Position
			}
		}
		ts = append(ts, tk)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = f.app.Serve(ln) }()
	b.Cleanup(func() { _ = f.app.Fiber().Shutdown() })
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: takers, MaxConnsPerHost: takers}, Timeout: 10 * time.Second}

	b.Run("http", func(b *testing.B) {
		var next atomic.Int64
		var mu sync.Mutex
		var lat []time.Duration
		b.SetParallelism(takers / 2)
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				tk := ts[int(next.Add(1))%len(ts)]
				body, _ := json.Marshal(map[string]any{"position": tk.position, "response": map[string]any{"choices": []int{int(next.Load() % 2)}}})
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/attempts/%d/answers", base, tk.attempt), bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", tk.csrf)
				req.AddCookie(&http.Cookie{Name: "kaoping_session", Value: tk.cookie})
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				res.Body.Close()
				mine = append(mine, time.Since(t0))
				if res.StatusCode != 200 {
					b.Errorf("status %d", res.StatusCode)
					return
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
		elapsed := time.Since(start)
		reportLatency(b, lat, elapsed)
	})

	b.Run("raw_sqlite_commit", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "raw.db")
		db, err := sql.Open(sqliteshim.ShimName, "file:"+path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		db.SetMaxOpenConns(8)
		if _, err := db.Exec("CREATE TABLE answers (id INTEGER PRIMARY KEY, attempt INTEGER, position INTEGER, response TEXT, saved_at TEXT)"); err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		var lat []time.Duration
		b.SetParallelism(takers / 2)
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				t0 := time.Now()
				if _, err := db.Exec("INSERT INTO answers (attempt, position, response, saved_at) VALUES (?, ?, ?, ?)", 1, 1, `{"choices":[1]}`, t0.UTC().Format(time.RFC3339Nano)); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
		reportLatency(b, lat, time.Since(start))
	})
}

func reportLatency(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}
