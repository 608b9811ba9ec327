package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app/store/storetest"
)

// cli runs one command line against a test database and returns stdout,
// stderr and the error.
type cliRun struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T) *cliRun {
	t.Helper()
	_, dsn := storetest.NewDSN(t)
	env := map[string]string{"KAOPING_DB": dsn.URL, "KAOPING_LOG_LEVEL": "error"}
	if font, err := filepath.Abs("../../data/fonts/LXGWWenKai-Regular.ttf"); err == nil {
		env["KAOPING_FONT"] = font // `make fonts`
	}
	if dsn.Schema != "" {
		// The CLI opens the database by URL; point PostgreSQL at the test schema.
		sep := "?"
		if strings.Contains(dsn.URL, "?") {
			sep = "&"
		}
		env["KAOPING_DB"] = dsn.URL + sep + "search_path=" + dsn.Schema
	}
	return &cliRun{t: t, env: env}
}

func (c *cliRun) run(stdin string, args ...string) (string, string, error) {
	c.t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return c.env[k] }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func (c *cliRun) mustRun(stdin string, args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(stdin, args...)
	if err != nil {
		c.t.Fatalf("kaoping %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

const staffCSV = "工号,姓名,班组,渠道,外部编号\nW001,张伟,窗口一组,窗口,W-01\nW002,王芳,窗口一组,窗口;热线,W-02\nH001,郑浩,热线组,12345,12345-0801\n"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUserAddFlagsAfterPositional(t *testing.T) {
	c := newCLI(t)
	c.mustRun("", "staff", "import", writeFile(t, "staff.csv", staffCSV))
	// Flags after the positional argument, repeated --role and --team.
	out := c.mustRun("a long enough password\n", "user", "add", "zhangwei", "--role", "employee", "--role", "team_lead",
		"--team", "窗口一组", "--team", "热线组", "--staff-no", "W001", "--password-stdin")
	if !strings.Contains(out, "created user zhangwei") {
		t.Fatalf("output: %s", out)
	}
	list := c.mustRun("", "user", "list")
	for _, want := range []string{"zhangwei", "employee@staff:", "team_lead@team:"} {
		if !strings.Contains(list, want) {
			t.Errorf("user list lacks %q:\n%s", want, list)
		}
	}
	if strings.Count(list, "team_lead@team:") != 2 {
		t.Errorf("want two team_lead grants:\n%s", list)
	}
}

func TestUserAddErrors(t *testing.T) {
	c := newCLI(t)
	c.mustRun("", "staff", "import", writeFile(t, "staff.csv", staffCSV))
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"short password", "short\n", []string{"user", "add", "a1", "--role", "hr", "--password-stdin"}, "10"},
		{"unknown role", "a long enough password\n", []string{"user", "add", "a2", "--role", "boss", "--password-stdin"}, "boss"},
		{"unknown team", "a long enough password\n", []string{"user", "add", "a3", "--role", "team_lead", "--team", "nope", "--password-stdin"}, "nope"},
		{"unknown staff", "a long enough password\n", []string{"user", "add", "a4", "--role", "employee", "--staff-no", "X999", "--password-stdin"}, "X999"},
		{"leftover argument", "a long enough password\n", []string{"user", "add", "a5", "extra", "--role", "hr", "--password-stdin"}, "arg"},
		{"employee without staff", "a long enough password\n", []string{"user", "add", "a6", "--role", "employee", "--password-stdin"}, "staff"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := c.run(tc.stdin, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	// Nothing of the failed attempts was written.
	if list := c.mustRun("", "user", "list"); strings.Contains(list, "a4") || strings.Contains(list, "a6") {
		t.Errorf("a failed user add left an account:\n%s", list)
	}
}

func TestTokenCreatePrintsTokenLast(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun("", "token", "create", "--role", "rating_feed", "--name", "feed")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	tok := lines[len(lines)-1]
	if !strings.HasPrefix(tok, "kp_") || len(tok) < 40 {
		t.Fatalf("last line %q is not a token", tok)
	}
	if _, _, err := c.run("", "token", "create", "--role", "rating_feed", "--name", "feed"); err == nil {
		t.Error("duplicate token name accepted")
	}
	if _, _, err := c.run("", "token", "create", "--role", "admin", "--name", "x"); err == nil {
		t.Error("token with a person's role accepted")
	}
}

func TestStaffImportInvalidWritesNothing(t *testing.T) {
	c := newCLI(t)
	bad := "工号,姓名,班组,渠道\nW001,张伟,窗口一组,窗口\nW002,,窗口一组,窗口\nW003,李娜,窗口一组,飞鸽\n"
	path := writeFile(t, "bad.csv", bad)
	_, stderr, err := c.run("", "staff", "import", path)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("err = %v, want exit 1", err)
	}
	for _, want := range []string{path + ":3: name", path + ":4: channel", "nothing was written"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	out := c.mustRun("", "staff", "import", "--skip-invalid", path)
	if !strings.Contains(out, "1 created") || !strings.Contains(out, "2 skipped") {
		t.Errorf("--skip-invalid output: %s", out)
	}
}

func TestStaffImportCreateAccounts(t *testing.T) {
	c := newCLI(t)
	accounts := filepath.Join(t.TempDir(), "accounts.csv")
	out := c.mustRun("", "staff", "import", writeFile(t, "staff.csv", staffCSV), "--create-accounts", "--accounts-file", accounts)
	if !strings.Contains(out, "3 account(s) created") {
		t.Fatalf("output: %s", out)
	}
	st, err := os.Stat(accounts)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("accounts file mode %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(accounts)
	if !strings.Contains(string(b), "w001,") || strings.Count(string(b), "\n") != 4 {
		t.Errorf("accounts file:\n%s", b)
	}
	list := c.mustRun("", "user", "list")
	if !strings.Contains(list, "must-change-password") || !strings.Contains(list, "employee@staff:") {
		t.Errorf("user list:\n%s", list)
	}
	// Again: everyone has an account now, no file content beyond the header.
	again := filepath.Join(t.TempDir(), "again.csv")
	out = c.mustRun("", "staff", "import", writeFile(t, "staff.csv", staffCSV), "--create-accounts", "--accounts-file", again)
	if !strings.Contains(out, "0 account(s) created") || !strings.Contains(out, "3 unchanged") {
		t.Errorf("second import: %s", out)
	}
}

func TestEnvironmentAndHelp(t *testing.T) {
	c := newCLI(t)
	out := c.mustRun("", "migrate", "--status")
	if !strings.Contains(out, "up to date") {
		t.Errorf("migrate --status: %s", out)
	}
	c.env["KAOPING_LOG_FORMAT"] = "xml"
	if _, _, err := c.run("", "user", "list"); err == nil || !strings.Contains(err.Error(), "log-format") {
		t.Errorf("bad KAOPING_LOG_FORMAT: err = %v", err)
	}
	delete(c.env, "KAOPING_LOG_FORMAT")
	for _, cmd := range [][]string{{"serve", "--help"}, {"user", "add", "--help"}, {"staff", "import", "--help"}, {"token", "create", "--help"}, {"seed", "demo", "--help"}} {
		out := c.mustRun("", cmd...)
		if !strings.Contains(out, "Usage:") {
			t.Errorf("%v: no usage:\n%s", cmd, out)
		}
	}
}

func TestSeedDemoIdempotent(t *testing.T) {
	c := newCLI(t)
	first := c.mustRun("", "seed", "demo")
	if !strings.Contains(first, "demo-feed") || !strings.Contains(first, "admin") {
		t.Fatalf("first seed: %s", first)
	}
	second := c.mustRun("", "seed", "demo")
	if strings.Contains(second, "kp_") {
		t.Errorf("second seed printed a new token:\n%s", second)
	}
	list := c.mustRun("", "user", "list")
	for _, u := range []string{"admin", "hr", "trainer", "lead", "employee"} {
		if strings.Count(list, "\n"+strings.SplitN(u, " ", 2)[0]) == 0 && !strings.Contains(list, " "+u+" ") {
			t.Errorf("user list lacks %s:\n%s", u, list)
		}
	}
}

// TestModuleExportImportRoundTrip seeds the demo, exports a module, imports
// the folder as a new draft and exports the draft: the folders must be
// byte-identical.
func TestModuleExportImportRoundTrip(t *testing.T) {
	c := newCLI(t)
	c.mustRun("", "seed", "demo")
	first := filepath.Join(t.TempDir(), "first")
	c.mustRun("", "module", "export", "310100-001", "-o", first)
	out := c.mustRun("", "module", "import", first)
	if !strings.Contains(out, "draft v2") {
		t.Fatalf("import: %s", out)
	}
	second := filepath.Join(t.TempDir(), "second")
	c.mustRun("", "module", "export", "310100-001", "--draft", "-o", second)
	a, err := os.ReadFile(filepath.Join(first, "module.md"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(second, "module.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("export → import → export differs:\n%s\n---\n%s", a, b)
	}
	// A malformed file is refused with FILE:LINE.
	bad := writeFile(t, "module.md", "+++\ncode = \"x\"\ntitle = 5\n+++\n# a\n\nb\n")
	_, _, err = c.run("", "module", "import", bad)
	if err == nil || !strings.Contains(err.Error(), "module.md:3:") {
		t.Fatalf("malformed import: %v", err)
	}
}

func TestQuizCommands(t *testing.T) {
	c := newCLI(t)
	gift := "$CATEGORY: 窗口\n\n::签字::申请书由谁签字？{=法定代表人 ~股东#不是股东}\n\n::时限::法定时限几个工作日？{#3}\n\n::判断::可以要求清单外材料。{F}\n"
	path := writeFile(t, "q.gift", gift)
	out := c.mustRun("", "quiz", "parse", "--format", "gift", path)
	for _, want := range []string{`"type": "multichoice"`, `"category": "窗口"`, `"name": "签字"`, `"type": "numerical"`, `"correct": false`} {
		if !strings.Contains(out, want) {
			t.Errorf("parse output lacks %s:\n%s", want, out)
		}
	}
	// parse changes nothing: importing needs a module.
	bad := writeFile(t, "bad.gift", "::a::x{#abc}\n\n::b::y{=only}\n\n::c::z{~one}\n")
	_, stderr, err := c.run("", "quiz", "parse", "--format", "gift", bad)
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("malformed parse: err = %v", err)
	}
	for _, want := range []string{bad + ":1:", bad + ":5:"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	c.mustRun("", "seed", "demo")
	out = c.mustRun("", "quiz", "import", "--format", "gift", "--module", "hotline-etiquette", path)
	if !strings.Contains(out, "imported 3 question(s)") {
		t.Fatalf("import: %s", out)
	}
	if _, _, err := c.run("", "quiz", "import", "--format", "gift", "--module", "nope", path); err == nil {
		t.Error("import into an unknown module succeeded")
	}
	var stdout, errb bytes.Buffer
	if err := run(context.Background(), []string{"quiz", "export", "--format", "gift", "--module", "310100-001"}, func(k string) string { return c.env[k] }, strings.NewReader(""), &stdout, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "skipped:") || !strings.Contains(errb.String(), "ordering") {
		t.Errorf("export did not list the ordering question as skipped: %s", errb.String())
	}
	// The export re-imports to the same questions.
	exported := writeFile(t, "export.gift", stdout.String())
	again := c.mustRun("", "quiz", "parse", "--format", "gift", exported)
	if !strings.Contains(again, "申请书签字") || !strings.Contains(again, `"type": "matching"`) {
		t.Errorf("re-parsed export: %s", again)
	}
}
