package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/uptrace/bun"

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
{"imported","duplicates","rejected","errors":[{"line","field","message"}]}.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			open := func() (io.ReadCloser, error) { return os.Open(path) }
			if _, err := os.Stat(path); err != nil {
				return err
			}
			var res *ratings.FileResult
			err := e.withApp(cmd.Context(), func(a *app.App, _ *bun.DB) error {
				var err error
				res, err = a.ImportRatingsFile(cmd.Context(), filepath.Base(path), open, opt, cli())
				return err
			})
			return e.reportRatingsImport(path, res, err, asJSON)
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
func (e *env) reportRatingsImport(path string, res *ratings.FileResult, err error, asJSON bool) error {
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
			_ = json.NewEncoder(e.stdout).Encode(res)
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	if asJSON {
		if err := json.NewEncoder(e.stdout).Encode(res); err != nil {
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
				fmt.Fprintf(e.stderr, "%d invalid row(s); nothing was imported (use --skip-invalid to import the valid rows)\n", res.Rejected)
			} else {
				fmt.Fprintf(e.stderr, "%s: file refused; nothing was imported\n", path)
			}
		} else {
			enc := ""
			if res.Encoding != "" {
				enc = ", " + res.Encoding
			}
			fmt.Fprintf(e.stdout, "%s (%s%s): %d rows — %d imported, %d duplicates, %d rejected\n",
				path, res.Format, enc, res.Rows, res.Imported, res.Duplicates, res.Rejected)
		}
	}
	if refused {
		return exitError{code: 1}
	}
	return nil
}
