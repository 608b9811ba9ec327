package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/quizzes"
)

// integrityQuestions has one question of every type, each with its key and
// feedback made of markers that cannot appear on a page by accident.
func integrityQuestions() []quizzes.Question {
	return []quizzes.Question{
		{Type: quizzes.MultiChoice, Name: "受理", Text: "哪些属于受理环节？", GeneralFeedback: "SECRET-MC-GENERAL", Answers: []quizzes.Answer{
			{Text: "核验身份", Fraction: 0.5, Feedback: "SECRET-MC-FB-A"},
			{Text: "登记材料", Fraction: 0.5, Feedback: "SECRET-MC-FB-B"},
			{Text: "私下收费", Fraction: -1, Feedback: "SECRET-MC-FB-C"}}},
		{Type: quizzes.TrueFalse, Name: "告知", Text: "办结后应告知申请人结果。", Correct: true,
			FeedbackCorrect: "SECRET-TF-RIGHT", FeedbackWrong: "SECRET-TF-WRONG", GeneralFeedback: "SECRET-TF-GENERAL"},
		{Type: quizzes.ShortAnswer, Name: "简称", Text: "“一次性告知”制度的代号是？", GeneralFeedback: "SECRET-SA-GENERAL", Answers: []quizzes.Answer{
			{Text: "SECRETSA一告知", Fraction: 1, Feedback: "SECRET-SA-FB"},
			{Text: "*", Fraction: 0, Feedback: "SECRET-SA-CATCHALL"}}},
		{Type: quizzes.Numerical, Name: "时限", Text: "承诺时限是多少分钟？", GeneralFeedback: "SECRET-NUM-GENERAL", Answers: []quizzes.Answer{
			{Value: 31415.9265, Tolerance: 0.0271, Fraction: 1, Feedback: "SECRET-NUM-FB"},
			{Value: 27182.818, Tolerance: 0.5, Fraction: 0.5, Feedback: "SECRET-NUM-HALF"}}},
		{Type: quizzes.Matching, Name: "岗位", Text: "将环节与岗位配对。", GeneralFeedback: "SECRET-MATCH-GENERAL", Pairs: []quizzes.Pair{
			{Question: "MQ-受理", Answer: "MA-窗口"}, {Question: "MQ-审核", Answer: "MA-后台"},
			{Question: "MQ-出证", Answer: "MA-发证台"}, {Answer: "MA-干扰项"}}},
		{Type: quizzes.Ordering, Name: "流程", Text: "把办理步骤排好顺序。", GeneralFeedback: "SECRET-ORD-GENERAL",
			Items: []string{"ORD-1-名称申报", "ORD-2-材料接收", "ORD-3-审核", "ORD-4-发照"}},
		{Type: quizzes.Essay, Name: "论述", Text: "如何处理材料不全？", Rubric: "SECRET-ESSAY-RUBRIC", GeneralFeedback: "SECRET-ESSAY-GENERAL"},
		{Type: quizzes.TrueFalse, Name: "脚本", Format: quizzes.FormatHTML, Correct: false, FeedbackWrong: "SECRET-HTML-WRONG",
			Text: `<script>alert('xss')</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">材料</a>可以私下收取？`},
	}
}

// integritySecrets must not reach the taker before submission: every key,
// value, tolerance and feedback above and of the fixture's two questions,
// and the names of the key's JSON fields.
var integritySecrets = []string{
	"SECRET-", "SECRETSA", "31415", "27182", "0.0271",
	"正确：章程必须提交", "不需要户口本", "列出全部补正内容",
	"fraction", "tolerance", "rubric", "right_answer", "feedback", "\"correct\"",
}

func assertNoKey(t *testing.T, what string, res response) {
	t.Helper()
	low := strings.ToLower(res.body)
	for _, s := range integritySecrets {
		if strings.Contains(low, strings.ToLower(s)) {
			i := strings.Index(low, strings.ToLower(s))
			t.Errorf("%s leaks %q before submission: …%s…", what, s, res.body[max(0, i-80):min(len(res.body), i+80)])
		}
	}
}

var (
	fieldsetRE = regexp.MustCompile(`(?s)<fieldset class="question" data-position="(\d+)" data-type="(\w+)">(.*?)</fieldset>`)
	choiceRE   = regexp.MustCompile(`name="q\d+" value="(\d+)"[^>]*> ([^<]+)</label>`)
	itemRE     = regexp.MustCompile(`name="q\d+_o(\d+)" value="[^"]*"[^>]*> ([^<]+)</li>`)
	selectRE   = regexp.MustCompile(`(?s)<select name="q\d+_m(\d+)">(.*?)</select>`)
	optionRE   = regexp.MustCompile(`<option value="([^"]*)"( selected)?>`)
)

