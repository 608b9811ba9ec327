package reports

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// The palette: dark blue titles, near-black text, grey rules, a light
// blue-grey header shade.
var (
	navy      = rgb{31, 58, 95}
	ink       = rgb{33, 37, 41}
	muted     = rgb{108, 117, 125}
	faint     = rgb{150, 158, 166}
	ruleLight = rgb{208, 214, 221}
	ruleDark  = rgb{70, 82, 98}
	headFill  = rgb{231, 236, 242}
	zebraFill = rgb{247, 249, 251}
	barFill   = rgb{74, 111, 165}
	white     = rgb{255, 255, 255}
	goodCol   = rgb{46, 125, 50}
	badCol    = rgb{183, 28, 28}
	warnCol   = rgb{191, 96, 0}
	passFill  = rgb{225, 241, 227}
	failFill  = rgb{250, 226, 226}
	lateFill  = rgb{253, 235, 211}
	dueFill   = rgb{255, 247, 222}
)

// ptMM converts points to millimetres.
const ptMM = 25.4 / 72

// lineH is the height of one line of text of the given size, in mm.
func lineH(size float64) float64 { return size * ptMM * 1.45 }

// surface is what a document is drawn on: the PDF canvas, or the dry run
// that collects the characters the document prints.
type surface interface {
	addPage()
	setPage(n int)
	pages() int
	text(x, y float64, s string, size float64, col rgb, bold bool)
	line(x1, y1, x2, y2, width float64, col rgb, dashed bool)
	rect(x, y, w, h, radius float64, fill, stroke *rgb, width float64)
	circle(x, y, r float64, fill, stroke rgb, width float64)
}

// a4 is the page size in mm. Both layout passes use these numbers (not
// the library's own conversion of A4 from points), so they break pages at
// the same places.
func a4(landscape bool) (w, h float64) {
	if landscape {
		return 297, 210
	}
	return 210, 297
}

// dryRun is a surface that only collects characters and counts pages.
type dryRun struct {
	n     int
	runes map[rune]bool
}

func newDryRun() *dryRun { return &dryRun{runes: map[rune]bool{}} }

func (d *dryRun) addPage()                                         { d.n++ }
func (d *dryRun) setPage(int)                                      {}
func (d *dryRun) pages() int                                       { return d.n }
func (d *dryRun) line(_, _, _, _, _ float64, _ rgb, _ bool)        {}
func (d *dryRun) rect(_, _, _, _, _ float64, _, _ *rgb, _ float64) {}
func (d *dryRun) circle(_, _, _ float64, _, _ rgb, _ float64)      {}
func (d *dryRun) text(_, _ float64, s string, _ float64, _ rgb, _ bool) {
	for _, c := range s {
		d.runes[c] = true
	}
}

