package training

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
)

// Notifier delivers a notification. n.DedupeKey identifies it: delivering
// the same key twice must do nothing, which is what makes reminders
// exactly-once when RunDaily runs often and on several instances. db is the
// caller's transaction when there is one, so an in-app row commits with the
// change it announces.
type Notifier interface {
	Notify(ctx context.Context, db bun.IDB, n Notification) error
}

// InAppNotifier stores notifications in the notifications table, where the
// web UI lists them. A key already stored is a no-op.
//
// A notifier for e-mail or SMS can wrap it: call Insert and send only when
// it reports a new row. A notifier with such an Insert method also gives
// RunDaily exact reminder counts.
type InAppNotifier struct{}

// Notify inserts n unless its dedupe key is already stored.
func (InAppNotifier) Notify(ctx context.Context, db bun.IDB, n Notification) error {
	_, err := InAppNotifier{}.Insert(ctx, db, n)
	return err
}

// Insert inserts n unless its dedupe key is already stored, and reports
// whether it did.
func (InAppNotifier) Insert(ctx context.Context, db bun.IDB, n Notification) (bool, error) {
	n.ID, n.ReadAt = 0, nil
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now().UTC()
	}
	res, err := db.NewInsert().Model(&n).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("training: notify %s: %w", n.DedupeKey, store.Translate(err))
	}
	k, err := res.RowsAffected()
	return k > 0, err
}

type inserter interface {
	Insert(ctx context.Context, db bun.IDB, n Notification) (bool, error)
}

// notify delivers n through the configured notifier and reports whether it
// was new (always true for notifiers that cannot tell).
func (s *Service) notify(ctx context.Context, db bun.IDB, n Notification) (bool, error) {
	n.CreatedAt = s.now().UTC()
	if in, ok := s.notifier.(inserter); ok {
		return in.Insert(ctx, db, n)
	}
	return true, s.notifier.Notify(ctx, db, n)
}

// DailyReport says what RunDaily did.
type DailyReport struct {
	Enrolled  int // enrolments created by assignments (late joiners, new people)
	Renewals  int // enrolments created because a certificate expires soon
	Reminders int // reminders sent (7 days, 1 day, overdue)
}

// RunDaily does a center's training housekeeping: it syncs the
// assignments, opens a renewal enrolment (reason expiry, due on the expiry
// date) for every active person whose latest certificate of a module
// expires within ExpiryWindowDays and who has no open enrolment for it, and
// sends the reminders that are due — 7 days and 1 day before the due date
// and once overdue, each once per enrolment. It is idempotent: run it as
// often as you like, from as many instances as you like.
func (s *Service) RunDaily(ctx context.Context, centerID int64) (DailyReport, error) {
	var rep DailyReport
	n, err := s.SyncAssignments(ctx, centerID)
	if err != nil {
		return rep, err
	}
	rep.Enrolled = n
	if rep.Renewals, err = s.renewals(ctx, centerID); err != nil {
		return rep, err
	}
	if rep.Reminders, err = s.reminders(ctx, centerID); err != nil {
		return rep, err
	}
	return rep, nil
}

// renewals opens the expiry-window enrolments.
func (s *Service) renewals(ctx context.Context, centerID int64) (int, error) {
	n := 0
	err := s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		n = 0
		today, err := s.today(ctx, tx, centerID)
		if err != nil {
			return err
		}
		var cs []Certificate
		if err := tx.NewSelect().Model(&cs).
			Join("JOIN staff AS s ON s.id = cert.staff_id").
			Where("cert.center_id = ?", centerID).Where("s.active = ?", true).
			Where("cert.expires_on IS NOT NULL").Where("cert.expires_on <= ?", addDays(today, ExpiryWindowDays)).
			// only each person's latest certificate of the module
			Where(`NOT EXISTS (SELECT 1 FROM certificates AS c2 WHERE c2.staff_id = cert.staff_id
 AND c2.module_id = cert.module_id AND (c2.issued_on > cert.issued_on OR (c2.issued_on = cert.issued_on AND c2.id > cert.id)))`).
			Where("NOT EXISTS (SELECT 1 FROM enrolments AS o WHERE o.staff_id = cert.staff_id AND o.module_id = cert.module_id AND o.status <> ?)", EnrolmentCompleted).
			OrderExpr("cert.id").Scan(ctx); err != nil {
			return fmt.Errorf("training: expiring certificates: %w", err)
		}
		current := map[int64]*Version{}
		for _, c := range cs {
			v, ok := current[c.ModuleID]
			if !ok {
				if v, err = currentVersion(ctx, tx, c.ModuleID); err != nil {
					return err
				}
				current[c.ModuleID] = v
			}
			e := &Enrolment{CenterID: centerID, StaffID: c.StaffID, ModuleID: c.ModuleID, VersionID: v.ID,
				Reason: ReasonExpiry, DueDate: *c.ExpiresOn}
			ok, err = s.enrol(ctx, tx, e, v)
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return nil
	})
	return n, err
}

