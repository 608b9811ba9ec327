package training

import (
	"context"
	"errors"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// ModuleForItem returns the center's published module of a service item
// (the one with the newest published version when there are several), or
// store.ErrNotFound.
func (s *Service) ModuleForItem(ctx context.Context, db bun.IDB, centerID, itemID int64) (*Module, *Version, error) {
	if db == nil {
		db = s.db
	}
	var mods []Module
	if err := db.NewSelect().Model(&mods).Where("m.center_id = ? AND m.item_id = ?", centerID, itemID).
		OrderExpr("m.id").Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("training: modules of item %d: %w", itemID, err)
	}
	var best *Module
	var bestV *Version
	for i := range mods {
		v, err := currentVersion(ctx, db, mods[i].ID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if bestV == nil || v.PublishedAt != nil && bestV.PublishedAt != nil && v.PublishedAt.After(*bestV.PublishedAt) {
			best, bestV = &mods[i], v
		}
	}
	if best == nil {
		return nil, nil, fmt.Errorf("training: no published module for item %d: %w", itemID, store.ErrNotFound)
	}
	return best, bestV, nil
}

// Retrain enrols a person in a module again (reason retrain), due on due,
// even after a valid completion — the closed loop sends people back to the
// standard they were rated badly on — unless an open enrolment of the
// module exists, which is returned with false. The person is notified.
func (s *Service) Retrain(ctx context.Context, db bun.IDB, centerID, staffID, moduleID int64, due string) (*Enrolment, bool, error) {
	if db == nil {
		db = s.db
	}
	v, err := currentVersion(ctx, db, moduleID)
	if err != nil {
		return nil, false, err
	}
	e := &Enrolment{CenterID: centerID, StaffID: staffID, ModuleID: moduleID, VersionID: v.ID, Reason: ReasonRetrain, DueDate: due}
	ok, err := s.enrol(ctx, db, e, v)
	if err != nil || ok {
		return e, ok, err
	}
	open := new(Enrolment)
	if err := db.NewSelect().Model(open).Where("e.staff_id = ? AND e.module_id = ? AND e.status <> ?", staffID, moduleID, EnrolmentCompleted).
		Limit(1).Scan(ctx); err != nil {
		return nil, false, fmt.Errorf("training: open enrolment: %w", store.Translate(err))
	}
	return open, false, nil
}
