package training_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
)

func TestAssignValidation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, _ := f.publishedModule(t, "m1", 0)
	draftOnly, _ := f.newModule(t, "m2", 0)
	tm := f.team(t, "A")
	p := f.person(t, "1001", "张伟", tm.ID)

	other := &staff.Center{Code: "other", Name: "别的中心", Timezone: "Asia/Shanghai"}
	if _, err := f.db.NewInsert().Model(other).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	otherTeam := &staff.Team{CenterID: other.ID, Code: "B", Name: "外中心", Channel: "offline"}
	if err := f.staff.CreateTeam(ctx, otherTeam); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		in    training.AssignInput
		field string
	}{
		{"due date in the past", training.AssignInput{ModuleID: m.ID, TargetKind: "team", TargetID: tm.ID, DueDate: "2026-03-01"}, "due_date"},
		{"bad due date", training.AssignInput{ModuleID: m.ID, TargetKind: "team", TargetID: tm.ID, DueDate: "3/1/2026"}, "due_date"},
		{"unknown team", training.AssignInput{ModuleID: m.ID, TargetKind: "team", TargetID: 9999, DueDate: "2026-04-01"}, "target_id"},
		{"team of another center", training.AssignInput{ModuleID: m.ID, TargetKind: "team", TargetID: otherTeam.ID, DueDate: "2026-04-01"}, "target_id"},
		{"unknown staff", training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: 9999, DueDate: "2026-04-01"}, "target_id"},
		{"unknown role", training.AssignInput{ModuleID: m.ID, TargetKind: "role", TargetValue: "boss", DueDate: "2026-04-01"}, "target_value"},
		{"unknown channel", training.AssignInput{ModuleID: m.ID, TargetKind: "channel", TargetValue: "fax", DueDate: "2026-04-01"}, "target_value"},
		{"unknown kind", training.AssignInput{ModuleID: m.ID, TargetKind: "everyone", DueDate: "2026-04-01"}, "target_kind"},
		{"unpublished module", training.AssignInput{ModuleID: draftOnly.ID, TargetKind: "team", TargetID: tm.ID, DueDate: "2026-04-01"}, "module_id"},
		{"unknown module", training.AssignInput{ModuleID: 9999, TargetKind: "team", TargetID: tm.ID, DueDate: "2026-04-01"}, "module_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.CenterID = f.center.ID
			_, _, err := f.svc.Assign(ctx, tc.in, approver)
			wantErr(t, tc.name, err, training.ErrInvalid, tc.field)
		})
	}
	if n := f.count(t, (*training.Assignment)(nil)); n != 0 {
		t.Errorf("%d assignments after refusals", n)
	}
	if n := f.count(t, (*training.Enrolment)(nil)); n != 0 {
		t.Errorf("%d enrolments after refusals", n)
	}

	// Today is allowed.
	a, n := f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "staff", TargetID: p.ID, DueDate: f.today(t)})
	if n != 1 || a.TargetName != "张伟" {
		t.Errorf("Assign = %+v, %d", a, n)
	}
	// The person now has an open enrolment: a second assignment adds nothing.
	if _, n := f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "team", TargetID: tm.ID, DueDate: "2026-05-01"}); n != 0 {
		t.Errorf("second assignment created %d enrolments, want 0", n)
	}
	list, err := f.svc.Assignments(ctx, f.center.ID, m.ID)
	if err != nil || len(list) != 2 || list[0].TargetName != "班组A" || list[1].TargetName != "张伟" || list[0].Module == nil {
		t.Fatalf("Assignments = %+v, %v", list, err)
	}
	if err := f.svc.CancelAssignment(ctx, list[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CancelAssignment(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CancelAssignment(unknown) = %v", err)
	}
	// The new enrolment told the person.
	ns, err := f.svc.Notifications(ctx, p.ID, 0)
	if err != nil || len(ns) != 1 || ns[0].Kind != "enrolment" || ns[0].Link == "" {
		t.Errorf("Notifications = %+v, %v", ns, err)
	}
}

func TestAssignGroups(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, _ := f.publishedModule(t, "m", 0)
	online := f.person(t, "1", "线上甲", 0, "online")
	both := f.person(t, "2", "两栖乙", 0, "offline", "online")
	f.person(t, "3", "窗口丙", 0, "offline")
	hot := f.person(t, "4", "热线丁", 0, "hotline")
	gone, _, err := f.staff.SaveStaff(ctx, nil, staff.StaffInput{CenterID: f.center.ID, StaffNo: "5", Name: "离职戊", Channels: []string{"online"}, Active: false})
	if err != nil {
		t.Fatal(err)
	}

	if _, n := f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "channel", TargetValue: "线上", DueDate: "2026-04-01"}); n != 2 {
		t.Errorf("channel assignment enrolled %d, want 2 (active online staff)", n)
	}
	for _, id := range []int64{online.ID, both.ID} {
		f.enrolmentOf(t, id, m.ID)
	}
	if es := f.enrolments(t, gone.ID, m.ID); len(es) != 0 {
		t.Error("inactive person enrolled")
	}

	f.roles["team_lead"] = []int64{hot.ID, gone.ID, 424242}
	a, n := f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "role", TargetValue: "team_lead", DueDate: "2026-04-01"})
	if n != 1 || a.TargetValue != "team_lead" {
		t.Errorf("role assignment = %+v, %d; want 1 (active staff of the center)", a, n)
	}
	// A person who gets the role later is covered at the next sync.
	late := f.person(t, "6", "新组长", 0)
	f.roles["team_lead"] = append(f.roles["team_lead"], late.ID)
	if n, err := f.svc.SyncAssignments(ctx, f.center.ID); err != nil || n != 1 {
		t.Errorf("SyncAssignments = %d, %v; want 1", n, err)
	}
}

