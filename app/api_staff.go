package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/staff"
)

type staffJSON struct {
	ID          int64    `json:"id"`
	StaffNo     string   `json:"staff_no"`
	Name        string   `json:"name"`
	Channels    []string `json:"channels"`
	ExternalIDs []string `json:"external_ids"`
	Active      bool     `json:"active"`
	TeamID      *int64   `json:"team_id"`
	Team        string   `json:"team,omitempty"`
}

func toStaffJSON(m *staff.Member) staffJSON {
	out := staffJSON{ID: m.ID, StaffNo: m.StaffNo, Name: m.Name, Channels: m.ChannelList(), ExternalIDs: m.ExternalIDs, Active: m.Active}
	if out.Channels == nil {
		out.Channels = []string{}
	}
	if out.ExternalIDs == nil {
		out.ExternalIDs = []string{}
	}
	if m.Team != nil {
		id := m.Team.ID
		out.TeamID, out.Team = &id, m.Team.Name
	}
	return out
}

func (a *App) apiStaffShow(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	m, err := a.staff.StaffByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(toStaffJSON(m))
}

// apiStaffList lists the center's staff: ?q= (number prefix or name), ?team=ID,
// ?limit= (≤ 1000) and ?offset=.
func (a *App) apiStaffList(c *fiber.Ctx) error {
	f := staff.StaffFilter{Query: c.Query("q"), Limit: 100}
	var err error
	if v := c.Query("team"); v != "" {
		if f.TeamID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return invalid("team", "must be a team id")
		}
	}
	if v := c.Query("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 1000 {
			return invalid("limit", "must be 1–1000")
		}
	}
	if v := c.Query("offset"); v != "" {
		if f.Offset, err = strconv.Atoi(v); err != nil || f.Offset < 0 {
			return invalid("offset", "must be ≥ 0")
		}
	}
	ms, err := a.staff.ListStaff(c.UserContext(), principal(c).CenterID, f)
	if err != nil {
		return err
	}
	out := make([]staffJSON, 0, len(ms))
	for i := range ms {
		out = append(out, toStaffJSON(&ms[i]))
	}
	return c.JSON(fiber.Map{"staff": out})
}

func (a *App) apiTeamMembers(c *fiber.Ctx) error {
	v, err := a.team(c)
	if err != nil {
		return err
	}
	out := make([]staffJSON, 0, len(v.Members))
	for i := range v.Members {
		out = append(out, toStaffJSON(&v.Members[i]))
	}
	return c.JSON(fiber.Map{"team": fiber.Map{"id": v.Team.ID, "code": v.Team.Code, "name": v.Team.Name, "channel": v.Team.Channel}, "date": v.Date, "members": out})
}
