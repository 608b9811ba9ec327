package main

// Crash tests: the real binary runs as its own process and is killed with
// SIGKILL in the middle of its work — no deferred function, no graceful
// shutdown, no flush — then the database is checked, as after a power cut of
// the process (not of the machine: SQLite runs with synchronous=NORMAL in
// WAL mode, which keeps every commit across a process crash but may lose
// the last ones in an OS crash).
//
//   - serve: 50 employees save quiz answers and a feed posts rating batches
//     while `kaoping serve` is killed. Every request that got a 2xx must be in
//     the database exactly as sent; a request without an answer may or may
//     not be, but never half of it.
//   - ratings import: `kaoping ratings import` of a 200,000-row file is killed
//     after it has started inserting. What it stored is complete rows of the
//     file; running the same import again finishes it, each row once.
//
// Both run on SQLite and, when KAOPING_TEST_PG is set, on PostgreSQL (a schema
// per test). They build the binary once (go build, with the GOTOOLCHAIN and
// CGO_ENABLED of the environment) and are skipped with -short.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/store/storetest"
	"github.com/kaoping/kaoping/quizzes"
	"github.com/kaoping/kaoping/rbac"
)

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash tests build the kaoping binary and kill it; skipped with -short")
	}
	bin := crashBuild(t)
	font := crashFont(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run("serve/"+engine, func(t *testing.T) {
			crashServe(t, newCrashEnv(t, bin, font, engine))
		})
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run("ratings-import/"+engine, func(t *testing.T) {
			crashRatingsImport(t, newCrashEnv(t, bin, font, engine))
		})
	}
}

// crashBuild builds cmd/kaoping into the test's temporary directory. The
// test runs in cmd/kaoping, so "." is the command; GOTOOLCHAIN, CGO_ENABLED
// and GOFLAGS come from the environment, as in `make build`.
func crashBuild(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kaoping")
	start := time.Now()
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Skipf("crash tests need the kaoping binary, and go build failed: %v\n%s", err, out)
	}
	t.Logf("built %s in %s", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// crashFont is the report font the server insists on at start.
func crashFont(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KAOPING_FONT"); p != "" {
		return p
	}
	for _, p := range []string{"../../data/fonts/LXGWWenKai-Regular.ttf", "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf"} {
		if abs, err := filepath.Abs(p); err == nil {
			if _, err := os.Stat(abs); err == nil {
				return abs
			}
		}
	}
	t.Fatal("kaoping serve needs the report font: run `make fonts` or set KAOPING_FONT")
	return ""
}

// crashEnv is one test database and how the binary and the test reach it.
type crashEnv struct {
	t      *testing.T
	bin    string
	font   string
	url    string // database URL as the test opens it
	schema string // PostgreSQL schema; "" on SQLite
	env    []string
}

func newCrashEnv(t *testing.T, bin, font, engine string) *crashEnv {
	t.Helper()
	e := &crashEnv{t: t, bin: bin, font: font}
	cliURL := ""
	switch engine {
	case "sqlite":
		e.url = filepath.Join(t.TempDir(), "kaoping.db")
		cliURL = e.url
	case "postgres":
		if os.Getenv(storetest.EnvPG) == "" {
			t.Skipf("PostgreSQL crash test: set %s (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", storetest.EnvPG)
		}
		_, dsn := storetest.NewDSN(t) // a fresh schema, dropped when the test ends
		e.url, e.schema = dsn.URL, dsn.Schema
		sep := "?"
		if strings.Contains(dsn.URL, "?") {
			sep = "&"
		}
		cliURL = dsn.URL + sep + "search_path=" + dsn.Schema
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KAOPING_") {
			e.env = append(e.env, kv)
		}
	}
	e.env = append(e.env, "KAOPING_DB="+cliURL, "KAOPING_FONT="+font, "KAOPING_LOG_LEVEL=warn")
	return e
}

