package training

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app/store"
)

// MaxAssetName is the longest asset name, in bytes.
const MaxAssetName = 100

// imageTypes are the content types an asset may sniff as. SVG is not among
// them: it can carry script.
var imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// checkAsset validates an upload and returns its normalized (lower-case)
// name. The content decides the type, not the name or a declared type.
func checkAsset(name string, data []byte) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch {
	case n == "":
		return "", invalidf("name", "required")
	case len(n) > MaxAssetName:
		return "", invalidf("name", "longer than %d bytes", MaxAssetName)
	case strings.ContainsAny(n, `/\%?#`) || strings.Contains(n, ".."):
		return "", invalidf("name", "must not contain /, \\, %%, ?, # or ..")
	case strings.HasPrefix(n, "."):
		return "", invalidf("name", "must not start with a dot")
	case strings.IndexFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return "", invalidf("name", "must not contain control characters")
	}
	if len(data) > MaxAssetBytes {
		return "", invalidf("file", "larger than 2 MiB")
	}
	if len(data) == 0 {
		return "", invalidf("file", "empty")
	}
	if ct := http.DetectContentType(data); !imageTypes[ct] {
		return "", invalidf("file", "not a PNG, JPEG, GIF or WebP image (looks like %s)", ct)
	}
	return n, nil
}

// AddAsset stores an image for the module's lessons, which refer to it as
// assets/NAME. The name is lower-cased and must be a plain file name (no
// /, \ or .., no leading dot, at most 100 bytes); the content must be a
// PNG, JPEG, GIF or WebP image of at most 2 MiB. A name already used in the
// module is store.ErrConflict.
func (s *Service) AddAsset(ctx context.Context, moduleID int64, name string, data []byte, by int64) (*Asset, error) {
	n, err := checkAsset(name, data)
	if err != nil {
		return nil, err
	}
	if _, err := moduleByID(ctx, s.db, moduleID); err != nil {
		return nil, err
	}
	a := newAsset(moduleID, n, data, by, s)
	if _, err := s.db.NewInsert().Model(a).Exec(ctx); err != nil {
		return nil, fmt.Errorf("training: asset %q: %w", n, store.Translate(err))
	}
	a.Data = nil
	return a, nil
}

func newAsset(moduleID int64, name string, data []byte, by int64, s *Service) *Asset {
	sum := sha256.Sum256(data)
	return &Asset{ModuleID: moduleID, Name: name, ContentType: http.DetectContentType(data), Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), Data: data, CreatedBy: by, CreatedAt: s.now().UTC()}
}

// addAsset stores a checked asset inside an import: the same content under
// the same name is fine, other content is store.ErrConflict naming it.
func (s *Service) addAsset(ctx context.Context, tx bun.Tx, moduleID int64, name string, data []byte, by int64) (*Asset, error) {
	a := newAsset(moduleID, name, data, by, s)
	cur := new(Asset)
	err := tx.NewSelect().Model(cur).ExcludeColumn("data").Where("ma.module_id = ?", moduleID).Where("ma.name = ?", name).Scan(ctx)
	switch {
	case err == nil:
		if cur.SHA256 != a.SHA256 {
			return nil, fmt.Errorf("training: asset %q exists with other content: %w", name, store.ErrConflict)
		}
		return cur, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("training: asset %q: %w", name, err)
	}
	if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
		return nil, fmt.Errorf("training: asset %q: %w", name, store.Translate(err))
	}
	a.Data = nil
	return a, nil
}

// Asset returns the module's asset by name (case-insensitive), with its
// data. A percent-encoded name (as in a URL path) is decoded: names never
// contain '%'.
func (s *Service) Asset(ctx context.Context, moduleID int64, name string) (*Asset, error) {
	if strings.Contains(name, "%") {
		if u, err := url.PathUnescape(name); err == nil {
			name = u
		}
	}
	n := strings.ToLower(strings.TrimSpace(name))
	a := new(Asset)
	if err := s.db.NewSelect().Model(a).Where("ma.module_id = ?", moduleID).Where("ma.name = ?", n).Scan(ctx); err != nil {
		return nil, notFound(err, "asset %q", n)
	}
	if a.Data == nil {
		a.Data = []byte{}
	}
	return a, nil
}

// Assets lists the module's assets sorted by name, without their data.
func (s *Service) Assets(ctx context.Context, moduleID int64) ([]Asset, error) {
	as := []Asset{}
	if err := s.db.NewSelect().Model(&as).ExcludeColumn("data").Where("ma.module_id = ?", moduleID).
		OrderExpr(orderBinary(s.db, "ma.name")).Scan(ctx); err != nil {
		return nil, fmt.Errorf("training: assets of module %d: %w", moduleID, err)
	}
	return as, nil
}