// TestQuizIntegrityNoKeyBeforeSubmission takes a quiz with every question
// type as employee2 and searches every response before submission — the
// intro, the attempt page (first view, after the page's own save, resumed),
// its review URL while in progress, each autosave answer, the enrolment,
// home, my and notification pages and /api/v1/me — for keys, values,
// fractions and feedback. The ordering question is never shown in its right
// order, matching options are the same for every row with nothing
// preselected, question HTML loses its script. After the time is up every
// answer is refused with 409 and not stored. The review afterwards does show
// the feedback (so the search would have found it).
func TestQuizIntegrityNoKeyBeforeSubmission(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.app.ImportQuestions(ctx, f.center, f.module.Code, integrityQuestions(), app.Actor{Name: "test"}); err != nil {
		t.Fatalf("ImportQuestions: %v", err)
	}
	trainer, emp := f.login("trainer"), f.login("employee2")
	settings := form("time_limit_minutes", "10", "pass_percent", "60", "overdue_handling", "autosubmit", "shuffle_answers", "1",
		"shuffle_questions", "1", "review_when", "immediately", "review_marks", "1", "review_right_answers", "1", "review_feedback", "1")
	if r := trainer.do("POST", "/modules/"+f.module.Code+"/quiz", settings); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings: %d %s", r.StatusCode, r.body)
	}
	es, err := f.app.Training().StaffEnrolments(ctx, f.s2.ID)
	if err != nil || len(es) != 1 {
		t.Fatalf("s2 enrolments: %v %v", es, err)
	}
	enr := fmt.Sprintf("/enrolments/%d", es[0].ID)
	assertNoKey(t, "quiz intro", emp.do("GET", enr+"/quiz", ""))
	start := emp.do("POST", enr+"/quiz/start", "x=1")
	attempt := start.Header.Get("Location")
	if start.StatusCode != http.StatusSeeOther || !strings.HasPrefix(attempt, "/attempts/") {
		t.Fatalf("start: %d %q", start.StatusCode, attempt)
	}
	id := strings.TrimPrefix(attempt, "/attempts/")
	page := emp.do("GET", attempt, "")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("attempt page: %d", page.StatusCode)
	}
	assertNoKey(t, "attempt page", page)
	if cc := page.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("attempt page Cache-Control %q, want no-store", cc)
	}
	if s := secHasAny(page.body, "<script>alert", "onerror", "javascript:alert"); s != "" {
		t.Errorf("question HTML reaches the page unsanitized: %q", s)
	}
	assertNoKey(t, "review of the attempt in progress", emp.do("GET", attempt+"/review", ""))

	// Each question: check how it is shown, then autosave a wrong answer
	// (a right one would put the key's text on the resumed page).
	blocks := fieldsetRE.FindAllStringSubmatch(page.body, -1)
	types := map[string]bool{}
	formAnswers := []string{"action", "save"}
	for _, b := range blocks {
		pos, typ, html := b[1], b[2], b[3]
		types[typ] = true
		var resp string
		switch typ {
		case "multichoice":
			for _, m := range choiceRE.FindAllStringSubmatch(html, -1) {
				if m[2] == "户口本" || m[2] == "私下收费" {
					resp = `{"choices":[` + m[1] + `]}`
				}
			}
			if strings.Contains(html, " checked") {
				t.Errorf("question %s: a choice is preselected", pos)
			}
		case "truefalse":
			resp = `{"bool":false}`
			if strings.Contains(html, " checked") {
				t.Errorf("question %s: true/false preselected", pos)
			}
		case "shortanswer":
			resp = `{"text":"不知道"}`
		case "numerical":
			resp = `{"text":"1"}`
		case "essay":
			resp = `{"text":"我的作答"}`
			formAnswers = append(formAnswers, "q"+pos+"_present", "1", "q"+pos, "我的作答（页面保存）")
		case "matching":
			sels := selectRE.FindAllStringSubmatch(html, -1)
			if len(sels) != 3 {
				t.Fatalf("matching: %d selects, want 3", len(sels))
			}
			var first string
			for _, s := range sels {
				var opts []string
				for _, o := range optionRE.FindAllStringSubmatch(s[2], -1) {
					opts = append(opts, o[1])
					if o[2] != "" {
						t.Errorf("matching row %s: option %q preselected", s[1], o[1])
					}
				}
				if first == "" {
					first = strings.Join(opts, "|")
				} else if strings.Join(opts, "|") != first {
					t.Errorf("matching rows offer different options: %q vs %q", strings.Join(opts, "|"), first)
				}
				if !strings.Contains(strings.Join(opts, "|"), "MA-干扰项") {
					t.Errorf("matching options lack the distractor: %v", opts)
				}
			}
			resp = `{"matches":["MA-干扰项","MA-干扰项","MA-干扰项"]}`
		case "ordering":
			var shown []string
			var idx []string
			for _, m := range itemRE.FindAllStringSubmatch(html, -1) {
				shown, idx = append(shown, strings.TrimSpace(m[2])), append(idx, m[1])
			}
			if strings.Join(shown, "|") == "ORD-1-名称申报|ORD-2-材料接收|ORD-3-审核|ORD-4-发照" {
				t.Errorf("ordering question shown in its right order")
			}
			if len(shown) != 4 {
				t.Errorf("ordering: %d items shown, want 4", len(shown))
			}
			resp = `{"order":[` + strings.Join(idx, ",") + `]}`
		default:
			t.Errorf("question %s: unexpected type %q", pos, typ)
			continue
		}
		save := emp.do("POST", "/api/v1/attempts/"+id+"/answers", `{"position":`+pos+`,"response":`+resp+`}`)
		if save.StatusCode != http.StatusOK {
			t.Errorf("autosave %s (%s): %d %s", pos, typ, save.StatusCode, save.body)
		}
		var keys map[string]any
		if err := json.Unmarshal([]byte(save.body), &keys); err != nil || len(keys) != 1 || keys["saved_at"] == nil {
			t.Errorf("autosave %s answers %s, want only saved_at", pos, save.body)
		}
		assertNoKey(t, "autosave of question "+pos, save)
	}
	for _, typ := range []string{"multichoice", "truefalse", "shortanswer", "numerical", "matching", "ordering", "essay"} {
		if !types[typ] {
			t.Errorf("the attempt shows no %s question", typ)
		}
	}
	// The page's own save (no JavaScript), then resume.
	if r := emp.do("POST", attempt, form(formAnswers...)); r.StatusCode != http.StatusSeeOther {
		t.Errorf("page save: %d %s", r.StatusCode, r.body)
	}
	resumed := emp.do("GET", attempt, "")
	if !strings.Contains(resumed.body, "我的作答（页面保存）") {
		t.Errorf("page save was not kept")
	}
	assertNoKey(t, "resumed attempt page", resumed)
	for _, p := range []string{enr, "/", "/my", "/notifications", "/api/v1/me", enr + "/quiz"} {
		assertNoKey(t, "GET "+p, emp.do("GET", p, ""))
	}

	// Time is up: every answer is refused and nothing is stored.
	f.clock.Advance(11 * time.Minute)
	for _, b := range blocks {
		r := emp.do("POST", "/api/v1/attempts/"+id+"/answers", `{"position":`+b[1]+`,"response":{"text":"late"}}`)
		if r.StatusCode != http.StatusConflict {
			t.Errorf("late autosave of %s: %d %s, want 409", b[1], r.StatusCode, r.body)
		}
	}
	late := append([]string{}, formAnswers...)
	late[len(late)-1] = "迟到的答案"
	lateRes := emp.do("POST", attempt, form(late...))
	if lateRes.StatusCode >= 500 {
		t.Errorf("late page save: %d", lateRes.StatusCode)
	}
	aid, _ := strconv.ParseInt(id, 10, 64)
	at, err := f.app.Quizzes().Attempt(ctx, aid)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range at.Questions {
		if q.Response != nil && (q.Response.Text == "late" || q.Response.Text == "迟到的答案") {
			t.Errorf("question %d stored an answer given after the deadline", q.Position)
		}
	}
	// After submission the review may show the key: the search works.
	if r := emp.do("POST", attempt, form("action", "submit", "submit_key", "sec")); r.StatusCode != http.StatusSeeOther {
		t.Errorf("submit after the deadline (autosubmit): %d %s", r.StatusCode, r.body)
	}
	if r := emp.do("POST", "/api/v1/attempts/"+id+"/answers", `{"position":1,"response":{"text":"x"}}`); r.StatusCode != http.StatusConflict {
		t.Errorf("answer to a finished attempt: %d, want 409", r.StatusCode)
	}
	review := emp.do("GET", attempt+"/review", "")
	if !strings.Contains(review.body, "SECRET-TF-WRONG") {
		t.Errorf("the review after submission lacks the feedback, so the search above proves nothing: %.600s", review.body)
	}
}

