package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// loadtestChildEnv makes the test binary act as the kaoping command, so
// that `loadtest --spawn` can start `serve` and `ratings import` from it
// (--kaoping-bin os.Args[0]) without building the binary.
const loadtestChildEnv = "KAOPING_TEST_AS_KAOPING"

func TestMain(m *testing.M) {
	if os.Getenv(loadtestChildEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "kaoping:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// loadtestRun runs `kaoping loadtest --spawn` with args against the test
// database and returns its JSON report.
func loadtestRun(t *testing.T, c *cliRun, args ...string) *loadReport {
	t.Helper()
	t.Setenv(loadtestChildEnv, "1")
	out := filepath.Join(t.TempDir(), "report.json")
	args = append([]string{"loadtest", "--spawn", "--kaoping-bin", os.Args[0], "--work-dir", t.TempDir(), "--json", out}, args...)
	stdout, stderr, err := c.run("", args...)
	if err != nil {
		t.Fatalf("kaoping %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout, stderr)
	}
	t.Logf("%s", stdout)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep loadReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, b)
	}
	return &rep
}

// checkSane asserts what every report must satisfy: requests made, none
// failed, percentiles in order, the server's memory read.
func checkSane(t *testing.T, rep *loadReport, ops ...string) {
	t.Helper()
	if rep.Requests == 0 {
		t.Fatalf("no requests: %+v", rep)
	}
	if rep.Errors != 0 {
		t.Errorf("%d errors: %v", rep.Errors, rep.ErrorSamples)
	}
	check := func(name string, s opStats) {
		if s.Count == 0 {
			t.Errorf("%s: no requests", name)
			return
		}
		if !(0 < s.P50 && s.P50 <= s.P95 && s.P95 <= s.P99 && s.P99 <= s.Max) {
			t.Errorf("%s: percentiles out of order: p50 %v p95 %v p99 %v max %v", name, s.P50, s.P95, s.P99, s.Max)
		}
		if s.PerSecond <= 0 {
			t.Errorf("%s: rate %v", name, s.PerSecond)
		}
	}
	check("all", rep.Latency)
	for _, op := range ops {
		s := rep.Ops[op]
		if s == nil {
			t.Errorf("no %s requests: %v", op, rep.Ops)
			continue
		}
		check(op, *s)
	}
	if rep.ServerPID == 0 || rep.ServerPeakRSSMiB <= 0 || rep.ServerPeakRSSMiB < rep.ServerRSSMiB {
		t.Errorf("server pid %d: peak RSS %v MiB, RSS %v MiB", rep.ServerPID, rep.ServerPeakRSSMiB, rep.ServerRSSMiB)
	}
}

func TestLoadtestStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	start := time.Now()
	c := newCLI(t)
	rep := loadtestRun(t, c, "--takers", "20", "--questions", "5", "--ramp", "1s", "--think", "100ms", "--duration", "20s",
		"--reference", "--ref-duration", "300ms")
	checkSane(t, rep, "start", "page", "save", "submit")
	// Every taker went through the whole exam: start, page, five saves, submit.
	if got, want := rep.Requests, int64(20*(1+1+5+1)); got != want || rep.Stopped != "completed" {
		t.Errorf("requests %d (%s), want %d (completed)", got, rep.Stopped, want)
	}
	if rep.Ops["save"].Count != 100 || rep.Ops["submit"].Count != 20 {
		t.Errorf("saves %d, submits %d; want 100, 20", rep.Ops["save"].Count, rep.Ops["submit"].Count)
	}
	if rep.Reference == nil || rep.Reference.PerSecond <= 0 || rep.Ratio <= 0 || rep.ReferencePrepared == nil {
		t.Errorf("reference: %+v, ratio %v", rep.Reference, rep.Ratio)
	}
	if rep.Machine.Cores < 1 || rep.Machine.CPU == "" {
		t.Errorf("machine: %+v", rep.Machine)
	}
	// The answers are in the database: every attempt was submitted and graded.
	db := openCLIDB(t, c)
	n, err := db.NewSelect().Table("attempts").Where("state = 'finished'").Count(context.Background())
	if err != nil || n != 20 {
		t.Errorf("finished attempts: %d, %v; want 20", n, err)
	}
	t.Logf("storm test took %s", time.Since(start).Round(time.Millisecond))
}

func TestLoadtestBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	c := newCLI(t)
	// Saving until the window closes, stopped by the request budget.
	rep := loadtestRun(t, c, "--takers", "5", "--questions", "3", "--ramp", "0", "--think", "0", "--rounds", "0",
		"--duration", "20s", "--max-requests", "60")
	if rep.Stopped != "max-requests" || rep.Requests > 60 {
		t.Errorf("stopped %q after %d requests; want max-requests, at most 60", rep.Stopped, rep.Requests)
	}
	if rep.Errors != 0 {
		t.Errorf("errors: %v", rep.ErrorSamples)
	}
}

