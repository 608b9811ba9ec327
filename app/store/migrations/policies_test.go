package migrations

import (
	"reflect"
	"testing"

	"github.com/kaoping/kaoping/rbac"
)

// TestDefaultPoliciesMatchMigrations keeps rbac.DefaultPolicies (used by
// benchmarks and documentation) equal to what the migrations install.
func TestDefaultPoliciesMatchMigrations(t *testing.T) {
	var got []rbac.Policy
	var all [][4]string
	for _, ps := range [][][4]string{policies0001, policies0003, policies0005, policies0006, policies0009, policies0012, policies0013, policies0015} {
		all = append(all, ps...)
	}
	for _, p := range all {
		got = append(got, rbac.Policy{Role: p[0], Domain: p[1], Object: p[2], Action: p[3]})
	}
	if want := rbac.DefaultPolicies(); !reflect.DeepEqual(got, want) {
		t.Fatalf("migration policies differ from rbac.DefaultPolicies():\n got %v\nwant %v", got, want)
	}
	for _, p := range got {
		if err := p.Validate(); err != nil {
			t.Errorf("policy %v: %v", p, err)
		}
	}
}
