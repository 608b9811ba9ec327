// Package rbac decides who may do what: casbin RBAC with domains, deny by
// default, with the policy kept in the database (table casbin_rule) and
// editable at runtime.
//
// A request is (subject, domain, object, action): subject "user:7" or
// "token:3"; domain "center:1", "team:5" or "staff:42"; object a route
// pattern such as "/api/v1/staff/:id" (never a concrete path, so the
// decision cache stays bounded); action an HTTP method. Roles are granted
// per domain (g rows); policies (p rows) name a role, a domain pattern, an
// object pattern and a method list. The package knows nothing of HTTP.
package rbac

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Role names. A role only has the rights its policies give it in the domain
// it is granted in.
const (
	// RoleEmployee is granted in a staff:<id> domain: the person's own records.
	RoleEmployee = "employee"
	// RoleTeamLead is granted in a team:<id> domain, once per led team.
	RoleTeamLead = "team_lead"
	// RoleTrainer is granted in a center:<id> domain.
	RoleTrainer = "trainer"
	// RoleHR is granted in a center:<id> domain.
	RoleHR = "hr"
	// RoleAdmin is granted in a center:<id> domain, or in "*" for a global
	// superuser.
	RoleAdmin = "admin"
	// RoleRatingFeed is granted to API tokens that push citizen ratings.
	RoleRatingFeed = "rating_feed"
	// RoleMonitor is granted to API tokens of a monitoring system: it may
	// read /metrics and nothing else.
	RoleMonitor = "monitor"
)

// Authenticated is the pseudo-role of policies that apply to every user:
// subject without any grant (the model matches it; it cannot be granted).
const Authenticated = "authenticated"

// Domain kinds, the part of a domain before the colon.
const (
	KindCenter = "center"
	KindTeam   = "team"
	KindStaff  = "staff"
)

// AnyDomain is the grant domain of a global role: the model checks grants
// in "*" in every domain. As a policy domain it also matches every domain.
const AnyDomain = "*"

// ErrInvalid is wrapped by every validation error (unknown role, bad
// domain, empty field, bad action); test with errors.Is.
var ErrInvalid = errors.New("rbac: invalid")

// Roles returns the grantable roles, always in the same order (for forms
// and listings).
func Roles() []string {
	return []string{RoleEmployee, RoleTeamLead, RoleTrainer, RoleHR, RoleAdmin, RoleRatingFeed, RoleMonitor}
}

// ValidRole reports whether r is one of Roles().
func ValidRole(r string) bool {
	switch r {
	case RoleEmployee, RoleTeamLead, RoleTrainer, RoleHR, RoleAdmin, RoleRatingFeed, RoleMonitor:
		return true
	}
	return false
}

// UserSubject is the subject of a person: "user:7".
func UserSubject(id int64) string { return "user:" + strconv.FormatInt(id, 10) }

// TokenSubject is the subject of an API token: "token:3".
func TokenSubject(id int64) string { return "token:" + strconv.FormatInt(id, 10) }

// CenterDomain is the domain of a service center: "center:1".
func CenterDomain(id int64) string { return KindCenter + ":" + strconv.FormatInt(id, 10) }

// TeamDomain is the domain of a team: "team:5".
func TeamDomain(id int64) string { return KindTeam + ":" + strconv.FormatInt(id, 10) }

// StaffDomain is the domain of one staff member: "staff:42".
func StaffDomain(id int64) string { return KindStaff + ":" + strconv.FormatInt(id, 10) }

// ParseDomain splits a concrete domain: ParseDomain("team:5") returns
// ("team", 5, nil). Anything else (a pattern, "*", an unknown kind, an id
// that is not a positive integer in canonical form) wraps ErrInvalid.
func ParseDomain(d string) (kind string, id int64, err error) {
	kind, rest, ok := strings.Cut(d, ":")
	if !ok || (kind != KindCenter && kind != KindTeam && kind != KindStaff) {
		return "", 0, fmt.Errorf("%w: domain %q: want center:<id>, team:<id> or staff:<id>", ErrInvalid, d)
	}
	id, err = parseID(rest)
	if err != nil {
		return "", 0, fmt.Errorf("%w: domain %q: %w", ErrInvalid, d, err)
	}
	return kind, id, nil
}

// parseID accepts only the canonical spelling of a positive id, because
// domains and subjects are compared as strings: "team:05" would be a
// different domain from "team:5".
func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, fmt.Errorf("id %q is not a positive integer", s)
	}
	return id, nil
}

