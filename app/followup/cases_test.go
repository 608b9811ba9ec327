package followup_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/store/storetest"
	"github.com/kaoping/kaoping/app/workdays"
)

// TestModelsMatchSchema checks that the models have exactly the columns of
// the frozen tables of migration 0010.
func TestModelsMatchSchema(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, model := range []any{(*followup.Case)(nil), (*followup.Appeal)(nil), (*followup.Evidence)(nil)} {
		table := f.db.Table(reflect.TypeOf(model).Elem())
		t.Run(table.Name, func(t *testing.T) {
			rows, err := f.db.QueryContext(context.Background(), "SELECT * FROM "+table.Name+" WHERE 1 = 0")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			got, err := rows.Columns()
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, field := range table.Fields {
				want = append(want, field.Name)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("table %s columns = %v, model has %v", table.Name, got, want)
			}
		})
	}
}

func TestOpenCases(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// 张伟 moves to team B from National Day on: a rating of September
	// stays with team A, whose lead follows it up.
	if _, _, err := f.staff.SaveStaff(ctx, nil, staff.StaffInput{CenterID: f.center.ID, StaffNo: "1001", Name: "张伟",
		TeamID: f.teamB.ID, Channels: []string{"offline"}, Active: true, AsOf: "2026-10-01"}); err != nil {
		t.Fatalf("move: %v", err)
	}
	for _, tc := range []struct {
		level    int
		wantCase bool
	}{{1, true}, {2, true}, {3, false}, {4, false}, {5, false}} {
		r := f.rate(t, "L"+string(rune('0'+tc.level)), "1001", tc.level)
		c, err := f.svc.CaseByRating(ctx, r.ID)
		if !tc.wantCase {
			if err == nil {
				t.Errorf("level %d: case %d opened, want none", tc.level, c.ID)
			} else {
				wantErr(t, err, store.ErrNotFound)
			}
			continue
		}
		if err != nil {
			t.Fatalf("level %d: CaseByRating: %v", tc.level, err)
		}
		if c.State != followup.StateVerify || c.StaffID != f.person.ID || c.CenterID != f.center.ID {
			t.Errorf("level %d: case = state %s staff %d center %d, want verify %d %d", tc.level, c.State, c.StaffID, c.CenterID, f.person.ID, f.center.ID)
		}
		if c.TeamID == nil || *c.TeamID != f.teamA.ID || c.TeamName != "班组A" {
			t.Errorf("level %d: team = %v %q, want team A (%d) on the rating's date", tc.level, c.TeamID, c.TeamName, f.teamA.ID)
		}
		if c.StaffNo != "1001" || c.StaffName != "张伟" || c.Rating == nil || c.Rating.ID != r.ID || c.Rating.Level != tc.level {
			t.Errorf("level %d: case person/rating = %s %s %+v", tc.level, c.StaffNo, c.StaffName, c.Rating)
		}
		if !c.OpenedAt.Equal(f.clock.Now()) || c.Appeal != nil {
			t.Errorf("level %d: opened %v appeal %v, want %v and none", tc.level, c.OpenedAt, c.Appeal, f.clock.Now())
		}
	}

	t.Run("idempotent", func(t *testing.T) {
		r := f.rate(t, "L1", "1001", 1) // sent again upstream: a duplicate
		before := f.caseOf(t, r)
		f.clock.Set(f.clock.Now().Add(48 * time.Hour))
		if err := f.svc.OpenCases(ctx, f.db, []ratings.Rating{r, r}); err != nil {
			t.Fatalf("OpenCases again: %v", err)
		}
		n, err := f.db.NewSelect().Model((*followup.Case)(nil)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d cases, want 2 (levels 1 and 2)", n)
		}
		if after := f.caseOf(t, r); !after.OpenedAt.Equal(before.OpenedAt) || !after.VerifyDue.Equal(before.VerifyDue) {
			t.Errorf("case changed by a second OpenCases: opened %v → %v", before.OpenedAt, after.OpenedAt)
		}
	})

	t.Run("unstored rating", func(t *testing.T) {
		if err := f.svc.OpenCases(ctx, f.db, []ratings.Rating{{ExternalID: "x", Level: 1}}); err == nil {
			t.Error("OpenCases of a rating without id succeeded")
		}
	})
}

