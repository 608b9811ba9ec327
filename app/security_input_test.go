package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/followup"
)

// jsonRoute is one route whose handler reads a JSON body, with a valid body
// and the caller allowed to send it. strict routes decode with decodeJSON
// (400 for bad JSON, 422 naming the field, 415 for another content type);
// the ratings feed has its own batch decoder (422 with a list of errors).
type jsonRoute struct {
	name      string
	method    string
	path      string
	caller    *client
	valid     string
	okStatus  int
	wrongType string // a field of the wrong JSON type
	wrongName string // the field the 422 names ("" for the ratings feed)
	unknown   string // an unknown field
	unknownIs string
	withNUL   string // a string field holding U+0000
	longField func(string) string
	extras    []string // further invalid bodies: 4xx
	strict    bool
}

// jsonRoutes lists every route that reads JSON: the API login, the policy
// API, the quiz autosave and the ratings feed (handlers calling decodeJSON
// or ratings.DecodeBatch).
func jsonRoutes(t *testing.T, f *fixture) []jsonRoute {
	t.Helper()
	emp := f.login("employee2")
	es, err := f.app.Training().StaffEnrolments(context.Background(), f.s2.ID)
	if err != nil || len(es) != 1 {
		t.Fatalf("s2 enrolments: %v", err)
	}
	attempt := emp.do("POST", fmt.Sprintf("/enrolments/%d/quiz/start", es[0].ID), "x=1").Header.Get("Location")
	page := emp.do("GET", attempt, "")
	essay := regexp.MustCompile(`<textarea name="q(\d+)"`).FindStringSubmatch(page.body)
	if essay == nil {
		t.Fatalf("no open attempt with an essay: %q", attempt)
	}
	answers := "/api/v1/" + strings.TrimPrefix(attempt, "/") + "/answers"
	pos := essay[1]
	policy := func(object string) string {
		return `{"role":"hr","domain":"center:*","object":"` + object + `","action":"GET"}`
	}
	rating := func(comment string) string {
		return `{"ratings":[{"external_id":"SEC-IN-1","rated_at":"2026-07-15 09:00:00","channel":"窗口","staff_no":"W002","level":5,"comment":"` + comment + `"}]}`
	}
	return []jsonRoute{
		{name: "login", method: "POST", path: "/api/v1/login", caller: f.anonymous(), strict: true, okStatus: http.StatusOK,
			valid:     `{"username":"hr","password":"` + testPassword + `"}`,
			wrongType: `{"username":["hr"],"password":"x"}`, wrongName: "username",
			unknown: `{"username":"hr","password":"x","remember":true}`, unknownIs: "remember",
			withNUL:   `{"username":"h\u0000r","password":"x"}`,
			longField: func(s string) string { return `{"username":"` + s + `","password":"x"}` },
			extras:    []string{`{"username":"hr","password":1e999}`, `{"username":"","password":""}`, `{"username":"hr"}`, `{"password":"x"}`}},
		{name: "policy add", method: "POST", path: "/api/v1/policies", caller: f.login("admin"), strict: true, okStatus: http.StatusCreated,
			valid:     policy("/sec-input"),
			wrongType: `{"role":5,"domain":"center:*","object":"/x","action":"GET"}`, wrongName: "role",
			unknown: `{"role":"hr","domain":"center:*","object":"/x","action":"GET","effect":"deny"}`, unknownIs: "effect",
			withNUL:   policy(`/sec\u0000nul`),
			longField: func(s string) string { return policy("/" + s) },
			extras: []string{`{"role":"hr","domain":"team:abc","object":"/x","action":"GET"}`, `{"role":"superuser","domain":"center:*","object":"/x","action":"GET"}`,
				`{"role":"hr","domain":"planet:*","object":"/x","action":"GET"}`, `{}`}},
		{name: "policy remove", method: "DELETE", path: "/api/v1/policies", caller: f.login("admin"), strict: true, okStatus: http.StatusNoContent,
			valid:     policy("/sec-input"),
			wrongType: `{"role":"hr","domain":{},"object":"/x","action":"GET"}`, wrongName: "domain",
			unknown: `{"role":"hr","domain":"center:*","object":"/x","action":"GET","all":true}`, unknownIs: "all",
			withNUL:   policy(`/sec\u0000nul`),
			longField: func(s string) string { return policy("/" + s) }},
		{name: "autosave", method: "POST", path: answers, caller: emp, strict: true, okStatus: http.StatusOK,
			valid:     `{"position":` + pos + `,"response":{"text":"正常作答"}}`,
			wrongType: `{"position":` + pos + `,"response":{"choices":"all"}}`, wrongName: "response.choices",
			unknown: `{"position":` + pos + `,"response":{"text":"x"},"mark":1}`, unknownIs: "mark",
			withNUL:   `{"position":` + pos + `,"response":{"text":"a\u0000b"}}`,
			longField: func(s string) string { return `{"position":` + pos + `,"response":{"text":"` + s + `"}}` },
			extras: []string{`{"position":1e999,"response":{}}`, `{"position":-1,"response":{"text":"x"}}`, `{"position":0,"response":{"text":"x"}}`,
				`{"position":99999,"response":{"text":"x"}}`, `{"position":` + pos + `,"response":[]}`}},
		{name: "ratings feed", method: "POST", path: "/api/v1/ratings", caller: f.bearerClient(), okStatus: http.StatusOK,
			valid:     rating("好"),
			wrongType: `{"ratings":[{"external_id":1}]}`,
			unknown:   `{"ratings":[],"source":"x"}`,
			withNUL:   `{"ratings":[{"external_id":"SEC-\u0000","rated_at":"2026-07-15 09:00:00","channel":"窗口","staff_no":"W002","level":1,"reasons":["a\u0000"],"comment":"a\u0000b"}]}`,
			longField: func(s string) string {
				return `{"ratings":[{"external_id":"` + s + `","rated_at":"2026-07-15 09:00:00","channel":"窗口","staff_no":"W002","level":5}]}`
			},
			extras: []string{
				`{"ratings":[{"external_id":"SEC-X1","rated_at":"2026-07-15 09:00:00","channel":"窗口","staff_no":"W002","level":1e999}]}`,
				`{"ratings":[{"external_id":"SEC-X2","rated_at":"2026-07-15 09:00:00","channel":"窗口","staff_no":"W002","level":9}]}`,
				`{"ratings":[{"external_id":"SEC-X3","rated_at":"2026-13-45 99:00:00","channel":"窗口","staff_no":"W002","level":5}]}`,
				`{"ratings":[{"external_id":"SEC-X4","rated_at":"2026-07-15 09:00:00","channel":"月球","staff_no":"W002","level":5}]}`,
				`{"ratings":[{"external_id":"SEC-X5","rated_at":"2026-07-15 09:00:00","channel":"窗口","staff_no":"X999","level":5}]}`,
				`{"ratings":[null,1,"x",[]]}`, `{"ratings":{}}`, `{"ratings":[],"ratings":[]}`}},
	}
}

