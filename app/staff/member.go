package staff

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// inChunk bounds the ids in one IN (…) list.
const inChunk = 500

// StaffFilter narrows ListStaff.
type StaffFilter struct {
	TeamID int64  // only people in this team today; 0 = everyone
	Query  string // matches a staff_no prefix or a name substring
	Limit  int    // 0 = no limit
	Offset int
}

// StaffByID returns a person of any center, with their team today (in their
// center's time zone).
func (s *Service) StaffByID(ctx context.Context, id int64) (*Member, error) {
	var st Staff
	if err := s.db.NewSelect().Model(&st).Where("s.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "staff %d", id)
	}
	return s.memberToday(ctx, st)
}

// StaffByNo returns the person with 工号 no in the center (full-width digits
// and surrounding spaces are ignored, as on import).
func (s *Service) StaffByNo(ctx context.Context, centerID int64, no string) (*Member, error) {
	no = normalizeCode(no)
	var st Staff
	if err := s.db.NewSelect().Model(&st).Where("s.center_id = ?", centerID).Where("s.staff_no = ?", no).Scan(ctx); err != nil {
		return nil, notFound(err, "staff_no %q", no)
	}
	return s.memberToday(ctx, st)
}

func (s *Service) memberToday(ctx context.Context, st Staff) (*Member, error) {
	c, err := s.center(ctx, s.db, st.CenterID)
	if err != nil {
		return nil, err
	}
	today, err := s.today(c)
	if err != nil {
		return nil, err
	}
	ms, err := s.members(ctx, s.db, []Staff{st}, today)
	if err != nil {
		return nil, err
	}
	return &ms[0], nil
}

// ListStaff lists the center's people sorted by staff_no, with their teams
// today.
func (s *Service) ListStaff(ctx context.Context, centerID int64, f StaffFilter) ([]Member, error) {
	c, err := s.center(ctx, s.db, centerID)
	if err != nil {
		return nil, err
	}
	today, err := s.today(c)
	if err != nil {
		return nil, err
	}
	var rows []Staff
	q := s.db.NewSelect().Model(&rows).Where("s.center_id = ?", centerID)
	if f.TeamID != 0 {
		q = q.Where("s.id IN (?)", s.db.NewSelect().Model((*Membership)(nil)).Column("tm.staff_id").
			Where("tm.team_id = ?", f.TeamID).Apply(validOn(today)))
	}
	if query := strings.TrimSpace(f.Query); query != "" {
		// LOWER on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's
		// is not for ASCII. '!' escapes the wildcards a user may type.
		esc := likeEscape(strings.ToLower(query))
		q = q.Where("(LOWER(s.staff_no) LIKE ? ESCAPE '!' OR LOWER(s.name) LIKE ? ESCAPE '!')", esc+"%", "%"+esc+"%")
	}
	q = q.OrderExpr(orderBinary(s.db, "s.staff_no"))
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if f.Offset > 0 {
		q = q.Offset(int64(f.Offset))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("staff: list staff: %w", err)
	}
	return s.members(ctx, s.db, rows, today)
}

func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// TeamMembers returns the people who belonged to the team on date
// (YYYY-MM-DD; "" = today in the team's center), sorted by staff_no. Their
// Team is that team.
func (s *Service) TeamMembers(ctx context.Context, teamID int64, date string) ([]Member, error) {
	t := new(Team)
	if err := s.db.NewSelect().Model(t).Where("t.id = ?", teamID).Scan(ctx); err != nil {
		return nil, notFound(err, "team %d", teamID)
	}
	date, err := s.dateOrToday(ctx, t.CenterID, date)
	if err != nil {
		return nil, err
	}
	var rows []Staff
	if err := s.db.NewSelect().Model(&rows).
		Where("s.id IN (?)", s.db.NewSelect().Model((*Membership)(nil)).Column("tm.staff_id").
			Where("tm.team_id = ?", teamID).Apply(validOn(date))).
		OrderExpr(orderBinary(s.db, "s.staff_no")).Scan(ctx); err != nil {
		return nil, fmt.Errorf("staff: members of team %d: %w", teamID, err)
	}
	return s.members(ctx, s.db, rows, date)
}

