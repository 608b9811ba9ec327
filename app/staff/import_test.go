package staff_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
)

func (f *fixture) importFile(t *testing.T, data []byte, opt staff.ImportOptions) *staff.ImportResult {
	t.Helper()
	res, err := f.svc.Import(context.Background(), f.center.ID, bytes.NewReader(data), opt)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return res
}

func (f *fixture) member(t *testing.T, no string) *staff.Member {
	t.Helper()
	m, err := f.svc.StaffByNo(context.Background(), f.center.ID, no)
	if err != nil {
		t.Fatalf("StaffByNo(%s): %v", no, err)
	}
	return m
}

// checkZhList verifies the directory holds testdata/staff_zh.csv.
func checkZhList(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	tests := []struct {
		no, name, team, channels string
		ids                      []string
		active                   bool
	}{
		{"SH0101", "张伟", "综合受理窗口一组", "offline", []string{"W-001"}, true},
		{"SH0103", "李娜", "综合受理窗口一组", "offline;online", []string{"W-003", "wsh_lina"}, true},
		{"SH0105", "陈静", "综合受理窗口一组", "offline", []string{"W-005"}, false},
		{"SH0106", "王喆", "综合受理窗口二组", "offline", []string{"W-011"}, true},
		{"SH0107", "李堃", "综合受理窗口二组", "offline", []string{"W-012"}, true},
		{"SH0108", "赵赟", "综合受理窗口二组", "offline;hotline", []string{"W-013", "12345-0810"}, true},
		{"SH0112", "吴婷", "企业服务专窗", "offline;online", []string{"W-022", "wsh_wuting"}, true},
		{"SH0205", "林𠮷", "一网通办审核组", "online", []string{"wsh_linji"}, true},
		{"SH0207", "高峰", "一网通办审核组", "online;hotline", []string{"wsh_gaofeng", "12345-0820"}, true},
		{"SH0306", "唐亮", "12345热线坐席组", "hotline", []string{"12345-0836"}, false},
		{"SH0308", "冯博", "12345热线坐席组", "hotline", []string{}, true},
		{"SH0309", "欧阳娜娜", "12345热线坐席组", "hotline", []string{"12345-0839"}, true},
	}
	for _, tt := range tests {
		m := f.member(t, tt.no)
		if m.Name != tt.name || m.Channels != tt.channels || m.Active != tt.active || !slices.Equal(m.ExternalIDs, tt.ids) {
			t.Errorf("%s = %q %q active %v ids %q; want %q %q %v %q", tt.no, m.Name, m.Channels, m.Active, m.ExternalIDs, tt.name, tt.channels, tt.active, tt.ids)
		}
		if m.Team == nil || m.Team.Name != tt.team {
			t.Errorf("%s team = %+v, want %s", tt.no, m.Team, tt.team)
		}
	}
	teams, err := f.svc.Teams(ctx, f.center.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, ts := range teams {
		got[ts.Code] = fmt.Sprintf("%s/%s/%d", ts.Name, ts.Channel, ts.Members)
	}
	want := map[string]string{
		"综合受理窗口一组":   "综合受理窗口一组/offline/5",
		"综合受理窗口二组":   "综合受理窗口二组/offline/5",
		"企业服务专窗":     "企业服务专窗/offline/4",
		"一网通办审核组":    "一网通办审核组/online/7",
		"12345热线坐席组": "12345热线坐席组/hotline/9",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("teams = %v, want %v", got, want)
	}
}

func TestImportChineseFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	data := readTestdata(t, "staff_zh.csv") // Excel "CSV UTF-8": BOM, CRLF
	if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Fatal("testdata/staff_zh.csv lost its BOM")
	}
	var calls []string
	res := f.importFile(t, data, staff.ImportOptions{
		AfterSave: func(ctx context.Context, tx bun.Tx, m *staff.Member, created bool) error {
			if !created || m.ID == 0 || m.Team == nil || m.Team.ID == 0 {
				t.Errorf("AfterSave(%+v, created %v)", m, created)
			}
			calls = append(calls, m.StaffNo)
			return nil
		},
	})
	want := staff.ImportResult{Encoding: "utf-8", Rows: 30, Created: 30,
		TeamsCreated: []string{"综合受理窗口一组", "综合受理窗口二组", "企业服务专窗", "一网通办审核组", "12345热线坐席组"}, Rejected: []staff.RowError{}}
	if fmt.Sprint(*res) != fmt.Sprint(want) {
		t.Errorf("result = %+v, want %+v", *res, want)
	}
	if len(calls) != 30 || calls[0] != "SH0101" || calls[29] != "SH0309" {
		t.Errorf("AfterSave calls = %v, want 30 in file order", calls)
	}
	checkZhList(t, f)
	if got := f.counts(t); got != [4]int{5, 30, 33, 30} {
		t.Errorf("teams, staff, external ids, memberships = %v", got)
	}
}

func TestImportEnglishHeadersOtherOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.importFile(t, readTestdata(t, "staff_en.csv"), staff.ImportOptions{Encoding: "utf-8"})
	if res.Created != 30 || len(res.TeamsCreated) != 5 {
		t.Fatalf("result = %+v", res)
	}
	checkZhList(t, f)
	// The Chinese file says the same thing: nothing changes.
	res = f.importFile(t, readTestdata(t, "staff_zh.csv"), staff.ImportOptions{})
	if res.Unchanged != 30 || res.Created+res.Updated != 0 || len(res.TeamsCreated) != 0 {
		t.Errorf("zh after en = %+v, want 30 unchanged", res)
	}
}

func TestImportGB18030(t *testing.T) {
	t.Parallel()
	utf := bytes.TrimPrefix(readTestdata(t, "staff_zh.csv"), []byte("\xEF\xBB\xBF"))
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(utf)
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []string{"", "auto", "gb18030"} {
		t.Run("encoding "+enc, func(t *testing.T) {
			f := newFixture(t)
			res := f.importFile(t, gb, staff.ImportOptions{Encoding: enc})
			if res.Encoding != "gb18030" || res.Created != 30 {
				t.Fatalf("result = %+v", res)
			}
			checkZhList(t, f)
		})
	}
}

func TestImportInvalidFileWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	data := readTestdata(t, "staff_invalid.csv")
	afterSave := func(context.Context, bun.Tx, *staff.Member, bool) error {
		t.Error("AfterSave called for a refused file")
		return nil
	}
	res, err := f.svc.Import(ctx, f.center.ID, bytes.NewReader(data), staff.ImportOptions{AfterSave: afterSave})
	if res != nil {
		t.Errorf("result = %+v, want nil", res)
	}
	if !errors.Is(err, staff.ErrInvalid) {
		t.Fatalf("Import = %v, want ErrInvalid", err)
	}
	var ie *staff.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("Import error %T is not *ImportError", err)
	}
	want := []string{
		"3: staff_no: 不能为空 (required)",
		"4: name: 不能超过 64 个字符，现有 65 个 (at most 64 characters, got 65)",
		`5: channels: unknown channel "邮寄" (expected offline/窗口, online/线上, hotline/热线)`,
		"8: staff_no: 工号 SH0901 重复，第 2 行已出现 (duplicate of line 2)",
		`9: staff_no: "SH 0907" 不能包含空格 (must not contain spaces)`,
		"10: external_ids: 外部编号 W-901 已在第 2 行用于工号 SH0901 (already used by staff SH0901 on line 2)",
		`11: active: 无法识别的状态 "退休"，应为 在职/离职 (expected 在职/离职, 1/0, true/false, yes/no)`,
		"13: team: 不能为空 (required)",
		"14: channels: 至少需要一个渠道：窗口/线上/热线 (at least one channel: offline, online, hotline)",
	}
	var got []string
	for _, r := range ie.Rows {
		got = append(got, r.Error())
	}
	if !slices.Equal(got, want) {
		t.Errorf("row errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(err.Error(), "3: staff_no: 不能为空") {
		t.Errorf("Error() = %q, want the row errors in it", err.Error())
	}
	if got := f.counts(t); got != [4]int{} {
		t.Errorf("teams, staff, external ids, memberships = %v, want nothing written", got)
	}
}