// TestInputJSONRoutes feeds every JSON route malformed JSON, trailing data,
// empty and non-object bodies, wrong-typed and unknown fields, deep nesting,
// U+0000 and invalid UTF-8 in strings, a megabyte-long field, the wrong
// content type, and a body over the server's BodyLimit: always 4xx, never
// 5xx (NUL and invalid UTF-8 may be accepted, but never a 5xx).
func TestInputJSONRoutes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	small := secApp(t, f, func(c *app.Config) { c.BodyLimit = 256 << 10 })
	fa := f.app.Fiber()
	long := strings.Repeat("长", 350_000) // about 1 MiB
	noise := secNoise(6000)
	for _, rt := range jsonRoutes(t, f) {
		t.Run(rt.name, func(t *testing.T) {
			send := func(body, ctype string) response {
				h := map[string]string{}
				if rt.caller.csrf != "" {
					h["X-CSRF-Token"] = rt.caller.csrf
				}
				return secSend(t, fa, rt.caller, secRequest{method: rt.method, path: rt.path, body: []byte(body), ctype: ctype, header: h})
			}
			if res := send(rt.valid, "application/json"); res.StatusCode != rt.okStatus {
				t.Fatalf("valid body: %d %s, want %d", res.StatusCode, res.body, rt.okStatus)
			}
			cases := []struct {
				name  string
				body  string
				ctype string
				want  int // exact status for strict routes; 0: any 4xx
				field string
			}{
				{"malformed", `{"username":`, "application/json", 400, ""},
				{"trailing data", rt.valid + ` {"x":1}`, "application/json", 400, ""},
				{"trailing garbage", rt.valid + `garbage`, "application/json", 400, ""},
				{"empty", "", "application/json", 400, ""},
				{"whitespace", " \n\t ", "application/json", 400, ""},
				{"array", `[]`, "application/json", 422, ""},
				{"string", `"hello"`, "application/json", 422, ""},
				{"number", `12`, "application/json", 422, ""},
				{"wrong type", rt.wrongType, "application/json", 422, rt.wrongName},
				{"unknown field", rt.unknown, "application/json", 422, rt.unknownIs},
				{"deep nesting", strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000), "application/json", 0, ""},
				{"deep object", strings.Repeat(`{"a":`, 20_000) + "1" + strings.Repeat("}", 20_000), "application/json", 0, ""},
				{"bad escape", `{"username":"\x"}`, "application/json", 400, ""},
				{"text/plain", rt.valid, "text/plain", 415, ""},
				{"no content type", rt.valid, "", 415, ""},
				{"form content type", rt.valid, "application/x-www-form-urlencoded", 415, ""},
			}
			for _, tc := range cases {
				res := send(tc.body, tc.ctype)
				want := tc.want
				if !rt.strict {
					want = 0
					if strings.Contains(tc.name, "content type") || tc.name == "text/plain" {
						want = -1 // the feed does not look at the content type
					}
				}
				switch {
				case res.StatusCode >= 500:
					t.Errorf("%s: %d %.200s, want 4xx", tc.name, res.StatusCode, res.body)
				case want > 0 && res.StatusCode != want:
					t.Errorf("%s: %d %.200s, want %d", tc.name, res.StatusCode, res.body, want)
				case want == 0 && (res.StatusCode < 400 || res.StatusCode >= 500):
					t.Errorf("%s: %d %.200s, want 4xx", tc.name, res.StatusCode, res.body)
				}
				if rt.strict && tc.field != "" && !strings.Contains(res.body, `"field":"`+tc.field+`"`) {
					t.Errorf("%s: %s does not name the field %q", tc.name, res.body, tc.field)
				}
			}
			for _, body := range rt.extras {
				if res := send(body, "application/json"); res.StatusCode < 400 || res.StatusCode >= 500 {
					t.Errorf("%s: %d %.200s, want 4xx", body, res.StatusCode, res.body)
				}
			}
			// Strings that are valid JSON but hostile: U+0000, invalid UTF-8,
			// a megabyte. They may be refused or accepted; never a 5xx.
			for name, body := range map[string]string{
				"U+0000":        rt.withNUL,
				"invalid UTF-8": rt.longField("\xff\xfe\xfd"),
				"1 MiB field":   rt.longField(long),
				"6 KB of noise": rt.longField(noise),
			} {
				if res := send(body, "application/json"); res.StatusCode >= 500 {
					t.Errorf("%s: %d %.200s, want no 5xx", name, res.StatusCode, res.body)
				}
			}
			// Over the server's body limit (a second server with 256 KiB).
			h := map[string]string{}
			if rt.caller.csrf != "" {
				h["X-CSRF-Token"] = rt.caller.csrf
			}
			big := rt.longField(strings.Repeat("x", 300<<10))
			if res := secSend(t, small.Fiber(), rt.caller, secRequest{method: rt.method, path: rt.path, body: []byte(big),
				ctype: "application/json", header: h}); res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("body over BodyLimit: %d, want 413", res.StatusCode)
			}
		})
	}

	t.Run("default BodyLimit", func(t *testing.T) {
		admin := f.login("admin")
		body := bytes.Repeat([]byte(" "), app.DefaultConfig().BodyLimit+1)
		copy(body, `{"role":"hr","domain":"center:*","object":"/x","action":"GET"}`)
		res := secSend(t, fa, admin, secRequest{method: "POST", path: "/api/v1/policies", body: body, ctype: "application/json",
			header: map[string]string{"X-CSRF-Token": admin.csrf}})
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("%d bytes: %d, want 413", len(body), res.StatusCode)
		}
	})
	t.Run("ratings feed batch limit", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"ratings":[`)
		for i := 0; i <= 5000; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"external_id":"SEC-LIMIT-%d","rated_at":"2026-07-15 09:00:00","channel":"窗口","staff_no":"W002","level":5}`, i)
		}
		b.WriteString(`]}`)
		if res := f.bearerClient().do("POST", "/api/v1/ratings", b.String()); res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("5001 ratings: %d, want 413", res.StatusCode)
		}
	})
}

