package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store/storetest"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/quizzes"
	"github.com/kaoping/kaoping/rbac"
)

const testPassword = "correct horse battery"

// clock is an injectable, advanceable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a center with two teams, three staff and one account per role.
type fixture struct {
	t      testing.TB
	db     *bun.DB
	app    *app.App
	clock  *clock
	center int64
	teamA  *staff.Team   // window team, led by "lead"
	teamB  *staff.Team   // hotline team
	s1     *staff.Member // team A, account "employee"
	s2     *staff.Member // team A, account "employee2"
	s3     *staff.Member // team B
	users  map[string]*auth.User
	token  string // rating_feed bearer token
	victim *auth.User

	module    *training.Module      // published, assigned to team A
	enrolment *training.Enrolment   // s1's enrolment, completed
	lessonID  int64                 // the module's first lesson
	cert      *training.Certificate // s1's certificate
	attempt   int64                 // s1's finished attempt of the module's quiz
	essay     int64                 // its essay answer, waiting for a grader
	question  int64                 // the quiz's multichoice question in the bank

	ratingID   int64 // s1's bad rating (window, 2026-07-15 09:00), with its case
	caseID     int64
	appealID   int64 // s1's pending appeal of it, with one evidence file
	evidenceID int64
}

func testConfig() app.Config {
	cfg := app.DefaultConfig()
	cfg.Auth.Params = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	cfg.Auth.MaxFailuresPerIP = 1000
	if p := os.Getenv("KAOPING_FONT"); p != "" {
		cfg.FontPath = p
	} else {
		cfg.FontPath = "../data/fonts/LXGWWenKai-Regular.ttf" // `make fonts`
	}
	return cfg
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.New(t)
	clk := &clock{t: time.Date(2026, 7, 15, 2, 0, 0, 0, time.UTC)}
	cfg := testConfig()
	a, err := app.New(ctx, db, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	f := &fixture{t: t, db: db, app: a, clock: clk, users: map[string]*auth.User{}}
	s := a.Staff()
	c, err := s.DefaultCenter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.center = c.ID
	f.teamA = &staff.Team{CenterID: c.ID, Code: "window", Name: "综合受理窗口组", Channel: "offline"}
	f.teamB = &staff.Team{CenterID: c.ID, Code: "hotline", Name: "12345热线坐席组", Channel: "hotline"}
	for _, tm := range []*staff.Team{f.teamA, f.teamB} {
		if err := s.CreateTeam(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(no, name string, team *staff.Team, ch string) *staff.Member {
		m, _, err := s.SaveStaff(ctx, db, staff.StaffInput{CenterID: c.ID, StaffNo: no, Name: name, TeamID: team.ID, Channels: []string{ch}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	f.s1 = mk("W001", "张伟", f.teamA, "offline")
	f.s2 = mk("W002", "王芳", f.teamA, "offline")
	f.s3 = mk("H001", "郑浩", f.teamB, "hotline")
	for _, u := range []app.NewUser{
		{Username: "admin", Roles: []string{rbac.RoleAdmin}},
		{Username: "hr", Roles: []string{rbac.RoleHR}},
		{Username: "trainer", Roles: []string{rbac.RoleTrainer}},
		{Username: "lead", Roles: []string{rbac.RoleTeamLead}, Teams: []string{"window"}},
		{Username: "employee", Roles: []string{rbac.RoleEmployee}, StaffNo: "W001"},
		{Username: "employee2", Roles: []string{rbac.RoleEmployee}, StaffNo: "W002"},
		{Username: "victim", Roles: []string{rbac.RoleTrainer}},
	} {
		u.Password = testPassword
		created, err := a.AddUser(ctx, u, app.Actor{Name: "test"})
		if err != nil {
			t.Fatalf("AddUser %s: %v", u.Username, err)
		}
		f.users[u.Username] = created
	}
	f.victim = f.users["victim"]
	f.token, _, err = a.CreateToken(ctx, "feed", rbac.RoleRatingFeed, app.Actor{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.seedTraining()
	f.seedBadRating()
	return f
}

// seedBadRating gives s1 a bad rating through the feed (which opens its
// case) and an appeal of it with a PNG as evidence.
func (f *fixture) seedBadRating() {
	f.t.Helper()
	ctx := context.Background()
	res := f.bearerClient().do("POST", "/api/v1/ratings", `{"ratings":[{"external_id":"FX-BAD-1","rated_at":"2026-07-15 09:00:00","channel":"窗口","staff_no":"W001","level":2,"reasons":["等候时间长"],"comment":"排队太久"}]}`)
	if res.StatusCode != http.StatusOK {
		f.t.Fatalf("seed bad rating: %d %s", res.StatusCode, res.body)
	}
	cases, err := f.app.Followup().Cases(ctx, followup.CaseFilter{CenterID: f.center, StaffID: f.s1.ID})
	if err != nil || len(cases) != 1 {
		f.t.Fatalf("case of the seeded bad rating: %v, %d cases", err, len(cases))
	}
	f.caseID, f.ratingID = cases[0].ID, cases[0].RatingID
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 32)...)
	ap, err := f.app.Followup().SubmitAppeal(ctx, f.ratingID, followup.Actor{Label: "user:employee", StaffID: f.s1.ID},
		"当天系统故障，排队不是我造成的", []followup.EvidenceUpload{{Name: "截图.png", Data: png}})
	if err != nil {
		f.t.Fatalf("seed appeal: %v", err)
	}
	full, err := f.app.Followup().Appeal(ctx, ap.ID)
	if err != nil || len(full.Evidence) != 1 {
		f.t.Fatalf("seeded appeal evidence: %v", err)
	}
	f.appealID, f.evidenceID = ap.ID, full.Evidence[0].ID
}

// seedTraining publishes one module (written by the trainer, approved by
// the admin), assigns it to team A and lets s1 complete it.
func (f *fixture) seedTraining() {
	t, ctx, tr := f.t, context.Background(), f.app.Training()
	in := training.ModuleInput{
		CenterID: f.center, Code: "310100-001", Title: "企业设立登记", ValidityMonths: 12,
		Standard: training.Standard{
			Steps:     []training.Step{{Title: "名称自主申报"}, {Title: "材料接收"}},
			Materials: []training.Material{{Name: "公司章程", Form: training.FormOriginal, Count: 1}},
			Criteria:  []string{"材料齐全"},
		},
		Lessons: []training.Lesson{{Title: "为什么统一标准", Body: "同一件事，**一个标准**。"}},
	}
	m, v, err := tr.CreateModule(ctx, in, f.users["trainer"].ID)
	if err != nil {
		t.Fatalf("CreateModule: %v", err)
	}
	if err := tr.Submit(ctx, v.ID, "grandfather", 0, f.users["trainer"].ID); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if err := tr.Approve(ctx, v.ID, f.users["admin"].ID); err != nil {
		t.Fatalf("Approve: %v", err)
	}
	if _, _, err := tr.Assign(ctx, training.AssignInput{CenterID: f.center, ModuleID: m.ID, TargetKind: "team", TargetID: f.teamA.ID, DueDate: "2026-08-01"}, f.users["lead"].ID); err != nil {
		t.Fatalf("Assign: %v", err)
	}
	es, err := tr.StaffEnrolments(ctx, f.s1.ID)
	if err != nil || len(es) != 1 {
		t.Fatalf("s1 enrolments: %v %v", es, err)
	}
	full, err := tr.Enrolment(ctx, es[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	f.lessonID = full.Version.Lessons[0].ID
	if f.enrolment, err = tr.ReadLesson(ctx, es[0].ID, f.lessonID); err != nil {
		t.Fatalf("ReadLesson: %v", err)
	}
	certs, err := tr.Certificates(ctx, f.s1.ID)
	if err != nil || len(certs) != 1 {
		t.Fatalf("certificates: %v %v", certs, err)
	}
	f.module, f.cert = m, &certs[0]
	f.seedQuiz(es[0].ID)
}

// seedQuiz gives the module a quiz (a multichoice and an essay) and lets s1
// submit one attempt whose essay waits for the team lead.
func (f *fixture) seedQuiz(enrolmentID int64) {
	t, ctx := f.t, context.Background()
	qs := []quizzes.Question{
		{Type: quizzes.MultiChoice, Name: "材料", Text: "企业设立登记需要哪份材料？", Single: true, Answers: []quizzes.Answer{
			{Text: "公司章程", Fraction: 1, Feedback: "正确：章程必须提交"}, {Text: "户口本", Fraction: 0, Feedback: "不需要户口本"}}},
		{Type: quizzes.Essay, Name: "一次性告知", Text: "请说明如何一次性告知。", Rubric: "列出全部补正内容"},
	}
	if _, err := f.app.ImportQuestions(ctx, f.center, f.module.Code, qs, app.Actor{Name: "test"}); err != nil {
		t.Fatalf("ImportQuestions: %v", err)
	}
	st := f.app.Quizzes()
	quiz, err := st.QuizForModule(ctx, f.module.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.question = quiz.Slots[0].QuestionID
	at, err := st.Start(ctx, quiz.ID, f.s1.ID, &enrolmentID, 1)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	for _, q := range at.Questions {
		if q.Presented.Type == quizzes.Essay {
			if _, err := st.SaveAnswer(ctx, at.ID, q.Position, quizzes.Response{Text: "逐项列出缺少的材料，并请申请人签收。"}); err != nil {
				t.Fatal(err)
			}
			f.essay = q.ID
		}
	}
	if _, err := st.Submit(ctx, at.ID, "fixture"); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	f.attempt = at.ID
}

// client is one browser: a cookie jar of one session and its CSRF token.
type client struct {
	f      *fixture
	cookie string
	csrf   string
	bearer string
}

func (f *fixture) anonymous() *client { return &client{f: f} }

func (f *fixture) bearerClient() *client { return &client{f: f, bearer: f.token} }

// login signs in through the JSON API and keeps the session.
func (f *fixture) login(username string) *client {
	f.t.Helper()
	c := &client{f: f}
	res := c.do("POST", "/api/v1/login", `{"username":"`+username+`","password":"`+testPassword+`"}`)
	if res.StatusCode != http.StatusOK {
		f.t.Fatalf("login %s: status %d: %s", username, res.StatusCode, res.body)
	}
	var me struct {
		CSRFToken string `json:"csrf_token"`
	}
	if err := json.Unmarshal([]byte(res.body), &me); err != nil {
		f.t.Fatal(err)
	}
	c.csrf = me.CSRFToken
	return c
}

type response struct {
	*http.Response
	body string
}

// do sends a request: body starting with "{" is JSON, otherwise a form.
func (c *client) do(method, path, body string) response {
	c.f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		if strings.HasPrefix(body, "{") || strings.HasPrefix(body, "[") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "kaoping_session", Value: c.cookie})
	}
	if c.csrf != "" && method != "GET" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	res, err := c.f.app.Fiber().Test(req, -1)
	if err != nil {
		c.f.t.Fatalf("%s %s: %v", method, path, err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == "kaoping_session" {
			c.cookie = ck.Value
			if ck.MaxAge < 0 {
				c.cookie = ""
			}
		}
	}
	return response{Response: res, body: string(b)}
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}