// reminders sends the due reminders of the center's open enrolments.
func (s *Service) reminders(ctx context.Context, centerID int64) (int, error) {
	today, err := s.today(ctx, s.db, centerID)
	if err != nil {
		return 0, err
	}
	var es []Enrolment
	if err := s.db.NewSelect().Model(&es).
		Join("JOIN staff AS s ON s.id = e.staff_id").
		Where("e.center_id = ?", centerID).Where("s.active = ?", true).
		Where("e.status <> ?", EnrolmentCompleted).Where("e.due_date <= ?", addDays(today, 7)).
		OrderExpr("e.id").Scan(ctx); err != nil {
		return 0, fmt.Errorf("training: enrolments to remind: %w", err)
	}
	titles := map[int64]string{}
	notes := make([]Notification, 0, len(es))
	for _, e := range es {
		title, ok := titles[e.VersionID]
		if !ok {
			if err := s.db.NewSelect().Model((*Version)(nil)).Column("v.title").Where("v.id = ?", e.VersionID).
				Scan(ctx, &title); err != nil {
				return 0, fmt.Errorf("training: version %d: %w", e.VersionID, err)
			}
			titles[e.VersionID] = title
		}
		id := strconv.FormatInt(e.ID, 10)
		note := Notification{CenterID: e.CenterID, StaffID: e.StaffID, Link: enrolmentLink(e.ID)}
		switch {
		case e.DueDate < today:
			note.Kind, note.DedupeKey = "overdue", "overdue:enr:"+id
			note.Title = "培训已逾期：" + title
			note.Body = fmt.Sprintf("《%s》应于 %s 前完成，现已逾期，请尽快完成。", title, e.DueDate)
		case e.DueDate <= addDays(today, 1):
			note.Kind, note.DedupeKey = "due1", "due1:enr:"+id
			note.Title = "培训明天到期：" + title
			if e.DueDate == today {
				note.Title = "培训今天到期：" + title
			}
			note.Body = fmt.Sprintf("《%s》请于 %s 前完成。", title, e.DueDate)
		default:
			note.Kind, note.DedupeKey = "due7", "due7:enr:"+id
			note.Title = "培训即将到期：" + title
			note.Body = fmt.Sprintf("《%s》请于 %s 前完成（一周内到期）。", title, e.DueDate)
		}
		notes = append(notes, note)
	}
	// Skip what was sent on an earlier run with one query per chunk instead
	// of one no-op insert per enrolment; the unique key still settles races.
	n := 0
	for chunk := range slices.Chunk(notes, inChunk) {
		keys := make([]string, len(chunk))
		for i, note := range chunk {
			keys[i] = note.DedupeKey
		}
		var sent []string
		if err := s.db.NewSelect().Model((*Notification)(nil)).Column("n.dedupe_key").
			Where("n.dedupe_key IN (?)", bun.List(keys)).Scan(ctx, &sent); err != nil {
			return n, fmt.Errorf("training: sent reminders: %w", err)
		}
		done := make(map[string]bool, len(sent))
		for _, k := range sent {
			done[k] = true
		}
		for _, note := range chunk {
			if done[note.DedupeKey] {
				continue
			}
			ok, err := s.notify(ctx, s.db, note)
			if err != nil {
				return n, err
			}
			if ok {
				n++
			}
		}
	}
	return n, nil
}

