package app_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// secrets of the fixture quiz that must never reach the taker's browser
// before submission.
var quizSecrets = []string{"正确：章程必须提交", "不需要户口本", "列出全部补正内容", `"fraction"`, `"feedback"`, `"rubric"`}

func assertNoSecrets(t *testing.T, what, body string) {
	t.Helper()
	for _, s := range quizSecrets {
		if strings.Contains(body, s) {
			t.Errorf("%s leaks %q before submission", what, s)
		}
	}
}

// TestQuizAttemptThroughHTTP takes the fixture's quiz as employee2: start,
// autosave, reload (resume), double submit, review, the lead grades the
// essay, and the enrolment completes with a certificate. Every response of
// the attempt before submission is checked for the key.
func TestQuizAttemptThroughHTTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	emp, lead := f.login("employee2"), f.login("lead")
	es, err := f.app.Training().StaffEnrolments(context.Background(), f.s2.ID)
	if err != nil || len(es) != 1 {
		t.Fatalf("s2 enrolments: %v %v", es, err)
	}
	enr := fmt.Sprintf("/enrolments/%d", es[0].ID)
	// Reading every lesson is not enough: the module has a quiz.
	if res := emp.do("POST", fmt.Sprintf("%s/lessons/%d/read", enr, f.lessonID), "x=1"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("read: %d %s", res.StatusCode, res.body)
	}
	if page := emp.do("GET", enr, ""); strings.Contains(page.body, "已完成") || !strings.Contains(page.body, "/quiz") {
		t.Fatalf("enrolment complete without the quiz, or no quiz link: %.800s", page.body)
	}
	intro := emp.do("GET", enr+"/quiz", "")
	assertNoSecrets(t, "quiz intro", intro.body)
	res := emp.do("POST", enr+"/quiz/start", "x=1")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/attempts/") {
		t.Fatalf("start: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	attempt := res.Header.Get("Location")
	id := strings.TrimPrefix(attempt, "/attempts/")
	page := emp.do("GET", attempt, "")
	assertNoSecrets(t, "attempt page", page.body)
	m := regexp.MustCompile(`name="(q\d+)" value="(\d+)"> 公司章程`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no choice 公司章程 on the page: %.1500s", page.body)
	}
	pos := strings.TrimPrefix(m[1], "q")
	save := emp.do("POST", "/api/v1/attempts/"+id+"/answers", fmt.Sprintf(`{"position":%s,"response":{"choices":[%s]}}`, pos, m[2]))
	if save.StatusCode != 200 || !strings.Contains(save.body, "saved_at") {
		t.Fatalf("autosave: %d %s", save.StatusCode, save.body)
	}
	assertNoSecrets(t, "autosave response", save.body)
	essay := regexp.MustCompile(`<textarea name="(q\d+)"`).FindStringSubmatch(page.body)
	if essay == nil {
		t.Fatal("no essay box")
	}
	epos := strings.TrimPrefix(essay[1], "q")
	if r := emp.do("POST", "/api/v1/attempts/"+id+"/answers", `{"position":`+epos+`,"response":{"text":"列明全部缺件"}}`); r.StatusCode != 200 {
		t.Fatalf("essay autosave: %d %s", r.StatusCode, r.body)
	}
	// Close the tab, come back: the answers are there.
	again := emp.do("GET", attempt, "")
	if !regexp.MustCompile(`value="`+m[2]+`" checked> 公司章程`).MatchString(again.body) || !strings.Contains(again.body, "列明全部缺件") {
		t.Fatalf("resume lost the answers: %.1500s", again.body)
	}
	assertNoSecrets(t, "resumed attempt page", again.body)
	// Starting again resumes the same attempt (one open attempt per quiz).
	if r := emp.do("POST", enr+"/quiz/start", "x=1"); r.Header.Get("Location") != attempt {
		t.Fatalf("second start went to %q, want the open attempt %q", r.Header.Get("Location"), attempt)
	}
	// Double submit: one result.
	for i := 0; i < 2; i++ {
		r := emp.do("POST", attempt, form("action", "submit", "submit_key", "k1"))
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != attempt+"/review" {
			t.Fatalf("submit %d: %d %q %s", i+1, r.StatusCode, r.Header.Get("Location"), r.body)
		}
	}
	review := emp.do("GET", attempt+"/review", "")
	if !strings.Contains(review.body, "正确：章程必须提交") || !strings.Contains(review.body, "待班组长评分") {
		t.Fatalf("review lacks feedback or the pending essay: %.2000s", review.body)
	}
	// The lead grades the essay; 1 + 0.8 of 2 marks = 90 % ≥ 60 % passes.
	queue := lead.do("GET", fmt.Sprintf("/teams/%d/grading", f.teamA.ID), "")
	g := regexp.MustCompile(`action="/essays/(\d+)/grade"`).FindAllStringSubmatch(queue.body, -1)
	if len(g) != 2 || !strings.Contains(queue.body, "列明全部缺件") {
		t.Fatalf("grading queue (want the fixture's and this essay): %.1500s", queue.body)
	}
	var mine string
	for _, x := range g {
		if x[1] != fmt.Sprint(f.essay) {
			mine = x[1]
		}
	}
	if r := lead.do("POST", "/essays/"+mine+"/grade", form("percent", "80", "comment", "条理清楚")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("grade essay: %d %s", r.StatusCode, r.body)
	}
	if r := f.login("employee").do("POST", "/essays/"+mine+"/grade", form("percent", "100")); r.StatusCode != http.StatusForbidden {
		t.Errorf("an employee grading: %d, want 403", r.StatusCode)
	}
	done := emp.do("GET", enr, "")
	if !strings.Contains(done.body, "已完成") {
		t.Fatalf("enrolment not completed after passing the quiz: %.1000s", done.body)
	}
	if my := emp.do("GET", "/my", ""); !regexp.MustCompile(`KP-\d{4}-\d{6}`).MatchString(my.body) {
		t.Errorf("no certificate after passing")
	}
	// Item analysis over the one graded attempt, center-wide and for the team.
	for _, c := range []struct {
		who  *client
		path string
	}{{f.login("trainer"), "/modules/" + f.module.Code + "/quiz/stats?pick=all"}, {lead, fmt.Sprintf("/teams/%d/quiz-stats?module=%s&pick=first", f.teamA.ID, f.module.Code)}} {
		st := c.who.do("GET", c.path, "")
		if st.StatusCode != 200 || !regexp.MustCompile(`<dt>答卷数</dt><dd>1</dd>`).MatchString(st.body) || !strings.Contains(st.body, "材料") {
			t.Errorf("item analysis %s: %d %.1500s", c.path, st.StatusCode, st.body)
		}
	}
	if r := lead.do("GET", fmt.Sprintf("/teams/%d/quiz-stats?module=%s", f.teamB.ID, f.module.Code), ""); r.StatusCode != http.StatusForbidden {
		t.Errorf("lead asks for another team's analysis: %d, want 403", r.StatusCode)
	}
	// Another employee cannot open this attempt.
	if r := f.login("employee").do("GET", attempt, ""); r.StatusCode != http.StatusForbidden {
		t.Errorf("colleague opens attempt: %d, want 403", r.StatusCode)
	}
}

