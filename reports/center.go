package reports

import (
	"fmt"
	"io"
	"strconv"
)

// itemColumns is how many channel columns one item table holds.
const itemColumns = 6

// Center renders the center report (中心报告) to w and fills rep.Code with
// its integrity code.
func (r *Renderer) Center(w io.Writer, rep *CenterReport) (Result, error) {
	if rep == nil {
		return Result{}, fmt.Errorf("%w: nil center report", ErrInvalid)
	}
	res, err := r.render(w, job{
		kind: "center report",
		data: rep,
		info: docInfo{
			title:   "中心报告 " + rep.CenterName + " " + rep.PeriodLabel,
			subject: "中心报告",
			author:  rep.CenterName,
		},
		loc:         rep.Location,
		generated:   rep.GeneratedAt,
		by:          rep.GeneratedBy,
		running:     joinDot(rep.CenterName, "中心报告", rep.PeriodLabel),
		pageNumbers: true,
		draw:        func(d *doc) { drawCenter(d, rep) },
	})
	if err == nil {
		rep.Code = res.Code
	}
	return res, err
}

func drawCenter(d *doc, rep *CenterReport) {
	d.titleBlock(rep.CenterName, "中心报告", periodLine(rep.Meta), rep.IssueNo)
	people, ratings := 0, 0
	for _, t := range rep.Teams {
		people += t.Members
		ratings += t.NRatings
	}
	periodLabel := rep.PeriodLabel
	if periodLabel == "" {
		periodLabel = rep.Period
	}
	d.infoBox([][2]string{
		{"班组数", strconv.Itoa(len(rep.Teams)) + " 个"}, {"考评期", periodLabel},
		{"人数", strconv.Itoa(people) + " 人"}, {"评价数", strconv.Itoa(ratings) + " 条"},
		{"低于阈值", strconv.Itoa(len(rep.Below)) + " 人"}, {"逾期工单", strconv.Itoa(len(rep.OverdueCases)) + " 件"},
	})
	threshold := rep.Threshold

	d.heading("班组对比")
	if len(rep.Teams) == 0 {
		d.none("本期无班组数据。")
	} else {
		t := table{size: 8, cols: []col{
			{"班组", 26, 'L'}, {"人数", 9, 'R'}, {"评价数", 10, 'R'}, {"质量得分", 11, 'R'},
			{"满意度", 11, 'R'}, {"业务能力", 11, 'R'}, {"培训", 10, 'R'}, {"差评率", 10, 'R'},
		}}
		bars := make([]hbar, len(rep.Teams))
		for i, tm := range rep.Teams {
			t.rows = append(t.rows, []string{
				tm.Team, strconv.Itoa(tm.Members), strconv.Itoa(tm.NRatings), One(tm.Quality),
				One(tm.Satisfaction), One(tm.Competence), One(tm.Training), pct(tm.BadRate),
			})
			bars[i] = hbar{label: tm.Team, value: tm.Quality}
		}
		d.table(t)
		d.gap(2)
		d.note("各班组质量得分（红色低于阈值 "+One(&threshold)+"）：", 8, muted)
		d.barChart(bars, &threshold)
	}

	d.heading("渠道对比")
	if len(rep.Channels) == 0 {
		d.none("本期无评价。")
	} else {
		d.table(channelTable(rep.Channels))
		cats := make([]string, len(rep.Channels))
		good := series{name: "好评率", color: barFill}
		bad := series{name: "差评率", color: badCol}
		for i, c := range rep.Channels {
			cats[i] = c.Channel
			good.values = append(good.values, times100(c.GoodRate))
			bad.values = append(bad.values, times100(c.BadRate))
		}
		d.gap(2)
		d.columnChart(cats, []series{good, bad}, 100, 20, "%", 58)
	}

	d.heading("事项 × 渠道评价")
	if len(rep.Items) == 0 || len(rep.ChannelNames) == 0 {
		d.none("本期无事项评价。")
	} else {
		itemTables(d, rep.ChannelNames, rep.Items)
	}

	d.heading("质量得分低于 " + One(&threshold) + " 的人员")
	if len(rep.Below) == 0 {
		d.none("本期无人低于阈值。")
	} else {
		d.table(memberTable(rep.Below, false))
	}

	d.heading("逾期未办结的差评工单")
	if len(rep.OverdueCases) == 0 {
		d.none("本期无逾期工单。")
	} else {
		t := table{size: 8, cols: []col{
			{"工号", 11, 'L'}, {"姓名", 14, 'L'}, {"班组", 20, 'L'}, {"评价时间", 16, 'L'}, {"渠道", 12, 'L'},
			{"评价", 12, 'L'}, {"状态", 12, 'L'}, {"应办结", 13, 'C'}, {"逾期天数", 10, 'R'},
		}}
		for _, c := range rep.OverdueCases {
			t.rows = append(t.rows, []string{
				c.StaffNo, c.Name, c.Team, clock(c.RatedAt, rep.Location), c.Channel,
				levelLabel(c.Level), orDash(c.State), day(c.Due, rep.Location), strconv.Itoa(c.DaysOverdue),
			})
		}
		t.style = func(r, c int) cellStyle {
			if c == 8 {
				return cellStyle{color: &badCol}
			}
			return cellStyle{}
		}
		d.table(t)
	}
}

// times100 turns a fraction into a percentage.
func times100(v *float64) *float64 {
	if v == nil {
		return nil
	}
	p := *v * 100
	return &p
}

// itemTables prints item × channel tables of at most itemColumns channels.
func itemTables(d *doc, channels []string, items []ItemRow) {
	groups := (len(channels) + itemColumns - 1) / itemColumns
	for g := 0; g < groups; g++ {
		lo, hi := g*itemColumns, min(len(channels), (g+1)*itemColumns)
		if groups > 1 {
			d.start(lineH(8) + 20)
			d.note(fmt.Sprintf("渠道 %d–%d（共 %d 个）", lo+1, hi, len(channels)), 8, muted)
		}
		t := table{size: 8, cols: []col{{"事项", 40, 'L'}}}
		for _, c := range channels[lo:hi] {
			t.cols = append(t.cols, col{c, 20, 'R'})
		}
		for _, it := range items {
			row := []string{it.Item}
			for k := lo; k < hi; k++ {
				if k >= len(it.Cells) || it.Cells[k].N == 0 {
					row = append(row, dash)
					continue
				}
				row = append(row, One(it.Cells[k].Mean)+"（"+strconv.Itoa(it.Cells[k].N)+"）")
			}
			t.rows = append(t.rows, row)
		}
		d.table(t)
	}
	d.note("单元格为均分（评价数），均分为 1–5 级评价的平均值；— 表示无评价。", 7.5, muted)
}
