package followup_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/store/storetest"
)

// pngFile is a valid 2×2 PNG image.
func pngFile(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func TestSubmitAppeal(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := f.rate(t, "A1", "1001", 1) // received Friday 2026-09-25: appeal until 2026-10-09
	me := actor(f.person)

	_, err := f.svc.SubmitAppeal(ctx, r.ID, actor(f.colleague), "不是我接待的", nil)
	wantErr(t, err, followup.ErrForbidden)
	_, err = f.svc.SubmitAppeal(ctx, r.ID, actor(f.lead), "不是他接待的", nil)
	wantErr(t, err, followup.ErrForbidden)
	_, err = f.svc.SubmitAppeal(ctx, r.ID, followup.Actor{Label: "user:9 admin"}, "x", nil) // no staff record
	wantErr(t, err, followup.ErrForbidden)
	_, err = f.svc.SubmitAppeal(ctx, 999999, me, "x", nil)
	wantErr(t, err, store.ErrNotFound)
	_, err = f.svc.SubmitAppeal(ctx, r.ID, me, " \n ", nil)
	wantErr(t, err, followup.ErrInvalid, "reason")
	_, err = f.svc.SubmitAppeal(ctx, r.ID, me, strings.Repeat("长", followup.MaxText+1), nil)
	wantErr(t, err, followup.ErrInvalid, "2000")
	good := f.rate(t, "A2", "1001", 4)
	_, err = f.svc.SubmitAppeal(ctx, good.ID, me, "好评也想申诉", nil)
	wantErr(t, err, followup.ErrInvalid)

	// The last minute of the last day is still in time.
	f.clock.Set(storetest.At(t, "2026-10-09 23:59:00"))
	ap, err := f.svc.SubmitAppeal(ctx, r.ID, me, "  当天我在培训，未在窗口值班  ", []followup.EvidenceUpload{
		{Name: "../../etc/passwd", Data: pngFile(t)},
		{Name: `C:\Users\zw\排班表.txt`, Data: []byte("9月25日 张伟 培训\n")},
	})
	if err != nil {
		t.Fatalf("SubmitAppeal: %v", err)
	}
	if ap.State != followup.AppealPending || ap.Reason != "当天我在培训，未在窗口值班" || ap.StaffID != f.person.ID ||
		ap.SubmittedBy != me.Label || !ap.SubmittedAt.Equal(f.clock.Now()) || ap.Deadline != "2026-10-09" ||
		ap.StaffNo != "1001" || ap.StaffName != "张伟" || ap.TeamID == nil || *ap.TeamID != f.teamA.ID ||
		ap.Rating == nil || ap.Rating.ID != r.ID || ap.DecidedAt != nil {
		t.Errorf("appeal = %+v", ap)
	}
	if len(ap.Evidence) != 2 {
		t.Fatalf("%d evidence files, want 2", len(ap.Evidence))
	}
	for i, want := range []struct{ name, ctype string }{{"passwd", "image/png"}, {"排班表.txt", "text/plain; charset=utf-8"}} {
		e := ap.Evidence[i]
		if e.Name != want.name || e.ContentType != want.ctype || e.Data != nil || e.Size == 0 || e.AppealID != ap.ID {
			t.Errorf("evidence[%d] = %q %q size %d data %d bytes, want %q %q without data", i, e.Name, e.ContentType, e.Size, len(e.Data), want.name, want.ctype)
		}
	}
	file, err := f.svc.Evidence(ctx, ap.Evidence[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file.Data, pngFile(t)) || file.Size != int64(len(file.Data)) {
		t.Errorf("Evidence data = %d bytes, want the uploaded PNG", len(file.Data))
	}
	_, err = f.svc.Evidence(ctx, 999999)
	wantErr(t, err, store.ErrNotFound)

	// The lead is told, HR and the person are not.
	if ns := f.notifications(t, f.lead.ID, "appeal_submitted"); len(ns) != 1 || !strings.Contains(ns[0].Body, "张伟") {
		t.Errorf("lead notifications = %+v, want one naming 张伟", ns)
	}
	for _, m := range []int64{f.hr.ID, f.person.ID, f.leadB.ID} {
		if ns := f.notifications(t, m, "appeal_submitted"); len(ns) != 0 {
			t.Errorf("staff %d got %d appeal notifications, want 0", m, len(ns))
		}
	}
	if es := f.audits(t, "appeal.submit", appealTarget(ap)); len(es) != 1 || es[0].Actor != me.Label {
		t.Errorf("appeal.submit audit = %+v, want one by %s", es, me.Label)
	}

	// The case shows the appeal.
	if c := f.caseOf(t, r); c.Appeal == nil || c.Appeal.ID != ap.ID || len(c.Appeal.Evidence) != 2 {
		t.Errorf("case appeal = %+v, want appeal %d with its files", c.Appeal, ap.ID)
	}

	_, err = f.svc.SubmitAppeal(ctx, r.ID, me, "再申诉一次", nil)
	wantErr(t, err, followup.ErrExists)
}

func TestSubmitAppealLate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.rate(t, "L1", "1001", 2)
	f.clock.Set(storetest.At(t, "2026-10-10 00:00:01"))
	_, err := f.svc.SubmitAppeal(context.Background(), r.ID, actor(f.person), "晚了一天", nil)
	wantErr(t, err, followup.ErrLate, "2026-10-09")
}

func TestEvidenceChecks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), make([]byte, 200)...)
	random := make([]byte, 1024)
	for i := range random {
		random[i] = byte(i*37 + i/7)
	}
	pdf := []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
	for _, tc := range []struct {
		name  string
		files []followup.EvidenceUpload
		want  string // "" = accepted; else a part of the error
	}{
		{"exe", []followup.EvidenceUpload{{Name: "证明.png", Data: exe}}, "证明.png"},
		{"random bytes", []followup.EvidenceUpload{{Name: "a.pdf", Data: random}}, "a.pdf"},
		{"html", []followup.EvidenceUpload{{Name: "x.txt", Data: []byte("<html><script>alert(1)</script>")}}, "x.txt"},
		{"empty", []followup.EvidenceUpload{{Name: "a.txt"}}, "a.txt"},
		{"too large", []followup.EvidenceUpload{{Name: "big.png", Data: append(pngFile(t), make([]byte, followup.MaxFileSize)...)}}, "big.png"},
		{"too many", make6(pdf), "5"},
		{"second file named", []followup.EvidenceUpload{{Name: "ok.pdf", Data: pdf}, {Name: "bad.bin", Data: exe}}, "files[1]"},
		{"pdf", []followup.EvidenceUpload{{Name: "说明.pdf", Data: pdf}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.rate(t, "EV-"+tc.name, "1001", 1)
			ap, err := f.svc.SubmitAppeal(ctx, r.ID, actor(f.person), "见附件", tc.files)
			if tc.want != "" {
				wantErr(t, err, followup.ErrInvalid, tc.want)
				if _, err := f.svc.CaseByRating(ctx, r.ID); err != nil {
					t.Errorf("case lost with the refused appeal: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("SubmitAppeal: %v", err)
			}
			if len(ap.Evidence) != 1 || ap.Evidence[0].ContentType != "application/pdf" {
				t.Errorf("evidence = %+v", ap.Evidence)
			}
		})
	}
}

func make6(data []byte) []followup.EvidenceUpload {
	files := make([]followup.EvidenceUpload, followup.MaxFiles+1)
	for i := range files {
		files[i] = followup.EvidenceUpload{Name: "f.pdf", Data: data}
	}
	return files
}

func TestEvidenceNames(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	long := strings.Repeat("很长的名字", 30) + ".png" // 450 bytes of stem
	r := f.rate(t, "NM", "1001", 1)
	ap, err := f.svc.SubmitAppeal(ctx, r.ID, actor(f.person), "见附件", []followup.EvidenceUpload{
		{Name: "../../etc/passwd", Data: pngFile(t)},
		{Name: "a\x00b\r\n.png", Data: pngFile(t)},
		{Name: "..", Data: pngFile(t)},
		{Name: long, Data: pngFile(t)},
		{Name: `..\..\windows\system32\x.png`, Data: pngFile(t)},
	})
	if err != nil {
		t.Fatalf("SubmitAppeal: %v", err)
	}
	got := make([]string, len(ap.Evidence))
	for i, e := range ap.Evidence {
		got[i] = e.Name
	}
	want := []string{"passwd", "ab.png", "证据3.png", "", "x.png"}
	for i := range want {
		if i == 3 {
			if n := got[i]; len(n) > followup.MaxFileName || !strings.HasSuffix(n, ".png") || !strings.HasPrefix(long, strings.TrimSuffix(n, ".png")) {
				t.Errorf("long name stored as %q (%d bytes), want a prefix of it ending .png, at most %d bytes", n, len(n), followup.MaxFileName)
			}
			continue
		}
		if got[i] != want[i] {
			t.Errorf("name[%d] = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestDecideAppeal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		outcome                    string
		excluded, personalExcluded bool
	}{
		{followup.Upheld, true, false},
		{followup.Partly, false, true},
		{followup.Rejected, false, false},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			r := f.rate(t, "D1", "1001", 1)
			ap, err := f.svc.SubmitAppeal(ctx, r.ID, actor(f.person), "差评与本人无关", nil)
			if err != nil {
				t.Fatal(err)
			}
			lead := actor(f.lead)
			_, err = f.svc.DecideAppeal(ctx, ap.ID, actor(f.person), tc.outcome, "自己批准")
			wantErr(t, err, followup.ErrForbidden)
			_, err = f.svc.DecideAppeal(ctx, ap.ID, lead, "maybe", "理由")
			wantErr(t, err, followup.ErrInvalid, "outcome")
			_, err = f.svc.DecideAppeal(ctx, ap.ID, lead, tc.outcome, "")
			wantErr(t, err, followup.ErrInvalid, "reason")
			_, err = f.svc.DecideAppeal(ctx, 999999, lead, tc.outcome, "理由")
			wantErr(t, err, store.ErrNotFound)

			f.clock.Set(f.clock.Now().Add(time.Hour))
			got, err := f.svc.DecideAppeal(ctx, ap.ID, lead, tc.outcome, "经核查监控，情况属实")
			if err != nil {
				t.Fatalf("DecideAppeal: %v", err)
			}
			if got.State != tc.outcome || got.DecidedBy != lead.Label || got.DecidedAt == nil || !got.DecidedAt.Equal(f.clock.Now()) ||
				got.DecisionReason != "经核查监控，情况属实" {
				t.Errorf("decided appeal = %+v", got)
			}
			stored := f.rating(t, r.ID)
			if stored.Excluded != tc.excluded || stored.PersonalExcluded != tc.personalExcluded {
				t.Errorf("rating excluded = %t, personal_excluded = %t; want %t, %t", stored.Excluded, stored.PersonalExcluded, tc.excluded, tc.personalExcluded)
			}
			if got.Rating == nil || got.Rating.Excluded != tc.excluded || got.Rating.PersonalExcluded != tc.personalExcluded {
				t.Errorf("appeal's rating = %+v", got.Rating)
			}
			if ns := f.notifications(t, f.person.ID, "appeal_decided"); len(ns) != 1 {
				t.Errorf("%d decision notifications to the person, want 1", len(ns))
			}
			es := f.audits(t, "appeal.decide", appealTarget(ap))
			if len(es) != 1 || es[0].Actor != lead.Label || !strings.Contains(es[0].Detail, "outcome="+tc.outcome) ||
				!strings.Contains(es[0].Detail, "经核查监控") {
				t.Errorf("appeal.decide audit = %+v", es)
			}
			_, err = f.svc.DecideAppeal(ctx, ap.ID, lead, followup.Rejected, "改判")
			wantErr(t, err, followup.ErrState)
			if stored := f.rating(t, r.ID); stored.Excluded != tc.excluded || stored.PersonalExcluded != tc.personalExcluded {
				t.Errorf("a refused second decision changed the rating: %+v", stored)
			}
		})
	}
}

// TestLeadAppeal: a lead appealing a rating about their own team's work is
// decided by HR, and HR is the one told.
func TestLeadAppeal(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := f.rate(t, "LD", "1002", 1)
	ap, err := f.svc.SubmitAppeal(ctx, r.ID, actor(f.lead), "群众反映的是系统故障", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ns := f.notifications(t, f.hr.ID, "appeal_submitted"); len(ns) != 1 {
		t.Errorf("HR got %d appeal notifications, want 1", len(ns))
	}
	if ns := f.notifications(t, f.lead.ID, "appeal_submitted"); len(ns) != 0 {
		t.Errorf("the appellant got %d appeal notifications, want 0", len(ns))
	}
	// A lead of another team (with rights granted by mistake) may not.
	_, err = f.svc.DecideAppeal(ctx, ap.ID, actor(f.leadB), followup.Partly, "系统故障")
	wantErr(t, err, followup.ErrForbidden, "HR")
	// Not even as HR may the appellant decide.
	self := actor(f.lead)
	self.HR = true
	_, err = f.svc.DecideAppeal(ctx, ap.ID, self, followup.Upheld, "我说了算")
	wantErr(t, err, followup.ErrForbidden)

	hr := actor(f.hr)
	hr.HR = true
	got, err := f.svc.DecideAppeal(ctx, ap.ID, hr, followup.Partly, "系统故障，不计入个人考核")
	if err != nil {
		t.Fatalf("DecideAppeal by HR: %v", err)
	}
	if got.State != followup.Partly || !f.rating(t, r.ID).PersonalExcluded {
		t.Errorf("after HR decision: state %s, rating %+v", got.State, f.rating(t, r.ID))
	}
}

func TestAppeals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	submit := func(ext, no string, m followup.Actor) *followup.Appeal {
		t.Helper()
		ap, err := f.svc.SubmitAppeal(ctx, f.rate(t, ext, no, 1).ID, m, "理由", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Set(f.clock.Now().Add(time.Minute))
		return ap
	}
	a1 := submit("P1", "1001", actor(f.person))
	a2 := submit("P2", "1005", actor(f.colleague))
	b1 := submit("P3", "1004", actor(f.leadB))
	if _, err := f.svc.DecideAppeal(ctx, a1.ID, actor(f.lead), followup.Rejected, "属实"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		filter followup.AppealFilter
		want   []int64
	}{
		{"center: pending oldest first, then decided", followup.AppealFilter{CenterID: f.center.ID}, []int64{a2.ID, b1.ID, a1.ID}},
		{"team A", followup.AppealFilter{TeamIDs: []int64{f.teamA.ID}}, []int64{a2.ID, a1.ID}},
		{"no team at all", followup.AppealFilter{TeamIDs: []int64{}}, nil},
		{"own", followup.AppealFilter{StaffID: f.person.ID}, []int64{a1.ID}},
		{"pending", followup.AppealFilter{States: []string{followup.AppealPending}}, []int64{a2.ID, b1.ID}},
		{"limit", followup.AppealFilter{Limit: 1}, []int64{a2.ID}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as, err := f.svc.Appeals(ctx, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, a := range as {
				got = append(got, a.ID)
				if a.Rating == nil || a.Evidence == nil {
					t.Errorf("appeal %d without rating or evidence list", a.ID)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Appeals = %v, want %v", got, tc.want)
			}
		})
	}
	_, err := f.svc.Appeals(ctx, followup.AppealFilter{States: []string{"open"}})
	wantErr(t, err, followup.ErrInvalid)
}

// TestConcurrentAppeals submits one rating's appeal from several goroutines
// on two instances: one appeal is stored, the others are ErrExists.
func TestConcurrentAppeals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := f.rate(t, "CA", "1001", 1)
	svcs := []*followup.Service{f.svc, f.service(f.dsn.Open(t))}
	var mu sync.Mutex
	var ok, exists int
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			_, err := svcs[i%2].SubmitAppeal(ctx, r.ID, actor(f.person), "理由", nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, followup.ErrExists):
				exists++
			default:
				t.Errorf("SubmitAppeal: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || exists != 5 {
		t.Errorf("%d submitted, %d refused as ErrExists; want 1 and 5", ok, exists)
	}
	if ns := f.notifications(t, f.lead.ID, "appeal_submitted"); len(ns) != 1 {
		t.Errorf("lead got %d notifications, want 1", len(ns))
	}
}
