// Package app is the Kaoping web application: configuration, the Fiber
// server, middleware, handlers and templates. Domain logic lives in the
// sub-packages (staff, auth, audit, store) and in the top-level engines
// (rbac, quizzes, reports); handlers stay thin.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/scores"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/app/web"
	"github.com/kaoping/kaoping/app/workdays"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
	"github.com/kaoping/kaoping/rbac"
	"github.com/kaoping/kaoping/reports"
)

// Config is what the server needs beyond its database.
type Config struct {
	// SecureCookies marks cookies Secure; turn on behind HTTPS.
	SecureCookies bool
	// TrustProxy takes the client address from X-Forwarded-For (only behind a
	// reverse proxy you control).
	TrustProxy bool
	// Auth holds session timeouts, login throttle thresholds and hashing cost.
	Auth auth.Config
	// PolicyRefresh is how often casbin policy edits made elsewhere (the CLI,
	// another instance) are picked up. Edits made through this server are
	// visible to the next request regardless.
	PolicyRefresh time.Duration
	// BodyLimit bounds request bodies (uploads included), in bytes.
	BodyLimit int
	// FontPath is the CJK TrueType font of the PDF reports; "" searches
	// data/fonts and the system fonts (reports.FindFont).
	FontPath string
	// PersonalRetention is how long citizen personal data (phone, ID number)
	// on ratings is kept; the daily run purges older data, the ratings stay.
	// 0 keeps it forever.
	PersonalRetention time.Duration
	// RequestTimeout bounds the work of one request: past it the request's
	// context ends, its database calls stop and it fails with 503. 0: no
	// bound.
	RequestTimeout time.Duration
}

// DefaultConfig returns production defaults.
func DefaultConfig() Config {
	return Config{
		Auth:          auth.DefaultConfig(),
		PolicyRefresh: time.Second,
		BodyLimit:     64 << 20,
		// 180 days: long enough for appeals and the return visit of a
		// bad-rating case, short enough to hold little personal data.
		PersonalRetention: 180 * 24 * time.Hour,
		RequestTimeout:    30 * time.Second,
	}
}

// App is one Kaoping server instance.
type App struct {
	cfg      Config
	db       *bun.DB
	log      *slog.Logger
	now      func() time.Time
	fiber    *fiber.App
	msgs     web.Catalog
	auth     *auth.Service
	authz    *rbac.Authorizer
	staff    *staff.Service
	training *training.Service
	ratings  *ratings.Service
	workdays *workdays.Store
	quizzes  *quizstore.Store
	scores   *scores.Service
	followup *followup.Service
	renderer *reports.Renderer
	fontErr  error // why reports cannot be rendered; nil when renderer is set
	jobKick  chan struct{}
	audit    *audit.Log
	metrics  *metrics
	markdown *training.Markdown // lessons and question texts
	stopBg   context.CancelFunc
	bgDone   chan struct{}
	started  time.Time
}

// New builds the application over a migrated database. now is the clock
// (time.Now in production). Call Close when done.
func New(ctx context.Context, db *bun.DB, cfg Config, logger *slog.Logger, now func() time.Time) (*App, error) {
	if now == nil {
		now = time.Now
	}
	msgs, err := web.LoadCatalog()
	if err != nil {
		return nil, err
	}
	authz, err := rbac.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("app: load policies: %w", err)
	}
	a := &App{
		cfg:      cfg,
		db:       db,
		log:      logger,
		now:      now,
		msgs:     msgs,
		auth:     auth.NewService(db, cfg.Auth, now),
		authz:    authz,
		staff:    staff.NewService(db, now),
		audit:    audit.New(db, now),
		started:  now(),
		jobKick:  make(chan struct{}, 1),
		markdown: training.NewMarkdown(),
	}
	// A passed quiz may complete an enrolment; the enrolment asks the quiz
	// whether it was passed. The two services meet only through these hooks.
	a.quizzes = quizstore.New(db, now, quizstore.Options{OnPassed: func(ctx context.Context, enrolmentID int64) error {
		_, err := a.training.QuizPassed(ctx, enrolmentID)
		return err
	}})
	a.workdays = workdays.NewStore(db)
	a.scores = scores.New(db, now, a.staff, a.quizzes, a.audit)
	a.renderer, a.fontErr = loadRenderer(cfg.FontPath)
	a.followup = followup.New(db, now, a.staff, a.workdays, a.audit, followup.DefaultRules())
	a.ratings = ratings.NewService(db, a.staff, now, ratings.Options{OnBad: a.onBadRatings})
	a.training = training.NewService(db, a.staff, training.Options{Now: now, RoleMembers: a.roleMembers, Quiz: a.quizzes.Gate()})

	engine := html.NewFileSystem(http.FS(web.Templates()), ".html")
	engine.AddFuncMap(templateFuncs())
	engine.AddFuncMap(quizFuncs(a.markdown))
	engine.AddFuncMap(scoreFuncs())
	if err := engine.Load(); err != nil {
		return nil, fmt.Errorf("app: templates: %w", err)
	}
	a.fiber = fiber.New(fiber.Config{
		AppName:               "kaoping",
		Views:                 engine,
		ViewsLayout:           "layouts/main",
		ErrorHandler:          a.handleError,
		BodyLimit:             cfg.BodyLimit,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           120 * time.Second,
		ReduceMemoryUsage:     true,
		ProxyHeader:           proxyHeader(cfg.TrustProxy),
	})
	a.routes()
	a.metrics = newMetrics(db, a.fiber) // after routes: it reads the route stacks

	return a, nil
}

