package app_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestModuleLifecycleThroughTheUI walks the trainer's editor, the two-person
// approval, the lead's assignment and the employee's reading to the
// certificate, all through HTTP.
func TestModuleLifecycleThroughTheUI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	trainer, admin, lead, emp2 := f.login("trainer"), f.login("admin"), f.login("lead"), f.login("employee2")

	res := trainer.do("POST", "/modules", form("code", "Residence-01", "title", "居住证办理", "validity_months", "12"))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/modules/residence-01/edit" {
		t.Fatalf("create: %d %q %s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	edit := form(
		"title", "居住证办理",
		"steps", "核验居住登记 | 满 6 个月\n采集照片\n受理并出具回执",
		"materials", "居民身份证 | 原件 | 1 | 核验后退还\n就业或住所证明 | 原件或复印件 | 1",
		"criteria", "居住登记满 6 个月",
		"time_limit_days", "15",
		"note_online", "随申办自动核验居住登记",
		"lessons", "# 办理条件\n\n满 6 个月。<script>alert(1)</script><img src=x onerror=alert(2)>\n\n# 各渠道口径\n\n```\n# 不是标题\n```\n三个渠道一致。",
	)
	res = trainer.do("POST", "/modules/residence-01/edit", edit)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save draft: %d %s", res.StatusCode, res.body)
	}
	preview := trainer.do("GET", res.Header.Get("Location"), "")
	for _, want := range []string{"核验居住登记", "原件或复印件", "15 个工作日", "随申办自动核验居住登记", "各渠道口径", "# 不是标题"} {
		if !strings.Contains(preview.body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>", "onerror", "alert(2)"} {
		if strings.Contains(preview.body, bad) {
			t.Errorf("preview contains %q: script not stripped", bad)
		}
	}
	// Duplicate steps are refused, naming the field.
	dup := trainer.do("POST", "/modules/residence-01/edit", form("title", "x", "steps", "采集照片\n采集照片", "lessons", "# a\n\nb"))
	if dup.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(dup.body, "steps[2]") {
		t.Errorf("duplicate steps: %d %.300s", dup.StatusCode, dup.body)
	}
	if res := trainer.do("POST", "/modules/residence-01/submit", form("policy", "grandfather")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", res.StatusCode, res.body)
	}
	if res := trainer.do("POST", "/modules/residence-01/approve", "x=1"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("self approval: %d, want 403", res.StatusCode)
	}
	if res := admin.do("POST", "/modules/residence-01/approve", "x=1"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", res.StatusCode, res.body)
	}

	// The lead assigns it to one member of the team.
	past := lead.do("POST", fmt.Sprintf("/teams/%d/assign", f.teamA.ID), form("module", "residence-01", "due_date", "2026-07-01"))
	if past.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("due date in the past: %d, want 422", past.StatusCode)
	}
	res = lead.do("POST", fmt.Sprintf("/teams/%d/assign", f.teamA.ID), form("module", "residence-01", "due_date", "2026-08-15", "staff_id", fmt.Sprint(f.s2.ID)))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assign: %d %s", res.StatusCode, res.body)
	}
	other := lead.do("POST", fmt.Sprintf("/teams/%d/assign", f.teamB.ID), form("module", "residence-01", "due_date", "2026-08-15"))
	if other.StatusCode != http.StatusForbidden {
		t.Errorf("lead assigning to another team: %d, want 403", other.StatusCode)
	}

	// The employee reads both lessons and gets a certificate.
	my := emp2.do("GET", "/my", "")
	m := regexp.MustCompile(`href="/enrolments/(\d+)">居住证办理`).FindStringSubmatch(my.body)
	if m == nil {
		t.Fatalf("/my does not list the new module: %.800s", my.body)
	}
	enr := "/enrolments/" + m[1]
	page := emp2.do("GET", enr, "")
	lessons := regexp.MustCompile(`href="(/enrolments/\d+/lessons/\d+)"`).FindAllStringSubmatch(page.body, -1)
	if len(lessons) != 2 {
		t.Fatalf("lessons on the enrolment page: %v", lessons)
	}
	for _, l := range lessons {
		if res := emp2.do("POST", l[1]+"/read", "x=1"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("read %s: %d %s", l[1], res.StatusCode, res.body)
		}
	}
	if page := emp2.do("GET", enr, ""); !strings.Contains(page.body, "已完成") {
		t.Errorf("enrolment not completed after reading every lesson: %.600s", page.body)
	}
	my = emp2.do("GET", "/my", "")
	c := regexp.MustCompile(`href="/certificates/(\d+)">(KP-\d{4}-\d{6})`).FindStringSubmatch(my.body)
	if c == nil {
		t.Fatalf("no certificate on /my: %.800s", my.body)
	}
	cert := emp2.do("GET", "/certificates/"+c[1], "")
	if !strings.Contains(cert.body, "王芳") || !strings.Contains(cert.body, c[2]) {
		t.Errorf("certificate page: %.500s", cert.body)
	}
	// Another employee may not open it.
	if res := f.login("employee").do("GET", "/certificates/"+c[1], ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("colleague opens certificate: %d, want 403", res.StatusCode)
	}
	// The lead sees it in the team view.
	if tv := lead.do("GET", fmt.Sprintf("/teams/%d/training", f.teamA.ID), ""); !strings.Contains(tv.body, "居住证办理") || !strings.Contains(tv.body, "王芳") {
		t.Errorf("team training view lacks the enrolment")
	}
}

