package training_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
)

// kinds returns the person's notification kinds, oldest first.
func kinds(t *testing.T, f *fixture, staffID int64) []string {
	t.Helper()
	ns, err := f.svc.Notifications(context.Background(), staffID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(ns) - 1; i >= 0; i-- {
		out = append(out, ns[i].Kind)
	}
	return out
}

// TestReminders: 7 days and 1 day before the due date and once overdue,
// each exactly once however often RunDaily runs.
func TestReminders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, _ := f.publishedModule(t, "m", 0)
	p := f.person(t, "1001", "张伟", 0)
	done := f.person(t, "1002", "王芳", 0)
	f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: p.ID, DueDate: "2026-03-20"})
	f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: done.ID, DueDate: "2026-03-20"})
	f.complete(t, f.enrolmentOf(t, done.ID, m.ID).ID)

	for _, step := range []struct {
		day       string
		reminders int
		kinds     string
	}{
		{"2026-03-12", 0, "enrolment"},
		{"2026-03-13", 1, "enrolment due7"},
		{"2026-03-13", 0, "enrolment due7"},
		{"2026-03-16", 0, "enrolment due7"},
		{"2026-03-19", 1, "enrolment due7 due1"},
		{"2026-03-20", 0, "enrolment due7 due1"},
		{"2026-03-21", 1, "enrolment due7 due1 overdue"},
		{"2026-03-22", 0, "enrolment due7 due1 overdue"},
		{"2026-04-30", 0, "enrolment due7 due1 overdue"},
	} {
		f.clock.SetDay(t, step.day)
		for run := 0; run < 2; run++ {
			rep, err := f.svc.RunDaily(ctx, f.center.ID)
			if err != nil {
				t.Fatalf("%s: RunDaily: %v", step.day, err)
			}
			want := step.reminders
			if run > 0 {
				want = 0
			}
			if rep.Reminders != want {
				t.Errorf("%s run %d: %d reminders, want %d", step.day, run+1, rep.Reminders, want)
			}
		}
		if got := strings.Join(kinds(t, f, p.ID), " "); got != step.kinds {
			t.Errorf("%s: notifications %q, want %q", step.day, got, step.kinds)
		}
	}
	if got := kinds(t, f, done.ID); len(got) != 1 {
		t.Errorf("completed person got %v", got)
	}

	// Reading and the unread count.
	ns, _ := f.svc.Notifications(ctx, p.ID, 2)
	if len(ns) != 2 || ns[0].Kind != "overdue" || !strings.Contains(ns[0].Title, "模块 m") || !strings.HasPrefix(ns[0].Link, "/enrolments/") {
		t.Fatalf("Notifications(limit 2) = %+v", ns)
	}
	if n, _ := f.svc.UnreadNotifications(ctx, p.ID); n != 4 {
		t.Errorf("unread = %d, want 4", n)
	}
	if err := f.svc.MarkRead(ctx, p.ID, ns[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.MarkRead(ctx, p.ID, ns[0].ID); err != nil {
		t.Errorf("MarkRead twice: %v", err)
	}
	if err := f.svc.MarkRead(ctx, done.ID, ns[1].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MarkRead of someone else's notification = %v", err)
	}
	if n, _ := f.svc.UnreadNotifications(ctx, p.ID); n != 3 {
		t.Errorf("unread after MarkRead = %d, want 3", n)
	}
}

// TestRunDailyConcurrent: several instances running at once send each
// reminder and create each enrolment once.
func TestRunDailyConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, _ := f.publishedModule(t, "m", 0)
	tm := f.team(t, "A")
	for _, no := range []string{"1", "2", "3", "4", "5"} {
		f.person(t, no, "员工"+no, tm.ID)
	}
	f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "team", TargetID: tm.ID, DueDate: "2026-03-06"})
	for _, no := range []string{"6", "7", "8"} {
		f.person(t, no, "新人"+no, tm.ID)
	}
	svcs := []*training.Service{f.svc, f.service(t), f.service(t), f.service(t)}
	var (
		mu        sync.Mutex
		enrolled  int
		reminders int
		wg        sync.WaitGroup
	)
	for _, svc := range svcs {
		for k := 0; k < 2; k++ {
			wg.Add(1)
			go func(svc *training.Service) {
				defer wg.Done()
				rep, err := svc.RunDaily(ctx, f.center.ID)
				if err != nil {
					t.Errorf("RunDaily: %v", err)
					return
				}
				mu.Lock()
				enrolled += rep.Enrolled
				reminders += rep.Reminders
				mu.Unlock()
			}(svc)
		}
	}
	wg.Wait()
	if enrolled != 3 {
		t.Errorf("enrolments created = %d, want 3 (the newcomers, once)", enrolled)
	}
	if n := f.count(t, (*training.Enrolment)(nil)); n != 8 {
		t.Errorf("%d enrolments, want 8", n)
	}
	if reminders != 8 {
		t.Errorf("reminders sent = %d, want 8 (one due7 each)", reminders)
	}
	if n := f.count(t, (*training.Notification)(nil), "kind = 'due7'"); n != 8 {
		t.Errorf("%d due7 rows, want 8", n)
	}
}