// TestQuizDeadlineIsTheServers sets a one-minute limit: after it, autosave
// is refused and the server finalizes the attempt without the browser.
func TestQuizDeadlineIsTheServers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	trainer, emp := f.login("trainer"), f.login("employee2")
	if r := trainer.do("POST", "/modules/"+f.module.Code+"/quiz", form("time_limit_minutes", "1", "pass_percent", "60", "overdue_handling", "autosubmit", "review_when", "immediately", "review_marks", "1")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings: %d %s", r.StatusCode, r.body)
	}
	es, _ := f.app.Training().StaffEnrolments(context.Background(), f.s2.ID)
	res := emp.do("POST", fmt.Sprintf("/enrolments/%d/quiz/start", es[0].ID), "x=1")
	attempt := res.Header.Get("Location")
	id := strings.TrimPrefix(attempt, "/attempts/")
	page := emp.do("GET", attempt, "")
	if !strings.Contains(page.body, `data-deadline="2026-07-15T02:01:00Z"`) {
		t.Fatalf("the page does not carry the server's deadline: %.600s", page.body)
	}
	f.clock.Advance(61 * time.Second)
	if r := emp.do("POST", "/api/v1/attempts/"+id+"/answers", `{"position":1,"response":{"text":"x"}}`); r.StatusCode != http.StatusConflict {
		t.Fatalf("answer after the deadline: %d %s, want 409", r.StatusCode, r.body)
	}
	n, err := f.app.Quizzes().FinalizeOverdue(context.Background(), f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r := emp.do("GET", attempt, ""); r.StatusCode != http.StatusSeeOther || !strings.HasSuffix(r.Header.Get("Location"), "/review") || n+1 < 1 {
		t.Fatalf("after the deadline the attempt page: %d %q (finalized %d)", r.StatusCode, r.Header.Get("Location"), n)
	}
}