// Grant is a g row: Subject holds Role in Domain.
type Grant struct {
	Subject string
	Role    string
	Domain  string
}

// Policy is a p row: Role, in the domains matching Domain, may do Action on
// the routes matching Object.
type Policy struct {
	Role   string
	Domain string
	Object string
	Action string
}

// validSubject reports whether s is user:<id> or token:<id>, the only
// subjects a grant may name: a grant to anything else could never be used
// (Can refuses other subjects).
func validSubject(s string) bool {
	kind, rest, ok := strings.Cut(s, ":")
	if !ok || (kind != "user" && kind != "token") {
		return false
	}
	_, err := parseID(rest)
	return err == nil
}

// Validate checks a grant before it is stored: a grant that names an
// unknown role or a malformed domain would silently grant nothing.
func (g Grant) Validate() error {
	if !validSubject(g.Subject) {
		return fmt.Errorf("%w: grant subject %q: want user:<id> or token:<id>", ErrInvalid, g.Subject)
	}
	if !ValidRole(g.Role) {
		return fmt.Errorf("%w: grant role %q: want one of %s", ErrInvalid, g.Role, strings.Join(Roles(), ", "))
	}
	if g.Domain == AnyDomain {
		return nil
	}
	if _, _, err := ParseDomain(g.Domain); err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	return nil
}

func (g Grant) rule() []string { return []string{g.Subject, g.Role, g.Domain} }

// validAction reports whether action is one method name, or a parenthesised list
// such as (GET|POST). Anything richer (".*", or GET|POST without
// parentheses, which the matcher's anchors would split wrongly) is refused,
// so the regex the matcher builds is always a plain alternation.
func validAction(action string) bool {
	list := action
	if strings.HasPrefix(action, "(") && strings.HasSuffix(action, ")") {
		list = action[1 : len(action)-1]
	}
	names := strings.Split(list, "|")
	if len(names) > 1 && list == action {
		return false
	}
	for _, m := range names {
		switch m {
		case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		default:
			return false
		}
	}
	return true
}

// MaxObjectLen bounds a policy's object (a route pattern).
const MaxObjectLen = 256

// Validate checks a policy before it is stored. The matcher builds a regex
// from the action at every decision, so an action that does not compile
// would turn every decision that reaches it into an error.
func (p Policy) Validate() error {
	if p.Role != Authenticated && !ValidRole(p.Role) {
		return fmt.Errorf("%w: policy role %q: want %s or one of %s", ErrInvalid, p.Role, Authenticated, strings.Join(Roles(), ", "))
	}
	switch p.Domain {
	case AnyDomain, KindCenter + ":*", KindTeam + ":*", KindStaff + ":*":
	default:
		if _, _, err := ParseDomain(p.Domain); err != nil {
			return fmt.Errorf("policy: %w", err)
		}
	}
	if !strings.HasPrefix(p.Object, "/") {
		return fmt.Errorf("%w: policy object %q: want a route pattern starting with /", ErrInvalid, p.Object)
	}
	// Route patterns are short; the bound keeps a rule within what a
	// database index row can hold (PostgreSQL: 2704 bytes).
	if len(p.Object) > MaxObjectLen || strings.ContainsFunc(p.Object, unicode.IsControl) {
		return fmt.Errorf("%w: policy object: at most %d characters, no control characters", ErrInvalid, MaxObjectLen)
	}
	if !validAction(p.Action) {
		return fmt.Errorf("%w: policy action %q: want a method such as GET or a list such as (GET|POST)", ErrInvalid, p.Action)
	}
	// validAction already implies this; it stays so that widening
	// validAction can never let an action through that breaks the matcher.
	if _, err := regexp.Compile("^" + p.Action + "$"); err != nil {
		return fmt.Errorf("%w: policy action %q: %w", ErrInvalid, p.Action, err)
	}
	return nil
}

func (p Policy) rule() []string { return []string{p.Role, p.Domain, p.Object, p.Action} }

