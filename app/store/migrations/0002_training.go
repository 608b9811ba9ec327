package migrations

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// Frozen row structs of migration 0002 (training). Do not edit: add a
// migration instead.
//
// Dates (due_date, completed_on, issued_on, expires_on) are 'YYYY-MM-DD' in
// the center's time zone, like team memberships; times are UTC. Columns that
// hold a user id (created_by, author_id, approved_by) have no foreign key:
// the CLI acts as user 0.

type module0002 struct {
	bun.BaseModel  `bun:"table:modules"`
	ID             int64     `bun:",pk,autoincrement"`
	CenterID       int64     `bun:",notnull,unique:modules_center_code"`
	Code           string    `bun:",notnull,unique:modules_center_code"`
	ItemID         *int64    ``
	ValidityMonths int       `bun:",notnull"`
	CreatedBy      int64     `bun:",notnull"`
	CreatedAt      time.Time `bun:",notnull"`
	UpdatedAt      time.Time `bun:",notnull"`

	Center *center0001      `bun:"rel:belongs-to,join:center_id=id"`
	Item   *serviceItem0001 `bun:"rel:belongs-to,join:item_id=id"`
}

type moduleVersion0002 struct {
	bun.BaseModel `bun:"table:module_versions"`
	ID            int64      `bun:",pk,autoincrement"`
	ModuleID      int64      `bun:",notnull,unique:module_versions_number"`
	Number        int        `bun:",notnull,unique:module_versions_number"`
	Status        string     `bun:",notnull,type:varchar(16)"` // draft, pending, published, retired
	Title         string     `bun:",notnull"`
	Summary       string     `bun:",notnull,type:text"`
	Standard      string     `bun:",notnull,type:text"`        // JSON of training.Standard
	RecertPolicy  string     `bun:",notnull,type:varchar(16)"` // "", grandfather, recertify
	RecertDays    int        `bun:",notnull"`
	AuthorID      int64      `bun:",notnull"`
	SubmittedAt   *time.Time ``
	ApprovedBy    *int64     ``
	PublishedAt   *time.Time ``
	RetiredAt     *time.Time ``
	RejectReason  string     `bun:",notnull,type:text"`
	CreatedAt     time.Time  `bun:",notnull"`
	UpdatedAt     time.Time  `bun:",notnull"`

	Module *module0002 `bun:"rel:belongs-to,join:module_id=id,on_delete:cascade"`
}

type moduleLesson0002 struct {
	bun.BaseModel `bun:"table:module_lessons"`
	ID            int64  `bun:",pk,autoincrement"`
	VersionID     int64  `bun:",notnull,unique:module_lessons_position"`
	Position      int    `bun:",notnull,unique:module_lessons_position"`
	Title         string `bun:",notnull"`
	Body          string `bun:",notnull,type:text"`

	Version *moduleVersion0002 `bun:"rel:belongs-to,join:version_id=id,on_delete:cascade"`
}

type moduleAsset0002 struct {
	bun.BaseModel `bun:"table:module_assets"`
	ID            int64     `bun:",pk,autoincrement"`
	ModuleID      int64     `bun:",notnull,unique:module_assets_name"`
	Name          string    `bun:",notnull,unique:module_assets_name"`
	ContentType   string    `bun:",notnull"`
	Size          int64     `bun:",notnull"`
	SHA256        string    `bun:"sha256,notnull,type:varchar(64)"`
	Data          []byte    `bun:",notnull"` // BLOB on SQLite, BYTEA on PostgreSQL
	CreatedBy     int64     `bun:",notnull"`
	CreatedAt     time.Time `bun:",notnull"`

	Module *module0002 `bun:"rel:belongs-to,join:module_id=id,on_delete:cascade"`
}

type assignment0002 struct {
	bun.BaseModel `bun:"table:assignments"`
	ID            int64     `bun:",pk,autoincrement"`
	CenterID      int64     `bun:",notnull"`
	ModuleID      int64     `bun:",notnull"`
	TargetKind    string    `bun:",notnull,type:varchar(16)"` // staff, team, role, channel
	TargetID      *int64    ``                                // staff or team id
	TargetValue   string    `bun:",notnull"`                  // role name or channel code
	DueDate       string    `bun:",notnull,type:varchar(10)"`
	Active        bool      `bun:",notnull"`
	CreatedBy     int64     `bun:",notnull"`
	CreatedAt     time.Time `bun:",notnull"`

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
	Module *module0002 `bun:"rel:belongs-to,join:module_id=id"`
}

