package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/training"
)

// onBadRatings runs in the transaction that stores new ratings, for the
// bad ones: each opens a follow-up case and notifies its person.
func (a *App) onBadRatings(ctx context.Context, tx bun.IDB, bad []ratings.Rating) error {
	if err := a.followup.OpenCases(ctx, tx, bad); err != nil {
		return err
	}
	return a.notifyBadRatings(ctx, tx, bad)
}

// notifyBadRatings tells each person about a new bad rating, with the last
// day to appeal in working days of the center's calendar. It runs inside
// the transaction that stores the ratings, so a stored bad rating always has
// its notification (and a re-sent one gets none: it is not stored again).
func (a *App) notifyBadRatings(ctx context.Context, tx bun.IDB, bad []ratings.Rating) error {
	if len(bad) == 0 {
		return nil
	}
	centerID := bad[0].CenterID
	ctr := new(staff.Center)
	if err := tx.NewSelect().Model(ctr).Where("c.id = ?", centerID).Scan(ctx); err != nil {
		return err
	}
	loc, err := ctr.Location()
	if err != nil {
		return err
	}
	cal, err := a.workdays.CalendarIn(ctx, tx, centerID)
	if err != nil {
		return err
	}
	for _, r := range bad {
		deadline := cal.AddWorkdays(r.ReceivedAt, a.followup.Rules().AppealDays, loc).In(loc).Format(time.DateOnly)
		body := fmt.Sprintf("%s · %s · %d 星", r.RatedAt.In(loc).Format("2006-01-02 15:04"), channel.Label(r.Channel, "zh-CN"), r.Level)
		if len(r.Reasons) > 0 {
			body += " · " + strings.Join(r.Reasons, "、")
		}
		body += "。如有异议，请在 " + deadline + " 前申诉。"
		n := training.Notification{CenterID: centerID, StaffID: r.StaffID, Kind: "bad_rating", Title: "收到一条差评",
			Body: body, Link: "/my", DedupeKey: "bad_rating:" + strconv.FormatInt(r.ID, 10), CreatedAt: a.now().UTC()}
		if _, err := (training.InAppNotifier{}).Insert(ctx, tx, n); err != nil {
			return err
		}
	}
	return nil
}