func TestImportSkipInvalid(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.importFile(t, readTestdata(t, "staff_invalid.csv"), staff.ImportOptions{SkipInvalid: true})
	if res.Rows != 11 || res.Created != 2 || len(res.Rejected) != 9 {
		t.Errorf("result = %+v, want 11 rows, 2 created, 9 rejected", res)
	}
	if !slices.Equal(res.TeamsCreated, []string{"综合受理窗口一组", "一网通办审核组"}) {
		t.Errorf("TeamsCreated = %v; a team only rejected rows name must not be created", res.TeamsCreated)
	}
	var lines []int
	for _, r := range res.Rejected {
		lines = append(lines, r.Line)
	}
	if !slices.Equal(lines, []int{3, 4, 5, 8, 9, 10, 11, 13, 14}) {
		t.Errorf("rejected lines = %v", lines)
	}
	if m := f.member(t, "SH0901"); m.Name != "张三" || !slices.Equal(m.ExternalIDs, []string{"W-901"}) {
		t.Errorf("SH0901 = %+v (the first of two lines wins)", m)
	}
	f.member(t, "SH0905") // the row after a quoted two-line cell
	if got := f.counts(t); got != [4]int{2, 2, 2, 2} {
		t.Errorf("teams, staff, external ids, memberships = %v", got)
	}
}

func TestImportIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	data := readTestdata(t, "staff_zh.csv")
	f.importFile(t, data, staff.ImportOptions{})
	before := f.counts(t)
	f.clock.SetDay(t, "2026-03-20")
	res := f.importFile(t, data, staff.ImportOptions{})
	want := staff.ImportResult{Encoding: "utf-8", Rows: 30, Unchanged: 30, TeamsCreated: []string{}, Rejected: []staff.RowError{}}
	if fmt.Sprint(*res) != fmt.Sprint(want) {
		t.Errorf("re-import = %+v, want %+v", *res, want)
	}
	if after := f.counts(t); after != before {
		t.Errorf("rows after re-import = %v, before %v", after, before)
	}
}

