package staff

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/store"
)

// TeamSummary is a team with the number of people in it today.
type TeamSummary struct {
	Team
	Members int
}

// Teams lists the center's teams sorted by code, each with its current
// member count (memberships valid today, whether or not the person is still
// active — the same people TeamMembers returns).
func (s *Service) Teams(ctx context.Context, centerID int64) ([]TeamSummary, error) {
	c, err := s.center(ctx, s.db, centerID)
	if err != nil {
		return nil, err
	}
	today, err := s.today(c)
	if err != nil {
		return nil, err
	}
	var teams []Team
	if err := s.db.NewSelect().Model(&teams).Where("t.center_id = ?", centerID).
		OrderExpr(orderBinary(s.db, "t.code")).Scan(ctx); err != nil {
		return nil, fmt.Errorf("staff: list teams: %w", err)
	}
	var counts []struct {
		TeamID int64
		N      int
	}
	if err := s.db.NewSelect().Model((*Membership)(nil)).
		ColumnExpr("tm.team_id, count(*) AS n").
		Where("tm.team_id IN (SELECT id FROM teams WHERE center_id = ?)", centerID).
		Apply(validOn(today)).
		GroupExpr("tm.team_id").Scan(ctx, &counts); err != nil {
		return nil, fmt.Errorf("staff: count team members: %w", err)
	}
	byTeam := make(map[int64]int, len(counts))
	for _, c := range counts {
		byTeam[c.TeamID] = c.N
	}
	out := make([]TeamSummary, len(teams))
	for i, t := range teams {
		out[i] = TeamSummary{Team: t, Members: byTeam[t.ID]}
	}
	return out, nil
}

// validOn restricts a membership query (alias tm) to memberships valid on date.
func validOn(date string) func(*bun.SelectQuery) *bun.SelectQuery {
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("tm.valid_from <= ?", date).Where("(tm.valid_to IS NULL OR tm.valid_to > ?)", date)
	}
}

// Team returns the team with id if it belongs to the center; a team of
// another center is not found.
func (s *Service) Team(ctx context.Context, centerID, id int64) (*Team, error) {
	t := new(Team)
	if err := s.db.NewSelect().Model(t).Where("t.id = ?", id).Where("t.center_id = ?", centerID).Scan(ctx); err != nil {
		return nil, notFound(err, "team %d", id)
	}
	return t, nil
}

// TeamByID returns the team with id in any center — for callers that learn
// the center from the team, such as authorization scopes.
func (s *Service) TeamByID(ctx context.Context, id int64) (*Team, error) {
	t := new(Team)
	if err := s.db.NewSelect().Model(t).Where("t.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "team %d", id)
	}
	return t, nil
}

// FindTeam finds a team of the center by code, or else by exact name. A
// name shared by several teams is an ErrInvalid error asking for the code.
func (s *Service) FindTeam(ctx context.Context, centerID int64, codeOrName string) (*Team, error) {
	key := strings.TrimSpace(codeOrName)
	var teams []Team
	if err := s.db.NewSelect().Model(&teams).Where("t.center_id = ?", centerID).
		Where("(t.code = ? OR t.name = ?)", key, key).OrderExpr("t.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("staff: find team %q: %w", key, err)
	}
	var byName []Team
	for _, t := range teams {
		if t.Code == key {
			return &t, nil
		}
		byName = append(byName, t)
	}
	switch len(byName) {
	case 0:
		return nil, fmt.Errorf("staff: team %q: %w", key, store.ErrNotFound)
	case 1:
		return &byName[0], nil
	}
	return nil, ambiguousTeam("team", key)
}

func ambiguousTeam(field, name string) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf("有多个班组名为 %s，请填写班组编码 (several teams are named %s; use the team code)", name, name)}
}

// CreateTeam validates t (code, name, channel — any word channel.Parse
// understands, stored as its code) and inserts it; t.ID is set. A code
// already used in the center is store.ErrConflict.
func (s *Service) CreateTeam(ctx context.Context, t *Team) error {
	if err := s.checkTeam(ctx, t); err != nil {
		return err
	}
	t.ID = 0
	t.CreatedAt = s.now().UTC()
	if _, err := s.db.NewInsert().Model(t).Exec(ctx); err != nil {
		return fmt.Errorf("staff: create team %q: %w", t.Code, store.Translate(err))
	}
	return nil
}

// UpdateTeam saves the code, name and channel of t, found by t.ID within
// t.CenterID.
func (s *Service) UpdateTeam(ctx context.Context, t *Team) error {
	if err := s.checkTeam(ctx, t); err != nil {
		return err
	}
	res, err := s.db.NewUpdate().Model(t).Column("code", "name", "channel").
		Where("t.id = ?", t.ID).Where("t.center_id = ?", t.CenterID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("staff: update team %d: %w", t.ID, store.Translate(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("staff: team %d: %w", t.ID, store.ErrNotFound)
	}
	return nil
}

func (s *Service) checkTeam(ctx context.Context, t *Team) error {
	t.Code = strings.TrimSpace(t.Code)
	t.Name = strings.TrimSpace(t.Name)
	if fe := checkText("code", t.Code, maxTeamText, false); fe != nil {
		return fe
	}
	if fe := checkText("name", t.Name, maxTeamText, false); fe != nil {
		return fe
	}
	code, err := channel.Parse(t.Channel)
	if err != nil {
		return &FieldError{Field: "channel", Message: channelMessage(err)}
	}
	t.Channel = code
	if _, err := s.center(ctx, s.db, t.CenterID); err != nil {
		return err
	}
	return nil
}

// channelMessage is a channel.Parse error without its package prefix.
func channelMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "channel: ")
}
