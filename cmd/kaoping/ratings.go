package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/uptrace/bun"
	"golang.org/x/term"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/csvfile"
	"github.com/kaoping/kaoping/app/ratings"
)

func (e *env) ratingsCmd(more ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: "ratings", Short: "Citizen ratings (好差评)"}
	cmd.AddCommand(more...)
	var opt ratings.FileOptions
	var asJSON bool
	imp := &cobra.Command{
		Use:   "import FILE.csv|FILE.xlsx",
		Short: "Import citizen ratings from a CSV or XLSX file",
		Long: `Import citizen ratings into the default center. Columns, in any order, with
Chinese or English headers:
  评价编号|external_id  评价时间|rated_at  渠道|channel  工号|staff_no (or staff_ref)
  评价等级|level  事项编码|item_code  评价原因|reasons  评价内容|comment
  是否默认评价|is_default
A time without a zone is in the center's time zone. A rating whose external id
is already stored (or earlier in the file) is a duplicate, not an error, so an
interrupted import is finished by running it again.

A file with any invalid row is refused whole (exit 1, nothing written, every bad
row reported as FILE:LINE: field: message) unless --skip-invalid, which imports
the valid rows and exits 0. --json prints one JSON object on stdout instead:
{"imported","duplicates","rejected","errors":[{"line","field","message"}],"run_id"}.

Every import is recorded as an import run (its id is printed), with its
counters and rejected rows. On a terminal, stderr shows the progress.

A CSV file is read as a stream, in constant memory; an XLSX workbook's
shared-strings table is held in memory whole (about 0.5 KB per row), so save
files of more than a few hundred thousand rows as CSV.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			open := func() (io.ReadCloser, error) { return os.Open(path) }
			if _, err := os.Stat(path); err != nil {
				return err
			}
			ctx := cmd.Context()
			var res *ratings.FileResult
			var run *ratings.Run
			err := e.withApp(ctx, func(a *app.App, db *bun.DB) error {
				c, err := a.Staff().DefaultCenter(ctx)
				if err != nil {
					return err
				}
				run, err = ratings.NewService(db, a.Staff(), time.Now).CreateRun(ctx, c.ID, filepath.Base(path), "", cli().Name, opt)
				if err != nil {
					return err
				}
				o := opt
				o.Run = run
				if bar := e.importProgress(); bar != nil {
					o.Progress = bar.update
					defer bar.done()
				}
				res, err = a.ImportRatingsFile(ctx, filepath.Base(path), open, o, cli())
				return err
			})
			if run == nil && err != nil {
				return err
			}
			return e.reportRatingsImport(path, run, res, err, asJSON)
		},
	}
	f := imp.Flags()
	f.StringVar(&opt.Encoding, "encoding", "auto", "CSV encoding: auto, utf-8 or gb18030")
	f.BoolVar(&opt.SkipInvalid, "skip-invalid", false, "import the valid rows, report and skip the invalid ones")
	f.BoolVar(&asJSON, "json", false, "print the result as one JSON object on stdout")
	cmd.AddCommand(imp)
	return cmd
}

// reportRatingsImport prints the outcome of an import and decides the exit:
// nil when every valid row was imported, exitError{1} when the file was
// refused, or the error itself for anything else.
func (e *env) reportRatingsImport(path string, run *ratings.Run, res *ratings.FileResult, err error, asJSON bool) error {
	var fe *csvfile.FormatError
	refused := errors.Is(err, ratings.ErrRefused)
	switch {
	case err == nil || refused:
	case errors.As(err, &fe), errors.Is(err, ratings.ErrFileType), errors.Is(err, csvfile.ErrEncoding):
		// The file (or the flag) is unusable: report it like a bad row.
		line := 0
		if fe != nil {
			line = fe.Line
		}
		msg := err.Error()
		if fe != nil {
			msg = fe.Msg
		}
		res = &ratings.FileResult{Errors: []ratings.LineError{{Line: line, Field: "", Message: msg}}}
		refused = true
	default:
		if asJSON && res != nil {
			// Something was imported before the failure: say what.
			_ = json.NewEncoder(e.stdout).Encode(importOutput{res, run.ID})
		}
		return fmt.Errorf("%s (import run %d): %w", path, run.ID, err)
	}
	if asJSON {
		if err := json.NewEncoder(e.stdout).Encode(importOutput{res, run.ID}); err != nil {
			return err
		}
	} else {
		for _, le := range res.Errors {
			switch {
			case le.Line == 0:
				fmt.Fprintf(e.stderr, "%s: %s\n", path, le.Message)
			case le.Field == "":
				fmt.Fprintf(e.stderr, "%s:%d: %s\n", path, le.Line, le.Message)
			default:
				fmt.Fprintf(e.stderr, "%s:%d: %s: %s\n", path, le.Line, le.Field, le.Message)
			}
		}
		if refused {
			if res.Rejected > 0 {
				fmt.Fprintf(e.stderr, "%d invalid row(s); nothing was imported (use --skip-invalid to import the valid rows); import run %d\n", res.Rejected, run.ID)
			} else {
				fmt.Fprintf(e.stderr, "%s: file refused; nothing was imported; import run %d\n", path, run.ID)
			}
		} else {
			enc := ""
			if res.Encoding != "" {
				enc = ", " + res.Encoding
			}
			fmt.Fprintf(e.stdout, "%s (%s%s): %d rows — %d imported, %d duplicates, %d rejected; import run %d\n",
				path, res.Format, enc, res.Rows, res.Imported, res.Duplicates, res.Rejected, run.ID)
		}
	}
	if refused {
		return exitError{code: 1}
	}
	return nil
}

// importOutput is the --json output: the result and the import run's id.
type importOutput struct {
	*ratings.FileResult
	RunID int64 `json:"run_id"`
}

// importBar draws an import's progress on a terminal: a running count of
// the rows validated, then a bar over the rows imported.
type importBar struct {
	w     io.Writer
	phase string
	bar   *progressbar.ProgressBar
}

// importProgress returns a bar on stderr when stderr is a terminal, nil
// otherwise (a pipe, a log file, a test).
func (e *env) importProgress() *importBar {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &importBar{w: f}
}

func (b *importBar) update(p ratings.Progress) {
	if p.Phase != b.phase {
		b.done()
		b.phase = p.Phase
		opts := []progressbar.Option{
			progressbar.OptionSetWriter(b.w), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"), progressbar.OptionThrottle(100 * time.Millisecond),
			progressbar.OptionSetSpinnerChangeInterval(0), // no ticker goroutine: redrawn per chunk
		}
		total := int64(-1) // a spinner while the number of rows is unknown
		if p.Phase == ratings.RunImporting {
			total = p.Total
			opts = append(opts, progressbar.OptionSetDescription("importing"), progressbar.OptionSetPredictTime(true))
		} else {
			opts = append(opts, progressbar.OptionSetDescription("validating"), progressbar.OptionClearOnFinish())
		}
		b.bar = progressbar.NewOptions64(total, opts...)
	}
	_ = b.bar.Set64(p.Rows)
}

// done ends the current bar: the validation count is cleared, the import
// bar stays, on its own line.
func (b *importBar) done() {
	if b.bar == nil {
		return
	}
	if b.phase == ratings.RunImporting {
		_ = b.bar.Exit()
		fmt.Fprintln(b.w)
	} else {
		_ = b.bar.Clear()
	}
	b.bar = nil
}