func TestImportUpdatesAndMoves(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.importFile(t, readTestdata(t, "staff_zh.csv"), staff.ImportOptions{})
	old := f.member(t, "SH0101")

	f.clock.SetDay(t, "2026-03-16")
	// SH0101 moves team (named by code of a new team: created), SH0102
	// changes name and ids, SH0103 changes only status, SH0104 stays. No
	// external-id column: ids stay.
	update := "姓名,工号,班组,渠道,状态\n" +
		"张伟,SH0101,政务服务专窗,窗口,\n" +
		"王芳芳,SH0102,综合受理窗口一组,窗口,在职\n" +
		"李娜,SH0103,综合受理窗口一组,窗口;线上,离职\n" +
		"刘洋,SH0104,综合受理窗口一组,窗口,\n"
	res := f.importFile(t, []byte(update), staff.ImportOptions{})
	want := staff.ImportResult{Encoding: "utf-8", Rows: 4, Updated: 3, Moved: 1, Unchanged: 1, TeamsCreated: []string{"政务服务专窗"}, Rejected: []staff.RowError{}}
	if fmt.Sprint(*res) != fmt.Sprint(want) {
		t.Errorf("result = %+v, want %+v", *res, want)
	}
	m := f.member(t, "SH0101")
	if m.Team == nil || m.Team.Name != "政务服务专窗" || !slices.Equal(m.ExternalIDs, []string{"W-001"}) {
		t.Errorf("SH0101 after move = team %+v ids %v", m.Team, m.ExternalIDs)
	}
	if got, err := f.svc.TeamOn(ctx, old.ID, "2026-03-15"); err != nil || got.Name != "综合受理窗口一组" {
		t.Errorf("TeamOn(day before the move) = %+v, %v; want the old team", got, err)
	}
	if got, err := f.svc.TeamOn(ctx, old.ID, "2026-03-16"); err != nil || got.Name != "政务服务专窗" {
		t.Errorf("TeamOn(day of the move) = %+v, %v; want the new team", got, err)
	}
	hist, err := f.svc.Memberships(ctx, old.ID)
	if err != nil || len(hist) != 2 || *hist[0].ValidTo != "2026-03-16" || hist[1].ValidFrom != "2026-03-16" || hist[1].ValidTo != nil {
		t.Errorf("history = %+v, %v", hist, err)
	}
	if m := f.member(t, "SH0102"); m.Name != "王芳芳" || !slices.Equal(m.ExternalIDs, []string{"W-002"}) {
		t.Errorf("SH0102 = %q %v", m.Name, m.ExternalIDs)
	}
	if m := f.member(t, "SH0103"); m.Active {
		t.Error("SH0103 still active")
	}
	// A blank status keeps an inactive person inactive.
	res = f.importFile(t, []byte("工号,姓名,班组,渠道\nSH0105,陈静,综合受理窗口一组,窗口\n"), staff.ImportOptions{})
	if res.Unchanged != 1 || f.member(t, "SH0105").Active {
		t.Errorf("status column absent: %+v, SH0105 active %v", res, f.member(t, "SH0105").Active)
	}

	// A dated move via AsOf.
	res = f.importFile(t, []byte("工号,姓名,班组,渠道\nSH0104,刘洋,企业服务专窗,窗口\n"), staff.ImportOptions{AsOf: "2026-04-01"})
	if res.Moved != 1 {
		t.Errorf("dated move = %+v", res)
	}
	if got, _ := f.svc.TeamOn(ctx, f.member(t, "SH0104").ID, "2026-03-31"); got == nil || got.Name != "综合受理窗口一组" {
		t.Errorf("TeamOn before the dated move = %+v", got)
	}
	if got, _ := f.svc.TeamOn(ctx, f.member(t, "SH0104").ID, "2026-04-01"); got == nil || got.Name != "企业服务专窗" {
		t.Errorf("TeamOn on the dated move = %+v", got)
	}
	// A move that would precede the current membership is a row error.
	_, err = f.svc.Import(ctx, f.center.ID, strings.NewReader("工号,姓名,班组,渠道\nSH0104,刘洋,综合受理窗口二组,窗口\n"), staff.ImportOptions{AsOf: "2026-03-20"})
	var ie *staff.ImportError
	if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Line != 2 || ie.Rows[0].Field != "as_of" {
		t.Errorf("move before current membership = %v", err)
	}
}

