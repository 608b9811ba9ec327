package training_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
)

// TestOverdueInCenterZone: overdue means due before today in the center's
// time zone, whatever the server's.
func TestOverdueInCenterZone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, _ := f.publishedModule(t, "m", 0)
	p := f.person(t, "1001", "张伟", 0)
	f.clock.SetDay(t, "2026-07-01")
	f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: p.ID, DueDate: "2026-07-15"})
	id := f.enrolmentOf(t, p.ID, m.ID).ID

	for _, tc := range []struct {
		at      time.Time
		overdue bool
	}{
		{time.Date(2026, 7, 15, 15, 30, 0, 0, time.UTC), false}, // 23:30 on 07-15 in Shanghai
		{time.Date(2026, 7, 15, 16, 30, 0, 0, time.UTC), true},  // 00:30 on 07-16 in Shanghai
	} {
		f.clock.Set(tc.at)
		e, err := f.svc.Enrolment(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Overdue != tc.overdue {
			t.Errorf("at %s: Overdue = %v, want %v", tc.at.Format(time.RFC3339), e.Overdue, tc.overdue)
		}
		list, err := f.svc.CenterEnrolments(ctx, f.center.ID, training.EnrolmentFilter{Status: "overdue"})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(list) == 1; got != tc.overdue {
			t.Errorf("at %s: overdue filter returned %d", tc.at.Format(time.RFC3339), len(list))
		}
		d, err := f.svc.Digest(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := (training.Digest{Overdue: 1}); tc.overdue && d != want {
			t.Errorf("Digest = %+v, want %+v", d, want)
		} else if want := (training.Digest{DueSoon: 1}); !tc.overdue && d != want {
			t.Errorf("Digest = %+v, want %+v", d, want)
		}
	}
	if _, err := f.svc.CenterEnrolments(ctx, f.center.ID, training.EnrolmentFilter{Status: "late"}); !errors.Is(err, training.ErrInvalid) {
		t.Errorf("unknown status filter: %v", err)
	}
}

func TestReadingAndCertificates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, v := f.publishedModule(t, "m", 12)
	other, _ := f.publishedModule(t, "other", 0)
	p := f.person(t, "1001", "张伟", 0)
	q := f.person(t, "1002", "王芳", 0)
	for _, s := range []int64{p.ID, q.ID} {
		f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: s, DueDate: "2026-03-20"})
	}
	f.assign(t, training.AssignInput{ModuleID: other.ID, TargetKind: "staff", TargetID: p.ID, DueDate: "2026-03-10"})

	e := f.enrolmentOf(t, p.ID, m.ID)
	if e.Status != training.EnrolmentAssigned || e.LessonsTotal != 2 || e.LessonsRead != 0 || e.Module.Code != "m" || e.Version.Number != 1 || e.StaffName != "张伟" {
		t.Fatalf("new enrolment = %+v", e)
	}
	full, err := f.svc.Enrolment(ctx, e.ID)
	if err != nil || len(full.Version.Lessons) != 2 {
		t.Fatalf("Enrolment = %+v, %v", full, err)
	}
	l1, l2 := full.Version.Lessons[0], full.Version.Lessons[1]

	// A lesson of another module's version is not this enrolment's.
	oe := f.enrolmentOf(t, p.ID, other.ID)
	ofull, _ := f.svc.Enrolment(ctx, oe.ID)
	if _, err := f.svc.ReadLesson(ctx, e.ID, ofull.Version.Lessons[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("reading a foreign lesson: %v", err)
	}
	if _, err := f.svc.ReadLesson(ctx, e.ID, 0); !errors.Is(err, training.ErrInvalid) {
		t.Errorf("acknowledging the standard of a version with lessons: %v", err)
	}

	got, err := f.svc.ReadLesson(ctx, e.ID, l1.ID)
	if err != nil || got.Status != training.EnrolmentInProgress || got.StartedAt == nil || got.LessonsRead != 1 {
		t.Fatalf("after one lesson: %+v, %v", got, err)
	}
	if got, _ = f.svc.ReadLesson(ctx, e.ID, l1.ID); got.LessonsRead != 1 {
		t.Errorf("reading twice counts %d", got.LessonsRead)
	}
	reads, err := f.svc.ReadLessons(ctx, e.ID)
	if err != nil || len(reads) != 1 || reads[l1.ID].IsZero() {
		t.Errorf("ReadLessons = %v, %v", reads, err)
	}
	if d, _ := f.svc.Digest(ctx, p.ID); d != (training.Digest{InProgress: 1}) {
		t.Errorf("Digest = %+v", d)
	}

	got, err = f.svc.ReadLesson(ctx, e.ID, l2.ID)
	if err != nil || got.Status != training.EnrolmentCompleted || got.CompletedOn == nil || *got.CompletedOn != "2026-03-02" || got.CertificateID == 0 {
		t.Fatalf("after all lessons: %+v, %v", got, err)
	}
	cert, err := f.svc.Certificate(ctx, got.CertificateID)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Number != "KP-2026-000001" || cert.IssuedOn != "2026-03-02" || cert.ExpiresOn == nil || *cert.ExpiresOn != "2027-03-02" ||
		cert.StaffName != "张伟" || cert.ModuleCode != "m" || cert.VersionNumber != 1 || cert.VersionID != v.ID || cert.ModuleTitle != "模块 m" || cert.Expired {
		t.Errorf("certificate = %+v", cert)
	}
	if ok, _ := f.svc.HasValidCompletion(ctx, p.ID, m.ID); !ok {
		t.Error("HasValidCompletion = false after completing")
	}
	// Reading again after completion changes nothing.
	if again, err := f.svc.ReadLesson(ctx, e.ID, l1.ID); err != nil || again.Status != training.EnrolmentCompleted {
		t.Errorf("reading after completion: %+v, %v", again, err)
	}
	if n := f.count(t, (*training.Certificate)(nil)); n != 1 {
		t.Errorf("%d certificates, want 1", n)
	}

	// Numbers run per center and year.
	f.complete(t, f.enrolmentOf(t, q.ID, m.ID).ID)
	f.clock.SetDay(t, "2027-01-05")
	f.complete(t, oe.ID)
	cs, err := f.svc.Certificates(ctx, p.ID)
	if err != nil || len(cs) != 2 || cs[0].Number != "KP-2027-000001" || cs[0].ExpiresOn != nil || cs[1].Number != "KP-2026-000001" {
		t.Fatalf("Certificates = %+v, %v", cs, err)
	}
	if qs, _ := f.svc.Certificates(ctx, q.ID); len(qs) != 1 || qs[0].Number != "KP-2026-000002" {
		t.Errorf("second certificate of 2026 = %+v", qs)
	}
	f.clock.SetDay(t, "2027-03-02")
	if c, _ := f.svc.Certificate(ctx, cert.ID); !c.Expired {
		t.Error("certificate not expired on its expiry date")
	}

	// StaffEnrolments includes completed ones.
	if es, _ := f.svc.StaffEnrolments(ctx, p.ID); len(es) != 2 {
		t.Errorf("StaffEnrolments = %d", len(es))
	}
}

