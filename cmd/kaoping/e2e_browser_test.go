package main

// The machinery of the browser end-to-end tests (e2e_test.go): a real
// `kaoping serve` on a free loopback port, one headless Chromium shared by
// every subtest, one browser context (own cookies) per person, and a
// screenshot of every step, kept when the test fails.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/kaoping/kaoping/app/demo"
)

// stepTimeout bounds one browser step (a navigation, a form round trip, a
// query). Generous: a form round trip takes about a second.
const stepTimeout = 20 * time.Second

// findChromium returns the first Chromium or Chrome on PATH, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// e2e is one end-to-end run: the served application, the browser and the
// screenshots of every step.
type e2e struct {
	base    string          // http://127.0.0.1:PORT
	browser context.Context // holds the browser; sessions are its children
	shots   string          // directory of the step screenshots
	n       atomic.Int32    // screenshot counter, for their order
	log     *syncBuffer     // the server's stderr
}

// serveE2E starts `kaoping serve` through run() on 127.0.0.1:0 with the
// environment of c and returns its base URL and its log. The server stops
// (as on SIGTERM) when the test ends.
func serveE2E(t *testing.T, c *cliRun) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, func(k string) string { return c.env[k] }, strings.NewReader(""), &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20 s")
		}
	})
	re := regexp.MustCompile(`running at (http://[0-9.:]+)`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], &stderr
		}
		select {
		case err := <-done:
			done <- err // for the cleanup
			t.Fatalf("serve exited early: %v\n%s\n%s", err, stdout.String(), stderr.String())
		default:
		}
	}
	t.Fatalf("serve printed no URL:\n%s\n%s", stdout.String(), stderr.String())
	return "", nil
}

// newE2E starts the shared headless browser (chromium is its path) for a
// served application.
func newE2E(t *testing.T, chromium, base string, serverLog *syncBuffer) *e2e {
	t.Helper()
	e := &e2e{base: base, shots: t.ArtifactDir(), log: serverLog}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		e.keepShots(t)
		t.Logf("server log:\n%s", tail(serverLog.String(), 60))
	})

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc() // waits for the browser to exit and removes its profile
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout
		t.Fatalf("start %s: %v", chromium, err)
	}
	e.browser = ctx
	return e
}

// keepShots copies the screenshots of a failed run where they outlive the
// test: $KAOPING_E2E_ARTIFACTS/<test>, or the system's temp directory.
func (e *e2e) keepShots(t *testing.T) {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	dst := filepath.Join(os.TempDir(), "kaoping-e2e-"+name)
	if dir := os.Getenv("KAOPING_E2E_ARTIFACTS"); dir != "" {
		dst = filepath.Join(dir, name)
	}
	_ = os.RemoveAll(dst) // from an earlier run
	if err := os.CopyFS(dst, os.DirFS(e.shots)); err != nil {
		t.Logf("keep screenshots: %v (they are in %s until the test ends)", err, e.shots)
		return
	}
	t.Logf("screenshots of every step: %s", dst)
}

// session is one person's browser: a browser context of its own (cookies,
// downloads) with one tab.
type session struct {
	e          *e2e
	who        string
	ctx        context.Context
	mu         sync.Mutex
	console    map[string]int // console errors of the pages, by message
	exceptions []string       // uncaught JavaScript exceptions

	downloads string // directory of the downloads, once enabled
}

// newSession opens a tab in a fresh browser context; it closes when t ends.
func (e *e2e) newSession(t *testing.T, who string) *session {
	t.Helper()
	ctx, cancel := chromedp.NewContext(e.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab, bound to ctx only
		t.Fatalf("%s: open a tab: %v", who, err)
	}
	s := &session{e: e, who: who, ctx: ctx, console: map[string]int{}}
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			page := strings.TrimPrefix(m.URL, e.base)
			s.mu.Lock()
			switch {
			case m.IsException():
				s.exceptions = append(s.exceptions, fmt.Sprintf("%s:%d %s", page, m.Line+1, m))
			case m.Type == chromedp.ConsoleError:
				s.console[page+": "+m.String()]++
			}
			s.mu.Unlock()
		}
	}()
	return s
}

// signIn fills and sends the sign-in form that the tab shows.
func (s *session) signIn(t *testing.T, username string) {
	t.Helper()
	s.do(t, "fill the sign-in form",
		chromedp.SendKeys(chromedp.Search(`//form[@action="/login"]//input[@name="username"]`), username),
		chromedp.SendKeys(chromedp.Search(`//form[@action="/login"]//input[@name="password"]`), demo.Password))
	s.click(t, "sign in", `//form[@action="/login"]//button[@type="submit"]`)
	if p := s.path(t); strings.HasPrefix(p, "/login") {
		s.fatalf(t, "sign-in as %s stayed on %s: %s", username, p, s.text(t, "//main"))
	}
}

// runStep runs one action with the step timeout and fails the test (with a
// screenshot and the page's HTML) when it fails.
func runStep[T any](t *testing.T, s *session, step string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		s.fatalf(t, "%s: %v", step, err)
	}
	return v
}

// do runs steps that return nothing, then takes a screenshot.
func (s *session) do(t *testing.T, step string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	runStep(t, s, step, chromedp.Steps(steps...))
	s.snap(step)
}

