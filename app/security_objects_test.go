package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/quizzes"
	"github.com/kaoping/kaoping/rbac"
)

// objectWorld adds to the fixture what the object-level access tests need:
// the same kinds of objects as s1's for s3 (team B) and an appeal of s2, plus
// accounts for s3 ("hotline1") and a lead of team B ("lead2") to show that
// each object is reachable by its rightful owner.
type objectWorld struct {
	s3Enrolment  int64
	s3Attempt    int64 // finished, its essay waiting for a grader
	s3Essay      int64
	s3Cert       int64
	s3Rating     int64
	s3Case       int64
	s3Appeal     int64
	s3Evidence   int64
	s2Appeal     int64
	s2Evidence   int64
	notification int64 // one of s1's notifications
}

func seedObjectWorld(t *testing.T, f *fixture) *objectWorld {
	t.Helper()
	ctx := context.Background()
	w := &objectWorld{}
	for _, u := range []app.NewUser{
		{Username: "lead2", Roles: []string{rbac.RoleTeamLead}, Teams: []string{"hotline"}},
		{Username: "hotline1", Roles: []string{rbac.RoleEmployee}, StaffNo: "H001"},
	} {
		u.Password = testPassword
		created, err := f.app.AddUser(ctx, u, app.Actor{Name: "test"})
		if err != nil {
			t.Fatalf("AddUser %s: %v", u.Username, err)
		}
		f.users[u.Username] = created
	}

	// Bad ratings of s3 and s2 through the feed, each appealed with a file.
	res := f.bearerClient().do("POST", "/api/v1/ratings", `{"ratings":[`+
		`{"external_id":"SEC-H001","rated_at":"2026-07-15 09:30:00","channel":"热线","staff_no":"H001","level":1,"reasons":["态度差"],"comment":"SEC-S3-COMMENT"},`+
		`{"external_id":"SEC-W002","rated_at":"2026-07-15 09:40:00","channel":"窗口","staff_no":"W002","level":2,"reasons":["等候时间长"],"comment":"SEC-S2-COMMENT"}]}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("feed: %d %s", res.StatusCode, res.body)
	}
	appeal := func(staffID int64) (rating, caseID, appealID, evidenceID int64) {
		cs, err := f.app.Followup().Cases(ctx, followup.CaseFilter{CenterID: f.center, StaffID: staffID})
		if err != nil || len(cs) != 1 {
			t.Fatalf("cases of staff %d: %v (%d)", staffID, err, len(cs))
		}
		ap, err := f.app.Followup().SubmitAppeal(ctx, cs[0].RatingID, followup.Actor{Label: "test", StaffID: staffID},
			"SEC-APPEAL-REASON", []followup.EvidenceUpload{{Name: "证据.png", Data: secPNG}})
		if err != nil {
			t.Fatalf("appeal of staff %d: %v", staffID, err)
		}
		full, err := f.app.Followup().Appeal(ctx, ap.ID)
		if err != nil || len(full.Evidence) != 1 {
			t.Fatalf("appeal evidence: %v", err)
		}
		return cs[0].RatingID, cs[0].ID, ap.ID, full.Evidence[0].ID
	}
	w.s3Rating, w.s3Case, w.s3Appeal, w.s3Evidence = appeal(f.s3.ID)
	_, _, w.s2Appeal, w.s2Evidence = appeal(f.s2.ID)

	// s3 is assigned the module, reads it and takes its quiz twice: the
	// first attempt's essay stays ungraded, the second passes once graded,
	// which completes the enrolment and issues a certificate.
	tr, st := f.app.Training(), f.app.Quizzes()
	if _, _, err := tr.Assign(ctx, training.AssignInput{CenterID: f.center, ModuleID: f.module.ID, TargetKind: "staff",
		TargetID: f.s3.ID, DueDate: "2026-08-01"}, f.users["trainer"].ID); err != nil {
		t.Fatalf("assign s3: %v", err)
	}
	es, err := tr.StaffEnrolments(ctx, f.s3.ID)
	if err != nil || len(es) != 1 {
		t.Fatalf("s3 enrolments: %v %v", es, err)
	}
	w.s3Enrolment = es[0].ID
	if _, err := tr.ReadLesson(ctx, w.s3Enrolment, f.lessonID); err != nil {
		t.Fatalf("s3 reads: %v", err)
	}
	quiz, err := st.QuizForModule(ctx, f.module.ID)
	if err != nil {
		t.Fatal(err)
	}
	take := func(seed int64, right bool) (attemptID, essayID int64) {
		at, err := st.Start(ctx, quiz.ID, f.s3.ID, &w.s3Enrolment, seed)
		if err != nil {
			t.Fatalf("s3 start: %v", err)
		}
		for _, q := range at.Questions {
			var r quizzes.Response
			switch q.Presented.Type {
			case quizzes.Essay:
				r.Text, essayID = "逐项告知", q.ID
			case quizzes.MultiChoice:
				for _, ch := range q.Presented.Choices {
					if (ch.Text == "公司章程") == right {
						r.Choices = []int{ch.Index}
					}
				}
			}
			if _, err := st.SaveAnswer(ctx, at.ID, q.Position, r); err != nil {
				t.Fatalf("s3 answer: %v", err)
			}
		}
		if _, err := st.Submit(ctx, at.ID, fmt.Sprint("sec", seed)); err != nil {
			t.Fatalf("s3 submit: %v", err)
		}
		return at.ID, essayID
	}
	w.s3Attempt, w.s3Essay = take(11, false)
	_, passEssay := take(12, true)
	if err := st.GradeEssay(ctx, passEssay, 1, "", f.users["lead2"].ID); err != nil {
		t.Fatalf("grade s3 essay: %v", err)
	}
	certs, err := tr.Certificates(ctx, f.s3.ID)
	if err != nil || len(certs) != 1 {
		t.Fatalf("s3 certificates: %v %v", certs, err)
	}
	w.s3Cert = certs[0].ID

	ns, err := tr.Notifications(ctx, f.s1.ID, 10)
	if err != nil || len(ns) == 0 {
		t.Fatalf("s1 notifications: %v %v", ns, err)
	}
	w.notification = ns[0].ID
	return w
}

// TestObjectAccess checks every kind of object against a caller who holds
// the right role for that kind but not for that object: another person's
// attempt, enrolment, case, appeal, evidence, certificate, scores and report
// (employee2 on s1's), and another team's (lead of team A on s3 in team B and
// on team B's pages). Each row also runs as the object's rightful owner,
// which must be allowed, so a 403 is the scope's doing; the refusal shows
// nothing of the object; HEAD is decided as the GET.
func TestObjectAccess(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w := seedObjectWorld(t, f)
	period := "?period=2026-07"
	teamB := fmt.Sprintf("/teams/%d", f.teamB.ID)
	s1Enr, s3Enr := fmt.Sprintf("/enrolments/%d", f.enrolment.ID), fmt.Sprintf("/enrolments/%d", w.s3Enrolment)

	// Another person: employee2 (s2) on s1's objects; owner: employee (s1).
	person := []struct {
		method, path, body string
	}{
		{"GET", fmt.Sprintf("/attempts/%d", f.attempt), ""},
		{"GET", fmt.Sprintf("/attempts/%d/review", f.attempt), ""},
		{"POST", fmt.Sprintf("/attempts/%d", f.attempt), "action=save"},
		{"POST", fmt.Sprintf("/api/v1/attempts/%d/answers", f.attempt), `{"position":1,"response":{}}`},
		{"GET", s1Enr, ""},
		{"GET", s1Enr + "/standard", ""},
		{"GET", fmt.Sprintf("%s/lessons/%d", s1Enr, f.lessonID), ""},
		{"POST", fmt.Sprintf("%s/lessons/%d/read", s1Enr, f.lessonID), "x=1"},
		{"GET", s1Enr + "/quiz", ""},
		{"POST", s1Enr + "/quiz/start", "x=1"},
		{"GET", fmt.Sprintf("/cases/%d", f.caseID), ""},
		{"GET", fmt.Sprintf("/appeals/%d", f.appealID), ""},
		{"GET", fmt.Sprintf("/appeals/%d/evidence/%d", f.appealID, f.evidenceID), ""},
		{"POST", fmt.Sprintf("/ratings/%d/appeal", f.ratingID), "reason=SEC"},
		{"GET", fmt.Sprintf("/certificates/%d", f.cert.ID), ""},
		{"GET", fmt.Sprintf("/certificates/%d/pdf", f.cert.ID), ""},
		{"GET", fmt.Sprintf("/staff/%d", f.s1.ID), ""},
		{"GET", fmt.Sprintf("/staff/%d/scores%s", f.s1.ID, period), ""},
		{"GET", fmt.Sprintf("/api/v1/staff/%d", f.s1.ID), ""},
		{"GET", "/api/v1/staff/W001/scores" + period, ""},
		{"GET", "/api/v1/staff/W001/report.pdf" + period, ""},
	}
	for _, r := range person {
		checkObject(t, f, "another person", r.method, r.path, r.body, "employee", "employee2", "张伟", "排队太久", "当天系统故障")
	}

	// Another team: lead (team A) on s3's objects and team B's pages;
	// owners: lead2 (team B) and, for the attempt, hotline1 (s3 itself).
	team := []struct {
		method, path, body, owner string
	}{
		{"GET", fmt.Sprintf("/attempts/%d", w.s3Attempt), "", "hotline1"},
		{"GET", fmt.Sprintf("/attempts/%d/review", w.s3Attempt), "", "hotline1"},
		{"GET", s3Enr, "", "lead2"},
		{"GET", s3Enr + "/standard", "", "lead2"},
		{"GET", s3Enr + "/quiz", "", "lead2"},
		{"POST", s3Enr + "/remind", "x=1", "lead2"},
		{"POST", fmt.Sprintf("/essays/%d/grade", w.s3Essay), "percent=bogus", "lead2"},
		{"GET", fmt.Sprintf("/cases/%d", w.s3Case), "", "lead2"},
		{"POST", fmt.Sprintf("/cases/%d/step", w.s3Case), "action=bogus", "lead2"},
		{"GET", fmt.Sprintf("/appeals/%d", w.s3Appeal), "", "lead2"},
		{"POST", fmt.Sprintf("/appeals/%d/decide", w.s3Appeal), "outcome=bogus", "lead2"},
		{"GET", fmt.Sprintf("/appeals/%d/evidence/%d", w.s3Appeal, w.s3Evidence), "", "lead2"},
		{"GET", fmt.Sprintf("/certificates/%d", w.s3Cert), "", "lead2"},
		{"GET", fmt.Sprintf("/certificates/%d/pdf", w.s3Cert), "", "lead2"},
		{"GET", fmt.Sprintf("/staff/%d", f.s3.ID), "", "lead2"},
		{"GET", fmt.Sprintf("/staff/%d/scores%s", f.s3.ID, period), "", "lead2"},
		{"GET", fmt.Sprintf("/api/v1/staff/%d", f.s3.ID), "", "lead2"},
		{"GET", "/api/v1/staff/H001/scores" + period, "", "lead2"},
		{"GET", "/api/v1/staff/H001/report.pdf" + period, "", "lead2"},
		{"GET", teamB, "", "lead2"},
		{"GET", teamB + "/scores" + period, "", "lead2"},
		{"GET", teamB + "/scores/export" + period, "", "lead2"},
		{"GET", teamB + "/cases", "", "lead2"},
		{"GET", teamB + "/ratings", "", "lead2"},
		{"GET", teamB + "/loop", "", "lead2"},
		{"GET", teamB + "/training", "", "lead2"},
		{"POST", teamB + "/assign", "x=1", "lead2"},
		{"GET", teamB + "/grading", "", "lead2"},
		{"GET", teamB + "/quiz-stats?module=" + f.module.Code, "", "lead2"},
		{"GET", fmt.Sprintf("/api/v1/teams/%d/report.pdf%s", f.teamB.ID, period), "", "lead2"},
		{"GET", fmt.Sprintf("/api/v1/teams/%d/members", f.teamB.ID), "", "lead2"},
	}
	for _, r := range team {
		checkObject(t, f, "another team", r.method, r.path, r.body, r.owner, "lead", "郑浩", "SEC-S3-COMMENT", "SEC-APPEAL-REASON")
	}
	// And the other way round: team B's lead on team A's objects.
	for _, r := range []struct{ method, path, body string }{
		{"POST", fmt.Sprintf("/essays/%d/grade", f.essay), "percent=bogus"},
		{"GET", fmt.Sprintf("/cases/%d", f.caseID), ""},
		{"POST", fmt.Sprintf("/appeals/%d/decide", f.appealID), "outcome=bogus"},
		{"GET", fmt.Sprintf("/teams/%d/scores%s", f.teamA.ID, period), ""},
	} {
		checkObject(t, f, "another team", r.method, r.path, r.body, "lead", "lead2", "张伟", "排队太久", "当天系统故障")
	}

	t.Run("evidence of another appeal through one's own appeal", func(t *testing.T) {
		// employee2 owns appeal s2Appeal; s1's evidence id under it is
		// not found, and employee2's own file is served.
		emp2 := f.login("employee2")
		res := emp2.do("GET", fmt.Sprintf("/appeals/%d/evidence/%d", w.s2Appeal, f.evidenceID), "")
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("s1's evidence via s2's appeal: %d, want 404", res.StatusCode)
		}
		if own := emp2.do("GET", fmt.Sprintf("/appeals/%d/evidence/%d", w.s2Appeal, w.s2Evidence), ""); own.StatusCode != http.StatusOK {
			t.Errorf("own evidence: %d, want 200", own.StatusCode)
		}
	})
	t.Run("another person's notification", func(t *testing.T) {
		path := fmt.Sprintf("/notifications/%d/read", w.notification)
		if res := f.login("employee2").do("POST", path, "x=1"); res.StatusCode != http.StatusNotFound {
			t.Errorf("employee2 marks s1's notification read: %d, want 404", res.StatusCode)
		}
		ns, err := f.app.Training().Notifications(context.Background(), f.s1.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			if n.ID == w.notification && n.ReadAt != nil {
				t.Error("s1's notification was marked read by employee2")
			}
		}
		if res := f.login("employee").do("POST", path, "x=1"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("s1 marks own notification read: %d, want 303", res.StatusCode)
		}
	})
}

// checkObject sends one request as the owner (must be allowed) and as the
// intruder (must be 403 and show none of secrets), for GET also as HEAD.
func checkObject(t *testing.T, f *fixture, kind, method, path, body, owner, intruder string, secrets ...string) {
	t.Helper()
	t.Run(kind+" "+method+" "+path, func(t *testing.T) {
		if res := f.login(owner).do(method, path, body); res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized || res.StatusCode >= 500 {
			t.Errorf("owner %s: %d %.200s, want allowed", owner, res.StatusCode, res.body)
		}
		c := f.login(intruder)
		res := c.do(method, path, body)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", intruder, res.StatusCode)
		}
		if s := secHasAny(res.body, secrets...); s != "" || strings.Contains(res.body, "\x89PNG") || strings.HasPrefix(res.body, "%PDF") {
			t.Errorf("%s: the refusal shows the object (%q)", intruder, s)
		}
		if method == http.MethodGet {
			// HEAD is decided as the GET: the owner's succeeds, the
			// intruder's is refused.
			if res := c.do(http.MethodHead, path, ""); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s HEAD: %d, want 403", intruder, res.StatusCode)
			}
			if res := f.login(owner).do(http.MethodHead, path, ""); res.StatusCode >= 400 {
				t.Errorf("owner %s HEAD: %d, want allowed", owner, res.StatusCode)
			}
		}
	})
}