// sortedRunes returns the collected characters in order.
func (d *dryRun) sortedRunes() []rune {
	out := make([]rune, 0, len(d.runes))
	for c := range d.runes {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// doc lays out one document: it keeps the vertical position, breaks pages,
// numbers the sections, and cleans every string before it reaches the PDF.
type doc struct {
	r      *Renderer
	c      surface
	loc    *time.Location
	record bool // hand the strings to r.record (not in the dry run)

	pageW, pageH float64
	left, right  float64 // content edges
	top, bottom  float64 // content top (after page 1) and bottom
	y            float64
	running      string // header line of the pages after the first
	section      int
	sectionTitle string
	pending      string // section title not drawn yet (see start)
	warnings     []string
	warned       map[string]bool
	footerY      float64 // the footer's rule
}

func newDoc(r *Renderer, c surface, landscape bool, loc *time.Location) *doc {
	d := &doc{r: r, c: c, loc: locOrUTC(loc), warned: map[string]bool{}}
	d.pageW, d.pageH = a4(landscape)
	d.left, d.right = 15, d.pageW-15
	d.top, d.bottom = 19, d.pageH-19
	d.footerY = d.pageH - 16
	d.c.addPage()
	d.y = 15
	return d
}

// width is the content width.
func (d *doc) width() float64 { return d.right - d.left }

// warn records a warning once.
func (d *doc) warn(msg string) {
	if !d.warned[msg] {
		d.warned[msg] = true
		d.warnings = append(d.warnings, msg)
	}
}

// clean returns s as it can be printed on one line.
func (d *doc) clean(s string) string { return d.cleanText(s, false) }

// cleanText returns s as it can be printed: characters the PDF cannot show
// become 〓 with a warning.
func (d *doc) cleanText(s string, keepNewlines bool) string {
	return sanitize(s, d.r.covers, keepNewlines, func(c rune) {
		why := "the font has no glyph for it"
		if c > 0xFFFF {
			why = "it lies outside the Basic Multilingual Plane, which the PDF library cannot encode"
		}
		d.warn(fmt.Sprintf("reports: %q: U+%04X %c printed as 〓: %s", s, c, c, why))
	})
}

// runeW returns the width of one character at size pt, in mm.
func (d *doc) runeW(size float64) func(rune) float64 {
	k := size * ptMM / 1000
	return func(c rune) float64 {
		if c < 0 || c > 0xFFFF {
			return 1000 * k
		}
		return float64(d.r.adv[c]) * k
	}
}

// textW measures clean text at size pt, in mm.
func (d *doc) textW(s string, size float64) float64 {
	w := d.runeW(size)
	var t float64
	for _, c := range s {
		t += w(c)
	}
	return t
}

// lines cleans s and wraps it to width w at size pt.
func (d *doc) lines(s string, w, size float64) []string {
	return wrap(d.cleanText(s, true), w, d.runeW(size))
}

// linesMax is lines cut to at most n lines, the last ending in "…" when
// text was cut: for places that cannot grow, such as a table header or
// the box of a person's particulars.
func (d *doc) linesMax(s string, w, size float64, n int) []string {
	ls := d.lines(s, w, size)
	if len(ls) <= n {
		return ls
	}
	ls = ls[:n]
	ls[n-1] = d.fit(ls[n-1]+"…", w, size)
	return ls
}

// fit cleans s and shortens it with "…" to fit width w on one line.
func (d *doc) fit(s string, w, size float64) string {
	s = d.clean(s)
	if d.textW(s, size) <= w {
		return s
	}
	rw := d.runeW(size)
	limit := w - rw('…')
	var b strings.Builder
	var t float64
	for _, c := range s {
		if t+rw(c) > limit {
			break
		}
		b.WriteRune(c)
		t += rw(c)
	}
	return b.String() + "…"
}

// put hands clean text to the PDF with its baseline at y.
func (d *doc) put(x, y float64, s string, size float64, col rgb, bold bool) {
	if s == "" {
		return
	}
	if d.record && d.r.record != nil {
		d.r.record(s)
	}
	d.c.text(x, y, s, size, col, bold)
}

// baseline is the baseline of a line of size pt whose box starts at top.
func baseline(top, size float64) float64 {
	return top + lineH(size)/2 + 0.36*size*ptMM
}

// say prints clean text s on one line whose box starts at top, aligned
// 'L', 'C' or 'R' within [x, x+w].
func (d *doc) say(x, top, w float64, s string, size float64, col rgb, align byte, bold bool) {
	switch align {
	case 'R':
		x += w - d.textW(s, size)
	case 'C':
		x += (w - d.textW(s, size)) / 2
	}
	d.put(x, baseline(top, size), s, size, col, bold)
}

// newPage starts a page with the running header.
func (d *doc) newPage() {
	d.c.addPage()
	if d.running != "" {
		d.say(d.left, 8, d.width(), d.fit(d.running, d.width(), 7.5), 7.5, muted, 'L', false)
		d.c.line(d.left, 13.2, d.right, 13.2, 0.2, ruleLight, false)
	}
	d.y = d.top
}

// ensure starts a new page unless h mm fit below the current position.
func (d *doc) ensure(h float64) {
	if d.y+h > d.bottom {
		d.newPage()
	}
}

// gap adds vertical space.
func (d *doc) gap(h float64) { d.y += h }

// titleBlock prints the first page's head: the center, the issue tag, the
// document title and the period, and a double rule.
func (d *doc) titleBlock(center, title, subtitle string, issueNo int) {
	d.say(d.left, d.y, d.width()*0.7, d.fit(center, d.width()*0.7, 10), 10, muted, 'L', false)
	tag, tagCol := "期内统计 · 未正式发布", warnCol
	if issueNo > 0 {
		tag, tagCol = fmt.Sprintf("第 %d 次发布", issueNo), navy
	}
	tw := d.textW(tag, 8.5) + 5
	d.c.rect(d.right-tw, d.y+0.3, tw, 5.6, 1.2, nil, &tagCol, 0.3)
	d.say(d.right-tw, d.y+0.4, tw, tag, 8.5, tagCol, 'C', false)
	d.y += 8
	for _, l := range d.lines(title, d.width(), 20) {
		d.say(d.left, d.y, d.width(), l, 20, navy, 'C', true)
		d.y += lineH(20)
	}
	for _, l := range d.linesMax(subtitle, d.width(), 10.5, 2) {
		d.say(d.left, d.y, d.width(), l, 10.5, muted, 'C', false)
		d.y += lineH(10.5)
	}
	d.y += 2.5
	d.c.line(d.left, d.y, d.right, d.y, 0.6, navy, false)
	d.c.line(d.left, d.y+0.9, d.right, d.y+0.9, 0.2, navy, false)
	d.y += 5
}

// periodLine is the subtitle "考评期：2026年7月（2026-07）".
func periodLine(m Meta) string {
	label, code := strings.TrimSpace(m.PeriodLabel), strings.TrimSpace(m.Period)
	switch {
	case label == "":
		label = orDash(code)
	case code != "" && code != label:
		label += "（" + code + "）"
	}
	return "考评期：" + label
}

// chineseNumerals number the sections.
var chineseNumerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// heading starts a numbered section. The title is drawn by the next
// block (start), so that it stays on the page of the block's beginning.
func (d *doc) heading(title string) {
	d.section++
	num := fmt.Sprint(d.section)
	if d.section <= len(chineseNumerals) {
		num = chineseNumerals[d.section-1]
	}
	d.sectionTitle = d.clean(title)
	d.pending = num + "、" + d.sectionTitle
}

// start begins a block that needs h mm on its first page: it breaks the
// page if they do not fit, with a pending section title above the block.
func (d *doc) start(h float64) { d.startAside(h, "") }

// startAside is start with a remark printed after the section title, on
// its line.
func (d *doc) startAside(h float64, aside string) {
	if d.pending == "" {
		d.ensure(h)
		return
	}
	if d.y > d.top+0.5 {
		d.y += 3
	}
	d.ensure(lineH(12) + 2 + h)
	d.c.rect(d.left, d.y+1, 1.2, lineH(12)-2, 0, &navy, nil, 0)
	title := d.fit(d.pending, d.width()-3.5, 12)
	d.say(d.left+3.5, d.y, d.width()-3.5, title, 12, navy, 'L', true)
	if aside != "" {
		x := d.left + 3.5 + d.textW(title, 12) + 5
		d.say(x, d.y+(lineH(12)-lineH(9.5))/2+0.3, d.right-x, d.fit(aside, d.right-x, 9.5), 9.5, muted, 'L', false)
	}
	d.y += lineH(12) + 2
	d.pending = ""
}

// none ends a section that has nothing to show with a sentence such as
// "本期无差评。", printed on the section title's line.
func (d *doc) none(s string) {
	if d.pending == "" {
		d.note(s, 9.5, muted)
		return
	}
	d.startAside(0, s)
	d.y -= 1
}

// note prints a wrapped paragraph, e.g. "本期无差评。" for an empty section.
func (d *doc) note(s string, size float64, col rgb) {
	for _, l := range d.lines(s, d.width(), size) {
		d.start(lineH(size))
		d.say(d.left, d.y, d.width(), l, size, col, 'L', false)
		d.y += lineH(size)
	}
	d.y += 1
}

// box prints a bordered, shaded notice, e.g. "本期无考评数据".
func (d *doc) box(title, body string) {
	tl := d.lines(title, d.width()-12, 14)
	bl := d.lines(body, d.width()-12, 10)
	h := float64(len(tl))*lineH(14) + float64(len(bl))*lineH(10) + 10
	d.start(h)
	d.c.rect(d.left, d.y, d.width(), h, 1.5, &dueFill, &warnCol, 0.4)
	y := d.y + 5
	for _, l := range tl {
		d.say(d.left+6, y, d.width()-12, l, 14, warnCol, 'C', true)
		y += lineH(14)
	}
	for _, l := range bl {
		d.say(d.left+6, y, d.width()-12, l, 10, ink, 'C', false)
		y += lineH(10)
	}
	d.y += h + 2
}

// col is one table column: relative width and alignment 'L', 'C' or 'R'.
type col struct {
	title string
	w     float64
	align byte
}

// cellStyle shades a table cell or colours its text.
type cellStyle struct {
	fill  *rgb
	color *rgb
}

// table is a table of text cells. Cells wrap; rows never overflow; a
// long table breaks across pages with its header row repeated.
type table struct {
	cols  []col
	rows  [][]string
	size  float64
	style func(row, col int) cellStyle
}

const (
	cellPadX = 1.4
	cellPadY = 1.1
)

// table draws t at the current position, full width.
func (d *doc) table(t table) {
	size := t.size
	if size == 0 {
		size = 8.5
	}
	lh := lineH(size)
	var total float64
	for _, c := range t.cols {
		total += c.w
	}
	ws := make([]float64, len(t.cols))
	xs := make([]float64, len(t.cols))
	x := d.left
	for i, c := range t.cols {
		ws[i] = c.w / total * d.width()
		xs[i] = x
		x += ws[i]
	}
	head := make([][]string, len(t.cols))
	headLines := 1
	for i, c := range t.cols {
		head[i] = d.linesMax(c.title, ws[i]-2*cellPadX, size, 4)
		headLines = max(headLines, len(head[i]))
	}
	headH := float64(headLines)*lh + 2*cellPadY
	cells := make([][][]string, len(t.rows))
	for r, row := range t.rows {
		cells[r] = make([][]string, len(t.cols))
		for i := range t.cols {
			s := ""
			if i < len(row) {
				s = row[i]
			}
			cells[r][i] = d.lines(s, ws[i]-2*cellPadX, size)
		}
	}
	drawHead := func(cont bool) {
		if cont {
			d.say(d.left, d.y, d.width(), d.sectionTitle+"（续）", 7.5, muted, 'R', false)
			d.y += lineH(7.5)
		}
		d.c.rect(d.left, d.y, d.width(), headH, 0, &headFill, nil, 0)
		d.c.line(d.left, d.y, d.right, d.y, 0.35, ruleDark, false)
		for i, c := range t.cols {
			align := c.align
			if align != 'L' {
				align = 'C'
			}
			top := d.y + cellPadY + float64(headLines-len(head[i]))*lh/2
			for _, l := range head[i] {
				d.say(xs[i]+cellPadX, top, ws[i]-2*cellPadX, l, size, navy, align, false)
				top += lh
			}
		}
		d.y += headH
		d.c.line(d.left, d.y, d.right, d.y, 0.2, ruleDark, false)
	}
	// keep a short table whole, and a long one's header with 3 rows
	need, rows := headH, 0
	for r := range cells {
		rh := rowLines(cells[r])*lh + 2*cellPadY
		if rows >= 3 && need+rh > 60 {
			break
		}
		need += min(rh, 40)
		rows++
	}
	d.start(need)
	drawHead(false)
	bodyTop := d.y
	breakPage := func() {
		d.newPage()
		drawHead(true)
		bodyTop = d.y
	}
	for r := range cells {
		n := int(rowLines(cells[r]))
		h := float64(n)*lh + 2*cellPadY
		if d.y+h > d.bottom && d.y > bodyTop+0.01 {
			breakPage()
		}
		for off := 0; off < n; {
			k := min(int(math.Floor((d.bottom-d.y-2*cellPadY)/lh)), n-off)
			if k < 1 && d.y > bodyTop+0.01 {
				breakPage()
				continue
			}
			k = max(k, 1) // a header filling the page: overflow rather than loop
			chunkH := float64(k)*lh + 2*cellPadY
			if r%2 == 1 {
				d.c.rect(d.left, d.y, d.width(), chunkH, 0, &zebraFill, nil, 0)
			}
			for i, c := range t.cols {
				col := ink
				if t.style != nil {
					st := t.style(r, i)
					if st.fill != nil {
						d.c.rect(xs[i], d.y, ws[i], chunkH, 0, st.fill, nil, 0)
					}
					if st.color != nil {
						col = *st.color
					}
				}
				ls := cells[r][i]
				top := d.y + cellPadY
				for j := off; j < off+k && j < len(ls); j++ {
					d.say(xs[i]+cellPadX, top, ws[i]-2*cellPadX, ls[j], size, col, c.align, false)
					top += lh
				}
			}
			d.y += chunkH
			off += k
			if off < n {
				d.c.line(d.left, d.y, d.right, d.y, 0.1, ruleLight, false)
				breakPage()
			}
		}
		if r < len(cells)-1 {
			d.c.line(d.left, d.y, d.right, d.y, 0.1, ruleLight, false)
		}
	}
	d.c.line(d.left, d.y, d.right, d.y, 0.35, ruleDark, false)
	d.y += 2
}

// rowLines is the number of lines of a row's tallest cell.
func rowLines(row [][]string) float64 {
	n := 1
	for _, c := range row {
		n = max(n, len(c))
	}
	return float64(n)
}

// finish draws every page's footer (generation time, integrity code, page
// x of y), now that the number of pages is known.
func (d *doc) finish(generated time.Time, by, code string, pageNumbers bool) {
	left := "生成时间：" + generated.In(d.loc).Format("2006-01-02 15:04")
	if strings.TrimSpace(by) != "" {
		left += "　生成人：" + d.fit(by, 40, 7.5)
	}
	left = d.clean(left)
	n := d.c.pages()
	fy := d.footerY
	for p := 1; p <= n; p++ {
		d.c.setPage(p)
		d.c.line(d.left, fy, d.right, fy, 0.2, ruleLight, false)
		d.say(d.left, fy+0.8, d.width(), left, 7.5, muted, 'L', false)
		if pageNumbers {
			d.say(d.left, fy+0.8, d.width(), fmt.Sprintf("第 %d / %d 页", p, n), 7.5, muted, 'R', false)
		}
		label := "校验码（SHA-256）："
		if !pageNumbers {
			label = "验证码（SHA-256）："
		}
		d.say(d.left, fy+0.8+lineH(7.5), d.width(), label+code, 6.5, faint, 'L', false)
	}
}
