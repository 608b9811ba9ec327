package staff_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
)

// TestModelsMatchSchema checks that every live model has exactly the columns
// migration 0001 created.
func TestModelsMatchSchema(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, model := range []any{
		(*staff.Center)(nil), (*staff.Team)(nil), (*staff.Staff)(nil),
		(*staff.ExternalID)(nil), (*staff.Membership)(nil), (*staff.ServiceItem)(nil),
	} {
		table := f.db.Table(reflect.TypeOf(model).Elem())
		t.Run(table.Name, func(t *testing.T) {
			rows, err := f.db.QueryContext(ctx, "SELECT * FROM "+table.Name+" WHERE 1 = 0")
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

func TestCenterAndToday(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()

	if f.center.Code != "default" || f.center.Timezone != "Asia/Shanghai" {
		t.Fatalf("default center = %+v", f.center)
	}
	// 17:30 UTC on 1 March is already 2 March in Shanghai.
	f.clock.Set(time.Date(2026, 3, 1, 17, 30, 0, 0, time.UTC))
	if got, err := f.svc.Today(ctx, f.center.ID); err != nil || got != "2026-03-02" {
		t.Errorf("Today = %q, %v; want 2026-03-02", got, err)
	}

	c, err := f.svc.Center(ctx, f.center.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.Timezone = "America/New_York"
	c.Name = "浦东新区政务服务中心"
	if err := f.svc.UpdateCenter(ctx, c); err != nil {
		t.Fatalf("UpdateCenter: %v", err)
	}
	if got, _ := f.svc.Today(ctx, f.center.ID); got != "2026-03-01" {
		t.Errorf("Today in New York = %q, want 2026-03-01", got)
	}
	if c2, _ := f.svc.Center(ctx, f.center.ID); c2.Name != "浦东新区政务服务中心" {
		t.Errorf("name after update = %q", c2.Name)
	}

	for _, tz := range []string{"Mars/Olympus", "", "Local"} {
		c.Timezone = tz
		err := f.svc.UpdateCenter(ctx, c)
		var fe *staff.FieldError
		if !errors.Is(err, staff.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "timezone" {
			t.Errorf("UpdateCenter(timezone %q) = %v, want ErrInvalid on timezone", tz, err)
		}
	}

	if _, err := f.svc.Center(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Center(9999) = %v, want ErrNotFound", err)
	}
	if _, err := f.svc.Today(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Today(9999) = %v, want ErrNotFound", err)
	}
	missing := &staff.Center{ID: 9999, Code: "x", Name: "x", Timezone: "UTC"}
	if err := f.svc.UpdateCenter(ctx, missing); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateCenter(9999) = %v, want ErrNotFound", err)
	}
}

// otherCenter inserts a second center directly (the service has no
// CreateCenter yet) and returns its id.
func otherCenter(t *testing.T, f *fixture) int64 {
	t.Helper()
	n := f.count(t, (*staff.Center)(nil))
	c := &staff.Center{Code: fmt.Sprintf("other%d", n), Name: "浦东", Timezone: "Asia/Shanghai", CreatedAt: time.Now().UTC()}
	if _, err := f.db.NewInsert().Model(c).Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func TestTeams(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()

	w2 := f.team(t, "W2", "综合受理窗口二组", "窗口")
	if w2.ID == 0 || w2.Channel != "offline" || w2.CreatedAt.IsZero() {
		t.Errorf("created team = %+v, want id, channel offline, created_at", w2)
	}
	w1 := f.team(t, "W1", "综合受理窗口一组", "offline")
	ol := f.team(t, "OL", "一网通办审核组", "一网通办")
	f.team(t, "HL", "12345热线坐席组", "１２３４５")

	t.Run("validation", func(t *testing.T) {
		tests := []struct {
			name      string
			team      staff.Team
			wantField string
		}{
			{"no code", staff.Team{CenterID: f.center.ID, Name: "x", Channel: "窗口"}, "code"},
			{"blank name", staff.Team{CenterID: f.center.ID, Code: "X", Name: "　", Channel: "窗口"}, "name"},
			{"bad channel", staff.Team{CenterID: f.center.ID, Code: "X", Name: "x", Channel: "邮寄"}, "channel"},
			{"long code", staff.Team{CenterID: f.center.ID, Code: strings.Repeat("组", 65), Name: "x", Channel: "窗口"}, "code"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := f.svc.CreateTeam(ctx, &tt.team)
				var fe *staff.FieldError
				if !errors.Is(err, staff.ErrInvalid) || !errors.As(err, &fe) || fe.Field != tt.wantField {
					t.Errorf("CreateTeam = %v, want ErrInvalid on %s", err, tt.wantField)
				}
			})
		}
	})

	t.Run("duplicate code", func(t *testing.T) {
		err := f.svc.CreateTeam(ctx, &staff.Team{CenterID: f.center.ID, Code: "W1", Name: "又一组", Channel: "窗口"})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateTeam(W1 again) = %v, want ErrConflict", err)
		}
	})

	t.Run("scoped to center", func(t *testing.T) {
		other := otherCenter(t, f)
		if _, err := f.svc.Team(ctx, other, w1.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Team(other center) = %v, want ErrNotFound", err)
		}
		if got, err := f.svc.Team(ctx, f.center.ID, w1.ID); err != nil || got.Code != "W1" {
			t.Errorf("Team = %+v, %v", got, err)
		}
		if got, err := f.svc.TeamByID(ctx, w1.ID); err != nil || got.Code != "W1" || got.CenterID != f.center.ID {
			t.Errorf("TeamByID = %+v, %v", got, err)
		}
		if _, err := f.svc.TeamByID(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TeamByID(9999) = %v, want ErrNotFound", err)
		}
		// The same code may exist in another center.
		if err := f.svc.CreateTeam(ctx, &staff.Team{CenterID: other, Code: "W1", Name: "浦东窗口", Channel: "窗口"}); err != nil {
			t.Errorf("CreateTeam(W1 in other center): %v", err)
		}
		if err := f.svc.CreateTeam(ctx, &staff.Team{CenterID: 9999, Code: "Z", Name: "z", Channel: "窗口"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("CreateTeam(no center) = %v, want ErrNotFound", err)
		}
	})

	t.Run("find", func(t *testing.T) {
		tests := []struct{ key, wantCode string }{
			{"W1", "W1"},
			{" 综合受理窗口一组 ", "W1"},
			{"一网通办审核组", "OL"},
		}
		for _, tt := range tests {
			got, err := f.svc.FindTeam(ctx, f.center.ID, tt.key)
			if err != nil || got.Code != tt.wantCode {
				t.Errorf("FindTeam(%q) = %+v, %v; want %s", tt.key, got, err, tt.wantCode)
			}
		}
		if _, err := f.svc.FindTeam(ctx, f.center.ID, "不存在"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FindTeam(unknown) = %v, want ErrNotFound", err)
		}
		// A code wins over another team's name.
		f.team(t, "综合受理窗口二组", "临时组", "窗口")
		if got, _ := f.svc.FindTeam(ctx, f.center.ID, "综合受理窗口二组"); got == nil || got.Name != "临时组" {
			t.Errorf("FindTeam by code vs name = %+v, want the team whose code matches", got)
		}
		f.team(t, "OL2", "一网通办审核组", "线上")
		if _, err := f.svc.FindTeam(ctx, f.center.ID, "一网通办审核组"); !errors.Is(err, staff.ErrInvalid) {
			t.Errorf("FindTeam(ambiguous name) = %v, want ErrInvalid", err)
		}
	})

	t.Run("update", func(t *testing.T) {
		ol.Name = "线上审核组"
		ol.Channel = "网上"
		if err := f.svc.UpdateTeam(ctx, ol); err != nil {
			t.Fatalf("UpdateTeam: %v", err)
		}
		got, _ := f.svc.Team(ctx, f.center.ID, ol.ID)
		if got.Name != "线上审核组" || got.Channel != "online" {
			t.Errorf("after update = %+v", got)
		}
		wrong := *ol
		wrong.CenterID = otherCenter(t, f)
		wrong.Code = "elsewhere"
		if err := f.svc.UpdateTeam(ctx, &wrong); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("UpdateTeam(other center) = %v, want ErrNotFound", err)
		}
		dup := *ol
		dup.Code = "W1"
		if err := f.svc.UpdateTeam(ctx, &dup); !errors.Is(err, store.ErrConflict) {
			t.Errorf("UpdateTeam(code taken) = %v, want ErrConflict", err)
		}
	})

	t.Run("list with counts", func(t *testing.T) {
		for i, no := range []string{"A1", "A2", "A3"} {
			in := staff.StaffInput{CenterID: f.center.ID, StaffNo: no, Name: "员工" + no, TeamID: w1.ID, Channels: []string{"offline"}, Active: true}
			if i == 2 {
				in.TeamID = w2.ID
			}
			if _, _, err := f.svc.SaveStaff(ctx, nil, in); err != nil {
				t.Fatal(err)
			}
		}
		got, err := f.svc.Teams(ctx, f.center.ID)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		members := map[string]int{}
		for _, ts := range got {
			codes = append(codes, ts.Code)
			members[ts.Code] = ts.Members
		}
		want := []string{"HL", "OL", "OL2", "W1", "W2", "综合受理窗口二组"}
		if !slices.Equal(codes, want) {
			t.Errorf("team codes = %v, want %v", codes, want)
		}
		if members["W1"] != 2 || members["W2"] != 1 || members["HL"] != 0 {
			t.Errorf("member counts = %v, want W1 2, W2 1, HL 0", members)
		}
	})
}

func TestSaveStaff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	w1 := f.team(t, "W1", "综合受理窗口一组", "窗口")

	in := staff.StaffInput{
		CenterID: f.center.ID, StaffNo: "ＳＨ０１０１", Name: " 张伟 ", TeamID: w1.ID,
		Channels: []string{"online", "窗口", "offline"}, ExternalIDs: []string{"W-001", " wsh_zhangwei ", "W-001"}, Active: true,
	}
	m, created, err := f.svc.SaveStaff(ctx, nil, in)
	if err != nil {
		t.Fatalf("SaveStaff: %v", err)
	}
	if !created || m.ID == 0 || m.StaffNo != "SH0101" || m.Name != "张伟" || m.Channels != "offline;online" {
		t.Errorf("created member = %+v (created %v)", m.Staff, created)
	}
	if !slices.Equal(m.ChannelList(), []string{"offline", "online"}) {
		t.Errorf("ChannelList = %v", m.ChannelList())
	}
	if !slices.Equal(m.ExternalIDs, []string{"W-001", "wsh_zhangwei"}) {
		t.Errorf("ExternalIDs = %v", m.ExternalIDs)
	}
	if m.Team == nil || m.Team.ID != w1.ID {
		t.Errorf("Team = %+v, want W1", m.Team)
	}

	// Update by staff_no: same person, ids replaced, team untouched (TeamID 0).
	in2 := staff.StaffInput{CenterID: f.center.ID, StaffNo: "SH0101", Name: "张伟", Channels: []string{"offline"}, ExternalIDs: []string{"W-009"}, Active: false}
	m2, created, err := f.svc.SaveStaff(ctx, f.db, in2)
	if err != nil {
		t.Fatalf("SaveStaff update: %v", err)
	}
	if created || m2.ID != m.ID || m2.Active || m2.Channels != "offline" {
		t.Errorf("updated = %+v (created %v), want same id, inactive, offline", m2.Staff, created)
	}
	got, err := f.svc.StaffByID(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.ExternalIDs, []string{"W-009"}) || got.Team == nil || got.Team.ID != w1.ID {
		t.Errorf("StaffByID = ids %v team %+v; want [W-009] and W1", got.ExternalIDs, got.Team)
	}
	if byNo, err := f.svc.StaffByNo(ctx, f.center.ID, "ｓh0101"); err == nil {
		t.Errorf("StaffByNo is case-sensitive, found %+v", byNo.Staff)
	}
	if byNo, err := f.svc.StaffByNo(ctx, f.center.ID, " ＳＨ0101 "); err != nil || byNo.ID != m.ID {
		t.Errorf("StaffByNo(full-width) = %v, %v", byNo, err)
	}
	if _, err := f.svc.StaffByID(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("StaffByID(9999) = %v, want ErrNotFound", err)
	}
	if _, err := f.svc.StaffByNo(ctx, f.center.ID, "NOPE"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("StaffByNo(NOPE) = %v, want ErrNotFound", err)
	}

	t.Run("external id of another person", func(t *testing.T) {
		_, _, err := f.svc.SaveStaff(ctx, nil, staff.StaffInput{CenterID: f.center.ID, StaffNo: "SH0102", Name: "王芳", Channels: []string{"offline"}, ExternalIDs: []string{"W-009"}, Active: true})
		var fe *staff.FieldError
		if !errors.As(err, &fe) || !errors.Is(err, staff.ErrInvalid) || fe.Field != "external_ids" || !strings.Contains(fe.Message, "W-009") || !strings.Contains(fe.Message, "SH0101") {
			t.Errorf("SaveStaff(W-009 again) = %v, want ErrInvalid naming W-009 and SH0101", err)
		}
		if _, err := f.svc.StaffByNo(ctx, f.center.ID, "SH0102"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("refused save wrote SH0102: %v", err)
		}
	})

	t.Run("validation", func(t *testing.T) {
		base := staff.StaffInput{CenterID: f.center.ID, StaffNo: "SH0200", Name: "李娜", Channels: []string{"online"}, Active: true}
		other := otherCenter(t, f)
		otherTeam := &staff.Team{CenterID: other, Code: "P1", Name: "浦东一组", Channel: "窗口"}
		if err := f.svc.CreateTeam(ctx, otherTeam); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name      string
			edit      func(*staff.StaffInput)
			wantField string
		}{
			{"empty staff_no", func(in *staff.StaffInput) { in.StaffNo = " " }, "staff_no"},
			{"space in staff_no", func(in *staff.StaffInput) { in.StaffNo = "SH 0200" }, "staff_no"},
			{"long staff_no", func(in *staff.StaffInput) { in.StaffNo = strings.Repeat("9", 33) }, "staff_no"},
			{"empty name", func(in *staff.StaffInput) { in.Name = "　" }, "name"},
			{"long name", func(in *staff.StaffInput) { in.Name = strings.Repeat("𠮷", 65) }, "name"},
			{"line break in name", func(in *staff.StaffInput) { in.Name = "李\n娜" }, "name"},
			{"no channel", func(in *staff.StaffInput) { in.Channels = nil }, "channels"},
			{"unknown channel", func(in *staff.StaffInput) { in.Channels = []string{"邮寄"} }, "channels"},
			{"space in external id", func(in *staff.StaffInput) { in.ExternalIDs = []string{"W-1 W-2"} }, "external_ids"},
			{"team of another center", func(in *staff.StaffInput) { in.TeamID = otherTeam.ID }, "team_id"},
			{"bad date", func(in *staff.StaffInput) { in.AsOf = "2026/3/1" }, "as_of"},
			{"no center", func(in *staff.StaffInput) { in.CenterID = 0 }, "center_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := base
				tt.edit(&in)
				_, _, err := f.svc.SaveStaff(ctx, nil, in)
				var fe *staff.FieldError
				if !errors.Is(err, staff.ErrInvalid) || !errors.As(err, &fe) || fe.Field != tt.wantField {
					t.Errorf("SaveStaff = %v, want ErrInvalid on %s", err, tt.wantField)
				}
			})
		}
		in := base
		in.CenterID = 9999
		if _, _, err := f.svc.SaveStaff(ctx, nil, in); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SaveStaff(unknown center) = %v, want ErrNotFound", err)
		}
	})

	t.Run("rare characters round-trip", func(t *testing.T) {
		for i, name := range []string{"王喆", "李堃", "赵赟", "吉𠮷", strings.Repeat("𠮷", 64)} {
			no := "R" + string(rune('0'+i))
			if _, _, err := f.svc.SaveStaff(ctx, nil, staff.StaffInput{CenterID: f.center.ID, StaffNo: no, Name: name, Channels: []string{"hotline"}, Active: true}); err != nil {
				t.Fatalf("SaveStaff(%s): %v", name, err)
			}
			got, err := f.svc.StaffByNo(ctx, f.center.ID, no)
			if err != nil || got.Name != name {
				t.Errorf("name round-trip = %q, %v; want %q", got.Name, err, name)
			}
		}
	})

	t.Run("inside the caller's transaction", func(t *testing.T) {
		errRollback := errors.New("roll back")
		err := f.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			m, created, err := f.svc.SaveStaff(ctx, tx, staff.StaffInput{CenterID: f.center.ID, StaffNo: "TX01", Name: "事务", TeamID: w1.ID, Channels: []string{"offline"}, ExternalIDs: []string{"TX-1"}, Active: true})
			if err != nil || !created || m.ID == 0 {
				t.Errorf("SaveStaff in tx = %+v, %v, %v", m, created, err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if _, err := f.svc.StaffByNo(ctx, f.center.ID, "TX01"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rolled-back SaveStaff left TX01: %v", err)
		}
		if n := f.count(t, (*staff.ExternalID)(nil)); n != 1 {
			t.Errorf("external ids after rollback = %d, want 1 (W-009)", n)
		}
	})
}

func TestSaveStaffMoves(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := f.team(t, "A", "窗口一组", "窗口")
	b := f.team(t, "B", "窗口二组", "窗口")
	c := f.team(t, "C", "热线组", "热线")

	save := func(teamID int64, asOf string) *staff.Member {
		t.Helper()
		m, _, err := f.svc.SaveStaff(ctx, nil, staff.StaffInput{CenterID: f.center.ID, StaffNo: "M01", Name: "调动", TeamID: teamID, Channels: []string{"offline"}, Active: true, AsOf: asOf})
		if err != nil {
			t.Fatalf("SaveStaff(team %d, %q): %v", teamID, asOf, err)
		}
		return m
	}
	type span struct {
		team     string
		from, to string
	}
	history := func(id int64) []span {
		t.Helper()
		ms, err := f.svc.Memberships(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []span
		for _, m := range ms {
			to := ""
			if m.ValidTo != nil {
				to = *m.ValidTo
			}
			out = append(out, span{m.Team.Code, m.ValidFrom, to})
		}
		return out
	}
	check := func(id int64, want ...span) {
		t.Helper()
		if got := history(id); !slices.Equal(got, want) {
			t.Errorf("history = %v, want %v", got, want)
		}
	}

	f.clock.SetDay(t, "2026-03-02")
	m := save(a.ID, "")
	check(m.ID, span{"A", "2026-03-02", ""})

	save(0, "") // no team given: no change
	save(a.ID, "")
	check(m.ID, span{"A", "2026-03-02", ""})

	f.clock.SetDay(t, "2026-03-10")
	if got := save(b.ID, ""); got.Team == nil || got.Team.ID != b.ID {
		t.Errorf("after move Team = %+v, want B", got.Team)
	}
	check(m.ID, span{"A", "2026-03-02", "2026-03-10"}, span{"B", "2026-03-10", ""})

	// Same-day correction: re-pointed, no zero-length interval.
	save(c.ID, "")
	check(m.ID, span{"A", "2026-03-02", "2026-03-10"}, span{"C", "2026-03-10", ""})
	// Same-day move back: merged into one membership.
	save(a.ID, "")
	check(m.ID, span{"A", "2026-03-02", ""})

	// A dated move, and one that would precede the current membership.
	save(b.ID, "2026-04-01")
	check(m.ID, span{"A", "2026-03-02", "2026-04-01"}, span{"B", "2026-04-01", ""})
	_, _, err := f.svc.SaveStaff(ctx, nil, staff.StaffInput{CenterID: f.center.ID, StaffNo: "M01", Name: "调动", TeamID: c.ID, Channels: []string{"offline"}, Active: true, AsOf: "2026-03-20"})
	var fe *staff.FieldError
	if !errors.As(err, &fe) || fe.Field != "as_of" {
		t.Errorf("move before current start = %v, want ErrInvalid on as_of", err)
	}

	tests := []struct {
		date, want string
	}{
		{"2026-03-01", ""},
		{"2026-03-02", "A"},
		{"2026-03-31", "A"},
		{"2026-04-01", "B"},
		{"2027-01-01", "B"},
	}
	for _, tt := range tests {
		got, err := f.svc.TeamOn(ctx, m.ID, tt.date)
		switch {
		case tt.want == "" && !errors.Is(err, store.ErrNotFound):
			t.Errorf("TeamOn(%s) = %+v, %v; want ErrNotFound", tt.date, got, err)
		case tt.want != "" && (err != nil || got.Code != tt.want):
			t.Errorf("TeamOn(%s) = %+v, %v; want %s", tt.date, got, err, tt.want)
		}
	}
	// Today is 2026-03-10: still in A until the dated move.
	if got, err := f.svc.TeamOn(ctx, m.ID, ""); err != nil || got.Code != "A" {
		t.Errorf("TeamOn(today) = %+v, %v; want A", got, err)
	}
	if got, _ := f.svc.StaffByID(ctx, m.ID); got.Team == nil || got.Team.Code != "A" {
		t.Errorf("StaffByID today Team = %+v, want A", got.Team)
	}
	if _, err := f.svc.TeamOn(ctx, m.ID, "1 April"); !errors.Is(err, staff.ErrInvalid) {
		t.Errorf("TeamOn(bad date) = %v, want ErrInvalid", err)
	}
	if _, err := f.svc.TeamOn(ctx, 9999, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TeamOn(unknown staff) = %v, want ErrNotFound", err)
	}
	if _, err := f.svc.Memberships(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Memberships(unknown staff) = %v, want ErrNotFound", err)
	}

	for _, tt := range []struct {
		team  *staff.Team
		date  string
		count int
	}{{a, "2026-03-15", 1}, {a, "2026-04-01", 0}, {b, "2026-04-01", 1}, {b, "", 0}, {c, "2026-03-10", 0}} {
		ms, err := f.svc.TeamMembers(ctx, tt.team.ID, tt.date)
		if err != nil || len(ms) != tt.count {
			t.Errorf("TeamMembers(%s, %q) = %d, %v; want %d", tt.team.Code, tt.date, len(ms), err, tt.count)
		}
		for _, m := range ms {
			if m.Team == nil || m.Team.ID != tt.team.ID {
				t.Errorf("TeamMembers(%s) member team = %+v", tt.team.Code, m.Team)
			}
		}
	}
	if _, err := f.svc.TeamMembers(ctx, 9999, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TeamMembers(unknown) = %v, want ErrNotFound", err)
	}
}

func TestListStaff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := f.team(t, "A", "窗口一组", "窗口")
	b := f.team(t, "B", "热线组", "热线")
	people := []struct {
		no, name string
		team     int64
	}{
		{"SH0102", "王芳", a.ID},
		{"SH0101", "张伟", a.ID},
		{"SH0201", "张小伟", b.ID},
		{"HL_01", "Li Na", b.ID},
		{"HL%02", "李%娜", 0},
	}
	for _, p := range people {
		if _, _, err := f.svc.SaveStaff(ctx, nil, staff.StaffInput{CenterID: f.center.ID, StaffNo: p.no, Name: p.name, TeamID: p.team, Channels: []string{"offline"}, ExternalIDs: []string{"X-" + p.no}, Active: true}); err != nil {
			t.Fatal(err)
		}
	}
	other := otherCenter(t, f)
	if _, _, err := f.svc.SaveStaff(ctx, nil, staff.StaffInput{CenterID: other, StaffNo: "SH0101", Name: "张伟", Channels: []string{"offline"}, Active: true}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		filter staff.StaffFilter
		want   []string
	}{
		{"all sorted", staff.StaffFilter{}, []string{"HL%02", "HL_01", "SH0101", "SH0102", "SH0201"}},
		{"team", staff.StaffFilter{TeamID: a.ID}, []string{"SH0101", "SH0102"}},
		{"staff_no prefix", staff.StaffFilter{Query: "sh01"}, []string{"SH0101", "SH0102"}},
		{"not a staff_no infix", staff.StaffFilter{Query: "0101"}, nil},
		{"name substring", staff.StaffFilter{Query: "伟"}, []string{"SH0101", "SH0201"}},
		{"name case-insensitive", staff.StaffFilter{Query: "li na"}, []string{"HL_01"}},
		{"percent is literal", staff.StaffFilter{Query: "%"}, []string{"HL%02"}},
		{"underscore is literal", staff.StaffFilter{Query: "HL_"}, []string{"HL_01"}},
		{"team and query", staff.StaffFilter{TeamID: b.ID, Query: "张"}, []string{"SH0201"}},
		{"limit offset", staff.StaffFilter{Limit: 2, Offset: 1}, []string{"HL_01", "SH0101"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := f.svc.ListStaff(ctx, f.center.ID, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.StaffNo)
				if len(m.ExternalIDs) != 1 || m.ExternalIDs[0] != "X-"+m.StaffNo {
					t.Errorf("%s ExternalIDs = %v", m.StaffNo, m.ExternalIDs)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ListStaff(%+v) = %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
	ms, _ := f.svc.ListStaff(ctx, f.center.ID, staff.StaffFilter{Query: "SH0101"})
	if len(ms) != 1 || ms[0].Team == nil || ms[0].Team.Code != "A" {
		t.Errorf("ListStaff member team = %+v", ms)
	}
}

func TestItems(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, it := range []*staff.ServiceItem{
		{CenterID: f.center.ID, Code: "310100-002", Name: "企业变更登记"},
		{CenterID: f.center.ID, Code: "３１０１００-００１", Name: "企业设立登记"},
	} {
		if err := f.svc.CreateItem(ctx, it); err != nil {
			t.Fatalf("CreateItem(%s): %v", it.Code, err)
		}
	}
	if err := f.svc.CreateItem(ctx, &staff.ServiceItem{CenterID: f.center.ID, Code: "310100-001", Name: "重复"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateItem(duplicate) = %v, want ErrConflict", err)
	}
	if err := f.svc.CreateItem(ctx, &staff.ServiceItem{CenterID: f.center.ID, Code: "", Name: "x"}); !errors.Is(err, staff.ErrInvalid) {
		t.Errorf("CreateItem(no code) = %v, want ErrInvalid", err)
	}
	items, err := f.svc.Items(ctx, f.center.ID)
	if err != nil || len(items) != 2 || items[0].Code != "310100-001" || items[1].Code != "310100-002" {
		t.Fatalf("Items = %+v, %v", items, err)
	}
	it, err := f.svc.ItemByCode(ctx, f.center.ID, "310100-001")
	if err != nil || it.Name != "企业设立登记" {
		t.Fatalf("ItemByCode = %+v, %v", it, err)
	}
	if byID, err := f.svc.ItemByID(ctx, f.center.ID, it.ID); err != nil || byID.Code != it.Code {
		t.Errorf("ItemByID = %+v, %v", byID, err)
	}
	if _, err := f.svc.ItemByID(ctx, f.center.ID+1000, it.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ItemByID(other center) = %v, want ErrNotFound", err)
	}
	it.Name = "企业设立登记（含分支机构）"
	if err := f.svc.UpdateItem(ctx, it); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.ItemByCode(ctx, f.center.ID, "310100-001"); got.Name != "企业设立登记（含分支机构）" {
		t.Errorf("after update = %q", got.Name)
	}
	if _, err := f.svc.ItemByCode(ctx, f.center.ID, "999"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ItemByCode(999) = %v, want ErrNotFound", err)
	}
	it.CenterID = otherCenter(t, f)
	if err := f.svc.UpdateItem(ctx, it); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateItem(other center) = %v, want ErrNotFound", err)
	}
}
