package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// matrixColumns is how many module columns one competence-matrix table
// holds; more modules continue in further tables that repeat the name.
const matrixColumns = 6

// Team renders a team report (班组报告) to w and fills rep.Code with its
// integrity code.
func (r *Renderer) Team(w io.Writer, rep *TeamReport) (Result, error) {
	if rep == nil {
		return Result{}, fmt.Errorf("%w: nil team report", ErrInvalid)
	}
	res, err := r.render(w, job{
		kind: "team report " + rep.Team,
		data: rep,
		info: docInfo{
			title:   "班组报告 " + rep.Team + " " + rep.PeriodLabel,
			subject: "班组报告",
			author:  rep.CenterName,
		},
		loc:         rep.Location,
		generated:   rep.GeneratedAt,
		by:          rep.GeneratedBy,
		running:     joinDot(rep.CenterName, "班组报告", rep.Team, rep.PeriodLabel),
		pageNumbers: true,
		draw:        func(d *doc) { drawTeam(d, rep) },
	})
	if err == nil {
		rep.Code = res.Code
	}
	return res, err
}

func drawTeam(d *doc, rep *TeamReport) {
	d.titleBlock(rep.CenterName, "班组报告", periodLine(rep.Meta), rep.IssueNo)
	periodLabel := rep.PeriodLabel
	if periodLabel == "" {
		periodLabel = rep.Period
	}
	d.infoBox([][2]string{
		{"班组", rep.Team}, {"班组长", strings.Join(rep.Leads, "、")},
		{"成员人数", strconv.Itoa(len(rep.Members)) + " 人"}, {"考评期", periodLabel},
	})

	d.heading("成员得分")
	if len(rep.Members) == 0 {
		d.none("本期无成员数据。")
	} else {
		d.table(memberTable(rep.Members, true))
	}

	if len(rep.Members) > 0 {
		d.heading("成员质量得分")
		bars := make([]hbar, len(rep.Members))
		for i, m := range rep.Members {
			bars[i] = hbar{label: m.Name, value: m.Quality}
		}
		d.barChart(bars, nil)
	}

	d.heading("能力矩阵")
	if len(rep.Modules) == 0 || len(rep.Matrix) == 0 {
		d.none("本期未分配培训模块。")
	} else {
		competenceMatrix(d, rep.Modules, rep.Matrix)
	}

	d.heading("渠道评价")
	if len(rep.Channels) == 0 {
		d.none("本期无评价。")
	} else {
		d.table(channelTable(rep.Channels))
	}

	d.heading("班组质量得分趋势")
	d.lineChart(rep.Trend, 55)

	d.heading("再培训效果")
	if len(rep.Retraining) == 0 {
		d.none("本期无再培训记录。")
	} else {
		t := table{size: 8, cols: []col{
			{"工号", 11, 'L'}, {"姓名", 14, 'L'}, {"事项", 24, 'L'}, {"触发日期", 14, 'C'},
			{"培训前\n满意度", 11, 'R'}, {"培训前\n评价数", 11, 'R'}, {"培训后\n满意度", 11, 'R'}, {"培训后\n评价数", 11, 'R'}, {"变化", 9, 'R'},
		}}
		for _, rt := range rep.Retraining {
			t.rows = append(t.rows, []string{
				rt.StaffNo, rt.Name, rt.Item, orDash(rt.TriggeredOn),
				One(rt.Before), strconv.Itoa(rt.NBefore), One(rt.After), strconv.Itoa(rt.NAfter), change(rt.Before, rt.After),
			})
		}
		t.style = func(r, c int) cellStyle {
			if c != 8 {
				return cellStyle{}
			}
			switch s := t.rows[r][8]; {
			case strings.HasPrefix(s, "+"):
				return cellStyle{color: &goodCol}
			case strings.HasPrefix(s, "-"):
				return cellStyle{color: &badCol}
			}
			return cellStyle{}
		}
		d.table(t)
		d.note("满意度为该事项评价的均分；变化按打印的一位小数计算。", 7.5, muted)
	}
	signatures(d, []string{"班组长", "人力资源"})
}

// change prints after − before of the printed figures, signed.
func change(before, after *float64) string {
	b, ok1 := tenths(before)
	a, ok2 := tenths(after)
	if !ok1 || !ok2 {
		return dash
	}
	diff := a - b
	sign := "+"
	if diff < 0 {
		sign, diff = "-", -diff
	}
	if diff == 0 {
		sign = "±"
	}
	return fmt.Sprintf("%s%d.%d", sign, diff/10, diff%10)
}