func TestImportExternalIDs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.importFile(t, readTestdata(t, "staff_zh.csv"), staff.ImportOptions{})

	t.Run("used by another person in the database", func(t *testing.T) {
		_, err := f.svc.Import(ctx, f.center.ID, strings.NewReader("工号,姓名,班组,渠道,外部编号\nSH0999,新人,综合受理窗口一组,窗口,W-001;W-999\n"), staff.ImportOptions{})
		var ie *staff.ImportError
		if !errors.As(err, &ie) || len(ie.Rows) != 1 {
			t.Fatalf("Import = %v, want one row error", err)
		}
		if got, want := ie.Rows[0].Error(), "2: external_ids: 外部编号 W-001 已属于工号 SH0101 (already used by staff SH0101)"; got != want {
			t.Errorf("row error = %q, want %q", got, want)
		}
		if _, err := f.svc.StaffByNo(ctx, f.center.ID, "SH0999"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("refused import wrote SH0999: %v", err)
		}
	})

	t.Run("swap between two people in one file", func(t *testing.T) {
		swap := "工号,姓名,班组,渠道,外部编号\n" +
			"SH0101,张伟,综合受理窗口一组,窗口,W-002\n" +
			"SH0102,王芳,综合受理窗口一组,窗口,W-001\n"
		res := f.importFile(t, []byte(swap), staff.ImportOptions{})
		if res.Updated != 2 {
			t.Errorf("swap = %+v, want 2 updated", res)
		}
		if a, b := f.member(t, "SH0101"), f.member(t, "SH0102"); a.ExternalIDs[0] != "W-002" || b.ExternalIDs[0] != "W-001" {
			t.Errorf("after swap SH0101 %v, SH0102 %v", a.ExternalIDs, b.ExternalIDs)
		}
	})

	t.Run("released by a rejected row is not released", func(t *testing.T) {
		// SH0102 would give up W-001 but its row is invalid, so SH0103 may
		// not take it.
		in := "工号,姓名,班组,渠道,外部编号\n" +
			"SH0102,王芳,综合受理窗口一组,邮寄,W-777\n" +
			"SH0103,李娜,综合受理窗口一组,窗口,W-001\n"
		res := f.importFile(t, []byte(in), staff.ImportOptions{SkipInvalid: true})
		var got []string
		for _, r := range res.Rejected {
			got = append(got, fmt.Sprint(r.Line, r.Field))
		}
		if !slices.Equal(got, []string{"2channels", "3external_ids"}) {
			t.Errorf("rejected = %v", res.Rejected)
		}
	})

	t.Run("blank cell clears ids", func(t *testing.T) {
		res := f.importFile(t, []byte("工号,姓名,班组,渠道,外部编号\nSH0301,罗敏,12345热线坐席组,热线,\n"), staff.ImportOptions{})
		if res.Updated != 1 || len(f.member(t, "SH0301").ExternalIDs) != 0 {
			t.Errorf("clear ids = %+v, ids %v", res, f.member(t, "SH0301").ExternalIDs)
		}
	})
}

func TestImportAfterSaveErrorRollsBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	errAccounts := errors.New("account service down")
	n := 0
	_, err := f.svc.Import(context.Background(), f.center.ID, bytes.NewReader(readTestdata(t, "staff_zh.csv")), staff.ImportOptions{
		AfterSave: func(ctx context.Context, tx bun.Tx, m *staff.Member, created bool) error {
			// Work done through tx is part of the import.
			if _, err := tx.NewInsert().Model(&staff.ServiceItem{CenterID: m.CenterID, Code: m.StaffNo, Name: m.Name, CreatedAt: time.Now()}).Exec(ctx); err != nil {
				return err
			}
			if n++; n == 10 {
				return errAccounts
			}
			return nil
		},
	})
	if !errors.Is(err, errAccounts) || !strings.Contains(err.Error(), "line 11") {
		t.Fatalf("Import = %v, want the AfterSave error with its line", err)
	}
	if got := f.counts(t); got != [4]int{} {
		t.Errorf("teams, staff, external ids, memberships = %v, want nothing", got)
	}
	if got := f.count(t, (*staff.ServiceItem)(nil)); got != 0 {
		t.Errorf("AfterSave's own rows = %d, want rolled back", got)
	}
}

func TestImportFileErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name string
		in   []byte
		opt  staff.ImportOptions
		want string
	}{
		{"missing column", []byte("工号,姓名,渠道\nSH1,张伟,窗口\n"), staff.ImportOptions{}, "1: team: missing column 班组 (team)"},
		{"duplicate column", []byte("工号,姓名,班组,渠道,staff_no\n"), staff.ImportOptions{}, "1: staff_no: duplicate column 工号 (staff_no): columns 1 (工号) and 5 (staff_no)"},
		{"utf-16", []byte("\xFF\xFE\x01\x00"), staff.ImportOptions{}, "file is UTF-16; save as CSV UTF-8 or GB18030"},
		{"declared utf-8", append([]byte("工号,姓名,班组,渠道\n"), 0xD5, 0xC5), staff.ImportOptions{Encoding: "utf-8"}, "2: text is not valid UTF-8; choose GB18030 or automatic detection"},
		{"broken quotes", []byte("工号,姓名,班组,渠道\nSH1,\"张伟,A,窗口\n"), staff.ImportOptions{}, "2: 引号不成对"},
		{"empty", nil, staff.ImportOptions{}, "file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Import(context.Background(), f.center.ID, bytes.NewReader(tt.in), tt.opt)
			var ie *staff.ImportError
			if !errors.Is(err, staff.ErrInvalid) || !errors.As(err, &ie) || len(ie.Rows) != 1 {
				t.Fatalf("Import = %v, want one file-level ImportError", err)
			}
			if got := ie.Rows[0].Error(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("error = %q, want prefix %q", got, tt.want)
			}
		})
	}
	for _, opt := range []staff.ImportOptions{{AsOf: "next week"}, {Encoding: "big5"}} {
		_, err := f.svc.Import(context.Background(), f.center.ID, strings.NewReader("工号,姓名,班组,渠道\n"), opt)
		var fe *staff.FieldError
		if !errors.Is(err, staff.ErrInvalid) || !errors.As(err, &fe) {
			t.Errorf("Import(%+v) = %v, want a FieldError", opt, err)
		}
	}
	_, err := f.svc.Import(context.Background(), f.center.ID, strings.NewReader("工号,姓名,班组,渠道\n"), staff.ImportOptions{AsOf: "next week"})
	if !errors.Is(err, staff.ErrInvalid) {
		t.Errorf("bad AsOf = %v, want ErrInvalid", err)
	}
	_, err = f.svc.Import(context.Background(), 9999, strings.NewReader("工号,姓名,班组,渠道\n"), staff.ImportOptions{})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown center = %v, want ErrNotFound", err)
	}
}

func TestImportTeamsByCodeOrName(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w1 := f.team(t, "W1", "综合受理窗口一组", "窗口")
	f.team(t, "X1", "重名组", "窗口")
	f.team(t, "X2", "重名组", "热线")
	in := "工号,姓名,班组,渠道\n" +
		"A1,甲,W1,窗口\n" +
		"A2,乙,综合受理窗口一组,窗口\n" +
		"A3,丙,重名组,窗口\n" +
		"A4,丁,X2,热线\n"
	res := f.importFile(t, []byte(in), staff.ImportOptions{SkipInvalid: true})
	if res.Created != 3 || len(res.TeamsCreated) != 0 || len(res.Rejected) != 1 || res.Rejected[0].Line != 4 || res.Rejected[0].Field != "team" {
		t.Errorf("result = %+v", res)
	}
	for _, no := range []string{"A1", "A2"} {
		if m := f.member(t, no); m.Team == nil || m.Team.ID != w1.ID {
			t.Errorf("%s team = %+v, want W1", no, m.Team)
		}
	}
}

// TestImportLargeFile imports 10,000 people in one transaction and checks it
// stays fast: teams cached, lookups batched, inserts in bulk.
func TestImportLargeFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var b bytes.Buffer
	b.WriteString("\xEF\xBB\xBF工号,姓名,班组,渠道,外部编号,状态\r\n")
	teams := []string{"窗口一组,窗口", "窗口二组,窗口;线上", "审核组,线上", "热线组,热线"}
	for i := range 10000 {
		fmt.Fprintf(&b, "P%05d,员工%d,%s,W-%05d;A-%05d,在职\r\n", i, i, teams[i%len(teams)], i, i)
	}
	data := b.Bytes()

	start := time.Now()
	res := f.importFile(t, data, staff.ImportOptions{})
	first := time.Since(start)
	if res.Created != 10000 || len(res.TeamsCreated) != 4 {
		t.Fatalf("result = %+v", res)
	}
	start = time.Now()
	res = f.importFile(t, data, staff.ImportOptions{})
	second := time.Since(start)
	if res.Unchanged != 10000 {
		t.Fatalf("re-import = %+v", res)
	}
	t.Logf("10,000 rows: import %v, re-import %v", first, second)
	if limit := 15 * time.Second; first > limit || second > limit {
		t.Errorf("import took %v / %v, want well under %v", first, second, limit)
	}
	if got := f.counts(t); got != [4]int{4, 10000, 20000, 10000} {
		t.Errorf("teams, staff, external ids, memberships = %v", got)
	}
}
