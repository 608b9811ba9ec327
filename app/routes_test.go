package app_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app"
)

// Roles of the fixture as the route table names them. "employee" is staff
// s1 (in team A) asking about itself, "team_lead" leads team A.
var tableRoles = []string{"employee", "team_lead", "trainer", "hr", "admin", "rating_feed"}

// routeCase is the expected decision for one route: a concrete path (with
// the fixture's objects substituted for :params), a body for changes, and
// the roles that are allowed. Anonymous callers are always refused.
type routeCase struct {
	path  string
	body  string
	allow string // space-separated roles
}

// routeTable must have an entry for every route the server registers. A
// new route without an entry fails TestRouteRoleTable.
func routeTable(f *fixture) map[string]routeCase {
	s1, teamA, victim := f.s1.ID, f.teamA.ID, f.victim.ID
	users := "employee team_lead trainer hr admin"
	mod := "/modules/" + f.module.Code
	enr := fmt.Sprintf("/enrolments/%d", f.enrolment.ID)
	return map[string]routeCase{
		"GET /modules":                              {path: "/modules", allow: "trainer hr admin"},
		"GET /modules/:code/quiz":                   {path: mod + "/quiz", allow: "trainer"},
		"POST /modules/:code/quiz":                  {path: mod + "/quiz", body: "pass_percent=60", allow: "trainer"},
		"POST /modules/:code/quiz/slots":            {path: mod + "/quiz/slots", body: "action=bogus", allow: "trainer"},
		"POST /modules/:code/quiz/import":           {path: mod + "/quiz/import", body: "format=bogus", allow: "trainer"},
		"POST /modules/:code/quiz/generate":         {path: mod + "/quiz/generate", body: "kind=bogus", allow: "trainer"},
		"GET /modules/:code/questions/:id":          {path: fmt.Sprintf("%s/questions/%d", mod, f.question), allow: "trainer"},
		"POST /modules/:code/questions/:id":         {path: fmt.Sprintf("%s/questions/%d", mod, f.question), body: "gift=", allow: "trainer"},
		"GET /modules/:code/quiz/stats":             {path: mod + "/quiz/stats", allow: "trainer hr admin"},
		"GET /enrolments/:id/quiz":                  {path: enr + "/quiz", allow: "employee team_lead hr admin"},
		"POST /enrolments/:id/quiz/start":           {path: enr + "/quiz/start", body: "x=1", allow: "employee"},
		"GET /attempts/:id":                         {path: fmt.Sprintf("/attempts/%d", f.attempt), allow: "employee"},
		"POST /attempts/:id":                        {path: fmt.Sprintf("/attempts/%d", f.attempt), body: "x=1", allow: "employee"},
		"GET /attempts/:id/review":                  {path: fmt.Sprintf("/attempts/%d/review", f.attempt), allow: "employee"},
		"POST /api/v1/attempts/:id/answers":         {path: fmt.Sprintf("/api/v1/attempts/%d/answers", f.attempt), body: `{"position":1,"response":{}}`, allow: "employee"},
		"GET /teams/:id/quiz-stats":                 {path: fmt.Sprintf("/teams/%d/quiz-stats?module=%s", teamA, f.module.Code), allow: "team_lead hr admin"},
		"GET /teams/:id/grading":                    {path: fmt.Sprintf("/teams/%d/grading", teamA), allow: "team_lead"},
		"POST /essays/:id/grade":                    {path: fmt.Sprintf("/essays/%d/grade", f.essay), body: "percent=bogus", allow: "team_lead"},
		"POST /modules":                             {path: "/modules", body: "x=1", allow: "trainer"},
		"GET /modules/:code":                        {path: mod, allow: "trainer hr admin"},
		"GET /modules/:code/edit":                   {path: mod + "/edit", allow: "trainer"},
		"POST /modules/:code/edit":                  {path: mod + "/edit", body: "x=1", allow: "trainer"},
		"POST /modules/:code/submit":                {path: mod + "/submit", body: "policy=bogus", allow: "trainer"},
		"POST /modules/:code/approve":               {path: mod + "/approve", body: "x=1", allow: "trainer admin"},
		"POST /modules/:code/reject":                {path: mod + "/reject", body: "x=1", allow: "trainer admin"},
		"GET /modules/:code/versions/:n":            {path: mod + "/versions/1", allow: "trainer hr admin"},
		"GET /modules/:code/diff":                   {path: mod + "/diff?from=1&to=1", allow: "trainer hr admin"},
		"POST /modules/:code/assets":                {path: mod + "/assets", body: "x=1", allow: "trainer"},
		"GET /modules/:code/assets/:name":           {path: mod + "/assets/none.png", allow: users},
		"POST /modules/:code/assign":                {path: mod + "/assign", body: "target_kind=bogus", allow: "trainer hr"},
		"GET /training":                             {path: "/training", allow: "trainer hr admin"},
		"GET /teams/:id/training":                   {path: fmt.Sprintf("/teams/%d/training", teamA), allow: "team_lead hr admin"},
		"POST /teams/:id/assign":                    {path: fmt.Sprintf("/teams/%d/assign", teamA), body: "x=1", allow: "team_lead"},
		"GET /enrolments/:id":                       {path: enr, allow: "employee team_lead hr admin"},
		"GET /enrolments/:id/standard":              {path: enr + "/standard", allow: "employee team_lead hr admin"},
		"GET /enrolments/:id/lessons/:lesson":       {path: fmt.Sprintf("%s/lessons/%d", enr, f.lessonID), allow: "employee"},
		"POST /enrolments/:id/lessons/:lesson/read": {path: fmt.Sprintf("%s/lessons/%d/read", enr, f.lessonID), body: "x=1", allow: "employee"},
		"POST /enrolments/:id/remind":               {path: enr + "/remind", body: "x=1", allow: "team_lead"},
		"GET /certificates/:id":                     {path: fmt.Sprintf("/certificates/%d", f.cert.ID), allow: "employee team_lead hr admin"},
		"GET /notifications":                        {path: "/notifications", allow: "employee"},
		"POST /notifications/:id/read":              {path: "/notifications/999999/read", body: "x=1", allow: "employee"},

		"GET /":                         {path: "/", allow: users},
		"POST /logout":                  {path: "/logout", allow: users},
		"GET /account/password":         {path: "/account/password", allow: users},
		"POST /account/password":        {path: "/account/password", body: "x=1", allow: users},
		"POST /api/v1/logout":           {path: "/api/v1/logout", allow: users},
		"GET /api/v1/me":                {path: "/api/v1/me", allow: users},
		"GET /my":                       {path: "/my", allow: "employee"},
		"GET /staff/:id":                {path: fmt.Sprintf("/staff/%d", s1), allow: "employee team_lead hr admin"},
		"GET /teams/:id":                {path: fmt.Sprintf("/teams/%d", teamA), allow: "team_lead hr admin"},
		"GET /center":                   {path: "/center", allow: "hr admin"},
		"GET /items":                    {path: "/items", allow: "trainer hr admin"},
		"GET /api/v1/staff":             {path: "/api/v1/staff", allow: "hr admin"},
		"GET /api/v1/staff/:id":         {path: fmt.Sprintf("/api/v1/staff/%d", s1), allow: "employee team_lead hr admin"},
		"GET /api/v1/teams/:id/members": {path: fmt.Sprintf("/api/v1/teams/%d/members", teamA), allow: "team_lead hr admin"},

		"POST /api/v1/ratings":                 {path: "/api/v1/ratings", body: `{"ratings":[]}`, allow: "rating_feed"},
		"GET /admin/users":                     {path: "/admin/users", allow: "admin"},
		"POST /admin/users":                    {path: "/admin/users", body: "x=1", allow: "admin"},
		"GET /admin/users/:id":                 {path: fmt.Sprintf("/admin/users/%d", victim), allow: "admin"},
		"POST /admin/users/:id":                {path: fmt.Sprintf("/admin/users/%d", victim), body: "x=1", allow: "admin"},
		"POST /admin/users/:id/roles":          {path: fmt.Sprintf("/admin/users/%d/roles", victim), body: "role=nope", allow: "admin"},
		"POST /admin/users/:id/roles/delete":   {path: fmt.Sprintf("/admin/users/%d/roles/delete", victim), body: "role=nope&domain=center:1", allow: "admin"},
		"POST /admin/users/:id/disable":        {path: fmt.Sprintf("/admin/users/%d/disable", victim), body: "x=1", allow: "admin"},
		"POST /admin/users/:id/enable":         {path: fmt.Sprintf("/admin/users/%d/enable", victim), body: "x=1", allow: "admin"},
		"POST /admin/users/:id/reset-password": {path: fmt.Sprintf("/admin/users/%d/reset-password", victim), body: "x=1", allow: "admin"},
		"GET /admin/teams":                     {path: "/admin/teams", allow: "admin"},
		"POST /admin/teams":                    {path: "/admin/teams", body: "x=1", allow: "admin"},
		"GET /admin/staff":                     {path: "/admin/staff", allow: "admin"},
		"POST /admin/staff":                    {path: "/admin/staff", body: "x=1", allow: "admin"},
		"POST /admin/staff/import":             {path: "/admin/staff/import", body: "x=1", allow: "admin"},
		"GET /admin/items":                     {path: "/admin/items", allow: "admin"},
		"POST /admin/items":                    {path: "/admin/items", body: "x=1", allow: "admin"},
		"GET /admin/policies":                  {path: "/admin/policies", allow: "admin"},
		"POST /admin/policies":                 {path: "/admin/policies", body: "x=1", allow: "admin"},
		"POST /admin/policies/delete":          {path: "/admin/policies/delete", body: "x=1", allow: "admin"},
		"GET /admin/tokens":                    {path: "/admin/tokens", allow: "admin"},
		"POST /admin/tokens":                   {path: "/admin/tokens", body: "x=1", allow: "admin"},
		"POST /admin/tokens/:id/revoke":        {path: "/admin/tokens/999999/revoke", body: "x=1", allow: "admin"},
		"GET /admin/audit":                     {path: "/admin/audit", allow: "admin"},
		"GET /ratings":                         {path: "/ratings?bad=1", allow: "hr admin"},
		"GET /teams/:id/ratings":               {path: fmt.Sprintf("/teams/%d/ratings", teamA), allow: "team_lead hr admin"},
		"POST /ratings/:id/personal":           {path: "/ratings/999999/personal", body: "x=1", allow: "admin"},
		"GET /cases":                           {path: "/cases?overdue=1", allow: "hr admin"},
		"GET /teams/:id/cases":                 {path: fmt.Sprintf("/teams/%d/cases", teamA), allow: "team_lead hr admin"},
		"GET /cases/:id":                       {path: fmt.Sprintf("/cases/%d", f.caseID), allow: "employee team_lead hr admin"},
		"POST /cases/:id/step":                 {path: fmt.Sprintf("/cases/%d/step", f.caseID), body: "action=bogus", allow: "team_lead hr admin"},
		"POST /ratings/:id/appeal":             {path: fmt.Sprintf("/ratings/%d/appeal", f.ratingID), body: "reason=", allow: "employee"},
		"GET /appeals/:id":                     {path: fmt.Sprintf("/appeals/%d", f.appealID), allow: "employee team_lead hr admin"},
		"POST /appeals/:id/decide":             {path: fmt.Sprintf("/appeals/%d/decide", f.appealID), body: "outcome=bogus", allow: "team_lead hr admin"},
		"GET /appeals/:id/evidence/:eid":       {path: fmt.Sprintf("/appeals/%d/evidence/%d", f.appealID, f.evidenceID), allow: "employee team_lead hr admin"},
		"GET /scores":                          {path: "/scores?period=2026-07", allow: "hr admin"},
		"GET /scores/export":                   {path: "/scores/export?period=2026-07&format=csv", allow: "hr admin"},
		"POST /scores/issue":                   {path: "/scores/issue", body: "period=2026-07&reason=", allow: "hr admin"},
		"GET /teams/:id/scores":                {path: fmt.Sprintf("/teams/%d/scores?period=2026-07", teamA), allow: "team_lead hr admin"},
		"GET /teams/:id/scores/export":         {path: fmt.Sprintf("/teams/%d/scores/export?period=2026-07", teamA), allow: "team_lead hr admin"},
		"GET /staff/:id/scores":                {path: fmt.Sprintf("/staff/%d/scores?period=2026-07", s1), allow: "employee team_lead hr admin"},
		"GET /api/v1/staff/:no/scores":         {path: "/api/v1/staff/W001/scores?period=2026-07", allow: "employee team_lead hr admin"},
		"GET /loop":                            {path: "/loop", allow: "hr admin"},
		"GET /teams/:id/loop":                  {path: fmt.Sprintf("/teams/%d/loop", teamA), allow: "team_lead hr admin"},
		"GET /api/v1/staff/:no/report.pdf":     {path: "/api/v1/staff/W001/report.pdf?period=2026-07", allow: "employee team_lead hr admin"},
		"GET /api/v1/teams/:id/report.pdf":     {path: fmt.Sprintf("/api/v1/teams/%d/report.pdf?period=2026-07", teamA), allow: "team_lead hr"},
		"GET /api/v1/center/report.pdf":        {path: "/api/v1/center/report.pdf?period=2026-07", allow: "hr admin"},
		"GET /certificates/:id/pdf":            {path: fmt.Sprintf("/certificates/%d/pdf", f.cert.ID), allow: "employee team_lead hr admin"},
		"GET /verify":                          {path: "/verify", allow: "hr admin"},
		"POST /verify":                         {path: "/verify", body: "code=abc", allow: "hr admin"},
		"GET /reports/batch":                   {path: "/reports/batch", allow: "hr"},
		"POST /reports/batch":                  {path: "/reports/batch", body: "period=bogus", allow: "hr"},
		"GET /reports/batch/:id":               {path: "/reports/batch/999999", allow: "hr"},
		"GET /reports/batch/:id/zip":           {path: "/reports/batch/999999/zip", allow: "hr"},
		"GET /ratings/import":                  {path: "/ratings/import", allow: "hr admin"},
		"POST /ratings/import":                 {path: "/ratings/import", body: "x=1", allow: "hr admin"},
		"GET /ratings/import/:id":              {path: "/ratings/import/999999", allow: "hr admin"},
		"GET /ratings/import/:id/rejects":      {path: "/ratings/import/999999/rejects", allow: "hr admin"},
		"GET /admin/scoring":                   {path: "/admin/scoring", allow: "hr admin"},
		"POST /admin/scoring":                  {path: "/admin/scoring", body: "from=bogus", allow: "hr admin"},
		"GET /admin/calendar":                  {path: "/admin/calendar", allow: "hr admin"},
		"POST /admin/calendar":                 {path: "/admin/calendar", body: "x=1", allow: "hr admin"},
		"POST /admin/calendar/import":          {path: "/admin/calendar/import", body: "x=1", allow: "hr admin"},
		"GET /api/v1/policies":                 {path: "/api/v1/policies", allow: "admin"},
		"POST /api/v1/policies":                {path: "/api/v1/policies", body: "{}", allow: "admin"},
		"DELETE /api/v1/policies":              {path: "/api/v1/policies", body: "{}", allow: "admin"},
		"GET /metrics":                         {path: "/metrics", allow: "admin"},
		"GET /admin/debug/pprof":               {path: "/admin/debug/pprof/", allow: "admin"},
		"GET /admin/debug/pprof/:name":         {path: "/admin/debug/pprof/goroutine", allow: "admin"},
	}
}

