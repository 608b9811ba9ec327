package main

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/uptrace/bun"
	"golang.org/x/term"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/reports"
)

func (e *env) reportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "PDF reports of a person, a team or the center; batches; verify a PDF",
		Long: `Write the evaluation reports of the default center as PDF files, the same
documents the web pages offer. Every report is recorded with its integrity
code and audited (actor "cli"), so "kaoping report verify" can later tell
whether a PDF or a code was issued by Kaoping.

Periods are a month 2026-07, a quarter 2026-Q3 or a year 2026, in the
center's time zone. The reports need a CJK font: see --font.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(e.reportStaffCmd(), e.reportTeamCmd(), e.reportCenterCmd(), e.reportBatchCmd(), e.reportVerifyCmd())
	return cmd
}

func (e *env) reportStaffCmd() *cobra.Command {
	var staffNo string
	cmd := &cobra.Command{
		Use:   "staff --staff-no NO --period P -o FILE.pdf",
		Short: "One person's evaluation report",
	}
	cmd.Flags().StringVar(&staffNo, "staff-no", "", "the person's staff number (工号) (required)")
	return e.oneReportCmd(cmd, []string{"staff-no"}, func(ctx context.Context, a *app.App, centerID int64, p scoring.Period) (renderFunc, error) {
		if _, err := a.Staff().StaffByNo(ctx, centerID, staffNo); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("unknown staff number %q (无此工号): %w", staffNo, err)
			}
			return nil, err
		}
		return func(w io.Writer) (reports.Result, error) {
			return a.RenderStaffReport(ctx, centerID, staffNo, p, cli(), w)
		}, nil
	})
}

func (e *env) reportTeamCmd() *cobra.Command {
	var team string
	cmd := &cobra.Command{
		Use:   "team --team NAME --period P -o FILE.pdf",
		Short: "A team's report: members, channels, training matrix, retraining",
	}
	cmd.Flags().StringVar(&team, "team", "", "the team's name or code (required)")
	return e.oneReportCmd(cmd, []string{"team"}, func(ctx context.Context, a *app.App, centerID int64, p scoring.Period) (renderFunc, error) {
		t, err := a.TeamByName(ctx, centerID, team)
		if err != nil {
			return nil, err
		}
		return func(w io.Writer) (reports.Result, error) {
			return a.RenderTeamReport(ctx, centerID, t.ID, p, cli(), w)
		}, nil
	})
}

func (e *env) reportCenterCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "center --period P -o FILE.pdf",
		Short: "The center's report: teams, channels, service items, people below the threshold, overdue cases",
	}
	return e.oneReportCmd(cmd, nil, func(ctx context.Context, a *app.App, centerID int64, p scoring.Period) (renderFunc, error) {
		return func(w io.Writer) (reports.Result, error) {
			return a.RenderCenterReport(ctx, centerID, p, cli(), w)
		}, nil
	})
}

// renderFunc writes one report to w.
type renderFunc func(w io.Writer) (reports.Result, error)

// oneReportCmd completes cmd, which has its Use, Short and own flags, into
// a command that writes one PDF: it adds --period and -o, checks them
// before any database work, and writes to -o what prepare returns for the
// default center. prepare looks up what the report is of, so an unknown
// name fails before the file is touched. required names cmd's own required
// flags.
func (e *env) oneReportCmd(cmd *cobra.Command, required []string, prepare func(ctx context.Context, a *app.App, centerID int64, p scoring.Period) (renderFunc, error)) *cobra.Command {
	var period, out string
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		p, err := scoring.ParsePeriod(period)
		if err != nil {
			return err
		}
		if err := checkOutputFile(out); err != nil {
			return err
		}
		return e.withApp(ctx, func(a *app.App, _ *bun.DB) error {
			centerID, err := a.DefaultCenterID(ctx)
			if err != nil {
				return err
			}
			render, err := prepare(ctx, a, centerID, p)
			if err != nil {
				return err
			}
			return e.writeReport(out, render)
		})
	}
	f := cmd.Flags()
	f.StringVar(&period, "period", "", "period: 2026-07, 2026-Q3 or 2026 (required)")
	f.StringVarP(&out, "output", "o", "", "write the PDF to FILE (required)")
	for _, name := range append(required, "period", "output") {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// checkOutputFile refuses an -o that cannot become a file, before any
// database work: a directory, or a file in a directory that does not exist.
func checkOutputFile(path string) error {
	if path == "" {
		return errors.New("-o: no output file given")
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("-o %s is a directory: give a file name such as %s", path, filepath.Join(path, "report.pdf"))
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("-o %s: %w", path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("-o %s: %s is not a directory", path, dir)
	}
	return nil
}

// writeReport renders one report into path and prints where it went and
// its integrity code.
func (e *env) writeReport(path string, render renderFunc) error {
	var res reports.Result
	err := writeFileAtomic(path, func(w io.Writer) error {
		var err error
		res, err = render(w)
		return err
	})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	fmt.Fprintf(e.stdout, "wrote %s (%d page(s))\ncode %s\n", path, res.Pages, res.Code)
	return nil
}

// writeFileAtomic writes path through a temporary file in the same
// directory that is renamed over path only once write succeeded and the
// data is on disk: an error or an interruption never leaves a half file
// under path (only, after a crash, a ".NAME.*.tmp" next to it).
func writeFileAtomic(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*"+tmpSuffix)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// tmpSuffix ends the names of files being written.
const tmpSuffix = ".tmp"

// isTempOf reports whether name is a temporary file writeFileAtomic made
// for one of the final names in want (a leftover of an interrupted run).
func isTempOf(name string, want map[string]bool) bool {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return false
	}
	rest, ok = strings.CutSuffix(rest, tmpSuffix)
	if !ok {
		return false
	}
	i := strings.LastIndexByte(rest, '.')
	return i > 0 && want[rest[:i]]
}

// removeTemps deletes the temporary files of dir that writeFileAtomic
// made for the names in want.
func removeTemps(dir string, want map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, de := range entries {
		if isTempOf(de.Name(), want) {
			if err := os.Remove(filepath.Join(dir, de.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *env) reportBatchCmd() *cobra.Command {
	var period, team, out string
	cmd := &cobra.Command{
		Use:   "batch --period P [--team NAME] -o DIR|FILE.zip",
		Short: "Everyone's evaluation report, one PDF per person, into a folder or a zip",
		Long: `Write the evaluation report of everyone of the center (or of --team) who has