// formFields is every form field name a handler reads (FormValue, the
// quiz's numbered fields, the scoring settings), so garbage reaches them all.
var formFields = []string{
	"action", "reason", "name", "staff_no", "role", "code", "title", "team_id", "note", "username", "team", "summary",
	"skip_invalid", "policy", "period", "password", "next", "kind", "id", "encoding", "due_date", "domain", "display_name",
	"channel", "year", "validity_months", "time_limit_days", "text", "target_kind", "tags", "submit_key", "steps", "staff_id",
	"source", "shuffle_questions", "shuffle_answers", "satisfaction", "review_when", "review_right_answers", "review_marks",
	"review_feedback", "recert_days", "question_id", "position", "percent", "overdue_handling", "outcome", "old_password",
	"object", "note_offline", "note_online", "note_hotline", "new_password", "module", "max_mark", "materials", "lessons",
	"items", "item_code", "include_sub", "grading_method", "gift", "from", "format", "external_ids", "days", "date", "criteria",
	"count", "confirm_password", "comment", "channels", "category_id", "bands", "back", "active", "attempts_allowed",
	"grace_minutes", "pass_percent", "time_limit_minutes", "attributable", "complex", "reached", "reasonable",
	"w_satisfaction", "w_competence", "w_training", "points1", "points2", "points3", "points4", "points5", "prior",
	"threshold", "z", "min_ratings", "loop_bad", "loop_window", "loop_due", "loop_cooldown", "file",
	"q1", "q1_present", "q1_m0", "q1_o0", "q2", "q2_present", "q3", "q3_present",
}