// TeamOn returns the team the person belonged to on date (YYYY-MM-DD;
// "" = today); store.ErrNotFound if they were in none.
func (s *Service) TeamOn(ctx context.Context, staffID int64, date string) (*Team, error) {
	var st Staff
	if err := s.db.NewSelect().Model(&st).Column("s.id", "s.center_id").Where("s.id = ?", staffID).Scan(ctx); err != nil {
		return nil, notFound(err, "staff %d", staffID)
	}
	date, err := s.dateOrToday(ctx, st.CenterID, date)
	if err != nil {
		return nil, err
	}
	m := new(Membership)
	if err := s.db.NewSelect().Model(m).Relation("Team").Where("tm.staff_id = ?", staffID).
		Apply(validOn(date)).OrderExpr("tm.valid_from DESC").Limit(1).Scan(ctx); err != nil {
		return nil, notFound(err, "team of staff %d on %s", staffID, date)
	}
	return m.Team, nil
}

// Memberships returns the person's team history, oldest first, each with its
// Team.
func (s *Service) Memberships(ctx context.Context, staffID int64) ([]Membership, error) {
	exists, err := s.db.NewSelect().Model((*Staff)(nil)).Where("s.id = ?", staffID).Exists(ctx)
	if err != nil {
		return nil, fmt.Errorf("staff: memberships of %d: %w", staffID, err)
	}
	if !exists {
		return nil, fmt.Errorf("staff: staff %d: %w", staffID, store.ErrNotFound)
	}
	ms := []Membership{}
	if err := s.db.NewSelect().Model(&ms).Relation("Team").Where("tm.staff_id = ?", staffID).
		OrderExpr("tm.valid_from, tm.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("staff: memberships of %d: %w", staffID, err)
	}
	return ms, nil
}

func (s *Service) dateOrToday(ctx context.Context, centerID int64, date string) (string, error) {
	if strings.TrimSpace(date) != "" {
		d, fe := parseDate("date", date)
		if fe != nil {
			return "", fe
		}
		return d, nil
	}
	c, err := s.center(ctx, s.db, centerID)
	if err != nil {
		return "", err
	}
	return s.today(c)
}

// members completes staff rows with their external ids and the team they
// were in on date: two queries per inChunk people, however many there are.
func (s *Service) members(ctx context.Context, db bun.IDB, rows []Staff, date string) ([]Member, error) {
	out := make([]Member, len(rows))
	index := make(map[int64]int, len(rows))
	ids := make([]int64, len(rows))
	for i, st := range rows {
		out[i] = Member{Staff: st, ExternalIDs: []string{}}
		index[st.ID] = i
		ids[i] = st.ID
	}
	for chunk := range slices.Chunk(ids, inChunk) {
		var xs []ExternalID
		if err := db.NewSelect().Model(&xs).Where("x.staff_id IN (?)", bun.List(chunk)).
			OrderExpr("x.id").Scan(ctx); err != nil {
			return nil, fmt.Errorf("staff: load external ids: %w", err)
		}
		for _, x := range xs {
			m := &out[index[x.StaffID]]
			m.ExternalIDs = append(m.ExternalIDs, x.ExternalID)
		}
		var ms []Membership
		if err := db.NewSelect().Model(&ms).Relation("Team").Where("tm.staff_id IN (?)", bun.List(chunk)).
			Apply(validOn(date)).Scan(ctx); err != nil {
			return nil, fmt.Errorf("staff: load teams: %w", err)
		}
		for _, m := range ms {
			out[index[m.StaffID]].Team = m.Team
		}
	}
	return out, nil
}
