package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// ModuleInput creates a module with its first draft (CreateModule) or
// brings a module file in (ImportModule).
type ModuleInput struct {
	CenterID       int64
	Code           string // 1–40 characters a-z 0-9 - _ . (lower-cased)
	ItemCode       string // service item code (事项编码); "" = general topic
	ValidityMonths int    // 0 = certificates never expire
	Title, Summary string
	Standard       Standard
	Lessons        []Lesson
}

// DraftInput is the content of a draft.
type DraftInput struct {
	Title, Summary string
	Standard       Standard
	Lessons        []Lesson
}

var codePattern = regexp.MustCompile(`^[a-z0-9._-]{1,40}$`)

// NormalizeCode lower-cases and trims a module code and checks it: 1–40
// characters from a-z, 0-9, '-', '_' and '.'.
func NormalizeCode(code string) (string, error) {
	c := strings.ToLower(strings.TrimSpace(code))
	if !codePattern.MatchString(c) {
		return "", invalidf("code", "want 1–40 characters a-z, 0-9, '-', '_' or '.', got %q", code)
	}
	return c, nil
}

// CreateModule creates a module with version 1 as a draft authored by by.
// The code is unique per center (store.ErrConflict); an unknown item code is
// ErrInvalid naming item_code.
func (s *Service) CreateModule(ctx context.Context, in ModuleInput, by int64) (*Module, *Version, error) {
	m, err := s.checkModuleInput(ctx, &in)
	if err != nil {
		return nil, nil, err
	}
	var v *Version
	err = s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		v, err = s.createModule(ctx, tx, m, draftOf(in), by)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return m, v, nil
}

func draftOf(in ModuleInput) DraftInput {
	return DraftInput{Title: in.Title, Summary: in.Summary, Standard: in.Standard, Lessons: in.Lessons}
}

// checkModuleInput normalizes and validates the module-level fields and
// returns the module row to insert (or to compare with).
func (s *Service) checkModuleInput(ctx context.Context, in *ModuleInput) (*Module, error) {
	code, err := NormalizeCode(in.Code)
	if err != nil {
		return nil, err
	}
	in.Code = code
	if in.ValidityMonths < 0 || in.ValidityMonths > MaxValidity {
		return nil, invalidf("validity_months", "must be 0–%d", MaxValidity)
	}
	if _, err := s.today(ctx, s.db, in.CenterID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, invalidf("center_id", "no center %d", in.CenterID)
		}
		return nil, err
	}
	m := &Module{CenterID: in.CenterID, Code: code, ValidityMonths: in.ValidityMonths}
	if ic := strings.TrimSpace(in.ItemCode); ic != "" {
		it, err := s.staff.ItemByCode(ctx, in.CenterID, ic)
		if errors.Is(err, store.ErrNotFound) {
			return nil, invalidf("item_code", "no service item %q in this center", ic)
		}
		if err != nil {
			return nil, err
		}
		m.ItemID, m.Item = &it.ID, it
	}
	return m, nil
}

func (s *Service) createModule(ctx context.Context, tx bun.Tx, m *Module, in DraftInput, by int64) (*Version, error) {
	if err := normalizeDraft(&in); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	m.ID, m.CreatedBy, m.CreatedAt, m.UpdatedAt = 0, by, now, now
	if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
		return nil, fmt.Errorf("training: create module %q: %w", m.Code, store.Translate(err))
	}
	v := &Version{ModuleID: m.ID, Number: 1, Status: StatusDraft, AuthorID: by, CreatedAt: now, UpdatedAt: now}
	setContent(v, in)
	if _, err := tx.NewInsert().Model(v).Exec(ctx); err != nil {
		return nil, fmt.Errorf("training: create version: %w", store.Translate(err))
	}
	if err := insertLessons(ctx, tx, v); err != nil {
		return nil, err
	}
	return v, nil
}

func setContent(v *Version, in DraftInput) {
	v.Title, v.Summary, v.Standard = in.Title, in.Summary, in.Standard
	v.Lessons = make([]VersionLesson, len(in.Lessons))
	for i, l := range in.Lessons {
		v.Lessons[i] = VersionLesson{VersionID: v.ID, Position: i + 1, Title: l.Title, Body: l.Body}
	}
}