// TestDeadlines checks deadlines in working days of the shipped 2026
// calendar: 中秋节 2026-09-25..27, 国庆节 2026-10-01..07 with make-up
// working days on Sunday 09-20 and Saturday 10-10.
func TestDeadlines(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                             string
		received                         string // Shanghai
		verify, rectify, complex, appeal string // deadline dates
	}{
		{"holiday friday before national day", "2026-09-25 17:00:00", "2026-09-28", "2026-10-09", "2026-10-22", "2026-10-09"},
		{"ordinary friday over a weekend", "2026-07-03 17:00:00", "2026-07-06", "2026-07-10", "2026-07-24", "2026-07-10"},
		// 07:00 in Shanghai is still Thursday in UTC: the center's day counts.
		{"friday morning, thursday in UTC", "2026-07-03 07:00:00", "2026-07-06", "2026-07-10", "2026-07-24", "2026-07-10"},
		// 10-08, 10-09, Saturday 10-10 (make-up), 10-12, 10-13.
		{"during the holiday", "2026-10-03 10:00:00", "2026-10-08", "2026-10-13", "2026-10-27", "2026-10-13"},
		{"before a make-up saturday", "2026-10-09 12:00:00", "2026-10-10", "2026-10-15", "2026-10-29", "2026-10-15"},
		{"late on the last day before the holiday", "2026-09-30 23:30:00", "2026-10-08", "2026-10-13", "2026-10-27", "2026-10-13"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			f.clock.Set(storetest.At(t, tc.received))
			r := f.rate(t, "D1", "1001", 1)
			c := f.caseOf(t, r)
			if got, want := c.VerifyDue, endOf(t, tc.verify); !got.Equal(want) {
				t.Errorf("verify due = %v, want %v", got.In(storetest.Shanghai(t)), want.In(storetest.Shanghai(t)))
			}
			if got, want := c.RectifyDue, endOf(t, tc.rectify); !got.Equal(want) {
				t.Errorf("rectify due = %v, want %v", got.In(storetest.Shanghai(t)), want.In(storetest.Shanghai(t)))
			}
			if !c.Due.Equal(c.VerifyDue) || c.Overdue || c.Complex {
				t.Errorf("due = %v overdue %t complex %t, want the verify deadline, on time, simple", c.Due, c.Overdue, c.Complex)
			}
			deadline, err := f.svc.AppealDeadline(ctx, &r)
			if err != nil {
				t.Fatal(err)
			}
			if want := endOf(t, tc.appeal); !deadline.Equal(want) {
				t.Errorf("appeal deadline = %v, want %v", deadline.In(storetest.Shanghai(t)), want.In(storetest.Shanghai(t)))
			}

			// Marked complex later, days after receipt: still counted from
			// received_at.
			f.clock.Set(storetest.At(t, tc.received).Add(20 * time.Hour))
			c, err = f.svc.SetComplex(ctx, c.ID, actor(f.lead), true)
			if err != nil {
				t.Fatalf("SetComplex(true): %v", err)
			}
			if got, want := c.RectifyDue, endOf(t, tc.complex); !c.Complex || !got.Equal(want) {
				t.Errorf("complex: rectify due = %v (complex %t), want %v", got.In(storetest.Shanghai(t)), c.Complex, want.In(storetest.Shanghai(t)))
			}
			c, err = f.svc.SetComplex(ctx, c.ID, actor(f.lead), false)
			if err != nil {
				t.Fatalf("SetComplex(false): %v", err)
			}
			if got, want := c.RectifyDue, endOf(t, tc.rectify); c.Complex || !got.Equal(want) {
				t.Errorf("simple again: rectify due = %v, want %v", got.In(storetest.Shanghai(t)), want.In(storetest.Shanghai(t)))
			}
			if got := len(f.audits(t, "case.complex", caseTarget(c))); got != 2 {
				t.Errorf("%d case.complex audit entries, want 2", got)
			}
		})
	}
}

// TestCenterCalendar checks that a center's own edit of the calendar moves
// the deadlines.
func TestCenterCalendar(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	closed := workdays.Day{Date: "2026-09-28", Kind: workdays.Holiday, Name: "中心停业"}
	if err := workdays.NewStore(f.db).SetDay(ctx, f.center.ID, closed); err != nil {
		t.Fatal(err)
	}
	c := f.caseOf(t, f.rate(t, "C1", "1001", 2))
	if got, want := c.VerifyDue, endOf(t, "2026-09-29"); !got.Equal(want) {
		t.Errorf("verify due = %v, want %v (the center closed on 09-28)", got.In(storetest.Shanghai(t)), want.In(storetest.Shanghai(t)))
	}
}

