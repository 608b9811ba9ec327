package staff

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

type scopeRow struct {
	CenterID  int64
	Timezone  string
	TeamID    sql.NullInt64
	ValidFrom sql.NullString
	ValidTo   sql.NullString
}

const scopeSQL = `SELECT s.center_id, c.timezone, m.team_id, m.valid_from, m.valid_to
 FROM staff AS s JOIN centers AS c ON c.id = s.center_id
 LEFT JOIN team_memberships AS m ON m.staff_id = s.id
 WHERE s.id = ?`

// ScopeOf returns the center of a person and the team they belong to today
// (0 if none), in one query. It is the authorization path of every request
// about a person, so it reads only what the decision needs.
func (s *Service) ScopeOf(ctx context.Context, staffID int64) (centerID, teamID int64, err error) {
	var rows []scopeRow
	err = s.scopeStmt.Scan(ctx, &rows, staffID)
	if err != nil {
		return 0, 0, fmt.Errorf("staff: scope of %d: %w", staffID, err)
	}
	if len(rows) == 0 {
		return 0, 0, notFound(sql.ErrNoRows, "staff %d", staffID)
	}
	loc, err := s.location(rows[0].Timezone)
	if err != nil {
		return 0, 0, err
	}
	today := s.now().In(loc).Format(time.DateOnly)
	for _, r := range rows {
		if r.TeamID.Valid && r.ValidFrom.String <= today && (!r.ValidTo.Valid || r.ValidTo.String > today) {
			return r.CenterID, r.TeamID.Int64, nil
		}
	}
	return rows[0].CenterID, 0, nil
}
