package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/store"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
)

// e2eTimeLimit is the time limit of the quiz whose time runs out: long
// enough to start the attempt and save one answer, short enough to wait for.
const e2eTimeLimit = 10 * time.Second

// essayAnswer is what the employee writes and the team lead grades.
const essayAnswer = "告知单应列明需补正的全部材料、补正要求和办理时限，由窗口签章后交申请人。"

// TestE2E drives a real `kaoping serve`, seeded with the demo center, in
// headless Chromium, as the people who use it: an employee takes a quiz
// (reloading in the middle) and lets the time of another run out; the team
// lead reads the competence matrix, grades the essay and handles a bad
// rating from the feed; HR downloads an evaluation PDF and runs a batch;
// nobody gets past the authorization. The scenarios build on each other in
// this order, on one server and one browser.
func TestE2E(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("no chromium, chromium-browser or google-chrome on PATH; the browser tests need one")
	}
	start := time.Now()
	c := newCLI(t)
	font, err := filepath.Abs("../../data/fonts/LXGWWenKai-Regular.ttf")
	if err != nil {
		t.Fatal(err)
	}
	c.env["KAOPING_FONT"] = font
	c.env["KAOPING_LOG_LEVEL"] = "warn" // shown when the test fails
	feedToken := demoFeedToken(t, c.mustRun("", "seed", "demo"))
	teamID := prepareE2E(t, c.env["KAOPING_DB"])
	base, serverLog := serveE2E(t, c)
	e := newE2E(t, chromium, base, serverLog)
	t.Logf("server and browser ready in %v", time.Since(start).Round(time.Millisecond))

	employee := e.newSession(t, "employee")
	lead := e.newSession(t, "lead")
	hr := e.newSession(t, "hr")
	team := "/teams/" + strconv.FormatInt(teamID, 10)

	steps := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"employee_takes_quiz", func(t *testing.T) { employeeTakesQuiz(t, employee) }},
		{"time_limit_runs_out", func(t *testing.T) { timeLimitRunsOut(t, employee) }},
		{"team_lead", func(t *testing.T) { teamLead(t, lead, team, feedToken) }},
		{"hr_reports", func(t *testing.T) { hrReports(t, hr) }},
		{"access", func(t *testing.T) { access(t, e, employee, team) }},
	}
	for _, st := range steps {
		begin := time.Now()
		t.Run(st.name, st.fn)
		t.Logf("%s: %v", st.name, time.Since(begin).Round(time.Millisecond))
	}
	for _, s := range []*session{employee, lead, hr} {
		s.checkConsole(t)
	}
}

// demoFeedToken finds the rating-feed token that the first demo seed prints
// (once) in its table of logins.
func demoFeedToken(t *testing.T, seedOutput string) string {
	t.Helper()
	for _, line := range strings.Split(seedOutput, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "demo-feed" && strings.HasPrefix(f[1], "kp_") {
			return f[1]
		}
	}
	t.Fatalf("seed demo printed no demo-feed token:\n%s", seedOutput)
	return ""
}

