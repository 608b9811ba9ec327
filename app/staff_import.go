package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/audit"
	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/rbac"
)

// NewAccount is an employee account created by a staff import, with its
// one-time initial password.
type NewAccount struct {
	StaffNo  string
	Name     string
	Username string
	Password string
}

// StaffImport configures ImportStaff.
type StaffImport struct {
	staff.ImportOptions
	// CreateAccounts gives every imported person without an account an
	// employee account (username = lower-cased staff number) with a one-time
	// password that must be changed at the first login.
	CreateAccounts bool
	// OnAccount receives each new account inside the import transaction; an
	// error aborts the whole import.
	OnAccount func(NewAccount) error
	FileName  string
}

// ImportStaff imports a staff directory file into the default center (or
// by.CenterID) in one transaction, accounts included, and audits it.
func (a *App) ImportStaff(ctx context.Context, r io.Reader, in StaffImport, by Actor) (*staff.ImportResult, error) {
	centerID := by.CenterID
	if centerID == 0 {
		c, err := a.staff.DefaultCenter(ctx)
		if err != nil {
			return nil, err
		}
		centerID = c.ID
	}
	opt := in.ImportOptions
	accounts := 0
	if in.CreateAccounts {
		opt.AfterSave = func(ctx context.Context, tx bun.Tx, m *staff.Member, created bool) error {
			made, err := a.ensureAccount(ctx, tx, m, in.OnAccount)
			if made {
				accounts++
			}
			return err
		}
	}
	res, err := a.staff.Import(ctx, centerID, r, opt)
	if err != nil {
		return res, err
	}
	detail := fmt.Sprintf("file=%s rows=%d created=%d updated=%d moved=%d rejected=%d accounts=%d",
		in.FileName, res.Rows, res.Created, res.Updated, res.Moved, len(res.Rejected), accounts)
	if err := a.audit.Record(ctx, nil, audit.Entry{CenterID: &centerID, Actor: by.Name, IP: by.IP, Action: "staff.import", Target: "center:" + fmt.Sprint(centerID), Detail: detail}); err != nil {
		return res, err
	}
	return res, a.authz.Refresh(ctx)
}

// ensureAccount creates an employee account for m inside tx unless one is
// linked already.
func (a *App) ensureAccount(ctx context.Context, tx bun.Tx, m *staff.Member, onAccount func(NewAccount) error) (bool, error) {
	n, err := tx.NewSelect().Table("users").Where("staff_id = ?", m.ID).Count(ctx)
	if err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	pw := auth.GeneratePassword()
	u := &auth.User{CenterID: m.CenterID, Username: strings.ToLower(m.StaffNo), DisplayName: m.Name, StaffID: &m.ID, MustChangePassword: true}
	if err := a.auth.CreateUser(ctx, tx, u, pw); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return false, fmt.Errorf("staff %s: username %q is taken by another account: %w", m.StaffNo, u.Username, staff.ErrInvalid)
		}
		return false, fmt.Errorf("staff %s: %w", m.StaffNo, err)
	}
	if err := rbac.WriteGrants(ctx, tx, []rbac.Grant{{Subject: rbac.UserSubject(u.ID), Role: rbac.RoleEmployee, Domain: rbac.StaffDomain(m.ID)}}); err != nil {
		return false, err
	}
	if onAccount != nil {
		if err := onAccount(NewAccount{StaffNo: m.StaffNo, Name: m.Name, Username: u.Username, Password: pw}); err != nil {
			return false, err
		}
	}
	return true, nil
}