func allFields(v string) string {
	vals := url.Values{}
	for _, k := range formFields {
		vals.Set(k, v)
	}
	return vals.Encode()
}

// TestInputFormGarbage sends every state-changing form route, as a role
// allowed to call it, every field set to hostile values and bodies that are
// not what they claim: never a 5xx.
func TestInputFormGarbage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	table := routeTable(f)
	fa := f.app.Fiber()
	type garbage struct {
		name  string
		body  []byte
		ctype string
	}
	var bodies []garbage
	for name, v := range map[string]string{
		"6 KB of noise": secNoise(6000),
		"long":          strings.Repeat("界", 20_000), "negative": "-1", "zero": "0", "NaN": "NaN", "Inf": "Inf", "1e309": "1e309",
		"huge": "99999999999999999999", "traversal": "../../../../etc/passwd", "NUL": "a\x00b", "invalid UTF-8": "\xff\xfe\xfd",
		"bad date": "2026-02-30", "script": "<script>alert(1)</script>", "empty": "", "spaces": "   ", "control": "\r\n\t\x7f",
		"sql": "' OR '1'='1", "percent": "%", "like": "%_\\",
	} {
		bodies = append(bodies, garbage{"fields " + name, []byte(allFields(v)), "application/x-www-form-urlencoded"})
	}
	mp, mpType := secMultipart(secPart{field: "file", filename: "x.bin", data: secEXE}, secPart{field: "evidence", filename: "y.png", data: secHTML},
		secPart{field: "name", data: []byte("../x")}, secPart{field: "action", data: []byte("\x00")})
	bodies = append(bodies,
		garbage{"binary as form", []byte("\x00\xff%zz&&==&%%%\x01=\x02"), "application/x-www-form-urlencoded"},
		garbage{"broken multipart", []byte("--XYZ\r\ngarbage"), "multipart/form-data; boundary=XYZ"},
		garbage{"multipart without boundary", []byte("garbage"), "multipart/form-data"},
		garbage{"multipart with hostile files", mp, mpType},
		garbage{"JSON to a form route", []byte(`{"action":`), "application/json"},
		garbage{"text/plain", []byte("garbage\x00"), "text/plain"},
		garbage{"repeated fields", []byte(strings.Repeat("action=x&", 5000)), "application/x-www-form-urlencoded"},
	)
	public := map[string]bool{}
	for _, r := range app.PublicRoutes() {
		public[r] = true
	}
	for _, route := range registeredRoutes(f.app) {
		method := strings.SplitN(route, " ", 2)[0]
		if method == http.MethodGet {
			continue
		}
		tc, ok := table[route]
		if !ok && !public[route] {
			t.Errorf("%s has no entry in routeTable", route)
			continue
		}
		t.Run(route, func(t *testing.T) {
			role, path := "", tc.path
			switch {
			case public[route]:
				path = strings.SplitN(route, " ", 2)[1]
			case route == "POST /account/password":
				// Wrong old passwords count as failed sign-ins: use an
				// account no other subtest signs in with.
				role = "victim"
			default:
				if role = secAllowedRole(f, method, tc); role == "" {
					t.Fatalf("no role may call it")
				}
			}
			signIn := func() *client {
				if role == "" {
					return f.anonymous()
				}
				return secLogin(f, role)
			}
			c := signIn()
			for _, g := range bodies {
				if role != "" && role != "rating_feed" && c.cookie == "" {
					c = signIn() // the previous body ended the session (logout)
				}
				h := map[string]string{}
				if c.csrf != "" {
					h["X-CSRF-Token"] = c.csrf
				}
				res := secSend(t, fa, c, secRequest{method: method, path: path, body: g.body, ctype: g.ctype, header: h})
				if res.StatusCode >= 500 {
					t.Errorf("%s: %d", g.name, res.StatusCode)
				}
			}
		})
	}
	// Whatever garbage was stored (names, titles, notes holding a script
	// tag), no HTML page renders it as markup.
	clients := map[string]*client{}
	for _, route := range registeredRoutes(f.app) {
		tc, ok := table[route]
		if !ok || !strings.HasPrefix(route, "GET ") || tc.allow == "" {
			continue
		}
		role := strings.Fields(tc.allow)[0]
		if clients[role] == nil {
			clients[role] = secLogin(f, role)
		}
		res := clients[role].do("GET", tc.path, "")
		if strings.Contains(res.Header.Get("Content-Type"), "text/html") && strings.Contains(res.body, "<script>alert(1)</script>") {
			t.Errorf("%s renders stored input as HTML (a script tag)", route)
		}
	}
}

