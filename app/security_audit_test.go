package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/rbac"
)

// auditIP is the client address of every request in TestAuditLog: the
// server trusts the proxy header, so the rows must carry this address.
const auditIP = "203.0.113.77"

// TestAuditLog drives the audited actions through HTTP from a known client
// address — sign-ins (ok and failed), a role granted and revoked, policies
// added and removed (API and form), a change of the scoring settings, an
// appeal submitted and decided, a staff report generated — and checks each
// row's actor, address and time; that only administrators see the log; and
// that the database refuses to UPDATE or DELETE its rows.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	proxied := secApp(t, f, func(c *app.Config) { c.TrustProxy = true }).Fiber()
	send := func(c *client, method, path, body string) response {
		t.Helper()
		r := secBody(method, path, body)
		r.header = map[string]string{"X-Forwarded-For": auditIP}
		if c.csrf != "" && method != http.MethodGet {
			r.header["X-CSRF-Token"] = c.csrf
		}
		return secSend(t, proxied, c, r)
	}
	login := func(user, password string) *client {
		t.Helper()
		c := f.anonymous()
		res := send(c, "POST", "/api/v1/login", `{"username":"`+user+`","password":"`+password+`"}`)
		if password == testPassword && res.StatusCode != http.StatusOK {
			t.Fatalf("login %s: %d", user, res.StatusCode)
		}
		if i := strings.Index(res.body, `"csrf_token":"`); i >= 0 {
			c.csrf = strings.SplitN(res.body[i+len(`"csrf_token":"`):], `"`, 2)[0]
		}
		return c
	}
	expect := func(c *client, method, path, body string, want int) {
		t.Helper()
		if res := send(c, method, path, body); res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %.300s", method, path, res.StatusCode, want, res.body)
		}
	}

	login("hr", "not the password at all")
	admin, hr, lead, emp2 := login("admin", testPassword), login("hr", testPassword), login("lead", testPassword), login("employee2", testPassword)

	victim := fmt.Sprintf("/admin/users/%d", f.victim.ID)
	expect(admin, "POST", victim+"/roles", form("role", rbac.RoleHR), http.StatusSeeOther)
	expect(admin, "POST", victim+"/roles/delete", form("role", rbac.RoleHR, "domain", rbac.CenterDomain(f.center)), http.StatusSeeOther)
	rule := `{"role":"hr","domain":"center:*","object":"/sec-audit","action":"GET"}`
	expect(admin, "POST", "/api/v1/policies", rule, http.StatusCreated)
	expect(admin, "DELETE", "/api/v1/policies", rule, http.StatusNoContent)
	expect(admin, "POST", "/admin/policies", form("role", "hr", "domain", "center:*", "object", "/sec-audit-form", "action", "GET"), http.StatusSeeOther)

	set := scoring.DefaultSettings()
	fl := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	var bands []string
	for _, b := range set.Bands {
		bands = append(bands, fl(b.Min)+","+b.Key+","+b.Name)
	}
	scoringForm := form("from", "2026-08", "reason", "SEC-AUDIT 调整权重",
		"w_satisfaction", "0.6", "w_competence", fl(set.Weights.Competence), "w_training", "0.1",
		"points1", fl(set.Points[0]), "points2", fl(set.Points[1]), "points3", fl(set.Points[2]), "points4", fl(set.Points[3]), "points5", fl(set.Points[4]),
		"prior", fl(set.Prior), "threshold", fl(set.Threshold), "z", fl(set.Z), "min_ratings", strconv.Itoa(set.MinRatingsForRank),
		"loop_bad", strconv.Itoa(set.Loop.BadCount), "loop_window", strconv.Itoa(set.Loop.WindowDays), "loop_due", strconv.Itoa(set.Loop.DueDays),
		"loop_cooldown", strconv.Itoa(set.Loop.CooldownDays), "bands", strings.Join(bands, "\n"))
	expect(hr, "POST", "/admin/scoring", scoringForm, http.StatusSeeOther)

	// An appeal submitted by employee2 over HTTP, and s1's decided by the lead.
	feed := f.bearerClient().do("POST", "/api/v1/ratings", `{"ratings":[{"external_id":"SEC-AUDIT-1","rated_at":"2026-07-15 09:30:00","channel":"窗口","staff_no":"W002","level":1,"reasons":["态度差"]}]}`)
	if feed.StatusCode != http.StatusOK {
		t.Fatalf("feed: %d %s", feed.StatusCode, feed.body)
	}
	cs, err := f.app.Followup().Cases(ctx, followup.CaseFilter{CenterID: f.center, StaffID: f.s2.ID})
	if err != nil || len(cs) != 1 {
		t.Fatalf("s2 case: %v", err)
	}
	body, ctype := secMultipart(secPart{field: "reason", data: []byte("当天系统故障")}, secPart{field: "evidence", filename: "a.png", data: secPNG})
	if res := secSend(t, proxied, emp2, secRequest{method: "POST", path: fmt.Sprintf("/ratings/%d/appeal", cs[0].RatingID), body: body, ctype: ctype,
		header: map[string]string{"X-CSRF-Token": emp2.csrf, "X-Forwarded-For": auditIP}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("appeal: %d %.300s", res.StatusCode, res.body)
	}
	expect(lead, "POST", fmt.Sprintf("/appeals/%d/decide", f.appealID), form("outcome", followup.Rejected, "reason", "系统无故障记录"), http.StatusSeeOther)
	expect(hr, "GET", "/api/v1/staff/W001/report.pdf?period=2026-07", "", http.StatusOK)

	for _, tc := range []struct {
		action, actor, target string
	}{
		{"login.fail", "anonymous", "username:hr"},
		{"login.ok", "admin", ""},
		{"login.ok", "employee2", ""},
		{"role.grant", "admin", rbac.UserSubject(f.victim.ID)},
		{"role.revoke", "admin", rbac.UserSubject(f.victim.ID)},
		{"policy.add", "admin", "policy"},
		{"policy.remove", "admin", "policy"},
		{"scores.settings", "hr", "from:2026-08"},
		{"appeal.submit", "employee2", ""},
		{"appeal.decide", "lead", fmt.Sprintf("rating_appeal:%d", f.appealID)},
		{"report.staff", "hr", ""},
	} {
		var rows []audit.Entry
		if err := f.db.NewSelect().Model(&rows).Where("action = ?", tc.action).Where("ip = ?", auditIP).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rows {
			if strings.Contains(r.Actor, tc.actor) && strings.Contains(r.Target, tc.target) && !r.At.IsZero() {
				found = true
				if strings.Contains(r.Detail+r.Target, testPassword) || strings.Contains(r.Detail+r.Target, "not the password") {
					t.Errorf("%s row holds a password: %+v", tc.action, r)
				}
			}
		}
		if !found {
			t.Errorf("no %s row by %q on %q from %s; rows from there: %+v", tc.action, tc.actor, tc.target, auditIP, rows)
		}
	}
	var n int
	if err := f.db.NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").Where("action = 'policy.add' AND detail LIKE ?", "%/sec-audit-form%").Scan(ctx, &n); err != nil || n != 1 {
		t.Errorf("form policy add audited %d times (%v), want 1", n, err)
	}

	// Without TrustProxy the header is the client's claim and is ignored.
	spoof := secSend(t, f.app.Fiber(), f.anonymous(), secRequest{method: "POST", path: "/api/v1/login", ctype: "application/json",
		body: []byte(`{"username":"trainer","password":"` + testPassword + `"}`), header: map[string]string{"X-Forwarded-For": "198.51.100.9"}})
	if spoof.StatusCode != http.StatusOK {
		t.Fatalf("login: %d", spoof.StatusCode)
	}
	if err := f.db.NewSelect().Table("audit_log").ColumnExpr("COUNT(*)").Where("ip = ?", "198.51.100.9").Scan(ctx, &n); err != nil || n != 0 {
		t.Errorf("a spoofed X-Forwarded-For reached the audit log of a server that does not trust proxies (%d rows, %v)", n, err)
	}

	// Only administrators read the log.
	page := send(admin, "GET", "/admin/audit?action=report.", "")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "report.staff") || !strings.Contains(page.body, auditIP) {
		t.Errorf("admin's audit page: %d, lacks report.staff or the address: %.400s", page.StatusCode, page.body)
	}
	for name, c := range map[string]*client{"hr": hr, "lead": lead, "employee2": emp2, "trainer": login("trainer", testPassword), "feed": f.bearerClient()} {
		res := send(c, "GET", "/admin/audit", "")
		if res.StatusCode != http.StatusForbidden || strings.Contains(res.body, auditIP) {
			t.Errorf("%s reads the audit log: %d", name, res.StatusCode)
		}
	}

	// Append-only at the database, whatever the code path.
	var last audit.Entry
	if err := f.db.NewSelect().Model(&last).OrderExpr("id DESC").Limit(1).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE audit_log SET actor = 'forged' WHERE id = ?",
		"UPDATE audit_log SET ip = '127.0.0.1'",
		"DELETE FROM audit_log WHERE id = ?",
		"DELETE FROM audit_log",
	} {
		var err error
		if strings.Contains(q, "?") {
			_, err = f.db.ExecContext(ctx, q, last.ID)
		} else {
			_, err = f.db.ExecContext(ctx, q)
		}
		if err == nil {
			t.Errorf("%s succeeded, want the database to refuse", q)
		}
	}
	var again audit.Entry
	if err := f.db.NewSelect().Model(&again).Where("id = ?", last.ID).Scan(ctx); err != nil || again.Actor != last.Actor || again.IP != last.IP {
		t.Errorf("row %d after the refused changes: %+v (%v), want %+v", last.ID, again, err, last)
	}
}