// StartBackground starts the server's periodic work: picking up policy
// edits made elsewhere (LISTEN/NOTIFY on PostgreSQL, and the revision poll),
// the scheduled tasks (scheduler.go) and the job runner for uploads and
// batch reports. `serve` starts it; CLI commands and tests drive the same
// work explicitly instead. Close stops it.
func (a *App) StartBackground(ctx context.Context) {
	if a.stopBg != nil {
		return
	}
	bgCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.stopBg, a.bgDone = cancel, make(chan struct{})
	// On PostgreSQL, policy changes reach the other instances at once
	// through LISTEN/NOTIFY; the poll stays on for SQLite, for edits by the
	// CLI and for notifications lost while the listener reconnected. The
	// listener is up before StartBackground returns, so no change made once
	// the server serves goes unheard.
	w, err := rbac.NewWatcher(bgCtx, a.db, rbac.PolicyChannel)
	switch {
	case err == nil:
		_ = a.authz.SetWatcher(w, func(err error) {
			a.log.Warn("policy watcher", slog.Any("err", err))
		})
	case errors.Is(err, rbac.ErrNotPostgres):
	default:
		a.log.Warn("policy watcher unavailable; policy edits of other instances arrive with the poll only", slog.Any("err", err))
	}
	go a.background(bgCtx, w)
}

func proxyHeader(trust bool) string {
	if trust {
		return fiber.HeaderXForwardedFor
	}
	return ""
}

// background runs the periodic work until ctx ends, then waits for all of
// it to stop and closes the policy watcher w (nil: none); it stops with
// Close.
func (a *App) background(ctx context.Context, w *rbac.Watcher) {
	defer close(a.bgDone)
	if w != nil {
		defer func() {
			_ = a.authz.SetWatcher(nil, nil)
			w.Close()
		}()
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	refresh := a.cfg.PolicyRefresh
	if refresh <= 0 {
		refresh = time.Second
	}
	wg.Go(func() {
		a.authz.Watch(ctx, refresh, func(err error) {
			a.log.Warn("policy refresh failed", slog.Any("err", err))
		})
	})
	wg.Go(func() { a.schedule(ctx, attemptsEvery, a.attemptTasks()) })
	wg.Go(func() { a.reportJobLoop(ctx) })
	a.schedule(ctx, dailyEvery, a.dailyTasks())
}

// reportJobLoop runs uploaded rating imports and batch report jobs when one
// is started here, and polls for those started on other instances.
func (a *App) reportJobLoop(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		a.runImportJobs(ctx)
		a.runReportJobs(ctx)
		select {
		case <-ctx.Done():
			return
		case <-a.jobKick:
		case <-t.C:
		}
	}
}

// RunReportJobs runs the pending batch report jobs now (CLI, tests).
func (a *App) RunReportJobs(ctx context.Context) { a.runReportJobs(ctx) }

// RunImportJobs imports the pending uploaded rating files now (tests).
func (a *App) RunImportJobs(ctx context.Context) { a.runImportJobs(ctx) }

// roleMembers lists the staff whose accounts hold role anywhere in the
// center (role assignments of training modules).
func (a *App) roleMembers(ctx context.Context, centerID int64, role string) ([]int64, error) {
	return followup.RoleHolders(ctx, a.db, centerID, role)
}

// Fiber exposes the Fiber app, for tests (app.Test) and listeners.
func (a *App) Fiber() *fiber.App { return a.fiber }

// Authorizer exposes the policy engine (CLI and tests).
func (a *App) Authorizer() *rbac.Authorizer { return a.authz }

// Serve accepts connections on ln until Shutdown. Temporary accept
// failures (out of file descriptors under a crowd of connections) are
// retried with back-off instead of ending the server.
func (a *App) Serve(ln net.Listener) error {
	err := a.fiber.Listener(newRetryListener(ln, a.log, nil))
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests, waits for those in flight (up to ctx's
// deadline) and stops background work.
func (a *App) Shutdown(ctx context.Context) error {
	err := a.fiber.ShutdownWithContext(ctx)
	a.Close()
	return err
}

// Close stops background work. It does not close the database.
func (a *App) Close() {
	if a.stopBg != nil {
		a.stopBg()
		<-a.bgDone
		a.stopBg = nil
	}
}
