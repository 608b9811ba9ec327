package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
)

// EnrolmentFilter narrows CenterEnrolments.
type EnrolmentFilter struct {
	ModuleID int64  // 0 = every module
	Status   string // "", assigned, in_progress, completed, or overdue (computed)
	Limit    int    // 0 = no limit
}

// enrol inserts e (status assigned) on version v unless the person already
// has an open enrolment for the module — the unique index decides, so
// concurrent runs create one — and tells the person. It reports whether it
// inserted.
func (s *Service) enrol(ctx context.Context, db bun.IDB, e *Enrolment, v *Version) (bool, error) {
	e.ID, e.Status, e.CreatedAt = 0, EnrolmentAssigned, s.now().UTC()
	res, err := db.NewInsert().Model(e).On("CONFLICT DO NOTHING").Returning("id").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("training: enrol staff %d: %w", e.StaffID, store.Translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 || e.ID == 0 {
		return false, nil
	}
	_, err = s.notify(ctx, db, Notification{
		CenterID: e.CenterID, StaffID: e.StaffID, Kind: "enrolment",
		Title:     "新培训任务：" + v.Title,
		Body:      fmt.Sprintf("《%s》第 %d 版，请于 %s 前完成。", v.Title, v.Number, e.DueDate),
		Link:      enrolmentLink(e.ID),
		DedupeKey: "new:enr:" + strconv.FormatInt(e.ID, 10),
	})
	return err == nil, err
}

func enrolmentLink(id int64) string { return "/enrolments/" + strconv.FormatInt(id, 10) }

// needing returns those of staffIDs who have neither an open enrolment for
// the module nor a valid completion of it.
func (s *Service) needing(ctx context.Context, db bun.IDB, moduleID int64, staffIDs []int64, today string) ([]int64, error) {
	minValid, err := minValidVersion(ctx, db, moduleID)
	if err != nil {
		return nil, err
	}
	skip := map[int64]bool{}
	for chunk := range slices.Chunk(staffIDs, inChunk) {
		var open []int64
		if err := db.NewSelect().Model((*Enrolment)(nil)).Column("e.staff_id").
			Where("e.module_id = ?", moduleID).Where("e.status <> ?", EnrolmentCompleted).
			Where("e.staff_id IN (?)", bun.List(chunk)).Scan(ctx, &open); err != nil {
			return nil, fmt.Errorf("training: open enrolments: %w", err)
		}
		valid, err := validCompleters(ctx, db, moduleID, chunk, minValid, today)
		if err != nil {
			return nil, err
		}
		for _, id := range append(open, valid...) {
			skip[id] = true
		}
	}
	var out []int64
	for _, id := range staffIDs {
		if !skip[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// validCompleters returns those of staffIDs with a valid completion: on a
// version numbered minValid or later, with a certificate not yet expired.
func validCompleters(ctx context.Context, db bun.IDB, moduleID int64, staffIDs []int64, minValid int, today string) ([]int64, error) {
	var ids []int64
	if err := db.NewSelect().TableExpr("enrolments AS e").ColumnExpr("DISTINCT e.staff_id").
		Join("JOIN module_versions AS ver ON ver.id = e.version_id").
		Join("LEFT JOIN certificates AS c ON c.enrolment_id = e.id").
		Where("e.module_id = ?", moduleID).Where("e.status = ?", EnrolmentCompleted).
		Where("ver.number >= ?", minValid).
		Where("(c.expires_on IS NULL OR c.expires_on > ?)", today).
		Where("e.staff_id IN (?)", bun.List(staffIDs)).Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("training: valid completions: %w", err)
	}
	return ids, nil
}

// minValidVersion is the number of the newest version published (now
// published or retired) with PolicyRecertify, else 1: completions of
// earlier versions no longer count.
func minValidVersion(ctx context.Context, db bun.IDB, moduleID int64) (int, error) {
	var n int
	if err := db.NewSelect().Model((*Version)(nil)).ColumnExpr("COALESCE(MAX(v.number), 1)").
		Where("v.module_id = ?", moduleID).
		Where("v.status IN (?)", bun.List([]string{StatusPublished, StatusRetired})).
		Where("v.recert_policy = ?", PolicyRecertify).Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("training: minimum valid version: %w", err)
	}
	return n, nil
}

// MinValidVersion returns the module's minimum valid version: the number of
// the newest version that was published with PolicyRecertify, else 1. A
// completion counts only if it was earned on that version or a later one
// (and its certificate has not expired).
func (s *Service) MinValidVersion(ctx context.Context, moduleID int64) (int, error) {
	if _, err := moduleByID(ctx, s.db, moduleID); err != nil {
		return 0, err
	}
	return minValidVersion(ctx, s.db, moduleID)
}

// HasValidCompletion reports whether the person holds a valid completion of
// the module today (see MinValidVersion).
func (s *Service) HasValidCompletion(ctx context.Context, staffID, moduleID int64) (bool, error) {
	m, err := moduleByID(ctx, s.db, moduleID)
	if err != nil {
		return false, err
	}
	today, err := s.today(ctx, s.db, m.CenterID)
	if err != nil {
		return false, err
	}
	minValid, err := minValidVersion(ctx, s.db, moduleID)
	if err != nil {
		return false, err
	}
	ids, err := validCompleters(ctx, s.db, moduleID, []int64{staffID}, minValid, today)
	return len(ids) > 0, err
}

// moveOpenEnrolments moves the module's open enrolments on older versions
// to the newly published v, keeping their due dates. Reading progress is
// dropped: the lessons changed.
func (s *Service) moveOpenEnrolments(ctx context.Context, tx bun.Tx, v *Version) error {
	var ids []int64
	if err := tx.NewSelect().Model((*Enrolment)(nil)).Column("e.id").
		Where("e.module_id = ?", v.ModuleID).Where("e.status <> ?", EnrolmentCompleted).
		Where("e.version_id <> ?", v.ID).
		Where("NOT EXISTS (SELECT 1 FROM enrolments AS e2 WHERE e2.staff_id = e.staff_id AND e2.version_id = ?)", v.ID).
		OrderExpr("e.id").Scan(ctx, &ids); err != nil {
		return fmt.Errorf("training: open enrolments: %w", err)
	}
	for chunk := range slices.Chunk(ids, inChunk) {
		if _, err := tx.NewDelete().Model((*lessonRead)(nil)).Where("enrolment_id IN (?)", bun.List(chunk)).Exec(ctx); err != nil {
			return fmt.Errorf("training: drop reading progress: %w", err)
		}
		if _, err := tx.NewUpdate().Model((*Enrolment)(nil)).
			Set("version_id = ?", v.ID).Set("status = ?", EnrolmentAssigned).Set("started_at = NULL").
			Where("id IN (?)", bun.List(chunk)).Exec(ctx); err != nil {
			return fmt.Errorf("training: move enrolments: %w", err)
		}
	}
	return nil
}

// recertify enrols, on the newly published v, every active person whose
// latest completion of the module is on an older version and who has no
// open enrolment for it; due v.RecertDays days from today.
func (s *Service) recertify(ctx context.Context, tx bun.Tx, m *Module, v *Version, today string) (int, error) {
	var rows []struct {
		StaffID int64
		Latest  int
	}
	if err := tx.NewSelect().TableExpr("enrolments AS e").
		ColumnExpr("e.staff_id, MAX(ver.number) AS latest").
		Join("JOIN module_versions AS ver ON ver.id = e.version_id").
		Join("JOIN staff AS s ON s.id = e.staff_id").
		Where("e.module_id = ?", m.ID).Where("e.status = ?", EnrolmentCompleted).Where("s.active = ?", true).
		Where("NOT EXISTS (SELECT 1 FROM enrolments AS o WHERE o.staff_id = e.staff_id AND o.module_id = e.module_id AND o.status <> ?)", EnrolmentCompleted).
		GroupExpr("e.staff_id").OrderExpr("e.staff_id").Scan(ctx, &rows); err != nil {
		return 0, fmt.Errorf("training: completers of module %s: %w", m.Code, err)
	}
	due := addDays(today, v.RecertDays)
	n := 0
	for _, r := range rows {
		if r.Latest >= v.Number {
			continue
		}
		e := &Enrolment{CenterID: m.CenterID, StaffID: r.StaffID, ModuleID: m.ID, VersionID: v.ID, Reason: ReasonRecertify, DueDate: due}
		ok, err := s.enrol(ctx, tx, e, v)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// lessonRead records that an enrolment's person read a lesson.
type lessonRead struct {
	bun.BaseModel `bun:"table:lesson_reads,alias:lr"`

	ID          int64 `bun:",pk,autoincrement"`
	EnrolmentID int64
	LessonID    int64
	ReadAt      time.Time
}

// EnrolmentRow returns the enrolment as stored, without what Enrolment
// adds (module, version, person, progress: eight more queries). Deciding
// who may act on an enrolment and starting its quiz need only whose it is
// and of which module.
func (s *Service) EnrolmentRow(ctx context.Context, id int64) (*Enrolment, error) {
	e := new(Enrolment)
	if err := s.db.NewSelect().Model(e).Where("e.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "enrolment %d", id)
	}
	return e, nil
}

// Enrolment returns the enrolment with its module, its version (with
// lessons), the person's name and the reading progress.
func (s *Service) Enrolment(ctx context.Context, id int64) (*Enrolment, error) {
	e := new(Enrolment)
	if err := s.db.NewSelect().Model(e).Where("e.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "enrolment %d", id)
	}
	es := []Enrolment{*e}
	if err := s.decorate(ctx, es, true); err != nil {
		return nil, err
	}
	return &es[0], nil
}

// StaffEnrolments lists a person's enrolments, completed ones included:
// overdue first, then by due date.
func (s *Service) StaffEnrolments(ctx context.Context, staffID int64) ([]Enrolment, error) {
	var st staff.Staff
	if err := s.db.NewSelect().Model(&st).Column("s.id", "s.center_id").Where("s.id = ?", staffID).Scan(ctx); err != nil {
		return nil, notFound(err, "staff %d", staffID)
	}
	return s.listEnrolments(ctx, st.CenterID, func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("e.staff_id = ?", staffID)
	}, 0)
}

// TeamEnrolments lists the enrolments of the people who belonged to the
// team on date (YYYY-MM-DD; "" = today): overdue first, then by due date.
func (s *Service) TeamEnrolments(ctx context.Context, teamID int64, date string) ([]Enrolment, error) {
	t, err := s.staff.TeamByID(ctx, teamID)
	if err != nil {
		return nil, err
	}
	members, err := s.staff.TeamMembers(ctx, teamID, date)
	if err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return []Enrolment{}, nil
	}
	ids := make([]int64, len(members))
	for i, m := range members {
		ids[i] = m.ID
	}
	var out []Enrolment
	for chunk := range slices.Chunk(ids, inChunk) {
		es, err := s.listEnrolments(ctx, t.CenterID, func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("e.staff_id IN (?)", bun.List(chunk))
		}, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	if len(ids) > inChunk {
		sortEnrolments(out)
	}
	return out, nil
}

// CenterEnrolments lists the center's enrolments: overdue first, then by
// due date.
func (s *Service) CenterEnrolments(ctx context.Context, centerID int64, f EnrolmentFilter) ([]Enrolment, error) {
	today, err := s.today(ctx, s.db, centerID)
	if err != nil {
		return nil, err
	}
	switch f.Status {
	case "", EnrolmentAssigned, EnrolmentInProgress, EnrolmentCompleted, "overdue":
	default:
		return nil, invalidf("status", "want assigned, in_progress, completed or overdue, got %q", f.Status)
	}
	return s.listEnrolments(ctx, centerID, func(q *bun.SelectQuery) *bun.SelectQuery {
		q = q.Where("e.center_id = ?", centerID)
		if f.ModuleID != 0 {
			q = q.Where("e.module_id = ?", f.ModuleID)
		}
		switch f.Status {
		case "":
		case "overdue":
			q = q.Where("e.status <> ?", EnrolmentCompleted).Where("e.due_date < ?", today)
		default:
			q = q.Where("e.status = ?", f.Status)
		}
		return q
	}, f.Limit)
}

// listEnrolments selects enrolments of one center, overdue first, then by
// due date, and decorates them.
func (s *Service) listEnrolments(ctx context.Context, centerID int64, where func(*bun.SelectQuery) *bun.SelectQuery, limit int) ([]Enrolment, error) {
	today, err := s.today(ctx, s.db, centerID)
	if err != nil {
		return nil, err
	}
	es := []Enrolment{}
	q := s.db.NewSelect().Model(&es).Apply(where).
		OrderExpr("CASE WHEN e.status <> ? AND e.due_date < ? THEN 0 ELSE 1 END", EnrolmentCompleted, today).
		OrderExpr("e.due_date, e.id")
	if limit > 0 {
		q = q.Limit(int64(limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("training: list enrolments: %w", err)
	}
	if err := s.decorate(ctx, es, false); err != nil {
		return nil, err
	}
	return es, nil
}

func sortEnrolments(es []Enrolment) {
	slices.SortStableFunc(es, func(a, b Enrolment) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a.DueDate, b.DueDate); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
}

// decorate fills the computed fields: Overdue, Module, Version (with
// lessons when asked), StaffName, StaffNo, LessonsRead, LessonsTotal and
// CertificateID. A handful of queries however many enrolments there are.
func (s *Service) decorate(ctx context.Context, es []Enrolment, lessons bool) error {
	if len(es) == 0 {
		return nil
	}
	todays := map[int64]string{}
	var staffIDs, moduleIDs, versionIDs, ids []int64
	for _, e := range es {
		if _, ok := todays[e.CenterID]; !ok {
			t, err := s.today(ctx, s.db, e.CenterID)
			if err != nil {
				return err
			}
			todays[e.CenterID] = t
		}
		staffIDs = append(staffIDs, e.StaffID)
		moduleIDs = append(moduleIDs, e.ModuleID)
		versionIDs = append(versionIDs, e.VersionID)
		ids = append(ids, e.ID)
	}
	staffIDs, moduleIDs, versionIDs = uniq(staffIDs), uniq(moduleIDs), uniq(versionIDs)

	people := map[int64]staff.Staff{}
	modules := map[int64]*Module{}
	versions := map[int64]*Version{}
	totals := map[int64]int{}
	reads := map[int64]int{}
	certs := map[int64]int64{}
	for chunk := range slices.Chunk(staffIDs, inChunk) {
		var rows []staff.Staff
		if err := s.db.NewSelect().Model(&rows).Column("s.id", "s.name", "s.staff_no").
			Where("s.id IN (?)", bun.List(chunk)).Scan(ctx); err != nil {
			return fmt.Errorf("training: enrolment staff: %w", err)
		}
		for _, r := range rows {
			people[r.ID] = r
		}
	}
	for chunk := range slices.Chunk(moduleIDs, inChunk) {
		var rows []Module
		if err := s.db.NewSelect().Model(&rows).Relation("Item").Where("m.id IN (?)", bun.List(chunk)).Scan(ctx); err != nil {
			return fmt.Errorf("training: enrolment modules: %w", err)
		}
		for i := range rows {
			modules[rows[i].ID] = &rows[i]
		}
	}
	for chunk := range slices.Chunk(versionIDs, inChunk) {
		var rows []Version
		q := s.db.NewSelect().Model(&rows).Where("v.id IN (?)", bun.List(chunk))
		if lessons {
			q = q.Relation("Lessons", func(q *bun.SelectQuery) *bun.SelectQuery { return q.OrderExpr("ml.position") })
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("training: enrolment versions: %w", err)
		}
		for i := range rows {
			if lessons && rows[i].Lessons == nil {
				rows[i].Lessons = []VersionLesson{}
			}
			versions[rows[i].ID] = &rows[i]
		}
		var counts []struct {
			VersionID int64
			N         int
		}
		if err := s.db.NewSelect().Model((*VersionLesson)(nil)).ColumnExpr("ml.version_id, COUNT(*) AS n").
			Where("ml.version_id IN (?)", bun.List(chunk)).GroupExpr("ml.version_id").Scan(ctx, &counts); err != nil {
			return fmt.Errorf("training: lesson counts: %w", err)
		}
		for _, c := range counts {
			totals[c.VersionID] = c.N
		}
	}
	for chunk := range slices.Chunk(ids, inChunk) {
		var counts []struct {
			EnrolmentID int64
			N           int
		}
		if err := s.db.NewSelect().Model((*lessonRead)(nil)).ColumnExpr("lr.enrolment_id, COUNT(*) AS n").
			Where("lr.enrolment_id IN (?)", bun.List(chunk)).GroupExpr("lr.enrolment_id").Scan(ctx, &counts); err != nil {
			return fmt.Errorf("training: reading progress: %w", err)
		}
		for _, c := range counts {
			reads[c.EnrolmentID] = c.N
		}
		var cs []Certificate
		if err := s.db.NewSelect().Model(&cs).Column("cert.id", "cert.enrolment_id").
			Where("cert.enrolment_id IN (?)", bun.List(chunk)).Scan(ctx); err != nil {
			return fmt.Errorf("training: enrolment certificates: %w", err)
		}
		for _, c := range cs {
			certs[c.EnrolmentID] = c.ID
		}
	}
	for i := range es {
		e := &es[i]
		e.Overdue = e.Status != EnrolmentCompleted && e.DueDate < todays[e.CenterID]
		e.Module, e.Version = modules[e.ModuleID], versions[e.VersionID]
		p := people[e.StaffID]
		e.StaffName, e.StaffNo = p.Name, p.StaffNo
		e.LessonsTotal, e.LessonsRead = totals[e.VersionID], reads[e.ID]
		e.CertificateID = certs[e.ID]
	}
	return nil
}

func uniq(ids []int64) []int64 {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// ReadLessons returns when each lesson of the enrolment was read, by lesson id.
func (s *Service) ReadLessons(ctx context.Context, enrolmentID int64) (map[int64]time.Time, error) {
	exists, err := s.db.NewSelect().Model((*Enrolment)(nil)).Where("e.id = ?", enrolmentID).Exists(ctx)
	if err != nil {
		return nil, fmt.Errorf("training: enrolment %d: %w", enrolmentID, err)
	}
	if !exists {
		return nil, fmt.Errorf("training: enrolment %d: %w", enrolmentID, store.ErrNotFound)
	}
	var rows []lessonRead
	if err := s.db.NewSelect().Model(&rows).Where("lr.enrolment_id = ?", enrolmentID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("training: reading progress: %w", err)
	}
	out := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		out[r.LessonID] = r.ReadAt
	}
	return out, nil
}

// ReadLesson records that the person read a lesson of their enrolment
// (idempotent), moves the enrolment to in_progress, and completes it when
// every lesson is read and the quiz gate is satisfied — issuing the
// certificate in the same transaction. It returns the updated enrolment.
//
// lessonID 0 stands for "I have read the standard": it is accepted only for
// a version without lessons, which has nothing else to read. A lesson of
// another version is store.ErrNotFound.
func (s *Service) ReadLesson(ctx context.Context, enrolmentID, lessonID int64) (*Enrolment, error) {
	err := s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		e, err := lockEnrolment(ctx, tx, enrolmentID)
		if err != nil {
			return err
		}
		total, err := tx.NewSelect().Model((*VersionLesson)(nil)).Where("ml.version_id = ?", e.VersionID).Count(ctx)
		if err != nil {
			return fmt.Errorf("training: count lessons: %w", err)
		}
		now := s.now().UTC()
		if lessonID == 0 {
			if total > 0 {
				return invalidf("lesson_id", "required: this version has lessons")
			}
		} else {
			ok, err := tx.NewSelect().Model((*VersionLesson)(nil)).Where("ml.id = ?", lessonID).
				Where("ml.version_id = ?", e.VersionID).Exists(ctx)
			if err != nil {
				return fmt.Errorf("training: find lesson %d: %w", lessonID, err)
			}
			if !ok {
				return fmt.Errorf("training: lesson %d of enrolment %d: %w", lessonID, e.ID, store.ErrNotFound)
			}
			if _, err := tx.NewInsert().Model(&lessonRead{EnrolmentID: e.ID, LessonID: lessonID, ReadAt: now}).
				On("CONFLICT DO NOTHING").Exec(ctx); err != nil {
				return fmt.Errorf("training: record reading: %w", err)
			}
		}
		if e.Status == EnrolmentCompleted {
			return nil
		}
		if e.Status == EnrolmentAssigned {
			if _, err := tx.NewUpdate().Model((*Enrolment)(nil)).Set("status = ?", EnrolmentInProgress).
				Set("started_at = ?", now).Where("id = ?", e.ID).Exec(ctx); err != nil {
				return fmt.Errorf("training: start enrolment: %w", err)
			}
			e.Status, e.StartedAt = EnrolmentInProgress, &now
		}
		return s.maybeComplete(ctx, tx, e, lessonID == 0)
	})
	if err != nil {
		return nil, err
	}
	return s.Enrolment(ctx, enrolmentID)
}

// QuizPassed is the quiz engine's hook: it re-evaluates whether the
// enrolment is complete now that its quiz was passed, and returns it.
func (s *Service) QuizPassed(ctx context.Context, enrolmentID int64) (*Enrolment, error) {
	err := s.runInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		e, err := lockEnrolment(ctx, tx, enrolmentID)
		if err != nil {
			return err
		}
		if e.Status == EnrolmentCompleted {
			return nil
		}
		return s.maybeComplete(ctx, tx, e, false)
	})
	if err != nil {
		return nil, err
	}
	return s.Enrolment(ctx, enrolmentID)
}

// lockEnrolment loads an enrolment and, on PostgreSQL, locks its row so
// that two requests completing it at once issue one certificate.
func lockEnrolment(ctx context.Context, tx bun.Tx, id int64) (*Enrolment, error) {
	e := new(Enrolment)
	if err := forUpdate(tx.NewSelect().Model(e).Where("e.id = ?", id)).Scan(ctx); err != nil {
		return nil, notFound(err, "enrolment %d", id)
	}
	return e, nil
}

// maybeComplete completes e when its lessons are read (or, for a version
// without lessons, the standard was acknowledged or a quiz stands in) and
// the quiz gate, if any, is passed. The quiz gate is asked inside the
// transaction, so it must only read.
func (s *Service) maybeComplete(ctx context.Context, tx bun.Tx, e *Enrolment, acknowledged bool) error {
	total, err := tx.NewSelect().Model((*VersionLesson)(nil)).Where("ml.version_id = ?", e.VersionID).Count(ctx)
	if err != nil {
		return fmt.Errorf("training: count lessons: %w", err)
	}
	read, err := tx.NewSelect().Model((*lessonRead)(nil)).
		Join("JOIN module_lessons AS ml ON ml.id = lr.lesson_id").
		Where("lr.enrolment_id = ?", e.ID).Where("ml.version_id = ?", e.VersionID).Count(ctx)
	if err != nil {
		return fmt.Errorf("training: count reading: %w", err)
	}
	hasQuiz, passed := false, false
	if s.quiz != nil {
		if hasQuiz, err = s.quiz.HasQuiz(ctx, tx, e.VersionID); err != nil {
			return fmt.Errorf("training: quiz of version %d: %w", e.VersionID, err)
		}
		if hasQuiz {
			if passed, err = s.quiz.Passed(ctx, tx, e.ID); err != nil {
				return fmt.Errorf("training: quiz result of enrolment %d: %w", e.ID, err)
			}
		}
	}
	lessonsDone := read >= total
	if total == 0 {
		lessonsDone = acknowledged || hasQuiz
	}
	if !lessonsDone || (hasQuiz && !passed) {
		return nil
	}
	m, err := moduleByID(ctx, tx, e.ModuleID)
	if err != nil {
		return err
	}
	today, err := s.today(ctx, tx, e.CenterID)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	res, err := tx.NewUpdate().Model((*Enrolment)(nil)).Set("status = ?", EnrolmentCompleted).
		Set("completed_at = ?", now).Set("completed_on = ?", today).
		Where("id = ?", e.ID).Where("status <> ?", EnrolmentCompleted).Exec(ctx)
	if err != nil {
		return fmt.Errorf("training: complete enrolment %d: %w", e.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	e.Status, e.CompletedAt, e.CompletedOn = EnrolmentCompleted, &now, &today
	_, err = s.issueCertificate(ctx, tx, e, m, today)
	return err
}

// issueCertificate numbers and inserts the certificate of a completed
// enrolment: KP-YEAR-NNNNNN, a sequence per center and year. Two
// transactions may pick the same number; the loser's insert does nothing
// (unique index) and it takes the next one.
func (s *Service) issueCertificate(ctx context.Context, tx bun.Tx, e *Enrolment, m *Module, today string) (*Certificate, error) {
	c := &Certificate{CenterID: e.CenterID, StaffID: e.StaffID, ModuleID: e.ModuleID, VersionID: e.VersionID,
		EnrolmentID: e.ID, IssuedOn: today, CreatedAt: s.now().UTC()}
	if m.ValidityMonths > 0 {
		exp := addMonths(today, m.ValidityMonths)
		c.ExpiresOn = &exp
	}
	prefix := "KP-" + today[:4] + "-"
	for attempt := 0; attempt < 100; attempt++ {
		var last sql.NullString
		if err := tx.NewSelect().Model((*Certificate)(nil)).ColumnExpr("MAX(cert.number)").
			Where("cert.center_id = ?", e.CenterID).Where("cert.number LIKE ?", prefix+"%").Scan(ctx, &last); err != nil {
			return nil, fmt.Errorf("training: last certificate number: %w", err)
		}
		next := 1
		if last.Valid {
			n, err := strconv.Atoi(strings.TrimPrefix(last.String, prefix))
			if err != nil {
				return nil, fmt.Errorf("training: certificate number %q: %w", last.String, err)
			}
			next = n + 1
		}
		c.ID, c.Number = 0, fmt.Sprintf("%s%06d", prefix, next)
		res, err := tx.NewInsert().Model(c).On("CONFLICT DO NOTHING").Returning("id").Exec(ctx)
		if err != nil {
			return nil, fmt.Errorf("training: issue certificate: %w", store.Translate(err))
		}
		if n, _ := res.RowsAffected(); n == 1 && c.ID != 0 {
			return c, nil
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("training: issue certificate for enrolment %d: no free number: %w", e.ID, store.ErrConflict)
}

// Certificates lists a person's certificates, newest first.
func (s *Service) Certificates(ctx context.Context, staffID int64) ([]Certificate, error) {
	cs := []Certificate{}
	if err := s.db.NewSelect().Model(&cs).Where("cert.staff_id = ?", staffID).
		OrderExpr("cert.issued_on DESC, cert.id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("training: certificates of staff %d: %w", staffID, err)
	}
	return cs, s.decorateCertificates(ctx, cs)
}

// Certificate returns the certificate with id, with the person's name and
// the module's code, title and version.
func (s *Service) Certificate(ctx context.Context, id int64) (*Certificate, error) {
	c := new(Certificate)
	if err := s.db.NewSelect().Model(c).Where("cert.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "certificate %d", id)
	}
	cs := []Certificate{*c}
	if err := s.decorateCertificates(ctx, cs); err != nil {
		return nil, err
	}
	return &cs[0], nil
}

func (s *Service) decorateCertificates(ctx context.Context, cs []Certificate) error {
	if len(cs) == 0 {
		return nil
	}
	var ids []int64
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	var rows []struct {
		ID            int64
		StaffName     string
		StaffNo       string
		ModuleCode    string
		ModuleTitle   string
		VersionNumber int
	}
	for chunk := range slices.Chunk(ids, inChunk) {
		var part = rows[:0:0]
		if err := s.db.NewSelect().TableExpr("certificates AS cert").
			ColumnExpr("cert.id, s.name AS staff_name, s.staff_no, m.code AS module_code, v.title AS module_title, v.number AS version_number").
			Join("JOIN staff AS s ON s.id = cert.staff_id").
			Join("JOIN modules AS m ON m.id = cert.module_id").
			Join("JOIN module_versions AS v ON v.id = cert.version_id").
			Where("cert.id IN (?)", bun.List(chunk)).Scan(ctx, &part); err != nil {
			return fmt.Errorf("training: certificate details: %w", err)
		}
		rows = append(rows, part...)
	}
	byID := make(map[int64]int, len(rows))
	for i, r := range rows {
		byID[r.ID] = i
	}
	todays := map[int64]string{}
	for i := range cs {
		c := &cs[i]
		if j, ok := byID[c.ID]; ok {
			r := rows[j]
			c.StaffName, c.StaffNo, c.ModuleCode, c.ModuleTitle, c.VersionNumber = r.StaffName, r.StaffNo, r.ModuleCode, r.ModuleTitle, r.VersionNumber
		}
		today, ok := todays[c.CenterID]
		if !ok {
			t, err := s.today(ctx, s.db, c.CenterID)
			if err != nil {
				return err
			}
			today, todays[c.CenterID] = t, t
		}
		c.Expired = c.ExpiresOn != nil && *c.ExpiresOn <= today
	}
	return nil
}
