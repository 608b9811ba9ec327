package main

// `kaoping loadtest`: an exam storm, a rating feed, or an exam while a bulk
// rating import runs, against a Kaoping server on this machine — one it
// starts itself (--spawn) or one already running (--target). It reports
// throughput, latency percentiles, errors and the server's peak resident
// set, as text and as JSON (--json) for the benchmark book (benchbook.go).
//
// The file has four parts: the command and its flags; preparing the data
// (takers, quiz, sessions) through the application's own services; the
// scenarios; and the statistics and report.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/quizzes"
	"github.com/kaoping/kaoping/rbac"
)

// The data --prepare creates. Staff numbers LT00001…, accounts lt00001…
// (the staff import's lower-cased staff number), teams of ltTeamSize.
const (
	ltModule       = "loadtest-exam"
	ltStaffFmt     = "LT%05d"
	ltTeamFmt      = "压测组%03d"
	ltTeamSize     = 20
	ltAdmin        = "lt-admin"
	ltUserAgent    = "kaoping-loadtest"
	ltDefaultPass  = "kaoping-loadtest"
	ltTimeLimit    = 3600 // seconds an attempt has
	ltMaxQuestions = 50
)

// loadTestHashParams is the argon2id cost of the accounts --prepare
// creates: 64 KiB and one pass instead of 19 MiB and two, so that ten
// thousand accounts are made in seconds. It is a load-test setting only;
// the server rehashes such a password at its own cost at the next login.
func loadTestHashParams() auth.Params { return auth.Params{Memory: 64, Time: 1, Threads: 1} }

// loadConfig is the command line of `kaoping loadtest`.
type loadConfig struct {
	scenario    string
	target      string
	spawn       bool
	serverPID   int
	prepare     bool
	workDir     string
	keep        bool
	kaopingBin  string
	serveArgs   []string
	serverLog   string
	takers      int
	ramp        time.Duration
	think       time.Duration
	duration    time.Duration
	maxRequests int64
	rounds      int
	questions   int
	login       string
	password    string
	conns       int
	reference   bool
	refDuration time.Duration
	refWorkers  int
	rate        float64
	batchSize   int
	token       string
	importRows  int
	jsonOut     string
	cpuProfile  string
	profileSecs int
}

