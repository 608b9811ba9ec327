package reports

import (
	"fmt"
	"io"
	"strconv"
)

// Staff renders a person's evaluation report (个人考评报告) to w and fills
// rep.Code with its integrity code.
func (r *Renderer) Staff(w io.Writer, rep *StaffReport) (Result, error) {
	if rep == nil {
		return Result{}, fmt.Errorf("%w: nil staff report", ErrInvalid)
	}
	who := rep.Name
	if rep.StaffNo != "" {
		who += "（" + rep.StaffNo + "）"
	}
	res, err := r.render(w, job{
		kind: "staff report " + rep.StaffNo,
		data: rep,
		info: docInfo{
			title:   "个人考评报告 " + rep.Name + " " + rep.PeriodLabel,
			subject: "个人考评报告",
			author:  rep.CenterName,
		},
		loc:         rep.Location,
		generated:   rep.GeneratedAt,
		by:          rep.GeneratedBy,
		running:     joinDot(rep.CenterName, "个人考评报告", who, rep.PeriodLabel),
		pageNumbers: true,
		draw:        func(d *doc) { drawStaff(d, rep) },
	})
	if err == nil {
		rep.Code = res.Code
	}
	return res, err
}

// joinDot joins the non-empty parts with " · ".
func joinDot(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += " · "
		}
		out += p
	}
	return out
}

// noData reports a person without any evaluation data in the period.
func (rep *StaffReport) noData() bool {
	return rep.Quality == nil && rep.NRatings == 0 && len(rep.Channels) == 0 &&
		len(rep.BadRatings) == 0 && len(rep.Training) == 0 && len(rep.Quizzes) == 0
}

func drawStaff(d *doc, rep *StaffReport) {
	d.titleBlock(rep.CenterName, "个人考评报告", periodLine(rep.Meta), rep.IssueNo)
	staffHead(d, rep)
	if rep.noData() {
		d.box("本期无考评数据", "本考评期内没有该员工的评价、培训或测验记录，不计算综合得分。")
	} else {
		staffBody(d, rep)
	}
	leadComment(d, rep.LeadComment)
	signatures(d, []string{"员工", "班组长", "人力资源"})
}

// staffHead prints the box with the person's particulars and the score.
func staffHead(d *doc, rep *StaffReport) {
	periodLabel := rep.PeriodLabel
	if periodLabel == "" {
		periodLabel = rep.Period
	}
	pairs := [][2]string{
		{"姓名", rep.Name}, {"工号", rep.StaffNo},
		{"班组", rep.Team}, {"考评期", periodLabel},
		{"有效评价", strconv.Itoa(rep.NRatings) + " 条"}, {"等级", rep.Band},
		{"班组排名", rank(rep.RankTeam)}, {"中心排名", rank(rep.RankCenter)},
	}
	const scoreW = 54.0
	gridW := d.width() - scoreW
	h := max(d.kvGrid(d.left+4, 0, gridW-8, pairs, false), 30) + 8
	d.ensure(h)
	top := d.y
	d.c.rect(d.left, top, d.width(), h, 1.5, nil, &ruleLight, 0.3)
	d.c.rect(d.left+gridW, top, scoreW, h, 0, &headFill, nil, 0)
	d.c.line(d.left+gridW, top, d.left+gridW, top+h, 0.3, ruleLight, false)
	d.kvGrid(d.left+4, top+4, gridW-8, pairs, true)

	sx := d.left + gridW
	d.say(sx, top+3, scoreW, "综合质量得分", 9, muted, 'C', false)
	score := One(rep.Quality)
	d.say(sx, top+8, scoreW, score, 28, navy, 'C', true)
	band := orDash(rep.Band)
	tag := d.clean("等级：" + band)
	tw := min(d.textW(tag, 10)+6, scoreW-4)
	tag = d.fit(tag, tw-4, 10)
	d.c.rect(sx+(scoreW-tw)/2, top+h-10.5, tw, 6.5, 1.5, &white, &navy, 0.35)
	d.say(sx, top+h-10.4+0.3, scoreW, tag, 10, navy, 'C', false)
	d.y = top + h + 3
}

