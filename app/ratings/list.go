package ratings

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// ListFilter narrows List. Zero values do not filter.
type ListFilter struct {
	CenterID int64
	StaffIDs []int64 // a team's members, say
	StaffNo  string
	Channel  string
	BadOnly  bool   // levels 1–2
	From, To string // period dates YYYY-MM-DD, inclusive
	BeforeID int64  // paging: ratings with a smaller id
	Limit    int    // default 100, at most 500
}

// Listed is a rating with the name and number of its person.
type Listed struct {
	Rating  `bun:",extend"`
	StaffNo string `bun:"staff_no"`
	Name    string `bun:"staff_name"`
}

// List returns the center's ratings matching f, newest first (by id, the
// order of receipt), and whether more follow.
func (s *Service) List(ctx context.Context, f ListFilter) ([]Listed, bool, error) {
	for _, d := range [...]struct{ name, v string }{{"from", f.From}, {"to", f.To}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse(dateLayout, d.v); err != nil {
			return nil, false, FieldError{Index: -1, Field: d.name, Message: fmt.Sprintf("日期 %q 格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)", d.v)}
		}
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 500)
	var out []Listed
	q := s.db.NewSelect().Model(&out).
		ColumnExpr("r.*").ColumnExpr("s.staff_no, s.name AS staff_name").
		Join("JOIN staff AS s ON s.id = r.staff_id").
		Where("r.center_id = ?", f.CenterID)
	if len(f.StaffIDs) > 0 {
		q = q.Where("r.staff_id IN (?)", bun.List(f.StaffIDs))
	}
	if f.StaffNo != "" {
		q = q.Where("s.staff_no = ?", normalizeCode(f.StaffNo))
	}
	if f.Channel != "" {
		q = q.Where("r.channel = ?", f.Channel)
	}
	if f.BadOnly {
		q = q.Where("r.level <= ?", Dissatisfied)
	}
	if f.From != "" {
		q = q.Where("r.period_date >= ?", f.From)
	}
	if f.To != "" {
		q = q.Where("r.period_date <= ?", f.To)
	}
	if f.BeforeID > 0 {
		q = q.Where("r.id < ?", f.BeforeID)
	}
	if err := q.OrderExpr("r.id DESC").Limit(int64(limit + 1)).Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("ratings: list: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	for i := range out {
		normalize(&out[i].Rating)
	}
	return out, more, nil
}
