package store_test

import (
	"context"
	"testing"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/training"
	qstore "github.com/kaoping/kaoping/quizzes/store"
)

// The gate is what training.Options.Quiz takes.
var _ training.QuizGate = qstore.Gate{}

func TestGate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	gate := f.st.Gate()
	moduleID, versionID := f.module(t, "m1")
	_, otherVersion := f.module(t, "m2")

	hasQuiz := func(versionID int64, want bool) {
		t.Helper()
		got, err := gate.HasQuiz(ctx, nil, versionID)
		if err != nil || got != want {
			t.Fatalf("HasQuiz(%d) = %v, %v; want %v", versionID, got, err, want)
		}
	}
	hasQuiz(versionID, false)
	qz := &qstore.Quiz{ModuleID: moduleID, PassPercent: 100}
	if err := f.st.SaveQuiz(ctx, qz); err != nil {
		t.Fatal(err)
	}
	hasQuiz(versionID, false) // a quiz without questions does not gate
	b, err := f.st.AddQuestion(ctx, f.center, trueFalse("一", true), trainer)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetSlots(ctx, qz.ID, []qstore.Slot{{Kind: qstore.SlotFixed, QuestionID: b.ID}}); err != nil {
		t.Fatal(err)
	}
	hasQuiz(versionID, true)
	hasQuiz(otherVersion, false)

	who := f.person(t, "001")
	e := f.enrolment(t, who, moduleID, versionID)
	passed := func(want bool) {
		t.Helper()
		got, err := gate.Passed(ctx, nil, e)
		if err != nil || got != want {
			t.Fatalf("Passed(%d) = %v, %v; want %v", e, got, err, want)
		}
	}
	passed(false)
	take := func(enrolment *int64, right int) {
		t.Helper()
		a, err := f.st.Start(ctx, qz.ID, who, enrolment, 1)
		if err != nil {
			t.Fatal(err)
		}
		f.answerAll(t, a, right)
		if _, err := f.st.Submit(ctx, a.ID, "k"); err != nil {
			t.Fatal(err)
		}
	}
	take(nil, 1) // a practice attempt passes, but not the enrolment
	passed(false)
	take(&e, 0)
	passed(false)
	take(&e, 1)
	passed(true)
	if got := f.passedCalls(); len(got) != 1 || got[0] != e {
		t.Fatalf("OnPassed calls = %v, want [%d]", got, e)
	}
}

// TestGateCompletesTheEnrolment wires the store into training as the
// application does: passing the quiz completes the enrolment and issues
// the certificate.
func TestGateCompletesTheEnrolment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var svc *training.Service
	st := qstore.New(f.db, f.clock.Now, qstore.Options{OnPassed: func(ctx context.Context, enrolmentID int64) error {
		_, err := svc.QuizPassed(ctx, enrolmentID)
		return err
	}})
	svc = training.NewService(f.db, staff.NewService(f.db, f.clock.Now), training.Options{Now: f.clock.Now, Quiz: st.Gate()})
	f.st = st
	qz, _ := f.quiz(t, "m1", nil, trueFalse("一", true), trueFalse("二", true))
	who := f.person(t, "001")
	e := f.enrolment(t, who, qz.ModuleID, f.versionOf(t, qz.ModuleID))

	a, err := st.Start(ctx, qz.ID, who, &e, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.answerAll(t, a, 2)
	if _, err := st.Submit(ctx, a.ID, "k"); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	got, err := svc.Enrolment(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != training.EnrolmentCompleted {
		t.Fatalf("enrolment status = %s, want completed", got.Status)
	}
	var certs int
	if err := f.db.NewSelect().Table("certificates").ColumnExpr("count(*)").Where("enrolment_id = ?", e).Scan(ctx, &certs); err != nil {
		t.Fatal(err)
	}
	if certs != 1 {
		t.Fatalf("certificates = %d, want 1", certs)
	}
}