// TestExpiryWindow: a renewal enrolment opens 30 days before a certificate
// expires — at 29 days yes, at 31 days no, once however often it runs.
func TestExpiryWindow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, v := f.publishedModule(t, "m", 12)
	p := f.person(t, "1001", "张伟", 0)
	f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: p.ID, DueDate: "2026-03-31"})
	e := f.complete(t, f.enrolmentOf(t, p.ID, m.ID).ID)
	cert, _ := f.svc.Certificate(ctx, e.CertificateID)
	if *cert.ExpiresOn != "2027-03-02" {
		t.Fatalf("expires %s", *cert.ExpiresOn)
	}

	f.clock.SetDay(t, "2027-01-30") // 31 days before
	rep, err := f.svc.RunDaily(ctx, f.center.ID)
	if err != nil || rep.Renewals != 0 || rep.Enrolled != 0 {
		t.Fatalf("31 days before: %+v, %v", rep, err)
	}
	f.clock.SetDay(t, "2027-02-01") // 29 days before
	rep, err = f.svc.RunDaily(ctx, f.center.ID)
	if err != nil || rep.Renewals != 1 || rep.Enrolled != 0 {
		t.Fatalf("29 days before: %+v, %v", rep, err)
	}
	if rep, _ = f.svc.RunDaily(ctx, f.center.ID); rep.Renewals != 0 {
		t.Errorf("second run: %+v", rep)
	}
	es := f.enrolments(t, p.ID, m.ID)
	if len(es) != 2 {
		t.Fatalf("%d enrolments, want 2", len(es))
	}
	renewal := es[1]
	if renewal.Reason != training.ReasonExpiry || renewal.DueDate != "2027-03-02" || renewal.VersionID != v.ID || renewal.Status != training.EnrolmentAssigned {
		t.Errorf("renewal = %+v", renewal)
	}

	// Completing the renewal issues a new certificate; the window closes.
	f.complete(t, renewal.ID)
	cs, _ := f.svc.Certificates(ctx, p.ID)
	if len(cs) != 2 || *cs[0].ExpiresOn != "2028-02-01" {
		t.Fatalf("certificates after renewal = %+v", cs)
	}
	if rep, _ = f.svc.RunDaily(ctx, f.center.ID); rep.Renewals != 0 || rep.Enrolled != 0 {
		t.Errorf("after renewal: %+v", rep)
	}

	// After expiry without renewal, the assignment covers the person again.
	f.clock.SetDay(t, "2028-02-01")
	if ok, _ := f.svc.HasValidCompletion(ctx, p.ID, m.ID); ok {
		t.Error("valid completion on the expiry date")
	}
}

func TestRemind(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, _ := f.publishedModule(t, "m", 0)
	p := f.person(t, "1001", "张伟", 0)
	f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: p.ID, DueDate: "2026-03-31"})
	e := f.enrolmentOf(t, p.ID, m.ID)
	if err := f.svc.Remind(ctx, e.ID, approver); err != nil {
		t.Fatalf("Remind: %v", err)
	}
	if err := f.svc.Remind(ctx, e.ID, approver); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second Remind the same day = %v, want ErrConflict", err)
	}
	f.clock.SetDay(t, "2026-03-03")
	if err := f.svc.Remind(ctx, e.ID, approver); err != nil {
		t.Errorf("Remind the next day: %v", err)
	}
	got := kinds(t, f, p.ID)
	sort.Strings(got)
	if strings.Join(got, " ") != "enrolment remind remind" {
		t.Errorf("kinds = %v", got)
	}
	if err := f.svc.Remind(ctx, 9999, approver); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Remind(unknown) = %v", err)
	}
	f.complete(t, e.ID)
	if err := f.svc.Remind(ctx, e.ID, approver); !errors.Is(err, training.ErrInvalid) {
		t.Errorf("Remind after completion = %v", err)
	}
}