// fakeQuiz is a quiz gate with settable answers.
type fakeQuiz struct {
	mu      sync.Mutex
	has     map[int64]bool
	passed  map[int64]bool
	failErr error
}

func (q *fakeQuiz) HasQuiz(_ context.Context, _ bun.IDB, versionID int64) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.has[versionID], q.failErr
}

func (q *fakeQuiz) Passed(_ context.Context, _ bun.IDB, enrolmentID int64) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.passed[enrolmentID], nil
}

func TestQuizGate(t *testing.T) {
	t.Parallel()
	quiz := &fakeQuiz{has: map[int64]bool{}, passed: map[int64]bool{}}
	f := newFixture(t, func(o *training.Options) { o.Quiz = quiz })
	ctx := context.Background()
	m, v := f.publishedModule(t, "m", 0)
	quiz.has[v.ID] = true
	p := f.person(t, "1001", "张伟", 0)
	f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: p.ID, DueDate: "2026-04-01"})
	e := f.enrolmentOf(t, p.ID, m.ID)
	full, _ := f.svc.Enrolment(ctx, e.ID)
	for _, l := range full.Version.Lessons {
		if _, err := f.svc.ReadLesson(ctx, e.ID, l.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := f.svc.Enrolment(ctx, e.ID); got.Status != training.EnrolmentInProgress {
		t.Fatalf("all read, quiz not passed: status %s, want in_progress", got.Status)
	}
	if got, _ := f.svc.QuizPassed(ctx, e.ID); got.Status != training.EnrolmentInProgress {
		t.Errorf("QuizPassed while the gate says no: %s", got.Status)
	}
	quiz.mu.Lock()
	quiz.passed[e.ID] = true
	quiz.mu.Unlock()
	got, err := f.svc.QuizPassed(ctx, e.ID)
	if err != nil || got.Status != training.EnrolmentCompleted || got.CertificateID == 0 {
		t.Fatalf("QuizPassed = %+v, %v", got, err)
	}

	// A gate error leaves nothing changed.
	m2, v2 := f.publishedModule(t, "m2", 0)
	f.assign(t, training.AssignInput{ModuleID: m2.ID, TargetKind: "staff", TargetID: p.ID, DueDate: "2026-04-01"})
	e2 := f.enrolmentOf(t, p.ID, m2.ID)
	full2, _ := f.svc.Enrolment(ctx, e2.ID)
	quiz.has[v2.ID] = true
	if _, err := f.svc.ReadLesson(ctx, e2.ID, full2.Version.Lessons[0].ID); err != nil {
		t.Fatal(err)
	}
	quiz.mu.Lock()
	quiz.failErr = errors.New("quiz store down")
	quiz.mu.Unlock()
	if _, err := f.svc.ReadLesson(ctx, e2.ID, full2.Version.Lessons[1].ID); err == nil {
		t.Fatal("ReadLesson with a failing gate succeeded")
	}
	if reads, _ := f.svc.ReadLessons(ctx, e2.ID); len(reads) != 1 {
		t.Errorf("failed read was recorded: %d reads", len(reads))
	}
}

func TestStandardOnlyModule(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, v := f.newModule(t, "std", 0)
	if _, err := f.svc.SaveDraft(ctx, m.ID, training.DraftInput{Title: "只有标准", Standard: content("x", 0).Standard}, author); err != nil {
		t.Fatal(err)
	}
	f.publish(t, v.ID, training.PolicyGrandfather, 0)
	p := f.person(t, "1", "甲", 0)
	f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: p.ID, DueDate: "2026-04-01"})
	e := f.enrolmentOf(t, p.ID, m.ID)
	got, err := f.svc.ReadLesson(ctx, e.ID, 0)
	if err != nil || got.Status != training.EnrolmentCompleted {
		t.Fatalf("acknowledging the standard = %+v, %v", got, err)
	}
}