func insertLessons(ctx context.Context, db bun.IDB, v *Version) error {
	if len(v.Lessons) == 0 {
		return nil
	}
	for i := range v.Lessons {
		v.Lessons[i].ID = 0
		v.Lessons[i].VersionID = v.ID
	}
	if _, err := db.NewInsert().Model(&v.Lessons).Exec(ctx); err != nil {
		return fmt.Errorf("training: insert lessons: %w", store.Translate(err))
	}
	return nil
}

// normalizeDraft trims the content, drops empty channel notes and empty
// lists (so equal content stores equal JSON) and checks the rules a draft
// must already keep: sizes and Standard.Validate. Emptiness is allowed.
func normalizeDraft(in *DraftInput) error {
	in.Title = strings.TrimSpace(in.Title)
	in.Summary = strings.TrimSpace(in.Summary)
	if utf8.RuneCountInString(in.Title) > MaxTitleRunes {
		return invalidf("title", "at most %d characters", MaxTitleRunes)
	}
	if utf8.RuneCountInString(in.Summary) > MaxTextRunes {
		return invalidf("summary", "at most %d characters", MaxTextRunes)
	}
	in.Standard = normalizeStandard(in.Standard)
	if err := in.Standard.Validate(); err != nil {
		return err
	}
	if len(in.Lessons) > MaxLessons {
		return invalidf("lessons", "at most %d lessons", MaxLessons)
	}
	ls := make([]Lesson, len(in.Lessons))
	for i, l := range in.Lessons {
		l.Title = strings.TrimSpace(l.Title)
		l.Body = strings.ReplaceAll(l.Body, "\r\n", "\n")
		if utf8.RuneCountInString(l.Title) > MaxTitleRunes {
			return invalidf(fmt.Sprintf("lessons[%d].title", i+1), "at most %d characters", MaxTitleRunes)
		}
		if len(l.Body) > MaxLessonBytes {
			return invalidf(fmt.Sprintf("lessons[%d].body", i+1), "larger than %d KiB", MaxLessonBytes>>10)
		}
		if !utf8.ValidString(l.Body) {
			return invalidf(fmt.Sprintf("lessons[%d].body", i+1), "not valid UTF-8")
		}
		ls[i] = l
	}
	if len(ls) == 0 {
		ls = nil
	}
	in.Lessons = ls
	return nil
}

func normalizeStandard(st Standard) Standard {
	var out Standard
	for _, s := range st.Steps {
		out.Steps = append(out.Steps, Step{Title: strings.TrimSpace(s.Title), Detail: strings.TrimSpace(s.Detail)})
	}
	for _, m := range st.Materials {
		out.Materials = append(out.Materials, Material{Name: strings.TrimSpace(m.Name), Form: strings.TrimSpace(m.Form), Count: m.Count, Notes: strings.TrimSpace(m.Notes)})
	}
	for _, c := range st.Criteria {
		out.Criteria = append(out.Criteria, strings.TrimSpace(c))
	}
	out.TimeLimitDays = st.TimeLimitDays
	for ch, note := range st.ChannelNotes {
		if note = strings.TrimSpace(note); note != "" {
			if out.ChannelNotes == nil {
				out.ChannelNotes = map[string]string{}
			}
			out.ChannelNotes[ch] = note
		}
	}
	return out
}

// checkPublishable applies the rules of publication: a title, some content
// (lessons or a standard), a valid standard, lessons with title and body.
func checkPublishable(v *Version) error {
	if strings.TrimSpace(v.Title) == "" {
		return invalidf("title", "required")
	}
	if len(v.Lessons) == 0 && v.Standard.Empty() {
		return invalidf("content", "the module is empty: add lessons or a standard")
	}
	if err := v.Standard.Validate(); err != nil {
		return err
	}
	for i, l := range v.Lessons {
		if strings.TrimSpace(l.Title) == "" {
			return invalidf(fmt.Sprintf("lessons[%d].title", i+1), "required")
		}
		if strings.TrimSpace(l.Body) == "" {
			return invalidf(fmt.Sprintf("lessons[%d].body", i+1), "empty")
		}
	}
	return nil
}