// open navigates to path and returns the response of the page (after
// redirects).
func (s *session) open(t *testing.T, step, path string) *network.Response {
	t.Helper()
	res := runStep(t, s, step, chromedp.NavigateResponse(s.e.base+path))
	s.snap(step)
	return res
}

// click clicks the element at xpath and waits for the page it leads to.
func (s *session) click(t *testing.T, step, xpath string) *network.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.Search(xpath)))
	if err != nil {
		s.fatalf(t, "%s: click %s: %v", step, xpath, err)
	}
	if res == nil || res.Status != 200 {
		s.fatalf(t, "%s: click %s: response %+v", step, xpath, res)
	}
	s.snap(step)
	return res
}

// text returns the visible text of the first element at xpath.
func (s *session) text(t *testing.T, xpath string) string {
	t.Helper()
	return runStep(t, s, "read "+xpath, chromedp.Text(chromedp.Search(xpath)))
}

// attr returns an attribute of the first element at xpath.
func (s *session) attr(t *testing.T, xpath, name string) string {
	t.Helper()
	r := runStep(t, s, "read @"+name+" of "+xpath, chromedp.AttributeValue(chromedp.Search(xpath), name))
	if !r.Exists {
		s.fatalf(t, "%s has no attribute %s", xpath, name)
	}
	return r.Value
}

// path returns the path and query of the tab's location.
func (s *session) path(t *testing.T) string {
	t.Helper()
	loc := runStep(t, s, "location", chromedp.Location())
	return strings.TrimPrefix(loc, s.e.base)
}

// waitFor evaluates the JavaScript condition until it is true. It survives
// page loads in between (a page that reloads itself, a form the page's own
// script submits): an evaluation that fails while the page changes is
// retried.
func (s *session) waitFor(t *testing.T, step, cond string, timeout time.Duration) {
	t.Helper()
	var last error
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			s.snap(step)
			return
		}
		last = err
	}
	s.fatalf(t, "%s: %s still false after %v (last error: %v)", step, cond, timeout, last)
}

// enableDownloads makes the browser context save downloads under a
// directory of the test, named by their GUID.
func (s *session) enableDownloads(t *testing.T) {
	t.Helper()
	if s.downloads != "" {
		return
	}
	s.downloads = t.TempDir()
	id := chromedp.FromContext(s.ctx).BrowserContextID
	if _, err := chromedp.CallBrowser(s.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, BrowserContextID: id,
		DownloadPath: s.downloads, EventsEnabled: new(true),
	}); err != nil {
		t.Fatalf("%s: allow downloads: %v", s.who, err)
	}
}

// download clicks a link that the server answers with an attachment and
// returns the file's suggested name and content.
func (s *session) download(t *testing.T, step, xpath string) (string, []byte) {
	t.Helper()
	s.enableDownloads(t)
	ctx, cancel := context.WithTimeout(s.ctx, stepTimeout)
	defer cancel()
	begins := chromedp.BrowserEvents(ctx, browser.DownloadWillBegin)
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.Search(xpath))); err != nil {
		s.fatalf(t, "%s: click %s: %v", step, xpath, err)
	}
	var guid, name string
	for ev, err := range begins {
		if err != nil {
			s.fatalf(t, "%s: no download began: %v", step, err)
		}
		guid, name = ev.GUID, ev.SuggestedFilename
		break
	}
	for ev, err := range progress {
		if err != nil {
			s.fatalf(t, "%s: download %s did not finish: %v", step, name, err)
		}
		if ev.GUID != guid {
			continue
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			s.fatalf(t, "%s: download %s canceled", step, name)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			break
		}
	}
	data, err := os.ReadFile(filepath.Join(s.downloads, guid))
	if err != nil {
		s.fatalf(t, "%s: %v", step, err)
	}
	s.snap(step)
	return name, data
}

// checkConsole fails the test for the uncaught JavaScript exceptions of
// the session's pages and logs their console errors (a refused resource, a
// blocked inline style), each once.
func (s *session) checkConsole(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.exceptions) > 0 {
		t.Errorf("%s: uncaught JavaScript exceptions:\n%s", s.who, strings.Join(s.exceptions, "\n"))
	}
	msgs := make([]string, 0, len(s.console))
	for m, n := range s.console {
		msgs = append(msgs, fmt.Sprintf("%dx %s", n, m))
	}
	if len(msgs) > 0 {
		sort.Strings(msgs)
		t.Logf("%s: console errors:\n%s", s.who, strings.Join(msgs, "\n"))
	}
}

// snap writes a full-page screenshot named after the step.
func (s *session) snap(step string) {
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return // a screenshot is a help, not a check
	}
	_ = os.WriteFile(s.e.shotPath(s.who, step, ".png"), png, 0o644)
}

func (e *e2e) shotPath(who, step, ext string) string {
	slug := strings.Trim(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(strings.ToLower(step), "-"), "-")
	if len(slug) > 60 {
		slug = slug[:60]
	}
	return filepath.Join(e.shots, fmt.Sprintf("%03d-%s-%s%s", e.n.Add(1), who, slug, ext))
}

// fatalf saves a screenshot and the HTML of the page, then fails the test.
func (s *session) fatalf(t *testing.T, format string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.Search(`/html`))); err == nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		_ = os.WriteFile(s.e.shotPath(s.who, "failed", ".html"), []byte("<!-- "+loc+" -->\n"+html), 0o644)
	}
	s.snap("failed")
	t.Fatalf("%s: %s", s.who, fmt.Sprintf(format, args...))
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
