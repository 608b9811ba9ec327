package scores

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/kaoping/kaoping/app/channel"
	"github.com/kaoping/kaoping/app/scoring"
)

// The score table as people export it: one row per person, the figures as
// printed (one decimal, rates in percent), Chinese headers.

var channelOrder = []string{channel.Offline, channel.Online, channel.Hotline}

// Header is the header row of the exported table.
func Header() []string {
	h := []string{"工号", "姓名", "班组", "计分评价数", "满意度", "业务能力", "培训", "综合得分", "等级", "好评率%", "差评率%", "班组排名", "中心排名"}
	for _, c := range channelOrder {
		l := channel.Label(c, "zh-CN")
		h = append(h, l+"评价数", l+"满意度")
	}
	return h
}

// Row is one person's row of the exported table.
func Row(sc *scoring.Score) []string {
	pct := func(v *float64) string {
		if v == nil {
			return ""
		}
		x := *v * 100
		return scoring.Format1(&x)
	}
	one := func(v *float64) string {
		if v == nil {
			return ""
		}
		return scoring.Format1(v)
	}
	rank := func(r *int) string {
		if r == nil {
			return ""
		}
		return strconv.Itoa(*r)
	}
	row := []string{sc.StaffNo, sc.Name, sc.Team, strconv.Itoa(sc.NRatings), one(sc.Satisfaction), one(sc.Competence),
		one(sc.Training), one(sc.Quality), sc.Band, pct(sc.GoodRate), pct(sc.BadRate), rank(sc.RankTeam), rank(sc.RankCenter)}
	for _, c := range channelOrder {
		if cs, ok := sc.Channels[c]; ok {
			v := cs.Score
			row = append(row, strconv.Itoa(cs.N), scoring.Format1(&v))
		} else {
			row = append(row, "0", "")
		}
	}
	return row
}

// WriteCSV writes the table as UTF-8 CSV with a byte-order mark, which
// Excel on Chinese Windows needs to read UTF-8.
func WriteCSV(w io.Writer, scores []scoring.Score) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(Header()); err != nil {
		return err
	}
	for i := range scores {
		if err := cw.Write(Row(&scores[i])); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the table as an Excel workbook; figures are numbers
// (one decimal), empty cells are n/a.
func WriteXLSX(w io.Writer, title string, scores []scoring.Score) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "考评"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	set := func(col, row int, v any) error {
		cell, err := excelize.CoordinatesToCellName(col, row)
		if err != nil {
			return err
		}
		return f.SetCellValue(sheet, cell, v)
	}
	if err := set(1, 1, title); err != nil {
		return err
	}
	for i, h := range Header() {
		if err := set(i+1, 2, h); err != nil {
			return err
		}
	}
	for r := range scores {
		for c, v := range Row(&scores[r]) {
			var cell any = v
			if c >= 3 && c != 8 && v != "" { // numeric columns (not 工号/姓名/班组/等级)
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					cell = x
				}
			}
			if err := set(c+1, r+3, cell); err != nil {
				return err
			}
		}
	}
	if err := f.SetColWidth(sheet, "A", "C", 14); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("scores: xlsx panes: %w", err)
	}
	return f.Write(w)
}