// TestInputPathAndQueryGarbage requests every route with each :param
// replaced by garbage (letters, negative, zero, overflowing, NUL, encoded
// traversal, a fraction, a full-width digit, SQL), as admin and as the
// route's allowed role — always 4xx, never 5xx — and every GET route with
// hostile query parameters: never a 5xx.
func TestInputPathAndQueryGarbage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	table := routeTable(f)
	public := map[string]bool{}
	for _, r := range app.PublicRoutes() {
		public[r] = true
	}
	params := []string{"abc", "-1", "0", "99999999999999999999", "%00", "..%2F..%2Fetc%2Fpasswd", "1.5", "%EF%BC%91", "1%20OR%201%3D1", "%27%22", "%FF"}
	paramRE := regexp.MustCompile(`:[a-z]+`)
	admin := f.login("admin")
	hostile := url.Values{
		"period": {"2026-99"}, "date": {"2026-13-45"}, "limit": {"-1"}, "offset": {"99999999999999999999"}, "q": {"%_\\"},
		"team": {"abc"}, "before": {"-5"}, "status": {"\xff"}, "module": {"../x"}, "pick": {"x"}, "from": {"x"}, "to": {"-1"},
		"year": {"99999"}, "format": {"exe"}, "bad": {"x"}, "overdue": {"x"}, "all": {"x"}, "lang": {"../../x"}, "action": {"%"},
		"actor": {"'"}, "next": {"//evil.example"}, "channel": {"x"}, "level": {"x"}, "id": {"-1"}, "page": {"-1"},
	}
	// All of them at once, then each alone holding U+0000 (which no
	// validation of another parameter may hide).
	queries := []string{"?" + hostile.Encode()}
	for k := range hostile {
		queries = append(queries, "?"+url.Values{k: {"a\x00b"}}.Encode())
	}
	for _, route := range registeredRoutes(f.app) {
		if public[route] {
			continue
		}
		tc, ok := table[route]
		if !ok {
			t.Errorf("%s has no entry in routeTable", route)
			continue
		}
		method, pattern := strings.SplitN(route, " ", 2)[0], strings.SplitN(route, " ", 2)[1]
		callers := map[string]*client{"admin": admin}
		if r := strings.Fields(tc.allow); len(r) > 0 && r[0] != "admin" {
			callers[r[0]] = secLogin(f, r[0])
		}
		for who, c := range callers {
			if paramRE.MatchString(pattern) {
				for _, p := range params {
					path := paramRE.ReplaceAllString(pattern, p)
					res := c.do(method, path, tc.body)
					if res.StatusCode < 400 || res.StatusCode >= 500 {
						t.Errorf("%s %s as %s: %d %.120s, want 4xx", method, path, who, res.StatusCode, res.body)
					}
				}
			}
			if method == http.MethodGet {
				path := tc.path
				if i := strings.IndexByte(path, '?'); i >= 0 {
					path = path[:i]
				}
				for _, q := range queries {
					if res := c.do(method, path+q, ""); res.StatusCode >= 500 {
						t.Errorf("GET %s%.60s as %s: %d", path, q, who, res.StatusCode)
					}
				}
			}
		}
	}
}

