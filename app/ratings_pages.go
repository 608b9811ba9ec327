package app

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/rbac"
)

// The ratings lists: the center's (HR, administrators) and a team's (its
// leads too). Citizen personal data is masked on every list; an
// administrator may open one rating's full data, and every such view is
// audited.

type ratingsView struct {
	Rows     []ratingRow
	More     bool
	NextID   int64
	Filter   ratings.ListFilter
	Action   string // the form's own URL
	Team     string // set on a team's list
	Unmasker bool   // the viewer may open personal data
}

type ratingRow struct {
	ratings.Listed
	Phone, IDNumber string // masked
}

func (a *App) ratingsPage(c *fiber.Ctx) error {
	return a.ratingsList(c, nil, "", "/ratings")
}

func (a *App) teamRatingsPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	t, err := a.staff.TeamByID(ctx, id)
	if err != nil {
		return err
	}
	today, err := a.staff.Today(ctx, t.CenterID)
	if err != nil {
		return err
	}
	members, err := a.staff.TeamMembers(ctx, id, today)
	if err != nil {
		return err
	}
	ids := []int64{-1} // an empty team lists nothing, not everything
	for _, m := range members {
		ids = append(ids, m.ID)
	}
	return a.ratingsList(c, ids, t.Name, "/teams/"+strconv.FormatInt(id, 10)+"/ratings")
}

func (a *App) ratingsList(c *fiber.Ctx, staffIDs []int64, team, action string) error {
	p := principal(c)
	f := ratings.ListFilter{CenterID: p.CenterID, StaffIDs: staffIDs, StaffNo: strings.TrimSpace(c.Query("staff_no")),
		BadOnly: c.Query("bad") == "1", From: c.Query("from"), To: c.Query("to")}
	if ch := c.Query("channel"); ch != "" {
		code, err := channel.Parse(ch)
		if err != nil {
			return invalid("channel", "unknown channel %q", ch)
		}
		f.Channel = code
	}
	if s := c.Query("before"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return invalid("before", "not a rating id")
		}
		f.BeforeID = id
	}
	rows, more, err := a.ratings.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	v := ratingsView{More: more, Filter: f, Action: action, Team: team,
		Unmasker: a.hasRole(c, rbac.RoleAdmin)}
	for _, r := range rows {
		row := ratingRow{Listed: r}
		row.Phone, row.IDNumber = r.Masked()
		v.Rows = append(v.Rows, row)
	}
	if len(rows) > 0 {
		v.NextID = rows[len(rows)-1].ID
	}
	return a.render(c, "ratings", "ratings.title", v)
}

// ratingPersonal shows one rating's citizen personal data unmasked (the
// route is the administrator's only) and audits the view.
func (a *App) ratingPersonal(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	r, err := a.ratings.Rating(c.UserContext(), principal(c).CenterID, id)
	if err != nil {
		return err
	}
	a.record(c, "ratings.unmask", "rating:"+strconv.FormatInt(r.ID, 10), r.ExternalID)
	return a.render(c, "rating_personal", "ratings.personal", r)
}
