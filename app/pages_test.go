package app_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// browserLogin signs in through the HTML form the way a browser does.
func browserLogin(t *testing.T, f *fixture, username, password, next string) (*http.Response, string) {
	t.Helper()
	get := httptest.NewRequest("GET", "/login?next="+next, nil)
	res, err := f.app.Fiber().Test(get, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	var pre string
	for _, ck := range res.Cookies() {
		if ck.Name == "kaoping_login_csrf" {
			pre = ck.Value
		}
	}
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(body)
	if pre == "" || m == nil || string(m[1]) != pre {
		t.Fatalf("login form lacks a matching CSRF cookie and field")
	}
	post := httptest.NewRequest("POST", "/login", strings.NewReader(form("username", username, "password", password, "_csrf", pre, "next", next)))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.AddCookie(&http.Cookie{Name: "kaoping_login_csrf", Value: pre})
	res, err = f.app.Fiber().Test(post, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestFormLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res, _ := browserLogin(t, f, "hr", testPassword, "/center")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/center" {
		t.Fatalf("login: %d → %q, want 303 → /center", res.StatusCode, res.Header.Get("Location"))
	}
	res, _ = browserLogin(t, f, "hr", testPassword, "//evil.example/x")
	if res.Header.Get("Location") != "/" {
		t.Fatalf("open redirect: Location %q, want /", res.Header.Get("Location"))
	}
	res, body := browserLogin(t, f, "hr", "not the password", "")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "用户名或密码错误") {
		t.Fatalf("bad password: %d %.300s", res.StatusCode, body)
	}
	// Without the login CSRF cookie the form is refused.
	post := httptest.NewRequest("POST", "/login", strings.NewReader(form("username", "hr", "password", testPassword, "_csrf", "forged")))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, _ := f.app.Fiber().Test(post, -1); res.StatusCode != http.StatusForbidden {
		t.Fatalf("forged login CSRF: %d, want 403", res.StatusCode)
	}
}

func TestHomeByRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for user, want := range map[string]string{
		"admin":    "/admin/users",
		"hr":       "/center",
		"trainer":  "/modules",
		"lead":     fmt.Sprintf("/teams/%d", f.teamA.ID),
		"employee": "/my",
	} {
		res := f.login(user).do("GET", "/", "")
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("%s: / → %d %q, want %q", user, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
	res := f.login("employee").do("GET", "/my", "")
	if !strings.Contains(res.body, "张伟") || !strings.Contains(res.body, "W001") {
		t.Errorf("/my lacks the employee's record: %.400s", res.body)
	}
}

func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.anonymous().do("GET", "/login?lang=en", "")
	if !strings.Contains(res.body, "Sign in") {
		t.Fatalf("English login page: %.300s", res.body)
	}
	res = f.anonymous().do("GET", "/login", "")
	if !strings.Contains(res.body, "登录") {
		t.Fatalf("default Chinese login page: %.300s", res.body)
	}
}

func upload(t *testing.T, c *client, path string, fields map[string]string, name string, content []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	_ = mw.WriteField("_csrf", c.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: "kaoping_session", Value: c.cookie})
	res, err := c.f.app.Fiber().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return response{Response: res, body: string(b)}
}

func TestStaffImportUpload(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	admin := f.login("admin")
	bad := "工号,姓名,班组,渠道\nW100,李堃,window,窗口\nW101,,window,窗口\n"
	res := upload(t, admin, "/admin/staff/import", nil, "名单.csv", []byte(bad))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "名单.csv:3: name") {
		t.Fatalf("invalid upload: %d %.600s", res.StatusCode, res.body)
	}
	if strings.Contains(f.login("admin").do("GET", "/admin/staff?q=W100", "").body, "李堃") {
		t.Fatal("an invalid import wrote a row")
	}
	// The same people saved by Excel on Chinese Windows: GB18030.
	good := "工号,姓名,班组,渠道,外部编号\r\nW100,李堃,window,窗口,W-100\r\nW101,赵赟,hotline,热线,12345-0999\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	res = upload(t, admin, "/admin/staff/import", map[string]string{"encoding": "auto"}, "staff.csv", gb)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, "gb18030") {
		t.Fatalf("GB18030 upload: %d %.600s", res.StatusCode, res.body)
	}
	list := admin.do("GET", "/api/v1/staff?q=W10", "")
	if !strings.Contains(list.body, "李堃") || !strings.Contains(list.body, "赵赟") || !strings.Contains(list.body, "12345-0999") {
		t.Fatalf("imported staff not listed: %s", list.body)
	}
}