// TestInputUploads: the upload routes enforce their size limits, decide the
// type from the content (HTML, SVG or an executable named .png are refused),
// and never store or serve a name with a path in it.
func TestInputUploads(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	mod := "/modules/" + f.module.Code

	t.Run("module assets", func(t *testing.T) {
		trainer := f.login("trainer")
		for _, tc := range []struct {
			name, field, filename string
			data                  []byte
			want                  int
		}{
			{"HTML named .png", "", "evil.png", secHTML, 422},
			{"SVG named .png", "", "logo.png", secSVG, 422},
			{"executable named .png", "", "setup.png", secEXE, 422},
			{"empty", "", "empty.png", nil, 422},
			{"over 2 MiB", "", "big.png", append(append([]byte{}, secPNG...), make([]byte, 2<<20)...), 422},
			{"name with ../", "../evil.png", "a.png", secPNG, 422},
			{"name with ..\\", `..\evil.png`, "a.png", secPNG, 422},
			{"name with a directory", "img/evil.png", "a.png", secPNG, 422},
			{"encoded traversal", "%2e%2e%2fevil.png", "a.png", secPNG, 422},
			{"dot file", ".htaccess.png", "a.png", secPNG, 422},
			{"backslash file name", "", `..\..\evil.png`, secPNG, 422},
			{"traversal file name", "", "../../ok-traversal.png", secPNG, http.StatusSeeOther},
			{"valid", "ok.png", "a.png", secPNG, http.StatusSeeOther},
		} {
			parts := []secPart{{field: "file", filename: tc.filename, ctype: "image/png", data: tc.data}}
			if tc.field != "" {
				parts = append(parts, secPart{field: "name", data: []byte(tc.field)})
			}
			if res := secUpload(t, trainer, mod+"/assets", parts...); res.StatusCode != tc.want {
				t.Errorf("%s: %d, want %d: %.200s", tc.name, res.StatusCode, tc.want, res.body)
			}
		}
		assets, err := f.app.Training().Assets(ctx, f.module.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(assets) != 2 {
			t.Errorf("%d assets stored, want 2 (ok.png, ok-traversal.png)", len(assets))
		}
		for _, as := range assets {
			if strings.ContainsAny(as.Name, `/\`) || strings.Contains(as.Name, "..") || as.ContentType != "image/png" {
				t.Errorf("stored asset %q (%s)", as.Name, as.ContentType)
			}
		}
		res := f.login("employee").do("GET", mod+"/assets/ok.png", "")
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("serving an asset: %d %q nosniff %q CSP %q", res.StatusCode, res.Header.Get("Content-Type"),
				res.Header.Get("X-Content-Type-Options"), res.Header.Get("Content-Security-Policy"))
		}
		for _, p := range []string{"/assets/..%2F..%2Fetc%2Fpasswd", "/assets/%2e%2e", "/assets/..%5Cok.png"} {
			if res := f.login("employee").do("GET", mod+p, ""); res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
			}
		}
	})

	t.Run("appeal evidence", func(t *testing.T) {
		feed := f.bearerClient().do("POST", "/api/v1/ratings", `{"ratings":[{"external_id":"SEC-UP-1","rated_at":"2026-07-15 09:30:00","channel":"窗口","staff_no":"W002","level":1,"reasons":["态度差"]}]}`)
		if feed.StatusCode != http.StatusOK {
			t.Fatalf("feed: %d %s", feed.StatusCode, feed.body)
		}
		cs, err := f.app.Followup().Cases(ctx, followup.CaseFilter{CenterID: f.center, StaffID: f.s2.ID})
		if err != nil || len(cs) != 1 {
			t.Fatalf("s2 case: %v", err)
		}
		path := fmt.Sprintf("/ratings/%d/appeal", cs[0].RatingID)
		emp := f.login("employee2")
		reason := secPart{field: "reason", data: []byte("系统故障")}
		ev := func(name string, data []byte) secPart {
			return secPart{field: "evidence", filename: name, ctype: "image/png", data: data}
		}
		six := []secPart{reason}
		for i := 0; i < 6; i++ {
			six = append(six, ev(fmt.Sprintf("%d.png", i), secPNG))
		}
		for _, tc := range []struct {
			name  string
			parts []secPart
		}{
			{"HTML named .png", []secPart{reason, ev("evil.png", secHTML)}},
			{"SVG named .png", []secPart{reason, ev("logo.png", secSVG)}},
			{"executable named .png", []secPart{reason, ev("setup.png", secEXE)}},
			{"over 10 MiB", []secPart{reason, ev("big.png", append(append([]byte{}, secPNG...), make([]byte, 10<<20)...))}},
			{"six files", six},
		} {
			if res := secUpload(t, emp, path, tc.parts...); res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d, want 422: %.200s", tc.name, res.StatusCode, res.body)
			}
		}
		if ap, err := f.app.Followup().CaseByRating(ctx, cs[0].RatingID); err == nil && ap.Appeal != nil {
			t.Fatal("a refused upload left an appeal behind")
		}
		// Hostile names on valid files: stored and served as base names.
		names := []string{"../../etc/passwd.png", `..\..\windows\win.ini.png`, "..", `C:\fakepath\截图.png`, "a/../../b.png"}
		parts := []secPart{reason}
		for _, n := range names {
			p := ev(n, secPNG)
			p.ctype = "text/html" // the browser's claim is ignored
			parts = append(parts, p)
		}
		if res := secUpload(t, emp, path, parts...); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("valid evidence: %d %.300s", res.StatusCode, res.body)
		}
		c, err := f.app.Followup().CaseByRating(ctx, cs[0].RatingID)
		if err != nil || c.Appeal == nil {
			t.Fatalf("no appeal stored: %v", err)
		}
		full, err := f.app.Followup().Appeal(ctx, c.Appeal.ID)
		if err != nil || len(full.Evidence) != len(names) {
			t.Fatalf("evidence: %v, %d files", err, len(full.Evidence))
		}
		for _, e := range full.Evidence {
			if strings.ContainsAny(e.Name, `/\`) || strings.Contains(e.Name, "..") || e.Name == "" {
				t.Errorf("stored evidence name %q", e.Name)
			}
			if e.ContentType != "image/png" {
				t.Errorf("evidence %q stored as %q, want the sniffed image/png", e.Name, e.ContentType)
			}
			res := emp.do("GET", fmt.Sprintf("/appeals/%d/evidence/%d", full.ID, e.ID), "")
			cd := res.Header.Get("Content-Disposition")
			served := cd
			if i := strings.Index(cd, "''"); i >= 0 {
				served, _ = url.PathUnescape(cd[i+2:])
			}
			if res.StatusCode != http.StatusOK || !strings.HasPrefix(cd, "attachment") || strings.ContainsAny(served, `/\"`) ||
				strings.Contains(served, "..") || res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Content-Type") != "image/png" {
				t.Errorf("serving %q: %d %q (name %q) %q", e.Name, res.StatusCode, cd, served, res.Header.Get("Content-Type"))
			}
		}
	})

	t.Run("staff CSV import", func(t *testing.T) {
		admin := f.login("admin")
		for _, tc := range []struct {
			name, filename string
			data           []byte
		}{
			{"executable named .csv", "staff.csv", secEXE},
			{"HTML named .csv", "staff.csv", secHTML},
			{"empty", "staff.csv", nil},
			{"binary", "staff.csv", bytes.Repeat([]byte{0xff, 0x00, 0xfe, 0x81}, 4096)},
			{"header only, hostile name", `..\..\staff.csv`, []byte("工号,姓名,班组,渠道\n")},
			{"formula and NUL cells", "staff.csv", []byte("工号,姓名,班组,渠道\nW900,\"=HYPERLINK(\"\"x\"\")\",window,窗口\nW9\x0001,a\x00b,window,窗口\n")},
		} {
			res := secUpload(t, admin, "/admin/staff/import", secPart{field: "file", filename: tc.filename, ctype: "text/csv", data: tc.data})
			if res.StatusCode >= 500 {
				t.Errorf("%s: %d %.200s", tc.name, res.StatusCode, res.body)
			}
			if tc.name != "header only, hostile name" && tc.name != "formula and NUL cells" && res.StatusCode < 400 {
				t.Errorf("%s: %d, want 4xx", tc.name, res.StatusCode)
			}
		}
		if res := secUpload(t, admin, "/admin/staff/import", secPart{field: "other", data: []byte("x")}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("no file: %d, want 422", res.StatusCode)
		}
	})

	t.Run("quiz import", func(t *testing.T) {
		trainer := f.login("trainer")
		path := mod + "/quiz/import"
		for _, tc := range []struct {
			name string
			data []byte
			want int // 0: any 4xx
		}{
			{"over 4 MiB", bytes.Repeat([]byte("::q::x{T}\n\n"), (4<<20)/10+10), http.StatusUnprocessableEntity},
			{"executable", secEXE, 0},
			{"binary", bytes.Repeat([]byte{0xff, 0x00, '{', '}', '~', '='}, 4096), 0},
			{"unbalanced braces", []byte(strings.Repeat("{", 10000)), 0},
		} {
			res := secUpload(t, trainer, path, secPart{field: "format", data: []byte("gift")}, secPart{field: "action", data: []byte("preview")},
				secPart{field: "file", filename: "q.gift", data: tc.data})
			if res.StatusCode >= 500 || tc.want != 0 && res.StatusCode != tc.want || tc.want == 0 && res.StatusCode < 400 {
				t.Errorf("%s: %d, want %d (0: 4xx): %.200s", tc.name, res.StatusCode, tc.want, res.body)
			}
		}
	})

	t.Run("verify PDF upload", func(t *testing.T) {
		hr := f.login("hr")
		pdf := hr.do("GET", "/api/v1/staff/W001/report.pdf?period=2026-07", "")
		if pdf.StatusCode != http.StatusOK {
			t.Fatalf("report: %d", pdf.StatusCode)
		}
		res := secUpload(t, hr, "/verify", secPart{field: "file", filename: "report.pdf", ctype: "application/pdf", data: []byte(pdf.body)})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "W001") {
			t.Errorf("genuine PDF: %d, not verified: %.300s", res.StatusCode, res.body)
		}
		for name, data := range map[string][]byte{
			"HTML named .pdf":       secHTML,
			"executable named .pdf": secEXE,
			"forged keywords":       []byte("%PDF-1.4\n1 0 obj << /Keywords (KP-FORGED-0000) >> endobj\n"),
			"unterminated keywords": []byte("%PDF-1.4\n/Keywords (\\"),
			"UTF-16 keywords":       []byte("%PDF-1.4\n/Keywords <FEFF00"),
		} {
			res := secUpload(t, hr, "/verify", secPart{field: "file", filename: "../../x.pdf", ctype: "application/pdf", data: data})
			if res.StatusCode < 400 || res.StatusCode >= 500 || strings.Contains(res.body, "W001") {
				t.Errorf("%s: %d (verified: %v)", name, res.StatusCode, strings.Contains(res.body, "W001"))
			}
		}
	})

	t.Run("uploads over the body limit", func(t *testing.T) {
		small := secApp(t, f, func(c *app.Config) { c.BodyLimit = 1 << 20 })
		admin := f.login("admin")
		body, ctype := secMultipart(secPart{field: "file", filename: "staff.csv", data: bytes.Repeat([]byte("W1,张三,window,窗口\n"), 100_000)})
		res := secSend(t, small.Fiber(), admin, secRequest{method: "POST", path: "/admin/staff/import", body: body, ctype: ctype,
			header: map[string]string{"X-CSRF-Token": admin.csrf}})
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("2 MB upload to a 1 MiB server: %d, want 413", res.StatusCode)
		}
	})
}