// prepareE2E sets the time limit of the residence permit quiz (310100-004)
// to e2eTimeLimit through the application's API, before the server starts:
// the trainer's settings page takes whole minutes only. Its review shows
// marks but neither right answers nor feedback. It returns the ID of the
// window team (综合受理窗口组), which the demo lead leads.
func prepareE2E(t *testing.T, dbURL string) int64 {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := app.New(ctx, db, app.DefaultConfig(), slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	center, err := a.Staff().DefaultCenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := a.Training().ModuleByCode(ctx, center.ID, "310100-004")
	if err != nil {
		t.Fatal(err)
	}
	q, err := a.Quizzes().QuizForModule(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	q.TimeLimitSeconds, q.OverdueHandling = int(e2eTimeLimit/time.Second), quizstore.OverdueAutosubmit
	q.ReviewMarks, q.ReviewRightAnswers, q.ReviewFeedback = true, false, false
	if err := a.Quizzes().SaveQuiz(ctx, q); err != nil {
		t.Fatal(err)
	}
	window, err := a.Staff().FindTeam(ctx, center.ID, "window")
	if err != nil {
		t.Fatal(err)
	}
	return window.ID
}

// question is the XPath of the attempt's question whose text contains s.
func question(s string) string {
	return `//fieldset[contains(@class, "question")][.//div[contains(@class, "qtext")][contains(., "` + s + `")]]`
}

// answer changes one question of the open attempt and waits until the
// page's autosave has stored it (the save state shows ✓ again).
func (s *session) answer(t *testing.T, step string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	runStep(t, s, step, chromedp.Evaluate[chromedp.Void](`document.getElementById("savestate").textContent = ""`))
	s.do(t, step, steps...)
	s.waitFor(t, step+" saved", `document.getElementById("savestate").textContent.startsWith("✓")`, 10*time.Second)
}

func (s *session) checked(t *testing.T, xpath string) bool {
	t.Helper()
	return runStep(t, s, "read "+xpath, chromedp.JavascriptAttribute[bool](chromedp.Search(xpath), "checked"))
}

func (s *session) value(t *testing.T, xpath string) string {
	t.Helper()
	return runStep(t, s, "read "+xpath, chromedp.Value(chromedp.Search(xpath)))
}

func (s *session) wantPath(t *testing.T, want *regexp.Regexp) string {
	t.Helper()
	p := s.path(t)
	if !want.MatchString(p) {
		s.fatalf(t, "at %s, want %s", p, want)
	}
	return p
}

func (s *session) wantText(t *testing.T, xpath string, want ...string) string {
	t.Helper()
	got := s.text(t, xpath)
	for _, w := range want {
		if !strings.Contains(got, w) {
			s.fatalf(t, "%s lacks %q:\n%s", xpath, w, got)
		}
	}
	return got
}

// Scenario 1: the employee signs in, reads the lessons of an assigned
// module, answers the quiz, reloads the page in the middle (the autosaved
// answers are still there), submits and sees what the review options allow.
func employeeTakesQuiz(t *testing.T, s *session) {
	s.open(t, "sign-in page", "/login?lang=en")
	s.signIn(t, "employee")
	s.wantPath(t, regexp.MustCompile(`^/my$`))
	s.click(t, "open the business registration module", `//tr[td/small[contains(., "310100-001")]]//a[starts-with(@href, "/enrolments/")]`)
	enrolment := s.wantPath(t, regexp.MustCompile(`^/enrolments/\d+$`))

	s.click(t, "open the first lesson", `//ol[contains(@class, "lessons")]/li[1]/a`)
	for i := 1; s.path(t) != enrolment; i++ {
		if i > 10 {
			s.fatalf(t, "still reading lessons after %d", i)
		}
		s.click(t, fmt.Sprintf("read lesson %d", i), `//form[contains(@action, "/read")]//button`)
	}
	s.wantText(t, "//main", "(3/3)")
	if n := runStep(t, s, "count read marks", chromedp.Evaluate[int](`document.querySelectorAll("ol.lessons .ok").length`)); n != 3 {
		s.fatalf(t, "%d lessons marked read, want 3", n)
	}

	s.click(t, "open the quiz", `//a[contains(@href, "/quiz")]`)
	if got := s.text(t, `//dt[starts-with(normalize-space(.), "Time limit")]/following-sibling::dd[1]`); got != "20" {
		s.fatalf(t, "the quiz's time limit shows %q, want 20 (minutes)", got)
	}
	s.click(t, "start the quiz", `//form[contains(@action, "/quiz/start")]//button`)
	attempt := s.wantPath(t, regexp.MustCompile(`^/attempts/\d+$`))

	signer := question("申请书应由谁签字") + `//label[contains(., "法定代表人")]/input`
	charter := question("必备材料") + `//label[contains(., "公司章程")]/input`
	premises := question("必备材料") + `//label[contains(., "住所使用证明")]/input`
	hukou := question("必备材料") + `//label[contains(., "户口本")]/input`
	notify := question("一次性告知") + `//input[@value="true"]`
	days := question("法定办理时限") + `//input[@inputmode="decimal"]`
	s.answer(t, "choose who signs", chromedp.Click(chromedp.Search(signer)))
	s.answer(t, "tick the required materials", chromedp.Click(chromedp.Search(charter)), chromedp.Click(chromedp.Search(premises)))
	s.answer(t, "answer true", chromedp.Click(chromedp.Search(notify)))
	s.answer(t, "type the time limit", chromedp.SendKeys(chromedp.Search(days), "3"))

	s.do(t, "reload the attempt", chromedp.Reload())
	if p := s.path(t); p != attempt {
		s.fatalf(t, "reload went to %s", p)
	}
	for _, x := range []string{signer, charter, premises, notify} {
		if !s.checked(t, x) {
			s.fatalf(t, "after the reload %s is not checked", x)
		}
	}
	if s.checked(t, hukou) {
		s.fatalf(t, "after the reload %s is checked", hukou)
	}
	if v := s.value(t, days); v != "3" {
		s.fatalf(t, "after the reload the time limit is %q, want 3", v)
	}

	platform := question("哪个平台") + `//input[@autocomplete="off"]`
	s.answer(t, "type the platform", chromedp.SendKeys(chromedp.Search(platform), "一网通办"))
	var match []chromedp.Action[chromedp.Void]
	for left, right := range map[string]string{"窗口": "当场核验原件后退还", "一网通办": "以电子签名代替手写签名", "12345热线": "只解答政策，引导办理"} {
		sel := question("配对") + `//tr[td[1][normalize-space(.) = "` + left + `"]]//select`
		match = append(match, chromedp.SetValue(chromedp.Search(sel), right))
	}
	s.answer(t, "match the channels", match...)
	var order []chromedp.Action[chromedp.Void]
	for i, step := range []string{"名称自主申报", "实名身份核验", "材料接收与形式审查", "受理或一次性告知", "审核与核准登记", "发照与公示"} {
		sel := `//fieldset[@data-type="ordering"]//li[contains(., "` + step + `")]/input`
		order = append(order, chromedp.SetValue(chromedp.Search(sel), strconv.Itoa(i+1)))
	}
	s.answer(t, "order the steps", order...)
	s.answer(t, "write the essay", chromedp.SendKeys(chromedp.Search(`//fieldset[@data-type="essay"]//textarea`), essayAnswer))

	s.click(t, "submit", `//button[@id="submit-btn"]`)
	if p := s.path(t); p != attempt+"/review" {
		s.fatalf(t, "submit went to %s, want the review", p)
	}
	// The demo quiz shows marks, right answers and feedback at once; the
	// essay waits for the team lead.
	review := s.wantText(t, "//main", "Review #1", "finished", "waiting for a grader", essayAnswer, "正确：申请书由法定代表人签字。")
	if n := strings.Count(review, "1 / 1"); n != 7 {
		s.fatalf(t, "%d questions with full marks, want the 7 that are graded at once:\n%s", n, review)
	}
	if n := runStep(t, s, "count right answers", chromedp.Evaluate[int](`document.querySelectorAll("fieldset.question p.ok").length`)); n < 7 {
		s.fatalf(t, "%d right answers shown, want at least 7", n)
	}
}

// Scenario 2: the time of an attempt runs out while the employee is away;
// the server finalizes it with the answer that was saved.
func timeLimitRunsOut(t *testing.T, s *session) {
	s.open(t, "my training", "/my")
	s.click(t, "open the residence permit module", `//tr[td/small[contains(., "310100-004")]]//a[starts-with(@href, "/enrolments/")]`)
	s.click(t, "open the quiz", `//a[contains(@href, "/quiz")]`)
	intro := s.wantPath(t, regexp.MustCompile(`^/enrolments/\d+/quiz$`))
	s.click(t, "start the quiz", `//form[contains(@action, "/quiz/start")]//button`)
	attempt := s.wantPath(t, regexp.MustCompile(`^/attempts/\d+$`))
	deadline, err1 := time.Parse(time.RFC3339, s.attr(t, `//section[@id="attempt"]`, "data-deadline"))
	now, err2 := time.Parse(time.RFC3339, s.attr(t, `//section[@id="attempt"]`, "data-now"))
	if err1 != nil || err2 != nil {
		s.fatalf(t, "attempt page: deadline %v, server time %v", err1, err2)
	}
	if left := deadline.Sub(now); left <= 0 || left > e2eTimeLimit {
		s.fatalf(t, "the attempt has %v left, want at most %v", left, e2eTimeLimit)
	}
	s.answer(t, "type the months", chromedp.SendKeys(chromedp.Search(question("居住登记")+`//input[@inputmode="decimal"]`), "6"))
	// Away, as with a closed tab: on the attempt page its own countdown
	// would submit at zero, and this is about the server's clock.
	s.open(t, "leave the attempt", "/my")

	state := `//table/tbody/tr[1]/td[2]`
	var shown string
	for limit := time.Now().Add(e2eTimeLimit + 15*time.Second); ; time.Sleep(250 * time.Millisecond) {
		runStep(t, s, "reload the quiz page", chromedp.NavigateResponse(s.e.base+intro))
		if shown = s.text(t, state); shown != "in progress" {
			break
		}
		if time.Now().After(limit) {
			s.fatalf(t, "the attempt is still in progress %v after its deadline", time.Since(deadline))
		}
	}
	s.snap("time is up")
	if time.Now().Before(deadline) {
		s.fatalf(t, "the quiz page shows %q before the deadline", shown)
	}
	// "overdue" until the sweeper (every 15 s) or the next look at the
	// attempt finalizes it; "finished" when the sweeper was first.
	if shown != "overdue" && shown != "finished" {
		s.fatalf(t, "after the deadline the attempt is %q, want overdue or finished", shown)
	}
	t.Logf("after the deadline the quiz page showed the attempt as %q", shown)

	s.open(t, "come back to the attempt", attempt)
	if p := s.path(t); p != attempt+"/review" {
		s.fatalf(t, "the attempt after its deadline went to %s, want its review", p)
	}
	s.wantText(t, "//main", "finished", "50.0 %", "(1 / 2)", "1 / 1", "0 / 1")
	if n := runStep(t, s, "count right answers and feedback", chromedp.Evaluate[int](`document.querySelectorAll("fieldset.question p.ok, fieldset.question p.notice").length`)); n != 0 {
		s.fatalf(t, "the review shows %d right answers or feedback; this quiz's review options allow neither", n)
	}
	s.open(t, "quiz page after the deadline", intro)
	if got := s.text(t, state); got != "finished" {
		s.fatalf(t, "the attempt is %q, want finished", got)
	}
	s.wantText(t, "//dl", "50.0 %", "not passed")
}

// matrixRow reads one person's row of the competence matrix on the tab:
// module code → cell text.
func (s *session) matrixRow(t *testing.T, name string) map[string]string {
	t.Helper()
	js := `(() => {
		const t = document.querySelector("table.matrix");
		const codes = [...t.tHead.rows[0].cells].slice(1).map(c => c.textContent.trim());
		for (const r of t.tBodies[0].rows) {
			if (r.cells[0].textContent.trim() !== ` + strconv.Quote(name) + `) continue;
			const out = {};
			codes.forEach((c, i) => out[c] = r.cells[i + 1].textContent.trim().replace(/\s+/g, " "));
			return out;
		}
		return null;
	})()`
	return runStep(t, s, "read the matrix row of "+name, chromedp.Evaluate[map[string]string](js))
}

// Scenario 3: the team lead sees the employee's grade in the competence
// matrix, grades the essay (the grade appears) and takes a bad rating from
// the feed through verify, rectify and the return visit.
func teamLead(t *testing.T, s *session, team, feedToken string) {
	s.open(t, "sign-in page", "/login?lang=en")
	s.signIn(t, "lead")
	if p := s.path(t); p != team {
		s.fatalf(t, "the lead landed on %s, want %s", p, team)
	}
	s.click(t, "open the team's scores", `//nav/a[@href="`+team+`/scores"]`)
	row := s.matrixRow(t, "王芳")
	if row["310100-004"] != "failed 50.0" || row["310100-001"] != "due" {
		s.fatalf(t, "王芳 in the matrix: %v, want 310100-004 failed 50.0 and 310100-001 due (essay not graded)", row)
	}

	s.click(t, "open the team", `//nav/a[@href="`+team+`"]`)
	s.click(t, "open team training", `//main//a[@href="`+team+`/training"]`)
	s.click(t, "open essay grading", `//main//a[@href="`+team+`/grading"]`)
	essay := `//fieldset[.//legend[contains(., "王芳")]]`
	if got := s.text(t, essay+`//blockquote`); got != essayAnswer {
		s.fatalf(t, "the essay to grade is %q, want %q", got, essayAnswer)
	}
	s.do(t, "fill in the grade",
		chromedp.SendKeys(chromedp.Search(essay+`//input[@name="percent"]`), "80"),
		chromedp.SendKeys(chromedp.Search(essay+`//input[@name="comment"]`), "要点齐全，补正时限可再具体。"))
	s.click(t, "save the grade", essay+`//button`)
	if p := s.path(t); p != team+"/grading" {
		s.fatalf(t, "saving the grade went to %s", p)
	}
	s.wantText(t, `//p[contains(@class, "flash")]`, "Saved.")
	if n := runStep(t, s, "count the employee's essays", chromedp.Evaluate[int](`[...document.querySelectorAll("fieldset legend")].filter(l => l.textContent.includes("王芳")).length`)); n != 0 {
		s.fatalf(t, "王芳's essay is still waiting after it was graded")
	}
	s.click(t, "open the team's scores again", `//nav/a[@href="`+team+`/scores"]`)
	// (7 marks + 80 % of the essay's) / 8 questions.
	if row := s.matrixRow(t, "王芳"); row["310100-001"] != "passed 97.5" {
		s.fatalf(t, "王芳 in the matrix after grading: %v, want 310100-001 passed 97.5", row)
	}

	comment := "窗口人员态度生硬，材料问题没有一次说清。"
	// The demo has bad ratings of its own: the new one is found by its time.
	ratedAt := time.Now().Add(-time.Minute).Truncate(time.Minute)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	postRatings(t, s.e.base, feedToken, `{"ratings":[{"external_id":"E2E-BAD-1","rated_at":"`+ratedAt.Format(time.RFC3339)+
		`","channel":"窗口","item_code":"310100-001","staff_no":"W002","level":1,"reasons":["态度不好","一次性告知不到位"],"comment":"`+comment+`"}]}`)
	s.click(t, "open the team's cases", `//nav/a[@href="`+team+`/cases"]`)
	s.click(t, "open the employee's case", `//tr[td[contains(., "王芳")]]//a[starts-with(@href, "/cases/")][contains(., "`+ratedAt.In(shanghai).Format("2006-01-02 15:04")+`")]`)
	s.wantPath(t, regexp.MustCompile(`^/cases/\d+$`))
	s.wantText(t, "//main", comment, "态度不好")
	state := `//dt[normalize-space(.) = "State"]/following-sibling::dd[1]`
	s.wantText(t, state, "Verify")
	for _, st := range []struct{ action, note, next string }{
		{"verify", "已调取录像核实，情况属实。", "Rectify"},
		{"rectify", "已组织复训一次性告知要求。", "Return visit"},
		{"reply", "已电话回访，群众认可整改。", "Closed"},
	} {
		form := `//form[.//input[@name="action"][@value="` + st.action + `"]]`
		fill := []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.Search(form+`//textarea[@name="note"]`), st.note)}
		if st.action == "reply" {
			fill = append(fill, chromedp.SetValue(chromedp.Search(form+`//select[@name="satisfaction"]`), "satisfied"))
		}
		s.do(t, "fill in "+st.action, fill...)
		s.click(t, "send "+st.action, form+`//button`)
		s.wantText(t, `//p[contains(@class, "flash")]`, "Saved.")
		s.wantText(t, state, st.next)
		s.wantText(t, `//ol[contains(@class, "steps")]`, st.note)
	}
	s.wantText(t, `//ol[contains(@class, "steps")]`, "satisfied")
}

