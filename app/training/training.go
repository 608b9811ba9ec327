package training

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
)

// Errors of the version workflow, besides ErrInvalid, store.ErrNotFound and
// store.ErrConflict.
var (
	// ErrSelfApproval is returned when the author of a version tries to
	// approve it: publishing needs a second person.
	ErrSelfApproval = errors.New("training: the author cannot approve their own version")
	// ErrNotEditable is returned for a change the version's status does not
	// allow: editing a pending or published version, submitting a version
	// that is not a draft, approving or rejecting one that is not pending.
	ErrNotEditable = errors.New("training: version not editable in its status")
)

// Version statuses: draft → pending → published → retired; pending can go
// back to draft (rejected).
const (
	StatusDraft     = "draft"
	StatusPending   = "pending"
	StatusPublished = "published"
	StatusRetired   = "retired"
)

// Recertification policies, chosen when a version is submitted.
const (
	PolicyGrandfather = "grandfather" // completions of older versions stay valid
	PolicyRecertify   = "recertify"   // everyone who completed an older version is enrolled again
)

// Enrolment statuses. Overdue is not a status: it is computed (Enrolment.Overdue).
const (
	EnrolmentAssigned   = "assigned"
	EnrolmentInProgress = "in_progress"
	EnrolmentCompleted  = "completed"
)

// Reasons an enrolment was created.
const (
	ReasonAssigned  = "assigned"  // an assignment covers the person
	ReasonRecertify = "recertify" // a new version was published with PolicyRecertify
	ReasonExpiry    = "expiry"    // the certificate expires within ExpiryWindowDays
	ReasonRetrain   = "retrain"   // the closed loop: bad ratings on the module's service item
)

// Assignment target kinds.
const (
	TargetStaff   = "staff"
	TargetTeam    = "team"
	TargetRole    = "role"
	TargetChannel = "channel"
)

// Scheduling constants.
const (
	ExpiryWindowDays = 30 // a renewal enrolment opens this many days before a certificate expires
	LateJoinerDays   = 30 // a late joiner whose assignment is already due gets this long
	MaxAssetBytes    = 2 << 20
	MaxValidity      = 120 // months
	MaxRecertDays    = 365
)

// Module is a training module: one per service item or general topic. Its
// content lives in versions; the module holds what does not need approval.
type Module struct {
	bun.BaseModel `bun:"table:modules,alias:m"`

	ID             int64 `bun:",pk,autoincrement"`
	CenterID       int64
	Code           string // unique per center, [a-z0-9._-]
	ItemID         *int64 // nil for a general topic
	ValidityMonths int    // certificates expire after this many months; 0 = never
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time

	Item *staff.ServiceItem `bun:"rel:belongs-to,join:item_id=id"`
}

// Version is one version of a module's content. A published (or retired)
// version is immutable; the database refuses changes to its content.
type Version struct {
	bun.BaseModel `bun:"table:module_versions,alias:v"`

	ID           int64 `bun:",pk,autoincrement"`
	ModuleID     int64
	Number       int
	Status       string // StatusDraft, StatusPending, StatusPublished, StatusRetired
	Title        string
	Summary      string
	Standard     Standard `bun:",type:text"` // stored as JSON text on both dialects
	RecertPolicy string   // "" until submitted; PolicyGrandfather or PolicyRecertify
	RecertDays   int
	AuthorID     int64 // the user who last edited the content
	SubmittedAt  *time.Time
	ApprovedBy   *int64
	PublishedAt  *time.Time
	RetiredAt    *time.Time
	RejectReason string
	CreatedAt    time.Time
	UpdatedAt    time.Time

	Lessons []VersionLesson `bun:"rel:has-many,join:id=version_id"`
}

// VersionLesson is a lesson as stored with its version.
type VersionLesson struct {
	bun.BaseModel `bun:"table:module_lessons,alias:ml"`

	ID        int64 `bun:",pk,autoincrement"`
	VersionID int64
	Position  int // 1-based
	Title     string
	Body      string // Markdown; render with RenderMarkdown
}