// Remind sends a lead's manual reminder for an open enrolment; by is the
// user asking (for the caller's audit log). One per enrolment per day: a
// second one the same day is store.ErrConflict.
func (s *Service) Remind(ctx context.Context, enrolmentID int64, by int64) error {
	e := new(Enrolment)
	if err := s.db.NewSelect().Model(e).Where("e.id = ?", enrolmentID).Scan(ctx); err != nil {
		return notFound(err, "enrolment %d", enrolmentID)
	}
	if e.Status == EnrolmentCompleted {
		return invalidf("enrolment", "already completed")
	}
	today, err := s.today(ctx, s.db, e.CenterID)
	if err != nil {
		return err
	}
	var title string
	if err := s.db.NewSelect().Model((*Version)(nil)).Column("v.title").Where("v.id = ?", e.VersionID).Scan(ctx, &title); err != nil {
		return notFound(err, "version %d", e.VersionID)
	}
	ok, err := s.notify(ctx, s.db, Notification{
		CenterID: e.CenterID, StaffID: e.StaffID, Kind: "remind", Link: enrolmentLink(e.ID),
		Title:     "培训提醒：" + title,
		Body:      fmt.Sprintf("负责人提醒您完成《%s》，截止日期 %s。", title, e.DueDate),
		DedupeKey: "remind:enr:" + strconv.FormatInt(e.ID, 10) + ":" + today,
	})
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("training: enrolment %d was already reminded today: %w", e.ID, store.ErrConflict)
	}
	return nil
}

// Notifications lists a person's notifications, newest first; limit ≤ 0
// means 50, and at most 500 are returned.
func (s *Service) Notifications(ctx context.Context, staffID int64, limit int) ([]Notification, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	ns := []Notification{}
	if err := s.db.NewSelect().Model(&ns).Where("n.staff_id = ?", staffID).
		OrderExpr("n.created_at DESC, n.id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("training: notifications of staff %d: %w", staffID, err)
	}
	return ns, nil
}

// UnreadNotifications counts a person's unread notifications.
func (s *Service) UnreadNotifications(ctx context.Context, staffID int64) (int, error) {
	n, err := s.db.NewSelect().Model((*Notification)(nil)).Where("n.staff_id = ?", staffID).
		Where("n.read_at IS NULL").Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("training: unread notifications: %w", err)
	}
	return int(n), nil
}

// MarkRead marks one of the person's notifications read (idempotent). A
// notification of someone else is store.ErrNotFound.
func (s *Service) MarkRead(ctx context.Context, staffID, notificationID int64) error {
	exists, err := s.db.NewSelect().Model((*Notification)(nil)).Where("n.id = ?", notificationID).
		Where("n.staff_id = ?", staffID).Exists(ctx)
	if err != nil {
		return fmt.Errorf("training: notification %d: %w", notificationID, err)
	}
	if !exists {
		return fmt.Errorf("training: notification %d: %w", notificationID, store.ErrNotFound)
	}
	if _, err := s.db.NewUpdate().Model((*Notification)(nil)).Set("read_at = ?", s.now().UTC()).
		Where("id = ?", notificationID).Where("read_at IS NULL").Exec(ctx); err != nil {
		return fmt.Errorf("training: mark notification %d read: %w", notificationID, err)
	}
	return nil
}

// Digest counts a person's open enrolments for the home page line.
type Digest struct {
	DueSoon    int // due within 7 days, not overdue
	Overdue    int
	InProgress int
}

// Digest returns the person's digest today (in their center's time zone).
func (s *Service) Digest(ctx context.Context, staffID int64) (Digest, error) {
	var d Digest
	var st staff.Staff
	if err := s.db.NewSelect().Model(&st).Column("s.id", "s.center_id").Where("s.id = ?", staffID).Scan(ctx); err != nil {
		return d, notFound(err, "staff %d", staffID)
	}
	today, err := s.today(ctx, s.db, st.CenterID)
	if err != nil {
		return d, err
	}
	var es []Enrolment
	if err := s.db.NewSelect().Model(&es).Column("e.status", "e.due_date").Where("e.staff_id = ?", staffID).
		Where("e.status <> ?", EnrolmentCompleted).Scan(ctx); err != nil {
		return d, fmt.Errorf("training: digest: %w", err)
	}
	soon := addDays(today, 7)
	for _, e := range es {
		switch {
		case e.DueDate < today:
			d.Overdue++
		case e.DueDate <= soon:
			d.DueSoon++
		}
		if e.Status == EnrolmentInProgress {
			d.InProgress++
		}
	}
	return d, nil
}
