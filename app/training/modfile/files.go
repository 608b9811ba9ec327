package modfile

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	moduleFile = "module.md"
	assetsDir  = "assets"
)

// ReadPath reads a module from path, which is one of:
//
//   - a folder holding module.md and, optionally, assets/;
//   - a .zip of such a folder: either one top-level folder or the files at
//     the root of the archive;
//   - a bare module.md (any other file), which then has no assets.
//
// Hidden files (".DS_Store", ".git/…") and a zip's "__MACOSX/" folder are
// skipped; other files beside module.md and assets/ are ignored. A lesson
// showing an image that is not in assets/ is a *ParseError at that line.
// Reading stops at MaxFileBytes per file and MaxTotalBytes in all
// (ErrTooLarge), counting the bytes actually read.
func ReadPath(p string) (*Module, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	switch {
	case fi.IsDir():
		return readDir(p)
	case isZip(p):
		return readZip(p)
	}
	b := &budget{left: MaxTotalBytes}
	data, err := readFile(b, p)
	if err != nil {
		return nil, err
	}
	return assemble(p, data, nil)
}

// assemble parses module.md and checks it against the assets found beside it.
func assemble(name string, data []byte, assets map[string][]byte) (*Module, error) {
	m, refs, err := parse(name, data)
	if err != nil {
		return nil, err
	}
	if err := checkRefs(name, refs, assets); err != nil {
		return nil, err
	}
	if len(assets) > 0 {
		m.Assets = assets
	}
	return m, nil
}

func readFile(b *budget, p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return b.read(f, p)
}