// ModuleSummary is a module with its published version and the version in
// the works, for listings (versions without lessons).
type ModuleSummary struct {
	Module
	Current *Version // published; nil if none yet
	Draft   *Version // draft or pending; nil if none
}

// Asset is an uploaded lesson image, stored in the database so that every
// server instance can serve it.
type Asset struct {
	bun.BaseModel `bun:"table:module_assets,alias:ma"`

	ID          int64 `bun:",pk,autoincrement"`
	ModuleID    int64
	Name        string // lower case, unique per module; lessons refer to it as assets/NAME
	ContentType string // as sniffed from the content
	Size        int64
	SHA256      string `bun:"sha256"`
	Data        []byte // nil when listed
	CreatedBy   int64
	CreatedAt   time.Time
}

// Assignment assigns a module to a person, a team, a role or a channel.
// Group assignments also cover people who join the group later.
type Assignment struct {
	bun.BaseModel `bun:"table:assignments,alias:a"`

	ID          int64 `bun:",pk,autoincrement"`
	CenterID    int64
	ModuleID    int64
	TargetKind  string // TargetStaff, TargetTeam, TargetRole, TargetChannel
	TargetID    *int64 // staff or team id
	TargetValue string // role name or channel code
	DueDate     string // YYYY-MM-DD in the center's time zone
	Active      bool
	CreatedBy   int64
	CreatedAt   time.Time

	Module     *Module `bun:"rel:belongs-to,join:module_id=id"`
	TargetName string  `bun:"-"` // staff name, team name, role or channel code (listings)
}

// Enrolment is one person's task to complete one version of a module.
type Enrolment struct {
	bun.BaseModel `bun:"table:enrolments,alias:e"`

	ID           int64 `bun:",pk,autoincrement"`
	CenterID     int64
	StaffID      int64
	ModuleID     int64
	VersionID    int64
	AssignmentID *int64
	Reason       string // ReasonAssigned, ReasonRecertify, ReasonExpiry
	DueDate      string // YYYY-MM-DD in the center's time zone
	Status       string // EnrolmentAssigned, EnrolmentInProgress, EnrolmentCompleted
	StartedAt    *time.Time
	CompletedAt  *time.Time
	CompletedOn  *string // YYYY-MM-DD in the center's time zone
	CreatedAt    time.Time

	// Computed when read.
	Overdue       bool     `bun:"-"` // not completed and due before today in the center's zone
	Module        *Module  `bun:"-"`
	Version       *Version `bun:"-"`
	StaffName     string   `bun:"-"`
	StaffNo       string   `bun:"-"`
	LessonsRead   int      `bun:"-"`
	LessonsTotal  int      `bun:"-"`
	CertificateID int64    `bun:"-"` // the certificate earned, 0 if none
}

// Certificate proves that a person completed a module version.
type Certificate struct {
	bun.BaseModel `bun:"table:certificates,alias:cert"`

	ID          int64 `bun:",pk,autoincrement"`
	CenterID    int64
	Number      string // KP-2026-000001, unique per center
	StaffID     int64
	ModuleID    int64
	VersionID   int64
	EnrolmentID int64
	IssuedOn    string  // YYYY-MM-DD in the center's time zone
	ExpiresOn   *string // nil = no expiry; expired from that day on
	CreatedAt   time.Time

	// Computed when read.
	StaffName     string `bun:"-"`
	StaffNo       string `bun:"-"`
	ModuleCode    string `bun:"-"`
	ModuleTitle   string `bun:"-"`
	VersionNumber int    `bun:"-"`
	Expired       bool   `bun:"-"`
}

// Notification is an in-app message to a person.
type Notification struct {
	bun.BaseModel `bun:"table:notifications,alias:n"`

	ID        int64 `bun:",pk,autoincrement"`
	CenterID  int64
	StaffID   int64
	Kind      string // "enrolment", "due7", "due1", "overdue", "remind"
	Title     string
	Body      string
	Link      string // path in the web UI, e.g. /enrolments/12
	DedupeKey string // unique: the same key is delivered once
	CreatedAt time.Time
	ReadAt    *time.Time
}