func TestAssignUnknownTargets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	trainer := f.login("trainer")
	cases := []struct{ body, field string }{
		{form("target_kind", "team", "team_id", "999999", "due_date", "2026-08-01"), "team"},
		{form("target_kind", "staff", "staff_no", "NOPE", "due_date", "2026-08-01"), "staff_no"},
		{form("target_kind", "channel", "channel", "carrier-pigeon", "due_date", "2026-08-01"), "channel"},
		{form("target_kind", "role", "role", "king", "due_date", "2026-08-01"), "role"},
	}
	for _, tc := range cases {
		res := trainer.do("POST", "/modules/"+f.module.Code+"/assign", tc.body)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, tc.field) {
			t.Errorf("%s: %d %.300s", tc.body, res.StatusCode, res.body)
		}
	}
}

// TestNewVersionRecertifyAndDiff publishes v2 of the fixture's module with
// re-certification: s1, who completed v1, gets a v2 enrolment, keeps the
// v1 certificate, and the diff page names what changed.
func TestNewVersionRecertifyAndDiff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	trainer, admin, emp := f.login("trainer"), f.login("admin"), f.login("employee")
	mod := "/modules/" + f.module.Code
	edit := form("title", "企业设立登记",
		"steps", "名称自主申报\n实名核验 | 新增\n材料接收",
		"materials", "公司章程 | 原件 | 2",
		"criteria", "材料齐全",
		"lessons", "# 为什么统一标准\n\n同一件事，**一个标准**。")
	if res := trainer.do("POST", mod+"/edit", edit); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", res.StatusCode, res.body)
	}
	if res := trainer.do("POST", mod+"/submit", form("policy", "recertify", "recert_days", "10")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", res.StatusCode, res.body)
	}
	if res := admin.do("POST", mod+"/approve", "x=1"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", res.StatusCode, res.body)
	}
	diff := trainer.do("GET", mod+"/diff", "")
	for _, want := range []string{"v1 → v2", "+ 实名核验", "公司章程"} {
		if !strings.Contains(diff.body, want) {
			t.Errorf("diff page lacks %q: %.1200s", want, diff.body)
		}
	}
	my := emp.do("GET", "/my", "")
	if !strings.Contains(my.body, "v2") || !strings.Contains(my.body, "2026-07-25") {
		t.Errorf("/my lacks the v2 re-certification due 2026-07-25: %.1500s", my.body)
	}
	if !regexp.MustCompile(`KP-\d{4}-\d{6}</a></td><td>企业设立登记 v1`).MatchString(my.body) {
		t.Errorf("/my lost the v1 certificate: %.1500s", my.body)
	}
}