func isZip(p string) bool {
	if strings.EqualFold(filepath.Ext(p), ".zip") {
		return true
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	return err == nil && string(magic) == "PK\x03\x04"
}

// budget counts the bytes read for one module.
type budget struct{ left int64 }

// read reads all of r, or fails with ErrTooLarge as soon as r gives more
// than one file or the whole module may hold: a zip header's size is not
// trusted.
func (b *budget) read(r io.Reader, name string) ([]byte, error) {
	limit := min(int64(MaxFileBytes), b.left)
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > limit {
		if limit < MaxFileBytes {
			return nil, fmt.Errorf("%s: %w: the module holds more than %d MiB", name, ErrTooLarge, MaxTotalBytes>>20)
		}
		return nil, fmt.Errorf("%s: %w: more than %d MiB", name, ErrTooLarge, MaxFileBytes>>20)
	}
	b.left -= int64(len(data))
	return data, nil
}

func readDir(dir string) (*Module, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	b := &budget{left: MaxTotalBytes}
	name := filepath.Join(dir, moduleFile)
	f, err := root.Open(moduleFile)
	if err != nil {
		return nil, fmt.Errorf("%s: no %s in the folder: %w", dir, moduleFile, err)
	}
	data, err := b.read(f, name)
	f.Close()
	if err != nil {
		return nil, err
	}

	entries, err := fs.ReadDir(root.FS(), assetsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return assemble(name, data, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, assetsDir), err)
	}
	assets := map[string][]byte{}
	for _, e := range entries {
		full := filepath.Join(dir, assetsDir, e.Name())
		if hidden(e.Name()) {
			continue
		}
		if e.IsDir() {
			return nil, fmt.Errorf("%s: %w: assets/ may not have subfolders", full, ErrUnsafePath)
		}
		if !e.Type().IsRegular() {
			return nil, fmt.Errorf("%s: not a regular file", full)
		}
		if err := checkAssetName(e.Name()); err != nil {
			return nil, fmt.Errorf("%s: %w", full, err)
		}
		f, err := root.Open(assetsDir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		content, err := b.read(f, full)
		f.Close()
		if err != nil {
			return nil, err
		}
		assets[e.Name()] = content
	}
	return assemble(name, data, assets)
}

func readZip(p string) (*Module, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	defer zr.Close()
	if len(zr.File) > maxZipEntries {
		return nil, fmt.Errorf("%s: %w: more than %d entries", p, ErrTooLarge, maxZipEntries)
	}

	// Check every name before using any, and keep the regular files.
	files := map[string]*zip.File{}
	var names []string
	for _, f := range zr.File {
		name, err := cleanZipName(f.Name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if name == "" || f.Mode().IsDir() || skipped(name) {
			continue
		}
		if !f.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: zip entry %q is not a regular file", p, f.Name)
		}
		if _, dup := files[name]; dup {
			return nil, fmt.Errorf("%s: zip entry %q appears twice", p, f.Name)
		}
		files[name] = f
		names = append(names, name)
	}
	prefix, err := zipRoot(names)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}

	b := &budget{left: MaxTotalBytes}
	read := func(f *zip.File, name string) ([]byte, error) {
		if f.UncompressedSize64 > MaxFileBytes {
			return nil, fmt.Errorf("%s: %w: more than %d MiB", name, ErrTooLarge, MaxFileBytes>>20)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer rc.Close()
		return b.read(rc, name)
	}
	mdName := filepath.Join(p, filepath.FromSlash(prefix+moduleFile))
	data, err := read(files[prefix+moduleFile], mdName)
	if err != nil {
		return nil, err
	}
	assets := map[string][]byte{}
	slices.Sort(names)
	for _, name := range names {
		rest, ok := strings.CutPrefix(name, prefix+assetsDir+"/")
		if !ok {
			continue // README.md and the like
		}
		full := filepath.Join(p, filepath.FromSlash(name))
		if strings.Contains(rest, "/") {
			return nil, fmt.Errorf("%s: %w: assets/ may not have subfolders", full, ErrUnsafePath)
		}
		if err := checkAssetName(rest); err != nil {
			return nil, fmt.Errorf("%s: %w", full, err)
		}
		if assets[rest], err = read(files[name], full); err != nil {
			return nil, err
		}
	}
	return assemble(mdName, data, assets)
}

// cleanZipName returns a zip entry's name with "/" separators, or
// ErrUnsafePath for one that would land outside the folder it is unpacked
// into (zip-slip). Nothing is ever unpacked to disk by name, but such an
// archive is refused rather than half-read.
func cleanZipName(name string) (string, error) {
	n := strings.ReplaceAll(name, `\`, "/")
	unsafe := strings.HasPrefix(n, "/") || filepath.IsAbs(name) ||
		len(n) >= 2 && n[1] == ':' && unicode.IsLetter(rune(n[0])) // C:/…
	for seg := range strings.SplitSeq(n, "/") {
		if seg == ".." {
			unsafe = true
		}
	}
	if unsafe {
		return "", fmt.Errorf("%w: zip entry %q escapes the module folder", ErrUnsafePath, name)
	}
	if !utf8.ValidString(n) {
		return "", fmt.Errorf("zip entry %q: name is not UTF-8", name)
	}
	n = strings.TrimSuffix(path.Clean("/" + n)[1:], "/")
	return n, nil
}

// skipped reports zip entries that are not part of any module: macOS
// resource forks and hidden files.
func skipped(name string) bool {
	for seg := range strings.SplitSeq(name, "/") {
		if seg == "__MACOSX" || hidden(seg) {
			return true
		}
	}
	return false
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") }

// zipRoot finds where module.md is: at the root ("") or in the one
// top-level folder ("310100-001/").
func zipRoot(names []string) (string, error) {
	if slices.Contains(names, moduleFile) {
		return "", nil
	}
	tops := map[string]bool{}
	for _, n := range names {
		top, _, found := strings.Cut(n, "/")
		if !found {
			return "", fmt.Errorf("no %s at the root of the archive", moduleFile)
		}
		tops[top] = true
	}
	if len(tops) != 1 {
		return "", fmt.Errorf("want %s at the root of the archive or in one top-level folder, found %d folders", moduleFile, len(tops))
	}
	prefix := sortedKeys(tops)[0] + "/"
	if !slices.Contains(names, prefix+moduleFile) {
		return "", fmt.Errorf("no %s in %s", moduleFile, prefix)
	}
	return prefix, nil
}

// checkAssetName accepts a plain file name: no separators, no "..", not
// hidden, printable, at most 255 bytes.
func checkAssetName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%w: asset name %q", ErrUnsafePath, name)
	case strings.ContainsAny(name, `/\`) || filepath.IsAbs(name):
		return fmt.Errorf("%w: asset name %q: only a file name, no folders", ErrUnsafePath, name)
	case !utf8.ValidString(name):
		return fmt.Errorf("asset name %q is not UTF-8", name)
	case hidden(name):
		return fmt.Errorf("asset name %q: hidden files are not assets", name)
	case len(name) > maxNameBytes:
		return fmt.Errorf("asset name %q: longer than %d bytes", name, maxNameBytes)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("asset name %q: control characters", name)
	}
	return nil
}

// WriteDir writes m as a folder: dir/module.md and dir/assets/NAME for each
// asset. dir is created if needed; if it exists it must be empty
// (ErrNotEmpty), so an export never mixes with older files.
//
// Besides what Format refuses, it refuses a folder that could not be read
// back: a lesson showing a missing asset, an unsafe asset name
// (ErrUnsafePath), two names that differ only in case (they collide on
// Windows and macOS), files over the size limits (ErrTooLarge). Nothing is
// written then.
func WriteDir(m *Module, dir string) error {
	data, err := Format(m)
	if err != nil {
		return err
	}
	if len(data) > MaxFileBytes {
		return fmt.Errorf("modfile: module %s: %w: module.md is more than %d MiB", m.Code, ErrTooLarge, MaxFileBytes>>20)
	}
	total := int64(len(data))
	folded := map[string]string{}
	for _, name := range sortedKeys(m.Assets) {
		if err := checkAssetName(name); err != nil {
			return fmt.Errorf("modfile: module %s: %w", m.Code, err)
		}
		if other, dup := folded[strings.ToLower(name)]; dup {
			return fmt.Errorf("modfile: module %s: assets %q and %q differ only in case", m.Code, other, name)
		}
		folded[strings.ToLower(name)] = name
		size := int64(len(m.Assets[name]))
		if size > MaxFileBytes {
			return fmt.Errorf("modfile: module %s: asset %s: %w: more than %d MiB", m.Code, name, ErrTooLarge, MaxFileBytes>>20)
		}
		total += size
	}
	if total > MaxTotalBytes {
		return fmt.Errorf("modfile: module %s: %w: more than %d MiB in all", m.Code, ErrTooLarge, MaxTotalBytes>>20)
	}
	for _, l := range m.Lessons {
		for _, r := range findAssetRefs(l.Body) {
			if _, ok := m.Assets[r.Name]; !ok {
				return fmt.Errorf("modfile: module %s: lesson %q: missing asset assets/%s", m.Code, l.Title, r.Name)
			}
		}
	}

	if err := ensureEmptyDir(dir); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	if len(m.Assets) > 0 {
		if err := root.Mkdir(assetsDir, 0o755); err != nil {
			return err
		}
		for _, name := range sortedKeys(m.Assets) {
			if err := root.WriteFile(assetsDir+"/"+name, m.Assets[name], 0o644); err != nil {
				return err
			}
		}
	}
	// module.md last: a folder left half-written by a failure cannot be
	// mistaken for a module.
	return root.WriteFile(moduleFile, data, 0o644)
}

func ensureEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s: %w", dir, ErrNotEmpty)
	}
	return nil
}