// QuizGate is the hook for the quiz engine: when a version has a quiz, an
// enrolment completes only once the quiz is passed.
type QuizGate interface {
	// db is the caller's transaction: the gate reads through it, so a
	// caller holding the write lock never waits for a pooled connection.
	HasQuiz(ctx context.Context, db bun.IDB, versionID int64) (bool, error)
	Passed(ctx context.Context, db bun.IDB, enrolmentID int64) (bool, error)
}

// Options configure a Service. The zero value is usable: real clock, no
// quizzes, in-app notifications, no role assignments.
type Options struct {
	Now      func() time.Time
	Quiz     QuizGate // nil: no module has a quiz
	Notifier Notifier // nil: InAppNotifier
	// RoleMembers lists the staff ids of the people whose user accounts hold
	// role in the center; nil refuses role assignments.
	RoleMembers func(ctx context.Context, centerID int64, role string) ([]int64, error)
}

// Service manages modules, versions, assignments, enrolments, certificates
// and reminders.
type Service struct {
	db          *bun.DB
	staff       *staff.Service
	now         func() time.Time
	quiz        QuizGate
	notifier    Notifier
	roleMembers func(ctx context.Context, centerID int64, role string) ([]int64, error)
}

// NewService returns a Service on db; staff resolves centers, teams and items.
func NewService(db *bun.DB, staff *staff.Service, opt Options) *Service {
	s := &Service{db: db, staff: staff, now: opt.Now, quiz: opt.Quiz, notifier: opt.Notifier, roleMembers: opt.RoleMembers}
	if s.now == nil {
		s.now = time.Now
	}
	if s.notifier == nil {
		s.notifier = InAppNotifier{}
	}
	return s
}

const dateLayout = "2006-01-02"

// inChunk bounds the ids in one IN (…) list.
const inChunk = 500

// today returns the current date in the center's time zone.
func (s *Service) today(ctx context.Context, db bun.IDB, centerID int64) (string, error) {
	c := new(staff.Center)
	if err := db.NewSelect().Model(c).Where("c.id = ?", centerID).Scan(ctx); err != nil {
		return "", notFound(err, "center %d", centerID)
	}
	loc, err := c.Location()
	if err != nil {
		return "", err
	}
	return s.now().In(loc).Format(dateLayout), nil
}

// addDays returns date (YYYY-MM-DD) plus n calendar days.
func addDays(date string, n int) string {
	t, err := time.Parse(dateLayout, date)
	if err != nil {
		return date
	}
	return t.AddDate(0, 0, n).Format(dateLayout)
}

// addMonths returns date plus n months (time.AddDate normalization: 31 Jan
// + 1 month = 3 March).
func addMonths(date string, n int) string {
	t, err := time.Parse(dateLayout, date)
	if err != nil {
		return date
	}
	return t.AddDate(0, n, 0).Format(dateLayout)
}

// parseDate checks a YYYY-MM-DD date.
func parseDate(field, s string) (string, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return "", invalidf(field, "want a date YYYY-MM-DD, got %q", s)
	}
	return t.Format(dateLayout), nil
}

// notFound reports a missing row as store.ErrNotFound with what was looked
// for; other errors go through store.Translate.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("training: %s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
	}
	return fmt.Errorf("training: %s: %w", fmt.Sprintf(format, args...), store.Translate(err))
}

// orderBinary orders by col byte-wise on both dialects.
func orderBinary(db bun.IDB, col string) string {
	if db.Dialect().Name() == dialect.PG {
		return col + ` COLLATE "C"`
	}
	return col
}

// runInTx runs fn in a transaction on the service's database.
func (s *Service) runInTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return s.db.RunInTx(ctx, nil, fn)
}

// forUpdate locks the selected rows on PostgreSQL (SQLite transactions
// already hold the write lock from BEGIN).
func forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if q.Dialect().Name() == dialect.PG {
		return q.For("UPDATE")
	}
	return q
}
