package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/rbac"
)

type policiesView struct {
	Policies []rbac.Policy
	Roles    []string
}

func (a *App) adminPolicies(c *fiber.Ctx) error {
	return a.render(c, "admin/policies", "policies.title", policiesView{Policies: a.authz.Policies(), Roles: rbac.Roles()})
}

func policyFromForm(c *fiber.Ctx) rbac.Policy {
	return rbac.Policy{Role: c.FormValue("role"), Domain: c.FormValue("domain"), Object: c.FormValue("object"), Action: c.FormValue("action")}
}

// adminPolicyAdd adds a rule; the next request anywhere in this instance
// sees it, other instances within the refresh interval.
func (a *App) adminPolicyAdd(c *fiber.Ctx) error {
	pol := policyFromForm(c)
	if err := a.authz.AddPolicy(c.UserContext(), pol); err != nil {
		return err
	}
	a.record(c, "policy.add", "policy", policyString(pol))
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/policies", fiber.StatusSeeOther)
}

func (a *App) adminPolicyRemove(c *fiber.Ctx) error {
	pol := policyFromForm(c)
	if err := a.authz.RemovePolicy(c.UserContext(), pol); err != nil {
		return err
	}
	a.record(c, "policy.remove", "policy", policyString(pol))
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/policies", fiber.StatusSeeOther)
}

func policyString(p rbac.Policy) string {
	return p.Role + ", " + p.Domain + ", " + p.Object + ", " + p.Action
}

type policyJSON struct {
	Role   string `json:"role"`
	Domain string `json:"domain"`
	Object string `json:"object"`
	Action string `json:"action"`
}

func (a *App) apiPolicies(c *fiber.Ctx) error {
	out := []policyJSON{}
	for _, p := range a.authz.Policies() {
		out = append(out, policyJSON(p))
	}
	return c.JSON(fiber.Map{"policies": out})
}

func (a *App) apiPolicyAdd(c *fiber.Ctx) error {
	var in policyJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := a.authz.AddPolicy(c.UserContext(), rbac.Policy(in)); err != nil {
		return err
	}
	a.record(c, "policy.add", "policy", policyString(rbac.Policy(in)))
	return c.Status(fiber.StatusCreated).JSON(in)
}

func (a *App) apiPolicyRemove(c *fiber.Ctx) error {
	var in policyJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := a.authz.RemovePolicy(c.UserContext(), rbac.Policy(in)); err != nil {
		return err
	}
	a.record(c, "policy.remove", "policy", policyString(rbac.Policy(in)))
	return c.SendStatus(fiber.StatusNoContent)
}
