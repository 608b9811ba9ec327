package scores

import (
	"context"
	"fmt"
	"sort"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/scoring"
)

// TeamSummary is one team's line of the center overview: the mean of its
// members' figures (n/a members left out) and its counted ratings.
type TeamSummary struct {
	TeamID       int64
	Team         string
	Members      int
	NRatings     int
	Quality      *float64
	Satisfaction *float64
	Competence   *float64
	Training     *float64
	BadRate      *float64 // bad ratings ÷ counted ratings of the team's members
}

// Teams summarizes the sheet per team, in team order.
func (sh *Sheet) Teams() []TeamSummary {
	idx := map[int64]int{}
	var out []TeamSummary
	type acc struct{ q, s, c, t meanAcc }
	var accs []acc
	var bad []int
	for i := range sh.Scores {
		sc := &sh.Scores[i]
		j, ok := idx[sc.TeamID]
		if !ok {
			j = len(out)
			idx[sc.TeamID] = j
			out = append(out, TeamSummary{TeamID: sc.TeamID, Team: sc.Team})
			accs = append(accs, acc{})
			bad = append(bad, 0)
		}
		out[j].Members++
		out[j].NRatings += sc.NRatings
		accs[j].q.add(sc.Quality)
		accs[j].s.add(sc.Satisfaction)
		accs[j].c.add(sc.Competence)
		accs[j].t.add(sc.Training)
		if sc.BadRate != nil {
			bad[j] += int(*sc.BadRate*float64(sc.NRatings) + 0.5)
		}
	}
	for j := range out {
		out[j].Quality, out[j].Satisfaction = accs[j].q.mean(), accs[j].s.mean()
		out[j].Competence, out[j].Training = accs[j].c.mean(), accs[j].t.mean()
		if out[j].NRatings > 0 {
			r := float64(bad[j]) / float64(out[j].NRatings)
			out[j].BadRate = &r
		}
	}
	return out
}

// Below lists the people whose printed quality is below the threshold,
// lowest first.
func (sh *Sheet) Below(threshold float64) []scoring.Score {
	var out []scoring.Score
	for _, sc := range sh.Scores {
		if sc.Quality != nil && scoring.Round1(*sc.Quality) < threshold {
			out = append(out, sc)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return *out[i].Quality < *out[j].Quality })
	return out
}

type meanAcc struct {
	sum float64
	n   int
}

func (m *meanAcc) add(v *float64) {
	if v != nil {
		m.sum += *v
		m.n++
	}
}

func (m *meanAcc) mean() *float64 {
	if m.n == 0 {
		return nil
	}
	v := m.sum / float64(m.n)
	return &v
}

// ItemCell is the satisfaction of one service item in one channel: the mean
// points of the counted ratings.
type ItemCell struct {
	N    int
	Mean *float64
}

// ItemRow is one service item across the channels.
type ItemRow struct {
	ItemID int64
	Code   string
	Name   string
	Cells  map[string]ItemCell // by channel code
	Spread *float64            // highest minus lowest channel mean (channels with ratings)
}