func (e *env) loadtestCmd() *cobra.Command {
	lc := loadConfig{}
	cmd := &cobra.Command{
		Use:   "loadtest [--spawn | --target URL] [--scenario storm|feed|mixed]",
		Short: "Load-test a Kaoping server on this machine: exam storm, rating feed, exam during a bulk import",
		Long: `Load-test a Kaoping server on this machine and report throughput, latency
percentiles (p50/p95/p99), errors and the server's peak resident set (VmHWM).

Scenarios (--scenario):
  storm  N employees (--takers) start the same quiz within --ramp, open it,
         save one answer per question with a think time (--think, each pause
         uniform in 0.5–1.5×), --rounds times over the questions (0: until
         --duration ends, then no submit), and submit.
  feed   batches of --batch-size ratings posted at --rate batches/s with a
         rating_feed bearer token (--token, or one created in --db).
  mixed  the storm's takers save answers while ` + "`kaoping ratings import`" + ` loads
         --import-rows generated ratings into the same database as a separate
         process; ends when the import ends.

Targets: --spawn starts ` + "`kaoping serve`" + ` on a free port of 127.0.0.1 (on a fresh SQLite
file in --work-dir unless --db is given, which is then used as it is) and
implies --prepare; --target URL uses a running server, which must be on a
loopback address (127.0.0.0/8, ::1, localhost): anything else is refused.
The peak RSS is read from /proc/PID/status (VmHWM) of the spawned server, or
of --server-pid. The tool reads the takers and their enrolments from --db,
which must be the server's database, in every scenario.

Data: --prepare creates, through the application's services and directly in
--db, the takers LT00001… (staff in teams of 20 with employee accounts
lt00001…, password --password), the published module "loadtest-exam" with a
quiz of --questions single-choice questions (no attempt limit, one hour)
assigned to their teams, and the administrator lt-admin; the teams date
from the first day of the month before last, so that the previous month has
everyone's scores (the mixed scenario rates that month). It is idempotent.
LOAD-TEST SETTING: these accounts are hashed with argon2id at 64 KiB and one
pass instead of the production 19 MiB and two, so that 10,000 accounts take
seconds; never prepare a production database.

Login (--login): "db" (default) opens each taker's session directly in --db
before the timed window, as a login would (the session table stores the
SHA-256 of the cookie token), so the storm measures the exam, not argon2id.
"http" signs every taker in through POST /api/v1/login before the window,
at the server's own hash cost (the server rehashes the cheap load-test hashes
to its cost at the first login, slow on purpose; serve --hash-concurrency
bounds how many run at once; the time is reported). The login throttle counts failed
logins only, so correct passwords are never throttled; if a run makes
failures on purpose, raise the thresholds, which are configuration:
serve --login-max-per-ip N --login-max-per-user N --login-window D (or
KAOPING_LOGIN_MAX_PER_IP …). Pass serve flags to a spawned server with
--serve-arg, e.g. --serve-arg=--login-max-per-ip=100000.

Bounds: --duration closes the timed window (requests in flight are cut off
and counted apart, not as errors); after --max-requests requests no new one
is sent and the window closes when those in flight have finished.

--reference (storm) also measures, after the window and in this process, raw
single-row commits: on SQLite a fresh file beside the database opened as the
application opens its own (store.Open: WAL, synchronous=NORMAL, same pool),
on PostgreSQL a scratch table in the same database; one INSERT per commit
from --ref-workers goroutines, first as Exec with arguments (the reference of
BenchmarkAnswerSave), then as a prepared statement. The ratio is answer
saves/s ÷ commits/s.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dbGiven := cmd.Flags().Changed("db") || e.getenv("KAOPING_DB") != ""
			return e.runLoadtest(cmd.Context(), lc, dbGiven)
		},
	}
	f := cmd.Flags()
	f.StringVar(&lc.scenario, "scenario", "storm", "storm, feed or mixed")
	f.StringVar(&lc.target, "target", "", "base URL of a running server on a loopback address, e.g. http://127.0.0.1:8080")
	f.BoolVar(&lc.spawn, "spawn", false, "start `kaoping serve` on a free loopback port (and --prepare its data)")
	f.IntVar(&lc.serverPID, "server-pid", 0, "process id of the --target server, to read its peak RSS")
	f.BoolVar(&lc.prepare, "prepare", false, "create the takers, their accounts and the quiz in --db first (idempotent; load-test hash cost)")
	f.StringVar(&lc.workDir, "work-dir", "", "folder for the spawned server's database, log and the import file (default: a new temporary folder)")
	f.BoolVar(&lc.keep, "keep", false, "keep the temporary work folder")
	f.StringVar(&lc.kaopingBin, "kaoping-bin", "", "kaoping binary to run for serve and ratings import (default: this executable)")
	f.StringArrayVar(&lc.serveArgs, "serve-arg", nil, "extra flag for the spawned `kaoping serve` (repeatable)")
	f.StringVar(&lc.serverLog, "server-log-level", "info", "log level of the spawned server (its log goes to WORK-DIR/server.log)")
	f.IntVar(&lc.takers, "takers", 100, "employees taking the quiz")
	f.DurationVar(&lc.ramp, "ramp", 10*time.Second, "window in which the takers start, evenly spread")
	f.DurationVar(&lc.think, "think", 2*time.Second, "mean pause before each answer (0: none)")
	f.DurationVar(&lc.duration, "duration", 2*time.Minute, "upper bound of the timed window")
	f.Int64Var(&lc.maxRequests, "max-requests", 1_000_000, "upper bound of the requests in the timed window")
	f.IntVar(&lc.rounds, "rounds", 1, "passes over the questions before submitting (0: save until --duration ends)")
	f.IntVar(&lc.questions, "questions", 10, "questions of the quiz --prepare creates")
	f.StringVar(&lc.login, "login", "db", "how takers get a session: db (created in --db) or http (POST /api/v1/login)")
	f.StringVar(&lc.password, "password", ltDefaultPass, "password of the prepared accounts")
	f.IntVar(&lc.conns, "conns", 0, "HTTP connections to the server at most (default: min(takers, 1024))")
	f.BoolVar(&lc.reference, "reference", false, "storm: also measure raw single-row commits on the same engine, after the window")
	f.DurationVar(&lc.refDuration, "ref-duration", 10*time.Second, "how long the --reference runs")
	f.IntVar(&lc.refWorkers, "ref-workers", 0, "goroutines committing in the --reference (default: min(takers, 64))")
	f.Float64Var(&lc.rate, "rate", 10, "feed: batches per second")
	f.IntVar(&lc.batchSize, "batch-size", 100, "feed: ratings per batch")
	f.StringVar(&lc.token, "token", "", "feed: rating_feed API token (default: a new one created in --db)")
	f.IntVar(&lc.importRows, "import-rows", 1_000_000, "mixed: ratings in the generated import file")
	f.StringVar(&lc.jsonOut, "json", "", "write the report as JSON to this file (- for standard output)")
	f.StringVar(&lc.cpuProfile, "server-cpuprofile", "", "fetch a CPU profile of the server during the window (as lt-admin) into this file")
	f.IntVar(&lc.profileSecs, "profile-seconds", 0, "length of --server-cpuprofile (default: the window, at most 50 s)")
	return cmd
}

// checkLoopback parses a target URL and refuses anything but a loopback
// address: the tool generates real load and must not be pointed at a
// server elsewhere.
func checkLoopback(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--target %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("--target %q: want an http:// or https:// URL", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() || strings.EqualFold(host, "localhost") {
		u.Path, u.RawQuery, u.Fragment = strings.TrimRight(u.Path, "/"), "", ""
		return u, nil
	}
	return nil, fmt.Errorf("--target %q: %q is not a loopback address; the load tool only targets a server on this machine (127.0.0.0/8, ::1, localhost)", raw, host)
}

// loadRun is one run of the tool: its configuration, the database, the
// server and what it measured.
type loadRun struct {
	e       *env
	cfg     loadConfig
	dbURL   string
	engine  string // sqlite or postgres
	work    string // work folder
	base    string // server base URL
	pid     int    // server process, 0 if unknown
	server  *spawned
	takers  []*ltTaker
	adminCk string // lt-admin session token, for the profile
	hc      *http.Client
	report  *loadReport
	log     *slog.Logger
}

func (e *env) runLoadtest(ctx context.Context, cfg loadConfig, dbGiven bool) (err error) {
	switch cfg.scenario {
	case "storm", "feed", "mixed":
	default:
		return fmt.Errorf("--scenario: want storm, feed or mixed, got %q", cfg.scenario)
	}
	if cfg.spawn == (cfg.target != "") {
		return errors.New("give exactly one of --spawn and --target")
	}
	if cfg.login != "db" && cfg.login != "http" {
		return fmt.Errorf("--login: want db or http, got %q", cfg.login)
	}
	if cfg.takers < 1 && cfg.scenario != "feed" {
		return errors.New("--takers: at least 1")
	}
	if cfg.duration <= 0 || cfg.maxRequests <= 0 {
		return errors.New("--duration and --max-requests must be positive: the run is bounded")
	}
	if cfg.questions < 1 || cfg.questions > ltMaxQuestions {
		return fmt.Errorf("--questions: 1 to %d", ltMaxQuestions)
	}
	if cfg.rounds < 0 || cfg.ramp < 0 || cfg.think < 0 {
		return errors.New("--rounds, --ramp and --think must not be negative")
	}
	if cfg.scenario == "feed" && (cfg.rate <= 0 || cfg.batchSize < 1) {
		return errors.New("--rate and --batch-size must be positive")
	}
	var target *url.URL
	if cfg.target != "" {
		if target, err = checkLoopback(cfg.target); err != nil {
			return err
		}
	}
	log, err := e.logger()
	if err != nil {
		return err
	}
	r := &loadRun{e: e, cfg: cfg, dbURL: e.dbURL, log: log}
	if cfg.conns <= 0 {
		r.cfg.conns = min(max(cfg.takers, 8), 1024)
	}
	if cfg.refWorkers <= 0 {
		r.cfg.refWorkers = min(max(cfg.takers, 1), 64)
	}
	if cfg.kaopingBin == "" {
		if r.cfg.kaopingBin, err = os.Executable(); err != nil {
			return err
		}
	}
	// The work folder: the spawned server's database (unless --db was
	// given), its log, the import file.
	r.work = cfg.workDir
	if r.work == "" {
		if r.work, err = os.MkdirTemp("", "kaoping-loadtest-"); err != nil {
			return err
		}
		if !cfg.keep {
			defer os.RemoveAll(r.work)
		} else {
			fmt.Fprintf(e.stderr, "loadtest: work folder %s kept\n", r.work)
		}
	} else if err := os.MkdirAll(r.work, 0o750); err != nil {
		return err
	}
	if cfg.spawn && !dbGiven {
		r.dbURL = filepath.Join(r.work, "loadtest.db")
	}
	r.engine = "sqlite"
	if store.IsPostgres(r.dbURL) {
		r.engine = "postgres"
	}
	r.report = &loadReport{
		Scenario: cfg.scenario, Engine: r.engine, Spawned: cfg.spawn, Login: cfg.login,
		Takers: cfg.takers, Ramp: cfg.ramp.String(), Think: cfg.think.String(), Duration: cfg.duration.String(),
		Rounds: cfg.rounds, MaxRequests: cfg.maxRequests, Machine: readMachine(), Started: time.Now().UTC(),
	}
	if cfg.scenario == "feed" {
		r.report.Takers = 0
	}

	// The database is needed in every scenario: the takers' enrolments, the
	// staff numbers the feed rates.
	t0 := time.Now()
	if err := r.setUp(ctx, cfg.spawn || cfg.prepare); err != nil {
		return err
	}
	r.report.PrepareSeconds = time.Since(t0).Seconds()
	if cfg.spawn {
		if r.server, err = r.spawn(ctx); err != nil {
			return err
		}
		defer func() {
			if serr := r.server.stop(); serr != nil && err == nil {
				err = serr
			}
		}()
		r.base, r.pid = r.server.base, r.server.cmd.Process.Pid
		if _, err := checkLoopback(r.base); err != nil {
			return err
		}
	} else {
		r.base, r.pid = strings.TrimRight(target.String(), "/"), cfg.serverPID
		if cfg.prepare {
			// A running server picks up the new grants within its policy refresh.
			time.Sleep(2 * time.Second)
		}
	}
	r.report.Target = r.base
	r.report.ServerPID = r.pid
	r.hc = &http.Client{
		Transport: &http.Transport{
			MaxConnsPerHost: r.cfg.conns, MaxIdleConnsPerHost: r.cfg.conns, MaxIdleConns: r.cfg.conns,
			IdleConnTimeout: 90 * time.Second, DisableCompression: true,
		},
		Timeout:       60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer r.hc.CloseIdleConnections()

	if cfg.scenario != "feed" && cfg.login == "http" {
		t0 := time.Now()
		if err := r.httpLogins(ctx); err != nil {
			return err
		}
		r.report.LoginSeconds = time.Since(t0).Seconds()
	}
	switch cfg.scenario {
	case "storm":
		err = r.storm(ctx, nil)
	case "feed":
		err = r.feed(ctx)
	case "mixed":
		err = r.mixed(ctx)
	}
	if err != nil {
		return err
	}
	if r.pid > 0 {
		// The kernel's VmHWM is the peak since the server started; the
		// samples taken during the window keep it if the server has gone.
		if peak, now := readRSS(r.pid); peak > 0 {
			r.report.ServerPeakRSSMiB, r.report.ServerRSSMiB = max(peak, r.report.ServerPeakRSSMiB), now
		}
	}
	if cfg.reference && cfg.scenario == "storm" {
		// The reference of BenchmarkAnswerSave (app/bench_test.go): Exec with
		// arguments, the statement parsed on every call; and the stronger
		// one, a prepared statement.
		for _, prepared := range []bool{false, true} {
			ref, err := rawCommits(ctx, r.dbURL, r.work, r.cfg.refWorkers, cfg.refDuration, prepared)
			if err != nil {
				return fmt.Errorf("reference: %w", err)
			}
			if prepared {
				r.report.ReferencePrepared = ref
			} else {
				r.report.Reference = ref
			}
			if s := r.report.Ops["save"]; s != nil && ref.PerSecond > 0 {
				if prepared {
					r.report.RatioPrepared = s.PerSecond / ref.PerSecond
				} else {
					r.report.Ratio = s.PerSecond / ref.PerSecond
				}
			}
		}
	}
	r.report.Machine.LoadAfter = readLoadAvg()
	r.report.print(e.stdout)
	if err := r.writeJSON(); err != nil {
		return err
	}
	if r.report.ServerExit != "" {
		return errors.New("the spawned server ended during the run (see SERVER ENDED above)")
	}
	return nil
}

func (r *loadRun) writeJSON() error {
	if r.cfg.jsonOut == "" {
		return nil
	}
	b, err := json.MarshalIndent(r.report, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if r.cfg.jsonOut == "-" {
		_, err = r.e.stdout.Write(b)
		return err
	}
	return os.WriteFile(r.cfg.jsonOut, b, 0o644)
}

// ---------------------------------------------------------------------------
// Data

// ltTaker is one prepared employee with what the run learns about them.
type ltTaker struct {
	UserID      int64  `bun:"user_id"`
	Username    string `bun:"username"`
	StaffID     int64  `bun:"staff_id"`
	StaffNo     string `bun:"staff_no"`
	MustChange  bool   `bun:"must_change"`
	EnrolmentID int64  `bun:"-"`

	cookie, csrf string
	attempt      int64
}

// setUp opens the database, prepares the data if asked, finds the takers
// and, with --login db, opens their sessions.
func (r *loadRun) setUp(ctx context.Context, prepare bool) error {
	db, err := store.Open(ctx, r.dbURL, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := store.Migrate(ctx, db); err != nil {
		return err
	}
	cfg := app.DefaultConfig()
	cfg.FontPath = r.e.fontPath
	cfg.Auth.Params = loadTestHashParams()
	quiet := slog.New(slog.NewTextHandler(r.e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, db, cfg, quiet, time.Now)
	if err != nil {
		return err
	}
	defer a.Close()
	centerID, err := a.DefaultCenterID(ctx)
	if err != nil {
		return err
	}
	n := max(r.cfg.takers, 1)
	if prepare {
		if err := prepareLoad(ctx, a, db, centerID, n, r.cfg.questions, r.cfg.password, r.e.stderr); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
	}
	if r.takers, err = findTakers(ctx, db, centerID, n); err != nil {
		return err
	}
	if r.cfg.scenario == "feed" {
		if r.cfg.token == "" {
			name := "loadtest-feed-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			if r.cfg.token, _, err = a.CreateToken(ctx, name, rbac.RoleRatingFeed, app.Actor{Name: "loadtest", IP: "local"}); err != nil {
				return err
			}
		}
		return nil
	}
	if len(r.takers) < r.cfg.takers {
		return fmt.Errorf("--db has %d prepared takers, --takers wants %d: run with --prepare", len(r.takers), r.cfg.takers)
	}
	for _, t := range r.takers {
		if t.MustChange {
			return fmt.Errorf("taker %s must change the password first: run with --prepare", t.Username)
		}
	}
	if r.cfg.login == "db" {
		if err := openSessions(ctx, a, r.takers); err != nil {
			return err
		}
	}
	if r.cfg.cpuProfile != "" {
		u, err := a.Auth().UserByName(ctx, ltAdmin)
		if err != nil {
			return fmt.Errorf("--server-cpuprofile needs the prepared %s account: %w", ltAdmin, err)
		}
		if r.adminCk, _, err = a.Auth().CreateSession(ctx, u.ID, "127.0.0.1", ltUserAgent); err != nil {
			return err
		}
	}
	return nil
}

// prepareLoad creates (or completes) n takers, the quiz and its
// assignments through the application's services.
func prepareLoad(ctx context.Context, a *app.App, db *bun.DB, centerID int64, n, questions int, password string, progress io.Writer) error {
	actor := app.Actor{Name: "loadtest", IP: "local"}
	t0 := time.Now()
	// Staff in teams of ltTeamSize, with employee accounts (one-time
	// passwords, replaced below as at a first sign-in).
	var b bytes.Buffer
	b.WriteString("工号,姓名,班组,渠道\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, ltStaffFmt+",考生%05d,"+ltTeamFmt+",窗口\n", i, i, (i-1)/ltTeamSize+1)
	}
	// Members of their teams since the first day of the month before last,
	// so that the previous month (the month the mixed scenario's import
	// rates) has everyone's scores and reports.
	asOf := time.Now().AddDate(0, 0, -time.Now().Day()+1).AddDate(0, -2, 0).Format("2006-01-02")
	res, err := a.ImportStaff(ctx, &b, app.StaffImport{ImportOptions: staff.ImportOptions{Encoding: "utf-8", AsOf: asOf},
		CreateAccounts: true, FileName: "loadtest staff.csv"}, actor)
	if err != nil {
		return fmt.Errorf("staff: %w", err)
	}
	fmt.Fprintf(progress, "loadtest: prepare: %d staff (%d new) in %s\n", n, res.Created, time.Since(t0).Round(time.Millisecond))
	takers, err := findTakers(ctx, db, centerID, n)
	if err != nil {
		return err
	}
	t1 := time.Now()
	changed := 0
	if err := forEach(ctx, takers, 4, func(t *ltTaker) error {
		if !t.MustChange {
			return nil
		}
		// What a first sign-in does: a known password, no forced change.
		tmp := auth.GeneratePassword()
		if err := a.Auth().ResetPassword(ctx, t.UserID, tmp); err != nil {
			return err
		}
		return a.Auth().ChangePassword(ctx, t.UserID, tmp, password)
	}); err != nil {
		return fmt.Errorf("passwords: %w", err)
	}
	for _, t := range takers {
		if t.MustChange {
			changed++
		}
	}
	if changed > 0 {
		fmt.Fprintf(progress, "loadtest: prepare: %d passwords set in %s\n", changed, time.Since(t1).Round(time.Millisecond))
	}
	admin, err := a.Auth().UserByName(ctx, ltAdmin)
	if errors.Is(err, store.ErrNotFound) {
		admin, err = a.AddUser(ctx, app.NewUser{CenterID: centerID, Username: ltAdmin, DisplayName: "压测管理员", Password: password,
			Roles: []string{rbac.RoleAdmin}}, actor)
	}
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	tr := a.Training()
	m, err := tr.ModuleByCode(ctx, centerID, ltModule)
	if errors.Is(err, store.ErrNotFound) {
		if m, err = createLoadModule(ctx, a, centerID, admin.ID, questions, actor); err != nil {
			return fmt.Errorf("module: %w", err)
		}
	} else if err != nil {
		return err
	}
	// One assignment per team that has none; SyncAssignments enrols the
	// people who joined a team after its assignment.
	var assigned []int64
	if err := db.NewSelect().Table("assignments").Column("target_id").Where("module_id = ?", m.ID).
		Where("target_kind = ?", training.TargetTeam).Scan(ctx, &assigned); err != nil {
		return err
	}
	today, err := a.Staff().Today(ctx, centerID)
	if err != nil {
		return err
	}
	day, err := time.Parse("2006-01-02", today)
	if err != nil {
		return err
	}
	for t := 1; t <= (n+ltTeamSize-1)/ltTeamSize; t++ {
		team, err := a.Staff().FindTeam(ctx, centerID, fmt.Sprintf(ltTeamFmt, t))
		if err != nil {
			return err
		}
		if slices.Contains(assigned, team.ID) {
			continue
		}
		if _, _, err := tr.Assign(ctx, training.AssignInput{CenterID: centerID, ModuleID: m.ID, TargetKind: training.TargetTeam,
			TargetID: team.ID, DueDate: day.AddDate(0, 0, 30).Format("2006-01-02")}, admin.ID); err != nil {
			return fmt.Errorf("assign team %d: %w", t, err)
		}
	}
	if _, err := tr.SyncAssignments(ctx, centerID); err != nil {
		return err
	}
	fmt.Fprintf(progress, "loadtest: prepare: done in %s\n", time.Since(t0).Round(time.Millisecond))
	return nil
}

// createLoadModule publishes the load-test module (imported by the system,
// approved by lt-admin) with a quiz of single-choice questions.
func createLoadModule(ctx context.Context, a *app.App, centerID, adminID int64, questions int, actor app.Actor) (*training.Module, error) {
	tr := a.Training()
	in := training.ModuleInput{
		CenterID: centerID, Code: ltModule, Title: "压测考试", ValidityMonths: 12,
		Summary: "由 kaoping loadtest --prepare 创建，仅用于压力测试。",
		Standard: training.Standard{
			Steps:     []training.Step{{Title: "受理"}, {Title: "审核"}, {Title: "办结"}},
			Materials: []training.Material{{Name: "申请表", Form: training.FormOriginal, Count: 1}},
			Criteria:  []string{"材料齐全"},
		},
		Lessons: []training.Lesson{{Title: "压测说明", Body: "本模块只用于压力测试。"}},
	}
	_, v, err := tr.ImportModule(ctx, in, nil, 0)
	if err != nil {
		return nil, err
	}
	if err := tr.Submit(ctx, v.ID, "grandfather", 0, 0); err != nil {
		return nil, err
	}
	if err := tr.Approve(ctx, v.ID, adminID); err != nil {
		return nil, err
	}
	var g strings.Builder
	for i := 1; i <= questions; i++ {
		fmt.Fprintf(&g, "::压测题%02d::第%d题：群众材料不齐时，窗口应当怎么做？{=一次性告知需补正的全部内容 ~请群众回去再问 ~拒绝受理 ~让群众找其他窗口}\n\n", i, i)
	}
	qs, err := quizzes.ParseGIFT("loadtest.gift", strings.NewReader(g.String()))
	if err != nil {
		return nil, err
	}
	if _, err := a.ImportQuestions(ctx, centerID, ltModule, qs, actor); err != nil {
		return nil, err
	}
	m, err := tr.ModuleByCode(ctx, centerID, ltModule)
	if err != nil {
		return nil, err
	}
	qz, err := a.Quizzes().QuizForModule(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	qz.Title, qz.TimeLimitSeconds, qz.AttemptsAllowed = "压测考试", ltTimeLimit, 0
	qz.ShuffleQuestions, qz.ShuffleAnswers, qz.PassPercent = true, true, 60
	return m, a.Quizzes().SaveQuiz(ctx, qz)
}

// findTakers returns the first n prepared takers (LT00001…) that have an
// account, with their enrolment in the load-test module when there is one.
func findTakers(ctx context.Context, db *bun.DB, centerID int64, n int) ([]*ltTaker, error) {
	var ts []*ltTaker
	err := db.NewSelect().TableExpr("users AS u").Join("JOIN staff AS s ON s.id = u.staff_id").
		ColumnExpr("u.id AS user_id, u.username, u.must_change_password AS must_change, s.id AS staff_id, s.staff_no").
		Where("s.center_id = ?", centerID).Where("s.staff_no >= ? AND s.staff_no <= ?", fmt.Sprintf(ltStaffFmt, 1), fmt.Sprintf(ltStaffFmt, n)).
		OrderExpr("s.staff_no").Scan(ctx, &ts)
	if err != nil {
		return nil, fmt.Errorf("find takers: %w", err)
	}
	var rows []struct {
		StaffID int64 `bun:"staff_id"`
		ID      int64 `bun:"id"`
	}
	err = db.NewSelect().TableExpr("enrolments AS e").Join("JOIN modules AS m ON m.id = e.module_id").
		ColumnExpr("e.staff_id, MAX(e.id) AS id").Where("m.center_id = ? AND m.code = ?", centerID, ltModule).
		GroupExpr("e.staff_id").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("find enrolments: %w", err)
	}
	enr := make(map[int64]int64, len(rows))
	for _, r := range rows {
		enr[r.StaffID] = r.ID
	}
	for _, t := range ts {
		t.EnrolmentID = enr[t.StaffID]
	}
	return ts, nil
}

// openSessions opens a session for every taker as a successful login
// would (auth.Service.CreateSession: a random token, its SHA-256 stored).
func openSessions(ctx context.Context, a *app.App, takers []*ltTaker) error {
	return forEach(ctx, takers, 4, func(t *ltTaker) error {
		if t.EnrolmentID == 0 {
			return fmt.Errorf("taker %s has no enrolment in %s: run with --prepare", t.Username, ltModule)
		}
		tok, s, err := a.Auth().CreateSession(ctx, t.UserID, "127.0.0.1", ltUserAgent)
		if err != nil {
			return err
		}
		t.cookie, t.csrf = tok, s.CSRFToken
		return nil
	})
}

// forEach runs fn for every taker on at most par goroutines and returns the
// first error.
func forEach(ctx context.Context, ts []*ltTaker, par int, fn func(*ltTaker) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for _, t := range ts {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(t); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// httpLogins signs every taker in through the API, before the window.
func (r *loadRun) httpLogins(ctx context.Context) error {
	rec := &recorder{}
	var mu sync.Mutex
	err := forEach(ctx, r.takers, min(r.cfg.conns, 32), func(t *ltTaker) error {
		body, _ := json.Marshal(map[string]string{"username": t.Username, "password": r.cfg.password})
		mine := &recorder{}
		res, data, ok := r.do(ctx, mine, opLogin, http.MethodPost, "/api/v1/login", body, "application/json", nil, http.StatusOK)
		mu.Lock()
		rec.merge(mine)
		mu.Unlock()
		if !ok {
			return fmt.Errorf("login %s failed: %s", t.Username, strings.Join(mine.errs, "; "))
		}
		var me struct {
			CSRFToken string `json:"csrf_token"`
		}
		if err := json.Unmarshal(data, &me); err != nil {
			return fmt.Errorf("login %s: %w", t.Username, err)
		}
		for _, c := range res.Cookies() {
			if c.Name == "kaoping_session" {
				t.cookie = c.Value
			}
		}
		t.csrf = me.CSRFToken
		if t.cookie == "" || t.csrf == "" {
			return fmt.Errorf("login %s: no session cookie or CSRF token", t.Username)
		}
		return nil
	})
	st := rec.stats(opLogin)
	r.report.LoginOp = &st
	return err
}

// ---------------------------------------------------------------------------
// Spawned server

// spawned is a `kaoping serve` the tool started.
type spawned struct {
	cmd     *exec.Cmd
	base    string
	done    chan error
	logf    *os.File
	exited  atomic.Bool
	exitErr error // how it ended, once exited
}

// exitText says how a server that ended during the run ended, with the end
// of its log.
func (s *spawned) exitText() string {
	tail := ""
	if b, err := os.ReadFile(s.logf.Name()); err == nil {
		tail = tailOf(string(b), 1500)
	}
	return fmt.Sprintf("the server (pid %d) ended during the run: %v; its log ends with: %s", s.cmd.Process.Pid, s.exitErr, tail)
}

var runningAt = regexp.MustCompile(`running at (http://[0-9.:]+)`)

func (r *loadRun) spawn(ctx context.Context) (*spawned, error) {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--db", r.dbURL, "--log-format", "json", "--log-level", r.cfg.serverLog}
	if r.e.fontPath != "" {
		args = append(args, "--font", r.e.fontPath)
	}
	args = append(args, r.cfg.serveArgs...)
	logPath := filepath.Join(r.work, "server.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	s := &spawned{cmd: exec.Command(r.cfg.kaopingBin, args...), done: make(chan error, 1), logf: logf}
	s.cmd.Stderr = logf
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s serve: %w", r.cfg.kaopingBin, err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := runningAt.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() { err := s.cmd.Wait(); s.exitErr = err; s.exited.Store(true); s.done <- err }()
	select {
	case s.base = <-urls:
		fmt.Fprintf(r.e.stderr, "loadtest: spawned kaoping serve (pid %d) at %s, log %s\n", s.cmd.Process.Pid, s.base, logPath)
		return s, nil
	case err := <-s.done:
		s.done <- err
		logf.Close()
		tail, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("kaoping serve exited at start: %v\n%s", err, tailOf(string(tail), 2000))
	case <-time.After(90 * time.Second):
	case <-ctx.Done():
	}
	_ = s.stop()
	return nil, errors.New("kaoping serve did not start listening within 90 s")
}

// stop ends the server as SIGTERM does (graceful), killing it after 20 s.
func (s *spawned) stop() error {
	defer s.logf.Close()
	if s.exited.Load() {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("kaoping serve: %w", err)
		}
		return nil
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return errors.New("kaoping serve did not stop within 20 s of SIGTERM; killed")
	}
}

func tailOf(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// ---------------------------------------------------------------------------
// Requests

// Operations measured, in report order.
const (
	opLogin = iota
	opStart
	opPage
	opSave
	opSubmit
	opRatings
	opCount
)

var opNames = [opCount]string{"login", "start", "page", "save", "submit", "ratings"}

// window is the timed part of a run: its context (cancelled at --duration
// or when --max-requests are used up) and the request budget.
type window struct {
	ctx       context.Context
	cancel    context.CancelCauseFunc
	release   context.CancelFunc
	budget    atomic.Int64
	started   time.Time
	serverCPU time.Duration // the server's CPU time when the window opened
	clientCPU time.Duration // this process's
	rssQuit   chan struct{}
	rssPeak   chan float64 // the server's VmHWM as last sampled
}

var (
	errDuration = errors.New("--duration reached")
	errDone     = errors.New("done")
)

func (r *loadRun) newWindow(ctx context.Context) *window {
	w := &window{started: time.Now(), serverCPU: procCPU(r.pid), clientCPU: selfCPU(), rssQuit: make(chan struct{}), rssPeak: make(chan float64, 1)}
	go func() { w.rssPeak <- pollPeakRSS(r.pid, w.rssQuit) }()
	ctx, cancel := context.WithCancelCause(ctx)
	w.ctx, w.release = context.WithTimeoutCause(ctx, r.cfg.duration, errDuration)
	w.cancel = cancel
	w.budget.Store(r.cfg.maxRequests)
	return w
}

// close ends the window (the timer included).
func (w *window) close() {
	w.cancel(errDone)
	w.release()
}

// take reserves one request of the budget. false: the budget is used up
// (no new requests; those in flight finish) or the window has closed.
func (w *window) take() bool {
	if w.budget.Add(-1) < 0 {
		return false
	}
	return w.ctx.Err() == nil
}

// do sends one request and records it under op; ok is false when it failed
// (transport error or another status than want), which counts as an error
// unless ctx ended meanwhile (the window closed: the request is dropped).
func (r *loadRun) do(ctx context.Context, rec *recorder, op int, method, path string, body []byte, ctype string, hdr func(http.Header), want int) (*http.Response, []byte, bool) {
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, bytes.NewReader(body))
	if err != nil {
		rec.fail(op, time.Now(), 0, err.Error())
		return nil, nil, false
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if hdr != nil {
		hdr(req.Header)
	}
	t0 := time.Now()
	res, err := r.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			rec.cancelled++
			return nil, nil, false
		}
		rec.fail(op, t0, time.Since(t0), err.Error())
		return nil, nil, false
	}
	data, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	res.Body.Close()
	d := time.Since(t0)
	if err != nil && ctx.Err() != nil {
		rec.cancelled++
		return nil, nil, false
	}
	if res.StatusCode != want || err != nil {
		msg := fmt.Sprintf("%s %s: %d %s", method, path, res.StatusCode, strings.TrimSpace(tailOf(string(data), 160)))
		if err != nil {
			msg += ": " + err.Error()
		}
		rec.fail(op, t0, d, msg)
		return res, data, false
	}
	rec.ok(op, t0, d)
	return res, data, true
}

func (t *ltTaker) headers(h http.Header) {
	h.Set("Cookie", "kaoping_session="+t.cookie)
	h.Set("X-CSRF-Token", t.csrf)
}

// ---------------------------------------------------------------------------
// Scenarios

var attemptLocation = regexp.MustCompile(`^/attempts/(\d+)$`)

// storm runs the exam: every taker starts within the ramp, opens the
// attempt, saves its answers and submits. With until set (the mixed
// scenario) the takers save until it is closed, then stop.
func (r *loadRun) storm(ctx context.Context, until <-chan struct{}) error {
	w := r.newWindow(ctx)
	defer w.close()
	questions, err := r.quizQuestions(ctx)
	if err != nil {
		return err
	}
	r.report.Questions = questions
	recs := make([]*recorder, len(r.takers[:r.cfg.takers]))
	var profile chan error
	if r.cfg.cpuProfile != "" {
		profile = r.profile()
	}
	var wg sync.WaitGroup
	for i, t := range r.takers[:r.cfg.takers] {
		rec := &recorder{}
		recs[i] = rec
		wg.Add(1)
		go func() {
			defer wg.Done()
			offset := time.Duration(0)
			if r.cfg.takers > 1 {
				offset = r.cfg.ramp * time.Duration(i) / time.Duration(r.cfg.takers)
			}
			rnd := rand.New(rand.NewPCG(uint64(i), uint64(w.started.UnixNano())))
			if !sleepCtx(w.ctx, time.Until(w.started.Add(offset))) {
				return
			}
			r.take(w, t, rec, rnd, questions, until)
		}()
	}
	wg.Wait()
	r.finish(w, recs)
	if profile != nil {
		if err := <-profile; err != nil {
			fmt.Fprintf(r.e.stderr, "loadtest: server CPU profile: %v\n", err)
		}
	}
	return nil
}

// take is one taker's exam.
func (r *loadRun) take(w *window, t *ltTaker, rec *recorder, rnd *rand.Rand, questions int, until <-chan struct{}) {
	ctx := w.ctx
	if !w.take() {
		return
	}
	res, _, ok := r.do(ctx, rec, opStart, http.MethodPost, "/enrolments/"+strconv.FormatInt(t.EnrolmentID, 10)+"/quiz/start",
		nil, "application/x-www-form-urlencoded", t.headers, http.StatusSeeOther)
	if !ok {
		return
	}
	m := attemptLocation.FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		rec.fail(opStart, time.Now(), 0, "start: redirect to "+res.Header.Get("Location"))
		return
	}
	t.attempt, _ = strconv.ParseInt(m[1], 10, 64)
	path := "/attempts/" + m[1]
	if !w.take() {
		return
	}
	if _, _, ok := r.do(ctx, rec, opPage, http.MethodGet, path, nil, "", t.headers, http.StatusOK); !ok {
		return
	}
	savePath := "/api/v1/attempts/" + m[1] + "/answers"
	for round := 0; r.cfg.rounds == 0 || round < r.cfg.rounds; round++ {
		for pos := 1; pos <= questions; pos++ {
			if r.cfg.think > 0 {
				pause := time.Duration(float64(r.cfg.think) * (0.5 + rnd.Float64()))
				if !sleepCtx(ctx, pause) {
					return
				}
			}
			select {
			case <-until:
				return
			default:
			}
			if !w.take() {
				return
			}
			body := fmt.Appendf(nil, `{"position":%d,"response":{"choices":[%d]}}`, pos, rnd.IntN(4))
			r.do(ctx, rec, opSave, http.MethodPost, savePath, body, "application/json", t.headers, http.StatusOK)
		}
	}
	if until != nil || !w.take() {
		return
	}
	form := url.Values{"action": {"submit"}, "submit_key": {strconv.FormatUint(rnd.Uint64(), 36)}}.Encode()
	r.do(ctx, rec, opSubmit, http.MethodPost, path, []byte(form), "application/x-www-form-urlencoded", t.headers, http.StatusSeeOther)
}

// quizQuestions is the number of questions of the load-test quiz, read
// from the database (every slot is one fixed question).
func (r *loadRun) quizQuestions(ctx context.Context) (int, error) {
	db, err := store.Open(ctx, r.dbURL, store.Options{MaxOpenConns: 1})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n, err := db.NewSelect().TableExpr("quiz_slots AS qs").Join("JOIN quizzes AS q ON q.id = qs.quiz_id").
		Join("JOIN modules AS m ON m.id = q.module_id").Where("m.code = ?", ltModule).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("questions of %s: %w", ltModule, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("the %s quiz has no questions: run with --prepare", ltModule)
	}
	return int(n), nil
}

// profile fetches a CPU profile of the server during the window.
func (r *loadRun) profile() chan error {
	done := make(chan error, 1)
	secs := r.cfg.profileSecs
	if secs <= 0 {
		secs = int(min(r.cfg.duration, 50*time.Second) / time.Second)
	}
	secs = max(secs, 1)
	go func() {
		req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/admin/debug/pprof/profile?seconds=%d", r.base, secs), nil)
		if err != nil {
			done <- err
			return
		}
		req.Header.Set("Cookie", "kaoping_session="+r.adminCk)
		hc := &http.Client{Timeout: time.Duration(secs+30) * time.Second}
		res, err := hc.Do(req)
		if err != nil {
			done <- err
			return
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			done <- fmt.Errorf("status %d", res.StatusCode)
			return
		}
		f, err := os.Create(r.cfg.cpuProfile)
		if err != nil {
			done <- err
			return
		}
		_, err = io.Copy(f, res.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		done <- err
	}()
	return done
}

// feed posts rating batches at a fixed rate (open loop: a slow server
// does not slow the sender; at most --conns batches are in flight, further
// ticks are counted as missed).
func (r *loadRun) feed(ctx context.Context) error {
	if len(r.takers) == 0 {
		return errors.New("feed: no prepared staff (LT00001…) to rate: run with --prepare or --spawn")
	}
	w := r.newWindow(ctx)
	defer w.close()
	interval := time.Duration(float64(time.Second) / r.cfg.rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	ratedAt := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	sem := make(chan struct{}, r.cfg.conns)
	var mu sync.Mutex
	var recs []*recorder
	var stored, missed atomic.Int64
	var wg sync.WaitGroup
	for n := 0; ; n++ {
		if n > 0 {
			select {
			case <-w.ctx.Done():
			case <-tick.C:
			}
		}
		if w.ctx.Err() != nil || !w.take() {
			break
		}
		select {
		case sem <- struct{}{}:
		default:
			missed.Add(1)
			continue
		}
		in := make([]map[string]any, r.cfg.batchSize)
		for i := range in {
			k := n*r.cfg.batchSize + i
			level := 3 + k%3
			if k%20 == 7 {
				level = 1 + k%2 // 5 % bad ratings, which open cases
			}
			in[i] = map[string]any{"external_id": fmt.Sprintf("lt-feed-%s-%d", run, k), "rated_at": ratedAt, "channel": "窗口",
				"staff_no": r.takers[k%len(r.takers)].StaffNo, "level": level, "comment": "压测评价"}
		}
		body, _ := json.Marshal(map[string]any{"ratings": in})
		rec := &recorder{}
		mu.Lock()
		recs = append(recs, rec)
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			_, data, ok := r.do(w.ctx, rec, opRatings, http.MethodPost, "/api/v1/ratings", body, "application/json",
				func(h http.Header) { h.Set("Authorization", "Bearer "+r.cfg.token) }, http.StatusOK)
			if ok {
				var res struct {
					Imported int `json:"imported"`
				}
				if json.Unmarshal(data, &res) == nil {
					stored.Add(int64(res.Imported))
				}
			}
		}()
	}
	wg.Wait()
	r.finish(w, recs)
	r.report.Feed = &feedReport{Rate: r.cfg.rate, BatchSize: r.cfg.batchSize, RatingsStored: stored.Load(), MissedTicks: missed.Load()}
	if e := r.report.Elapsed; e > 0 {
		r.report.Feed.RatingsPerSecond = float64(stored.Load()) / e
	}
	return nil
}

// mixed runs `kaoping ratings import` of a generated file on the same
// database while the takers save answers; the takers stop when it ends.
func (r *loadRun) mixed(ctx context.Context) error {
	if r.cfg.rounds != 0 {
		r.cfg.rounds = 0 // save until the import ends
		r.report.Rounds = 0
	}
	path := filepath.Join(r.work, "ratings-import.csv")
	t0 := time.Now()
	// The ratings go to every prepared person, not only to this run's
	// takers, so that a report batch of the period covers them all.
	rated, err := r.preparedStaff(ctx)
	if err != nil {
		return err
	}
	if err := writeImportFile(path, r.cfg.importRows, rated, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(r.e.stderr, "loadtest: wrote %d ratings to %s in %s\n", r.cfg.importRows, path, time.Since(t0).Round(time.Millisecond))
	defer os.Remove(path)
	imp := &importReport{Rows: r.cfg.importRows}
	r.report.Import = imp
	until := make(chan struct{})
	importDone := make(chan error, 1)
	go func() {
		defer close(until)
		// Let the ramp begin so that the import meets takers at work.
		time.Sleep(min(r.cfg.ramp/2, 5*time.Second))
		cmd := exec.Command(r.cfg.kaopingBin, "ratings", "import", path, "--json", "--db", r.dbURL, "--log-level", "warn")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		start := time.Now()
		err := cmd.Start()
		if err == nil {
			pid := cmd.Process.Pid
			peak := make(chan float64, 1)
			quit := make(chan struct{})
			go func() { peak <- pollPeakRSS(pid, quit) }()
			err = cmd.Wait()
			close(quit)
			imp.PeakRSSMiB = <-peak
			if ps := cmd.ProcessState; ps != nil {
				if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
					imp.PeakRSSMiB = max(imp.PeakRSSMiB, float64(ru.Maxrss)/1024)
				}
			}
		}
		imp.Seconds = time.Since(start).Seconds()
		if imp.Seconds > 0 {
			imp.RowsPerSecond = float64(r.cfg.importRows) / imp.Seconds
		}
		var res struct {
			Imported   int `json:"imported"`
			Duplicates int `json:"duplicates"`
			Rejected   int `json:"rejected"`
		}
		if jerr := json.Unmarshal(out.Bytes(), &res); jerr == nil {
			imp.Imported, imp.Duplicates, imp.Rejected = res.Imported, res.Duplicates, res.Rejected
		}
		if err != nil {
			err = fmt.Errorf("kaoping ratings import: %w\n%s%s", err, tailOf(out.String(), 1000), tailOf(errb.String(), 2000))
		}
		importDone <- err
	}()
	if err := r.storm(ctx, until); err != nil {
		return err
	}
	select {
	case err := <-importDone:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	if imp.Imported != r.cfg.importRows {
		imp.Note = fmt.Sprintf("the window (--duration %s) closed before the import finished; the import was not waited for", r.cfg.duration)
	}
	return nil
}

// preparedStaff is every prepared person (LT00001…) with an account.
func (r *loadRun) preparedStaff(ctx context.Context) ([]*ltTaker, error) {
	db, err := store.Open(ctx, r.dbURL, store.Options{MaxOpenConns: 1})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var centerID int64
	if err := db.NewSelect().Table("centers").Column("id").OrderExpr("id").Limit(1).Scan(ctx, &centerID); err != nil {
		return nil, err
	}
	return findTakers(ctx, db, centerID, 99999)
}

// pollPeakRSS samples a process's VmHWM until quit is closed and returns
// the last value read (the kernel keeps the peak; sampling keeps it when the
// process ends first).
func pollPeakRSS(pid int, quit <-chan struct{}) float64 {
	if pid <= 0 {
		<-quit
		return 0
	}
	peak := 0.0
	for {
		if hwm, _ := readRSS(pid); hwm > 0 {
			peak = hwm
		}
		select {
		case <-quit:
			return peak
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// writeImportFile writes n valid ratings of the takers, in the previous
// calendar month, as a rating system exports them (Chinese headers, local
// times, channel words, 5 % bad ratings, 5 % default ratings).
func writeImportFile(path string, n int, takers []*ltTaker, now time.Time) error {
	if len(takers) == 0 {
		return errors.New("no prepared staff to rate")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	cw := csv.NewWriter(bw)
	_ = cw.Write([]string{"评价编号", "评价时间", "渠道", "事项编码", "工号", "评价等级", "评价原因", "评价内容", "是否默认评价"})
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local).AddDate(0, -1, 0)
	days := first.AddDate(0, 1, 0).Sub(first).Hours() / 24
	run := strconv.FormatInt(now.UnixNano(), 36)
	channels := []string{"窗口", "一网通办", "12345", "线下窗口", "热线"}
	comments := []string{"", "办事效率高", "工作人员态度很好，一次就办成了", "等候时间有点长", "材料说明清楚"}
	rec := make([]string, 9)
	for i := range n {
		at := first.Add(time.Duration(i%int(days))*24*time.Hour + time.Duration(8*3600+(i*7919)%(9*3600))*time.Second)
		level := 3 + i%3
		def := "否"
		switch {
		case i%20 == 3:
			level = 1 + i%2
		case i%20 == 11:
			def = "是"
		}
		rec[0] = "LTI-" + run + "-" + strconv.Itoa(i)
		rec[1] = at.Format("2006-01-02 15:04:05")
		rec[2] = channels[i%len(channels)]
		rec[3] = ""
		rec[4] = takers[(i*31)%len(takers)].StaffNo
		rec[5] = strconv.Itoa(level)
		rec[6] = ""
		rec[7] = comments[i%len(comments)]
		rec[8] = def
		if err := cw.Write(rec); err != nil {
			f.Close()
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sleepCtx sleeps d or until ctx ends; false if ctx ended.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// ---------------------------------------------------------------------------
// Reference: raw single-row commits

// refReport is the reference measured in the same run.
type refReport struct {
	Kind      string  `json:"kind"`
	Prepared  bool    `json:"prepared"`
	Workers   int     `json:"workers"`
	Commits   int     `json:"commits"`
	Seconds   float64 `json:"seconds"`
	CPUSecs   float64 `json:"cpu_s"` // CPU time of this process while it ran
	PerSecond float64 `json:"per_s"`
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
}

// rawCommits measures single-row INSERT commits from workers goroutines for
// d: on SQLite a fresh file in dir opened exactly as the application opens
// its database (store.Open: WAL, synchronous=NORMAL, busy timeout, the same
// pool); on PostgreSQL a scratch table in the same database.
func rawCommits(ctx context.Context, dbURL, dir string, workers int, d time.Duration, prepared bool) (*refReport, error) {
	ref := &refReport{Workers: workers, Prepared: prepared}
	var db *bun.DB
	var err error
	table := "loadtest_raw_commits"
	if store.IsPostgres(dbURL) {
		ref.Kind = "raw single-row INSERT commits, PostgreSQL (scratch table in the same database)"
		if db, err = store.Open(ctx, dbURL, store.Options{}); err != nil {
			return nil, err
		}
		defer db.Close()
		table = fmt.Sprintf("loadtest_raw_commits_%d", os.Getpid())
		if _, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (id bigserial PRIMARY KEY, attempt_id bigint NOT NULL, position int NOT NULL, response text NOT NULL, saved_at timestamptz NOT NULL)"); err != nil {
			return nil, err
		}
		defer db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE "+table) //nolint:errcheck // best effort
	} else {
		ref.Kind = "raw single-row INSERT commits, SQLite (fresh file, the application's DSN and pool)"
		tmp, err := os.MkdirTemp(dir, "raw-commits-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		if db, err = store.Open(ctx, filepath.Join(tmp, "raw.db"), store.Options{}); err != nil {
			return nil, err
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (id INTEGER PRIMARY KEY, attempt_id INTEGER NOT NULL, position INTEGER NOT NULL, response TEXT NOT NULL, saved_at TEXT NOT NULL)"); err != nil {
			return nil, err
		}
	}
	// Exec with arguments on the bare database/sql pool (the driver parses
	// the statement every time), or one prepared statement (database/sql
	// prepares it once per pooled connection): nothing but the commit of
	// one row per call.
	q := "INSERT INTO " + table + " (attempt_id, position, response, saved_at) VALUES (?, ?, ?, ?)"
	if store.IsPostgres(dbURL) {
		q = "INSERT INTO " + table + " (attempt_id, position, response, saved_at) VALUES ($1, $2, $3, $4)"
	}
	exec := func(ctx context.Context, args ...any) (sql.Result, error) { return db.DB.ExecContext(ctx, q, args...) }
	if prepared {
		stmt, err := db.DB.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer stmt.Close()
		exec = stmt.ExecContext
		ref.Kind += ", prepared statement"
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	lat := make([][]time.Duration, workers)
	errs := make(chan error, workers)
	start, cpu0 := time.Now(), selfCPU()
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				t0 := time.Now()
				_, err := exec(context.WithoutCancel(ctx), i, n%20+1, `{"choices":[2]}`, t0.UTC().Format(time.RFC3339Nano))
				if err != nil {
					errs <- err
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	ref.Seconds = time.Since(start).Seconds()
	ref.CPUSecs = (selfCPU() - cpu0).Seconds()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	ref.Commits = len(all)
	ref.PerSecond = float64(len(all)) / ref.Seconds
	ref.P50, ref.P99 = pctMS(all, 0.50), pctMS(all, 0.99)
	return ref, nil
}

// ---------------------------------------------------------------------------
// Statistics and report

type sample struct {
	op    uint8
	start time.Time
	d     time.Duration
}

// recorder holds one goroutine's samples; merged when the window ends.
type recorder struct {
	samples   []sample
	failed    []sample
	errs      []string
	cancelled int
}

func (rec *recorder) ok(op int, t0 time.Time, d time.Duration) {
	rec.samples = append(rec.samples, sample{uint8(op), t0, d})
}

func (rec *recorder) fail(op int, t0 time.Time, d time.Duration, msg string) {
	rec.failed = append(rec.failed, sample{uint8(op), t0, d})
	if len(rec.errs) < 5 {
		rec.errs = append(rec.errs, msg)
	}
}

func (rec *recorder) merge(o *recorder) {
	rec.samples = append(rec.samples, o.samples...)
	rec.failed = append(rec.failed, o.failed...)
	rec.errs = append(rec.errs, o.errs...)
	rec.cancelled += o.cancelled
}

// opStats summarizes one kind of request. Latencies are of the successful
// requests; the rate is over the time from the first to the last of them.
type opStats struct {
	Count     int     `json:"count"`
	Errors    int     `json:"errors"`
	PerSecond float64 `json:"per_s"`
	Mean      float64 `json:"mean_ms"`
	P50       float64 `json:"p50_ms"`
	P95       float64 `json:"p95_ms"`
	P99       float64 `json:"p99_ms"`
	Max       float64 `json:"max_ms"`
}

func (rec *recorder) stats(op int) opStats {
	var ds []time.Duration
	var first, last time.Time
	st := opStats{}
	for _, s := range rec.samples {
		if op >= 0 && int(s.op) != op {
			continue
		}
		ds = append(ds, s.d)
		if first.IsZero() || s.start.Before(first) {
			first = s.start
		}
		if end := s.start.Add(s.d); end.After(last) {
			last = end
		}
	}
	for _, s := range rec.failed {
		if op < 0 || int(s.op) == op {
			st.Errors++
		}
	}
	st.Count = len(ds)
	if len(ds) == 0 {
		return st
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	st.Mean = ms(sum / time.Duration(len(ds)))
	st.P50, st.P95, st.P99 = pctMS(ds, 0.50), pctMS(ds, 0.95), pctMS(ds, 0.99)
	st.Max = ms(ds[len(ds)-1])
	if span := last.Sub(first).Seconds(); span > 0 {
		st.PerSecond = float64(len(ds)) / span
	}
	return st
}

// pctMS is the nearest-rank percentile of sorted durations, in ms.
func pctMS(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return ms(sorted[min(max(i, 0), len(sorted)-1)])
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

// finish closes the window and fills the report from the recorders.
func (r *loadRun) finish(w *window, recs []*recorder) {
	elapsed := time.Since(w.started)
	stopped := "completed"
	switch {
	case w.ctx.Err() != nil && errors.Is(context.Cause(w.ctx), errDuration):
		stopped = "duration"
	case w.budget.Load() < 0:
		stopped = "max-requests"
	}
	all := &recorder{}
	for _, rec := range recs {
		all.merge(rec)
	}
	rep := r.report
	rep.Stopped = stopped
	rep.Elapsed = elapsed.Seconds()
	close(w.rssQuit)
	rep.ServerPeakRSSMiB = <-w.rssPeak
	if r.pid > 0 {
		if cpu := procCPU(r.pid); cpu > 0 {
			rep.ServerCPUSeconds = (cpu - w.serverCPU).Seconds()
		}
	}
	if r.server != nil && r.server.exited.Load() {
		rep.ServerExit = r.server.exitText()
	}
	rep.ClientCPUSeconds = (selfCPU() - w.clientCPU).Seconds()
	rep.Requests = int64(len(all.samples) + len(all.failed))
	rep.Errors = int64(len(all.failed))
	rep.Cancelled = int64(all.cancelled)
	seen := map[string]bool{}
	for _, e := range all.errs {
		if !seen[e] && len(rep.ErrorSamples) < 10 {
			seen[e] = true
			rep.ErrorSamples = append(rep.ErrorSamples, e)
		}
	}
	rep.Ops = map[string]*opStats{}
	for op := opStart; op < opCount; op++ {
		if st := all.stats(op); st.Count+st.Errors > 0 {
			rep.Ops[opNames[op]] = &st
		}
	}
	lat := all.stats(-1)
	rep.Latency = lat
	if elapsed > 0 {
		rep.RequestsPerSecond = float64(rep.Requests) / elapsed.Seconds()
	}
}

// loadReport is what a run measured; its JSON is what the benchmark book
// reads.
type loadReport struct {
	Scenario          string              `json:"scenario"`
	Started           time.Time           `json:"started"`
	Target            string              `json:"target"`
	Engine            string              `json:"engine"`
	Spawned           bool                `json:"spawned"`
	Login             string              `json:"login"`
	Takers            int                 `json:"takers"`
	Questions         int                 `json:"questions"`
	Ramp              string              `json:"ramp"`
	Think             string              `json:"think"`
	Duration          string              `json:"duration"`
	Rounds            int                 `json:"rounds"`
	MaxRequests       int64               `json:"max_requests"`
	PrepareSeconds    float64             `json:"prepare_s"`
	LoginSeconds      float64             `json:"login_s,omitempty"`
	LoginOp           *opStats            `json:"login_op,omitempty"`
	Stopped           string              `json:"stopped"`
	Elapsed           float64             `json:"elapsed_s"`
	Requests          int64               `json:"requests"`
	Errors            int64               `json:"errors"`
	Cancelled         int64               `json:"cancelled"`
	ErrorSamples      []string            `json:"error_samples,omitempty"`
	RequestsPerSecond float64             `json:"requests_per_s"`
	Latency           opStats             `json:"latency"`
	Ops               map[string]*opStats `json:"ops"`
	ServerPID         int                 `json:"server_pid,omitempty"`
	ServerCPUSeconds  float64             `json:"server_cpu_s,omitempty"` // CPU time the server used in the window
	ClientCPUSeconds  float64             `json:"client_cpu_s"`           // CPU time this process used in the window
	ServerPeakRSSMiB  float64             `json:"server_peak_rss_mib,omitempty"`
	ServerRSSMiB      float64             `json:"server_rss_mib,omitempty"`
	ServerExit        string              `json:"server_exit,omitempty"` // set when a spawned server ended during the run
	Reference         *refReport          `json:"reference,omitempty"`
	Ratio             float64             `json:"ratio,omitempty"`
	ReferencePrepared *refReport          `json:"reference_prepared,omitempty"`
	RatioPrepared     float64             `json:"ratio_prepared,omitempty"`
	Import            *importReport       `json:"import,omitempty"`
	Feed              *feedReport         `json:"feed,omitempty"`
	Machine           machineInfo         `json:"machine"`
}

type importReport struct {
	Rows          int     `json:"rows"`
	Imported      int     `json:"imported"`
	Duplicates    int     `json:"duplicates"`
	Rejected      int     `json:"rejected"`
	Seconds       float64 `json:"seconds"`
	RowsPerSecond float64 `json:"rows_per_s"`
	PeakRSSMiB    float64 `json:"peak_rss_mib"`
	Note          string  `json:"note,omitempty"`
}

type feedReport struct {
	Rate             float64 `json:"rate"`
	BatchSize        int     `json:"batch_size"`
	RatingsStored    int64   `json:"ratings_stored"`
	RatingsPerSecond float64 `json:"ratings_per_s"`
	MissedTicks      int64   `json:"missed_ticks"`
}

func (rep *loadReport) print(w io.Writer) {
	fmt.Fprintf(w, "loadtest %s on %s (%s%s): %s\n", rep.Scenario, rep.Target, rep.Engine, map[bool]string{true: ", spawned", false: ""}[rep.Spawned], rep.Machine)
	if rep.Takers > 0 {
		fmt.Fprintf(w, "  %d takers, %d questions, ramp %s, think %s, rounds %d, login %s (prepare %.1f s", rep.Takers, rep.Questions, rep.Ramp, rep.Think, rep.Rounds, rep.Login, rep.PrepareSeconds)
		if rep.LoginSeconds > 0 {
			fmt.Fprintf(w, ", logins %.1f s", rep.LoginSeconds)
		}
		fmt.Fprintln(w, ")")
	}
	fmt.Fprintf(w, "  window %.1f s (%s): %d requests, %.0f/s, %d errors, %d cut off at the end\n", rep.Elapsed, rep.Stopped, rep.Requests, rep.RequestsPerSecond, rep.Errors, rep.Cancelled)
	fmt.Fprintf(w, "  %-8s %9s %7s %9s %9s %9s %9s %9s\n", "op", "count", "errors", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms")
	row := func(name string, s *opStats) {
		fmt.Fprintf(w, "  %-8s %9d %7d %9.1f %9.1f %9.1f %9.1f %9.1f\n", name, s.Count, s.Errors, s.PerSecond, s.P50, s.P95, s.P99, s.Max)
	}
	for _, name := range opNames {
		if s := rep.Ops[name]; s != nil {
			row(name, s)
		}
	}
	row("all", &rep.Latency)
	if rep.LoginOp != nil {
		row("(login)", rep.LoginOp)
	}
	for _, e := range rep.ErrorSamples {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	if rep.ServerExit != "" {
		fmt.Fprintf(w, "  SERVER ENDED: %s\n", rep.ServerExit)
	}
	if rep.ServerPeakRSSMiB > 0 {
		fmt.Fprintf(w, "  server pid %d: peak RSS (VmHWM) %.1f MiB, now %.1f MiB\n", rep.ServerPID, rep.ServerPeakRSSMiB, rep.ServerRSSMiB)
	}
	if rep.Elapsed > 0 {
		fmt.Fprintf(w, "  CPU in the window: server %.1f s (%.2f cores), load tool %.1f s (%.2f cores); load average %s → %s\n",
			rep.ServerCPUSeconds, rep.ServerCPUSeconds/rep.Elapsed, rep.ClientCPUSeconds, rep.ClientCPUSeconds/rep.Elapsed, rep.Machine.LoadBefore, rep.Machine.LoadAfter)
	}
	if f := rep.Feed; f != nil {
		fmt.Fprintf(w, "  feed: %d ratings stored, %.0f ratings/s, %d ticks missed (every connection busy)\n", f.RatingsStored, f.RatingsPerSecond, f.MissedTicks)
	}
	if im := rep.Import; im != nil {
		fmt.Fprintf(w, "  import: %d of %d rows in %.1f s = %.0f rows/s, peak RSS %.1f MiB\n", im.Imported, im.Rows, im.Seconds, im.RowsPerSecond, im.PeakRSSMiB)
		if im.Note != "" {
			fmt.Fprintf(w, "  import: %s\n", im.Note)
		}
	}
	for _, x := range []struct {
		ref   *refReport
		ratio float64
	}{{rep.Reference, rep.Ratio}, {rep.ReferencePrepared, rep.RatioPrepared}} {
		if x.ref != nil {
			fmt.Fprintf(w, "  reference: %s, %d workers: %.0f commits/s (p99 %.1f ms); saves/s ÷ commits/s = %.2f\n", x.ref.Kind, x.ref.Workers, x.ref.PerSecond, x.ref.P99, x.ratio)
		}
	}
}

// machineInfo names the machine a figure was measured on.
type machineInfo struct {
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	Go         string `json:"go"`
	OS         string `json:"os"`
	Kernel     string `json:"kernel,omitempty"`
	LoadBefore string `json:"load_before,omitempty"`
	LoadAfter  string `json:"load_after,omitempty"`
}

func (m machineInfo) String() string {
	return fmt.Sprintf("%s, %d cores, %s %s", m.CPU, m.Cores, m.Go, m.OS)
}

func readMachine() machineInfo {
	m := machineInfo{CPU: "unknown CPU", Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, LoadBefore: readLoadAvg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// readLoadAvg is the 1, 5 and 15 minute load average.
func readLoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// selfCPU is the CPU time (user + system) this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the CPU time (user + system) of process pid, from
// /proc/PID/stat in clock ticks of 1/100 s (USER_HZ on Linux); 0 if unknown.
func procCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; fields count from its ")".
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// readRSS returns a process's peak (VmHWM) and current (VmRSS) resident
// set in MiB, 0 when unknown.
func readRSS(pid int) (peak, now float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		kb, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmHWM":
			peak = kb / 1024
		case "VmRSS":
			now = kb / 1024
		}
	}
	return peak, now
}
