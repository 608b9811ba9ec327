package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Scheduled work — reminders and the rest of the training run, the closed
// loop, escalation of overdue bad-rating cases, the purges, finalizing
// overdue quiz attempts — belongs to the deployment, not to an instance:
// with several instances on one PostgreSQL database each task runs once
// per period, not once per instance.
//
// Two things see to it. An advisory lock keeps two instances from running
// a task at the same time (runExclusive). And scheduled_runs remembers
// when the task last started, so an instance that ticks after another
// finished finds the task already done for this period (a period is a
// wall-clock slot of the task's interval: 10:00–10:10, 10:10–10:20, …).

// The intervals of the scheduled tasks.
const (
	dailyEvery    = 10 * time.Minute // the training run and the other housekeeping
	attemptsEvery = 15 * time.Second // finalizing overdue quiz attempts
)

// incompleteFileAge is how old an incomplete stored file (its writer died)
// must be before the purge deletes it; no upload or batch takes that long.
const incompleteFileAge = 24 * time.Hour

// scheduledTask is periodic work of the deployment.
type scheduledTask struct {
	name  string        // the lock and scheduled_runs key, e.g. "training.run_daily"
	every time.Duration // at most one run per slot of this length
	run   func(ctx context.Context) error
}

type scheduledRun struct {
	bun.BaseModel `bun:"table:scheduled_runs,alias:sr"`
	Name          string `bun:",pk"`
	StartedAt     time.Time
}

// dailyTasks is the housekeeping run every dailyEvery.
func (a *App) dailyTasks() []scheduledTask {
	return []scheduledTask{
		{"training.run_daily", dailyEvery, func(ctx context.Context) error {
			// Late joiners of group assignments, expiry-window enrolments and
			// reminders (unique keys: each reminder is sent once anyway).
			return a.eachCenter(ctx, func(ctx context.Context, id int64) error {
				_, err := a.training.RunDaily(ctx, id)
				return err
			})
		}},
		{"ratings.closed_loop", dailyEvery, func(ctx context.Context) error {
			return a.eachCenter(ctx, func(ctx context.Context, id int64) error {
				ts, err := a.RunLoop(ctx, id)
				if len(ts) > 0 {
					a.log.Info("closed loop decisions", slog.Int64("center_id", id), slog.Int("count", len(ts)))
				}
				return err
			})
		}},
		{"followup.escalate", dailyEvery, func(ctx context.Context) error {
			return a.eachCenter(ctx, func(ctx context.Context, id int64) error {
				cs, err := a.followup.Escalate(ctx, id)
				if len(cs) > 0 {
					a.log.Info("escalated overdue bad-rating cases to HR", slog.Int64("center_id", id), slog.Int("cases", len(cs)))
				}
				return err
			})
		}},
		{"ratings.purge_personal", dailyEvery, func(ctx context.Context) error {
			a.purgeExpiredPersonal(ctx) // logs its own failure
			return nil
		}},
		{"sessions.purge", dailyEvery, func(ctx context.Context) error {
			n, err := a.auth.PurgeExpiredSessions(ctx)
			if n > 0 {
				a.log.Info("purged expired sessions", slog.Int("count", n))
			}
			return err
		}},
		{"files.purge_incomplete", dailyEvery, func(ctx context.Context) error {
			n, err := a.files().purgeIncomplete(ctx, a.now().Add(-incompleteFileAge))
			if n > 0 {
				a.log.Info("purged incomplete stored files", slog.Int("count", n))
			}
			return err
		}},
	}
}

// attemptTasks is the work run every attemptsEvery.
func (a *App) attemptTasks() []scheduledTask {
	return []scheduledTask{
		{"jobs.requeue_stale", attemptsEvery, a.requeueStaleJobs},
		{"quizzes.finalize_overdue", attemptsEvery, func(ctx context.Context) error {
			// Closes attempts whose time is up even when the browser never
			// comes back (per the quiz's overdue handling).
			n, err := a.quizzes.FinalizeOverdue(ctx, a.now())
			if n > 0 {
				a.log.Info("finalized overdue attempts", slog.Int("count", n))
			}
			return err
		}},
	}
}