// Modules lists the center's modules sorted by code, each with its
// published version and its version in the works (without lessons).
func (s *Service) Modules(ctx context.Context, centerID int64) ([]ModuleSummary, error) {
	var ms []Module
	if err := s.db.NewSelect().Model(&ms).Relation("Item").Where("m.center_id = ?", centerID).
		OrderExpr(orderBinary(s.db, "m.code")).Scan(ctx); err != nil {
		return nil, fmt.Errorf("training: list modules: %w", err)
	}
	return s.summaries(ctx, ms)
}

// summaries attaches the published and the open version to each module.
func (s *Service) summaries(ctx context.Context, ms []Module) ([]ModuleSummary, error) {
	out := make([]ModuleSummary, len(ms))
	index := make(map[int64]int, len(ms))
	ids := make([]int64, len(ms))
	for i, m := range ms {
		out[i].Module = m
		index[m.ID] = i
		ids[i] = m.ID
	}
	for chunk := range slices.Chunk(ids, inChunk) {
		var vs []Version
		if err := s.db.NewSelect().Model(&vs).Where("v.module_id IN (?)", bun.List(chunk)).
			Where("v.status IN (?)", bun.List([]string{StatusDraft, StatusPending, StatusPublished})).
			Scan(ctx); err != nil {
			return nil, fmt.Errorf("training: list versions: %w", err)
		}
		for i := range vs {
			sum := &out[index[vs[i].ModuleID]]
			if vs[i].Status == StatusPublished {
				sum.Current = &vs[i]
			} else {
				sum.Draft = &vs[i]
			}
		}
	}
	return out, nil
}

// PendingApprovals lists the center's modules that have a version waiting
// for approval (in ModuleSummary.Draft), oldest submission first.
func (s *Service) PendingApprovals(ctx context.Context, centerID int64) ([]ModuleSummary, error) {
	var ms []Module
	if err := s.db.NewSelect().Model(&ms).Relation("Item").Where("m.center_id = ?", centerID).
		Join("JOIN module_versions AS pv ON pv.module_id = m.id AND pv.status = ?", StatusPending).
		OrderExpr("pv.submitted_at, m.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("training: pending approvals: %w", err)
	}
	return s.summaries(ctx, ms)
}

// ModuleByCode returns the center's module with code (case-insensitive).
func (s *Service) ModuleByCode(ctx context.Context, centerID int64, code string) (*Module, error) {
	c := strings.ToLower(strings.TrimSpace(code))
	m := new(Module)
	if err := s.db.NewSelect().Model(m).Relation("Item").Where("m.center_id = ?", centerID).
		Where("m.code = ?", c).Scan(ctx); err != nil {
		return nil, notFound(err, "module %q", c)
	}
	return m, nil
}

// ModuleByID returns the module with id, in any center.
func (s *Service) ModuleByID(ctx context.Context, id int64) (*Module, error) {
	return moduleByID(ctx, s.db, id)
}

func moduleByID(ctx context.Context, db bun.IDB, id int64) (*Module, error) {
	m := new(Module)
	if err := db.NewSelect().Model(m).Relation("Item").Where("m.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "module %d", id)
	}
	return m, nil
}

// UpdateModule saves what is not versioned: the service item (m.ItemID, an
// item of the module's center, or nil) and the validity in months. Existing
// certificates keep their expiry.
func (s *Service) UpdateModule(ctx context.Context, m *Module) error {
	cur, err := moduleByID(ctx, s.db, m.ID)
	if err != nil {
		return err
	}
	if m.ValidityMonths < 0 || m.ValidityMonths > MaxValidity {
		return invalidf("validity_months", "must be 0–%d", MaxValidity)
	}
	m.Item = nil
	if m.ItemID != nil {
		it, err := s.staff.ItemByID(ctx, cur.CenterID, *m.ItemID)
		if errors.Is(err, store.ErrNotFound) {
			return invalidf("item_id", "no service item %d in this center", *m.ItemID)
		}
		if err != nil {
			return err
		}
		m.Item = it
	}
	m.CenterID, m.Code, m.CreatedBy, m.CreatedAt = cur.CenterID, cur.Code, cur.CreatedBy, cur.CreatedAt
	m.UpdatedAt = s.now().UTC()
	if _, err := s.db.NewUpdate().Model(m).Column("item_id", "validity_months", "updated_at").
		Where("m.id = ?", m.ID).Exec(ctx); err != nil {
		return fmt.Errorf("training: update module %d: %w", m.ID, store.Translate(err))
	}
	return nil
}

