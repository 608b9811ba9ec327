package app

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/rbac"
)

type loginView struct {
	Username string
	Next     string
	CSRF     string
}

// loginForm shows the sign-in form. Its CSRF token is a double-submit
// cookie, since there is no session yet.
func (a *App) loginForm(c *fiber.Ctx) error {
	if p := principal(c); p != nil && p.User != nil {
		return c.Redirect(safeNext(c.Query("next"), "/"), fiber.StatusSeeOther)
	}
	return a.renderLogin(c, "", "", fiber.StatusOK)
}

func (a *App) renderLogin(c *fiber.Ctx, username, errMsg string, status int) error {
	tok := c.Cookies(loginCSRFCookie)
	if tok == "" {
		tok = randomToken()
		c.Cookie(&fiber.Cookie{Name: loginCSRFCookie, Value: tok, Path: "/login", HTTPOnly: true, SameSite: "Strict", Secure: a.cfg.SecureCookies})
	}
	p := a.newPage(c, "login.title", loginView{Username: username, Next: safeNext(c.Query("next", c.FormValue("next")), ""), CSRF: tok})
	p.Error = errMsg
	c.Status(status)
	c.Type("html", "utf-8")
	return c.Render("login", p)
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// safeNext keeps redirects on this site: a local absolute path only.
func safeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return fallback
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return next
}

// loginSubmit signs a person in from the form.
func (a *App) loginSubmit(c *fiber.Ctx) error {
	want := c.Cookies(loginCSRFCookie)
	got := c.FormValue(csrfField)
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 || !sameOrigin(c) {
		return fiber.NewError(fiber.StatusForbidden, a.msgs.T(lang(c), "login.csrf"))
	}
	username := strings.TrimSpace(c.FormValue("username"))
	u, err := a.signIn(c, username, c.FormValue("password"))
	if err != nil {
		var te *auth.ThrottledError
		switch {
		case errors.As(err, &te):
			secs := int(te.RetryAfter.Seconds()) + 1
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
			return a.renderLogin(c, username, a.msgs.T(lang(c), "login.throttled", (secs+59)/60), fiber.StatusTooManyRequests)
		case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrDisabled):
			return a.renderLogin(c, username, a.msgs.T(lang(c), "login.bad"), fiber.StatusUnauthorized)
		}
		return err
	}
	if u.MustChangePassword {
		return c.Redirect("/account/password", fiber.StatusSeeOther)
	}
	return c.Redirect(safeNext(c.FormValue("next"), "/"), fiber.StatusSeeOther)
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// apiLogin signs in from JSON and answers with who signed in and the CSRF
// token later state-changing calls must send in X-CSRF-Token.
func (a *App) apiLogin(c *fiber.Ctx) error {
	if !sameOrigin(c) {
		return fiber.NewError(fiber.StatusForbidden, "cross-origin request refused")
	}
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Username) == "" {
		return invalid("username", "required")
	}
	if req.Password == "" {
		return invalid("password", "required")
	}
	if _, err := a.signIn(c, strings.TrimSpace(req.Username), req.Password); err != nil {
		if errors.Is(err, auth.ErrBadCredentials) || errors.Is(err, auth.ErrDisabled) {
			return fiber.NewError(fiber.StatusUnauthorized, "wrong username or password")
		}
		return err
	}
	return a.apiMe(c)
}

// signIn checks the password, starts a new session and audits the attempt.
func (a *App) signIn(c *fiber.Ctx, username, password string) (*auth.User, error) {
	ctx := c.UserContext()
	ip := c.IP()
	u, err := a.auth.Authenticate(ctx, username, password, ip)
	if err != nil {
		action := "login.fail"
		if errors.Is(err, auth.ErrThrottled) {
			action = "login.throttled"
		} else if errors.Is(err, auth.ErrDisabled) {
			action = "login.disabled"
		} else if !errors.Is(err, auth.ErrBadCredentials) {
			return nil, err
		}
		if aerr := a.audit.Record(ctx, nil, audit.Entry{Actor: "anonymous", Action: action, Target: "username:" + username, IP: ip}); aerr != nil {
			return nil, aerr
		}
		return nil, err
	}
	if err := a.startSession(c, u); err != nil {
		return nil, err
	}
	p := principal(c)
	cid := u.CenterID
	if err := a.audit.Record(ctx, nil, audit.Entry{CenterID: &cid, Actor: p.Name(), Action: "login.ok", Target: p.Subject, IP: ip}); err != nil {
		return nil, err
	}
	return u, nil
}