// TestRecertification: grandfather keeps completions valid; recertify
// enrols those who completed an older version again, due today+N, and
// completions keep the version they were earned on.
func TestRecertification(t *testing.T) {
	t.Parallel()
	for _, policy := range []string{training.PolicyGrandfather, training.PolicyRecertify} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			m, v1 := f.publishedModule(t, "310100-001", 12)
			done := f.person(t, "1001", "张伟", 0)
			open := f.person(t, "1002", "王芳", 0)
			quit := f.person(t, "1003", "离职", 0)
			for _, p := range []int64{done.ID, open.ID, quit.ID} {
				f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: p, DueDate: "2026-03-31"})
			}
			first := f.complete(t, f.enrolmentOf(t, done.ID, m.ID).ID)
			f.complete(t, f.enrolmentOf(t, quit.ID, m.ID).ID)
			if _, _, err := f.staff.SaveStaff(ctx, nil, staffInput(f, "1003", "离职", false)); err != nil {
				t.Fatal(err)
			}
			openE := f.enrolmentOf(t, open.ID, m.ID)
			if _, err := f.svc.ReadLesson(ctx, openE.ID, mustEnrolment(t, f, openE.ID).Version.Lessons[0].ID); err != nil {
				t.Fatal(err)
			}

			f.clock.SetDay(t, "2026-03-10")
			v2 := f.newVersion(t, m, "企业设立登记（2026 修订）", policy, 14)

			// The open enrolment moved to v2, due date kept, progress dropped.
			moved := mustEnrolment(t, f, openE.ID)
			if moved.VersionID != v2.ID || moved.DueDate != "2026-03-31" || moved.LessonsRead != 0 || moved.Status != training.EnrolmentAssigned || moved.LessonsTotal != 3 {
				t.Errorf("open enrolment after publishing = %+v", moved)
			}

			es := f.enrolments(t, done.ID, m.ID)
			if es[0].ID != first.ID || es[0].VersionID != v1.ID || es[0].Status != training.EnrolmentCompleted {
				t.Errorf("completion record changed: %+v", es[0])
			}
			cs, _ := f.svc.Certificates(ctx, done.ID)
			if len(cs) != 1 || cs[0].VersionNumber != 1 {
				t.Errorf("certificates = %+v", cs)
			}
			minValid, err := f.svc.MinValidVersion(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			valid, _ := f.svc.HasValidCompletion(ctx, done.ID, m.ID)
			quitEs := f.enrolments(t, quit.ID, m.ID)
			switch policy {
			case training.PolicyGrandfather:
				if len(es) != 1 {
					t.Errorf("grandfather: %d enrolments, want the completed one only", len(es))
				}
				if minValid != 1 || !valid {
					t.Errorf("grandfather: min valid %d, valid %v; want 1, true", minValid, valid)
				}
			case training.PolicyRecertify:
				if len(es) != 2 {
					t.Fatalf("recertify: %d enrolments, want 2", len(es))
				}
				re := es[1]
				if re.VersionID != v2.ID || re.Reason != training.ReasonRecertify || re.DueDate != "2026-03-24" || re.Status != training.EnrolmentAssigned {
					t.Errorf("recertify enrolment = %+v; want v2, due 2026-03-24", re)
				}
				if minValid != 2 || valid {
					t.Errorf("recertify: min valid %d, valid %v; want 2, false", minValid, valid)
				}
				if len(quitEs) != 1 {
					t.Errorf("inactive person re-enrolled: %d enrolments", len(quitEs))
				}
			}
			// Syncing adds nothing either way (open or still valid).
			if n, err := f.svc.SyncAssignments(ctx, f.center.ID); err != nil || n != 0 {
				t.Errorf("SyncAssignments = %d, %v; want 0", n, err)
			}

			// A later grandfather version keeps the minimum at the last re-certification.
			f.newVersion(t, m, "企业设立登记（勘误）", training.PolicyGrandfather, 0)
			if got, _ := f.svc.MinValidVersion(ctx, m.ID); got != minValid {
				t.Errorf("min valid after a grandfather v3 = %d, want %d", got, minValid)
			}
		})
	}
}

