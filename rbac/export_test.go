package rbac

import (
	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"
)

// NewAdapter gives the black-box tests and benchmarks the casbin adapter,
// to drive it through casbin's own Enforcer.
func NewAdapter(db bun.IDB) persist.BatchAdapter { return &adapter{db: db} }

// NewModel gives the tests the embedded model.
func NewModel() (model.Model, error) { return newModel() }

// NewPlainEnforcer builds casbin's plain Enforcer (no cache, no locks) the
// way the Authorizer builds its own, and loads it through the adapter.
func NewPlainEnforcer(db bun.IDB) (*casbin.Enforcer, error) {
	m, err := newModel()
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, err
	}
	configure(e)
	e.SetAdapter(&adapter{db: db})
	if err := e.LoadPolicy(); err != nil {
		return nil, err
	}
	return e, nil
}