type enrolment0002 struct {
	bun.BaseModel `bun:"table:enrolments"`
	ID            int64      `bun:",pk,autoincrement"`
	CenterID      int64      `bun:",notnull"`
	StaffID       int64      `bun:",notnull"`
	ModuleID      int64      `bun:",notnull"`
	VersionID     int64      `bun:",notnull"`
	AssignmentID  *int64     ``
	Reason        string     `bun:",notnull,type:varchar(16)"` // assigned, recertify, expiry
	DueDate       string     `bun:",notnull,type:varchar(10)"`
	Status        string     `bun:",notnull,type:varchar(16)"` // assigned, in_progress, completed
	StartedAt     *time.Time ``
	CompletedAt   *time.Time ``
	CompletedOn   *string    `bun:",type:varchar(10)"`
	CreatedAt     time.Time  `bun:",notnull"`

	Center     *center0001        `bun:"rel:belongs-to,join:center_id=id"`
	Staff      *staff0001         `bun:"rel:belongs-to,join:staff_id=id,on_delete:cascade"`
	Module     *module0002        `bun:"rel:belongs-to,join:module_id=id"`
	Version    *moduleVersion0002 `bun:"rel:belongs-to,join:version_id=id"`
	Assignment *assignment0002    `bun:"rel:belongs-to,join:assignment_id=id,on_delete:set null"`
}

type lessonRead0002 struct {
	bun.BaseModel `bun:"table:lesson_reads"`
	ID            int64     `bun:",pk,autoincrement"`
	EnrolmentID   int64     `bun:",notnull,unique:lesson_reads_enrolment_lesson"`
	LessonID      int64     `bun:",notnull,unique:lesson_reads_enrolment_lesson"`
	ReadAt        time.Time `bun:",notnull"`

	Enrolment *enrolment0002    `bun:"rel:belongs-to,join:enrolment_id=id,on_delete:cascade"`
	Lesson    *moduleLesson0002 `bun:"rel:belongs-to,join:lesson_id=id,on_delete:cascade"`
}

type certificate0002 struct {
	bun.BaseModel `bun:"table:certificates"`
	ID            int64     `bun:",pk,autoincrement"`
	CenterID      int64     `bun:",notnull,unique:certificates_center_number"`
	Number        string    `bun:",notnull,unique:certificates_center_number"` // KP-2026-000001
	StaffID       int64     `bun:",notnull"`
	ModuleID      int64     `bun:",notnull"`
	VersionID     int64     `bun:",notnull"`
	EnrolmentID   int64     `bun:",notnull,unique"`
	IssuedOn      string    `bun:",notnull,type:varchar(10)"`
	ExpiresOn     *string   `bun:",type:varchar(10)"`
	CreatedAt     time.Time `bun:",notnull"`

	Center    *center0001        `bun:"rel:belongs-to,join:center_id=id"`
	Staff     *staff0001         `bun:"rel:belongs-to,join:staff_id=id,on_delete:cascade"`
	Module    *module0002        `bun:"rel:belongs-to,join:module_id=id"`
	Version   *moduleVersion0002 `bun:"rel:belongs-to,join:version_id=id"`
	Enrolment *enrolment0002     `bun:"rel:belongs-to,join:enrolment_id=id,on_delete:cascade"`
}

type notification0002 struct {
	bun.BaseModel `bun:"table:notifications"`
	ID            int64      `bun:",pk,autoincrement"`
	CenterID      int64      `bun:",notnull"`
	StaffID       int64      `bun:",notnull"`
	Kind          string     `bun:",notnull,type:varchar(32)"`
	Title         string     `bun:",notnull"`
	Body          string     `bun:",notnull,type:text"`
	Link          string     `bun:",notnull"`
	DedupeKey     string     `bun:",notnull,unique"`
	CreatedAt     time.Time  `bun:",notnull"`
	ReadAt        *time.Time ``

	Center *center0001 `bun:"rel:belongs-to,join:center_id=id"`
	Staff  *staff0001  `bun:"rel:belongs-to,join:staff_id=id,on_delete:cascade"`
}