// Versions lists the module's versions newest first, without lessons.
func (s *Service) Versions(ctx context.Context, moduleID int64) ([]Version, error) {
	if _, err := moduleByID(ctx, s.db, moduleID); err != nil {
		return nil, err
	}
	vs := []Version{}
	if err := s.db.NewSelect().Model(&vs).Where("v.module_id = ?", moduleID).
		OrderExpr("v.number DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("training: versions of module %d: %w", moduleID, err)
	}
	return vs, nil
}

// Version returns the version with id, with its lessons.
func (s *Service) Version(ctx context.Context, versionID int64) (*Version, error) {
	return versionWhere(ctx, s.db, "version %d", []any{versionID}, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("v.id = ?", versionID)
	})
}

// CurrentVersion returns the module's published version with its lessons;
// store.ErrNotFound if none is published yet.
func (s *Service) CurrentVersion(ctx context.Context, moduleID int64) (*Version, error) {
	return currentVersion(ctx, s.db, moduleID)
}

func currentVersion(ctx context.Context, db bun.IDB, moduleID int64) (*Version, error) {
	return versionWhere(ctx, db, "published version of module %d", []any{moduleID}, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("v.module_id = ?", moduleID).Where("v.status = ?", StatusPublished)
	})
}

// Draft returns the module's draft or pending version with its lessons;
// store.ErrNotFound if there is none.
func (s *Service) Draft(ctx context.Context, moduleID int64) (*Version, error) {
	return openVersion(ctx, s.db, moduleID)
}

func openVersion(ctx context.Context, db bun.IDB, moduleID int64) (*Version, error) {
	return versionWhere(ctx, db, "draft of module %d", []any{moduleID}, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("v.module_id = ?", moduleID).Where("v.status IN (?)", bun.List([]string{StatusDraft, StatusPending}))
	})
}

func versionWhere(ctx context.Context, db bun.IDB, what string, args []any, where func(*bun.SelectQuery) *bun.SelectQuery) (*Version, error) {
	v := new(Version)
	if err := db.NewSelect().Model(v).Apply(where).
		Relation("Lessons", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("ml.position") }).
		Scan(ctx); err != nil {
		return nil, notFound(err, what, args...)
	}
	if v.Lessons == nil {
		v.Lessons = []VersionLesson{}
	}
	return v, nil
}