// kvGrid lays out label/value pairs in two columns from (x, y), wrapping
// long values; it draws only when draw is set and returns the height.
func (d *doc) kvGrid(x, y, w float64, pairs [][2]string, draw bool) float64 {
	const labelW, size = 15.0, 10.0
	colW := w / 2
	valW := colW - labelW - 3
	lh := lineH(size)
	var h float64
	for i := 0; i < len(pairs); i += 2 {
		rowLines := 1
		vals := make([][]string, 2)
		for j := 0; j < 2 && i+j < len(pairs); j++ {
			vals[j] = d.linesMax(orDash(pairs[i+j][1]), valW, size, 4)
			rowLines = max(rowLines, len(vals[j]))
		}
		if draw {
			for j := 0; j < 2 && i+j < len(pairs); j++ {
				cx := x + float64(j)*colW
				d.say(cx, y+h, labelW, d.clean(pairs[i+j][0]), 9, muted, 'L', false)
				for k, l := range vals[j] {
					d.say(cx+labelW, y+h+float64(k)*lh, valW, l, size, ink, 'L', false)
				}
			}
			if i+2 < len(pairs) {
				ly := y + h + float64(rowLines)*lh + 0.9
				d.c.line(x, ly, x+w, ly, 0.1, ruleLight, false)
			}
		}
		h += float64(rowLines)*lh + 1.8
	}
	return h - 1.8
}

func staffBody(d *doc, rep *StaffReport) {
	d.heading("综合得分构成")
	if len(rep.Components) == 0 {
		d.none("本期无得分构成数据。")
	} else {
		t := table{cols: []col{
			{"指标", 22, 'L'}, {"得分", 11, 'R'}, {"权重（基础→实际）", 24, 'C'}, {"说明", 53, 'L'},
		}}
		for _, c := range rep.Components {
			t.rows = append(t.rows, []string{
				c.Label, One(c.Value), weightPct(c.BaseWeight) + " → " + weightPct(c.Weight), orDash(c.Explain),
			})
		}
		t.style = func(r, c int) cellStyle {
			if rep.Components[r].Value == nil {
				return cellStyle{color: &muted}
			}
			return cellStyle{}
		}
		d.table(t)
	}

	d.heading("各渠道评价")
	if len(rep.Channels) == 0 {
		d.none("本期无评价。")
	} else {
		t := table{size: 7.5, cols: []col{
			{"渠道", 15, 'L'},
			{"非常\n不满意", 9, 'R'}, {"不满意", 9, 'R'}, {"基本\n满意", 9, 'R'},
			{"满意", 9, 'R'}, {"非常\n满意", 9, 'R'},
			{"n", 8, 'R'}, {"均分", 8.5, 'R'}, {"修正得分", 10, 'R'}, {"m", 8, 'R'}, {"C", 8, 'R'},
			{"好评率", 10, 'R'}, {"差评率", 10, 'R'},
		}}
		for _, c := range rep.Channels {
			row := []string{c.Channel}
			for _, n := range c.Counts {
				row = append(row, strconv.Itoa(n))
			}
			row = append(row, strconv.Itoa(c.N), One(c.Mean), One(c.Score), num(c.M), num(c.C), pct(c.GoodRate), pct(c.BadRate))
			t.rows = append(t.rows, row)
		}
		d.table(t)
		d.note("均分为 1–5 级评价的平均值；修正得分按先验评价数 m 与先验均值 C 修正，评价少时向 C 靠拢。", 7.5, muted)
	}

	d.heading("差评及处理")
	if len(rep.BadRatings) == 0 {
		d.none("本期无差评。")
	} else {
		t := table{size: 7.5, cols: []col{
			{"评价时间", 15, 'L'}, {"渠道", 10, 'L'}, {"事项", 17, 'L'}, {"评价", 12.5, 'L'},
			{"原因", 16, 'L'}, {"评语", 29.5, 'L'}, {"处理状态", 11, 'L'}, {"申诉结果", 11, 'L'},
		}}
		for _, b := range rep.BadRatings {
			t.rows = append(t.rows, []string{
				clock(b.RatedAt, rep.Location), b.Channel, b.Item, levelLabel(b.Level),
				orDash(b.Reasons), orDash(b.Comment), orDash(b.CaseState), orDash(b.Appeal),
			})
		}
		t.style = func(r, c int) cellStyle {
			if c == 3 && rep.BadRatings[r].Level == 1 {
				return cellStyle{color: &badCol}
			}
			return cellStyle{}
		}
		d.table(t)
	}

	d.heading("培训情况")
	if len(rep.Training) == 0 {
		d.none("本期无培训任务。")
	} else {
		t := table{cols: []col{
			{"培训模块", 40, 'L'}, {"版本", 9, 'C'}, {"截止日期", 15, 'C'}, {"完成日期", 15, 'C'},
			{"证书", 19, 'L'}, {"状态", 12, 'L'},
		}}
		for _, tr := range rep.Training {
			t.rows = append(t.rows, []string{
				tr.Module, version(tr.Version), orDash(tr.Due), orDash(tr.Completed), orDash(tr.Certificate), orDash(tr.Status),
			})
		}
		d.table(t)
	}

	d.heading("测验成绩")
	if len(rep.Quizzes) == 0 {
		d.none("本期无测验记录。")
	} else {
		t := table{cols: []col{
			{"测验", 50, 'L'}, {"作答次数", 12, 'R'}, {"成绩", 12, 'R'}, {"是否通过", 12, 'C'}, {"日期", 16, 'C'},
		}}
		for _, q := range rep.Quizzes {
			t.rows = append(t.rows, []string{q.Quiz, strconv.Itoa(q.Attempts), One(q.Grade), passed(q.Passed), orDash(q.Date)})
		}
		t.style = func(r, c int) cellStyle {
			if c == 3 && rep.Quizzes[r].Passed != nil {
				if *rep.Quizzes[r].Passed {
					return cellStyle{color: &goodCol}
				}
				return cellStyle{color: &badCol}
			}
			return cellStyle{}
		}
		d.table(t)
	}

	d.heading("近期质量得分趋势")
	d.lineChart(rep.Trend, 55)
}

