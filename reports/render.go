package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrInvalid is returned for report data that cannot be rendered, such as
// a nil report or a missing GeneratedAt.
var ErrInvalid = errors.New("reports: invalid report data")

// job is what the document methods tell render.
type job struct {
	kind        string // for error messages
	data        any    // hashed into the integrity code
	landscape   bool
	info        docInfo
	loc         *time.Location
	generated   time.Time
	by          string
	running     string // header of the pages after the first
	pageNumbers bool
	draw        func(d *doc)
}

// render lays out one document, writes it to w only when it is complete,
// and turns a panic anywhere in the PDF library into an error, so that one
// bad record never takes down a batch or the server.
func (r *Renderer) render(w io.Writer, j job) (res Result, err error) {
	if j.generated.IsZero() {
		return Result{}, fmt.Errorf("%w: %s: GeneratedAt is zero (it fixes the creation date and the footer)", ErrInvalid, j.kind)
	}
	code, err := Code(j.data)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %s: %w", ErrInvalid, j.kind, err)
	}
	defer func() {
		if p := recover(); p != nil {
			res, err = Result{}, fmt.Errorf("reports: %s: rendering failed: %v", j.kind, p)
		}
	}()
	j.info.created = j.generated.In(locOrUTC(j.loc))
	j.info.keywords = code

	// Lay the document out once to learn its characters, then draw it
	// with a font cut to them (see subset.go); the layout does not depend
	// on the font data given to the PDF library, so both runs agree.
	dry := newDryRun()
	r.layout(newDoc(r, dry, j.landscape, j.loc), j, code)
	font, subsetErr := r.ttf.subset(dry.sortedRunes())
	if subsetErr != nil {
		font = r.font
	}
	meta := &doc{r: r, warned: map[string]bool{}} // the metadata is UTF-16 text, but 〓 is safer there too
	j.info.title, j.info.subject, j.info.author = meta.clean(j.info.title), meta.clean(j.info.subject), meta.clean(j.info.author)
	c := newCanvas(j.landscape, font, j.info)
	d := newDoc(r, c, j.landscape, j.loc)
	d.record = true
	if subsetErr != nil {
		d.warn(fmt.Sprintf("reports: cutting the font failed (%v); embedded from the whole font, which is slower", subsetErr))
	}
	r.layout(d, j, code)
	if pages := dry.pages(); pages != c.pages() {
		return Result{}, fmt.Errorf("reports: %s: the dry run laid out %d pages, the PDF %d", j.kind, pages, c.pages())
	}
	var buf bytes.Buffer
	if err := c.output(&buf); err != nil {
		return Result{}, fmt.Errorf("reports: %s: %w", j.kind, err)
	}
	if err := c.err(); err != nil {
		return Result{}, fmt.Errorf("reports: %s: %w", j.kind, err)
	}
	pages := c.pages()
	if _, err := w.Write(buf.Bytes()); err != nil {
		return Result{}, fmt.Errorf("reports: %s: writing the PDF: %w", j.kind, err)
	}
	return Result{Code: code, Warnings: d.warnings, Pages: pages}, nil
}

// layout draws the document j on d, footers included.
func (r *Renderer) layout(d *doc, j job, code string) {
	d.running = d.clean(j.running)
	j.draw(d)
	d.finish(j.generated, j.by, code, j.pageNumbers)
}