func up0002(ctx context.Context, tx bun.Tx) error {
	if err := createTables(ctx, tx,
		(*module0002)(nil), (*moduleVersion0002)(nil), (*moduleLesson0002)(nil), (*moduleAsset0002)(nil),
		(*assignment0002)(nil), (*enrolment0002)(nil), (*lessonRead0002)(nil), (*certificate0002)(nil),
		(*notification0002)(nil),
	); err != nil {
		return err
	}
	if err := exec(ctx, tx,
		// At most one version in the works (draft or pending) and one
		// published version per module, whatever the code does.
		"CREATE UNIQUE INDEX module_versions_one_open ON module_versions (module_id) WHERE status IN ('draft', 'pending')",
		"CREATE UNIQUE INDEX module_versions_one_published ON module_versions (module_id) WHERE status = 'published'",
		"CREATE INDEX module_versions_status ON module_versions (status, module_id)",
		"CREATE INDEX assignments_center ON assignments (center_id, active, module_id)",
		"CREATE INDEX assignments_module ON assignments (module_id)",
		// At most one open enrolment per person and module: this is what
		// makes concurrent syncs (several instances) create no duplicates.
		// It is not UNIQUE (staff_id, version_id): a renewal before expiry
		// may be on the very version the expiring certificate was earned on.
		"CREATE UNIQUE INDEX enrolments_one_open ON enrolments (staff_id, module_id) WHERE status <> 'completed'",
		"CREATE INDEX enrolments_staff ON enrolments (staff_id, module_id, status)",
		"CREATE INDEX enrolments_version ON enrolments (version_id)",
		"CREATE INDEX enrolments_center_due ON enrolments (center_id, status, due_date)",
		"CREATE INDEX enrolments_module ON enrolments (module_id, status)",
		"CREATE INDEX enrolments_assignment ON enrolments (assignment_id)",
		"CREATE INDEX lesson_reads_lesson ON lesson_reads (lesson_id)",
		"CREATE INDEX certificates_staff ON certificates (staff_id, module_id, issued_on)",
		"CREATE INDEX certificates_center_expiry ON certificates (center_id, expires_on)",
		"CREATE INDEX certificates_version ON certificates (version_id)",
		"CREATE INDEX notifications_staff ON notifications (staff_id, created_at)",
	); err != nil {
		return err
	}
	return versionsImmutable(ctx, tx)
}

// versionsImmutable makes the database refuse changes to the content of a
// published or retired version (title, summary, standard, number, lessons),
// so no code path can rewrite what people were trained and certified on.
func versionsImmutable(ctx context.Context, tx bun.Tx) error {
	const changed = `(NEW.title <> OLD.title OR NEW.summary <> OLD.summary OR NEW.standard <> OLD.standard
 OR NEW.number <> OLD.number OR NEW.module_id <> OLD.module_id)`
	if tx.Dialect().Name() == dialect.PG {
		return exec(ctx, tx,
			`CREATE FUNCTION kaoping_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'module_versions' THEN
    IF OLD.status IN ('published', 'retired') AND `+changed+` THEN
      RAISE EXCEPTION 'published module version % is immutable', OLD.id;
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    IF EXISTS (SELECT 1 FROM module_versions v WHERE v.id = OLD.version_id AND v.status IN ('published', 'retired')) THEN
      RAISE EXCEPTION 'lessons of published module version % are immutable', OLD.version_id;
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF EXISTS (SELECT 1 FROM module_versions v WHERE v.id = NEW.version_id AND v.status IN ('published', 'retired')) THEN
      RAISE EXCEPTION 'lessons of published module version % are immutable', NEW.version_id;
    END IF;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$`,
			"CREATE TRIGGER module_versions_immutable BEFORE UPDATE ON module_versions FOR EACH ROW EXECUTE FUNCTION kaoping_version_immutable()",
			"CREATE TRIGGER module_lessons_immutable BEFORE INSERT OR UPDATE OR DELETE ON module_lessons FOR EACH ROW EXECUTE FUNCTION kaoping_version_immutable()",
		)
	}
	const published = "IN (SELECT id FROM module_versions WHERE status IN ('published', 'retired'))"
	return exec(ctx, tx,
		"CREATE TRIGGER module_versions_immutable BEFORE UPDATE ON module_versions WHEN OLD.status IN ('published', 'retired') AND "+changed+
			" BEGIN SELECT RAISE(ABORT, 'published module version is immutable'); END",
		"CREATE TRIGGER module_lessons_immutable_insert BEFORE INSERT ON module_lessons WHEN NEW.version_id "+published+
			" BEGIN SELECT RAISE(ABORT, 'lessons of a published module version are immutable'); END",
		"CREATE TRIGGER module_lessons_immutable_update BEFORE UPDATE ON module_lessons WHEN OLD.version_id "+published+" OR NEW.version_id "+published+
			" BEGIN SELECT RAISE(ABORT, 'lessons of a published module version are immutable'); END",
		"CREATE TRIGGER module_lessons_immutable_delete BEFORE DELETE ON module_lessons WHEN OLD.version_id "+published+
			" BEGIN SELECT RAISE(ABORT, 'lessons of a published module version are immutable'); END",
	)
}