func TestLoadtestFeedAndMixed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	c := newCLI(t)
	feed := loadtestRun(t, c, "--scenario", "feed", "--takers", "10", "--rate", "20", "--batch-size", "10", "--duration", "1s")
	checkSane(t, feed, "ratings")
	if feed.Feed == nil || feed.Feed.RatingsStored != int64(feed.Ops["ratings"].Count*10) {
		t.Errorf("feed: %+v, %d batches", feed.Feed, feed.Ops["ratings"].Count)
	}
	mixed := loadtestRun(t, c, "--scenario", "mixed", "--takers", "10", "--questions", "3", "--ramp", "200ms", "--think", "50ms",
		"--import-rows", "3000", "--duration", "25s")
	checkSane(t, mixed, "save")
	if im := mixed.Import; im == nil || im.Imported != 3000 || im.Rejected != 0 || im.Seconds <= 0 {
		t.Errorf("import: %+v", im)
	}
}

func TestLoadtestRefusesNonLoopback(t *testing.T) {
	c := newCLI(t)
	for _, target := range []string{"http://192.0.2.10:8080", "http://example.com", "http://10.0.0.1", "http://[2001:db8::1]:80", "http://127.0.0.1.example.com"} {
		_, _, err := c.run("", "loadtest", "--target", target, "--duration", "1s")
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("--target %s: err = %v, want a refusal naming loopback", target, err)
		}
	}
	for _, target := range []string{"http://127.0.0.1:8080", "http://127.1.2.3:9", "http://[::1]:8080/", "http://localhost:8080", "https://LOCALHOST"} {
		if _, err := checkLoopback(target); err != nil {
			t.Errorf("checkLoopback(%s): %v", target, err)
		}
	}
	if _, _, err := c.run("", "loadtest", "--spawn", "--target", "http://127.0.0.1:1"); err == nil {
		t.Error("--spawn with --target accepted")
	}
	if _, _, err := c.run("", "loadtest", "--target", "http://127.0.0.1:1", "--duration", "0s"); err == nil || !strings.Contains(err.Error(), "bounded") {
		t.Errorf("an unbounded run: err = %v", err)
	}
}

func TestLoadtestBenchbook(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("rbac.cmd", "go test -bench . ./rbac/")
	write("rbac.out", "goos: linux\nBenchmarkAuthorize/employee_self-2   2716436   422.5 ns/op   259 B/op   8 allocs/op\n"+
		"BenchmarkAuthorize/lead_other_team_denied-2  960261  1224 ns/op\nBenchmarkAuthorize/admin_center-2  682029  1653 ns/op\n"+
		"BenchmarkCasbinRBACMedium-2   2401   520249 ns/op\nPASS\n")
	write("scores.cmd", "go test -bench Scores ./app/scores/")
	write("scores.out", "")
	write("scores.err", "no Go files in app/scores\n")
	write("scores.fail", "1\n")
	rep := loadReport{Scenario: "storm", Takers: 10000, Questions: 10, Ramp: "30s", Think: "5s", Rounds: 1,
		Latency: opStats{Count: 10, P50: 1, P95: 2, P99: 3, Max: 4}, Ops: map[string]*opStats{"save": {Count: 5, PerSecond: 100, P99: 2}},
		ServerPeakRSSMiB: 100}
	b, _ := json.Marshal(rep)
	write("storm-sqlite.cmd", "kaoping loadtest --spawn")
	write("storm-sqlite.json", string(b))

	book := filepath.Join(dir, "BENCHMARKS.md")
	old := "# Benchmarks\n\nIntro.\n\n## Hand-written\n\nKept text.\n"
	write("BENCHMARKS.md", old)
	c := newCLI(t)
	c.mustRun("", "benchbook", "--in", dir, "--out", book)
	got, _ := os.ReadFile(book)
	for _, want := range []string{"Kept text.", "Intro.", "**0.42 / 1.22 / 1.65 µs**", "**Not measured**: the step failed (exit 1): no Go files in app/scores",
		"p99 **3.0 ms**", "**105 MB**", "<!-- keep:authz -->"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("book lacks %q:\n%s", want, got)
		}
	}
	// Hand-written analysis inside the generated block survives a rewrite.
	edited := strings.Replace(string(got), "<!-- keep:authz -->\n", "<!-- keep:authz -->\nThe profile showed X.\n", 1)
	write("BENCHMARKS.md", edited)
	c.mustRun("", "benchbook", "--in", dir, "--out", book)
	again, _ := os.ReadFile(book)
	if !strings.Contains(string(again), "<!-- keep:authz -->\nThe profile showed X.\n<!-- /keep -->") || strings.Count(string(again), "Kept text.") != 1 ||
		strings.Count(string(again), bookBegin) != 1 {
		t.Errorf("second run lost or duplicated text:\n%s", again)
	}
}

// openCLIDB opens the database of a cliRun, closed with the test.
func openCLIDB(t *testing.T, c *cliRun) *bun.DB {
	t.Helper()
	db, err := store.Open(context.Background(), c.env["KAOPING_DB"], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
