package rbac_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/rbac"
)

// staffDoms are the domains a handler passes for staff member s of team t
// in center 1, narrowest first.
func staffDoms(s, t int64) []string {
	return []string{rbac.StaffDomain(s), rbac.TeamDomain(t), rbac.CenterDomain(1)}
}

func TestDecisions(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a := newAuthorizer(t, db)
		for _, g := range []rbac.Grant{
			{"user:7", rbac.RoleAdmin, "center:1"},
			{"user:8", rbac.RoleHR, "center:1"},
			{"user:9", rbac.RoleTeamLead, "team:5"},
			{"user:12", rbac.RoleEmployee, "staff:42"},
			{"user:20", rbac.RoleTrainer, "center:1"},
			{"user:1", rbac.RoleAdmin, rbac.AnyDomain},
			{"token:3", rbac.RoleRatingFeed, "center:1"},
		} {
			if err := a.AddGrant(ctx, g); err != nil {
				t.Fatalf("AddGrant(%v): %v", g, err)
			}
		}
		// A single-method list, to check that "(GET)" does not allow POST.
		if err := a.AddPolicy(ctx, rbac.Policy{Role: rbac.RoleTrainer, Domain: "center:*", Object: "/quizzes/:id", Action: "(GET)"}); err != nil {
			t.Fatal(err)
		}

		c1 := []string{"center:1"}
		tests := []struct {
			name    string
			sub     string
			domains []string
			obj     string
			act     string
			want    bool
		}{
			{"admin in own center", "user:7", c1, "/admin/*", "GET", true},
			{"admin posts admin page", "user:7", c1, "/admin/users/:id", "POST", true},
			{"admin in other center", "user:7", []string{"center:2"}, "/admin/*", "GET", false},
			{"admin DELETE not listed", "user:7", c1, "/admin/users/:id", "DELETE", false},
			{"admin policies DELETE", "user:7", c1, "/api/v1/policies", "DELETE", true},
			{"admin policies PUT", "user:7", c1, "/api/v1/policies", "PUT", false},
			{"admin via staff chain", "user:7", staffDoms(42, 5), "/api/v1/staff/:id", "GET", true},

			{"lead own team member", "user:9", staffDoms(42, 5), "/api/v1/staff/:id", "GET", true},
			{"lead other team member", "user:9", staffDoms(43, 6), "/api/v1/staff/:id", "GET", false},
			{"lead may not list all staff", "user:9", staffDoms(42, 5), "/api/v1/staff", "GET", false},
			{"lead may not write", "user:9", staffDoms(42, 5), "/api/v1/staff/:id", "POST", false},

			{"employee self", "user:12", staffDoms(42, 5), "/api/v1/staff/:id", "GET", true},
			{"employee colleague", "user:12", staffDoms(43, 5), "/api/v1/staff/:id", "GET", false},
			{"employee team page", "user:12", staffDoms(42, 5), "/teams/:id", "GET", false},

			{"hr any staff in center", "user:8", staffDoms(43, 6), "/api/v1/staff/:id", "GET", true},
			{"hr not admin", "user:8", c1, "/admin/*", "GET", false},
			{"hr other center", "user:8", []string{"staff:99", "team:9", "center:2"}, "/staff/:id", "GET", false},

			{"authenticated home", "user:999", c1, "/", "GET", true},
			{"authenticated me", "user:999", []string{"staff:1"}, "/api/v1/me", "GET", true},
			{"authenticated password POST", "user:999", c1, "/account/password", "POST", true},
			{"authenticated not token", "token:3", c1, "/api/v1/me", "GET", false},
			{"authenticated not token home", "token:3", c1, "/", "GET", false},

			{"anchored: GETX", "user:999", c1, "/", "GETX", false},
			{"anchored: XGET", "user:999", c1, "/", "XGET", false},
			{"anchored: POST on GET", "user:999", c1, "/", "POST", false},
			{"anchored: (GET) allows GET", "user:20", c1, "/quizzes/:id", "GET", true},
			{"anchored: (GET) refuses POST", "user:20", c1, "/quizzes/:id", "POST", false},
			{"anchored: list member prefix", "user:7", c1, "/admin/*", "GE", false},

			{"unknown route", "user:7", c1, "/nowhere", "GET", false},
			{"admin prefix without slash", "user:7", c1, "/admin", "GET", false},
			{"concrete path is not a pattern", "user:12", staffDoms(42, 5), "/api/v1/staff/42/extra", "GET", false},

			{"global admin any center", "user:1", []string{"center:77"}, "/admin/*", "POST", true},
			{"global admin through chain", "user:1", staffDoms(43, 6), "/api/v1/staff/:id", "GET", true},
			{"global admin only center policies", "user:1", []string{"team:5"}, "/teams/:id", "GET", false},

			{"no domains", "user:7", nil, "/admin/*", "GET", false},
			{"role name as subject", rbac.RoleAdmin, c1, "/admin/*", "GET", false},
			{"pseudo-role as subject", rbac.Authenticated, c1, "/", "GET", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				// Twice: the second answer comes from the decision cache.
				for range 2 {
					if got := mustCan(t, a, tt.sub, tt.domains, tt.obj, tt.act); got != tt.want {
						t.Fatalf("Can(%s, %v, %s, %s) = %v, want %v", tt.sub, tt.domains, tt.obj, tt.act, got, tt.want)
					}
				}
			})
		}
	})
}

