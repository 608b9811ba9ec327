package app

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/ratings"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
)

// routeUnmatched is the route label of a request that reached no route of
// its own: the catch-all 404, or a refusal by the global middleware (a
// malformed Authorization header) before routing.
const routeUnmatched = "unmatched"

// metrics is the Prometheus instrumentation of one App. It has its own
// registry, never the global default one, so two Apps in one process (the
// tests) count separately.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	ratings  *prometheus.CounterVec
	// routeLabels maps every registered route to its label: its pattern,
	// or routeUnmatched for the global middleware and the catch-all 404
	// (the first and last route of every method's stack): a request whose
	// deepest route is one of those matched no route pattern.
	routeLabels map[*fiber.Route]string

	attemptsDesc, reportJobsDesc, importRunsDesc, dbOKDesc *prometheus.Desc
}

// newMetrics registers the process, Go runtime, database pool and request
// metrics. It reads f's route stacks, so it runs after routes().
func newMetrics(db *bun.DB, f *fiber.App) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kaoping_http_requests_total",
			Help: "HTTP requests handled, by method, route pattern and status class (2xx, 3xx, 4xx, 5xx).",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kaoping_http_request_duration_seconds",
			Help:    "Time to handle an HTTP request, by method and route pattern (the error page is not included).",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		ratings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kaoping_ratings_ingested_total",
			Help: "Citizen ratings stored by this process (duplicates not counted), by source: api (the feed) or file (an import).",
		}, []string{"source"}),
		routeLabels: map[*fiber.Route]string{},
		attemptsDesc: prometheus.NewDesc("kaoping_quiz_attempts_in_progress",
			"Quiz attempts in progress (database-wide, counted at scrape).", nil, nil),
		reportJobsDesc: prometheus.NewDesc("kaoping_report_jobs",
			"Batch report jobs not yet finished, by status (database-wide, counted at scrape).", []string{"status"}, nil),
		importRunsDesc: prometheus.NewDesc("kaoping_import_runs",
			"Rating file imports not yet finished, by status (database-wide, counted at scrape).", []string{"status"}, nil),
		dbOKDesc: prometheus.NewDesc("kaoping_metrics_db_query_success",
			"1 if this scrape could count attempts and jobs in the database, 0 if not (those series are then missing).", nil, nil),
	}
	for _, source := range []string{"api", "file"} {
		m.ratings.WithLabelValues(source) // export 0 before the first rating
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		// go_sql_*: open, in use, idle, wait count and duration, read from
		// db.Stats() at every scrape.
		collectors.NewDBStatsCollector(db.DB, "kaoping"),
		m.requests, m.duration, m.ratings,
	)
	for _, stack := range f.Stack() {
		for i, r := range stack {
			if i == 0 || i == len(stack)-1 {
				m.routeLabels[r] = routeUnmatched
			} else {
				m.routeLabels[r] = r.Path
			}
		}
	}
	return m
}

// observe records one handled request. The route label is the pattern
// (/staff/:id), never the path, so the number of series stays bounded.
// Labels must not alias Fiber's request buffers (the registry keeps them),
// hence the label strings from registration and constant method names.
func (m *metrics) observe(c *fiber.Ctx, status int, took time.Duration) {
	route, ok := m.routeLabels[c.Route()]
	if !ok {
		route = routeUnmatched
	}
	method := methodLabel(c.Method())
	m.requests.WithLabelValues(method, route, strconv.Itoa(status/100)+"xx").Inc()
	m.duration.WithLabelValues(method, route).Observe(took.Seconds())
}

// methodLabel returns the constant spelling of method.
func methodLabel(method string) string {
	for _, m := range []string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut,
		fiber.MethodPatch, fiber.MethodDelete, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace} {
		if method == m {
			return m
		}
	}
	return "other"
}

// ratingsStored counts n newly stored ratings from source ("api", "file").
func (m *metrics) ratingsStored(source string, n int) {
	if n > 0 {
		m.ratings.WithLabelValues(source).Add(float64(n))
	}
}

// metricsPage serves /metrics in the Prometheus text format. The counts
// that live in the database are read now, within a short timeout: when the
// pool is exhausted those are missing, but the pool metrics still arrive.
func (a *App) metricsPage(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	counts, err := a.metrics.count(ctx, a.db)
	if err != nil {
		a.requestLog(c).Warn("metrics: count attempts and jobs", slog.Any("err", err))
	}
	perScrape := prometheus.NewRegistry()
	if err := perScrape.Register(counts); err != nil {
		return err
	}
	h := promhttp.HandlerFor(prometheus.Gatherers{a.metrics.reg, perScrape}, promhttp.HandlerOpts{})
	return adaptor.HTTPHandler(h)(c)
}

// dbCounts are the gauges read from the database at one scrape.
type dbCounts struct {
	m          *metrics
	ok         bool
	attempts   int64
	reportJobs map[string]int64
	importRuns map[string]int64
}

// count reads the database-wide gauges: every instance reports the same
// numbers, so aggregate them with max(), not sum().
func (m *metrics) count(ctx context.Context, db *bun.DB) (*dbCounts, error) {
	d := &dbCounts{
		m:          m,
		reportJobs: map[string]int64{"pending": 0, "running": 0},
		importRuns: map[string]int64{ratings.RunPending: 0, ratings.RunValidating: 0, ratings.RunImporting: 0},
	}
	n, err := db.NewSelect().Table("attempts").Where("state = ?", quizstore.StateInProgress).Count(ctx)
	if err != nil {
		return d, fmt.Errorf("app: count attempts: %w", err)
	}
	d.attempts = int64(n)
	if err := countByStatus(ctx, db, "report_jobs", d.reportJobs); err != nil {
		return d, err
	}
	if err := countByStatus(ctx, db, "import_runs", d.importRuns); err != nil {
		return d, err
	}
	d.ok = true
	return d, nil
}

// countByStatus fills counts (whose keys are the statuses wanted) from
// table's status column.
func countByStatus(ctx context.Context, db *bun.DB, table string, counts map[string]int64) error {
	statuses := make([]string, 0, len(counts))
	for s := range counts {
		statuses = append(statuses, s)
	}
	var rows []struct {
		Status string `bun:"status"`
		N      int64  `bun:"n"`
	}
	err := db.NewRaw("SELECT status, COUNT(*) AS n FROM ? WHERE status IN (?) GROUP BY status",
		bun.Ident(table), bun.List(statuses)).Scan(ctx, &rows)
	if err != nil {
		return fmt.Errorf("app: count %s: %w", table, err)
	}
	for _, r := range rows {
		counts[r.Status] = r.N
	}
	return nil
}

// Describe implements prometheus.Collector.
func (d *dbCounts) Describe(ch chan<- *prometheus.Desc) {
	ch <- d.m.attemptsDesc
	ch <- d.m.reportJobsDesc
	ch <- d.m.importRunsDesc
	ch <- d.m.dbOKDesc
}

// Collect implements prometheus.Collector.
func (d *dbCounts) Collect(ch chan<- prometheus.Metric) {
	if !d.ok {
		ch <- prometheus.MustNewConstMetric(d.m.dbOKDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(d.m.dbOKDesc, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(d.m.attemptsDesc, prometheus.GaugeValue, float64(d.attempts))
	for s, n := range d.reportJobs {
		ch <- prometheus.MustNewConstMetric(d.m.reportJobsDesc, prometheus.GaugeValue, float64(n), s)
	}
	for s, n := range d.importRuns {
		ch <- prometheus.MustNewConstMetric(d.m.importRunsDesc, prometheus.GaugeValue, float64(n), s)
	}
}
