// Package modfile is the on-disk format of a training module: a folder with a
// module.md (TOML front matter between "+++" lines, then one Markdown lesson
// per level-1 heading) and an optional assets/ folder of images. It is what
// `kaoping module export` writes and `kaoping module import` reads, so that a
// center can keep its standards in version control.
//
// The format is canonical: Format always writes the same bytes for the same
// module, so export → import → export is byte-identical. The layout is
// described in docs/MODULE-FORMAT.md.
//
// The package knows nothing of HTTP or SQL; it only borrows the types of
// package training.
package modfile

import (
	"errors"
	"fmt"

	"github.com/kaoping/kaoping/app/training"
)

// Module is a training module as it travels on disk: its metadata, the
// workflow standard, the lessons in order and the images they show.
type Module struct {
	Code     string // short unique code used by the CLI and the API, e.g. "310100-001"
	Title    string
	Summary  string
	ItemCode string // service item (事项) code; empty for a general topic
	// ValidityMonths is how long a certificate stays valid; 0 = no expiry.
	ValidityMonths int
	Standard       training.Standard
	Lessons        []training.Lesson
	// Assets maps a base name ("step2.png") to its bytes; lessons refer to
	// it as assets/NAME. Nil when there are none.
	Assets map[string][]byte
}

// Size limits when reading a module, so that a hostile zip cannot exhaust
// memory. They count bytes actually read (uncompressed), not what a zip
// header claims.
const (
	MaxFileBytes  = 8 << 20  // module.md or one asset
	MaxTotalBytes = 64 << 20 // module.md and all assets together
	maxZipEntries = 10000
	maxNameBytes  = 255
)

var (
	// ErrTooLarge is matched (errors.Is) by the error for a file or module
	// over MaxFileBytes or MaxTotalBytes.
	ErrTooLarge = errors.New("modfile: too large")
	// ErrUnsafePath is matched by the error for a name that would leave the
	// module folder: "..", an absolute path, a subfolder of assets/, or a zip
	// entry that escapes (zip-slip).
	ErrUnsafePath = errors.New("modfile: unsafe path")
	// ErrNotEmpty is matched by the error WriteDir returns when the target
	// directory already has files in it.
	ErrNotEmpty = errors.New("modfile: directory not empty")
)

// ParseError is a problem in a module.md, located by file and line so that
// the person editing it can go straight there.
type ParseError struct {
	File string // as given to Parse, or the path ReadPath read
	Line int    // 1-based line in File
	Msg  string

	err error // the underlying error, if any (e.g. training.ErrInvalid)
}

// Error returns "FILE:LINE: message".
func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Unwrap returns the error the message came from, so that a rule broken in
// the standard still matches training.ErrInvalid.
func (e *ParseError) Unwrap() error { return e.err }
