// Package ratings receives the citizens' ratings (好差评) of the service they
// got at the window, online or on the 12345 hotline, checks them and stores
// them attributed to a staff member.
//
// A rating arrives as raw values (Input) from the upstream system's API feed
// or from a spreadsheet cell; Validate turns a batch of them into Ratings for
// a center, reporting every problem by index and field; Ingest stores a valid
// batch in one transaction. The external id is the idempotency key: a rating
// sent again (at-least-once delivery is normal upstream) is counted as a
// duplicate, never an error, and never stored twice.
//
// Times are stored in UTC. PeriodDate is the rated_at date in the center's
// time zone, 'YYYY-MM-DD', so that a month or quarter is a plain string range
// on both SQLite and PostgreSQL.
package ratings

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/csvfile"
	"github.com/kaoping/kaoping/app/staff"
)

// Errors of the package, besides store.ErrNotFound.
var (
	// ErrInvalid is matched (errors.Is) by every error about the content of
	// ratings: *BatchError, and the errors of the Parse functions.
	ErrInvalid = errors.New("ratings: invalid")
	// ErrTooLarge is returned for a batch of more than MaxBatch ratings.
	ErrTooLarge = errors.New("ratings: too many ratings")
)

// MaxBatch is the most ratings one Ingest call (one API request) takes.
const MaxBatch = 5000

// MaxFutureSkew is how far in the future a rating may be dated: the upstream
// clock may run a little ahead of ours, but not more.
const MaxFutureSkew = 10 * time.Minute

// Limits of the text fields, in characters (runes), not bytes.
const (
	MaxExternalID = 128
	MaxComment    = 2000
	MaxReasons    = 20 // reason tags per rating
	MaxReason     = 64 // characters per reason tag
)

// The five levels of the national rating scale. Levels 1 and 2 are bad
// ratings (差评).
const (
	VeryDissatisfied = 1 // 非常不满意
	Dissatisfied     = 2 // 不满意
	Neutral          = 3 // 基本满意
	Satisfied        = 4 // 满意
	VerySatisfied    = 5 // 非常满意
)

// SourceAPI is the source of ratings received through the API; ratings from
// a file have "file:" followed by the file name.
const SourceAPI = "api"

// Rating is one stored citizen rating.
type Rating struct {
	bun.BaseModel `bun:"table:ratings,alias:r"`

	ID         int64 `bun:",pk,autoincrement"`
	CenterID   int64
	ExternalID string    // the upstream id; unique per center
	RatedAt    time.Time // UTC
	PeriodDate string    // RatedAt's date in the center's time zone, YYYY-MM-DD
	Channel    string    // canonical code, see package channel
	ItemCode   *string   // service item code (事项编码) as normalized; nil if not given
	ItemID     *int64    // the center's service item with ItemCode
	StaffID    int64
	Level      int      // 1–5
	Reasons    []string `bun:",type:text"` // reason tags; stored as a JSON array, never nil
	Comment    string
	// IsDefault marks a rating the upstream system filled in because the
	// citizen did not rate: stored and shown, never counted in scores.
	IsDefault   bool
	ReceivedAt  time.Time // UTC
	Source      string    // SourceAPI or "file:NAME"
	ImportRunID *int64
	// Citizen personal data, stored only if given; masking and purging are
	// the callers' business.
	CitizenPhone    *string
	CitizenIDNumber *string `bun:"citizen_id_number"`
	// Excluded marks a rating an upheld appeal took out of every score; it
	// is kept, never deleted.
	Excluded bool
	// PersonalExcluded marks a rating a partly upheld appeal took out of
	// the person's own score; it stays in the channel and center statistics.
	PersonalExcluded bool
	CreatedAt        time.Time
}

// Bad reports whether the rating is a bad rating (差评): level 1 or 2.
func (r *Rating) Bad() bool { return r.Level <= Dissatisfied }

// FieldError says which field of which rating is wrong and why. Messages
// are written for the person who sent the value, in Chinese with the English
// in parentheses.
type FieldError struct {
	// Index is the 0-based position of the rating in the batch (a file
	// import maps it to a line); -1 when the error is about the request
	// body as a whole.
	Index   int    `json:"index"`
	Field   string `json:"field"` // external_id, rated_at, channel, item_code, staff_no, staff_ref, level, reasons, comment, is_default
	Message string `json:"message"`
}

func (e FieldError) Error() string {
	if e.Index < 0 {
		if e.Field == "" {
			return e.Message
		}
		return e.Field + ": " + e.Message
	}
	if e.Field == "" {
		return fmt.Sprintf("ratings[%d]: %s", e.Index, e.Message)
	}
	return fmt.Sprintf("ratings[%d].%s: %s", e.Index, e.Field, e.Message)
}

// Is reports whether target is ErrInvalid.
func (e FieldError) Is(target error) bool { return target == ErrInvalid }

// BatchError is returned when a batch is refused because of its content;
// Errors lists every problem, ordered by index. It matches ErrInvalid.
type BatchError struct {
	Errors []FieldError
}

// maxErrorText bounds how many problems Error() spells out; Errors has all.
const maxErrorText = 10

func (e *BatchError) Error() string {
	var b strings.Builder
	b.WriteString("ratings: batch refused: ")
	for i, fe := range e.Errors {
		if i == maxErrorText {
			fmt.Fprintf(&b, "; and %d more", len(e.Errors)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *BatchError) Is(target error) bool { return target == ErrInvalid }

// Service validates, stores and reads ratings.
type Service struct {
	db    *bun.DB
	staff *staff.Service
	now   func() time.Time
	onBad func(ctx context.Context, tx bun.IDB, bad []Rating) error
}

// Options configure a Service.
type Options struct {
	// OnBad receives the bad ratings (levels 1–2) a call has just stored —
	// never duplicates — inside the transaction that stores them, so that
	// what it writes (the person's notification) commits or rolls back with
	// the ratings.
	OnBad func(ctx context.Context, tx bun.IDB, bad []Rating) error
}

// NewService returns a Service on db; staff resolves centers (their time
// zones). now is the clock (time.Now when nil): it decides what is "in the
// future" and stamps received_at.
func NewService(db *bun.DB, staff *staff.Service, now func() time.Time, opts ...Options) *Service {
	if now == nil {
		now = time.Now
	}
	s := &Service{db: db, staff: staff, now: now}
	for _, o := range opts {
		s.onBad = o.OnBad
	}
	return s
}

// Fields are the columns of a ratings file, headers in Chinese or English in
// any order, for csvfile.NewReader. Field names are the API's. A row gives
// staff_no (工号) or staff_ref, so neither column is required by itself;
// staff_ref has no Chinese header yet because the issue names none.
func Fields() []csvfile.Field {
	return []csvfile.Field{
		{Name: "external_id", Aliases: []string{"评价编号"}, Required: true},
		{Name: "rated_at", Aliases: []string{"评价时间"}, Required: true},
		{Name: "channel", Aliases: []string{"渠道"}, Required: true},
		{Name: "item_code", Aliases: []string{"事项编码"}},
		{Name: "staff_no", Aliases: []string{"工号"}},
		{Name: "staff_ref"},
		{Name: "level", Aliases: []string{"评价等级"}, Required: true},
		{Name: "reasons", Aliases: []string{"评价原因"}},
		{Name: "comment", Aliases: []string{"评价内容"}},
		{Name: "is_default", Aliases: []string{"是否默认评价"}},
		{Name: "citizen_phone", Aliases: []string{"联系电话", "手机号"}},
		{Name: "citizen_id_number", Aliases: []string{"身份证号", "证件号码"}},
	}
}

const dateLayout = "2006-01-02"