// TestLateJoiner: a team assignment covers people who join the team later
// (at the next sync); someone who leaves keeps their enrolment.
func TestLateJoiner(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	m, _ := f.publishedModule(t, "310100-001", 0)
	window := f.team(t, "W")
	hotline := f.team(t, "H")
	stays := f.person(t, "1001", "张伟", window.ID)
	leaves := f.person(t, "1002", "王芳", window.ID)
	joiner := f.person(t, "1003", "李娜", hotline.ID)

	_, n := f.assign(t, training.AssignInput{ModuleID: m.ID, TargetKind: "team", TargetID: window.ID, DueDate: "2026-03-31"})
	if n != 2 {
		t.Fatalf("team assignment enrolled %d, want 2", n)
	}
	if n, err := f.svc.SyncAssignments(ctx, f.center.ID); err != nil || n != 0 {
		t.Fatalf("immediate re-sync = %d, %v; want 0 (idempotent)", n, err)
	}

	// 王芳 leaves for the hotline team; 李娜 joins the window team on 03-10.
	if _, _, err := f.staff.SaveStaff(ctx, nil, staff.StaffInput{CenterID: f.center.ID, StaffNo: "1002", Name: "王芳", TeamID: hotline.ID, Channels: []string{"hotline"}, Active: true, AsOf: "2026-03-05"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.staff.SaveStaff(ctx, nil, staff.StaffInput{CenterID: f.center.ID, StaffNo: "1003", Name: "李娜", TeamID: window.ID, Channels: []string{"offline"}, Active: true, AsOf: "2026-03-10"}); err != nil {
		t.Fatal(err)
	}
	f.clock.SetDay(t, "2026-03-09")
	if n, _ := f.svc.SyncAssignments(ctx, f.center.ID); n != 0 {
		t.Errorf("sync before the join date enrolled %d", n)
	}
	f.clock.SetDay(t, "2026-03-10")
	if n, err := f.svc.SyncAssignments(ctx, f.center.ID); err != nil || n != 1 {
		t.Fatalf("sync after the join = %d, %v; want 1", n, err)
	}
	e := f.enrolmentOf(t, joiner.ID, m.ID)
	if e.DueDate != "2026-03-31" || e.Reason != training.ReasonAssigned || e.AssignmentID == nil {
		t.Errorf("joiner's enrolment = %+v", e)
	}
	if es := f.enrolments(t, leaves.ID, m.ID); len(es) != 1 {
		t.Errorf("leaver has %d enrolments, want 1 (kept)", len(es))
	}
	if n, _ := f.svc.SyncAssignments(ctx, f.center.ID); n != 0 {
		t.Errorf("third sync enrolled %d", n)
	}

	// Joining after the due date: today + 30 days.
	f.clock.SetDay(t, "2026-04-10")
	newbie := f.person(t, "1004", "赵敏", window.ID)
	rep, err := f.svc.RunDaily(ctx, f.center.ID)
	if err != nil || rep.Enrolled != 1 {
		t.Fatalf("RunDaily = %+v, %v", rep, err)
	}
	if e := f.enrolmentOf(t, newbie.ID, m.ID); e.DueDate != "2026-05-10" {
		t.Errorf("late joiner due %s, want 2026-05-10", e.DueDate)
	}

	// Team view: members on a date, overdue first.
	es, err := f.svc.TeamEnrolments(ctx, window.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || !es[0].Overdue || es[len(es)-1].StaffName != "赵敏" {
		t.Errorf("TeamEnrolments = %+v", es)
	}
	for _, e := range es {
		if e.StaffID == leaves.ID {
			t.Error("TeamEnrolments today lists the leaver")
		}
	}
	old, err := f.svc.TeamEnrolments(ctx, window.ID, "2026-03-02")
	if err != nil || len(old) != 2 {
		t.Errorf("TeamEnrolments on 03-02 = %d, %v; want 2", len(old), err)
	}
	_ = stays
}