// TestQuizIntegrityLatePageSave: the page's save button after the deadline
// must not report the answers as saved. The answers are (correctly) not
// stored, but the server answers as for a successful save: a redirect with
// the "答案已保存。" (answers saved) flash.
func TestQuizIntegrityLatePageSave(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	trainer, emp := f.login("trainer"), f.login("employee2")
	if r := trainer.do("POST", "/modules/"+f.module.Code+"/quiz", form("time_limit_minutes", "1", "pass_percent", "60", "overdue_handling", "autosubmit",
		"review_when", "immediately")); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings: %d", r.StatusCode)
	}
	es, _ := f.app.Training().StaffEnrolments(context.Background(), f.s2.ID)
	attempt := emp.do("POST", fmt.Sprintf("/enrolments/%d/quiz/start", es[0].ID), "x=1").Header.Get("Location")
	page := emp.do("GET", attempt, "")
	essay := regexp.MustCompile(`<textarea name="q(\d+)"`).FindStringSubmatch(page.body)
	if essay == nil {
		t.Fatal("no essay")
	}
	f.clock.Advance(2 * time.Minute)
	res := emp.do("POST", attempt, form("action", "save", "q"+essay[1]+"_present", "1", "q"+essay[1], "迟到的答案"))
	if res.StatusCode == http.StatusConflict {
		return
	}
	// The message for the next page travels in the flash cookie.
	var flash string
	for _, ck := range res.Cookies() {
		if ck.Name == "kaoping_flash" {
			flash, _ = url.QueryUnescape(ck.Value)
		}
	}
	if flash == "答案已保存。" || flash == "" {
		t.Errorf("late page save: %d → %q with flash %q; want 409 (README: answers after the deadline are refused), or at least the time-up message",
			res.StatusCode, res.Header.Get("Location"), flash)
	}
}

