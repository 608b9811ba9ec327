package staff

import (
	"context"
	"fmt"
	"strings"

	"github.com/kaoping/kaoping/app/store"
)

// Items lists the center's service items sorted by code.
func (s *Service) Items(ctx context.Context, centerID int64) ([]ServiceItem, error) {
	items := []ServiceItem{}
	if err := s.db.NewSelect().Model(&items).Where("si.center_id = ?", centerID).
		OrderExpr(orderBinary(s.db, "si.code")).Scan(ctx); err != nil {
		return nil, fmt.Errorf("staff: list items: %w", err)
	}
	return items, nil
}

// ItemByCode returns the center's service item with code (事项编码).
func (s *Service) ItemByCode(ctx context.Context, centerID int64, code string) (*ServiceItem, error) {
	code = normalizeCode(code)
	it := new(ServiceItem)
	if err := s.db.NewSelect().Model(it).Where("si.center_id = ?", centerID).Where("si.code = ?", code).Scan(ctx); err != nil {
		return nil, notFound(err, "service item %q", code)
	}
	return it, nil
}

// ItemByID returns the center's service item with id; an item of another
// center is not found.
func (s *Service) ItemByID(ctx context.Context, centerID, id int64) (*ServiceItem, error) {
	it := new(ServiceItem)
	if err := s.db.NewSelect().Model(it).Where("si.center_id = ?", centerID).Where("si.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "service item %d", id)
	}
	return it, nil
}

// CreateItem validates and inserts it; it.ID is set. A code already used in
// the center is store.ErrConflict.
func (s *Service) CreateItem(ctx context.Context, it *ServiceItem) error {
	if err := s.checkItem(ctx, it); err != nil {
		return err
	}
	it.ID = 0
	it.CreatedAt = s.now().UTC()
	if _, err := s.db.NewInsert().Model(it).Exec(ctx); err != nil {
		return fmt.Errorf("staff: create item %q: %w", it.Code, store.Translate(err))
	}
	return nil
}

// UpdateItem saves the code and name of it, found by it.ID within
// it.CenterID.
func (s *Service) UpdateItem(ctx context.Context, it *ServiceItem) error {
	if err := s.checkItem(ctx, it); err != nil {
		return err
	}
	res, err := s.db.NewUpdate().Model(it).Column("code", "name").
		Where("si.id = ?", it.ID).Where("si.center_id = ?", it.CenterID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("staff: update item %d: %w", it.ID, store.Translate(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("staff: service item %d: %w", it.ID, store.ErrNotFound)
	}
	return nil
}

func (s *Service) checkItem(ctx context.Context, it *ServiceItem) error {
	it.Code = normalizeCode(it.Code)
	it.Name = strings.TrimSpace(it.Name)
	if fe := checkText("code", it.Code, maxItemCode, true); fe != nil {
		return fe
	}
	if fe := checkText("name", it.Name, maxItemName, false); fe != nil {
		return fe
	}
	_, err := s.center(ctx, s.db, it.CenterID)
	return err
}
