package ratings

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
)

// IngestResult reports what Ingest did: every rating of an accepted batch is
// either imported or a duplicate; Rejected is 0 unless a caller imports the
// valid part of a batch.
type IngestResult struct {
	Imported   int `json:"imported"`
	Duplicates int `json:"duplicates"`
	Rejected   int `json:"rejected"`
}

// insertChunk is the rows of one INSERT statement. bun inlines the values;
// PostgreSQL takes disproportionately long over a long multi-row VALUES list
// (5,000 ratings: 0.4 s in statements of 500 rows, 0.13 s in statements of
// 100, measured with BenchmarkIngestResend), and SQLite does not care.
const insertChunk = 100

// maxSource bounds the source column (varchar(255)).
const maxSource = 255

// Ingest validates a batch for the center (see Validate) and, when every
// rating is valid, stores them all in one transaction. Any invalid rating
// refuses the whole batch with a *BatchError and writes nothing; more than
// MaxBatch ratings is ErrTooLarge. source is SourceAPI or "file:NAME".
//
// A rating whose external id the center already has — in the database, or
// earlier in the same batch — is a duplicate: counted, never an error, and
// the stored rating is left as it was (the first one wins). Duplicates are
// decided by the unique key (INSERT … ON CONFLICT DO NOTHING, counting the
// rows inserted), so two instances ingesting the same ratings at once store
// each rating once.
func (s *Service) Ingest(ctx context.Context, centerID int64, in []Input, source string) (*IngestResult, error) {
	if len(in) > MaxBatch {
		return nil, fmt.Errorf("%w: %d ratings, at most %d per batch", ErrTooLarge, len(in), MaxBatch)
	}
	if err := checkSource(source); err != nil {
		return nil, err
	}
	rs, errs, err := s.Validate(ctx, centerID, in)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, &BatchError{Errors: errs}
	}
	now := s.now().UTC().Truncate(time.Microsecond) // as both databases store it
	for i := range rs {
		rs[i].ReceivedAt = now
		rs[i].CreatedAt = now
		rs[i].Source = source
	}
	var imported int
	if err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		n, err := s.store(ctx, tx, rs, now)
		imported = n
		return err
	}); err != nil {
		return nil, err
	}
	return &IngestResult{Imported: imported, Duplicates: len(rs) - imported}, nil
}

// store inserts rs (see insert) and hands the bad ratings this call stored
// to the OnBad hook, in the same transaction (see notifyNew).
func (s *Service) store(ctx context.Context, tx bun.Tx, rs []Rating, now time.Time) (int, error) {
	n, err := insert(ctx, tx, rs)
	if err != nil {
		return n, err
	}
	if err := s.notifyNew(ctx, tx, rs, n, now); err != nil {
		return 0, err
	}
	return n, nil
}

// notifyNew hands the bad ratings among rs that this transaction stored
// (stored of them in all) to the OnBad hook. A rating is "stored by this
// call" when its row carries this call's received_at, now: a duplicate keeps
// the received_at of the call that stored it first. Ingest and file imports
// share it.
func (s *Service) notifyNew(ctx context.Context, tx bun.Tx, rs []Rating, stored int, now time.Time) error {
	if s.onBad == nil || stored == 0 {
		return nil
	}
	var ext []string
	for _, r := range rs {
		if r.Bad() {
			ext = append(ext, r.ExternalID)
		}
	}
	var bad []Rating
	for chunk := range slices.Chunk(ext, insertChunk) {
		var part []Rating
		if err := tx.NewSelect().Model(&part).Where("r.center_id = ?", rs[0].CenterID).
			Where("r.external_id IN (?)", bun.List(chunk)).Where("r.received_at = ?", now).Scan(ctx); err != nil {
			return fmt.Errorf("ratings: new bad ratings: %w", err)
		}
		bad = append(bad, part...)
	}
	if len(bad) == 0 {
		return nil
	}
	return s.onBad(ctx, tx, bad)
}

// insert stores rs, skipping every rating whose (center, external id) is
// already stored or comes earlier in rs, and returns how many it inserted.
// The IDs of rs are not set.
func insert(ctx context.Context, db bun.IDB, rs []Rating) (int, error) {
	var n int
	for chunk := range slices.Chunk(rs, insertChunk) {
		// RETURNING is suppressed: with DO NOTHING it would return fewer
		// rows than the chunk has, and bun would hand the ids to the wrong
		// elements. The count of rows affected is all that is needed.
		res, err := db.NewInsert().Model(&chunk).
			On("CONFLICT (center_id, external_id) DO NOTHING").
			Returning("NULL").Exec(ctx)
		if err != nil {
			return 0, fmt.Errorf("ratings: insert: %w", store.Translate(err))
		}
		affected, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("ratings: insert: rows affected: %w", err)
		}
		n += int(affected)
	}
	return n, nil
}

func checkSource(source string) error {
	name, isFile := strings.CutPrefix(source, "file:")
	switch {
	case source == SourceAPI:
		return nil
	case isFile && strings.TrimSpace(name) != "" && utf8.ValidString(source) && utf8.RuneCountInString(source) <= maxSource:
		return nil
	}
	return fmt.Errorf("ratings: source %q: want %q or \"file:NAME\" of at most %d characters", source, SourceAPI, maxSource)
}

// StaffRatings returns the ratings of a person whose period date lies in
// [from, to] (YYYY-MM-DD, both inclusive; "" leaves that end open), newest
// first. Excluded ratings are included: the person sees what was excluded.
// An unknown person is store.ErrNotFound.
func (s *Service) StaffRatings(ctx context.Context, staffID int64, from, to string) ([]Rating, error) {
	for _, d := range [...]struct{ name, v string }{{"from", from}, {"to", to}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse(dateLayout, d.v); err != nil {
			return nil, FieldError{Index: -1, Field: d.name, Message: fmt.Sprintf("日期 %q 格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)", d.v)}
		}
	}
	out := []Rating{}
	q := s.db.NewSelect().Model(&out).Where("r.staff_id = ?", staffID)
	if from != "" {
		q = q.Where("r.period_date >= ?", from)
	}
	if to != "" {
		q = q.Where("r.period_date <= ?", to)
	}
	if err := q.OrderExpr("r.rated_at DESC, r.id DESC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("ratings: ratings of staff %d: %w", staffID, err)
	}
	if len(out) == 0 {
		exists, err := s.db.NewSelect().Model((*staff.Staff)(nil)).Where("s.id = ?", staffID).Exists(ctx)
		if err != nil {
			return nil, fmt.Errorf("ratings: staff %d: %w", staffID, err)
		}
		if !exists {
			return nil, fmt.Errorf("ratings: staff %d: %w", staffID, store.ErrNotFound)
		}
	}
	for i := range out {
		normalize(&out[i])
	}
	return out, nil
}

// normalize makes a rating read from either database look the same: times
// in UTC (PostgreSQL's driver returns them in the local zone) and reasons
// never nil.
func normalize(r *Rating) {
	r.RatedAt = r.RatedAt.UTC()
	r.ReceivedAt = r.ReceivedAt.UTC()
	r.CreatedAt = r.CreatedAt.UTC()
	if r.Reasons == nil {
		r.Reasons = []string{}
	}
}
