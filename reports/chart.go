package reports

import (
	"fmt"
	"math"
)

// The charts are drawn with vector lines and rectangles on a 0–max scale
// with gridlines, so they print sharp at any size.

// yAxis draws horizontal gridlines and their labels for 0..max in steps.
func (d *doc) yAxis(x, y, w, h, scale, step float64, unit string) {
	for v := 0.0; v <= scale+1e-9; v += step {
		gy := y + h - v/scale*h
		col, lw := ruleLight, 0.12
		if v == 0 {
			col, lw = ruleDark, 0.25
		}
		d.c.line(x, gy, x+w, gy, lw, col, false)
		label := fmt.Sprintf("%g%s", v, unit)
		d.say(x-11, gy-lineH(7)/2, 9.5, label, 7, muted, 'R', false)
	}
}

// lineChart draws a trend line of points on a 0–100 scale. Points without
// a value are skipped; a segment that spans one is dashed.
func (d *doc) lineChart(points []TrendPoint, h float64) {
	has := false
	for _, p := range points {
		if p.Value != nil {
			has = true
		}
	}
	if len(points) == 0 || !has {
		d.none("暂无趋势数据。")
		return
	}
	d.start(h)
	px, py := d.left+14, d.y+5
	pw, ph := d.width()-20, h-14
	d.yAxis(px, py, pw, ph, 100, 20, "")
	slot := pw / float64(len(points))
	type pt struct{ x, y float64 }
	var prev *pt
	gapSince := false
	var marks []pt
	var labels []string
	for i, p := range points {
		cx := px + (float64(i)+0.5)*slot
		d.say(cx-slot/2, py+ph+1.5, slot, d.fit(p.Period, slot-2, 8), 8, ink, 'C', false)
		if p.Value == nil {
			d.say(cx-slot/2, py+ph-lineH(7.5)-1, slot, "无数据", 7.5, faint, 'C', false)
			gapSince = prev != nil
			continue
		}
		v := math.Max(0, math.Min(100, *p.Value))
		cur := pt{cx, py + ph - v/100*ph}
		if prev != nil {
			d.c.line(prev.x, prev.y, cur.x, cur.y, 0.6, barFill, gapSince)
		}
		prev, gapSince = &cur, false
		marks = append(marks, cur)
		labels = append(labels, One(p.Value))
	}
	for i, m := range marks {
		d.c.circle(m.x, m.y, 1.1, white, navy, 0.45)
		ly := m.y - lineH(8) - 1
		if ly < py-3 {
			ly = m.y + 1.5
		}
		d.say(m.x-10, ly, 20, labels[i], 8, navy, 'C', false)
	}
	d.y += h
}

// hbar is one bar of a horizontal bar chart.
type hbar struct {
	label string
	value *float64
}

// barChart draws horizontal bars on a 0–100 scale, one row per bar, with
// an optional dashed threshold line; a long chart continues on the next
// page with its own axis.
func (d *doc) barChart(bars []hbar, threshold *float64) {
	if len(bars) == 0 {
		return
	}
	const rowH, barH, axisH = 6.0, 3.6, 7.0
	labelW := 38.0
	px := d.left + labelW + 2
	pw := d.width() - labelW - 14
	for start := 0; start < len(bars); {
		d.start(rowH*min(float64(len(bars)-start), 8) + axisH + 4)
		fit := max(1, int((d.bottom-d.y-axisH-4)/rowH))
		end := min(len(bars), start+fit)
		top := d.y + 2
		ph := float64(end-start) * rowH
		for v := 0.0; v <= 100; v += 20 {
			gx := px + v/100*pw
			col, lw := ruleLight, 0.12
			if v == 0 {
				col, lw = ruleDark, 0.25
			}
			d.c.line(gx, top, gx, top+ph, lw, col, false)
			d.say(gx-8, top+ph+0.8, 16, fmt.Sprintf("%g", v), 7, muted, 'C', false)
		}
		for i := start; i < end; i++ {
			b := bars[i]
			ry := top + float64(i-start)*rowH
			d.say(d.left, ry+(rowH-lineH(8))/2, labelW, d.fit(b.label, labelW, 8), 8, ink, 'R', false)
			if b.value == nil {
				d.say(px+1.5, ry+(rowH-lineH(7.5))/2, 30, "无数据", 7.5, faint, 'L', false)
				continue
			}
			v := math.Max(0, math.Min(100, *b.value))
			bw := v / 100 * pw
			fill := barFill
			if threshold != nil && *b.value < *threshold {
				fill = badCol
			}
			if bw > 0 {
				d.c.rect(px, ry+(rowH-barH)/2, bw, barH, 0, &fill, nil, 0)
			}
			d.say(px+bw+1.2, ry+(rowH-lineH(7.5))/2, 14, One(b.value), 7.5, ink, 'L', false)
		}
		if threshold != nil && *threshold >= 0 && *threshold <= 100 {
			tx := px + *threshold/100*pw
			d.c.line(tx, top-1.5, tx, top+ph, 0.35, badCol, true)
			d.say(tx-20, top-1.5-lineH(7), 40, "阈值 "+One(threshold), 7, badCol, 'C', false)
		}
		d.y = top + ph + axisH
		start = end
	}
}

// series is one coloured set of values of a column chart.
type series struct {
	name   string
	color  rgb
	values []*float64
}

// columnChart draws grouped vertical columns, one group per category, on a
// 0–max scale with a legend.
func (d *doc) columnChart(cats []string, ss []series, scale, step float64, unit string, h float64) {
	if len(cats) == 0 || len(ss) == 0 {
		return
	}
	d.start(h)
	px, py := d.left+14, d.y+8
	pw, ph := d.width()-20, h-17
	// legend, top right
	lx := d.right
	for i := len(ss) - 1; i >= 0; i-- {
		name := d.clean(ss[i].name)
		lx -= d.textW(name, 8) + 8
		d.c.rect(lx, d.y+1.2, 3, 3, 0, &ss[i].color, nil, 0)
		d.say(lx+4, d.y+0.6, 40, name, 8, ink, 'L', false)
	}
	d.yAxis(px, py, pw, ph, scale, step, unit)
	slot := pw / float64(len(cats))
	bw := math.Min(14, slot*0.7/float64(len(ss)))
	for i, cat := range cats {
		gx := px + (float64(i)+0.5)*slot - bw*float64(len(ss))/2
		for j, s := range ss {
			var v *float64
			if i < len(s.values) {
				v = s.values[i]
			}
			x := gx + float64(j)*bw
			if v == nil {
				d.say(x-4, py+ph-lineH(7)-0.5, bw+8, dash, 7, faint, 'C', false)
				continue
			}
			val := math.Max(0, math.Min(scale, *v))
			bh := val / scale * ph
			if bh > 0 {
				d.c.rect(x+0.3, py+ph-bh, bw-0.6, bh, 0, &s.color, nil, 0)
			}
			d.say(x-4, py+ph-bh-lineH(7), bw+8, One(v)+unit, 7, ink, 'C', false)
		}
		d.say(px+float64(i)*slot, py+ph+1.5, slot, d.fit(cat, slot-2, 8), 8, ink, 'C', false)
	}
	d.y += h
}