// startSession replaces the browser's session, if any, with a new one for u
// (a fresh id at every login defeats fixation), sets the cookie and attaches
// the principal to c.
func (a *App) startSession(c *fiber.Ctx, u *auth.User) error {
	ctx := c.UserContext()
	if old := c.Cookies(sessionCookie); old != "" {
		if err := a.auth.DeleteSession(ctx, old); err != nil {
			return err
		}
	}
	tok, sess, err := a.auth.CreateSession(ctx, u.ID, c.IP(), utils.CopyString(c.Get(fiber.HeaderUserAgent)))
	if err != nil {
		return err
	}
	sess.User = u
	a.setSessionCookie(c, tok)
	c.Locals(localsPrincipal, &Principal{Subject: rbac.UserSubject(u.ID), CenterID: u.CenterID, User: u, Session: sess, SessionToken: tok})
	return nil
}

// logout ends the session at once (the row is deleted).
func (a *App) logout(c *fiber.Ctx) error {
	if err := a.endSession(c); err != nil {
		return err
	}
	return c.Redirect("/login", fiber.StatusSeeOther)
}

func (a *App) apiLogout(c *fiber.Ctx) error {
	if err := a.endSession(c); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *App) endSession(c *fiber.Ctx) error {
	p := principal(c)
	if p.SessionToken != "" {
		if err := a.auth.DeleteSession(c.UserContext(), p.SessionToken); err != nil {
			return err
		}
		a.record(c, "logout", p.Subject, "")
	}
	a.clearSessionCookie(c)
	return nil
}

type meResponse struct {
	Subject            string     `json:"subject"`
	UserID             int64      `json:"user_id,omitempty"`
	Username           string     `json:"username,omitempty"`
	DisplayName        string     `json:"display_name,omitempty"`
	CenterID           int64      `json:"center_id"`
	StaffID            *int64     `json:"staff_id,omitempty"`
	MustChangePassword bool       `json:"must_change_password"`
	Roles              []roleJSON `json:"roles"`
	CSRFToken          string     `json:"csrf_token,omitempty"`
}

// roleJSON is one role with its scope (domain), e.g. team_lead in team:5.
type roleJSON struct {
	Role   string `json:"role"`
	Domain string `json:"domain"`
}

// apiMe tells the caller who they are, their roles with scopes, and (for
// cookie sessions) the CSRF token.
func (a *App) apiMe(c *fiber.Ctx) error {
	p := principal(c)
	res := meResponse{Subject: p.Subject, CenterID: p.CenterID, Roles: []roleJSON{}}
	for _, g := range a.authz.Grants(p.Subject) {
		res.Roles = append(res.Roles, roleJSON{Role: g.Role, Domain: g.Domain})
	}
	if p.User != nil {
		res.UserID, res.Username, res.DisplayName = p.User.ID, p.User.Username, p.User.DisplayName
		res.StaffID, res.MustChangePassword = p.User.StaffID, p.User.MustChangePassword
	}
	if p.Session != nil {
		res.CSRFToken = p.Session.CSRFToken
	}
	return c.JSON(res)
}

func (a *App) passwordForm(c *fiber.Ctx) error {
	return a.render(c, "password", "password.title", nil)
}

// passwordSubmit changes the caller's own password (required after an
// admin reset or a generated initial password).
func (a *App) passwordSubmit(c *fiber.Ctx) error {
	p := principal(c)
	if p.User == nil {
		return fiber.ErrForbidden
	}
	oldPw, newPw := c.FormValue("old_password"), c.FormValue("new_password")
	var err error
	if newPw != c.FormValue("confirm_password") {
		err = invalid("confirm_password", "%s", a.msgs.T(lang(c), "password.mismatch"))
	} else {
		err = a.auth.ChangePassword(c.UserContext(), p.User.ID, oldPw, newPw)
	}
	if err != nil {
		status := statusOf(err)
		if status >= 500 {
			return err
		}
		msg := publicMessage(err, status)
		if errors.Is(err, auth.ErrBadCredentials) {
			msg, status = a.msgs.T(lang(c), "password.wrong_old"), fiber.StatusUnprocessableEntity
		}
		pg := a.newPage(c, "password.title", nil)
		pg.Error = msg
		c.Status(status)
		c.Type("html", "utf-8")
		return c.Render("password", pg)
	}
	a.record(c, "password.change", p.Subject, "")
	// Every other session of the user ends (a changed password must lock out
	// whoever knew the old one); this browser gets a fresh session.
	ctx := c.UserContext()
	if err := a.auth.DeleteUserSessions(ctx, p.User.ID); err != nil {
		return err
	}
	u, err := a.auth.User(ctx, p.User.ID)
	if err != nil {
		return err
	}
	c.Request().Header.DelCookie(sessionCookie)
	if err := a.startSession(c, u); err != nil {
		return err
	}
	a.flash(c, a.msgs.T(lang(c), "password.changed"))
	return c.Redirect("/", fiber.StatusSeeOther)
}

// record appends an audit entry for the current principal, logging rather
// than failing when the request's own change has already committed.
func (a *App) record(c *fiber.Ctx, action, target, detail string) {
	if err := a.audit.Record(c.UserContext(), nil, a.entry(c, action, target, detail)); err != nil {
		a.log.Error("audit record failed", "action", action, "err", err)
	}
}
