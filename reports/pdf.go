package reports

// This is the only file that imports the PDF library, so that the
// maintained fork github.com/go-pdf/fpdf (same API) replaces it by changing
// the import path below.

import (
	"io"
	"time"

	pdflib "github.com/jung-kurt/gofpdf"
)

// fontFamily is the name the embedded font is registered under.
const fontFamily = "kaoping"

// rgb is a colour.
type rgb struct{ r, g, b int }

// docInfo is the document's metadata.
type docInfo struct {
	title, subject, author, keywords string
	created                          time.Time
}

// canvas draws on one PDF document in millimetres. Every drawing method
// sets the colours and line width it needs, so that drawing after a jump to
// an earlier page (the footers are drawn last) never inherits state.
type canvas struct {
	f    *pdflib.Fpdf
	size float64 // current font size in points; 0 = must be set again
}

// newCanvas starts an A4 document that prints with the given TrueType font
// (the library parses it and embeds the subset of the glyphs used). The
// creation date is fixed and the catalog sorted so that the same input
// gives the same bytes.
func newCanvas(landscape bool, font []byte, info docInfo) *canvas {
	orientation := "P"
	if landscape {
		orientation = "L"
	}
	f := pdflib.New(orientation, "mm", "A4", "")
	f.SetCatalogSort(true)
	f.SetCreationDate(info.created)
	f.SetModificationDate(info.created)
	f.SetCompression(true)
	f.SetAutoPageBreak(false, 0)
	f.SetMargins(0, 0, 0)
	f.SetCellMargin(0)
	f.SetTitle(info.title, true)
	f.SetSubject(info.subject, true)
	f.SetAuthor(info.author, true)
	f.SetKeywords(info.keywords, true)
	f.SetCreator("kaoping", true)
	f.SetProducer("kaoping reports", true)
	f.AddUTF8FontFromBytes(fontFamily, "", font)
	f.SetFont(fontFamily, "", 10)
	return &canvas{f: f, size: 10}
}

// err returns the library's sticky error.
func (c *canvas) err() error { return c.f.Error() }

// addPage starts a new page.
func (c *canvas) addPage() { c.f.AddPage() }

// setPage makes page n (1-based) current again.
func (c *canvas) setPage(n int) {
	c.f.SetPage(n)
	c.size = 0
}

// pages returns the number of pages.
func (c *canvas) pages() int { return c.f.PageCount() }

// font sets the font size in points.
func (c *canvas) font(size float64) {
	if size != c.size {
		c.f.SetFont(fontFamily, "", size)
		c.size = size
	}
}

// text draws s with its baseline starting at (x, y). With bold it strokes
// the outlines too: the font has no bold face.
func (c *canvas) text(x, y float64, s string, size float64, col rgb, bold bool) {
	c.font(size)
	c.f.SetTextColor(col.r, col.g, col.b)
	if bold {
		c.f.SetDrawColor(col.r, col.g, col.b)
		c.f.SetLineWidth(size * 0.0035)
		c.f.SetTextRenderingMode(2)
	}
	c.f.Text(x, y, s)
	if bold {
		c.f.SetTextRenderingMode(0)
	}
}

// line draws a line; dashed draws it with 1 mm dashes.
func (c *canvas) line(x1, y1, x2, y2, width float64, col rgb, dashed bool) {
	c.f.SetLineWidth(width)
	c.f.SetDrawColor(col.r, col.g, col.b)
	if dashed {
		c.f.SetDashPattern([]float64{1, 0.8}, 0)
	}
	c.f.Line(x1, y1, x2, y2)
	if dashed {
		c.f.SetDashPattern(nil, 0)
	}
}

// rect fills (fill != nil) and/or strokes (stroke != nil) a rectangle,
// with rounded corners when radius > 0.
func (c *canvas) rect(x, y, w, h, radius float64, fill, stroke *rgb, width float64) {
	style := ""
	if fill != nil {
		c.f.SetFillColor(fill.r, fill.g, fill.b)
		style += "F"
	}
	if stroke != nil {
		c.f.SetDrawColor(stroke.r, stroke.g, stroke.b)
		c.f.SetLineWidth(width)
		style += "D"
	}
	if style == "" {
		return
	}
	if radius > 0 {
		c.f.RoundedRect(x, y, w, h, radius, "1234", style)
		return
	}
	c.f.Rect(x, y, w, h, style)
}

// circle draws a filled circle with an outline.
func (c *canvas) circle(x, y, r float64, fill, stroke rgb, width float64) {
	c.f.SetFillColor(fill.r, fill.g, fill.b)
	c.f.SetDrawColor(stroke.r, stroke.g, stroke.b)
	c.f.SetLineWidth(width)
	c.f.Circle(x, y, r, "FD")
}

// output writes the finished document.
func (c *canvas) output(w io.Writer) error { return c.f.Output(w) }
