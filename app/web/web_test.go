package web_test

import (
	"testing"

	"github.com/kaoping/kaoping/app/web"
)

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	c, err := web.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Missing(); len(m) > 0 {
		t.Fatalf("keys missing from a catalog: %v", m)
	}
	if got := c.T("en", "login.title"); got != "Sign in" {
		t.Errorf(`T(en, login.title) = %q, want "Sign in"`, got)
	}
	if got := c.T("zh-CN", "login.throttled", 3); got != "登录尝试次数过多，请约 3 分钟后再试。" {
		t.Errorf("T(zh-CN, login.throttled, 3) = %q", got)
	}
	if got := c.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q, want the key itself", got)
	}
}

func TestLang(t *testing.T) {
	for in, want := range map[string]string{"": "zh-CN", "en": "en", "EN-us": "en", "zh": "zh-CN", "fr": "zh-CN"} {
		if got := web.Lang(in); got != want {
			t.Errorf("Lang(%q) = %q, want %q", in, got, want)
		}
	}
}
