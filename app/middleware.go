package app

import (
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/web"
	"github.com/kaoping/kaoping/rbac"
)

const (
	sessionCookie    = "kaoping_session"
	loginCSRFCookie  = "kaoping_login_csrf"
	langCookie       = "kaoping_lang"
	flashCookie      = "kaoping_flash"
	csrfField        = "_csrf"
	csrfHeader       = "X-CSRF-Token"
	localsPrincipal  = "kaoping.principal"
	localsLang       = "kaoping.lang"
	localsRequestLog = "kaoping.log"
)

// Principal is the authenticated caller of a request: a person with a
// session, or a machine client with a bearer token.
type Principal struct {
	Subject      string // rbac subject: "user:7" or "token:3"
	CenterID     int64
	User         *auth.User
	Session      *auth.Session
	SessionToken string
	Token        *auth.Token
}

// Name is how the principal appears in logs and the audit trail.
func (p *Principal) Name() string {
	switch {
	case p.User != nil:
		return p.Subject + " " + p.User.Username
	case p.Token != nil:
		return p.Subject + " " + p.Token.Name
	}
	return p.Subject
}

func principal(c *fiber.Ctx) *Principal {
	p, _ := c.Locals(localsPrincipal).(*Principal)
	return p
}

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }

// logRequests writes one line per request, after it is handled, and
// records it in the request metrics. The query string is left out: it may
// carry search terms or a next= URL. Every line a handler logs through
// requestLog carries the same request_id as this one.
//
// A successful autosave is logged at debug level: an exam makes thousands
// a second (each one's time is stored with the answer, and the metrics
// count them); a refused or slow one is logged like any request.
func (a *App) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	took := time.Since(start)
	status := c.Response().StatusCode()
	if err != nil {
		// The error handler has not run yet; estimate the status it will send.
		status = statusOf(err)
	}
	a.metrics.observe(c, status, took)
	level := slog.LevelInfo
	if status < 400 && took < slowAutosave && c.Route().Path == autosaveRoute {
		level = slog.LevelDebug
	}
	ctx := c.UserContext()
	if !a.log.Enabled(ctx, level) {
		return err
	}
	attrs := make([]slog.Attr, 0, 7)
	if rid := requestID(c); rid != "" {
		attrs = append(attrs, slog.String("request_id", rid))
	}
	attrs = append(attrs,
		slog.String("method", c.Method()),
		slog.String("path", c.Path()),
		slog.Int("status", status),
		slog.Duration("duration", took),
		slog.String("ip", c.IP()),
	)
	if p := principal(c); p != nil {
		attrs = append(attrs, slog.String("subject", p.Subject))
	}
	a.log.LogAttrs(ctx, level, "request", attrs...)
	return err
}

// autosaveRoute is the answer autosave, the hot path of an exam.
const autosaveRoute = "/api/v1/attempts/:id/answers"

// slowAutosave is the time from which a successful autosave is logged at
// info level all the same.
const slowAutosave = time.Second

// requestID is the id of the request (a copy: it may be the request's own
// header, in a buffer Fiber reuses).
func requestID(c *fiber.Ctx) string {
	rid, _ := c.Locals("requestid").(string)
	return utils.CopyString(rid)
}

// requestLog is the logger of the request being handled: its lines carry
// the request_id of the request's log line. It is made when first asked
// for (most requests log nothing but their line).
func (a *App) requestLog(c *fiber.Ctx) *slog.Logger {
	if l, ok := c.Locals(localsRequestLog).(*slog.Logger); ok {
		return l
	}
	l := a.log
	if rid := requestID(c); rid != "" {
		l = l.With(slog.String("request_id", rid))
	}
	c.Locals(localsRequestLog, l)
	return l
}

// securityHeaders sets a strict policy: no inline scripts, no framing, no
// sniffing, no referrer leaks to other sites.
func securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	return c.Next()
}

// language picks the UI language: ?lang= (remembered in a cookie), the
// cookie, then the default (zh-CN).
func (a *App) language(c *fiber.Ctx) error {
	lang := c.Cookies(langCookie)
	if q := c.Query("lang"); q != "" {
		lang = web.Lang(q)
		c.Cookie(&fiber.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: "Lax", Secure: a.cfg.SecureCookies})
	}
	c.Locals(localsLang, web.Lang(lang))
	return c.Next()
}

func lang(c *fiber.Ctx) string {
	l, _ := c.Locals(localsLang).(string)
	if l == "" {
		return web.DefaultLang
	}
	return l
}

// identify attaches the principal of a session cookie or bearer token; it
// refuses nothing itself (the route guard does).
func (a *App) identify(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return fiber.NewError(fiber.StatusUnauthorized, "malformed Authorization header (want: Bearer TOKEN)")
		}
		t, err := a.auth.TokenByPlaintext(ctx, strings.TrimSpace(tok))
		if err != nil {
			if errors.Is(err, auth.ErrBadCredentials) || errors.Is(err, auth.ErrDisabled) {
				return fiber.NewError(fiber.StatusUnauthorized, "invalid or revoked token")
			}
			return err
		}
		c.Locals(localsPrincipal, &Principal{Subject: rbac.TokenSubject(t.ID), CenterID: t.CenterID, Token: t})
		return c.Next()
	}
	if tok := c.Cookies(sessionCookie); tok != "" {
		s, err := a.auth.SessionByToken(ctx, tok)
		switch {
		case err == nil:
			c.Locals(localsPrincipal, &Principal{
				Subject:      rbac.UserSubject(s.UserID),
				CenterID:     s.User.CenterID,
				User:         s.User,
				Session:      s,
				SessionToken: utils.CopyString(tok),
			})
		case errors.Is(err, store.ErrNotFound), errors.Is(err, auth.ErrSessionExpired), errors.Is(err, auth.ErrDisabled):
			a.clearSessionCookie(c)
		default:
			return err
		}
	}
	return c.Next()
}

