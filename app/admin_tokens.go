package app

import (
	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/rbac"
)

type tokensView struct {
	Tokens    []auth.Token
	Plaintext string // a new token, shown once
	Name      string
}

func (a *App) adminTokens(c *fiber.Ctx) error {
	toks, err := a.auth.Tokens(c.UserContext(), principal(c).CenterID)
	if err != nil {
		return err
	}
	return a.render(c, "admin/tokens", "tokens.title", tokensView{Tokens: toks})
}

func (a *App) adminTokenCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	role := c.FormValue("role", rbac.RoleRatingFeed)
	plain, tok, err := a.CreateToken(ctx, c.FormValue("name"), role, a.actor(c))
	if err != nil {
		return err
	}
	toks, err := a.auth.Tokens(ctx, principal(c).CenterID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return a.render(c, "admin/tokens", "tokens.title", tokensView{Tokens: toks, Plaintext: plain, Name: tok.Name})
}

func (a *App) adminTokenRevoke(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	toks, err := a.auth.Tokens(ctx, principal(c).CenterID)
	if err != nil {
		return err
	}
	found := false
	for _, t := range toks {
		found = found || t.ID == id
	}
	if !found {
		return fiber.ErrNotFound
	}
	if err := a.auth.RevokeToken(ctx, id); err != nil {
		return err
	}
	a.record(c, "token.revoke", rbac.TokenSubject(id), "")
	a.flash(c, a.msgs.T(lang(c), "flash.saved"))
	return c.Redirect("/admin/tokens", fiber.StatusSeeOther)
}