// A rating feed token may only post ratings: every other route and method
// of the default policy set, in every kind of domain, is refused.
func TestRatingFeedDeniedByDefault(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		a := newAuthorizer(t, db)
		if err := a.AddGrant(context.Background(), rbac.Grant{Subject: "token:3", Role: rbac.RoleRatingFeed, Domain: "center:1"}); err != nil {
			t.Fatal(err)
		}
		if !mustCan(t, a, "token:3", []string{"center:1"}, "/api/v1/ratings", "POST") {
			t.Error("token:3 may not POST /api/v1/ratings, want allowed")
		}
		for _, p := range rbac.DefaultPolicies() {
			if p.Role == rbac.RoleRatingFeed {
				continue
			}
			for _, m := range strings.Split(strings.Trim(p.Action, "()"), "|") {
				if mustCan(t, a, "token:3", staffDoms(42, 5), p.Object, m) {
					t.Errorf("token:3 may %s %s, want denied", m, p.Object)
				}
			}
		}
	})
}

func TestDefaultPoliciesLoaded(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		a := newAuthorizer(t, db)
		want := rbac.DefaultPolicies()
		slices.SortFunc(want, func(x, y rbac.Policy) int {
			return cmp.Or(strings.Compare(x.Role, y.Role), strings.Compare(x.Domain, y.Domain),
				strings.Compare(x.Object, y.Object), strings.Compare(x.Action, y.Action))
		})
		got := a.Policies()
		if !slices.Equal(got, want) {
			t.Fatalf("Policies() =\n%v\nwant\n%v", got, want)
		}
		// Every default policy passes validation, so an admin can re-add
		// one through the API; re-adding is a no-op that bumps nothing.
		rev := revision(t, db)
		for _, p := range rbac.DefaultPolicies() {
			if err := a.AddPolicy(context.Background(), p); err != nil {
				t.Errorf("AddPolicy(%v): %v", p, err)
			}
		}
		if got := revision(t, db); got != rev {
			t.Errorf("revision after no-op adds = %d, want %d", got, rev)
		}
	})
}

// Every change is visible to the very next Can, although the same decision
// was cached just before.
func TestChangeVisibleImmediately(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a := newAuthorizer(t, db)
		lead := rbac.Grant{Subject: "user:9", Role: rbac.RoleTeamLead, Domain: "team:5"}
		pol := rbac.Policy{Role: rbac.RoleTeamLead, Domain: "team:*", Object: "/api/v1/staff/:id", Action: "GET"}
		can := func() bool { return mustCan(t, a, "user:9", staffDoms(42, 5), "/api/v1/staff/:id", "GET") }
		steps := []struct {
			name string
			do   func() error
			want bool
		}{
			{"before grant", func() error { return nil }, false},
			{"AddGrant", func() error { return a.AddGrant(ctx, lead) }, true},
			{"RemovePolicy", func() error { return a.RemovePolicy(ctx, pol) }, false},
			{"AddPolicy", func() error { return a.AddPolicy(ctx, pol) }, true},
			{"RemoveGrant", func() error { return a.RemoveGrant(ctx, lead) }, false},
			{"AddGrant again", func() error { return a.AddGrant(ctx, lead) }, true},
			{"RemoveSubject", func() error { return a.RemoveSubject(ctx, "user:9") }, false},
		}
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			// The first call fills the cache, the second reads it.
			if got := can(); got != s.want {
				t.Fatalf("after %s: Can = %v, want %v", s.name, got, s.want)
			}
			if got := can(); got != s.want {
				t.Fatalf("after %s, cached: Can = %v, want %v", s.name, got, s.want)
			}
		}
	})
}