func mustEnrolment(t *testing.T, f *fixture, id int64) *training.Enrolment {
	t.Helper()
	e, err := f.svc.Enrolment(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestApproveIsAtomic: a failure half-way through publishing (here: the
// notifier, while re-certifying) leaves everything as it was.
func TestApproveIsAtomic(t *testing.T) {
	t.Parallel()
	fail := &flakyNotifier{}
	f := newFixture(t, func(o *training.Options) { o.Notifier = fail })
	ctx := context.Background()
	m, v1 := f.publishedModule(t, "m", 0)
	p := f.person(t, "1", "甲", 0)
	q := f.person(t, "2", "乙", 0)
	f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: p.ID, DueDate: "2026-04-01"})
	f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: q.ID, DueDate: "2026-04-01"})
	f.complete(t, f.enrolmentOf(t, p.ID, m.ID).ID)
	openID := f.enrolmentOf(t, q.ID, m.ID).ID

	v2, err := f.svc.SaveDraft(ctx, m.ID, content("v2", 1), author)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Submit(ctx, v2.ID, training.PolicyRecertify, 10, author); err != nil {
		t.Fatal(err)
	}
	before := f.count(t, (*training.Enrolment)(nil))
	fail.set(errors.New("sms gateway down"))
	if err := f.svc.Approve(ctx, v2.ID, approver); err == nil {
		t.Fatal("Approve succeeded with a failing notifier")
	}
	if got, _ := f.svc.Version(ctx, v2.ID); got.Status != training.StatusPending || got.PublishedAt != nil {
		t.Errorf("v2 after failed approve: %s", got.Status)
	}
	if cur, err := f.svc.CurrentVersion(ctx, m.ID); err != nil || cur.ID != v1.ID {
		t.Errorf("current after failed approve = %+v, %v; want v1", cur, err)
	}
	if e := mustEnrolment(t, f, openID); e.VersionID != v1.ID {
		t.Errorf("open enrolment moved by a failed approve")
	}
	if n := f.count(t, (*training.Enrolment)(nil)); n != before {
		t.Errorf("enrolments %d → %d after a failed approve", before, n)
	}
	fail.set(nil)
	if err := f.svc.Approve(ctx, v2.ID, approver); err != nil {
		t.Fatalf("Approve after recovery: %v", err)
	}
	if n := f.count(t, (*training.Enrolment)(nil)); n != before+1 {
		t.Errorf("enrolments %d → %d, want one re-certification", before, n)
	}
}

