package workdays

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// calendarRow is one of a center's edits (table work_calendar, migration
// 0008): it replaces the shipped entry of its date; kind "normal" cancels it.
type calendarRow struct {
	bun.BaseModel `bun:"table:work_calendar,alias:wc"`

	ID        int64     `bun:",pk,autoincrement"`
	CenterID  int64     `bun:",notnull"`
	Date      string    `bun:",notnull"`
	Kind      Kind      `bun:",notnull"`
	Name      string    `bun:",notnull"`
	UpdatedAt time.Time `bun:",notnull"`
}

// Store keeps each center's edits of the calendar, layered on Builtin.
type Store struct {
	db  *bun.DB
	now func() time.Time
}

// NewStore returns a Store on db (migrated to 0008 or later).
func NewStore(db *bun.DB) *Store {
	return &Store{db: db, now: time.Now}
}

// Calendar returns the calendar of a center: the shipped national calendar
// with the center's edits on top. A center without edits (or an unknown
// center id) gets the national calendar.
func (s *Store) Calendar(ctx context.Context, centerID int64) (*Calendar, error) {
	return s.CalendarIn(ctx, s.db, centerID)
}

// CalendarIn is Calendar read through db, e.g. the transaction in progress.
func (s *Store) CalendarIn(ctx context.Context, db bun.IDB, centerID int64) (*Calendar, error) {
	var rows []calendarRow
	if err := db.NewSelect().Model(&rows).Where("wc.center_id = ?", centerID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("workdays: load calendar of center %d: %w", centerID, err)
	}
	cal, err := New(effective(rows, ""))
	if err != nil {
		// Rows are validated when written; a bad one was put there by hand.
		return nil, fmt.Errorf("workdays: calendar of center %d: %w", centerID, err)
	}
	return cal, nil
}

// Days returns the effective entries of a center in year (Holiday and
// Workday only), sorted by date: what the calendar page shows and what
// ImportYear takes back.
func (s *Store) Days(ctx context.Context, centerID int64, year int) ([]Day, error) {
	if err := checkYear(year); err != nil {
		return nil, err
	}
	first, last := yearBounds(year)
	var rows []calendarRow
	if err := s.db.NewSelect().Model(&rows).
		Where("wc.center_id = ?", centerID).
		Where("wc.date >= ? AND wc.date <= ?", first, last).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("workdays: load %d calendar of center %d: %w", year, centerID, err)
	}
	return effective(rows, fmt.Sprint(year)), nil
}

// SetDay records a center's entry for d.Date, replacing the shipped one:
// Holiday or Workday, or Normal to make the day follow the week again. The
// name and date are trimmed first. Errors wrap ErrInvalid for bad input and
// store.ErrNotFound for an unknown center.
func (s *Store) SetDay(ctx context.Context, centerID int64, d Day) error {
	d = trimDay(d)
	if _, fe := checkDay(d, true); fe != nil {
		return fe
	}
	row := &calendarRow{CenterID: centerID, Date: d.Date, Kind: d.Kind, Name: d.Name, UpdatedAt: s.now().UTC()}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := checkCenter(ctx, tx, centerID); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(row).
			On("CONFLICT (center_id, date) DO UPDATE").
			Set("kind = EXCLUDED.kind").
			Set("name = EXCLUDED.name").
			Set("updated_at = EXCLUDED.updated_at").
			Exec(ctx); err != nil {
			return fmt.Errorf("workdays: set %s for center %d: %w", d.Date, centerID, store.Translate(err))
		}
		return nil
	})
}

