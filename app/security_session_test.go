package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/rbac"
)

// isCSRFRefusal tells a refusal by the CSRF/origin check from any other 403
// (a casbin denial, a handler's own check).
func isCSRFRefusal(res response) bool {
	return res.StatusCode == http.StatusForbidden &&
		(strings.Contains(res.body, "CSRF") || strings.Contains(res.body, "cross-origin"))
}

// TestCSRFEveryStateChangingRoute walks every registered non-GET route. For
// each it finds a role allowed to call it (a request with a valid token is
// not 401/403), then sends the same request from a fresh session of that
// role without a token, with a wrong token, with another session's token and
// with a valid token from a foreign origin (Origin, Referer, Sec-Fetch-Site):
// every one is refused with 403 by the CSRF check. The same session with its
// valid token is then still allowed, so the refusals were the CSRF check's.
// Bearer-token clients need no token and may come from anywhere.
func TestCSRFEveryStateChangingRoute(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	table := routeTable(f)
	public := map[string]bool{}
	for _, r := range app.PublicRoutes() {
		public[r] = true
	}
	checked := 0
	for _, route := range registeredRoutes(f.app) {
		method := strings.SplitN(route, " ", 2)[0]
		if method == http.MethodGet || public[route] {
			continue // the sign-in routes: TestCSRFLogin
		}
		tc, ok := table[route]
		if !ok {
			t.Errorf("%s has no entry in routeTable: add one so its CSRF protection is tested", route)
			continue
		}
		checked++
		t.Run(route, func(t *testing.T) {
			role := secAllowedRole(f, method, tc)
			if role == "" {
				t.Fatalf("no role may call %s %s with a valid token", method, tc.path)
			}
			fa := f.app.Fiber()
			if role == "rating_feed" {
				// A bearer client sends no CSRF token and no browser headers
				// bind it to an origin: it is not affected.
				r := secBody(method, tc.path, tc.body)
				r.header = map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
				if res := secSend(t, fa, f.bearerClient(), r); res.StatusCode == http.StatusForbidden || res.StatusCode >= 500 {
					t.Errorf("bearer client without token, foreign origin: %d %s", res.StatusCode, res.body)
				}
				// A browser session is refused before authorization.
				r.header = nil
				if res := secSend(t, fa, f.login("admin"), r); !isCSRFRefusal(res) {
					t.Errorf("cookie session without token: %d %.200s, want 403 by the CSRF check", res.StatusCode, res.body)
				}
				return
			}
			c := secLogin(f, role)
			otherUser := "trainer"
			if role == "trainer" {
				otherUser = "hr"
			}
			other := f.login(otherUser)
			variants := []struct {
				name   string
				token  string
				header map[string]string
			}{
				{"no token", "", nil},
				{"wrong token", c.csrf + "x", nil},
				{"truncated token", c.csrf[:len(c.csrf)/2], nil},
				{"another session's token", other.csrf, nil},
				{"foreign Origin", c.csrf, map[string]string{"Origin": "https://evil.example"}},
				{"look-alike Origin", c.csrf, map[string]string{"Origin": "http://example.com.evil.example"}},
				{"Origin null", c.csrf, map[string]string{"Origin": "null"}},
				{"foreign Referer", c.csrf, map[string]string{"Referer": "https://evil.example/attack.html"}},
				{"cross-site fetch", c.csrf, map[string]string{"Sec-Fetch-Site": "cross-site"}},
				{"same-site fetch", c.csrf, map[string]string{"Sec-Fetch-Site": "same-site"}},
			}
			for _, v := range variants {
				r := secBody(method, tc.path, tc.body)
				r.header = map[string]string{}
				for k, x := range v.header {
					r.header[k] = x
				}
				if v.token != "" {
					r.header["X-CSRF-Token"] = v.token
				}
				if res := secSend(t, fa, c, r); !isCSRFRefusal(res) {
					t.Errorf("%s: %d %.200s, want 403 by the CSRF check", v.name, res.StatusCode, res.body)
				}
			}
			if !strings.HasPrefix(tc.body, "{") && tc.body != "" {
				// A form carrying a wrong _csrf field is refused too.
				r := secBody(method, tc.path, tc.body+"&_csrf="+other.csrf)
				if res := secSend(t, fa, c, r); !isCSRFRefusal(res) {
					t.Errorf("form with another session's _csrf: %d, want 403", res.StatusCode)
				}
			}
			// The session itself was fine all along: its own token, same
			// origin, passes the check.
			r := secBody(method, tc.path, tc.body)
			r.header = map[string]string{"X-CSRF-Token": c.csrf, "Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}
			if res := secSend(t, fa, c, r); res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized {
				t.Errorf("%s with a valid token, same origin: %d %.200s, want allowed", role, res.StatusCode, res.body)
			}
		})
	}
	if checked < 50 {
		t.Errorf("only %d state-changing routes found; the route walk is broken", checked)
	}
}

// TestCSRFLogin checks the sign-in routes, which have no session yet: the
// form needs its double-submit token and both refuse a foreign origin (no
// signing a victim's browser into the attacker's account).
func TestCSRFLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	fa := f.app.Fiber()
	body := []byte(`{"username":"hr","password":"` + testPassword + `"}`)
	for name, h := range map[string]map[string]string{
		"foreign Origin":   {"Origin": "https://evil.example"},
		"foreign Referer":  {"Referer": "https://evil.example/x"},
		"cross-site fetch": {"Sec-Fetch-Site": "cross-site"},
	} {
		res := secSend(t, fa, f.anonymous(), secRequest{method: "POST", path: "/api/v1/login", body: body, ctype: "application/json", header: h})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("API login, %s: %d, want 403", name, res.StatusCode)
		}
	}
	if res := secSend(t, fa, f.anonymous(), secRequest{method: "POST", path: "/api/v1/login", body: body, ctype: "application/json",
		header: map[string]string{"Origin": "http://example.com"}}); res.StatusCode != http.StatusOK {
		t.Errorf("API login, same origin: %d, want 200", res.StatusCode)
	}

	// The form: a token from GET /login, in its cookie and the field.
	get, err := fa.Test(httptest.NewRequest("GET", "/login", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	var tok string
	for _, ck := range get.Cookies() {
		if ck.Name == "kaoping_login_csrf" {
			tok = ck.Value
		}
	}
	if tok == "" {
		t.Fatal("GET /login set no login CSRF cookie")
	}
	post := func(field string, cookie bool, h map[string]string) int {
		req := httptest.NewRequest("POST", "/login", strings.NewReader(form("username", "hr", "password", testPassword, "_csrf", field)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		if cookie {
			req.AddCookie(&http.Cookie{Name: "kaoping_login_csrf", Value: tok})
		}
		res, err := fa.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	for _, tc := range []struct {
		name   string
		field  string
		cookie bool
		header map[string]string
		want   int
	}{
		{"no cookie", tok, false, nil, http.StatusForbidden},
		{"field differs from cookie", tok + "x", true, nil, http.StatusForbidden},
		{"empty field", "", true, nil, http.StatusForbidden},
		{"foreign Origin", tok, true, map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"foreign Referer", tok, true, map[string]string{"Referer": "https://evil.example/x"}, http.StatusForbidden},
		{"cross-site fetch", tok, true, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"valid", tok, true, map[string]string{"Origin": "http://example.com"}, http.StatusSeeOther},
	} {
		if got := post(tc.field, tc.cookie, tc.header); got != tc.want {
			t.Errorf("form login, %s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestSessionFixationPlantedCookie plants a session cookie in the victim's
// browser before sign-in — the attacker's own live session, or a value the
// attacker made up — and signs in through the form and the API: the server
// issues a new id, never adopts the planted one, and ends the planted
// session.
func TestSessionFixationPlantedCookie(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	fa := f.app.Fiber()

	// The attacker's live session, planted, then a form sign-in.
	attacker := f.login("employee2")
	planted := attacker.cookie
	browser := &client{f: f, cookie: planted}
	get, err := fa.Test(httptest.NewRequest("GET", "/login", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	var tok string
	for _, ck := range get.Cookies() {
		if ck.Name == "kaoping_login_csrf" {
			tok = ck.Value
		}
	}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form("username", "hr", "password", testPassword, "_csrf", tok)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "kaoping_login_csrf", Value: tok})
	req.AddCookie(&http.Cookie{Name: "kaoping_session", Value: planted})
	res, err := fa.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("form login: %d", res.StatusCode)
	}
	var after string
	for _, ck := range res.Cookies() {
		if ck.Name == "kaoping_session" {
			after = ck.Value
		}
	}
	if after == "" || after == planted {
		t.Fatalf("form login kept the planted session id (after %q)", after)
	}
	browser.cookie = after
	if me := browser.do("GET", "/api/v1/me", ""); !strings.Contains(me.body, `"username":"hr"`) {
		t.Errorf("new session is not hr's: %s", me.body)
	}
	if me := attacker.do("GET", "/api/v1/me", ""); me.StatusCode != http.StatusUnauthorized {
		t.Errorf("the planted session still works after the victim signed in over it: %d %s", me.StatusCode, me.body)
	}

	// A made-up id, then an API sign-in.
	made := &client{f: f, cookie: "attacker-chosen-session-id-0123456789abcdefghijklmnop"}
	made.do("POST", "/api/v1/login", `{"username":"hr","password":"`+testPassword+`"}`)
	if made.cookie == "" || made.cookie == "attacker-chosen-session-id-0123456789abcdefghijklmnop" {
		t.Fatalf("API login adopted the client-chosen id %q", made.cookie)
	}
	fixed := &client{f: f, cookie: "attacker-chosen-session-id-0123456789abcdefghijklmnop"}
	if me := fixed.do("GET", "/api/v1/me", ""); me.StatusCode != http.StatusUnauthorized {
		t.Errorf("the made-up id became a session: %d", me.StatusCode)
	}

	// A password change also rotates the id and ends every other session.
	c1, c2 := f.login("trainer"), f.login("trainer")
	old := c1.cookie
	res2 := c1.do("POST", "/account/password", form("old_password", testPassword, "new_password", "a new long password 42", "confirm_password", "a new long password 42"))
	if res2.StatusCode != http.StatusSeeOther {
		t.Fatalf("password change: %d %.300s", res2.StatusCode, res2.body)
	}
	if c1.cookie == "" || c1.cookie == old {
		t.Errorf("password change kept the session id")
	}
	if me := c1.do("GET", "/api/v1/me", ""); me.StatusCode != http.StatusOK {
		t.Errorf("this browser after its password change: %d, want 200", me.StatusCode)
	}
	for name, c := range map[string]*client{"old id": {f: f, cookie: old}, "other browser": c2} {
		if me := c.do("GET", "/api/v1/me", ""); me.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s after the password change: %d, want 401", name, me.StatusCode)
		}
	}
}

// TestSessionCookieAndStorage checks the cookie's attributes and that the
// database holds only the SHA-256 of the session id.
func TestSessionCookieAndStorage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	check := func(fa *app.App, wantSecure bool) {
		t.Helper()
		res := secSend(t, fa.Fiber(), f.anonymous(), secRequest{method: "POST", path: "/api/v1/login",
			body: []byte(`{"username":"hr","password":"` + testPassword + `"}`), ctype: "application/json"})
		var ck *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "kaoping_session" {
				ck = c
			}
		}
		if ck == nil {
			t.Fatalf("login set no session cookie: %d", res.StatusCode)
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure != wantSecure {
			t.Errorf("cookie %q: HttpOnly %v SameSite %v Path %q Secure %v; want HttpOnly, Lax, /, Secure %v",
				res.Header.Get("Set-Cookie"), ck.HttpOnly, ck.SameSite, ck.Path, ck.Secure, wantSecure)
		}
		if len(ck.Value) < 43 {
			t.Errorf("session id %d characters, want at least 256 bits", len(ck.Value))
		}
		sum := sha256.Sum256([]byte(ck.Value))
		for id, want := range map[string]int64{ck.Value: 0, hex.EncodeToString(sum[:]): 1} {
			n, err := f.db.NewSelect().Table("sessions").Where("id = ?", id).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("sessions with id %.12s…: %d, want %d (only the hash is stored)", id, n, want)
			}
		}
	}
	check(f.app, false)
	check(secApp(t, f, func(c *app.Config) { c.SecureCookies = true }), true)
}

// TestSessionEndsAtOnce: the form logout, disabling an account (every one of
// its sessions), an admin's password reset, revoking a role and revoking an
// API token all take effect with the very next request.
func TestSessionEndsAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	admin := f.login("admin")

	// Form logout (the _csrf field, as the page's button posts it).
	emp := f.login("employee")
	copied := *emp
	noHeader := &client{f: f, cookie: emp.cookie}
	if res := noHeader.do("POST", "/logout", form("_csrf", emp.csrf)); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("form logout: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if noHeader.cookie != "" {
		t.Error("logout did not clear the cookie")
	}
	if res := copied.do("GET", "/my", ""); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("page after logout: %d %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
	if res := copied.do("GET", "/api/v1/me", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("API after logout: %d, want 401", res.StatusCode)
	}
	if res := copied.do("POST", "/api/v1/attempts/1/answers", `{"position":1,"response":{}}`); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a change with the old cookie and CSRF token: %d, want 401", res.StatusCode)
	}

	// Disabling ends every session of the account, API and pages alike.
	v1, v2 := f.login("victim"), f.login("victim")
	before := []string{v1.cookie, v2.cookie}
	if res := admin.do("POST", fmt.Sprintf("/admin/users/%d/disable", f.victim.ID), "x=1"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	if res := v1.do("GET", "/api/v1/me", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("API of a disabled account: %d, want 401", res.StatusCode)
	}
	if res := v2.do("GET", "/modules", ""); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("second session of a disabled account: %d %q, want 303 to /login", res.StatusCode, res.Header.Get("Location"))
	}
	// Enabling again does not bring the old sessions back.
	if res := admin.do("POST", fmt.Sprintf("/admin/users/%d/enable", f.victim.ID), "x=1"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", res.StatusCode)
	}
	for _, ck := range before {
		if res := (&client{f: f, cookie: ck}).do("GET", "/api/v1/me", ""); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a session from before the disable, after re-enabling: %d, want 401", res.StatusCode)
		}
	}

	// An admin's password reset ends the person's sessions.
	hr := f.login("hr")
	if res := admin.do("POST", fmt.Sprintf("/admin/users/%d/reset-password", f.users["hr"].ID), "x=1"); res.StatusCode != http.StatusOK {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	if res := hr.do("GET", "/api/v1/me", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("session after an admin reset the password: %d, want 401", res.StatusCode)
	}

	// Revoking a role applies to the next request of a live session.
	trainer := f.login("trainer")
	if res := trainer.do("GET", "/modules", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("trainer before: %d", res.StatusCode)
	}
	revoke := form("role", rbac.RoleTrainer, "domain", rbac.CenterDomain(f.center))
	if res := admin.do("POST", fmt.Sprintf("/admin/users/%d/roles/delete", f.users["trainer"].ID), revoke); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke role: %d %.300s", res.StatusCode, res.body)
	}
	if res := trainer.do("GET", "/modules", ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("trainer after the role was revoked: %d, want 403", res.StatusCode)
	}

	// Revoking an API token.
	plain, tok, err := f.app.CreateToken(ctx, "sec-feed", rbac.RoleRatingFeed, app.Actor{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	feed := &client{f: f, bearer: plain}
	if res := feed.do("POST", "/api/v1/ratings", `{"ratings":[]}`); res.StatusCode != http.StatusOK {
		t.Fatalf("token before revoking: %d %s", res.StatusCode, res.body)
	}
	if res := admin.do("POST", fmt.Sprintf("/admin/tokens/%d/revoke", tok.ID), "x=1"); res.StatusCode >= 400 {
		t.Fatalf("revoke token: %d", res.StatusCode)
	}
	if res := feed.do("POST", "/api/v1/ratings", `{"ratings":[]}`); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", res.StatusCode)
	}
}

// TestSessionIdleTimeoutByActivity: activity keeps a session alive past the
// idle timeout counted from sign-in; idleness ends it, the page redirects to
// the sign-in with next=, and the dead cookie is cleared. A shorter
// configured timeout is honoured.
func TestSessionIdleTimeoutByActivity(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hr := f.login("hr")
	for i := 0; i < 3; i++ { // 87 minutes in all, never 30 idle
		f.clock.Advance(29 * time.Minute)
		if res := hr.do("GET", "/api/v1/me", ""); res.StatusCode != http.StatusOK {
			t.Fatalf("active session ended after %d×29 min: %d", i+1, res.StatusCode)
		}
	}
	f.clock.Advance(30 * time.Minute)
	stale := hr.cookie
	res := hr.do("GET", "/center", "")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Fcenter" {
		t.Errorf("idle session, page: %d %q, want 303 to /login?next=%%2Fcenter", res.StatusCode, res.Header.Get("Location"))
	}
	if hr.cookie != "" {
		t.Error("the expired session's cookie was not cleared")
	}
	if res := (&client{f: f, cookie: stale}).do("GET", "/api/v1/me", ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("idle session, API: %d, want 401", res.StatusCode)
	}

	// A server configured with 5 minutes idle and 1 hour absolute.
	short := secApp(t, f, func(c *app.Config) {
		c.Auth.IdleTimeout = 5 * time.Minute
		c.Auth.AbsoluteTimeout = time.Hour
	})
	me := func(c *client) int {
		return secSend(t, short.Fiber(), c, secRequest{method: "GET", path: "/api/v1/me"}).StatusCode
	}
	login := func() *client {
		c := f.anonymous()
		res := secSend(t, short.Fiber(), c, secRequest{method: "POST", path: "/api/v1/login",
			body: []byte(`{"username":"admin","password":"` + testPassword + `"}`), ctype: "application/json"})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("login on the short server: %d", res.StatusCode)
		}
		return c
	}
	c := login()
	f.clock.Advance(6 * time.Minute)
	if got := me(c); got != http.StatusUnauthorized {
		t.Errorf("6 min idle with a 5 min idle timeout: %d, want 401", got)
	}
	c = login()
	for i := 0; i < 15; i++ { // active every 4 minutes
		f.clock.Advance(4 * time.Minute)
		got := me(c)
		if elapsed := time.Duration(i+1) * 4 * time.Minute; elapsed < time.Hour && got != http.StatusOK {
			t.Fatalf("active session ended after %v: %d", elapsed, got)
		} else if elapsed >= time.Hour && got != http.StatusUnauthorized {
			t.Errorf("active session after %v with a 1 h absolute timeout: %d, want 401", elapsed, got)
		}
	}
}

// TestSessionLoginPageRedirect: the sign-in page of a signed-in browser
// does not redirect off-site whatever next= says.
func TestSessionLoginPageRedirect(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	hr := f.login("hr")
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "%2F%2Fevil.example"} {
		res := hr.do("GET", "/login?next="+next, "")
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/([^/\\]|$)`).MatchString(loc) {
			t.Errorf("next=%s: %d → %q, want a local redirect", next, res.StatusCode, loc)
		}
	}
}