// flakyNotifier stores in-app notifications, or fails when told to.
type flakyNotifier struct {
	mu  sync.Mutex
	err error
}

func (n *flakyNotifier) set(err error) {
	n.mu.Lock()
	n.err = err
	n.mu.Unlock()
}

func (n *flakyNotifier) Notify(ctx context.Context, db bun.IDB, note training.Notification) error {
	n.mu.Lock()
	err := n.err
	n.mu.Unlock()
	if err != nil {
		return err
	}
	return training.InAppNotifier{}.Notify(ctx, db, note)
}

// TestCertificateNumbersConcurrent: completions racing on several pools
// get distinct, gapless numbers.
func TestCertificateNumbersConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, _ := f.publishedModule(t, "m", 0)
	const n = 8
	type job struct {
		enrolment int64
		lessons   []int64
	}
	var jobs []job
	for i := 0; i < n; i++ {
		p := f.person(t, fmt.Sprintf("%04d", i), fmt.Sprintf("员工%d", i), 0)
		f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: p.ID, DueDate: "2026-04-01"})
		e := mustEnrolment(t, f, f.enrolmentOf(t, p.ID, m.ID).ID)
		j := job{enrolment: e.ID}
		for _, l := range e.Version.Lessons {
			j.lessons = append(j.lessons, l.ID)
		}
		if _, err := f.svc.ReadLesson(ctx, e.ID, j.lessons[0]); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	svcs := []*training.Service{f.svc, f.service(t), f.service(t)}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, j := range jobs {
		wg.Add(1)
		go func(svc *training.Service, j job) {
			defer wg.Done()
			if _, err := svc.ReadLesson(ctx, j.enrolment, j.lessons[1]); err != nil {
				errs <- err
			}
		}(svcs[i%len(svcs)], j)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent completion: %v", err)
	}
	var numbers []string
	if err := f.db.NewSelect().Model((*training.Certificate)(nil)).Column("number").Scan(ctx, &numbers); err != nil {
		t.Fatal(err)
	}
	sort.Strings(numbers)
	if len(numbers) != n {
		t.Fatalf("%d certificates, want %d", len(numbers), n)
	}
	re := regexp.MustCompile(`^KP-2026-\d{6}$`)
	for i, num := range numbers {
		if !re.MatchString(num) || num != fmt.Sprintf("KP-2026-%06d", i+1) {
			t.Errorf("certificate %d = %s", i, num)
		}
	}
}
