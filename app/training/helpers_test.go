package training_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store/storetest"
	"github.com/kaoping/kaoping/app/training"
)

// Users in tests: user ids are plain numbers (no users table needed).
const (
	author   int64 = 1
	approver int64 = 2
)

// clock is storetest's settable test clock plus SetDay; time is injected,
// never slept on.
type clock struct{ storetest.Clock }

// SetDay sets the clock to noon of day (YYYY-MM-DD) in Shanghai.
func (c *clock) SetDay(tb testing.TB, day string) {
	tb.Helper()
	c.Set(storetest.At(tb, day+" 12:00:00"))
}

type fixture struct {
	db     *bun.DB
	dsn    storetest.DSN
	staff  *staff.Service
	svc    *training.Service
	clock  *clock
	center *staff.Center
	opt    training.Options
	roles  map[string][]int64 // what RoleMembers answers
}

// newFixture gives a test its own migrated database, a clock at
// 2026-03-02 (Shanghai), the default center and a training service.
// configure may change the options (quiz gate, notifier).
func newFixture(t *testing.T, configure ...func(*training.Options)) *fixture {
	t.Helper()
	db, dsn := storetest.NewDSN(t)
	clk := &clock{}
	clk.SetDay(t, "2026-03-02")
	st := staff.NewService(db, clk.Now)
	c, err := st.DefaultCenter(context.Background())
	if err != nil {
		t.Fatalf("DefaultCenter: %v", err)
	}
	f := &fixture{db: db, dsn: dsn, staff: st, clock: clk, center: c, roles: map[string][]int64{}}
	f.opt = training.Options{Now: clk.Now, RoleMembers: func(_ context.Context, centerID int64, role string) ([]int64, error) {
		return f.roles[role], nil
	}}
	for _, fn := range configure {
		fn(&f.opt)
	}
	f.svc = training.NewService(db, st, f.opt)
	return f
}

// service returns another Service (with its own pool) on the same database,
// like a second server instance.
func (f *fixture) service(t *testing.T) *training.Service {
	t.Helper()
	db := f.dsn.Open(t)
	return training.NewService(db, staff.NewService(db, f.clock.Now), f.opt)
}