// TestQuizIntegrityDeadlineHandlings: a grace period takes answers until it
// ends, then 409; a never-submit attempt refuses late answers and a late
// submit with 409 (not a server error).
func TestQuizIntegrityDeadlineHandlings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		handling string
		grace    string
	}{{"graceperiod", "2"}, {"neversubmit", ""}} {
		t.Run(tc.handling, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			trainer, emp := f.login("trainer"), f.login("employee2")
			if r := trainer.do("POST", "/modules/"+f.module.Code+"/quiz", form("time_limit_minutes", "1", "grace_minutes", tc.grace,
				"pass_percent", "60", "overdue_handling", tc.handling, "review_when", "immediately")); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("settings: %d %s", r.StatusCode, r.body)
			}
			es, _ := f.app.Training().StaffEnrolments(context.Background(), f.s2.ID)
			attempt := emp.do("POST", fmt.Sprintf("/enrolments/%d/quiz/start", es[0].ID), "x=1").Header.Get("Location")
			id := strings.TrimPrefix(attempt, "/attempts/")
			page := emp.do("GET", attempt, "")
			essay := regexp.MustCompile(`<textarea name="q(\d+)"`).FindStringSubmatch(page.body)
			if essay == nil {
				t.Fatal("no essay")
			}
			answer := func() int {
				return emp.do("POST", "/api/v1/attempts/"+id+"/answers", `{"position":`+essay[1]+`,"response":{"text":"x"}}`).StatusCode
			}
			if tc.handling == "graceperiod" {
				f.clock.Advance(2 * time.Minute) // 1 min into the 2 min grace
				if got := answer(); got != http.StatusOK {
					t.Errorf("answer in the grace period: %d, want 200", got)
				}
				f.clock.Advance(90 * time.Second)
				if got := answer(); got != http.StatusConflict {
					t.Errorf("answer after the grace period: %d, want 409", got)
				}
				return
			}
			f.clock.Advance(2 * time.Minute)
			if got := answer(); got != http.StatusConflict {
				t.Errorf("late answer: %d, want 409", got)
			}
			res := emp.do("POST", attempt, form("action", "submit", "submit_key", "late"))
			if res.StatusCode != http.StatusConflict {
				t.Errorf("late submit of a never-submit attempt: %d, want 409", res.StatusCode)
			}
			// Submitting the (now abandoned) attempt again.
			if res := emp.do("POST", attempt, form("action", "submit", "submit_key", "again")); res.StatusCode != http.StatusConflict {
				t.Errorf("submit of an abandoned attempt: %d, want 409", res.StatusCode)
			}
		})
	}
}