// version prints a module version as "第 3 版".
func version(v int) string {
	if v <= 0 {
		return dash
	}
	return "第 " + strconv.Itoa(v) + " 版"
}

// passed prints a quiz outcome.
func passed(p *bool) string {
	switch {
	case p == nil:
		return dash
	case *p:
		return "通过"
	default:
		return "未通过"
	}
}

// leadComment prints the team lead's comment, or ruled lines to write one.
func leadComment(d *doc, comment string) {
	const size = 10
	d.heading("班组长评语")
	if comment == "" {
		d.start(40)
		for i := 0; i < 4; i++ {
			d.y += 9
			d.c.line(d.left, d.y, d.right, d.y, 0.2, ruleLight, false)
		}
		d.y += 3
		return
	}
	ls := d.lines(comment, d.width()-8, size)
	d.start(min(float64(len(ls)), 4)*lineH(size) + 6)
	for i := 0; i < len(ls); {
		n := min(len(ls)-i, int((d.bottom-d.y-6)/lineH(size)))
		if n < 1 {
			d.newPage()
			continue
		}
		h := float64(n)*lineH(size) + 6
		d.c.rect(d.left, d.y, d.width(), h, 1.2, &zebraFill, &ruleLight, 0.25)
		for k := 0; k < n; k++ {
			d.say(d.left+4, d.y+3+float64(k)*lineH(size), d.width()-8, ls[i+k], size, ink, 'L', false)
		}
		d.y += h + 2
		i += n
		if i < len(ls) {
			d.newPage()
		}
	}
}

// signatures prints the sign-off block: one column per role, each with a
// signature and a date line. It never breaks across pages and, as the end
// of the document, has no section number.
func signatures(d *doc, roles []string) {
	d.start(0)
	d.ensure(23)
	w := d.width() / float64(len(roles))
	top := d.y + 3
	for i, role := range roles {
		x := d.left + float64(i)*w
		d.say(x, top, w-8, d.clean(role), 10, navy, 'L', false)
		for j, label := range []string{"签字：", "日期："} {
			ly := top + 6.5 + float64(j)*7.5
			d.say(x, ly, 12, label, 9.5, muted, 'L', false)
			d.c.line(x+11, ly+lineH(9.5)-0.6, x+w-8, ly+lineH(9.5)-0.6, 0.25, ruleDark, false)
		}
	}
	d.y = top + 20
}
