package app

import (
	"html/template"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/rbac"
)

// page is what every template receives: the translator, the signed-in user
// with a navigation built from their roles, the CSRF token, a flash message
// and the page's own data in D.
type page struct {
	app   *App
	Lang  string
	Title string
	User  *Principal
	Roles []string
	Nav   []navItem
	CSRF  string
	Flash string
	Error string
	Path  string
	Zone  *time.Location // the viewer's center's time zone
	D     any
}

type navItem struct {
	Href  string
	Label string
}

// T translates a message key for this page's language.
func (p page) T(key string, args ...any) string { return p.app.msgs.T(p.Lang, key, args...) }

// Channel is the localized name of a channel code.
func (p page) Channel(code string) string { return channel.Label(code, p.Lang) }

// Role is the localized name of a role.
func (p page) Role(r string) string { return p.T("role." + r) }

// Time formats t in the viewer's center zone (Asia/Shanghai by default).
func (p page) Time(t any) string {
	var tt time.Time
	switch v := t.(type) {
	case time.Time:
		tt = v
	case *time.Time:
		if v == nil {
			return "—"
		}
		tt = *v
	default:
		return ""
	}
	if tt.IsZero() {
		return "—"
	}
	return tt.In(p.Zone).Format("2006-01-02 15:04")
}

// With returns the page with other data, for partial templates:
// {{template "std" ($.With .D.Version)}}.
func (p page) With(d any) page { p.D = d; return p }

// FormLabel names a material form (原件, 复印件, …).
func (p page) FormLabel(form string) string { return formLabel(form) }

// OtherLang is the language the switch link offers.
func (p page) OtherLang() string {
	if p.Lang == "en" {
		return "zh-CN"
	}
	return "en"
}

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"join":     strings.Join,
		"query":    url.QueryEscape,
		"itoa":     func(v int64) string { return strconv.FormatInt(v, 10) },
		"channels": channel.All,
	}
}

// render writes a full page with the main layout.
func (a *App) render(c *fiber.Ctx, name, titleKey string, data any) error {
	p := a.newPage(c, titleKey, data)
	c.Type("html", "utf-8")
	return c.Render(name, p)
}

func (a *App) newPage(c *fiber.Ctx, titleKey string, data any) page {
	p := page{app: a, Lang: lang(c), User: principal(c), Path: c.Path(), Zone: time.UTC, D: data}
	p.Title = p.T(titleKey)
	if p.User != nil && p.User.Session != nil {
		p.CSRF = p.User.Session.CSRFToken
		p.Roles = a.rolesOf(p.User.Subject)
		p.Nav = a.nav(p)
		if ctr, err := a.staff.Center(c.UserContext(), p.User.CenterID); err == nil {
			if loc, err := ctr.Location(); err == nil {
				p.Zone = loc
			}
		}
	}
	if f := c.Cookies(flashCookie); f != "" {
		if v, err := url.QueryUnescape(f); err == nil {
			p.Flash = v
		}
		c.Cookie(&fiber.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(1, 0)})
	}
	return p
}

// flash shows msg on the next page the browser loads (post/redirect/get).
func (a *App) flash(c *fiber.Ctx, msg string) {
	c.Cookie(&fiber.Cookie{Name: flashCookie, Value: url.QueryEscape(msg), Path: "/", HTTPOnly: true, SameSite: "Lax", Secure: a.cfg.SecureCookies, MaxAge: 60})
}

// hasRole reports whether the signed-in principal holds role in any domain.
func (a *App) hasRole(c *fiber.Ctx, role string) bool {
	return slices.Contains(a.rolesOf(principal(c).Subject), role)
}

// rolesOf lists the distinct role names a subject holds, in a fixed order.
func (a *App) rolesOf(sub string) []string {
	held := map[string]bool{}
	for _, g := range a.authz.Grants(sub) {
		held[g.Role] = true
	}
	var out []string
	for _, r := range rbac.Roles() {
		if held[r] {
			out = append(out, r)
		}
	}
	return out
}

// ledTeams lists the team ids a subject leads, ascending.
func (a *App) ledTeams(sub string) []int64 {
	var ids []int64
	for _, g := range a.authz.Grants(sub) {
		if g.Role != rbac.RoleTeamLead {
			continue
		}
		if kind, id, err := rbac.ParseDomain(g.Domain); err == nil && kind == "team" {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (a *App) nav(p page) []navItem {
	has := map[string]bool{}
	for _, r := range p.Roles {
		has[r] = true
	}
	var n []navItem
	if has[rbac.RoleEmployee] {
		n = append(n, navItem{"/my", p.T("nav.my")}, navItem{"/notifications", p.T("nav.notifications")})
		if p.User != nil && p.User.User != nil && p.User.User.StaffID != nil {
			n = append(n, navItem{"/staff/" + strconv.FormatInt(*p.User.User.StaffID, 10) + "/scores", p.T("nav.scores")})
		}
	}
	if has[rbac.RoleTeamLead] {
		for _, id := range a.ledTeams(p.User.Subject) {
			n = append(n, navItem{"/teams/" + strconv.FormatInt(id, 10), p.T("nav.team")},
				navItem{"/teams/" + strconv.FormatInt(id, 10) + "/scores", p.T("nav.scores")},
				navItem{"/teams/" + strconv.FormatInt(id, 10) + "/cases", p.T("nav.cases")})
		}
	}
	if has[rbac.RoleHR] || has[rbac.RoleAdmin] {
		n = append(n, navItem{"/center", p.T("nav.center")}, navItem{"/scores", p.T("nav.scores")}, navItem{"/cases", p.T("nav.cases")}, navItem{"/loop", p.T("nav.loop")}, navItem{"/ratings", p.T("nav.ratings")}, navItem{"/reports/batch", p.T("nav.reports")}, navItem{"/admin/calendar", p.T("nav.calendar")})
	}
	if has[rbac.RoleTrainer] || has[rbac.RoleHR] || has[rbac.RoleAdmin] {
		n = append(n, navItem{"/modules", p.T("nav.modules")}, navItem{"/training", p.T("nav.training")}, navItem{"/items", p.T("nav.items")})
	}
	if has[rbac.RoleAdmin] {
		n = append(n,
			navItem{"/admin/users", p.T("nav.users")},
			navItem{"/admin/teams", p.T("nav.teams")},
			navItem{"/admin/staff", p.T("nav.staff")},
			navItem{"/admin/items", p.T("nav.admin_items")},
			navItem{"/admin/policies", p.T("nav.policies")},
			navItem{"/admin/tokens", p.T("nav.tokens")},
			navItem{"/admin/audit", p.T("nav.audit")},
		)
	}
	return n
}

func paramID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.NewError(fiber.StatusNotFound, "not found")
	}
	return id, nil
}