func (a *App) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(1, 0), HTTPOnly: true, SameSite: "Lax", Secure: a.cfg.SecureCookies})
}

func (a *App) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: a.cfg.SecureCookies})
}

// scopeFunc names the domains an object lives in, narrowest first, e.g.
// [staff:42 team:5 center:1]. The casbin decision is allowed when any of
// them allows it.
type scopeFunc func(c *fiber.Ctx, p *Principal) ([]string, error)

// guard is the one authorization check every non-public route runs: an
// authenticated principal (401 / redirect to login otherwise), a valid CSRF
// token for cookie-authenticated changes, a forced password change, and the
// casbin decision on the route pattern in the object's domains (403).
func (a *App) guard(scope scopeFunc) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := principal(c)
		if p == nil {
			if isAPI(c) {
				return fiber.NewError(fiber.StatusUnauthorized, "authentication required")
			}
			next := c.OriginalURL()
			return c.Redirect("/login?next="+url.QueryEscape(next), fiber.StatusSeeOther)
		}
		if p.Session != nil && !isSafeMethod(c.Method()) {
			if err := a.checkCSRF(c, p.Session.CSRFToken); err != nil {
				return err
			}
		}
		route := c.Route().Path
		if p.User != nil && p.User.MustChangePassword && !passwordChangeAllowed(route) {
			if isAPI(c) {
				return fiber.NewError(fiber.StatusForbidden, "password change required: POST /account/password")
			}
			return c.Redirect("/account/password", fiber.StatusSeeOther)
		}
		domains, err := scope(c, p)
		if err != nil {
			return err
		}
		method := c.Method()
		if method == fiber.MethodHead {
			method = fiber.MethodGet // HEAD is a GET without the body
		}
		ok, err := a.authz.Can(p.Subject, domains, route, method)
		if err != nil {
			return err
		}
		if !ok {
			return fiber.NewError(fiber.StatusForbidden, "forbidden")
		}
		return c.Next()
	}
}

func isSafeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

func passwordChangeAllowed(route string) bool {
	switch route {
	case "/account/password", "/logout", "/api/v1/logout", "/api/v1/me":
		return true
	}
	return false
}

// checkCSRF refuses a state-changing cookie request from a foreign origin or
// without the session's token (header X-CSRF-Token, or the form field _csrf
// of the body). A token in the query string is not taken: URLs end up in
// logs, history and Referer headers.
func (a *App) checkCSRF(c *fiber.Ctx, want string) error {
	if !sameOrigin(c) {
		return fiber.NewError(fiber.StatusForbidden, "cross-origin request refused")
	}
	got := c.Get(csrfHeader)
	if got == "" {
		got = bodyFormValue(c, csrfField)
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return fiber.NewError(fiber.StatusForbidden, "missing or invalid CSRF token")
	}
	return nil
}

// sameOrigin checks the browser's own statements of where a request comes
// from: Sec-Fetch-Site, then Origin, then Referer. Absent headers (curl,
// old browsers) pass; the token check still applies.
func sameOrigin(c *fiber.Ctx) bool {
	switch c.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return false
	}
	src := c.Get(fiber.HeaderOrigin)
	if src == "" {
		src = c.Get(fiber.HeaderReferer)
	}
	if src == "" || src == "null" && c.Get(fiber.HeaderOrigin) == "" {
		return true
	}
	u, err := url.Parse(src)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, c.Hostname())
}

// Scopes.

func (a *App) scopeCenter(_ *fiber.Ctx, p *Principal) ([]string, error) {
	return []string{rbac.CenterDomain(p.CenterID)}, nil
}

// scopeSelf is the caller's own person: their staff record, current team
// and center. A user with no staff record only has the center.
func (a *App) scopeSelf(c *fiber.Ctx, p *Principal) ([]string, error) {
	if p.User == nil || p.User.StaffID == nil {
		return []string{rbac.CenterDomain(p.CenterID)}, nil
	}
	return a.staffDomains(c, *p.User.StaffID)
}

func (a *App) scopeStaff(param string) scopeFunc {
	return func(c *fiber.Ctx, _ *Principal) ([]string, error) {
		id, err := paramID(c, param)
		if err != nil {
			return nil, err
		}
		return a.staffDomains(c, id)
	}
}

func (a *App) staffDomains(c *fiber.Ctx, id int64) ([]string, error) {
	centerID, teamID, err := a.staff.ScopeOf(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	d := []string{rbac.StaffDomain(id)}
	if teamID != 0 {
		d = append(d, rbac.TeamDomain(teamID))
	}
	return append(d, rbac.CenterDomain(centerID)), nil
}

func (a *App) scopeTeam(param string) scopeFunc {
	return func(c *fiber.Ctx, p *Principal) ([]string, error) {
		id, err := paramID(c, param)
		if err != nil {
			return nil, err
		}
		t, err := a.staff.TeamByID(c.UserContext(), id)
		if err != nil {
			return nil, err
		}
		return []string{rbac.TeamDomain(t.ID), rbac.CenterDomain(t.CenterID)}, nil
	}
}

// bodyFormValue is a form field of the request body (URL-encoded or
// multipart), never of the query string, which c.FormValue would also read.
func bodyFormValue(c *fiber.Ctx, name string) string {
	if v := c.Request().PostArgs().Peek(name); len(v) > 0 {
		return string(v)
	}
	if mf, err := c.MultipartForm(); err == nil {
		if vs := mf.Value[name]; len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}
