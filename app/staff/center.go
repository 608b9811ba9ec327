package staff

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// DefaultCenter returns the center with the lowest id: the one migration
// 0001 creates, where imports and accounts land until there are others.
func (s *Service) DefaultCenter(ctx context.Context) (*Center, error) {
	c := new(Center)
	if err := s.db.NewSelect().Model(c).OrderExpr("c.id").Limit(1).Scan(ctx); err != nil {
		return nil, notFound(err, "default center")
	}
	return c, nil
}

// CenterIDs lists the ids of every center, ascending.
func (s *Service) CenterIDs(ctx context.Context) ([]int64, error) {
	var ids []int64
	if err := s.db.NewSelect().Model((*Center)(nil)).Column("c.id").OrderExpr("c.id").Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("staff: list centers: %w", err)
	}
	return ids, nil
}

// Center returns the center with id.
func (s *Service) Center(ctx context.Context, id int64) (*Center, error) {
	return s.center(ctx, s.db, id)
}

func (s *Service) center(ctx context.Context, db bun.IDB, id int64) (*Center, error) {
	c := new(Center)
	if err := db.NewSelect().Model(c).Where("c.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "center %d", id)
	}
	return c, nil
}

// UpdateCenter saves the code, name and time zone of c (found by c.ID). The
// time zone must be an IANA name that time.LoadLocation knows.
func (s *Service) UpdateCenter(ctx context.Context, c *Center) error {
	c.Code = strings.TrimSpace(c.Code)
	c.Name = strings.TrimSpace(c.Name)
	c.Timezone = strings.TrimSpace(c.Timezone)
	if fe := checkText("code", c.Code, 32, true); fe != nil {
		return fe
	}
	if fe := checkText("name", c.Name, 128, false); fe != nil {
		return fe
	}
	if _, err := loadLocation(c.Timezone); err != nil {
		return &FieldError{Field: "timezone", Message: fmt.Sprintf("未知时区 %q，例如 Asia/Shanghai (unknown time zone; use an IANA name such as Asia/Shanghai)", c.Timezone)}
	}
	res, err := s.db.NewUpdate().Model(c).Column("code", "name", "timezone").WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("staff: update center %d: %w", c.ID, store.Translate(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("staff: center %d: %w", c.ID, store.ErrNotFound)
	}
	return nil
}

// Today returns the current date in the center's time zone, YYYY-MM-DD.
func (s *Service) Today(ctx context.Context, centerID int64) (string, error) {
	c, err := s.center(ctx, s.db, centerID)
	if err != nil {
		return "", err
	}
	return s.today(c)
}

func (s *Service) today(c *Center) (string, error) {
	loc, err := s.location(c.Timezone)
	if err != nil {
		return "", err
	}
	return s.now().In(loc).Format(dateLayout), nil
}
