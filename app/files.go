package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// Files that every instance must be able to read — an uploaded ratings file
// waiting for its import job (which any instance may run), the ZIP of a
// batch report job (downloaded through any instance) — are kept in the
// database, not in a local directory (migration 0016). A file is a
// stored_files row and its content in stored_file_chunks rows of up to
// fileChunkSize bytes: writing and reading hold one chunk in memory, and no
// statement carries a whole file.

// The kinds of stored files.
const (
	fileRatingsUpload = "ratings_upload"
	fileReportZip     = "report_zip"
)

// fileChunkSize is the content of one chunk row.
const fileChunkSize = 1 << 20

// fileRefPrefix marks a stored file's reference in a path column
// (import_runs.stored_path, report_jobs.path): "db:42".
const fileRefPrefix = "db:"

// errNotStored matches the error for a path column that does not refer to
// a stored file: a local path left by a version that kept files on disk,
// which another instance could not read.
var errNotStored = errors.New("app: not a stored file")

type storedFile struct {
	bun.BaseModel `bun:"table:stored_files,alias:sf"`
	ID            int64 `bun:",pk,autoincrement"`
	Kind          string
	Name          string
	Size          int64
	Chunks        int
	Complete      bool
	CreatedAt     time.Time
}

type storedFileChunk struct {
	bun.BaseModel `bun:"table:stored_file_chunks,alias:sfc"`
	FileID        int64 `bun:",pk"`
	Seq           int   `bun:",pk"`
	Data          []byte
}

// fileStore reads and writes stored files.
type fileStore struct {
	db        *bun.DB
	now       func() time.Time
	chunkSize int // 0: fileChunkSize (tests use small chunks)
}

func (a *App) files() fileStore { return fileStore{db: a.db, now: a.now} }

// fileRef is the reference of stored file id in a path column.
func fileRef(id int64) string { return fileRefPrefix + strconv.FormatInt(id, 10) }

// parseFileRef returns the stored file id of ref, or an error matching
// errNotStored.
func parseFileRef(ref string) (int64, error) {
	s, ok := strings.CutPrefix(ref, fileRefPrefix)
	if !ok {
		return 0, fmt.Errorf("%w: %q", errNotStored, ref)
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: %q", errNotStored, ref)
	}
	return id, nil
}

// create starts a file of kind named name. Write the content to the
// returned writer, then Close it to make the file complete (readable), or
// Abort it to drop what was written. The writer uses ctx for every chunk.
func (s fileStore) create(ctx context.Context, kind, name string) (*fileWriter, error) {
	f := &storedFile{Kind: kind, Name: name, CreatedAt: s.now().UTC()}
	if _, err := s.db.NewInsert().Model(f).Exec(ctx); err != nil {
		return nil, fmt.Errorf("app: create stored file: %w", err)
	}
	size := s.chunkSize
	if size <= 0 {
		size = fileChunkSize
	}
	return &fileWriter{ctx: ctx, s: s, file: f, size: size, buf: make([]byte, 0, size)}, nil
}

// fileWriter writes a stored file chunk by chunk. Each chunk is its own
// statement, so a large file never holds the database (SQLite's single
// writer above all) for long; the file only becomes readable at Close.
type fileWriter struct {
	ctx  context.Context
	s    fileStore
	file *storedFile
	size int
	buf  []byte
	err  error // sticky: the first failed write
}

// ID is the stored file's id.
func (w *fileWriter) ID() int64 { return w.file.ID }

func (w *fileWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		k := min(len(p), w.size-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(w.buf) == w.size {
			if err := w.flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (w *fileWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	c := &storedFileChunk{FileID: w.file.ID, Seq: w.file.Chunks, Data: w.buf}
	if _, err := w.s.db.NewInsert().Model(c).Exec(w.ctx); err != nil {
		w.err = fmt.Errorf("app: write stored file %d: %w", w.file.ID, err)
		return w.err
	}
	w.file.Chunks++
	w.file.Size += int64(len(w.buf))
	w.buf = w.buf[:0]
	return nil
}

// Close writes the rest and marks the file complete.
func (w *fileWriter) Close() error {
	if err := w.flush(); err != nil {
		return err
	}
	w.file.Complete = true
	if _, err := w.s.db.NewUpdate().Model(w.file).Column("size", "chunks", "complete").WherePK().Exec(w.ctx); err != nil {
		w.err = fmt.Errorf("app: complete stored file %d: %w", w.file.ID, err)
		return w.err
	}
	w.err = errors.New("app: stored file writer closed")
	return nil
}

// Abort deletes the file and what was written of it. It runs even when
// the writer's context has ended (a cancelled job must not leave chunks
// behind); what it cannot delete, the scheduled purge of incomplete files
// does.
func (w *fileWriter) Abort() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), 30*time.Second)
	defer cancel()
	_ = w.s.delete(ctx, w.file.ID)
	w.err = errors.New("app: stored file writer aborted")
}

// open returns a reader over the complete file id, from its start, and the
// file's row; store.ErrNotFound when there is no such complete file. The
// reader runs one query per chunk with ctx, so ctx must outlive the
// reading.
func (s fileStore) open(ctx context.Context, id int64) (*fileReader, *storedFile, error) {
	f := new(storedFile)
	if err := s.db.NewSelect().Model(f).Where("sf.id = ? AND sf.complete = ?", id, true).Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("app: stored file %d: %w", id, store.Translate(err))
	}
	return &fileReader{ctx: ctx, db: s.db, file: f}, f, nil
}

// fileReader reads a stored file one chunk at a time.
type fileReader struct {
	ctx  context.Context
	db   *bun.DB
	file *storedFile
	next int    // the chunk to load when cur is read
	cur  []byte // the rest of the loaded chunk
}

func (r *fileReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.next >= r.file.Chunks {
			return 0, io.EOF
		}
		var data []byte
		err := r.db.NewSelect().Model((*storedFileChunk)(nil)).Column("data").
			Where("file_id = ? AND seq = ?", r.file.ID, r.next).Scan(r.ctx, &data)
		if err != nil {
			return 0, fmt.Errorf("app: read stored file %d chunk %d: %w", r.file.ID, r.next, store.Translate(err))
		}
		r.cur, r.next = data, r.next+1
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Close releases the chunk held.
func (r *fileReader) Close() error {
	r.cur, r.next = nil, r.file.Chunks
	return nil
}

// delete removes the file id with its chunks; a missing file is not an
// error.
func (s fileStore) delete(ctx context.Context, id int64) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// The chunks go first, explicitly: the foreign key cascades too,
		// but not on a SQLite connection opened without foreign_keys.
		if _, err := tx.NewDelete().Model((*storedFileChunk)(nil)).Where("file_id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("app: delete stored file %d: %w", id, err)
		}
		if _, err := tx.NewDelete().Model((*storedFile)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("app: delete stored file %d: %w", id, err)
		}
		return nil
	})
}

// purgeIncomplete deletes the files whose writer never finished (its
// process died) and that were started before before; it returns how many.
func (s fileStore) purgeIncomplete(ctx context.Context, before time.Time) (int, error) {
	var ids []int64
	if err := s.db.NewSelect().Model((*storedFile)(nil)).Column("id").
		Where("complete = ? AND created_at < ?", false, before.UTC()).Scan(ctx, &ids); err != nil {
		return 0, fmt.Errorf("app: incomplete stored files: %w", err)
	}
	for i, id := range ids {
		if err := s.delete(ctx, id); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}
