// Package staff is the staff directory of a service center: the center
// itself, its teams (班组), the people who work in them with their channels
// and the external ids the upstream rating system knows them by, the dated
// history of who was in which team, and the center's service items (事项).
//
// Dates of team membership are 'YYYY-MM-DD' strings in the center's time
// zone: valid_from is inclusive, valid_to exclusive, and a NULL valid_to marks
// the current membership. Strings of that shape compare correctly in SQL on
// both SQLite and PostgreSQL.
package staff

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kaoping/kaoping/app/store"
)

// ErrInvalid is matched (errors.Is) by every validation error of this
// package: *FieldError for one input, *ImportError for a file.
var ErrInvalid = errors.New("staff: invalid input")

// FieldError says which field of an input is wrong and why. It matches
// ErrInvalid. Messages are written for the person who typed the value,
// in Chinese with the English in parentheses.
type FieldError struct {
	Field   string // staff_no, name, team, team_id, channels, external_ids, active, as_of, code, timezone, …
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Is reports whether target is ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Center is the tenant: every other row belongs to one center, and its time
// zone decides what "today" is.
type Center struct {
	bun.BaseModel `bun:"table:centers,alias:c"`

	ID        int64 `bun:",pk,autoincrement"`
	Code      string
	Name      string
	Timezone  string // IANA name, e.g. Asia/Shanghai
	CreatedAt time.Time
}

// Location returns the center's time zone.
func (c *Center) Location() (*time.Location, error) {
	return loadLocation(c.Timezone)
}

// Team is a 班组: it belongs to a center and serves mainly one channel.
type Team struct {
	bun.BaseModel `bun:"table:teams,alias:t"`

	ID        int64 `bun:",pk,autoincrement"`
	CenterID  int64
	Code      string // unique per center
	Name      string
	Channel   string // canonical code, see package channel
	CreatedAt time.Time
}

// Staff is one employee row. Channels holds canonical channel codes joined
// by ";" in canonical order, e.g. "offline;online".
type Staff struct {
	bun.BaseModel `bun:"table:staff,alias:s"`

	ID        int64 `bun:",pk,autoincrement"`
	CenterID  int64
	StaffNo   string // 工号, unique per center
	Name      string
	Channels  string
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ChannelList returns the channel codes of Channels.
func (s Staff) ChannelList() []string {
	var out []string
	for _, c := range strings.Split(s.Channels, ";") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// ExternalID is one id under which the upstream rating system knows a
// person: a window number, a hotline agent id, a reviewer account. Unique per
// center.
type ExternalID struct {
	bun.BaseModel `bun:"table:staff_external_ids,alias:x"`

	ID         int64 `bun:",pk,autoincrement"`
	CenterID   int64
	StaffID    int64
	ExternalID string
}

// Membership says that a person belonged to a team from ValidFrom
// (inclusive) to ValidTo (exclusive; nil while current).
type Membership struct {
	bun.BaseModel `bun:"table:team_memberships,alias:tm"`

	ID        int64 `bun:",pk,autoincrement"`
	StaffID   int64
	TeamID    int64
	ValidFrom string  // YYYY-MM-DD in the center's time zone
	ValidTo   *string // YYYY-MM-DD, or nil while current

	Team *Team `bun:"rel:belongs-to,join:team_id=id"`
}

// ServiceItem is a 事项 the center handles, e.g. 310100-001 企业设立登记.
type ServiceItem struct {
	bun.BaseModel `bun:"table:service_items,alias:si"`

	ID        int64 `bun:",pk,autoincrement"`
	CenterID  int64
	Code      string // unique per center
	Name      string
	CreatedAt time.Time
}

// Member is a person as the rest of the application sees them: the staff
// row, their external ids, and their team (nil if none) on the date the
// query was about — today unless the method says otherwise.
type Member struct {
	Staff
	ExternalIDs []string
	Team        *Team
}

// Service reads and writes the staff directory.
type Service struct {
	db        *bun.DB
	now       func() time.Time
	scopeStmt *store.Stmt // ScopeOf: runs on every request about a person
	// zones holds the time zones already loaded, by IANA name:
	// time.LoadLocation reads and parses the zone file on every call, and
	// ScopeOf needs the zone on every request about a person.
	zones sync.Map // string → *time.Location
}

// NewService returns a Service on db. now is the clock (time.Now when nil);
// "today" is now in the center's time zone.
func NewService(db *bun.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now, scopeStmt: store.NewStmt(db, scopeSQL)}
}

// dateLayout is the format of membership dates.
const dateLayout = "2006-01-02"

// notFound reports a missing row as store.ErrNotFound with what was looked
// for; other errors go through store.Translate.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("staff: %s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
	}
	return fmt.Errorf("staff: %s: %w", fmt.Sprintf(format, args...), store.Translate(err))
}

// orderBinary orders by col byte-wise on both dialects, so listings come out
// the same on SQLite (BINARY by default) and PostgreSQL (whose default
// collation follows the locale).
func orderBinary(db bun.IDB, col string) string {
	if db.Dialect().Name() == dialect.PG {
		return col + ` COLLATE "C"`
	}
	return col
}

// location returns the time zone called name, loaded once per Service.
func (s *Service) location(name string) (*time.Location, error) {
	if loc, ok := s.zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := loadLocation(name)
	if err != nil {
		return nil, err
	}
	s.zones.Store(name, loc)
	return loc, nil
}

func loadLocation(name string) (*time.Location, error) {
	if strings.TrimSpace(name) == "" || name == "Local" {
		return nil, fmt.Errorf("staff: time zone %q: must be an IANA name such as Asia/Shanghai", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("staff: time zone %q: %w", name, err)
	}
	return loc, nil
}