// kaoping runs one command of the binary to its end and returns its stdout.
func (e *crashEnv) kaoping(args ...string) string {
	e.t.Helper()
	cmd := exec.Command(e.bin, args...)
	cmd.Env = e.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("kaoping %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// open is a pool of the test's own on the database, closed with the test.
func (e *crashEnv) open() *bun.DB {
	e.t.Helper()
	db, err := store.Open(context.Background(), e.url, store.Options{SearchPath: e.schema})
	if err != nil {
		e.t.Fatalf("open %s: %v", e.url, err)
	}
	e.t.Cleanup(func() { _ = db.Close() })
	return db
}

// crashProcess is a running kaoping command.
type crashProcess struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan error
	exited atomic.Bool
}

// start starts a command of the binary; it is killed, if still running, when
// the test ends.
func (e *crashEnv) start(args ...string) *crashProcess {
	e.t.Helper()
	p := &crashProcess{cmd: exec.Command(e.bin, args...), done: make(chan error, 1)}
	p.cmd.Env = e.env
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		e.t.Fatalf("start kaoping %s: %v", strings.Join(args, " "), err)
	}
	go func() { err := p.cmd.Wait(); p.exited.Store(true); p.done <- err }()
	e.t.Cleanup(func() {
		if !p.exited.Load() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *crashProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	err := <-p.done
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("after SIGKILL: %v, want killed by the signal\nstderr: %s", err, p.stderr.String())
	}
}

var crashRunningAt = regexp.MustCompile(`running at (http://[0-9.:]+)`)

// serve starts `kaoping serve` on a free port and returns its base URL once
// it listens.
func (e *crashEnv) serve() (*crashProcess, string) {
	e.t.Helper()
	p := e.start("serve", "--addr", "127.0.0.1:0")
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := crashRunningAt.FindStringSubmatch(p.stdout.String()); m != nil {
			return p, m[1]
		}
		if p.exited.Load() {
			e.t.Fatalf("kaoping serve exited at start: %v\nstdout: %s\nstderr: %s", <-p.done, p.stdout.String(), p.stderr.String())
		}
	}
	e.t.Fatalf("kaoping serve printed no URL within 60 s\nstdout: %s\nstderr: %s", p.stdout.String(), p.stderr.String())
	return nil, ""
}

// ---------------------------------------------------------------------------
// serve

const (
	crashTakers   = 50
	crashPassword = "crash-test-password"
	crashModule   = "310100-001" // the demo module whose quiz the takers take
	crashLoad     = 1500 * time.Millisecond
)

// crashTaker is one employee with a started attempt and the positions of its
// text questions (short answer, numerical, essay): their stored response is
// the text as sent, so it can be compared byte for byte.
type crashTaker struct {
	username  string
	attemptID int64
	positions []int
	cookie    string
	csrf      string
	saves     []crashSave // in the order sent; one at a time
}

// crashSave is one POST /api/v1/attempts/:id/answers. status is 0 when no
// answer came back (the server died with the request in flight).
type crashSave struct {
	position int
	body     string // the response as stored: JSON of quizzes.Response
	status   int
}

// crashBatch is one POST /api/v1/ratings; status 0 as for crashSave.
type crashBatch struct {
	ids      []string
	levels   []int
	comments []string
	status   int
}