// DefaultPolicies returns the policy set the migrations seed (policies0001,
// policies0003, … in app/store/migrations), in the same order. It is a copy, because rbac must not import app: change both
// together (a new migration, never an edit of 0001).
func DefaultPolicies() []Policy {
	return []Policy{
		{Authenticated, "*", "/", "GET"},
		{Authenticated, "*", "/logout", "POST"},
		{Authenticated, "*", "/account/password", "(GET|POST)"},
		{Authenticated, "*", "/api/v1/logout", "POST"},
		{Authenticated, "*", "/api/v1/me", "GET"},

		{RoleEmployee, "staff:*", "/my", "GET"},
		{RoleEmployee, "staff:*", "/staff/:id", "GET"},
		{RoleEmployee, "staff:*", "/api/v1/staff/:id", "GET"},

		{RoleTeamLead, "team:*", "/teams/:id", "GET"},
		{RoleTeamLead, "team:*", "/staff/:id", "GET"},
		{RoleTeamLead, "team:*", "/api/v1/teams/:id/members", "GET"},
		{RoleTeamLead, "team:*", "/api/v1/staff/:id", "GET"},

		{RoleTrainer, "center:*", "/items", "GET"},

		{RoleHR, "center:*", "/center", "GET"},
		{RoleHR, "center:*", "/items", "GET"},
		{RoleHR, "center:*", "/teams/:id", "GET"},
		{RoleHR, "center:*", "/staff/:id", "GET"},
		{RoleHR, "center:*", "/api/v1/staff", "GET"},
		{RoleHR, "center:*", "/api/v1/staff/:id", "GET"},
		{RoleHR, "center:*", "/api/v1/teams/:id/members", "GET"},

		{RoleAdmin, "center:*", "/admin/*", "(GET|POST)"},
		{RoleAdmin, "center:*", "/center", "GET"},
		{RoleAdmin, "center:*", "/items", "GET"},
		{RoleAdmin, "center:*", "/teams/:id", "GET"},
		{RoleAdmin, "center:*", "/staff/:id", "GET"},
		{RoleAdmin, "center:*", "/api/v1/staff", "GET"},
		{RoleAdmin, "center:*", "/api/v1/staff/:id", "GET"},
		{RoleAdmin, "center:*", "/api/v1/teams/:id/members", "GET"},
		{RoleAdmin, "center:*", "/api/v1/policies", "(GET|POST|DELETE)"},

		// policies0003: training.
		{Authenticated, "*", "/modules/:code/assets/:name", "GET"},
		{RoleEmployee, "staff:*", "/enrolments/:id", "GET"},
		{RoleEmployee, "staff:*", "/enrolments/:id/standard", "GET"},
		{RoleEmployee, "staff:*", "/enrolments/:id/lessons/:lesson", "GET"},
		{RoleEmployee, "staff:*", "/enrolments/:id/lessons/:lesson/read", "POST"},
		{RoleEmployee, "staff:*", "/certificates/:id", "GET"},
		{RoleEmployee, "staff:*", "/notifications", "GET"},
		{RoleEmployee, "staff:*", "/notifications/:id/read", "POST"},
		{RoleTeamLead, "team:*", "/teams/:id/training", "GET"},
		{RoleTeamLead, "team:*", "/teams/:id/assign", "POST"},
		{RoleTeamLead, "team:*", "/enrolments/:id", "GET"},
		{RoleTeamLead, "team:*", "/enrolments/:id/standard", "GET"},
		{RoleTeamLead, "team:*", "/enrolments/:id/remind", "POST"},
		{RoleTeamLead, "team:*", "/certificates/:id", "GET"},
		{RoleTrainer, "center:*", "/modules", "(GET|POST)"},
		{RoleTrainer, "center:*", "/modules/:code", "GET"},
		{RoleTrainer, "center:*", "/modules/:code/*", "(GET|POST)"},
		{RoleTrainer, "center:*", "/training", "GET"},
		{RoleHR, "center:*", "/modules", "GET"},
		{RoleHR, "center:*", "/modules/:code", "GET"},
		{RoleHR, "center:*", "/modules/:code/versions/:n", "GET"},
		{RoleHR, "center:*", "/modules/:code/diff", "GET"},
		{RoleHR, "center:*", "/modules/:code/assign", "POST"},
		{RoleHR, "center:*", "/training", "GET"},
		{RoleHR, "center:*", "/teams/:id/training", "GET"},
		{RoleHR, "center:*", "/enrolments/:id", "GET"},
		{RoleHR, "center:*", "/enrolments/:id/standard", "GET"},
		{RoleHR, "center:*", "/certificates/:id", "GET"},
		{RoleAdmin, "center:*", "/modules", "GET"},
		{RoleAdmin, "center:*", "/modules/:code", "GET"},
		{RoleAdmin, "center:*", "/modules/:code/versions/:n", "GET"},
		{RoleAdmin, "center:*", "/modules/:code/diff", "GET"},
		{RoleAdmin, "center:*", "/modules/:code/approve", "POST"},
		{RoleAdmin, "center:*", "/modules/:code/reject", "POST"},
		{RoleAdmin, "center:*", "/training", "GET"},
		{RoleAdmin, "center:*", "/teams/:id/training", "GET"},
		{RoleAdmin, "center:*", "/enrolments/:id", "GET"},
		{RoleAdmin, "center:*", "/enrolments/:id/standard", "GET"},
		{RoleAdmin, "center:*", "/certificates/:id", "GET"},

		// policies0005: quizzes.
		{RoleEmployee, "staff:*", "/enrolments/:id/quiz", "GET"},
		{RoleEmployee, "staff:*", "/enrolments/:id/quiz/start", "POST"},
		{RoleEmployee, "staff:*", "/attempts/:id", "(GET|POST)"},
		{RoleEmployee, "staff:*", "/attempts/:id/review", "GET"},
		{RoleEmployee, "staff:*", "/api/v1/attempts/:id/answers", "POST"},
		{RoleTeamLead, "team:*", "/enrolments/:id/quiz", "GET"},
		{RoleTeamLead, "team:*", "/teams/:id/grading", "GET"},
		{RoleTeamLead, "team:*", "/essays/:id/grade", "POST"},
		{RoleHR, "center:*", "/modules/:code/quiz/stats", "GET"},
		{RoleHR, "center:*", "/enrolments/:id/quiz", "GET"},
		{RoleAdmin, "center:*", "/modules/:code/quiz/stats", "GET"},
		{RoleAdmin, "center:*", "/enrolments/:id/quiz", "GET"},

		// policies0006: a team's item analysis.
		{RoleTeamLead, "team:*", "/teams/:id/quiz-stats", "GET"},
		{RoleHR, "center:*", "/teams/:id/quiz-stats", "GET"},
		{RoleAdmin, "center:*", "/teams/:id/quiz-stats", "GET"},

		// policies0009: the rating feed.
		{RoleRatingFeed, "center:*", "/api/v1/ratings", "POST"},

		// policies0012: calendar, bad-rating cases and appeals, imports.
		{RoleHR, "center:*", "/admin/calendar", "(GET|POST)"},
		{RoleHR, "center:*", "/admin/calendar/import", "POST"},
		{RoleHR, "center:*", "/ratings", "GET"},
		{RoleAdmin, "center:*", "/ratings", "GET"},
		{RoleTeamLead, "team:*", "/teams/:id/ratings", "GET"},
		{RoleHR, "center:*", "/teams/:id/ratings", "GET"},
		{RoleAdmin, "center:*", "/teams/:id/ratings", "GET"},
		{RoleAdmin, "center:*", "/ratings/:id/personal", "POST"},
		{RoleTeamLead, "team:*", "/teams/:id/cases", "GET"},
		{RoleHR, "center:*", "/teams/:id/cases", "GET"},
		{RoleAdmin, "center:*", "/teams/:id/cases", "GET"},
		{RoleHR, "center:*", "/cases", "GET"},
		{RoleAdmin, "center:*", "/cases", "GET"},
		{RoleEmployee, "staff:*", "/cases/:id", "GET"},
		{RoleTeamLead, "team:*", "/cases/:id", "GET"},
		{RoleHR, "center:*", "/cases/:id", "GET"},
		{RoleAdmin, "center:*", "/cases/:id", "GET"},
		{RoleTeamLead, "team:*", "/cases/:id/step", "POST"},
		{RoleHR, "center:*", "/cases/:id/step", "POST"},
		{RoleAdmin, "center:*", "/cases/:id/step", "POST"},
		{RoleEmployee, "staff:*", "/ratings/:id/appeal", "POST"},
		{RoleEmployee, "staff:*", "/appeals/:id", "GET"},
		{RoleTeamLead, "team:*", "/appeals/:id", "GET"},
		{RoleHR, "center:*", "/appeals/:id", "GET"},
		{RoleAdmin, "center:*", "/appeals/:id", "GET"},
		{RoleTeamLead, "team:*", "/appeals/:id/decide", "POST"},
		{RoleHR, "center:*", "/appeals/:id/decide", "POST"},
		{RoleAdmin, "center:*", "/appeals/:id/decide", "POST"},
		{RoleEmployee, "staff:*", "/appeals/:id/evidence/:eid", "GET"},
		{RoleTeamLead, "team:*", "/appeals/:id/evidence/:eid", "GET"},
		{RoleHR, "center:*", "/appeals/:id/evidence/:eid", "GET"},
		{RoleAdmin, "center:*", "/appeals/:id/evidence/:eid", "GET"},
		{RoleHR, "center:*", "/scores", "GET"},
		{RoleAdmin, "center:*", "/scores", "GET"},
		{RoleHR, "center:*", "/scores/export", "GET"},
		{RoleAdmin, "center:*", "/scores/export", "GET"},
		{RoleHR, "center:*", "/scores/issue", "POST"},
		{RoleAdmin, "center:*", "/scores/issue", "POST"},
		{RoleTeamLead, "team:*", "/teams/:id/scores", "GET"},
		{RoleHR, "center:*", "/teams/:id/scores", "GET"},
		{RoleAdmin, "center:*", "/teams/:id/scores", "GET"},
		{RoleTeamLead, "team:*", "/teams/:id/scores/export", "GET"},
		{RoleHR, "center:*", "/teams/:id/scores/export", "GET"},
		{RoleAdmin, "center:*", "/teams/:id/scores/export", "GET"},
		{RoleEmployee, "staff:*", "/staff/:id/scores", "GET"},
		{RoleTeamLead, "team:*", "/staff/:id/scores", "GET"},
		{RoleHR, "center:*", "/staff/:id/scores", "GET"},
		{RoleAdmin, "center:*", "/staff/:id/scores", "GET"},
		{RoleEmployee, "staff:*", "/api/v1/staff/:no/scores", "GET"},
		{RoleTeamLead, "team:*", "/api/v1/staff/:no/scores", "GET"},
		{RoleHR, "center:*", "/api/v1/staff/:no/scores", "GET"},
		{RoleAdmin, "center:*", "/api/v1/staff/:no/scores", "GET"},
		{RoleHR, "center:*", "/admin/scoring", "(GET|POST)"},
		{RoleHR, "center:*", "/loop", "GET"},
		{RoleAdmin, "center:*", "/loop", "GET"},
		{RoleTeamLead, "team:*", "/teams/:id/loop", "GET"},
		{RoleHR, "center:*", "/teams/:id/loop", "GET"},
		{RoleAdmin, "center:*", "/teams/:id/loop", "GET"},

		// policies0013: report PDFs, verification, batch jobs.
		{RoleEmployee, "staff:*", "/api/v1/staff/:no/report.pdf", "GET"},
		{RoleTeamLead, "team:*", "/api/v1/staff/:no/report.pdf", "GET"},
		{RoleHR, "center:*", "/api/v1/staff/:no/report.pdf", "GET"},
		{RoleAdmin, "center:*", "/api/v1/staff/:no/report.pdf", "GET"},
		{RoleTeamLead, "team:*", "/api/v1/teams/:id/report.pdf", "GET"},
		{RoleHR, "center:*", "/api/v1/teams/:id/report.pdf", "GET"},
		{RoleHR, "center:*", "/api/v1/center/report.pdf", "GET"},
		{RoleAdmin, "center:*", "/api/v1/center/report.pdf", "GET"},
		{RoleEmployee, "staff:*", "/certificates/:id/pdf", "GET"},
		{RoleTeamLead, "team:*", "/certificates/:id/pdf", "GET"},
		{RoleHR, "center:*", "/certificates/:id/pdf", "GET"},
		{RoleAdmin, "center:*", "/certificates/:id/pdf", "GET"},
		{RoleHR, "center:*", "/verify", "(GET|POST)"},
		{RoleAdmin, "center:*", "/verify", "(GET|POST)"},
		{RoleHR, "center:*", "/reports/batch", "(GET|POST)"},
		{RoleHR, "center:*", "/reports/batch/:id", "GET"},
		{RoleHR, "center:*", "/reports/batch/:id/zip", "GET"},
		{RoleHR, "center:*", "/ratings/import", "(GET|POST)"},
		{RoleAdmin, "center:*", "/ratings/import", "(GET|POST)"},
		{RoleHR, "center:*", "/ratings/import/:id", "GET"},
		{RoleAdmin, "center:*", "/ratings/import/:id", "GET"},
		{RoleHR, "center:*", "/ratings/import/:id/rejects", "GET"},
		{RoleAdmin, "center:*", "/ratings/import/:id/rejects", "GET"},

		// policies0015: Prometheus metrics (the profiler is under /admin/*).
		{RoleAdmin, "center:*", "/metrics", "GET"},
		{RoleMonitor, "center:*", "/metrics", "GET"},
	}
}