func TestCaseSteps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := f.caseOf(t, f.rate(t, "S1", "1001", 1))
	lead := actor(f.lead)

	// Out of order.
	_, err := f.svc.Rectify(ctx, c.ID, lead, "已整改")
	wantErr(t, err, followup.ErrState, "待核实")
	_, err = f.svc.Reply(ctx, c.ID, lead, true, followup.Satisfied, "")
	wantErr(t, err, followup.ErrState)
	// The rated person never handles their own case.
	_, err = f.svc.Verify(ctx, c.ID, actor(f.person), false, false, "不是我")
	wantErr(t, err, followup.ErrForbidden)
	_, err = f.svc.Verify(ctx, 999999, lead, true, true, "")
	wantErr(t, err, store.ErrNotFound)
	_, err = f.svc.Verify(ctx, c.ID, followup.Actor{}, true, true, "")
	wantErr(t, err, followup.ErrInvalid)

	f.clock.Set(storetest.At(t, "2026-09-28 09:00:00"))
	c, err = f.svc.Verify(ctx, c.ID, lead, true, true, "  确有其事，窗口等候过久  ")
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if c.State != followup.StateRectify || c.VerifiedBy != lead.Label || c.VerifiedAt == nil || !c.VerifiedAt.Equal(f.clock.Now()) ||
		c.Attributable == nil || !*c.Attributable || c.Reasonable == nil || !*c.Reasonable || c.VerifyNote != "确有其事，窗口等候过久" {
		t.Errorf("after Verify: %+v", c)
	}
	if !c.Due.Equal(c.RectifyDue) {
		t.Errorf("due = %v, want the rectify deadline %v", c.Due, c.RectifyDue)
	}
	_, err = f.svc.Verify(ctx, c.ID, lead, true, true, "")
	wantErr(t, err, followup.ErrState, "待整改")

	_, err = f.svc.Rectify(ctx, c.ID, lead, "   ")
	wantErr(t, err, followup.ErrInvalid)
	c, err = f.svc.Rectify(ctx, c.ID, lead, "增开一个窗口，调整午间排班")
	if err != nil {
		t.Fatalf("Rectify: %v", err)
	}
	if c.State != followup.StateReply || c.RectifiedBy != lead.Label || c.RectifyNote != "增开一个窗口，调整午间排班" || !c.Due.Equal(c.RectifyDue) {
		t.Errorf("after Rectify: %+v", c)
	}
	_, err = f.svc.SetComplex(ctx, c.ID, lead, true)
	wantErr(t, err, followup.ErrState)

	for _, bad := range []struct {
		reached bool
		sat     string
	}{{true, ""}, {true, "happy"}, {false, followup.Satisfied}} {
		_, err = f.svc.Reply(ctx, c.ID, lead, bad.reached, bad.sat, "")
		wantErr(t, err, followup.ErrInvalid)
	}
	c, err = f.svc.Reply(ctx, c.ID, lead, true, followup.Satisfied, "电话回访，群众表示满意")
	if err != nil {
		t.Fatalf("Reply: %v", err)
	}
	if c.State != followup.StateClosed || c.ClosedAt == nil || c.ReplyReached == nil || !*c.ReplyReached ||
		c.ReplySatisfaction != followup.Satisfied || c.RepliedBy != lead.Label || !c.Due.IsZero() || c.Overdue {
		t.Errorf("after Reply: %+v", c)
	}
	_, err = f.svc.Reply(ctx, c.ID, lead, false, "", "")
	wantErr(t, err, followup.ErrState, "已办结")

	for _, action := range []string{"case.verify", "case.rectify", "case.reply"} {
		es := f.audits(t, action, caseTarget(c))
		if len(es) != 1 {
			t.Errorf("%d %s audit entries, want 1", len(es), action)
			continue
		}
		if e := es[0]; e.Actor != lead.Label || e.IP != lead.IP || e.CenterID == nil || *e.CenterID != f.center.ID || e.At.IsZero() {
			t.Errorf("%s audit entry = %+v", action, e)
		}
	}
}

