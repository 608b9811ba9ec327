package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/kaoping/kaoping/app/audit"
)

// PurgePersonal removes the citizen personal data (phone, ID number) of the
// ratings received before the given time in every center, keeping the
// ratings, and audits each center's purge. It returns how many ratings were
// cleared.
func (a *App) PurgePersonal(ctx context.Context, before time.Time, by Actor) (int64, error) {
	ids, err := a.staff.CenterIDs(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, id := range ids {
		n, err := a.ratings.PurgePersonal(ctx, id, before)
		if err != nil {
			return total, err
		}
		total += n
		if n == 0 {
			continue
		}
		detail := fmt.Sprintf("before=%s ratings=%d", before.UTC().Format(time.RFC3339), n)
		if err := a.audit.Record(ctx, nil, audit.Entry{CenterID: &id, Actor: by.Name, IP: by.IP,
			Action: "ratings.purge_personal", Target: fmt.Sprintf("center:%d", id), Detail: detail}); err != nil {
			return total, err
		}
	}
	return total, nil
}

// purgeExpiredPersonal is the scheduled purge: personal data older than the
// configured retention goes.
func (a *App) purgeExpiredPersonal(ctx context.Context) {
	if a.cfg.PersonalRetention <= 0 {
		return
	}
	n, err := a.PurgePersonal(ctx, a.now().Add(-a.cfg.PersonalRetention), Actor{Name: "scheduler", IP: "local"})
	if err != nil && ctx.Err() == nil {
		a.log.Warn("purge citizen personal data", slog.Any("err", err))
	} else if n > 0 {
		a.log.Info("purged citizen personal data", slog.Int64("ratings", n))
	}
}