// SaveDraft stores in as the module's draft: it creates the next version
// (as a draft) if the module has none in the works, or replaces the
// content of the draft. A pending version is ErrNotEditable (reject it
// first). The draft's author becomes by: the two-person rule is about
// whoever last shaped the content. Drafts may be empty, but the standard
// must be valid.
func (s *Service) SaveDraft(ctx context.Context, moduleID int64, in DraftInput, by int64) (*Version, error) {
	if err := normalizeDraft(&in); err != nil {
		return nil, err
	}
	var v *Version
	err := s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := moduleByID(ctx, tx, moduleID); err != nil {
			return err
		}
		var err error
		v, err = s.saveDraft(ctx, tx, moduleID, in, by)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// saveDraft writes normalized content as the module's draft.
func (s *Service) saveDraft(ctx context.Context, tx bun.Tx, moduleID int64, in DraftInput, by int64) (*Version, error) {
	now := s.now().UTC()
	v, err := openVersion(ctx, tx, moduleID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		var max int
		if err := tx.NewSelect().Model((*Version)(nil)).ColumnExpr("COALESCE(MAX(v.number), 0)").
			Where("v.module_id = ?", moduleID).Scan(ctx, &max); err != nil {
			return nil, fmt.Errorf("training: next version number: %w", err)
		}
		v = &Version{ModuleID: moduleID, Number: max + 1, Status: StatusDraft, AuthorID: by, CreatedAt: now, UpdatedAt: now}
		setContent(v, in)
		if _, err := tx.NewInsert().Model(v).Exec(ctx); err != nil {
			return nil, fmt.Errorf("training: create draft: %w", store.Translate(err))
		}
		return v, insertLessons(ctx, tx, v)
	case err != nil:
		return nil, err
	case v.Status != StatusDraft:
		return nil, fmt.Errorf("training: version %d is %s: %w", v.Number, v.Status, ErrNotEditable)
	}
	setContent(v, in)
	v.AuthorID, v.UpdatedAt = by, now
	res, err := tx.NewUpdate().Model(v).Column("title", "summary", "standard", "author_id", "updated_at").
		Where("v.id = ?", v.ID).Where("v.status = ?", StatusDraft).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("training: save draft: %w", store.Translate(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, fmt.Errorf("training: version %d is no longer a draft: %w", v.Number, ErrNotEditable)
	}
	if _, err := tx.NewDelete().Model((*VersionLesson)(nil)).Where("version_id = ?", v.ID).Exec(ctx); err != nil {
		return nil, fmt.Errorf("training: replace lessons: %w", err)
	}
	return v, insertLessons(ctx, tx, v)
}

// lockVersion loads a version with its lessons and, on PostgreSQL, locks
// its row for the rest of the transaction.
func lockVersion(ctx context.Context, tx bun.Tx, versionID int64) (*Version, error) {
	var id int64
	if err := forUpdate(tx.NewSelect().Model((*Version)(nil)).Column("v.id").Where("v.id = ?", versionID)).
		Scan(ctx, &id); err != nil {
		return nil, notFound(err, "version %d", versionID)
	}
	return versionWhere(ctx, tx, "version %d", []any{versionID}, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("v.id = ?", versionID)
	})
}

// Submit asks for approval of a draft: draft → pending. The publication
// rules are checked now so that errors come early. policy is
// PolicyGrandfather, or PolicyRecertify with recertDays 1–365: the number of
// days those who completed an older version get to complete this one.
func (s *Service) Submit(ctx context.Context, versionID int64, policy string, recertDays int, by int64) error {
	switch policy {
	case PolicyGrandfather:
		recertDays = 0
	case PolicyRecertify:
		if recertDays < 1 || recertDays > MaxRecertDays {
			return invalidf("recert_days", "must be 1–%d for re-certification", MaxRecertDays)
		}
	default:
		return invalidf("policy", "want grandfather or recertify, got %q", policy)
	}
	return s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		v, err := lockVersion(ctx, tx, versionID)
		if err != nil {
			return err
		}
		if v.Status != StatusDraft {
			return fmt.Errorf("training: submit version %d (%s): %w", v.Number, v.Status, ErrNotEditable)
		}
		if err := checkPublishable(v); err != nil {
			return err
		}
		now := s.now().UTC()
		v.Status, v.RecertPolicy, v.RecertDays, v.SubmittedAt, v.RejectReason, v.UpdatedAt = StatusPending, policy, recertDays, &now, "", now
		if _, err := tx.NewUpdate().Model(v).
			Column("status", "recert_policy", "recert_days", "submitted_at", "reject_reason", "updated_at").
			Where("v.id = ?", v.ID).Exec(ctx); err != nil {
			return fmt.Errorf("training: submit version %d: %w", v.Number, err)
		}
		return nil
	})
}

// Reject sends a pending version back to draft with the reason. The author
// may use it to withdraw their own submission.
func (s *Service) Reject(ctx context.Context, versionID, approverID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > MaxTextRunes {
		return invalidf("reason", "at most %d characters", MaxTextRunes)
	}
	return s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		v, err := lockVersion(ctx, tx, versionID)
		if err != nil {
			return err
		}
		if v.Status != StatusPending {
			return fmt.Errorf("training: reject version %d (%s): %w", v.Number, v.Status, ErrNotEditable)
		}
		v.Status, v.RejectReason, v.UpdatedAt = StatusDraft, reason, s.now().UTC()
		if _, err := tx.NewUpdate().Model(v).Column("status", "reject_reason", "updated_at").
			Where("v.id = ?", v.ID).Exec(ctx); err != nil {
			return fmt.Errorf("training: reject version %d: %w", v.Number, err)
		}
		return nil
	})
}

