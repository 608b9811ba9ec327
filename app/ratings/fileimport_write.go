package ratings

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kaoping/kaoping/app/store"
)

// The insert pass of a file import writes through its own statements, not
// through Ingest's bun insert: with a million rows, how each row reaches
// the database is most of the import's time. A profile of
// BenchmarkImportFile1M (at 100,000 rows; docs/BENCHMARKS.md) showed, with
// bun's multi-row INSERT … ON CONFLICT DO NOTHING of 100 inlined rows on
// SQLite, 18 % of the CPU in the statement journal — a statement that
// writes several rows and may abort half-way (a CHECK, a foreign key) makes
// SQLite copy every page it touches to a temporary file first, so that it
// can undo just that statement — and 12 % parsing statements whose text
// changes with every chunk. A single-row INSERT needs no statement journal:
// on SQLite each row is one execution of one prepared single-row statement.
// On PostgreSQL it is one prepared 100-row statement with parameters, so
// the server parses and plans it once per transaction, not per statement.
//
// The pass takes one pooled connection for its whole duration, so that it
// can give that connection its own settings (see newFileWriter).

// fileColumns are the columns the insert pass writes: every column of
// Rating but the id. checkFileColumns keeps the list honest when Rating
// gains a field.
var fileColumns = []string{
	"center_id", "external_id", "rated_at", "period_date", "channel", "item_code", "item_id",
	"staff_id", "level", "reasons", "comment", "is_default", "received_at", "source",
	"import_run_id", "citizen_phone", "citizen_id_number", "excluded", "personal_excluded", "created_at",
}

// ratingArgs appends the values of r for fileColumns, as bun would store
// them: on SQLite times as bun's text (so that they compare equal to the
// times bun writes in a WHERE), reasons as their JSON array. now is the
// value for received_at and created_at, the same for a whole transaction.
func ratingArgs(args []any, r *Rating, pg bool, now any) []any {
	reasons := r.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	rj, _ := json.Marshal(reasons) // []string always marshals
	var ratedAt any = r.RatedAt
	if !pg {
		ratedAt = sqliteTime(r.RatedAt)
	}
	return append(args,
		r.CenterID, r.ExternalID, ratedAt, r.PeriodDate, r.Channel, r.ItemCode, r.ItemID,
		r.StaffID, r.Level, string(rj), r.Comment, r.IsDefault, now, r.Source,
		r.ImportRunID, r.CitizenPhone, r.CitizenIDNumber, r.Excluded, r.PersonalExcluded, now)
}

// sqliteTime is t as bun writes a time on SQLite.
func sqliteTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.999999-07:00")
}

// checkFileColumns fails when Rating has a column fileColumns lacks (or the
// other way round): the insert pass would silently drop it.
func checkFileColumns(db *bun.DB) error {
	var cols []string
	for _, f := range db.Table(reflect.TypeFor[Rating]()).Fields {
		if !f.IsPK {
			cols = append(cols, f.Name)
		}
	}
	slices.Sort(cols)
	want := slices.Clone(fileColumns)
	slices.Sort(want)
	if !slices.Equal(cols, want) {
		return fmt.Errorf("ratings: file import writes columns %v but Rating has %v: update fileColumns and ratingArgs", want, cols)
	}
	return nil
}