// infoBox prints label/value pairs in a bordered box.
func (d *doc) infoBox(pairs [][2]string) {
	h := d.kvGrid(d.left+4, 0, d.width()-8, pairs, false) + 8
	d.ensure(h)
	d.c.rect(d.left, d.y, d.width(), h, 1.5, nil, &ruleLight, 0.3)
	d.kvGrid(d.left+4, d.y+4, d.width()-8, pairs, true)
	d.y += h + 3
}

// memberTable lists members with their scores; withRank adds the rank in
// the team.
func memberTable(ms []MemberRow, withRank bool) table {
	t := table{size: 8, cols: []col{
		{"工号", 12, 'L'}, {"姓名", 20, 'L'}, {"质量得分", 11, 'R'}, {"满意度", 11, 'R'},
		{"业务能力", 11, 'R'}, {"培训", 10, 'R'}, {"等级", 12, 'C'}, {"评价数", 10, 'R'},
	}}
	if withRank {
		t.cols = append(t.cols, col{"组内排名", 11, 'C'})
	}
	for _, m := range ms {
		row := []string{m.StaffNo, m.Name, One(m.Quality), One(m.Satisfaction), One(m.Competence), One(m.Training), orDash(m.Band), strconv.Itoa(m.NRatings)}
		if withRank {
			row = append(row, rank(m.RankTeam))
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// channelTable lists channel summaries.
func channelTable(cs []ChannelSummary) table {
	t := table{cols: []col{
		{"渠道", 30, 'L'}, {"评价数", 15, 'R'}, {"均分", 15, 'R'}, {"好评率", 15, 'R'}, {"差评率", 15, 'R'},
	}}
	for _, c := range cs {
		t.rows = append(t.rows, []string{c.Channel, strconv.Itoa(c.N), One(c.Mean), pct(c.GoodRate), pct(c.BadRate)})
	}
	return t
}

// matrixCell prints one competence-matrix cell and its style.
func matrixCell(c MatrixCell) (string, cellStyle) {
	switch c.State {
	case "passed":
		return "通过 " + One(c.Grade), cellStyle{fill: &passFill, color: &goodCol}
	case "failed":
		return "未通过 " + One(c.Grade), cellStyle{fill: &failFill, color: &badCol}
	case "overdue":
		return "逾期", cellStyle{fill: &lateFill, color: &warnCol}
	case "due":
		return "待完成", cellStyle{fill: &dueFill}
	case "none", "":
		return "未分配", cellStyle{color: &faint}
	default:
		return c.State, cellStyle{}
	}
}

// competenceMatrix prints staff × module tables of at most matrixColumns
// modules each, repeating the staff columns.
func competenceMatrix(d *doc, modules []string, rows []MatrixRow) {
	groups := (len(modules) + matrixColumns - 1) / matrixColumns
	for g := 0; g < groups; g++ {
		lo, hi := g*matrixColumns, min(len(modules), (g+1)*matrixColumns)
		if groups > 1 {
			d.start(lineH(8) + 20)
			d.note(fmt.Sprintf("模块 %d–%d（共 %d 个）", lo+1, hi, len(modules)), 8, muted)
		}
		t := table{size: 8, cols: []col{{"工号", 12, 'L'}, {"姓名", 18, 'L'}}}
		for _, m := range modules[lo:hi] {
			t.cols = append(t.cols, col{m, 16, 'C'})
		}
		for k := hi - lo; k < matrixColumns && groups > 1; k++ {
			t.cols = append(t.cols, col{"", 16, 'C'}) // keep column widths equal across the tables
		}
		styles := make([][]cellStyle, len(rows))
		for r, row := range rows {
			cells := []string{row.StaffNo, row.Name}
			styles[r] = make([]cellStyle, len(t.cols))
			for m := lo; m < hi; m++ {
				var c MatrixCell
				if m < len(row.Cells) {
					c = row.Cells[m]
				}
				s, st := matrixCell(c)
				cells = append(cells, s)
				styles[r][2+m-lo] = st
			}
			t.rows = append(t.rows, cells)
		}
		t.style = func(r, c int) cellStyle { return styles[r][c] }
		d.table(t)
	}
	d.note("通过 / 未通过 后为测验成绩；逾期 = 已过截止日期未完成；未分配 = 该模块未分配给此人。", 7.5, muted)
}
