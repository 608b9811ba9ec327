package app

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	"github.com/kaoping/kaoping/app/scores"
	"github.com/kaoping/kaoping/app/scoring"
)

// Server-rendered SVG charts: no script, printable, readable without
// colour (values are written on the chart).

// trendSVG draws a line chart of quality (0–100) over periods; n/a points
// are gaps.
func trendSVG(points []scores.TrendPoint) template.HTML {
	const w, h, left, right, top, bottom = 360, 160, 34, 12, 12, 26
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="trend">`, w, h, w, h)
	for _, g := range []float64{0, 25, 50, 75, 100} {
		y := float64(top) + ph*(1-g/100)
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" class="grid"/><text x="%d" y="%.1f" class="axis" text-anchor="end">%.0f</text>`,
			left, y, w-right, y, left-4, y+4, g)
	}
	n := len(points)
	x := func(i int) float64 {
		if n == 1 {
			return float64(left) + pw/2
		}
		return float64(left) + pw*float64(i)/float64(n-1)
	}
	var path strings.Builder
	pen := false
	for i, p := range points {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="axis" text-anchor="middle">%s</text>`, x(i), h-8, html.EscapeString(p.Period))
		if p.Value == nil {
			pen = false
			continue
		}
		y := float64(top) + ph*(1-*p.Value/100)
		if pen {
			fmt.Fprintf(&path, " L%.1f %.1f", x(i), y)
		} else {
			fmt.Fprintf(&path, " M%.1f %.1f", x(i), y)
		}
		pen = true
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" class="dot"/><text x="%.1f" y="%.1f" class="value" text-anchor="middle">%s</text>`,
			x(i), y, x(i), y-7, scoring.Format1(p.Value))
	}
	if path.Len() > 0 {
		fmt.Fprintf(&b, `<path d="%s" class="line"/>`, strings.TrimSpace(path.String()))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// barsSVG draws horizontal bars (0–100) with labels, one per entry.
func barsSVG(labels []string, values []*float64) template.HTML {
	const w, rowH, labelW, right = 420, 22, 110, 40
	h := rowH*len(labels) + 8
	pw := float64(w - labelW - right)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="bars">`, w, h, w, h)
	for i, l := range labels {
		y := 4 + i*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" text-anchor="end">%s</text>`, labelW-6, y+15, html.EscapeString(l))
		v := values[i]
		if v == nil {
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="value">—</text>`, labelW+4, y+15)
			continue
		}
		bw := pw * max(0, min(*v, 100)) / 100
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" class="bar"/><text x="%.1f" y="%d" class="value">%s</text>`,
			labelW, y+3, bw, rowH-8, float64(labelW)+bw+4, y+15, scoring.Format1(v))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// scoreFuncs are the template functions of the score pages: figures as
// printed everywhere (one decimal, half up), rates in percent, ranks, and
// the weight actually used for a component.
func scoreFuncs() template.FuncMap {
	return template.FuncMap{
		"one": func(v *float64) string { return scoring.Format1(v) },
		"inc": func(i int) int { return i + 1 },
		"yesno": func(b *bool) string {
			switch {
			case b == nil:
				return "—"
			case *b:
				return "✓"
			}
			return "✗"
		},
		"rate": func(v *float64) string {
			if v == nil {
				return "—"
			}
			x := *v * 100
			return scoring.Format1(&x) + "%"
		},
		"rankOf": func(r *int) string {
			if r == nil {
				return "—"
			}
			return fmt.Sprint(*r)
		},
		"weight": func(q scoring.QualityExplain, key string) string {
			var base, used float64
			switch key {
			case "satisfaction":
				base, used = q.BaseWeights.Satisfaction, q.Weights.Satisfaction
			case "competence":
				base, used = q.BaseWeights.Competence, q.Weights.Competence
			case "training":
				base, used = q.BaseWeights.Training, q.Weights.Training
			}
			if base == used {
				return fmt.Sprintf("%.2f", used)
			}
			return fmt.Sprintf("%.2f → %.3f", base, used)
		},
	}
}