func TestReplyNotReached(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := f.caseOf(t, f.rate(t, "N1", "1001", 2))
	lead := actor(f.lead)
	if _, err := f.svc.Verify(ctx, c.ID, lead, false, true, "反映的是政策问题"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Rectify(ctx, c.ID, lead, "向群众解释政策"); err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.Reply(ctx, c.ID, lead, false, "", "三次电话未接通")
	if err != nil {
		t.Fatalf("Reply(not reached): %v", err)
	}
	if c.State != followup.StateClosed || c.ReplyReached == nil || *c.ReplyReached || c.ReplySatisfaction != "" ||
		c.Attributable == nil || *c.Attributable {
		t.Errorf("closed case = %+v", c)
	}
}

func TestOverdueAndEscalate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	late := f.caseOf(t, f.rate(t, "O1", "1001", 1)) // verify due 2026-09-28
	f.clock.Set(storetest.At(t, "2026-09-28 10:00:00"))
	onTime := f.caseOf(t, f.rate(t, "O2", "1005", 2)) // verify due 2026-09-29

	f.clock.Set(storetest.At(t, "2026-09-28 23:59:59"))
	if c := f.caseOf(t, f.rate(t, "O1", "1001", 1)); c.Overdue {
		t.Errorf("overdue at %v, before the end of the day due", f.clock.Now())
	}
	if cs, err := f.svc.Escalate(ctx, f.center.ID); err != nil || len(cs) != 0 {
		t.Fatalf("Escalate before any deadline = %d cases, %v; want none", len(cs), err)
	}

	f.clock.Set(storetest.At(t, "2026-09-29 08:00:00"))
	c := f.caseOf(t, f.rate(t, "O1", "1001", 1))
	if !c.Overdue || !c.Due.Equal(endOf(t, "2026-09-28")) {
		t.Errorf("case = overdue %t due %v, want overdue since the end of 09-28", c.Overdue, c.Due)
	}
	cs, err := f.svc.Cases(ctx, followup.CaseFilter{CenterID: f.center.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := caseIDs(cs); !slices.Equal(got, []int64{late.ID, onTime.ID}) || !cs[0].Overdue || cs[1].Overdue {
		t.Errorf("Cases = %v, want the overdue %d first, then %d", got, late.ID, onTime.ID)
	}
	cs, err = f.svc.Cases(ctx, followup.CaseFilter{CenterID: f.center.ID, OverdueOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := caseIDs(cs); !slices.Equal(got, []int64{late.ID}) {
		t.Errorf("Cases(OverdueOnly) = %v, want [%d]", got, late.ID)
	}

	cs, err = f.svc.Escalate(ctx, f.center.ID)
	if err != nil {
		t.Fatalf("Escalate: %v", err)
	}
	if got := caseIDs(cs); !slices.Equal(got, []int64{late.ID}) || cs[0].EscalatedAt == nil || !cs[0].EscalatedAt.Equal(f.clock.Now()) {
		t.Fatalf("Escalate = %v, want [%d] marked now", got, late.ID)
	}
	if cs, err := f.svc.Escalate(ctx, f.center.ID); err != nil || len(cs) != 0 {
		t.Errorf("second Escalate = %v, %v; want nothing", caseIDs(cs), err)
	}
	if es := f.audits(t, "case.escalate", caseTarget(late)); len(es) != 1 || es[0].Actor != followup.EscalateActor {
		t.Errorf("case.escalate audit entries = %+v, want one by %s", es, followup.EscalateActor)
	}
	if ns := f.notifications(t, f.hr.ID, "case_escalated"); len(ns) != 1 {
		t.Errorf("HR got %d escalation notifications, want 1", len(ns))
	}
	if ns := f.notifications(t, f.lead.ID, "case_escalated"); len(ns) != 0 {
		t.Errorf("the lead got %d escalation notifications, want 0 (HR's)", len(ns))
	}

	// Verified late, it is on time again for the next step, and stays
	// marked.
	c, err = f.svc.Verify(ctx, late.ID, actor(f.lead), true, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Overdue || !c.Due.Equal(endOf(t, "2026-10-09")) || c.EscalatedAt == nil {
		t.Errorf("after Verify: overdue %t due %v escalated %v", c.Overdue, c.Due, c.EscalatedAt)
	}

	// Another center's overdue case is not this center's business.
	if cs, err := f.svc.Escalate(ctx, f.center.ID+1000); err != nil || len(cs) != 0 {
		t.Errorf("Escalate(unknown center) = %v, %v", caseIDs(cs), err)
	}
}

// TestEscalateConcurrently runs Escalate on two instances at once: each
// overdue case is marked, audited and returned exactly once.
func TestEscalateConcurrently(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	const n = 12
	for i := range n {
		f.rate(t, "E"+string(rune('a'+i)), "1001", 1)
	}
	f.clock.Set(storetest.At(t, "2026-10-08 09:00:00"))
	svcs := []*followup.Service{f.svc, f.service(f.dsn.Open(t))}
	var mu sync.Mutex
	var got []int64
	var wg sync.WaitGroup
	for _, svc := range svcs {
		for range 3 {
			wg.Go(func() {
				cs, err := svc.Escalate(ctx, f.center.ID)
				if err != nil {
					t.Errorf("Escalate: %v", err)
					return
				}
				mu.Lock()
				got = append(got, caseIDs(cs)...)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	slices.Sort(got)
	if len(got) != n || len(slices.Compact(slices.Clone(got))) != n {
		t.Errorf("escalated %v, want %d distinct cases once each", got, n)
	}
	audits, err := f.db.NewSelect().Table("audit_log").Where("action = ?", "case.escalate").Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if audits != n {
		t.Errorf("%d case.escalate audit entries, want %d", audits, n)
	}
}

func TestCasesFilter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a1 := f.caseOf(t, f.rate(t, "F1", "1001", 1))
	a2 := f.caseOf(t, f.rate(t, "F2", "1005", 2))
	b1 := f.caseOf(t, f.rate(t, "F3", "1004", 1))
	if _, err := f.svc.Verify(ctx, a2.ID, actor(f.lead), true, true, ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		filter followup.CaseFilter
		want   []int64
	}{
		{"center", followup.CaseFilter{CenterID: f.center.ID}, []int64{a1.ID, b1.ID, a2.ID}},
		{"team A", followup.CaseFilter{TeamIDs: []int64{f.teamA.ID}}, []int64{a1.ID, a2.ID}},
		{"both teams", followup.CaseFilter{TeamIDs: []int64{f.teamA.ID, f.teamB.ID}}, []int64{a1.ID, b1.ID, a2.ID}},
		{"no team at all", followup.CaseFilter{TeamIDs: []int64{}}, nil},
		{"own", followup.CaseFilter{StaffID: f.person.ID}, []int64{a1.ID}},
		{"state", followup.CaseFilter{States: []string{followup.StateRectify}}, []int64{a2.ID}},
		{"limit", followup.CaseFilter{CenterID: f.center.ID, Limit: 1}, []int64{a1.ID}},
		{"other center", followup.CaseFilter{CenterID: f.center.ID + 1000}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := f.svc.Cases(ctx, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := caseIDs(cs); !slices.Equal(got, tc.want) {
				t.Errorf("Cases = %v, want %v", got, tc.want)
			}
		})
	}
	_, err := f.svc.Cases(ctx, followup.CaseFilter{States: []string{"open"}})
	wantErr(t, err, followup.ErrInvalid, "open")
}

func caseIDs(cs []followup.Case) []int64 {
	var ids []int64
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// TestConcurrentSteps verifies one case from several goroutines on two
// instances: the row lock lets exactly one through, the others see the new
// state.
func TestConcurrentSteps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	c := f.caseOf(t, f.rate(t, "CC", "1001", 1))
	svcs := []*followup.Service{f.svc, f.service(f.dsn.Open(t))}
	var mu sync.Mutex
	var ok, state int
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			_, err := svcs[i%2].Verify(ctx, c.ID, actor(f.lead), true, true, "")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, followup.ErrState):
				state++
			default:
				t.Errorf("Verify: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || state != 5 {
		t.Errorf("%d verified, %d refused as ErrState; want 1 and 5", ok, state)
	}
	if n := len(f.audits(t, "case.verify", caseTarget(c))); n != 1 {
		t.Errorf("%d case.verify audit entries, want 1", n)
	}
}
