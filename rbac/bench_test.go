package rbac_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/rbac"
)

// The benchmark population: one center, benchTeams teams, benchStaff staff
// members each with a user account and an employee grant, one lead per
// team, and a few center-wide roles. Decisions cycle over benchCycle
// distinct people so the decision cache holds a realistic number of keys.
const (
	benchStaff = 10_000
	benchTeams = 500
	benchCycle = 1_000

	benchLeadBase = 20_000 // user:20001… lead team 1…
	benchHR       = 30_001
	benchAdmin    = 30_002
	benchTrainer  = 30_003
)

func benchTeamOf(staff int64) int64 { return (staff-1)%benchTeams + 1 }

// benchDB is a SQLite database seeded like migration 0001 plus the
// benchmark population: 10,500 grants and the 29 default policies.
func benchDB(b *testing.B) *bun.DB {
	b.Helper()
	db := newSQLite(b)
	grants := make([]rbac.Grant, 0, benchStaff+benchTeams+3)
	for i := int64(1); i <= benchStaff; i++ {
		grants = append(grants, rbac.Grant{Subject: rbac.UserSubject(i), Role: rbac.RoleEmployee, Domain: rbac.StaffDomain(i)})
	}
	for t := int64(1); t <= benchTeams; t++ {
		grants = append(grants, rbac.Grant{Subject: rbac.UserSubject(benchLeadBase + t), Role: rbac.RoleTeamLead, Domain: rbac.TeamDomain(t)})
	}
	grants = append(grants,
		rbac.Grant{Subject: rbac.UserSubject(benchHR), Role: rbac.RoleHR, Domain: rbac.CenterDomain(1)},
		rbac.Grant{Subject: rbac.UserSubject(benchAdmin), Role: rbac.RoleAdmin, Domain: rbac.CenterDomain(1)},
		rbac.Grant{Subject: rbac.UserSubject(benchTrainer), Role: rbac.RoleTrainer, Domain: rbac.CenterDomain(1)},
	)
	if err := rbac.WriteGrants(context.Background(), db, grants); err != nil {
		b.Fatal(err)
	}
	return db
}

// benchRequest is one Can call, built before the timer starts.
type benchRequest struct {
	sub     string
	domains []string
	want    bool
}

const benchObj, benchAct = "/api/v1/staff/:id", "GET"

// benchRequests returns benchCycle requests of one kind.
func benchRequests(kind string) []benchRequest {
	reqs := make([]benchRequest, benchCycle)
	for k := range reqs {
		staff := int64(k*(benchStaff/benchCycle) + 1) // spread over all staff and teams
		team := benchTeamOf(staff)
		doms := []string{rbac.StaffDomain(staff), rbac.TeamDomain(team), rbac.CenterDomain(1)}
		switch kind {
		case "employee_self":
			reqs[k] = benchRequest{rbac.UserSubject(staff), doms, true}
		case "lead_other_team_denied":
			other := team%benchTeams + 1
			reqs[k] = benchRequest{rbac.UserSubject(benchLeadBase + other), doms, false}
		case "admin_center":
			reqs[k] = benchRequest{rbac.UserSubject(benchAdmin), doms, true}
		default:
			panic(kind)
		}
	}
	return reqs
}

func BenchmarkAuthorize(b *testing.B) {
	benchKinds := []string{"employee_self", "lead_other_team_denied", "admin_center"}
	db := benchDB(b)
	a := newAuthorizer(b, db)
	for _, kind := range benchKinds {
		reqs := benchRequests(kind)
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r := reqs[i%len(reqs)]
				ok, err := a.Can(r.sub, r.domains, benchObj, benchAct)
				if err != nil || ok != r.want {
					b.Fatalf("Can(%s, %v) = %v, %v; want %v", r.sub, r.domains, ok, err, r.want)
				}
			}
		})
	}

	// uncached: the same decisions through casbin's plain Enforcer, built
	// from the same embedded model with the same role-manager setup, and
	// loaded from the same database through the package's adapter
	// (Enforcer.LoadPolicy calls its LoadPolicy); no decision cache, no
	// locks. Domains are tried in order, as Can does.
	plain, err := rbac.NewPlainEnforcer(db)
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range benchKinds {
		reqs := benchRequests(kind)
		b.Run("uncached/"+kind, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r := reqs[i%len(reqs)]
				ok := false
				for _, d := range r.domains {
					allowed, err := plain.Enforce(r.sub, d, benchObj, benchAct)
					if err != nil {
						b.Fatal(err)
					}
					if allowed {
						ok = true
						break
					}
				}
				if ok != r.want {
					b.Fatalf("Enforce(%s, %v) = %v, want %v", r.sub, r.domains, ok, r.want)
				}
			}
		})
	}
}

// BenchmarkCasbinRBACMedium is casbin's own "RBAC (medium)" case
// (BenchmarkRBACModelMedium in casbin v2.135.0's model_b_test.go): 1,000
// roles over 100 resources, 10,000 users, a plain Enforcer. The request is
// the one in that file: ("user5001", "data99", "read").
func BenchmarkCasbinRBACMedium(b *testing.B) {
	m, err := model.NewModelFromString(`
[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act
`)
	if err != nil {
		b.Fatal(err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		b.Fatal(err)
	}

	// 1000 roles, 100 resources.
	pPolicies := make([][]string, 0)
	for i := 0; i < 1000; i++ {
		pPolicies = append(pPolicies, []string{fmt.Sprintf("group%d", i), fmt.Sprintf("data%d", i/10), "read"})
	}
	if _, err := e.AddPolicies(pPolicies); err != nil {
		b.Fatal(err)
	}

	// 10000 users.
	gPolicies := make([][]string, 0)
	for i := 0; i < 10000; i++ {
		gPolicies = append(gPolicies, []string{fmt.Sprintf("user%d", i), fmt.Sprintf("group%d", i/10)})
	}
	if _, err := e.AddGroupingPolicies(gPolicies); err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = e.Enforce("user5001", "data99", "read")
	}
}

// BenchmarkPolicyChangeVisible measures one policy change round trip on
// the benchmark population: AddPolicy (a SQLite transaction with the
// revision bump, the in-memory update and a cache clear), a Can that sees
// it, RemovePolicy, and a Can that sees that.
func BenchmarkPolicyChangeVisible(b *testing.B) {
	ctx := context.Background()
	a := newAuthorizer(b, benchDB(b))
	p := rbac.Policy{Role: rbac.RoleEmployee, Domain: "staff:*", Object: "/bench/:id", Action: "GET"}
	doms := []string{rbac.StaffDomain(42), rbac.TeamDomain(benchTeamOf(42)), rbac.CenterDomain(1)}
	b.ReportAllocs()
	for b.Loop() {
		if err := a.AddPolicy(ctx, p); err != nil {
			b.Fatal(err)
		}
		if !mustCan(b, a, "user:42", doms, p.Object, "GET") {
			b.Fatal("added policy not visible")
		}
		if err := a.RemovePolicy(ctx, p); err != nil {
			b.Fatal(err)
		}
		if mustCan(b, a, "user:42", doms, p.Object, "GET") {
			b.Fatal("removed policy still allows")
		}
	}
}

// BenchmarkLoad measures New on the benchmark population: what every
// instance pays at start and on each Refresh that finds a new revision.
func BenchmarkLoad(b *testing.B) {
	db := benchDB(b)
	b.ReportAllocs()
	for b.Loop() {
		newAuthorizer(b, db)
	}
}