func TestGrantsAndHolders(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a := newAuthorizer(t, db)
		for _, g := range []rbac.Grant{
			{"user:9", rbac.RoleTeamLead, "team:6"},
			{"user:9", rbac.RoleTeamLead, "team:5"},
			{"user:9", rbac.RoleEmployee, "staff:9"},
			{"user:10", rbac.RoleTeamLead, "team:5"},
			{"user:1", rbac.RoleTeamLead, rbac.AnyDomain},
		} {
			if err := a.AddGrant(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		wantGrants := []rbac.Grant{
			{"user:9", rbac.RoleEmployee, "staff:9"},
			{"user:9", rbac.RoleTeamLead, "team:5"},
			{"user:9", rbac.RoleTeamLead, "team:6"},
		}
		if got := a.Grants("user:9"); !slices.Equal(got, wantGrants) {
			t.Errorf("Grants(user:9) = %v, want %v", got, wantGrants)
		}
		if got := a.Grants("user:404"); len(got) != 0 {
			t.Errorf("Grants(user:404) = %v, want none", got)
		}
		if got, want := a.Holders(rbac.RoleTeamLead, "team:5"), []string{"user:10", "user:9"}; !slices.Equal(got, want) {
			t.Errorf("Holders(team_lead, team:5) = %v, want %v (exact domain, no * holder)", got, want)
		}
		if err := a.RemoveSubject(ctx, "user:9"); err != nil {
			t.Fatal(err)
		}
		if got := a.Grants("user:9"); len(got) != 0 {
			t.Errorf("Grants after RemoveSubject = %v, want none", got)
		}
		if got, want := newAuthorizer(t, db).Holders(rbac.RoleTeamLead, "team:5"), []string{"user:10"}; !slices.Equal(got, want) {
			t.Errorf("stored Holders after RemoveSubject = %v, want %v", got, want)
		}
	})
}

func TestPersistence(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a := newAuthorizer(t, db)
		g := rbac.Grant{Subject: "user:7", Role: rbac.RoleAdmin, Domain: "center:1"}
		rev := revision(t, db)
		if err := a.AddGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
		if got := revision(t, db); got != rev+1 {
			t.Errorf("revision after AddGrant = %d, want %d", got, rev+1)
		}
		// Idempotent: no error, no duplicate row, no bump.
		if err := a.AddGrant(ctx, g); err != nil {
			t.Fatalf("second AddGrant: %v", err)
		}
		if got := revision(t, db); got != rev+1 {
			t.Errorf("revision after repeated AddGrant = %d, want %d", got, rev+1)
		}
		b := newAuthorizer(t, db)
		if got := b.Grants("user:7"); !slices.Equal(got, []rbac.Grant{g}) {
			t.Errorf("second Authorizer Grants = %v, want [%v]", got, g)
		}
		if !mustCan(t, b, "user:7", []string{"center:1"}, "/admin/*", "GET") {
			t.Error("second Authorizer denies the stored grant")
		}

		p := rbac.Policy{Role: rbac.RoleHR, Domain: "center:*", Object: "/reports/:id", Action: "(GET|POST)"}
		if err := a.AddPolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(newAuthorizer(t, db).Policies(), p) {
			t.Errorf("stored policies miss %v", p)
		}
		if err := a.RemovePolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := a.RemovePolicy(ctx, p); err != nil {
			t.Fatalf("second RemovePolicy: %v", err)
		}
		if err := a.RemoveGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
		if err := a.RemoveGrant(ctx, g); err != nil {
			t.Fatalf("second RemoveGrant: %v", err)
		}
		c := newAuthorizer(t, db)
		if slices.Contains(c.Policies(), p) || len(c.Grants("user:7")) != 0 {
			t.Error("removed policy or grant is still stored")
		}
		if got := revision(t, db); got != rev+4 {
			t.Errorf("revision = %d, want %d (two adds, two removes; repeats bump nothing)", got, rev+4)
		}
	})
}