// postRatings sends a batch to the rating feed API as the upstream system
// does, with its bearer token, and expects one new rating.
func postRatings(t *testing.T, base, token, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/ratings", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var got struct{ Imported int }
	if res.StatusCode != http.StatusOK || json.Unmarshal(data, &got) != nil || got.Imported != 1 {
		t.Fatalf("POST /api/v1/ratings: %d %s, want 200 with one imported", res.StatusCode, data)
	}
}

// Scenario 4: HR downloads the staff evaluation PDF of the employee and
// runs a batch of the window team until its job page shows it done.
func hrReports(t *testing.T, s *session) {
	s.open(t, "sign-in page", "/login?lang=en")
	s.signIn(t, "hr")
	s.wantPath(t, regexp.MustCompile(`^/center$`))
	s.click(t, "open the center's scores", `//nav/a[@href="/scores"]`)
	s.click(t, "open the employee's scores", `//a[starts-with(@href, "/staff/")][normalize-space(.) = "王芳"]`)
	name, pdf := s.download(t, "download the staff evaluation PDF", `//a[contains(@href, "/report.pdf")]`)
	if !regexp.MustCompile(`^W002-\d{4}-\d{2}\.pdf$`).MatchString(name) {
		t.Errorf("PDF file name %q, want W002-<period>.pdf", name)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		s.fatalf(t, "the download is not a PDF: %.40q", pdf)
	}
	if text := e2ePDFText(t, pdf); !strings.Contains(text, "王芳") || !strings.Contains(text, "W002") {
		s.fatalf(t, "the PDF's text lacks 王芳 W002:\n%s", text)
	}

	s.click(t, "open batch reports", `//nav/a[@href="/reports/batch"]`)
	teamID := s.attr(t, `//select[@name="team"]/option[contains(., "综合受理窗口组")]`, "value")
	s.do(t, "choose the window team", chromedp.SetValue(chromedp.Search(`//select[@name="team"]`), teamID))
	s.click(t, "start the batch", `//form[@action="/reports/batch"]//button`)
	s.wantPath(t, regexp.MustCompile(`^/reports/batch/\d+$`))
	t.Logf("the job page first showed the job %s", s.attr(t, `//section[@id="job"]`, "data-status"))
	// The job runner picks the job up (at once, or at its next 5 s poll);
	// the page reloads itself every 2 s until the job ends.
	s.waitFor(t, "the batch is done", `(document.getElementById("job") || {dataset: {}}).dataset.status === "done"`, 60*time.Second)
	progress := s.wantText(t, `//section[@id="job"]`, "done")
	m := regexp.MustCompile(`(\d+)/(\d+)`).FindStringSubmatch(progress)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		s.fatalf(t, "the finished job shows %q, want n/n", progress)
	}
	_, data := s.download(t, "download the ZIP", `//a[contains(@href, "/zip")]`)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		s.fatalf(t, "the batch download is not a ZIP: %v", err)
	}
	pdfs := 0
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".pdf") {
			pdfs++
		}
	}
	if strconv.Itoa(pdfs) != m[2] {
		s.fatalf(t, "the ZIP holds %d PDFs, the job says %s", pdfs, m[2])
	}
}