// insertSQL is the INSERT of rows ratings; placeholders are "?" on SQLite
// and $n on PostgreSQL (whose driver prepares them server-side).
func insertSQL(rows int, pg bool) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ratings (")
	b.WriteString(strings.Join(fileColumns, ", "))
	b.WriteString(") VALUES ")
	n := 0
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range fileColumns {
			if j > 0 {
				b.WriteString(", ")
			}
			n++
			if pg {
				b.WriteString("$" + strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	b.WriteString(" ON CONFLICT (center_id, external_id) DO NOTHING")
	return b.String()
}

// pgInsertRows is the rows of one PostgreSQL INSERT: 100 rows × 20
// parameters stays far below the protocol's 65,535, and larger statements
// gained nothing in BenchmarkIngestResend.
const pgInsertRows = insertChunk

// importCacheKiB is the SQLite page cache of the import's connection
// during the insert pass (the default is 2 MiB): the indexes a million
// ratings build are tens of MB, and every index page that drops out of the
// cache is a read on the next insert there. It is a fixed bound, so memory
// stays flat, and it is given back when the pass ends.
const importCacheKiB = 32 << 10

// fileWriter is the insert pass's connection and statements.
type fileWriter struct {
	conn    bun.Conn
	pg      bool
	pause   time.Duration // after each transaction; see txPause
	pgSQL   string        // insertSQL(pgInsertRows, true)
	restore []string      // PRAGMAs that give the SQLite connection back as it was
}

func (s *Service) newFileWriter(ctx context.Context) (*fileWriter, error) {
	if err := checkFileColumns(s.db); err != nil {
		return nil, err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("ratings: import connection: %w", err)
	}
	w := &fileWriter{conn: conn, pg: s.db.Dialect().Name() == dialect.PG}
	if w.pg {
		// Row locks: the import's transactions lock out no one.
		w.pgSQL = insertSQL(pgInsertRows, true)
		return w, nil
	}
	// The commits leave the WAL checkpoint to rest, between transactions.
	for _, p := range []struct {
		name string
		val  int64
	}{{"cache_size", -importCacheKiB}, {"wal_autocheckpoint", 0}} {
		var old int64
		if err := conn.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&old); err != nil {
			w.close()
			return nil, fmt.Errorf("ratings: import connection: %w", err)
		}
		if _, err := conn.ExecContext(ctx, "PRAGMA "+p.name+" = "+strconv.FormatInt(p.val, 10)); err != nil {
			w.close()
			return nil, fmt.Errorf("ratings: import connection: %w", err)
		}
		w.restore = append(w.restore, "PRAGMA "+p.name+" = "+strconv.FormatInt(old, 10))
	}
	w.pause = txPause
	return w, nil
}

// close gives the connection back to the pool as it was.
func (w *fileWriter) close() {
	for _, q := range w.restore {
		_, _ = w.conn.ExecContext(context.Background(), q)
	}
	_ = w.conn.Close()
}

// rest follows each committed transaction. On SQLite it checkpoints the
// WAL — what the commit would have done, and a PASSIVE checkpoint takes no
// lock that writers wait for — and then waits out the rest of txPause, so
// the checkpoint costs the import no time of its own.
func (w *fileWriter) rest(ctx context.Context) error {
	if w.pause == 0 {
		return nil
	}
	until := time.Now().Add(w.pause)
	if _, err := w.conn.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		return fmt.Errorf("ratings: checkpoint: %w", err)
	}
	select {
	case <-time.After(time.Until(until)):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// insert stores a prefix of rs in tx, received (and created) now,
// skipping every rating whose (center, external id) is stored already or
// comes earlier, and stops early once deadline has passed; it returns the
// length of the prefix and how many of it were inserted. The IDs of rs are
// not set.
func (w *fileWriter) insert(ctx context.Context, tx bun.Tx, rs []Rating, now, deadline time.Time) (used, stored int, err error) {
	if w.pg {
		return w.insertPG(ctx, tx, rs, now, deadline)
	}
	st, err := tx.PrepareContext(ctx, insertSQL(1, false))
	if err != nil {
		return 0, 0, fmt.Errorf("ratings: prepare insert: %w", err)
	}
	defer st.Close()
	// Each statement runs under a context that cannot be cancelled: for
	// one that can, the driver starts a goroutine per statement to watch
	// it (3 % of the import). Cancellation is checked between rows.
	rowCtx := context.WithoutCancel(ctx)
	nowText := sqliteTime(now)
	args := make([]any, 0, len(fileColumns))
	for used < len(rs) && (used == 0 || time.Now().Before(deadline)) {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		res, err := st.ExecContext(rowCtx, ratingArgs(args[:0], &rs[used], false, nowText)...)
		if err != nil {
			return 0, 0, fmt.Errorf("ratings: insert: %w", store.Translate(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, 0, fmt.Errorf("ratings: insert: rows affected: %w", err)
		}
		used++
		stored += int(n)
	}
	return used, stored, nil
}

func (w *fileWriter) insertPG(ctx context.Context, tx bun.Tx, rs []Rating, now, deadline time.Time) (used, stored int, err error) {
	var st *sql.Stmt
	defer func() {
		if st != nil {
			st.Close()
		}
	}()
	args := make([]any, 0, pgInsertRows*len(fileColumns))
	for used < len(rs) && (used == 0 || time.Now().Before(deadline)) {
		part := rs[used:min(used+pgInsertRows, len(rs))]
		args = args[:0]
		for i := range part {
			args = ratingArgs(args, &part[i], true, now)
		}
		var res sql.Result
		if len(part) == pgInsertRows {
			if st == nil {
				if st, err = tx.PrepareContext(ctx, w.pgSQL); err != nil {
					return 0, 0, fmt.Errorf("ratings: prepare insert: %w", err)
				}
			}
			res, err = st.ExecContext(ctx, args...)
		} else {
			// The tail of a chunk, unprepared: the driver inlines the
			// values. (tx.Tx: bun's own ExecContext knows only "?".)
			res, err = tx.Tx.ExecContext(ctx, insertSQL(len(part), true), args...)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("ratings: insert: %w", store.Translate(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, 0, fmt.Errorf("ratings: insert: rows affected: %w", err)
		}
		used += len(part)
		stored += int(n)
	}
	return used, stored, nil
}
