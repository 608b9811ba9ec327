package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/spf13/cobra"
	"github.com/uptrace/bun"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/scores"
	"github.com/kaoping/kaoping/app/scoring"
)

func (e *env) scoresCmd() *cobra.Command {
	var period, team, format, out string
	cmd := &cobra.Command{
		Use:   "scores --period P [--team NAME] [--format table|json|csv|xlsx] [-o FILE]",
		Short: "Quality scores of the center (or a team) for a period",
		Long: `Print the quality score of every person of the default center for a period:
a month 2026-07, a quarter 2026-Q3 or a year 2026, in the center's time zone.
A closed period prints its issued scores. --format json prints an array of
score objects with every term that produced each number (n/a is null); csv and
xlsx write the exported table with Chinese headers (xlsx needs -o FILE).

  kaoping scores close   --period P --reason TEXT   close a signed-off period (issue 1)
  kaoping scores reissue --period P --reason TEXT   an audited re-issue of a closed period`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := scoring.ParsePeriod(period)
			if err != nil {
				return err
			}
			return e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				sheet, title, err := a.CenterScores(cmd.Context(), p, team)
				if err != nil {
					return err
				}
				w := e.stdout
				if out != "" {
					f, err := os.Create(out)
					if err != nil {
						return err
					}
					defer f.Close()
					w = f
				}
				switch format {
				case "table":
					return writeScoreTable(w, title, sheet)
				case "json":
					enc := json.NewEncoder(w)
					enc.SetIndent("", "  ")
					if sheet.Scores == nil {
						sheet.Scores = []scoring.Score{}
					}
					return enc.Encode(sheet.Scores)
				case "csv":
					return scores.WriteCSV(w, sheet.Scores)
				case "xlsx":
					if out == "" {
						return fmt.Errorf("--format xlsx needs -o FILE.xlsx")
					}
					return scores.WriteXLSX(w, title, sheet.Scores)
				}
				return fmt.Errorf("--format: want table, json, csv or xlsx, got %q", format)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&period, "period", "", "period: 2026-07, 2026-Q3 or 2026 (required)")
	f.StringVar(&team, "team", "", "only this team (name or code)")
	f.StringVar(&format, "format", "table", "table, json, csv or xlsx")
	f.StringVarP(&out, "output", "o", "", "write to FILE instead of standard output")
	_ = cmd.MarkFlagRequired("period")
	cmd.AddCommand(e.scoresIssueCmd("close"), e.scoresIssueCmd("reissue"))
	return cmd
}

func (e *env) scoresIssueCmd(kind string) *cobra.Command {
	var period, reason string
	short := "Close a signed-off period: its scores are frozen as issue 1"
	if kind == "reissue" {
		short = "Re-issue a closed period with today's data and settings (audited, with a reason)"
	}
	cmd := &cobra.Command{
		Use:   kind + " --period P --reason TEXT",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := scoring.ParsePeriod(period)
			if err != nil {
				return err
			}
			return e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				iss, err := a.IssueScores(cmd.Context(), p, reason, kind == "reissue", cli())
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s: issue %d (%s)\n", p, iss.IssueNo, iss.Reason)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "period: 2026-07, 2026-Q3 or 2026 (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why: who signed it off, or what changed (required)")
	_ = cmd.MarkFlagRequired("period")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

// writeScoreTable prints the table aligned by display width (a Chinese
// character takes two columns).
func writeScoreTable(w io.Writer, title string, sheet *scores.Sheet) error {
	head := fmt.Sprintf("%s · %s", title, sheet.Period)
	if sheet.Closed() {
		head += fmt.Sprintf(" · 第 %d 次发布 (issue %d)", sheet.IssueNo, sheet.IssueNo)
	}
	if _, err := fmt.Fprintln(w, head); err != nil {
		return err
	}
	rows := [][]string{scores.Header()[:13]}
	for i := range sheet.Scores {
		rows = append(rows, scores.Row(&sheet.Scores[i])[:13])
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], runewidth.StringWidth(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if c == "" {
				c = "—"
			}
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-runewidth.StringWidth(c)+2))
			}
		}
		if _, err := fmt.Fprintln(w, b.String()); err != nil {
			return err
		}
	}
	if len(sheet.Scores) == 0 {
		_, err := fmt.Fprintln(w, "本期无考评数据 (no one to score in this period)")
		return err
	}
	return nil
}