// e2ePDFText extracts the text of a PDF with poppler's pdftotext; unlike
// pdfText (report_test.go) it fails rather than skips without it.
func e2ePDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils) is needed to read the PDF: %v", err)
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// Scenario 5: an employee gets the 403 page for a team lead's page; signed
// out (or never signed in), a page sends the visitor to sign in first.
func access(t *testing.T, e *e2e, employee *session, team string) {
	res := employee.open(t, "employee opens the team's scores", team+"/scores")
	if res.Status != http.StatusForbidden {
		employee.fatalf(t, "%s/scores answered the employee %d, want 403", team, res.Status)
	}
	employee.wantText(t, "//main//h1", "403")
	employee.wantText(t, "//main", "You are not allowed to open this page.")
	employee.click(t, "sign out", `//form[@action="/logout"]//button`)
	employee.wantPath(t, regexp.MustCompile(`^/login`))
	employee.open(t, "signed out, open my training", "/my")
	employee.wantPath(t, regexp.MustCompile(`^/login\?next=%2Fmy$`))

	visitor := e.newSession(t, "visitor")
	visitor.open(t, "open the team's scores", team+"/scores")
	visitor.wantPath(t, regexp.MustCompile(`^/login\?next=`))
	visitor.open(t, "open my training", "/my")
	visitor.wantPath(t, regexp.MustCompile(`^/login\?next=%2Fmy$`))
	visitor.signIn(t, "employee")
	visitor.wantPath(t, regexp.MustCompile(`^/my$`))
	visitor.checkConsole(t)
}
