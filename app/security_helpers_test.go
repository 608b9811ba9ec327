package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app"
)

// Helpers of the security tests (security_*_test.go). They give full
// control over body, content type and headers, which client.do does not.

// secRequest is one request: the client adds its session cookie and bearer
// token, nothing else — a CSRF token only when header carries one.
type secRequest struct {
	method string
	path   string
	body   []byte
	ctype  string
	header map[string]string
}

// secSend sends r to fa as c (nil: no credentials) and keeps the session
// cookie the response sets, as a browser would.
func secSend(t testing.TB, fa *fiber.App, c *client, r secRequest) response {
	t.Helper()
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.path, rd)
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	if c != nil && c.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "kaoping_session", Value: c.cookie})
	}
	if c != nil && c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	res, err := fa.Test(req, -1)
	if err != nil {
		// fasthttp refused the request while reading it (a body over the
		// limit, a multipart body it cannot parse): a server answers through
		// Fiber's serverErrorHandler with 413 or 400, but app.Test returns
		// the read error instead of that response.
		status := http.StatusBadRequest
		if strings.Contains(err.Error(), "body size exceeds the given limit") {
			status = http.StatusRequestEntityTooLarge
		} else if !strings.Contains(err.Error(), "multipart") && !strings.Contains(err.Error(), "MIME") {
			t.Fatalf("%s %s: %v", r.method, r.path, err)
		}
		return response{Response: &http.Response{StatusCode: status, Header: http.Header{}}, body: "refused while reading: " + err.Error()}
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if c != nil {
		for _, ck := range res.Cookies() {
			if ck.Name == "kaoping_session" {
				c.cookie = ck.Value
				if ck.MaxAge < 0 {
					c.cookie = ""
				}
			}
		}
	}
	return response{Response: res, body: string(b)}
}

// secBody is the request of a route-table body: JSON when it starts with
// "{", a form otherwise (as client.do decides).
func secBody(method, path, body string) secRequest {
	r := secRequest{method: method, path: path}
	if body != "" {
		r.body = []byte(body)
		r.ctype = "application/x-www-form-urlencoded"
		if strings.HasPrefix(body, "{") || strings.HasPrefix(body, "[") {
			r.ctype = "application/json"
		}
	}
	return r
}

// secApp is a second server over the fixture's database and clock with a
// changed configuration (a smaller body limit, a trusted proxy, …). Sessions
// live in the database, so a fixture login works on it too.
func secApp(t testing.TB, f *fixture, edit func(*app.Config)) *app.App {
	t.Helper()
	cfg := testConfig()
	edit(&cfg)
	a, err := app.New(context.Background(), f.db, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// secLogin signs in as a role of the route table: team_lead is "lead",
// rating_feed is the bearer token.
func secLogin(f *fixture, role string) *client {
	switch role {
	case "rating_feed":
		return f.bearerClient()
	case "team_lead":
		return f.login("lead")
	}
	return f.login(role)
}

// secAllowedRole finds a role that may call the route of tc: the first of
// its allow list, then every other role, whose request with a valid CSRF
// token is neither 401 nor 403. Each try is a fresh sign-in, since the
// request may end its session (logout) or change data.
func secAllowedRole(f *fixture, method string, tc routeCase) string {
	seen := map[string]bool{}
	for _, role := range append(strings.Fields(tc.allow), tableRoles...) {
		if seen[role] {
			continue
		}
		seen[role] = true
		res := secLogin(f, role).do(method, tc.path, tc.body)
		if res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusUnauthorized {
			return role
		}
	}
	return ""
}

// secPart is one part of a multipart body: a field (filename "") or a file.
type secPart struct {
	field    string
	filename string
	ctype    string
	data     []byte
}

// secMultipart builds a multipart/form-data body; the file names are sent
// as given (backslashes and dots included), quoted per RFC 7578.
func secMultipart(parts ...secPart) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename == "" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.field))
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.field, p.filename))
			ct := p.ctype
			if ct == "" {
				ct = "application/octet-stream"
			}
			h.Set("Content-Type", ct)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			panic(err) // writing to a bytes.Buffer does not fail
		}
		_, _ = w.Write(p.data)
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// secUpload posts a multipart body as c with its CSRF token in the header.
func secUpload(t testing.TB, c *client, path string, parts ...secPart) response {
	t.Helper()
	body, ctype := secMultipart(parts...)
	return secSend(t, c.f.app.Fiber(), c, secRequest{method: http.MethodPost, path: path, body: body, ctype: ctype,
		header: map[string]string{"X-CSRF-Token": c.csrf}})
}

// Sample file contents: what they claim to be is in the file name, what
// they are is in the bytes.
var (
	secPNG  = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 48)...)
	secHTML = []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	secSVG  = []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	secEXE  = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00PE\x00\x00"), make([]byte, 64)...)
)

// secNoise is n bytes of hex that does not compress: PostgreSQL limits a
// btree index entry to 2704 bytes after compression, so a long field
// without a length check fails there (and only there).
func secNoise(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%08x", uint32(i)*2654435761)
	}
	return b.String()[:n]
}

// secHasAny reports the first of needles in body ("" if none).
func secHasAny(body string, needles ...string) string {
	for _, n := range needles {
		if n != "" && strings.Contains(body, n) {
			return n
		}
	}
	return ""
}