// eachCenter runs fn for every center; a center's failure does not keep
// the others from their turn. The error joins the centers' errors.
func (a *App) eachCenter(ctx context.Context, fn func(ctx context.Context, centerID int64) error) error {
	ids, err := a.staff.CenterIDs(ctx)
	if err != nil {
		return fmt.Errorf("list centers: %w", err)
	}
	var errs []error
	for _, id := range ids {
		if err := fn(ctx, id); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, fmt.Errorf("center %d: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// RunScheduled runs every scheduled task that is due now, as each
// instance's scheduler does on its ticks, and returns the names of the
// tasks this call ran: a task another instance is running, or already ran
// in the current period, is skipped. Failures are logged.
func (a *App) RunScheduled(ctx context.Context) []string {
	return a.runTasks(ctx, append(a.dailyTasks(), a.attemptTasks()...))
}

// runTasks runs the due tasks of ts in order and returns the names of
// those it ran.
func (a *App) runTasks(ctx context.Context, ts []scheduledTask) []string {
	var ran []string
	for _, t := range ts {
		if ctx.Err() != nil {
			break
		}
		ok, err := a.runTask(ctx, t)
		if ok {
			ran = append(ran, t.name)
		}
		if err != nil && ctx.Err() == nil {
			a.log.Warn("scheduled task failed", slog.String("task", t.name), slog.Any("err", err))
		}
	}
	return ran
}

// schedule runs the due tasks of ts now and then every interval, until ctx
// ends.
func (a *App) schedule(ctx context.Context, interval time.Duration, ts []scheduledTask) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		a.runTasks(ctx, ts)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runTask runs t if no other instance is running it and it has not run in
// the current period; it reports whether it ran.
func (a *App) runTask(ctx context.Context, t scheduledTask) (bool, error) {
	ran := false
	_, err := a.runExclusive(ctx, t.name, func(ctx context.Context) error {
		due, err := a.claimPeriod(ctx, t)
		if err != nil || !due {
			return err
		}
		ran = true
		return t.run(ctx)
	})
	return ran, err
}

// claimPeriod records that t starts now, unless it already started in the
// current period; it reports whether t is due. The caller holds t's lock,
// so reading and writing need no transaction.
func (a *App) claimPeriod(ctx context.Context, t scheduledTask) (bool, error) {
	now := a.now().UTC().Truncate(time.Microsecond)
	last := new(scheduledRun)
	err := a.db.NewSelect().Model(last).Where("sr.name = ?", t.name).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return false, fmt.Errorf("app: last run of %s: %w", t.name, err)
	default:
		started := last.StartedAt.UTC()
		// A start more than a period ahead is a clock that was wrong, not
		// a run to wait for.
		if slot(started, t.every) >= slot(now, t.every) && started.Before(now.Add(t.every)) {
			return false, nil
		}
	}
	_, err = a.db.NewInsert().Model(&scheduledRun{Name: t.name, StartedAt: now}).
		On("CONFLICT (name) DO UPDATE").Set("started_at = EXCLUDED.started_at").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("app: record run of %s: %w", t.name, err)
	}
	return true, nil
}

// slot is the number of the period of length every that t falls in.
func slot(t time.Time, every time.Duration) int64 {
	return t.UnixNano() / int64(every)
}

// runExclusive runs fn unless another instance runs the task called name
// right now, and reports whether it ran fn. On PostgreSQL it holds a
// transaction-scoped advisory lock, pg_try_advisory_xact_lock, in a
// transaction that stays open while fn runs; fn's own writes go through
// other connections and are not part of it. A session-level lock would be
// wrong here: it belongs to whichever pooled connection took it, and the
// unlock may run on another. The key hashes the schema with the name, so
// deployments (and test schemas) sharing a database do not block each
// other. SQLite serves a single instance: fn just runs.
func (a *App) runExclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	if a.db.Dialect().Name() != dialect.PG {
		return true, fn(ctx)
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("app: lock %s: %w", name, err)
	}
	// Rolling back releases the lock; the transaction wrote nothing.
	defer tx.Rollback() //nolint:errcheck
	var locked bool
	if err := tx.NewRaw("SELECT pg_try_advisory_xact_lock(hashtextextended(current_schema() || ':' || ?, 0))", name).
		Scan(ctx, &locked); err != nil {
		return false, fmt.Errorf("app: lock %s: %w", name, err)
	}
	if !locked {
		return false, nil
	}
	return true, fn(ctx)
}
