package app

import (
	"context"
	"strings"

	"github.com/kaoping/kaoping/app/scores"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/staff"
)

// Scores exposes the scores service (CLI, tests).
func (a *App) Scores() *scores.Service { return a.scores }

// CenterScores returns the default center's scores for the period, or one
// team's (team: its name or code; "" for all), with a title for exports.
func (a *App) CenterScores(ctx context.Context, p scoring.Period, team string) (*scores.Sheet, string, error) {
	c, err := a.staff.DefaultCenter(ctx)
	if err != nil {
		return nil, "", err
	}
	sheet, err := a.scores.Sheet(ctx, c.ID, p)
	if err != nil {
		return nil, "", err
	}
	title := c.Name
	if team != "" {
		t, err := a.findTeam(ctx, c.ID, team)
		if err != nil {
			return nil, "", err
		}
		sheet.Scores = sheet.Team(t.ID)
		title += " · " + t.Name
	}
	return sheet, title, nil
}

// findTeam finds a team of the center by name or code.
func (a *App) findTeam(ctx context.Context, centerID int64, nameOrCode string) (*staff.Team, error) {
	teams, err := a.staff.Teams(ctx, centerID)
	if err != nil {
		return nil, err
	}
	want := strings.TrimSpace(nameOrCode)
	for i := range teams {
		if teams[i].Name == want || teams[i].Code == want {
			return &teams[i].Team, nil
		}
	}
	return nil, invalid("team", "没有名为 %q 的班组 (no team with this name or code)", want)
}

// IssueScores closes the default center's period, or re-issues it.
func (a *App) IssueScores(ctx context.Context, p scoring.Period, reason string, again bool, by Actor) (*scores.Issue, error) {
	c, err := a.staff.DefaultCenter(ctx)
	if err != nil {
		return nil, err
	}
	if again {
		return a.scores.Reissue(ctx, c.ID, p, reason, scores.Actor{Name: by.Name, IP: by.IP})
	}
	return a.scores.Close(ctx, c.ID, p, reason, scores.Actor{Name: by.Name, IP: by.IP})
}
