package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/app/training/modfile"
)

// ExportModule writes a module's published version (or its draft) as a
// folder in the module file format and returns the version number.
func (a *App) ExportModule(ctx context.Context, centerID int64, code string, draft bool, dir string) (int, error) {
	if centerID == 0 {
		c, err := a.staff.DefaultCenter(ctx)
		if err != nil {
			return 0, err
		}
		centerID = c.ID
	}
	m, err := a.training.ModuleByCode(ctx, centerID, code)
	if errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("no module %q: %w", code, err)
	} else if err != nil {
		return 0, err
	}
	var v *training.Version
	if draft {
		v, err = a.training.Draft(ctx, m.ID)
	} else {
		v, err = a.training.CurrentVersion(ctx, m.ID)
	}
	if errors.Is(err, store.ErrNotFound) {
		what := "published version"
		if draft {
			what = "draft"
		}
		return 0, fmt.Errorf("module %s has no %s: %w", code, what, err)
	} else if err != nil {
		return 0, err
	}
	out := &modfile.Module{Code: m.Code, Title: v.Title, Summary: v.Summary, ValidityMonths: m.ValidityMonths, Standard: v.Standard, Assets: map[string][]byte{}}
	if m.Item != nil {
		out.ItemCode = m.Item.Code
	}
	for _, l := range v.Lessons {
		out.Lessons = append(out.Lessons, training.Lesson{Title: l.Title, Body: l.Body})
	}
	assets, err := a.training.Assets(ctx, m.ID)
	if err != nil {
		return 0, err
	}
	for _, as := range assets {
		full, err := a.training.Asset(ctx, m.ID, as.Name)
		if err != nil {
			return 0, err
		}
		out.Assets[as.Name] = full.Data
	}
	if err := modfile.WriteDir(out, dir); err != nil {
		return 0, err
	}
	return v.Number, nil
}

// ImportModule reads a module folder, zip or module.md and stores it as a
// draft (a new module, or the next draft of an existing one). Publishing
// stays a two-person decision in the UI.
func (a *App) ImportModule(ctx context.Context, centerID int64, path string, by Actor) (string, int, error) {
	if centerID == 0 {
		c, err := a.staff.DefaultCenter(ctx)
		if err != nil {
			return "", 0, err
		}
		centerID = c.ID
	}
	mf, err := modfile.ReadPath(path)
	if err != nil {
		return "", 0, err
	}
	in := training.ModuleInput{CenterID: centerID, Code: mf.Code, ItemCode: mf.ItemCode, ValidityMonths: mf.ValidityMonths,
		Title: mf.Title, Summary: mf.Summary, Standard: mf.Standard, Lessons: mf.Lessons}
	m, v, err := a.training.ImportModule(ctx, in, mf.Assets, 0)
	if err != nil {
		return "", 0, err
	}
	cid := centerID
	if err := a.audit.Record(ctx, nil, audit.Entry{CenterID: &cid, Actor: by.Name, IP: by.IP, Action: "module.import", Target: "module:" + m.Code, Detail: fmt.Sprintf("version=%d path=%s", v.Number, path)}); err != nil {
		return "", 0, err
	}
	return m.Code, v.Number, nil
}