// TestEditingAnAnsweredQuestionMakesAVersion edits the fixture's question,
// which s1's attempt has shown: the bank gets version 2, the attempt's
// review still shows the text it showed.
func TestEditingAnAnsweredQuestionMakesAVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	trainer := f.login("trainer")
	qpath := fmt.Sprintf("/modules/%s/questions/%d", f.module.Code, f.question)
	page := trainer.do("GET", qpath, "")
	if !strings.Contains(page.body, "企业设立登记需要哪份材料") {
		t.Fatalf("editor lacks the question: %.500s", page.body)
	}
	gift := "::材料::设立登记必须提交哪份材料？{=公司章程 ~户口本}"
	if r := trainer.do("POST", qpath, form("gift", gift)); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.StatusCode, r.body)
	}
	if page := trainer.do("GET", qpath, ""); !strings.Contains(page.body, "v2") || !strings.Contains(page.body, "设立登记必须提交哪份材料") {
		t.Fatalf("no version 2: %.600s", page.body)
	}
	review := f.login("employee").do("GET", fmt.Sprintf("/attempts/%d/review", f.attempt), "")
	if !strings.Contains(review.body, "企业设立登记需要哪份材料") || strings.Contains(review.body, "设立登记必须提交哪份材料") {
		t.Fatalf("the attempt does not keep the version it showed: %.1200s", review.body)
	}
	if r := trainer.do("POST", qpath, form("gift", "::a::x{#abc}")); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("malformed GIFT: %d, want 422", r.StatusCode)
	}
}

// TestGIFTUploadPreviewThenSave uploads a GIFT file: the first post shows a
// preview and stores nothing, the second stores the questions in the quiz;
// a malformed file lists every bad question with its line.
func TestGIFTUploadPreviewThenSave(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	trainer := f.login("trainer")
	path := "/modules/" + f.module.Code + "/quiz/import"
	gift := "::时限::法定时限几个工作日？{#3}\n\n::判断::可以要求清单外材料。{F}\n"
	res := upload(t, trainer, path, map[string]string{"format": "gift", "action": "preview"}, "q.gift", []byte(gift))
	if res.StatusCode != 200 || !strings.Contains(res.body, "法定时限几个工作日") || !strings.Contains(res.body, `value="save"`) {
		t.Fatalf("preview: %d %.800s", res.StatusCode, res.body)
	}
	if page := trainer.do("GET", "/modules/"+f.module.Code+"/quiz", ""); strings.Contains(page.body, ">时限<") {
		t.Fatal("the preview stored the questions")
	}
	res = trainer.do("POST", path, form("format", "gift", "action", "save", "source", gift))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.StatusCode, res.body)
	}
	if page := trainer.do("GET", "/modules/"+f.module.Code+"/quiz", ""); !strings.Contains(page.body, ">时限<") || !strings.Contains(page.body, ">判断<") {
		t.Fatalf("questions not in the quiz after saving: %.1500s", page.body)
	}
	bad := upload(t, trainer, path, map[string]string{"format": "gift", "action": "preview"}, "bad.gift", []byte("::a::x{#abc}\n\n::b::y{~only}\n"))
	if bad.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "input:1:") || !strings.Contains(bad.body, "input:3:") {
		i := strings.Index(bad.body, "rejects")
		t.Fatalf("malformed upload: %d %.600s", bad.StatusCode, bad.body[max(i, 0):])
	}
}