func TestWriteGrantsAndRefresh(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a := newAuthorizer(t, db)
		grants := []rbac.Grant{
			{"user:12", rbac.RoleEmployee, "staff:42"},
			{"user:9", rbac.RoleTeamLead, "team:5"},
		}
		canSelf := func() bool { return mustCan(t, a, "user:12", staffDoms(42, 5), "/api/v1/staff/:id", "GET") }
		if canSelf() {
			t.Fatal("allowed before any grant")
		}
		rev := revision(t, db)

		// Rolled back: nothing stays, not even the revision bump.
		errRollback := errors.New("roll back")
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := rbac.WriteGrants(ctx, tx, grants); err != nil {
				return err
			}
			if got := revision(t, tx); got != rev+1 {
				t.Errorf("revision inside tx = %d, want %d", got, rev+1)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("RunInTx: %v", err)
		}
		if got := revision(t, db); got != rev {
			t.Errorf("revision after rollback = %d, want %d", got, rev)
		}
		if err := a.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if canSelf() || len(newAuthorizer(t, db).Grants("user:12")) != 0 {
			t.Fatal("rolled-back grant is visible")
		}

		// Committed: a repeated grant does not abort the transaction (which
		// PostgreSQL would do on a unique violation), and the in-memory copy
		// only changes on Refresh.
		err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := rbac.WriteGrants(ctx, tx, grants); err != nil {
				return err
			}
			if err := rbac.WriteGrants(ctx, tx, grants[:1]); err != nil {
				return err
			}
			return revisionErr(ctx, tx, rev+1)
		})
		if err != nil {
			t.Fatal(err)
		}
		if canSelf() {
			t.Fatal("WriteGrants changed the in-memory copy before Refresh")
		}
		if err := a.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if !canSelf() {
			t.Fatal("Refresh did not pick up the committed grant")
		}
		if err := a.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if got := revision(t, db); got != rev+1 {
			t.Errorf("revision after refreshes = %d, want %d", got, rev+1)
		}
		if !canSelf() {
			t.Fatal("second Refresh lost the grant")
		}
	})
}

// revisionErr checks the revision inside a transaction, as an error so the
// transaction body can return it.
func revisionErr(ctx context.Context, db bun.IDB, want int64) error {
	var rev int64
	if err := db.NewSelect().Table("policy_revision").Column("rev").Where("id = 1").Scan(ctx, &rev); err != nil {
		return err
	}
	if rev != want {
		return fmt.Errorf("revision = %d, want %d", rev, want)
	}
	return nil
}

// Two instances write; each must end up seeing the other's change. The
// second writer's own bump skips a revision, so it must not believe it is
// current.
func TestRefreshAfterInterleavedWrites(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a, b := newAuthorizer(t, db), newAuthorizer(t, db)
		ga := rbac.Grant{Subject: "user:7", Role: rbac.RoleAdmin, Domain: "center:1"}
		gb := rbac.Grant{Subject: "user:8", Role: rbac.RoleHR, Domain: "center:1"}
		if err := a.AddGrant(ctx, ga); err != nil {
			t.Fatal(err)
		}
		if err := b.AddGrant(ctx, gb); err != nil {
			t.Fatal(err)
		}
		for name, x := range map[string]*rbac.Authorizer{"a": a, "b": b} {
			if err := x.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if len(x.Grants(ga.Subject)) != 1 || len(x.Grants(gb.Subject)) != 1 {
				t.Errorf("%s after Refresh: Grants = %v and %v, want one each", name, x.Grants(ga.Subject), x.Grants(gb.Subject))
			}
		}
	})
}

func TestWatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		a := newAuthorizer(t, db)
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.Watch(ctx, 5*time.Millisecond, func(err error) { t.Errorf("Watch: %v", err) })
		}()
		defer func() { cancel(); <-done }()

		if err := rbac.WriteGrants(ctx, db, []rbac.Grant{{"user:7", rbac.RoleAdmin, "center:1"}}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !mustCan(t, a, "user:7", []string{"center:1"}, "/admin/*", "GET") {
			if time.Now().After(deadline) {
				t.Fatal("Watch did not pick up the grant within 10s")
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

func TestValidation(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		a := newAuthorizer(t, db)
		valid := rbac.Policy{Role: rbac.RoleHR, Domain: "center:*", Object: "/x", Action: "GET"}
		grants := []struct {
			name string
			g    rbac.Grant
		}{
			{"unknown role", rbac.Grant{"user:7", "root", "center:1"}},
			{"pseudo-role", rbac.Grant{"user:7", rbac.Authenticated, "center:1"}},
			{"empty role", rbac.Grant{"user:7", "", "center:1"}},
			{"bad domain kind", rbac.Grant{"user:7", rbac.RoleAdmin, "city:1"}},
			{"domain pattern", rbac.Grant{"user:7", rbac.RoleAdmin, "center:*"}},
			{"domain id zero", rbac.Grant{"user:7", rbac.RoleAdmin, "center:0"}},
			{"domain id not canonical", rbac.Grant{"user:7", rbac.RoleAdmin, "center:01"}},
			{"empty domain", rbac.Grant{"user:7", rbac.RoleAdmin, ""}},
			{"empty subject", rbac.Grant{"", rbac.RoleAdmin, "center:1"}},
			{"bad subject", rbac.Grant{"alice", rbac.RoleAdmin, "center:1"}},
		}
		for _, tt := range grants {
			t.Run("grant "+tt.name, func(t *testing.T) {
				if err := a.AddGrant(ctx, tt.g); !errors.Is(err, rbac.ErrInvalid) {
					t.Errorf("AddGrant(%v) = %v, want ErrInvalid", tt.g, err)
				}
				if err := rbac.WriteGrants(ctx, db, []rbac.Grant{{"user:1", rbac.RoleHR, "center:1"}, tt.g}); !errors.Is(err, rbac.ErrInvalid) {
					t.Errorf("WriteGrants(%v) = %v, want ErrInvalid", tt.g, err)
				}
			})
		}
		policies := []struct {
			name string
			edit func(p *rbac.Policy)
		}{
			{"empty role", func(p *rbac.Policy) { p.Role = "" }},
			{"unknown role", func(p *rbac.Policy) { p.Role = "root" }},
			{"bad domain", func(p *rbac.Policy) { p.Domain = "center" }},
			{"bad domain pattern", func(p *rbac.Policy) { p.Domain = "cent*" }},
			{"object not a path", func(p *rbac.Policy) { p.Object = "admin/*" }},
			{"empty object", func(p *rbac.Policy) { p.Object = "" }},
			{"action does not compile", func(p *rbac.Policy) { p.Action = "(GET" }},
			{"action regex", func(p *rbac.Policy) { p.Action = ".*" }},
			{"action lower case", func(p *rbac.Policy) { p.Action = "get" }},
			{"action unknown method", func(p *rbac.Policy) { p.Action = "(GET|FETCH)" }},
			{"action list without parentheses", func(p *rbac.Policy) { p.Action = "GET|POST" }},
			{"empty action", func(p *rbac.Policy) { p.Action = "" }},
			{"empty list", func(p *rbac.Policy) { p.Action = "()" }},
		}
		for _, tt := range policies {
			t.Run("policy "+tt.name, func(t *testing.T) {
				p := valid
				tt.edit(&p)
				if err := a.AddPolicy(ctx, p); !errors.Is(err, rbac.ErrInvalid) {
					t.Errorf("AddPolicy(%v) = %v, want ErrInvalid", p, err)
				}
			})
		}
		if err := a.RemoveSubject(ctx, ""); !errors.Is(err, rbac.ErrInvalid) {
			t.Errorf("RemoveSubject(\"\") = %v, want ErrInvalid", err)
		}
		// Nothing invalid reached the database.
		if got := revision(t, db); got != 1 {
			t.Errorf("revision = %d, want 1", got)
		}
		for _, p := range []rbac.Policy{
			valid,
			{rbac.Authenticated, "*", "/help", "(GET|HEAD)"},
			{rbac.RoleAdmin, "center:3", "/admin/*", "(GET|POST|PUT|PATCH|DELETE)"},
			{rbac.RoleEmployee, "staff:*", "/my/:id", "(GET)"},
		} {
			if err := a.AddPolicy(ctx, p); err != nil {
				t.Errorf("AddPolicy(%v) = %v, want nil", p, err)
			}
		}
	})
}

func TestParseDomain(t *testing.T) {
	tests := []struct {
		in   string
		kind string
		id   int64
		ok   bool
	}{
		{"team:5", rbac.KindTeam, 5, true},
		{"center:1", rbac.KindCenter, 1, true},
		{"staff:9223372036854775807", rbac.KindStaff, 9223372036854775807, true},
		{"team:*", "", 0, false},
		{"*", "", 0, false},
		{"team:", "", 0, false},
		{"team:0", "", 0, false},
		{"team:-5", "", 0, false},
		{"team:+5", "", 0, false},
		{"team:05", "", 0, false},
		{"team:5x", "", 0, false},
		{"Team:5", "", 0, false},
		{"user:5", "", 0, false},
		{"", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			kind, id, err := rbac.ParseDomain(tt.in)
			if tt.ok {
				if err != nil || kind != tt.kind || id != tt.id {
					t.Errorf("ParseDomain(%q) = %q, %d, %v; want %q, %d, nil", tt.in, kind, id, err, tt.kind, tt.id)
				}
				return
			}
			if !errors.Is(err, rbac.ErrInvalid) {
				t.Errorf("ParseDomain(%q) error = %v, want ErrInvalid", tt.in, err)
			}
		})
	}
}

func TestNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{rbac.UserSubject(7), "user:7"},
		{rbac.TokenSubject(3), "token:3"},
		{rbac.CenterDomain(1), "center:1"},
		{rbac.TeamDomain(5), "team:5"},
		{rbac.StaffDomain(42), "staff:42"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	want := []string{"employee", "team_lead", "trainer", "hr", "admin", "rating_feed", "monitor"}
	if got := rbac.Roles(); !slices.Equal(got, want) {
		t.Errorf("Roles() = %v, want %v", got, want)
	}
	for _, r := range want {
		if !rbac.ValidRole(r) {
			t.Errorf("ValidRole(%q) = false", r)
		}
	}
	for _, r := range []string{"", "authenticated", "Admin", "root"} {
		if rbac.ValidRole(r) {
			t.Errorf("ValidRole(%q) = true", r)
		}
	}
}

// A stored row the model cannot hold stops New instead of being skipped.
func TestNewRefusesUnknownRows(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		row := &casbinRule{Ptype: "g2", V0: "a", V1: "b"}
		if _, err := db.NewInsert().Model(row).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := rbac.New(context.Background(), db); err == nil {
			t.Fatal("New accepted a g2 row")
		}
	})
}

// The adapter also works under casbin's own Enforcer with auto-save:
// what one enforcer writes, a fresh one loads, and each write bumps the
// revision.
func TestAdapterWithCasbin(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		newEnforcer := func() *casbin.Enforcer {
			m, err := rbac.NewModel()
			if err != nil {
				t.Fatal(err)
			}
			e, err := casbin.NewEnforcer(m, rbac.NewAdapter(db))
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		e := newEnforcer()
		rev := revision(t, db)
		if _, err := e.AddGroupingPolicies([][]string{{"user:7", "admin", "center:1"}, {"user:8", "hr", "center:1"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.AddPolicy("hr", "center:*", "/reports", "GET"); err != nil {
			t.Fatal(err)
		}
		if got := revision(t, db); got != rev+2 {
			t.Errorf("revision = %d, want %d", got, rev+2)
		}
		ok, err := newEnforcer().Enforce("user:8", "center:1", "/reports", "GET")
		if err != nil || !ok {
			t.Fatalf("fresh enforcer Enforce = %v, %v; want true", ok, err)
		}
		if _, err := e.RemoveFilteredGroupingPolicy(1, "hr"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.RemovePolicies([][]string{{"hr", "center:*", "/reports", "GET"}}); err != nil {
			t.Fatal(err)
		}
		f := newEnforcer()
		g, _ := f.GetGroupingPolicy()
		if want := [][]string{{"user:7", "admin", "center:1"}}; !slices.EqualFunc(g, want, slices.Equal) {
			t.Errorf("stored g = %v, want %v", g, want)
		}
		if ok, _ := f.HasPolicy("hr", "center:*", "/reports", "GET"); ok {
			t.Error("removed policy still stored")
		}
		// SavePolicy replaces everything with the enforcer's copy.
		if _, err := e.AddGroupingPolicy("user:9", "team_lead", "team:5"); err != nil {
			t.Fatal(err)
		}
		e.ClearPolicy()
		if _, err := e.AddPolicy("admin", "center:*", "/only", "GET"); err != nil {
			t.Fatal(err)
		}
		if err := e.SavePolicy(); err != nil {
			t.Fatal(err)
		}
		a := newAuthorizer(t, db)
		if got, want := a.Policies(), []rbac.Policy{{"admin", "center:*", "/only", "GET"}}; !slices.Equal(got, want) {
			t.Errorf("after SavePolicy Policies() = %v, want %v", got, want)
		}
		if got := a.Grants("user:9"); len(got) != 0 {
			t.Errorf("after SavePolicy Grants(user:9) = %v, want none", got)
		}
	})
}

// Run with -race: decisions go on while policies and grants change, and
// the decisions the changes do not touch never flip.
func TestConcurrentCanAndChanges(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a := newAuthorizer(t, db)
		for _, g := range []rbac.Grant{
			{"user:12", rbac.RoleEmployee, "staff:42"},
			{"user:9", rbac.RoleTeamLead, "team:5"},
		} {
			if err := a.AddGrant(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		churn := rbac.Policy{Role: rbac.RoleEmployee, Domain: "staff:*", Object: "/churn/:id", Action: "GET"}

		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					s := int64(40 + (w+i)%5)
					self, err := a.Can("user:12", staffDoms(s, 5), "/api/v1/staff/:id", "GET")
					if err != nil {
						t.Error(err)
						return
					}
					if self != (s == 42) {
						t.Errorf("employee on staff:%d = %v", s, self)
						return
					}
					if _, err := a.Can("user:12", staffDoms(42, 5), churn.Object, "GET"); err != nil {
						t.Error(err)
						return
					}
					_ = a.Grants("user:12")
					_ = a.Policies()
				}
			}()
		}
		for i := range 20 {
			if err := a.AddPolicy(ctx, churn); err != nil {
				t.Fatal(err)
			}
			g := rbac.Grant{Subject: rbac.UserSubject(int64(100 + i)), Role: rbac.RoleHR, Domain: "center:1"}
			if err := a.AddGrant(ctx, g); err != nil {
				t.Fatal(err)
			}
			if !mustCan(t, a, "user:12", staffDoms(42, 5), churn.Object, "GET") {
				t.Fatal("added policy not visible")
			}
			if err := a.RemovePolicy(ctx, churn); err != nil {
				t.Fatal(err)
			}
			if mustCan(t, a, "user:12", staffDoms(42, 5), churn.Object, "GET") {
				t.Fatal("removed policy still allows")
			}
			if err := a.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
		}
		cancel()
		wg.Wait()
	})
}

// A policy that breaks the matcher (written behind the API's back) makes
// the decisions that reach it fail loudly instead of allowing or denying.
func TestCanReportsEngineErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()
		row := &casbinRule{Ptype: "p", V0: rbac.RoleHR, V1: "center:*", V2: "/broken", V3: "(GET"}
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		a := newAuthorizer(t, db)
		if err := a.AddGrant(ctx, rbac.Grant{Subject: "user:8", Role: rbac.RoleHR, Domain: "center:1"}); err != nil {
			t.Fatal(err)
		}
		if ok, err := a.Can("user:8", []string{"center:1"}, "/broken", "GET"); err == nil || ok {
			t.Errorf("Can on a broken policy = %v, %v; want false and an error", ok, err)
		}
		// Decisions that never reach the broken rule are unaffected.
		if !mustCan(t, a, "user:8", []string{"center:1"}, "/center", "GET") {
			t.Error("hr denied /center")
		}
	})
}