a score in the period, one STAFFNO-PERIOD.pdf each, into the folder DIR, or
into FILE.zip.

The batch resumes: each PDF appears under its name only once complete, and
a PDF already there is skipped, so running the same command again after an
interruption or a failure writes only what is missing. For FILE.zip the PDFs
are collected in FILE.zip.parts/ first; the archive is written at the end
and the folder removed (it is kept while someone failed, for the re-run).
Delete the folder (or the zip) to regenerate everything.

The reports are rendered in parallel, one worker per CPU. Someone failing
does not stop the others: the summary lists who failed and why, and the exit
status is 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := scoring.ParsePeriod(period)
			if err != nil {
				return err
			}
			target, err := newBatchTarget(out)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			return e.withApp(ctx, func(a *app.App, _ *bun.DB) error {
				centerID, err := a.DefaultCenterID(ctx)
				if err != nil {
					return err
				}
				var teamID int64
				if team != "" {
					t, err := a.TeamByName(ctx, centerID, team)
					if err != nil {
						return err
					}
					teamID = t.ID
				}
				rb, err := a.NewReportBatch(ctx, centerID, teamID, p, cli())
				if err != nil {
					return err
				}
				if len(rb.StaffNos) == 0 {
					return fmt.Errorf("no one has a score in %s: nothing to write", p)
				}
				return e.runBatch(ctx, rb, p, target)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&period, "period", "", "period: 2026-07, 2026-Q3 or 2026 (required)")
	f.StringVar(&team, "team", "", "only this team (name or code)")
	f.StringVarP(&out, "output", "o", "", "a folder, or a FILE.zip (required)")
	for _, name := range []string{"period", "output"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// batchTarget is where a batch goes: the PDFs are staged in dir; with zip
// set they are archived there at the end.
type batchTarget struct {
	out string // as given
	dir string // the staging folder: out itself, or out + ".parts"
	zip bool
}

func newBatchTarget(out string) (batchTarget, error) {
	if out == "" {
		return batchTarget{}, errors.New("-o: no output folder or zip given")
	}
	t := batchTarget{out: out, dir: out}
	if strings.EqualFold(filepath.Ext(out), ".zip") {
		t.zip, t.dir = true, out+".parts"
		if fi, err := os.Stat(out); err == nil && fi.IsDir() {
			return t, fmt.Errorf("-o %s is a directory, not a zip file", out)
		}
	}
	if fi, err := os.Stat(t.dir); err == nil && !fi.IsDir() {
		return t, fmt.Errorf("-o %s: %s exists and is not a directory", out, t.dir)
	}
	return t, nil
}

// batchJob is one person's PDF of a batch.
type batchJob struct {
	staffNo string
	file    string // the name in the staging folder (and the zip)
}

// batchResult is how one job ended.
type batchResult struct {
	job      batchJob
	err      error
	warnings []string
}

func (e *env) runBatch(ctx context.Context, rb *app.ReportBatch, p scoring.Period, t batchTarget) error {
	start := time.Now()
	if err := os.MkdirAll(t.dir, 0o750); err != nil {
		return err
	}
	jobs := batchJobs(rb.StaffNos, p)
	want := make(map[string]bool, len(jobs))
	for _, j := range jobs {
		want[j.file] = true
	}
	// Leftovers of an interrupted run are half files: never kept.
	if err := removeTemps(t.dir, want); err != nil {
		return err
	}
	if t.zip {
		// and of the archive, next to it.
		if err := removeTemps(filepath.Dir(t.out), map[string]bool{filepath.Base(t.out): true}); err != nil {
			return err
		}
	}
	var todo []batchJob
	skipped := 0
	for _, j := range jobs {
		if fi, err := os.Stat(filepath.Join(t.dir, j.file)); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
			skipped++
			continue
		}
		todo = append(todo, j)
	}

	var bar *progressbar.ProgressBar
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) && len(todo) > 0 {
		bar = progressbar.NewOptions(len(todo),
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription(fmt.Sprintf("reports %s", p)),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	}

	queue := make(chan batchJob)
	results := make(chan batchResult)
	var wg sync.WaitGroup
	for range max(1, min(runtime.NumCPU(), len(todo))) {
		wg.Go(func() {
			for j := range queue {
				var res reports.Result
				err := writeFileAtomic(filepath.Join(t.dir, j.file), func(w io.Writer) error {
					var err error
					res, err = rb.Render(ctx, j.staffNo, cli(), w)
					return err
				})
				results <- batchResult{job: j, err: err, warnings: res.Warnings}
			}
		})
	}
	go func() {
		defer close(queue)
		for _, j := range todo {
			select {
			case queue <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	written := 0
	var failed, warned []batchResult
	for r := range results {
		switch {
		case r.err == nil:
			written++
			if len(r.warnings) > 0 {
				warned = append(warned, r)
			}
		case ctx.Err() == nil:
			failed = append(failed, r)
		}
		if bar != nil {
			_ = bar.Add(1)
		}
	}
	if bar != nil {
		_ = bar.Exit()
		fmt.Fprintln(e.stderr)
	}
	interrupted := len(todo) - written - len(failed)

	w := e.stdout
	fmt.Fprintf(w, "written: %d\n", written)
	fmt.Fprintf(w, "skipped: %d (already there)\n", skipped)
	fmt.Fprintf(w, "failed:  %d\n", len(failed))
	for _, r := range failed {
		fmt.Fprintf(w, "  %s: %v\n", r.job.staffNo, r.err)
	}
	for _, r := range warned {
		fmt.Fprintf(w, "warning: %s: %s\n", r.job.staffNo, strings.Join(r.warnings, "; "))
	}
	if ctx.Err() != nil {
		fmt.Fprintf(w, "interrupted: %d not written; run the same command again to resume\n", interrupted)
	}

	output := t.dir
	if t.zip && ctx.Err() == nil {
		if err := writeBatchZip(t, jobs); err != nil {
			fmt.Fprintf(w, "elapsed: %s\n", time.Since(start).Round(time.Millisecond))
			return fmt.Errorf("%s: %w (the PDFs are in %s)", t.out, err, t.dir)
		}
		output = t.out
		if len(failed) == 0 {
			if err := removeStaging(t.dir, jobs); err != nil {
				fmt.Fprintf(w, "warning: %s not removed: %v\n", t.dir, err)
			}
		} else {
			fmt.Fprintf(w, "kept %s for the re-run that adds who failed\n", t.dir)
		}
	}
	fmt.Fprintf(w, "elapsed: %s\n", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(w, "output:  %s\n", output)
	if ctx.Err() != nil {
		return fmt.Errorf("batch interrupted: %w", ctx.Err())
	}
	if len(failed) > 0 {
		return exitError{code: 1}
	}
	return nil
}

// batchJobs names each person's PDF STAFFNO-PERIOD.pdf with the staff
// number made safe for a file name. Names that would then clash (also when
// letter case is ignored, as on Windows and macOS) get a short hash of the
// staff number rather than a counter, so they do not depend on the order
// of the batch and a resumed run finds the same files.
func batchJobs(staffNos []string, p scoring.Period) []batchJob {
	jobs := make([]batchJob, len(staffNos))
	count := map[string]int{}
	for i, no := range staffNos {
		jobs[i] = batchJob{staffNo: no, file: safeFileName(no)}
		count[strings.ToLower(jobs[i].file)]++
	}
	for i := range jobs {
		if count[strings.ToLower(jobs[i].file)] > 1 {
			sum := sha256.Sum256([]byte(jobs[i].staffNo))
			jobs[i].file += "_" + hex.EncodeToString(sum[:4])
		}
		jobs[i].file += "-" + p.String() + ".pdf"
	}
	return jobs
}

// safeFileName keeps letters, digits, '-', '_' and '.' of s and replaces
// everything else (path separators, ':', spaces, …) with '_'; it never
// starts with a dot.
func safeFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_', r == '.' && b.Len() > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// writeBatchZip archives the batch's PDFs of the staging folder into
// t.out, through a temporary file renamed at the end.
func writeBatchZip(t batchTarget, jobs []batchJob) error {
	return writeFileAtomic(t.out, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, j := range jobs {
			if err := addToZip(zw, filepath.Join(t.dir, j.file), j.file); err != nil {
				if errors.Is(err, os.ErrNotExist) {
					continue // failed: listed in the summary
				}
				return err
			}
		}
		return zw.Close()
	})
}

func addToZip(zw *zip.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	h, err := zip.FileInfoHeader(fi)
	if err != nil {
		return err
	}
	h.Name, h.Method = name, zip.Deflate
	zw2, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(zw2, f)
	return err
}

// removeStaging deletes the batch's PDFs and then the staging folder;
// anything else someone put there is left alone (and the folder with it).
func removeStaging(dir string, jobs []batchJob) error {
	for _, j := range jobs {
		if err := os.Remove(filepath.Join(dir, j.file)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return os.Remove(dir)
}

func (e *env) reportVerifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify FILE.pdf|CODE",
		Short: "Tell whether Kaoping issued a PDF (or an integrity code), for whom and when",
		Long: `Verify a report: give the PDF file, or the integrity code printed in its
footer (64 hex digits, or a unique prefix of at least 12). Prints what was
issued, for whom, for which period, when and by whom; exits with status 1
when Kaoping did not issue it, or when the file was changed after it was
issued.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			arg := args[0]
			var pdf []byte
			if fi, err := os.Stat(arg); err == nil {
				if !fi.Mode().IsRegular() {
					return fmt.Errorf("%s is not a file", arg)
				}
				if pdf, err = os.ReadFile(arg); err != nil {
					return err
				}
			} else if !errors.Is(err, os.ErrNotExist) || strings.ContainsAny(arg, `/\`) || strings.EqualFold(filepath.Ext(arg), ".pdf") {
				return fmt.Errorf("verify: %w", err)
			}
			return e.withApp(ctx, func(a *app.App, _ *bun.DB) error {
				var doc *app.IssuedDocument
				var err error
				if pdf != nil {
					doc, err = a.VerifyPDF(ctx, pdf)
				} else {
					doc, err = a.VerifyCode(ctx, arg)
				}
				if errors.Is(err, store.ErrNotFound) {
					fmt.Fprintf(e.stdout, "not issued by Kaoping: no document has this code (%s)\n", arg)
					return exitError{code: 1}
				}
				if err != nil {
					return err
				}
				return e.printIssued(ctx, a, doc, pdf)
			})
		},
	}
	return cmd
}

// kindLabels names the kinds of issued documents.
var kindLabels = map[string]string{
	"staff":       "个人考评报告 (staff report)",
	"team":        "班组考评报告 (team report)",
	"center":      "中心考评报告 (center report)",
	"certificate": "培训合格证书 (training certificate)",
}

func (e *env) printIssued(ctx context.Context, a *app.App, doc *app.IssuedDocument, pdf []byte) error {
	ctr, err := a.Staff().Center(ctx, doc.CenterID)
	if err != nil {
		return err
	}
	loc, err := ctr.Location()
	if err != nil {
		return err
	}
	kind := kindLabels[doc.Kind]
	if kind == "" {
		kind = doc.Kind
	}
	period, issue := doc.Period, "live figures (period not closed)"
	if period == "" {
		period, issue = "—", "—"
	} else if doc.IssueNo > 0 {
		issue = fmt.Sprintf("第 %d 次发布 (issue %d)", doc.IssueNo, doc.IssueNo)
	}
	w := e.stdout
	fmt.Fprintln(w, "issued by Kaoping")
	fmt.Fprintf(w, "subject:   %s\n", doc.Subject)
	fmt.Fprintf(w, "kind:      %s\n", kind)
	fmt.Fprintf(w, "period:    %s\n", period)
	fmt.Fprintf(w, "issue:     %s\n", issue)
	fmt.Fprintf(w, "center:    %s\n", ctr.Name)
	fmt.Fprintf(w, "generated: %s (%s)\n", doc.GeneratedAt.In(loc).Format("2006-01-02 15:04:05 -07:00"), loc)
	fmt.Fprintf(w, "by:        %s\n", doc.GeneratedBy)
	fmt.Fprintf(w, "code:      %s\n", doc.Code)
	// The code stands for the report's data, not its bytes; the size
	// recorded at issue catches a file edited afterwards (not every edit,
	// but no genuine copy ever differs).
	if pdf != nil && doc.Size > 0 && int64(len(pdf)) != doc.Size {
		fmt.Fprintf(w, "CHANGED:   this file has %d bytes, the PDF Kaoping issued had %d: it was altered after it was issued\n", len(pdf), doc.Size)
		return exitError{code: 1}
	}
	return nil
}