func crashServe(t *testing.T, e *crashEnv) {
	ctx := context.Background()
	t0 := time.Now()
	e.kaoping("seed", "demo")
	var staffCSV strings.Builder
	staffCSV.WriteString("工号,姓名,班组,渠道\n")
	for i := 1; i <= crashTakers; i++ {
		fmt.Fprintf(&staffCSV, "C%03d,考生%d,window,窗口\n", i, i)
	}
	e.kaoping("staff", "import", writeFile(t, "crash-staff.csv", staffCSV.String()))
	out := e.kaoping("token", "create", "--role", rbac.RoleRatingFeed, "--name", "crash-feed")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	takers := crashPrepareTakers(t, e)
	t.Logf("seeded %d takers with started attempts in %s", len(takers), time.Since(t0).Round(time.Millisecond))

	srv, base := e.serve()
	hc := &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 2 * crashTakers, DisableCompression: true},
		Timeout:   30 * time.Second,
	}
	t1 := time.Now()
	crashLoginAll(t, hc, base, takers)
	t.Logf("%d logins in %s", len(takers), time.Since(t1).Round(time.Millisecond))

	// The storm: every taker saves answers one after the other, two feeds
	// post batches, until the process is killed.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var sent atomic.Int64
	for _, tk := range takers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 0; !stop.Load(); seq++ {
				pos := tk.positions[seq%len(tk.positions)]
				text := fmt.Sprintf("%s 第%d次保存 %s", tk.username, seq, strings.Repeat("答", 20+seq%180))
				body, _ := json.Marshal(quizzes.Response{Text: text})
				req, _ := json.Marshal(map[string]any{"position": pos, "response": json.RawMessage(body)})
				tk.saves = append(tk.saves, crashSave{position: pos, body: string(body)})
				sent.Add(1)
				tk.saves[len(tk.saves)-1].status = crashPost(hc, base+"/api/v1/attempts/"+strconv.FormatInt(tk.attemptID, 10)+"/answers", req,
					"Cookie", "kaoping_session="+tk.cookie, "X-CSRF-Token", tk.csrf)
			}
		}()
	}
	const feeds = 2
	batches := make([][]crashBatch, feeds)
	ratedAt := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	for f := range feeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				b := crashBatch{}
				var in []map[string]any
				for i := range 25 {
					id := fmt.Sprintf("crash-f%d-b%05d-%02d", f, n, i)
					level := 1 + (n+i)%5
					comment := fmt.Sprintf("第%d批第%d条", n, i)
					b.ids, b.levels, b.comments = append(b.ids, id), append(b.levels, level), append(b.comments, comment)
					in = append(in, map[string]any{"external_id": id, "rated_at": ratedAt, "channel": "窗口",
						"staff_no": fmt.Sprintf("C%03d", 1+(n*25+i)%crashTakers), "level": level, "comment": comment})
				}
				body, _ := json.Marshal(map[string]any{"ratings": in})
				batches[f] = append(batches[f], b)
				batches[f][len(batches[f])-1].status = crashPost(hc, base+"/api/v1/ratings", body, "Authorization", "Bearer "+token)
			}
		}()
	}
	time.Sleep(crashLoad) // the load runs on the server's own clock; this only decides when to pull the plug
	srv.kill(t)
	stop.Store(true)
	wg.Wait()
	hc.CloseIdleConnections()

	// The server starts again on the crashed database (SQLite replays its
	// WAL) and stops cleanly.
	srv2, base2 := e.serve()
	if st := crashGet(hc, base2+"/readyz"); st != http.StatusOK {
		t.Errorf("GET /readyz after the restart: %d", st)
	}
	if err := srv2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-srv2.done:
		if err != nil {
			t.Errorf("restarted server after SIGTERM: %v\n%s", err, srv2.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Error("restarted server did not stop within 30 s of SIGTERM")
	}

	db := e.open()
	crashCheckAnswers(t, ctx, db, takers)
	var all []crashBatch
	for _, bs := range batches {
		all = append(all, bs...)
	}
	crashCheckBatches(t, ctx, db, all)
	if t.Failed() {
		t.Logf("stderr of the killed server:\n%s", crashTail(srv.stderr.String(), 4000))
	}
	t.Logf("%d requests sent during %s of load; total %s", sent.Load()+int64(len(all)), crashLoad, time.Since(t0).Round(time.Millisecond))
}