func (f *fixture) today(t *testing.T) string {
	t.Helper()
	d, err := f.staff.Today(context.Background(), f.center.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) team(t *testing.T, code string) *staff.Team {
	t.Helper()
	tm := &staff.Team{CenterID: f.center.ID, Code: code, Name: "班组" + code, Channel: "offline"}
	if err := f.staff.CreateTeam(context.Background(), tm); err != nil {
		t.Fatalf("CreateTeam(%s): %v", code, err)
	}
	return tm
}

// person creates an active staff member in team (0 = none) serving channels
// (default offline).
func (f *fixture) person(t *testing.T, no, name string, teamID int64, channels ...string) *staff.Member {
	t.Helper()
	if len(channels) == 0 {
		channels = []string{"offline"}
	}
	m, _, err := f.staff.SaveStaff(context.Background(), nil, staff.StaffInput{
		CenterID: f.center.ID, StaffNo: no, Name: name, TeamID: teamID, Channels: channels, Active: true,
	})
	if err != nil {
		t.Fatalf("SaveStaff(%s): %v", no, err)
	}
	return m
}

// content is a publishable module body with n lessons.
func content(title string, n int) training.DraftInput {
	in := training.DraftInput{
		Title:   title,
		Summary: "企业设立登记的统一受理标准",
		Standard: training.Standard{
			Steps: []training.Step{
				{Title: "查验身份", Detail: "核对申请人身份证件"},
				{Title: "审核材料", Detail: "对照材料清单逐项核对"},
				{Title: "受理出证"},
			},
			Materials: []training.Material{
				{Name: "公司登记申请书", Form: training.FormOriginal, Count: 1},
				{Name: "营业执照", Form: training.FormCopy, Count: 1, Notes: "加盖公章"},
			},
			Criteria:      []string{"材料齐全", "符合法定形式"},
			TimeLimitDays: 3,
			ChannelNotes:  map[string]string{"online": "线上提交电子材料"},
		},
	}
	for i := 0; i < n; i++ {
		in.Lessons = append(in.Lessons, training.Lesson{Title: fmt.Sprintf("第%d课", i+1), Body: "# 内容\n\n正文 " + title})
	}
	return in
}

// newModule creates a module whose version 1 is a draft with content.
func (f *fixture) newModule(t *testing.T, code string, validity int) (*training.Module, *training.Version) {
	t.Helper()
	c := content("模块 "+code, 2)
	m, v, err := f.svc.CreateModule(context.Background(), training.ModuleInput{
		CenterID: f.center.ID, Code: code, ValidityMonths: validity,
		Title: c.Title, Summary: c.Summary, Standard: c.Standard, Lessons: c.Lessons,
	}, author)
	if err != nil {
		t.Fatalf("CreateModule(%s): %v", code, err)
	}
	return m, v
}

// publish submits and approves a version.
func (f *fixture) publish(t *testing.T, versionID int64, policy string, days int) {
	t.Helper()
	ctx := context.Background()
	if err := f.svc.Submit(ctx, versionID, policy, days, author); err != nil {
		t.Fatalf("Submit(%d): %v", versionID, err)
	}
	if err := f.svc.Approve(ctx, versionID, approver); err != nil {
		t.Fatalf("Approve(%d): %v", versionID, err)
	}
}

// publishedModule creates and publishes a module.
func (f *fixture) publishedModule(t *testing.T, code string, validity int) (*training.Module, *training.Version) {
	t.Helper()
	m, v := f.newModule(t, code, validity)
	f.publish(t, v.ID, training.PolicyGrandfather, 0)
	return m, v
}

// newVersion saves a changed draft of the module and publishes it.
func (f *fixture) newVersion(t *testing.T, m *training.Module, title, policy string, days int) *training.Version {
	t.Helper()
	v, err := f.svc.SaveDraft(context.Background(), m.ID, content(title, 3), author)
	if err != nil {
		t.Fatalf("SaveDraft: %v", err)
	}
	f.publish(t, v.ID, policy, days)
	return v
}

func (f *fixture) assign(t *testing.T, in training.AssignInput) (*training.Assignment, int) {
	t.Helper()
	if in.CenterID == 0 {
		in.CenterID = f.center.ID
	}
	a, n, err := f.svc.Assign(context.Background(), in, approver)
	if err != nil {
		t.Fatalf("Assign(%+v): %v", in, err)
	}
	return a, n
}

// enrolmentOf returns the person's open enrolment for the module, or the
// latest one if all are completed; it fails if there is none.
func (f *fixture) enrolmentOf(t *testing.T, staffID, moduleID int64) training.Enrolment {
	t.Helper()
	es := f.enrolments(t, staffID, moduleID)
	if len(es) == 0 {
		t.Fatalf("staff %d has no enrolment for module %d", staffID, moduleID)
	}
	for _, e := range es {
		if e.Status != training.EnrolmentCompleted {
			return e
		}
	}
	return es[len(es)-1]
}

// enrolments returns the person's enrolments for the module, oldest first.
func (f *fixture) enrolments(t *testing.T, staffID, moduleID int64) []training.Enrolment {
	t.Helper()
	all, err := f.svc.StaffEnrolments(context.Background(), staffID)
	if err != nil {
		t.Fatalf("StaffEnrolments: %v", err)
	}
	var out []training.Enrolment
	for _, e := range all {
		if e.ModuleID == moduleID {
			out = append(out, e)
		}
	}
	sortByID(out)
	return out
}

func sortByID(es []training.Enrolment) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].ID < es[j-1].ID; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// complete reads every lesson of the enrolment and checks it completed.
func (f *fixture) complete(t *testing.T, enrolmentID int64) *training.Enrolment {
	t.Helper()
	ctx := context.Background()
	e, err := f.svc.Enrolment(ctx, enrolmentID)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range e.Version.Lessons {
		if e, err = f.svc.ReadLesson(ctx, enrolmentID, l.ID); err != nil {
			t.Fatalf("ReadLesson(%d, %d): %v", enrolmentID, l.ID, err)
		}
	}
	if e.Status != training.EnrolmentCompleted {
		t.Fatalf("enrolment %d after reading everything: status %s", enrolmentID, e.Status)
	}
	return e
}

func (f *fixture) count(t *testing.T, model any, where ...string) int {
	t.Helper()
	q := f.db.NewSelect().Model(model)
	for _, w := range where {
		q = q.Where(w)
	}
	n, err := q.Count(context.Background())
	if err != nil {
		t.Fatalf("count %T: %v", model, err)
	}
	return int(n)
}

// wantErr fails unless err matches target and, when fields are given,
// mentions each of them.
func wantErr(t *testing.T, what string, err, target error, fields ...string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: err = %v, want %v", what, err, target)
	}
	for _, f := range fields {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s: err %q does not name %q", what, err, f)
		}
	}
}

// staffInput updates a person of the fixture's center (offline channel).
func staffInput(f *fixture, no, name string, active bool) staff.StaffInput {
	return staff.StaffInput{CenterID: f.center.ID, StaffNo: no, Name: name, Channels: []string{"offline"}, Active: active}
}