// registeredRoutes lists "METHOD pattern" of every route, HEAD folded into
// GET (they share handlers and the decision).
func registeredRoutes(a *app.App) []string {
	seen := map[string]bool{}
	for _, r := range a.Fiber().GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue
		}
		seen[r.Method+" "+r.Path] = true
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestRouteRoleTable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	table := routeTable(f)
	public := map[string]bool{}
	for _, r := range app.PublicRoutes() {
		public[r] = true
	}
	for _, route := range registeredRoutes(f.app) {
		if public[route] {
			continue
		}
		tc, ok := table[route]
		if !ok {
			t.Errorf("route %s has no entry in the route × role table: add one (and a policy)", route)
			continue
		}
		method := strings.SplitN(route, " ", 2)[0]
		t.Run(route, func(t *testing.T) {
			// Anonymous: the API answers 401, a page redirects to the login.
			res := f.anonymous().do(method, tc.path, tc.body)
			if strings.HasPrefix(tc.path, "/api/") {
				if res.StatusCode != http.StatusUnauthorized {
					t.Errorf("anonymous: status %d, want 401", res.StatusCode)
				}
			} else if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
				t.Errorf("anonymous: status %d Location %q, want 303 to /login?next=…", res.StatusCode, res.Header.Get("Location"))
			}
			allowed := map[string]bool{}
			for _, r := range strings.Fields(tc.allow) {
				allowed[r] = true
			}
			for _, role := range tableRoles {
				var c *client
				switch role {
				case "rating_feed":
					c = f.bearerClient()
				case "team_lead":
					c = f.login("lead")
				default:
					c = f.login(role)
				}
				res := c.do(method, tc.path, tc.body)
				denied := res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized
				if allowed[role] && denied {
					t.Errorf("%s: status %d, want allowed: %s", role, res.StatusCode, res.body)
				}
				if !allowed[role] && res.StatusCode != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", role, res.StatusCode)
				}
				if res.StatusCode >= 500 {
					t.Errorf("%s: status %d: %s", role, res.StatusCode, res.body)
				}
			}
		})
	}
	for route := range table {
		if !contains(registeredRoutes(f.app), route) {
			t.Errorf("table entry %s matches no registered route", route)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestPublicRoutesNeedNoLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, path := range []string{"/healthz", "/readyz", "/login", "/static/app.css"} {
		res := f.anonymous().do("GET", path, "")
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s anonymous: status %d, want 200", path, res.StatusCode)
		}
	}
}