// crashPrepareTakers creates an employee account for C001…C050, enrols them
// (the demo assigns the business-registration module to the window channel)
// and starts their attempt at its quiz — through the application, in this
// process, before the server starts.
func crashPrepareTakers(t *testing.T, e *crashEnv) []*crashTaker {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, e.url, store.Options{SearchPath: e.schema})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := app.DefaultConfig()
	cfg.FontPath = e.font
	a, err := app.New(ctx, db, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	actor := app.Actor{Name: "crash test", IP: "local"}

	takers := make([]*crashTaker, crashTakers)
	errs := make(chan error, crashTakers)
	sem := make(chan struct{}, 2) // argon2: 19 MiB and most of a core each
	for i := range takers {
		takers[i] = &crashTaker{username: fmt.Sprintf("crash%02d", i+1)}
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			_, err := a.AddUser(ctx, app.NewUser{Username: takers[i].username, Password: crashPassword,
				Roles: []string{rbac.RoleEmployee}, StaffNo: fmt.Sprintf("C%03d", i+1)}, actor)
			errs <- err
		}()
	}
	for range takers {
		if err := <-errs; err != nil {
			t.Fatalf("add user: %v", err)
		}
	}
	centerID, err := a.DefaultCenterID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Training().SyncAssignments(ctx, centerID); err != nil {
		t.Fatalf("sync assignments: %v", err)
	}
	m, err := a.Training().ModuleByCode(ctx, centerID, crashModule)
	if err != nil {
		t.Fatal(err)
	}
	q, err := a.Quizzes().QuizForModule(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, tk := range takers {
		st, err := a.Staff().StaffByNo(ctx, centerID, fmt.Sprintf("C%03d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		es, err := a.Training().StaffEnrolments(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		var enrolment *int64
		for _, en := range es {
			if en.ModuleID == m.ID {
				enrolment = &en.ID
			}
		}
		if enrolment == nil {
			t.Fatalf("%s is not enrolled in %s", tk.username, crashModule)
		}
		at, err := a.Quizzes().Start(ctx, q.ID, st.ID, enrolment, int64(i+1))
		if err != nil {
			t.Fatalf("start attempt of %s: %v", tk.username, err)
		}
		tk.attemptID = at.ID
		for _, aq := range at.Questions {
			switch aq.Presented.Type {
			case quizzes.ShortAnswer, quizzes.Numerical, quizzes.Essay:
				tk.positions = append(tk.positions, aq.Position)
			}
		}
		if len(tk.positions) == 0 {
			t.Fatalf("the %s quiz has no text question to answer", crashModule)
		}
	}
	return takers
}

// crashLoginAll signs every taker in before the storm: argon2 is slow on purpose,
// and the server hashes only a few passwords at once.
func crashLoginAll(t *testing.T, hc *http.Client, base string, takers []*crashTaker) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(takers))
	for _, tk := range takers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]string{"username": tk.username, "password": crashPassword})
			res, err := hc.Post(base+"/api/v1/login", "application/json", bytes.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			defer res.Body.Close()
			var me struct {
				CSRFToken string `json:"csrf_token"`
			}
			if err := json.NewDecoder(res.Body).Decode(&me); err != nil || res.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("login %s: %d %v", tk.username, res.StatusCode, err)
				return
			}
			for _, c := range res.Cookies() {
				if c.Name == "kaoping_session" {
					tk.cookie = c.Value
				}
			}
			tk.csrf = me.CSRFToken
			if tk.cookie == "" || tk.csrf == "" {
				errs <- fmt.Errorf("login %s: no session cookie or CSRF token", tk.username)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// crashNotSent is the status of a request that never reached the server (the
// connection was refused after the kill): it cannot have been applied.
const crashNotSent = -1

// crashPost sends a JSON body and returns the status, 0 when the request went
// out but no response came, or crashNotSent.
func crashPost(hc *http.Client, url string, body []byte, headers ...string) int {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := hc.Do(req)
	var oe *net.OpError
	switch {
	case errors.As(err, &oe) && oe.Op == "dial":
		return crashNotSent
	case err != nil:
		return 0
	}
	// Once the status has come the handler has finished, so the status
	// stands even if the body is cut off by the kill.
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode
}

func crashGet(hc *http.Client, url string) int {
	res, err := hc.Get(url)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// crashTail is the end of a long log.
func crashTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func crashOK(status int) bool { return status >= 200 && status < 300 }

// crashCheckAnswers: for every question a taker wrote to, the stored response is
// the last save that got a 2xx, or a later one that got no answer at all
// (the server may have committed it and died before replying) — never an
// older one, never anything else. A save refused with a status (4xx, 5xx)
// before the kill is a failure of its own.
func crashCheckAnswers(t *testing.T, ctx context.Context, db *bun.DB, takers []*crashTaker) {
	t.Helper()
	ids := make([]int64, len(takers))
	for i, tk := range takers {
		ids[i] = tk.attemptID
	}
	var rows []struct {
		AttemptID int64      `bun:"attempt_id"`
		Position  int        `bun:"position"`
		Response  string     `bun:"response"`
		SavedAt   *time.Time `bun:"saved_at"`
	}
	if err := db.NewSelect().Table("attempt_questions").Column("attempt_id", "position", "response", "saved_at").
		Where("attempt_id IN (?)", bun.List(ids)).Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	type key struct {
		attempt int64
		pos     int
	}
	stored := make(map[key]string)
	savedAt := make(map[key]bool)
	for _, r := range rows {
		stored[key{r.AttemptID, r.Position}] = r.Response
		savedAt[key{r.AttemptID, r.Position}] = r.SavedAt != nil
	}
	var acked, unanswered, notsent, refused int
	for _, tk := range takers {
		for _, s := range tk.saves {
			switch {
			case crashOK(s.status):
				acked++
			case s.status == 0:
				unanswered++
			case s.status == crashNotSent:
				notsent++
			default:
				refused++
				t.Errorf("%s: a save was refused with %d before the crash", tk.username, s.status)
			}
		}
		for _, pos := range tk.positions {
			k := key{tk.attemptID, pos}
			want := map[string]bool{}
			last := ""
			for _, s := range tk.saves {
				if s.position != pos {
					continue
				}
				if crashOK(s.status) {
					want = map[string]bool{s.body: true} // older saves are overwritten
					last = s.body
				} else if s.status == 0 {
					want[s.body] = true
				}
			}
			if len(want) == 0 {
				continue // never written
			}
			if last == "" {
				want[""] = true // no save acknowledged: still unanswered is fine
			}
			got, exists := stored[k]
			switch {
			case !exists:
				t.Errorf("%s: attempt %d position %d has no row", tk.username, tk.attemptID, pos)
			case !want[got]:
				t.Errorf("%s: position %d holds %.80q; want the last acknowledged save %.80q (or a later unanswered one)", tk.username, pos, got, last)
			case got != "" && !savedAt[k]:
				t.Errorf("%s: position %d has a response but no saved_at: half written", tk.username, pos)
			}
		}
	}
	t.Logf("answer saves: %d acknowledged, %d without a response (in flight at the kill, or sent on a dead connection), %d refused, %d not sent (connection refused after the kill)",
		acked, unanswered, refused, notsent)
	if acked < crashTakers {
		t.Errorf("only %d answer saves of %d takers were acknowledged in %s: the server stalled (or the load did not run)", acked, crashTakers, crashLoad)
	}
}

// crashCheckBatches: a batch that got 200 is stored whole, exactly as sent; a
// batch without an answer is stored whole or not at all.
func crashCheckBatches(t *testing.T, ctx context.Context, db *bun.DB, batches []crashBatch) {
	t.Helper()
	var rows []struct {
		ExternalID string `bun:"external_id"`
		Level      int    `bun:"level"`
		Comment    string `bun:"comment"`
	}
	if err := db.NewSelect().Table("ratings").Column("external_id", "level", "comment").
		Where("external_id LIKE ?", "crash-%").Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	type rating struct {
		level   int
		comment string
	}
	stored := make(map[string]rating, len(rows))
	for _, r := range rows {
		stored[r.ExternalID] = rating{r.Level, r.Comment}
	}
	var acked, unanswered, unansweredStored, notsent, refused, want int
	for _, b := range batches {
		n := 0
		for i, id := range b.ids {
			r, found := stored[id]
			if !found {
				continue
			}
			n++
			if r.level != b.levels[i] || r.comment != b.comments[i] {
				t.Errorf("rating %s stored as %+v, sent level %d comment %q", id, r, b.levels[i], b.comments[i])
			}
		}
		switch {
		case crashOK(b.status):
			acked++
			want += len(b.ids)
			if n != len(b.ids) {
				t.Errorf("batch %s… got %d but %d of its %d ratings are stored", b.ids[0], b.status, n, len(b.ids))
			}
		case b.status == 0:
			unanswered++
			if n != 0 && n != len(b.ids) {
				t.Errorf("batch %s… (no answer) is half stored: %d of %d ratings", b.ids[0], n, len(b.ids))
			}
			if n > 0 {
				unansweredStored++
				want += n
			}
		case b.status == crashNotSent:
			notsent++
			if n != 0 {
				t.Errorf("batch %s… never reached the server, yet %d of its ratings are stored", b.ids[0], n)
			}
		default:
			refused++
			t.Errorf("batch %s… refused with %d before the crash", b.ids[0], b.status)
		}
	}
	if len(stored) != want {
		t.Errorf("%d crash ratings stored, want %d (the acknowledged batches and whole unanswered ones)", len(stored), want)
	}
	t.Logf("rating batches: %d acknowledged, %d without an answer (%d of them stored whole), %d refused, %d not sent",
		acked, unanswered, unansweredStored, refused, notsent)
	if acked == 0 {
		t.Error("no rating batch was acknowledged before the kill: the feed did not run")
	}
}

// ---------------------------------------------------------------------------
// ratings import

const crashImportRows = 200_000

func crashRatingsImport(t *testing.T, e *crashEnv) {
	ctx := context.Background()
	t0 := time.Now()
	e.kaoping("seed", "demo")
	db := e.open()
	var staff []crashStaffRow
	if err := db.NewSelect().Table("staff").Column("id", "staff_no").Order("staff_no").Scan(ctx, &staff); err != nil || len(staff) == 0 {
		t.Fatalf("demo staff: %d, %v", len(staff), err)
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	crashWriteRatingsCSV(t, path, staff)
	t.Logf("seeded and wrote %d rows in %s", crashImportRows, time.Since(t0).Round(time.Millisecond))

	count := func() int {
		n, err := db.NewSelect().Table("ratings").Where("source = ?", "file:big.csv").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	t1 := time.Now()
	p := e.start("ratings", "import", path, "--json")
	started := time.Time{}
	for deadline := time.Now().Add(50 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if p.exited.Load() {
			t.Fatalf("the import ended before it could be killed (%d rows stored): make the file bigger\nstdout: %s\nstderr: %s",
				count(), p.stdout.String(), p.stderr.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import stored nothing within 50 s\nstderr: %s", p.stderr.String())
		}
		if count() > 0 {
			started = time.Now()
			break
		}
	}
	time.Sleep(150 * time.Millisecond) // into the next transactions
	p.kill(t)
	before := count()
	t.Logf("killed %s after the first commit (%s after start) with %d of %d rows stored",
		time.Since(started).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond), before, crashImportRows)
	if before == 0 || before >= crashImportRows {
		t.Fatalf("%d rows stored at the kill; the kill should fall inside the import", before)
	}
	crashCheckImported(t, ctx, db, staff, before)

	// The same import again finishes the job: the stored rows are duplicates.
	t2 := time.Now()
	out := e.kaoping("ratings", "import", path, "--json")
	var res struct {
		Imported   int `json:"imported"`
		Duplicates int `json:"duplicates"`
		Rejected   int `json:"rejected"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("re-run output %q: %v", out, err)
	}
	t.Logf("re-run in %s: %+v", time.Since(t2).Round(time.Millisecond), res)
	if res.Duplicates != before || res.Imported != crashImportRows-before || res.Rejected != 0 {
		t.Errorf("re-run imported %d, duplicates %d, rejected %d; want %d, %d, 0", res.Imported, res.Duplicates, res.Rejected, crashImportRows-before, before)
	}
	if n := count(); n != crashImportRows {
		t.Errorf("after the re-run %d ratings from the file are stored, want %d", n, crashImportRows)
	}
	crashCheckImported(t, ctx, db, staff, crashImportRows)
	t.Logf("total %s", time.Since(t0).Round(time.Millisecond))
}

// crashStaffRow is a person the generated ratings are about.
type crashStaffRow struct {
	ID      int64  `bun:"id"`
	StaffNo string `bun:"staff_no"`
}

// crashImportRow is row i (0-based) of the generated file, as stored.
func crashImportRow(i int) (id string, level int, comment string) {
	return fmt.Sprintf("imp-%06d", i), 3 + i%3, fmt.Sprintf("第%d行 评价内容", i)
}

func crashWriteRatingsCSV(t *testing.T, path string, staff []crashStaffRow) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"评价编号", "评价时间", "渠道", "工号", "评价等级", "评价原因", "评价内容"})
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now().In(loc).Add(-time.Hour)
	for i := range crashImportRows {
		id, level, comment := crashImportRow(i)
		at := base.Add(-time.Duration(i) * 11 * time.Second).Format(time.DateTime)
		_ = w.Write([]string{id, at, "窗口", staff[i%len(staff)].StaffNo, strconv.Itoa(level), "态度好;效率高", comment})
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		t.Fatal(err)
	}
}

// crashCheckImported: exactly n ratings of the file are stored, once each, and
// every one is a complete row of the file (its own level, comment, person,
// date and reasons).
func crashCheckImported(t *testing.T, ctx context.Context, db *bun.DB, staff []crashStaffRow, n int) {
	t.Helper()
	var rows []struct {
		ExternalID string `bun:"external_id"`
		Level      int    `bun:"level"`
		Comment    string `bun:"comment"`
		StaffID    int64  `bun:"staff_id"`
		PeriodDate string `bun:"period_date"`
		Reasons    string `bun:"reasons"`
		Channel    string `bun:"channel"`
	}
	if err := db.NewSelect().Table("ratings").Column("external_id", "level", "comment", "staff_id", "period_date", "reasons", "channel").
		Where("source = ?", "file:big.csv").Scan(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Errorf("%d ratings of the file stored, want %d", len(rows), n)
	}
	seen := make(map[string]bool, len(rows))
	bad := 0
	for _, r := range rows {
		if seen[r.ExternalID] {
			t.Errorf("rating %s stored twice", r.ExternalID)
		}
		seen[r.ExternalID] = true
		i, err := strconv.Atoi(strings.TrimPrefix(r.ExternalID, "imp-"))
		if err != nil || i < 0 || i >= crashImportRows {
			t.Errorf("stored rating %q is not a row of the file", r.ExternalID)
			continue
		}
		_, level, comment := crashImportRow(i)
		if r.Level != level || r.Comment != comment || r.StaffID != staff[i%len(staff)].ID ||
			len(r.PeriodDate) != len("2006-01-02") || r.Channel != "offline" || r.Reasons != `["态度好","效率高"]` {
			if bad++; bad <= 5 {
				t.Errorf("rating %s is not the file's row: %+v", r.ExternalID, r)
			}
		}
	}
	if bad > 5 {
		t.Errorf("%d incomplete or wrong ratings in all", bad)
	}
}