// Approve publishes a pending version (pending → published) in one
// transaction: the previous published version is retired, open enrolments
// move to the new version, and under PolicyRecertify everyone whose latest
// completion is on an older version is enrolled again. The approver must not
// be the author (ErrSelfApproval); whether they may approve at all (another
// trainer or an admin) is the caller's check.
func (s *Service) Approve(ctx context.Context, versionID, approverID int64) error {
	return s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		v, err := lockVersion(ctx, tx, versionID)
		if err != nil {
			return err
		}
		if v.Status != StatusPending {
			return fmt.Errorf("training: approve version %d (%s): %w", v.Number, v.Status, ErrNotEditable)
		}
		if v.AuthorID == approverID {
			return ErrSelfApproval
		}
		if err := checkPublishable(v); err != nil {
			return err
		}
		m, err := moduleByID(ctx, tx, v.ModuleID)
		if err != nil {
			return err
		}
		today, err := s.today(ctx, tx, m.CenterID)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if _, err := tx.NewUpdate().Model((*Version)(nil)).
			Set("status = ?", StatusRetired).Set("retired_at = ?", now).Set("updated_at = ?", now).
			Where("module_id = ?", v.ModuleID).Where("status = ?", StatusPublished).Exec(ctx); err != nil {
			return fmt.Errorf("training: retire previous version: %w", err)
		}
		v.Status, v.ApprovedBy, v.PublishedAt, v.UpdatedAt = StatusPublished, &approverID, &now, now
		if _, err := tx.NewUpdate().Model(v).Column("status", "approved_by", "published_at", "updated_at").
			Where("v.id = ?", v.ID).Exec(ctx); err != nil {
			return fmt.Errorf("training: publish version %d: %w", v.Number, store.Translate(err))
		}
		if err := s.moveOpenEnrolments(ctx, tx, v); err != nil {
			return err
		}
		if v.RecertPolicy == PolicyRecertify {
			if _, err := s.recertify(ctx, tx, m, v, today); err != nil {
				return err
			}
		}
		return nil
	})
}

// ImportModule brings a module file in, in one transaction: it creates the
// module (with version 1 as a draft) if the code is new in the center, or
// else updates the module's item and validity and saves the content as the
// draft (SaveDraft: a new draft, or the existing draft replaced; a pending
// version is ErrNotEditable). It never publishes. assets are added; an
// existing asset with the same content is fine, one with other content is
// store.ErrConflict naming it.
func (s *Service) ImportModule(ctx context.Context, in ModuleInput, assets map[string][]byte, by int64) (*Module, *Version, error) {
	m, err := s.checkModuleInput(ctx, &in)
	if err != nil {
		return nil, nil, err
	}
	draft := draftOf(in)
	if err := normalizeDraft(&draft); err != nil {
		return nil, nil, err
	}
	names := make([]string, 0, len(assets))
	files := make(map[string][]byte, len(assets))
	for name, data := range assets {
		n, err := checkAsset(name, data)
		if err != nil {
			return nil, nil, fmt.Errorf("asset %q: %w", name, err)
		}
		if _, dup := files[n]; dup {
			return nil, nil, invalidf("assets", "%q given twice", n)
		}
		files[n] = data
		names = append(names, n)
	}
	slices.Sort(names)

	var v *Version
	err = s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur := new(Module)
		err := tx.NewSelect().Model(cur).Where("m.center_id = ?", m.CenterID).Where("m.code = ?", m.Code).Scan(ctx)
		switch {
		case err == nil:
			item := m.Item
			if !sameID(cur.ItemID, m.ItemID) || cur.ValidityMonths != m.ValidityMonths {
				cur.ItemID, cur.ValidityMonths, cur.UpdatedAt = m.ItemID, m.ValidityMonths, s.now().UTC()
				if _, err := tx.NewUpdate().Model(cur).Column("item_id", "validity_months", "updated_at").
					Where("m.id = ?", cur.ID).Exec(ctx); err != nil {
					return fmt.Errorf("training: update module %q: %w", cur.Code, err)
				}
			}
			m = cur
			m.Item = item
			if v, err = s.saveDraft(ctx, tx, m.ID, draft, by); err != nil {
				return err
			}
		case errors.Is(err, sql.ErrNoRows):
			if v, err = s.createModule(ctx, tx, m, draft, by); err != nil {
				return err
			}
		default:
			return fmt.Errorf("training: find module %q: %w", m.Code, err)
		}
		for _, name := range names {
			if _, err := s.addAsset(ctx, tx, m.ID, name, files[name], by); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return m, v, nil
}

func sameID(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