// ImportYear replaces a center's calendar of year with days, in one
// transaction: afterwards Days(year) lists exactly the Holiday and Workday
// entries of days. Shipped entries of that year missing from days are
// cancelled (stored as Normal), so a day deleted from the list stays
// deleted; an empty list leaves the bare weekly rule. Every date must lie in
// year and appear once; kinds are Holiday, Workday or Normal. Invalid input
// writes nothing; errors wrap ErrInvalid (with the position of the bad day)
// or store.ErrNotFound for an unknown center.
func (s *Store) ImportYear(ctx context.Context, centerID int64, year int, days []Day) error {
	if err := checkYear(year); err != nil {
		return err
	}
	prefix := fmt.Sprint(year) + "-"
	now := s.now().UTC()
	rows := make([]calendarRow, 0, len(days))
	seen := make(map[string]bool, len(days))
	for i, d := range days {
		d = trimDay(d)
		if _, fe := checkDay(d, true); fe != nil {
			return atIndex(fe, i)
		}
		if !strings.HasPrefix(d.Date, prefix) {
			return &FieldError{Field: fmt.Sprintf("days[%d].date", i), Message: fmt.Sprintf("日期 %s 不在 %d 年 (date %s is not in %d)", d.Date, year, d.Date, year)}
		}
		if seen[d.Date] {
			return &FieldError{Field: fmt.Sprintf("days[%d].date", i), Message: fmt.Sprintf("日期 %s 重复 (date %s appears twice)", d.Date, d.Date)}
		}
		seen[d.Date] = true
		rows = append(rows, calendarRow{CenterID: centerID, Date: d.Date, Kind: d.Kind, Name: d.Name, UpdatedAt: now})
	}
	for _, b := range national {
		if strings.HasPrefix(b.Date, prefix) && !seen[b.Date] {
			rows = append(rows, calendarRow{CenterID: centerID, Date: b.Date, Kind: Normal, UpdatedAt: now})
		}
	}
	first, last := yearBounds(year)
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := checkCenter(ctx, tx, centerID); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*calendarRow)(nil)).
			Where("center_id = ?", centerID).
			Where("date >= ? AND date <= ?", first, last).
			Exec(ctx); err != nil {
			return fmt.Errorf("workdays: clear %d calendar of center %d: %w", year, centerID, err)
		}
		if len(rows) == 0 {
			return nil
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return fmt.Errorf("workdays: import %d calendar of center %d: %w", year, centerID, store.Translate(err))
		}
		return nil
	})
}

// effective merges a center's rows over the national calendar and returns
// the Holiday and Workday entries whose date starts with prefix, sorted.
func effective(rows []calendarRow, prefix string) []Day {
	byDate := make(map[string]Day, len(national)+len(rows))
	for _, d := range national {
		if strings.HasPrefix(d.Date, prefix) {
			byDate[d.Date] = d
		}
	}
	for _, r := range rows {
		if r.Kind == Normal {
			delete(byDate, r.Date)
			continue
		}
		byDate[r.Date] = Day{Date: r.Date, Kind: r.Kind, Name: r.Name}
	}
	days := make([]Day, 0, len(byDate))
	for _, d := range byDate {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Date < days[j].Date })
	return days
}

func checkCenter(ctx context.Context, db bun.IDB, centerID int64) error {
	exists, err := db.NewSelect().Table("centers").Where("id = ?", centerID).Exists(ctx)
	if err != nil {
		return fmt.Errorf("workdays: find center %d: %w", centerID, err)
	}
	if !exists {
		return fmt.Errorf("workdays: center %d: %w", centerID, store.ErrNotFound)
	}
	return nil
}

func checkYear(year int) error {
	if year < minYear || year > maxYear {
		return &FieldError{Field: "year", Message: fmt.Sprintf("年份 %d 应在 %d–%d 之间 (year must be in %d–%d)", year, minYear, maxYear, minYear, maxYear)}
	}
	return nil
}

func yearBounds(year int) (first, last string) {
	return fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-12-31", year)
}

func trimDay(d Day) Day {
	return Day{Date: strings.TrimSpace(d.Date), Kind: Kind(strings.TrimSpace(string(d.Kind))), Name: strings.TrimSpace(d.Name)}
}