// ItemTable is the channel × service item satisfaction table of the center
// for the period: where the same item is rated differently online, at the
// window and on the phone, the standards diverge. Counted ratings only (not
// default, not excluded by an upheld appeal), with the period's points.
// Items with the widest spread come first.
func (s *Service) ItemTable(ctx context.Context, centerID int64, p scoring.Period) ([]ItemRow, error) {
	set, _, err := s.Settings(ctx, centerID, p)
	if err != nil {
		return nil, err
	}
	type row struct {
		ItemID  int64  `bun:"item_id"`
		Code    string `bun:"code"`
		Name    string `bun:"name"`
		Channel string `bun:"channel"`
		Level   int    `bun:"level"`
		N       int    `bun:"n"`
	}
	var rows []row
	if err := s.db.NewSelect().TableExpr("ratings AS r").
		Join("JOIN service_items AS si ON si.id = r.item_id").
		ColumnExpr("r.item_id, si.code, si.name, r.channel, r.level, COUNT(*) AS n").
		Where("r.center_id = ?", centerID).
		Where("r.period_date >= ? AND r.period_date <= ?", p.FirstDate(), p.LastDate()).
		Where("r.is_default = ? AND r.excluded = ?", false, false).
		GroupExpr("r.item_id, si.code, si.name, r.channel, r.level").
		Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("scores: item table: %w", err)
	}
	type sum struct {
		n int
		x float64
	}
	byItem := map[int64]*ItemRow{}
	sums := map[int64]map[string]*sum{}
	var order []int64
	for _, r := range rows {
		if r.Level < 1 || r.Level > 5 {
			continue
		}
		if _, ok := byItem[r.ItemID]; !ok {
			byItem[r.ItemID] = &ItemRow{ItemID: r.ItemID, Code: r.Code, Name: r.Name, Cells: map[string]ItemCell{}}
			sums[r.ItemID] = map[string]*sum{}
			order = append(order, r.ItemID)
		}
		sm := sums[r.ItemID][r.Channel]
		if sm == nil {
			sm = &sum{}
			sums[r.ItemID][r.Channel] = sm
		}
		sm.n += r.N
		sm.x += float64(r.N) * set.Points[r.Level-1]
	}
	out := make([]ItemRow, 0, len(order))
	for _, id := range order {
		it := byItem[id]
		var lo, hi *float64
		for ch, sm := range sums[id] {
			m := sm.x / float64(sm.n)
			it.Cells[ch] = ItemCell{N: sm.n, Mean: &m}
			if lo == nil || m < *lo {
				lo = &m
			}
			if hi == nil || m > *hi {
				hi = &m
			}
		}
		if len(sums[id]) > 1 {
			d := *hi - *lo
			it.Spread = &d
		}
		out = append(out, *it)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Spread, out[j].Spread
		switch {
		case a != nil && b != nil && *a != *b:
			return *a > *b
		case (a == nil) != (b == nil):
			return a != nil
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

// Trend is a person's (or a team's mean) quality over the last n periods
// ending with p, oldest first.
type TrendPoint struct {
	Period string
	Value  *float64
}

// Trends computes the sheets of the n periods ending with p and returns each
// person's quality per period (by staff id) and each team's mean (by team id).
// The maps may be shared with other callers (the cache keeps them while the
// sheets stay the same): read them, do not modify them.
func (s *Service) Trends(ctx context.Context, centerID int64, p scoring.Period, n int) (people map[int64][]TrendPoint, teams map[int64][]TrendPoint, err error) {
	periods := p.Last(n)
	sheets := make([]*Sheet, len(periods))
	for i, q := range periods {
		if sheets[i], err = s.sheet(ctx, centerID, q); err != nil {
			return nil, nil, err
		}
	}
	if t := s.cache.trend(centerID, sheets); t != nil {
		return t.people, t.teams, nil
	}
	people, teams = map[int64][]TrendPoint{}, map[int64][]TrendPoint{}
	for i, sh := range sheets {
		for _, sc := range sh.Scores {
			pts := people[sc.StaffID]
			if pts == nil {
				pts = blankTrend(periods)
			}
			pts[i].Value = sc.Quality
			people[sc.StaffID] = pts
		}
		for _, ts := range sh.Teams() {
			pts := teams[ts.TeamID]
			if pts == nil {
				pts = blankTrend(periods)
			}
			pts[i].Value = ts.Quality
			teams[ts.TeamID] = pts
		}
	}
	s.cache.keepTrend(centerID, &trendMemo{sheets: sheets, people: people, teams: teams})
	return people, teams, nil
}

func blankTrend(periods []scoring.Period) []TrendPoint {
	out := make([]TrendPoint, len(periods))
	for i, q := range periods {
		out[i].Period = q.String()
	}
	return out
}

// LevelCounts counts the period's ratings per channel and level (index
// level−1) of the given people (all of the center when staffIDs is nil):
// not default ratings, not excluded by an upheld appeal, and — for a
// person's own figures (own = true) — not left out by a partly upheld one.
func (s *Service) LevelCounts(ctx context.Context, centerID int64, p scoring.Period, staffIDs []int64, own bool) (map[string][5]int, error) {
	var rows []struct {
		Channel string `bun:"channel"`
		Level   int    `bun:"level"`
		N       int    `bun:"n"`
	}
	q := s.db.NewSelect().TableExpr("ratings").ColumnExpr("channel, level, COUNT(*) AS n").
		Where("center_id = ?", centerID).
		Where("period_date >= ? AND period_date <= ?", p.FirstDate(), p.LastDate()).
		Where("is_default = ? AND excluded = ?", false, false)
	if own {
		q = q.Where("personal_excluded = ?", false)
	}
	if staffIDs != nil {
		if len(staffIDs) == 0 {
			return map[string][5]int{}, nil
		}
		q = q.Where("staff_id IN (?)", bun.List(staffIDs))
	}
	if err := q.GroupExpr("channel, level").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("scores: level counts: %w", err)
	}
	out := map[string][5]int{}
	for _, r := range rows {
		if r.Level < 1 || r.Level > 5 {
			continue
		}
		c := out[r.Channel]
		c[r.Level-1] += r.N
		out[r.Channel] = c
	}
	return out, nil
}
