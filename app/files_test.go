package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/store/storetest"
)

// These tests are inside the package: they use chunks of a few bytes,
// which the application never does, to cross chunk boundaries.

func newFileStore(t *testing.T, chunk int) fileStore {
	t.Helper()
	now := time.Date(2026, 7, 15, 2, 0, 0, 0, time.UTC)
	return fileStore{db: storetest.New(t), now: func() time.Time { return now }, chunkSize: chunk}
}

func writeStored(t *testing.T, s fileStore, content string, writes ...int) int64 {
	t.Helper()
	w, err := s.create(context.Background(), fileRatingsUpload, "f.csv")
	if err != nil {
		t.Fatal(err)
	}
	rest := content
	for _, n := range writes { // uneven writes: across and within chunks
		if _, err := io.WriteString(w, rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if _, err := io.WriteString(w, rest); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.ID()
}

func readStored(t *testing.T, s fileStore, id int64) (string, *storedFile) {
	t.Helper()
	r, f, err := s.open(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got bytes.Buffer
	buf := make([]byte, 3) // smaller than a chunk
	if _, err := io.CopyBuffer(&got, struct{ io.Reader }{r}, buf); err != nil {
		t.Fatal(err)
	}
	return got.String(), f
}

func TestStoredFileRoundTrip(t *testing.T) {
	t.Parallel()
	s := newFileStore(t, 7)
	cases := []struct {
		name       string
		content    string
		writes     []int
		wantChunks int
	}{
		{"empty", "", nil, 0},
		{"less than a chunk", "abc", nil, 1},
		{"exactly one chunk", "1234567", nil, 1},
		{"two and a half chunks", "评价编号,评价时间\nU1,2026", []int{2, 9, 1}, 0},
	}
	cases[3].wantChunks = (len(cases[3].content) + 6) / 7
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := writeStored(t, s, tc.content, tc.writes...)
			// Twice, as the two passes of an import read it.
			for pass := 1; pass <= 2; pass++ {
				got, f := readStored(t, s, id)
				if got != tc.content {
					t.Fatalf("pass %d: got %q, want %q", pass, got, tc.content)
				}
				if f.Size != int64(len(tc.content)) || f.Chunks != tc.wantChunks {
					t.Errorf("size %d chunks %d, want %d and %d", f.Size, f.Chunks, len(tc.content), tc.wantChunks)
				}
			}
		})
	}
}

func TestStoredFileIncompleteAbortDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newFileStore(t, 4)
	countChunks := func() int {
		n, err := s.db.NewSelect().Model((*storedFileChunk)(nil)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}

	// Being written: not readable yet.
	w, err := s.create(ctx, fileReportZip, "job.zip")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, "0123456789"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.open(ctx, w.ID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("open while writing: %v, want ErrNotFound", err)
	}
	// Aborted: gone with its chunks.
	w.Abort()
	if _, err := io.WriteString(w, "x"); err == nil {
		t.Error("write after Abort succeeded")
	}
	if n := countChunks(); n != 0 {
		t.Errorf("%d chunks after Abort, want 0", n)
	}

	// The purge takes incomplete files older than the cut only.
	crashed, err := s.create(ctx, fileReportZip, "crashed.zip")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(crashed, "01234"); err != nil {
		t.Fatal(err)
	}
	done := writeStored(t, s, "complete")
	if n, err := s.purgeIncomplete(ctx, s.now()); err != nil || n != 0 {
		t.Fatalf("purge of files not older than the cut: %d, %v; want 0", n, err)
	}
	if n, err := s.purgeIncomplete(ctx, s.now().Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("purge: %d, %v; want 1", n, err)
	}
	if got, _ := readStored(t, s, done); got != "complete" {
		t.Errorf("the complete file after the purge: %q", got)
	}
	if err := s.delete(ctx, done); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.open(ctx, done); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("open after delete: %v, want ErrNotFound", err)
	}
	if n := countChunks(); n != 0 {
		t.Errorf("%d chunks left, want 0", n)
	}
	if err := s.delete(ctx, done); err != nil {
		t.Errorf("deleting a missing file: %v", err)
	}
}

func TestFileRef(t *testing.T) {
	t.Parallel()
	if id, err := parseFileRef(fileRef(42)); err != nil || id != 42 {
		t.Errorf("round trip: %d, %v", id, err)
	}
	for _, ref := range []string{"", "data/uploads/ratings-ab.csv", "db:", "db:x", "db:-1", "db:0"} {
		if _, err := parseFileRef(ref); !errors.Is(err, errNotStored) {
			t.Errorf("parseFileRef(%q): %v, want errNotStored", ref, err)
		}
	}
}
