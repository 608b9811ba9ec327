package app

import (
	"context"

	"github.com/kaoping/kaoping/app/staff"
)

// DefaultCenterID is the id of the default center, the one the CLI works
// on.
func (a *App) DefaultCenterID(ctx context.Context) (int64, error) {
	c, err := a.staff.DefaultCenter(ctx)
	if err != nil {
		return 0, err
	}
	return c.ID, nil
}

// TeamByName finds a team of the center by its name or code, for command
// lines that name a team; an unknown team is a validation error naming it.
func (a *App) TeamByName(ctx context.Context, centerID int64, nameOrCode string) (*staff.Team, error) {
	return a.findTeam(ctx, centerID, nameOrCode)
}
