package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestScopes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	lead, emp := f.login("lead"), f.login("employee")
	cases := []struct {
		name string
		c    *client
		path string
		want int
	}{
		{"lead reads member of own team", lead, fmt.Sprintf("/api/v1/staff/%d", f.s2.ID), 200},
		{"lead reads member of team B", lead, fmt.Sprintf("/api/v1/staff/%d", f.s3.ID), 403},
		{"lead opens team B page", lead, fmt.Sprintf("/teams/%d", f.teamB.ID), 403},
		{"lead lists team B members", lead, fmt.Sprintf("/api/v1/teams/%d/members", f.teamB.ID), 403},
		{"employee reads self", emp, fmt.Sprintf("/api/v1/staff/%d", f.s1.ID), 200},
		{"employee reads colleague", emp, fmt.Sprintf("/api/v1/staff/%d", f.s2.ID), 403},
		{"employee opens colleague page", emp, fmt.Sprintf("/staff/%d", f.s2.ID), 403},
		{"employee opens own team page", emp, fmt.Sprintf("/teams/%d", f.teamA.ID), 403},
		{"unknown staff", lead, "/api/v1/staff/999999", 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.c.do("GET", tc.path, "")
			if res.StatusCode != tc.want {
				t.Fatalf("GET %s: status %d, want %d: %s", tc.path, res.StatusCode, tc.want, res.body)
			}
		})
	}
	// A 403 page is a page, not JSON.
	res := emp.do("GET", fmt.Sprintf("/staff/%d", f.s2.ID), "")
	if !strings.Contains(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(res.body, "403") {
		t.Errorf("403 page: content type %q, body %.200q", res.Header.Get("Content-Type"), res.body)
	}
}

func TestPolicyChangeVisibleToNextRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin, hr := f.login("admin"), f.login("hr")
	if res := hr.do("GET", "/center", ""); res.StatusCode != 200 {
		t.Fatalf("hr /center before: %d", res.StatusCode)
	}
	rule := `{"role":"hr","domain":"center:*","object":"/center","action":"GET"}`
	if res := admin.do("DELETE", "/api/v1/policies", rule); res.StatusCode != http.StatusNoContent {
		t.Fatalf("remove policy: %d %s", res.StatusCode, res.body)
	}
	if res := hr.do("GET", "/center", ""); res.StatusCode != 403 {
		t.Fatalf("hr /center after removal: %d, want 403", res.StatusCode)
	}
	if res := admin.do("POST", "/api/v1/policies", rule); res.StatusCode != http.StatusCreated {
		t.Fatalf("add policy: %d %s", res.StatusCode, res.body)
	}
	if res := hr.do("GET", "/center", ""); res.StatusCode != 200 {
		t.Fatalf("hr /center after re-adding: %d, want 200", res.StatusCode)
	}
	// The audit trail has both changes.
	res := admin.do("GET", "/admin/audit?action=policy", "")
	if !strings.Contains(res.body, "policy.remove") || !strings.Contains(res.body, "policy.add") {
		t.Errorf("audit page lacks the policy changes: %.300s", res.body)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.anonymous()
	if res := c.do("POST", "/api/v1/login", `{"username":"hr","password":"wrong password!"}`); res.StatusCode != 401 {
		t.Fatalf("bad password: %d, want 401", res.StatusCode)
	}
	if res := c.do("GET", "/api/v1/me", ""); res.StatusCode != 401 {
		t.Fatalf("me anonymous: %d, want 401", res.StatusCode)
	}
	hr := f.login("hr")
	res := hr.do("GET", "/api/v1/me", "")
	if res.StatusCode != 200 || !strings.Contains(res.body, `"username":"hr"`) || !strings.Contains(res.body, `"role":"hr"`) {
		t.Fatalf("me: %d %s", res.StatusCode, res.body)
	}
	// Logout ends the session at once, also for a stolen copy of the cookie.
	stolen := *hr
	if res := hr.do("POST", "/api/v1/logout", ""); res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d %s", res.StatusCode, res.body)
	}
	if res := stolen.do("GET", "/api/v1/me", ""); res.StatusCode != 401 {
		t.Fatalf("me after logout: %d, want 401", res.StatusCode)
	}
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.anonymous()
	for i := 0; i < 5; i++ {
		if res := c.do("POST", "/api/v1/login", `{"username":"hr","password":"wrong password!"}`); res.StatusCode != 401 {
			t.Fatalf("attempt %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	res := c.do("POST", "/api/v1/login", `{"username":"hr","password":"`+testPassword+`"}`)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt: %d Retry-After %q, want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
	}
	// Another username from the same address is not affected.
	if res := c.do("POST", "/api/v1/login", `{"username":"trainer","password":"`+testPassword+`"}`); res.StatusCode != 200 {
		t.Fatalf("other user: %d, want 200", res.StatusCode)
	}
	f.clock.Advance(16 * time.Minute)
	if res := f.anonymous().do("POST", "/api/v1/login", `{"username":"hr","password":"`+testPassword+`"}`); res.StatusCode != 200 {
		t.Fatalf("after the window: %d, want 200", res.StatusCode)
	}
}

func TestSessionFixationAndTimeouts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hr := f.login("hr")
	before := *hr
	// Signing in again from the same browser issues a new session id and
	// ends the old one.
	if res := hr.do("POST", "/api/v1/login", `{"username":"hr","password":"`+testPassword+`"}`); res.StatusCode != 200 {
		t.Fatalf("second login: %d", res.StatusCode)
	}
	if hr.cookie == before.cookie || hr.cookie == "" {
		t.Fatal("session id did not change at login")
	}
	if res := before.do("GET", "/api/v1/me", ""); res.StatusCode != 401 {
		t.Fatalf("old session after re-login: %d, want 401", res.StatusCode)
	}
	// Idle timeout (30 min by default).
	f.clock.Advance(31 * time.Minute)
	if res := hr.do("GET", "/api/v1/me", ""); res.StatusCode != 401 {
		t.Fatalf("after idle timeout: %d, want 401", res.StatusCode)
	}
	// Absolute timeout (12 h), even when active.
	active := f.login("hr")
	for i := 0; i < 26; i++ {
		f.clock.Advance(29 * time.Minute)
		if res := active.do("GET", "/api/v1/me", ""); res.StatusCode != 200 {
			if f.clock.Now().Sub(time.Date(2026, 7, 15, 2, 31, 0, 0, time.UTC)) < 12*time.Hour {
				t.Fatalf("active session ended early at step %d: %d", i, res.StatusCode)
			}
			return
		}
	}
	t.Fatal("active session outlived the absolute timeout")
}

func TestDisableTakesEffectAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin, victim := f.login("admin"), f.login("victim")
	if res := victim.do("GET", "/items", ""); res.StatusCode != 200 {
		t.Fatalf("victim before: %d", res.StatusCode)
	}
	if res := admin.do("POST", fmt.Sprintf("/admin/users/%d/disable", f.victim.ID), "x=1"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", res.StatusCode, res.body)
	}
	if res := victim.do("GET", "/items", ""); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("victim after disable: %d, want 303 to login", res.StatusCode)
	}
	if res := f.anonymous().do("POST", "/api/v1/login", `{"username":"victim","password":"`+testPassword+`"}`); res.StatusCode != 401 {
		t.Fatalf("disabled login: %d, want 401", res.StatusCode)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin := f.login("admin")
	noToken := *admin
	noToken.csrf = ""
	if res := noToken.do("POST", "/admin/teams", form("code", "x", "name", "x", "channel", "offline")); res.StatusCode != 403 {
		t.Fatalf("form without token: %d, want 403", res.StatusCode)
	}
	if res := noToken.do("POST", "/api/v1/policies", `{"role":"hr","domain":"center:*","object":"/x","action":"GET"}`); res.StatusCode != 403 {
		t.Fatalf("JSON without token: %d, want 403", res.StatusCode)
	}
	// Right token, foreign origin.
	req := httptest.NewRequest("POST", "/admin/teams", strings.NewReader(form("code", "x", "name", "x", "channel", "offline", "_csrf", admin.csrf)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.AddCookie(&http.Cookie{Name: "kaoping_session", Value: admin.cookie})
	res, err := f.app.Fiber().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 403 {
		t.Fatalf("foreign origin: %d, want 403", res.StatusCode)
	}
	// The token in the query string is not taken (URLs are logged).
	if res := noToken.do("POST", "/admin/teams?_csrf="+admin.csrf, form("code", "y", "name", "y", "channel", "offline")); res.StatusCode != 403 {
		t.Fatalf("token in the query string: %d, want 403", res.StatusCode)
	}
	// With the form token it works.
	if res := noToken.do("POST", "/admin/teams", form("code", "x", "name", "新班组", "channel", "热线", "_csrf", admin.csrf)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("form with token: %d %s", res.StatusCode, res.body)
	}
}

func TestMustChangePassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin := f.login("admin")
	res := admin.do("POST", fmt.Sprintf("/admin/users/%d/reset-password", f.users["hr"].ID), "x=1")
	if res.StatusCode != 200 {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	i := strings.Index(res.body, `class="secret">`)
	if i < 0 {
		t.Fatalf("no password shown: %.500s", res.body)
	}
	pw := res.body[i+len(`class="secret">`):]
	pw = pw[:strings.Index(pw, "<")]
	c := f.anonymous()
	if res := c.do("POST", "/api/v1/login", `{"username":"hr","password":"`+pw+`"}`); res.StatusCode != 200 || !strings.Contains(res.body, `"must_change_password":true`) {
		t.Fatalf("login with reset password: %d %s", res.StatusCode, res.body)
	}
	if res := c.do("GET", "/center", ""); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/password" {
		t.Fatalf("page before change: %d %q, want redirect to /account/password", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestMalformedJSONIs4xx(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin := f.login("admin")
	cases := []struct {
		body  string
		want  int
		field string
	}{
		{`{"role":`, 400, ""},
		{`{"role":"hr","bogus":1}`, 422, "bogus"},
		{`{"role":5}`, 422, "role"},
		{`[]`, 422, ""},
		{`{"role":"hr","domain":"center:*","object":"/x","action":"GET"} trailing`, 400, ""},
		{`{"role":"hr","domain":"planet:*","object":"/x","action":"GET"}`, 422, ""},
	}
	for _, tc := range cases {
		res := admin.do("POST", "/api/v1/policies", tc.body)
		if res.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.body, res.StatusCode, tc.want, res.body)
		}
		if tc.field != "" && !strings.Contains(res.body, `"field":"`+tc.field+`"`) {
			t.Errorf("%s: body %s does not name field %s", tc.body, res.body, tc.field)
		}
	}
	if res := f.anonymous().do("POST", "/api/v1/login", `{"username":"hr"}`); res.StatusCode != 422 || !strings.Contains(res.body, `"field":"password"`) {
		t.Errorf("login without password: %d %s", res.StatusCode, res.body)
	}
}