// TestInputLongKeys sends otherwise valid forms whose one key or name field
// is 6 KB that does not compress: on PostgreSQL a unique index refuses
// entries over 2704 bytes, so a field without a length limit becomes a 500
// there (and only there). Refused or stored, never a 5xx.
func TestInputLongKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	noise := secNoise(6000)
	team := fmt.Sprint(f.teamA.ID)
	for _, tc := range []struct {
		user, path, field, body string
	}{
		{"admin", "/admin/teams", "code", form("code", noise, "name", "长班组", "channel", "offline")},
		{"admin", "/admin/teams", "name", form("code", "long-name", "name", noise, "channel", "offline")},
		{"admin", "/admin/items", "code", form("code", noise, "name", "长事项")},
		{"admin", "/admin/items", "name", form("code", "310100-999", "name", noise)},
		{"admin", "/admin/staff", "staff_no", form("staff_no", noise, "name", "长工号", "team_id", team, "channels", "offline")},
		{"admin", "/admin/staff", "name", form("staff_no", "W900", "name", noise, "team_id", team, "channels", "offline")},
		{"admin", "/admin/staff", "external_ids", form("staff_no", "W901", "name", "外部编号", "team_id", team, "channels", "offline", "external_ids", noise)},
		{"admin", "/admin/users", "username", form("username", noise, "password", testPassword, "role", "trainer")},
		{"admin", "/admin/users", "display_name", form("username", "longdisplay", "display_name", noise, "password", testPassword, "role", "trainer")},
		{"admin", "/admin/tokens", "name", form("name", noise)},
		{"admin", "/admin/policies", "object", form("role", "hr", "domain", "center:*", "object", "/"+noise, "action", "GET")},
		{"admin", "/admin/calendar", "name", form("date", "2026-10-09", "kind", "holiday", "name", noise)},
		{"trainer", "/modules", "code", form("code", noise, "title", "长模块", "validity_months", "12")},
		{"trainer", "/modules", "title", form("code", "310100-998", "title", noise, "validity_months", "12")},
	} {
		if res := f.login(tc.user).do("POST", tc.path, tc.body); res.StatusCode >= 500 {
			t.Errorf("POST %s with a 6 KB %s: %d", tc.path, tc.field, res.StatusCode)
		}
	}
}
