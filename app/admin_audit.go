package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/audit"
)

type auditView struct {
	Entries []audit.Entry
	Action  string
	Actor   string
	Next    int64 // id to page back from; 0 when this is the last page
}

// adminAudit shows the audit trail, newest first, 100 a page.
func (a *App) adminAudit(c *fiber.Ctx) error {
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	v := auditView{Action: c.Query("action"), Actor: c.Query("actor")}
	f := audit.Filter{CenterID: principal(c).CenterID, Action: v.Action, Actor: v.Actor, BeforeID: before, Limit: 100}
	var err error
	if v.Entries, err = a.audit.List(c.UserContext(), f); err != nil {
		return err
	}
	if len(v.Entries) == f.Limit {
		v.Next = v.Entries[len(v.Entries)-1].ID
	}
	return a.render(c, "admin/audit", "audit.title", v)
}
