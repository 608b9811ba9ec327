package main

// `kaoping benchbook` (hidden) writes the benchmark book, docs/BENCHMARKS.md,
// from what `make bench` leaves in its output folder: for each step
// STEP.cmd (the command line), STEP.out (its standard output: `go test
// -bench` lines, or `kaoping loadtest` text), STEP.err (standard error),
// STEP.fail (exit status, only if it failed) and, for the load tests and
// timed commands, STEP.json. A row whose step is missing or failed says
// "not measured" and why.
//
// Only the part between the markers <!-- benchbook:begin --> and
// <!-- benchbook:end --> is rewritten; everything else in the file is kept
// as it is. Inside the generated part, hand-written analysis of a row kept
// between <!-- keep:ROW --> and <!-- /keep --> is carried over to the new
// text of the same row.
//
// `kaoping benchbook exec --json FILE -- CMD ARGS…` runs a command and
// records its wall time and peak RSS, for steps that are not benchmarks.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

const (
	bookBegin = "<!-- benchbook:begin -->"
	bookEnd   = "<!-- benchbook:end -->"
)

func (e *env) benchbookCmd() *cobra.Command {
	var in, out, title string
	cmd := &cobra.Command{
		Use:    "benchbook --in DIR --out FILE",
		Short:  "Write the benchmark book (docs/BENCHMARKS.md) from the output of `make bench`",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			old, err := os.ReadFile(out)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			b := loadBook(in)
			text := mergeBook(string(old), b.render(title))
			if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %s (%d rows, %d measured)\n", out, len(b.rows), b.measured())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in, "in", "data/bench", "folder of the benchmark outputs")
	f.StringVar(&out, "out", "docs/BENCHMARKS.md", "the book to write (its parts outside the generated block are kept)")
	f.StringVar(&title, "title", "", "heading of the generated block (default: the run's date and duration)")

	var jsonOut string
	run := &cobra.Command{
		Use:   "exec --json FILE -- CMD [ARGS…]",
		Short: "Run a command and record its wall time, peak RSS and exit status as JSON",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := exec.CommandContext(cmd.Context(), args[0], args[1:]...)
			c.Stdin, c.Stdout, c.Stderr = e.stdin, e.stdout, e.stderr
			start := time.Now()
			err := c.Run()
			res := timedCommand{Command: strings.Join(args, " "), Seconds: time.Since(start).Seconds()}
			if ps := c.ProcessState; ps != nil {
				res.Exit = ps.ExitCode()
				if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
					res.PeakRSSMiB = float64(ru.Maxrss) / 1024
					res.CPUSeconds = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
				}
			}
			res.Machine = readMachine()
			data, jerr := json.MarshalIndent(res, "", "  ")
			if jerr != nil {
				return jerr
			}
			if werr := os.WriteFile(jsonOut, append(data, '\n'), 0o644); werr != nil {
				return werr
			}
			return err
		},
	}
	run.Flags().StringVar(&jsonOut, "json", "", "where to write the result (required)")
	_ = run.MarkFlagRequired("json")
	cmd.AddCommand(run)
	return cmd
}

// timedCommand is what `benchbook exec` records.
type timedCommand struct {
	Command    string      `json:"command"`
	Seconds    float64     `json:"seconds"`
	CPUSeconds float64     `json:"cpu_s"`
	PeakRSSMiB float64     `json:"peak_rss_mib"`
	Exit       int         `json:"exit"`
	Machine    machineInfo `json:"machine"`
}

// ---------------------------------------------------------------------------
// Reading the outputs

// step is one command of `make bench` as it left its files.
type step struct {
	name    string
	cmd     string
	out     string
	errText string
	failed  string // exit status when it failed
	json    []byte
	missing bool
}

func readStep(dir, name string) step {
	s := step{name: name}
	read := func(ext string) (string, bool) {
		b, err := os.ReadFile(filepath.Join(dir, name+ext))
		return string(b), err == nil
	}
	var ok bool
	if s.cmd, ok = read(".cmd"); !ok {
		s.missing = true
	}
	s.cmd = strings.TrimSpace(s.cmd)
	s.out, _ = read(".out")
	s.errText, _ = read(".err")
	if f, ok := read(".fail"); ok {
		s.failed = strings.TrimSpace(f)
		if s.failed == "" {
			s.failed = "failed"
		}
	}
	if j, ok := read(".json"); ok {
		s.json = []byte(j)
	}
	return s
}

// why says why a step measured nothing: missing, failed (with the last
// lines of its output), or skipped.
func (s step) why() string {
	if s.missing {
		return "the step did not run (no " + s.name + ".cmd in the output folder)"
	}
	if m := regexp.MustCompile(`(?m)^\s*\S+\.go:\d+: (.*)\n\s*--- SKIP`).FindStringSubmatch(s.out); m != nil {
		return "skipped: " + m[1]
	}
	if m := regexp.MustCompile(`(?m)--- SKIP: \S+.*\n\s+\S+\.go:\d+: (.*)`).FindStringSubmatch(s.out); m != nil {
		return "skipped: " + m[1]
	}
	if strings.Contains(s.out, "no test files") || strings.Contains(s.errText, "no test files") {
		return "the benchmark does not exist (no test files)"
	}
	tail := lastLines(s.errText+"\n"+s.out, 3)
	if s.failed != "" {
		if tail == "" {
			return "the step failed (exit " + s.failed + ")"
		}
		return "the step failed (exit " + s.failed + "): " + tail
	}
	if tail == "" {
		return "the step printed nothing"
	}
	return "no result in its output: " + tail
}

func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "ok ") && l != "PASS" && l != "FAIL" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	out := strings.Join(lines, " / ")
	if len(out) > 400 {
		out = out[:400] + "…"
	}
	return out
}

// benchResult is one `go test -bench` line: BenchmarkName-P N v unit v unit…
type benchResult struct {
	name    string
	n       int
	metrics map[string]float64
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+(.*)$`)

func parseBench(out string) map[string]benchResult {
	res := map[string]benchResult{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		r := benchResult{name: m[1], n: n, metrics: map[string]float64{}}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				r.metrics[f[i+1]] = v
			}
		}
		res[r.name] = r
	}
	return res
}

// benchRaw returns the benchmark lines of an output, for the notes.
func benchRaw(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if benchLine.MatchString(strings.TrimSpace(l)) {
			lines = append(lines, strings.TrimRight(l, " \t\r"))
		}
	}
	return strings.Join(lines, "\n")
}

// ---------------------------------------------------------------------------
// The rows

// bookRow is one line of the table and its notes.
type bookRow struct {
	id       string
	workload string
	command  string
	ours     string
	ref      string
	ratio    string
	goal     string
	verdict  string // met / NOT met / —
	notes    []string
	raw      string // benchmark output, shown under the notes
	measured bool
}

type book struct {
	dir     string
	rows    []*bookRow
	machine machineInfo
	started time.Time
	ended   time.Time
	quick   bool
}

func (b *book) measured() int {
	n := 0
	for _, r := range b.rows {
		if r.measured {
			n++
		}
	}
	return n
}

func (b *book) notMeasured(r *bookRow, s step) {
	r.ours, r.ref, r.ratio, r.verdict = "not measured", "—", "—", "—"
	r.notes = append(r.notes, "**Not measured**: "+s.why())
}

func loadBook(dir string) *book {
	b := &book{dir: dir, machine: readMachine()}
	if t, err := os.ReadFile(filepath.Join(dir, "started")); err == nil {
		if sec, err := strconv.ParseInt(strings.TrimSpace(string(t)), 10, 64); err == nil {
			b.started = time.Unix(sec, 0)
		}
	}
	if t, err := os.ReadFile(filepath.Join(dir, "ended")); err == nil {
		if sec, err := strconv.ParseInt(strings.TrimSpace(string(t)), 10, 64); err == nil {
			b.ended = time.Unix(sec, 0)
		}
	}
	_, err := os.Stat(filepath.Join(dir, "quick"))
	b.quick = err == nil
	b.stormRows("sqlite", "SQLite")
	b.stormRows("pg", "PostgreSQL")
	b.importRow("sqlite", "SQLite", "`sqlite3 .import` (CLI, one transaction)")
	b.importRow("pg", "PostgreSQL", "`psql \\copy` (COPY)")
	b.scoresRow()
	b.pdfRows()
	b.authzRow()
	b.rssRow()
	b.mixedRow("sqlite", "SQLite")
	b.mixedRow("pg", "PostgreSQL")
	b.feedRow()
	return b
}

func (b *book) add(r *bookRow) *bookRow { b.rows = append(b.rows, r); return r }

func cmdOf(s step) string {
	if s.cmd == "" {
		return "—"
	}
	return "`" + strings.ReplaceAll(s.cmd, "|", `\|`) + "`"
}

func loadJSON(s step, v any) bool {
	return len(s.json) > 0 && json.Unmarshal(s.json, v) == nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**NOT met**"
}

func f0(v float64) string { return commas(int64(v + 0.5)) }

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

// commas writes 1234567 as 1,234,567.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// stormRows: the exam storm (latency, errors) and the answer-save capacity
// against raw commits, on one engine.
func (b *book) stormRows(eng, engName string) {
	s := readStep(b.dir, "storm-"+eng)
	r := b.add(&bookRow{id: "storm-" + eng, command: cmdOf(s), goal: "p99 < 100 ms, 0 errors"})
	var rep loadReport
	if !loadJSON(s, &rep) {
		r.workload = "Exam storm (" + engName + ")"
		b.notMeasured(r, s)
	} else {
		r.measured = true
		r.workload = fmt.Sprintf("Exam storm (%s): %s takers started in %s, %d answers each, think %s", engName, commas(int64(rep.Takers)), rep.Ramp, rep.Questions*max(rep.Rounds, 1), rep.Think)
		all := rep.Latency
		save, start := rep.op("save"), rep.op("start")
		r.ours = fmt.Sprintf("p99 **%s ms** (all requests; saves %s ms), **%d errors**; %s saves/s, %s starts/s", f1(all.P99), f1(save.P99), rep.Errors, f0(save.PerSecond), f0(start.PerSecond))
		r.ref, r.ratio = "—", "—"
		r.verdict = verdict(all.P99 < 100 && rep.Errors == 0)
		r.notes = append(r.notes, stormNotes(&rep)...)
	}
	c := readStep(b.dir, "capacity-"+eng)
	rc := b.add(&bookRow{id: "capacity-" + eng, command: cmdOf(c), goal: "≥ 0.5"})
	var cap loadReport
	if !loadJSON(c, &cap) || cap.Reference == nil {
		rc.workload = "Answer saves/s through HTTP vs raw single-row commits (" + engName + ")"
		b.notMeasured(rc, c)
		return
	}
	rc.measured = true
	save := cap.op("save")
	rc.workload = fmt.Sprintf("Answer saves/s through HTTP, %d takers without think time, vs raw single-row commits (%s)", cap.Takers, engName)
	rc.ours = fmt.Sprintf("**%s saves/s** (p99 %s ms)", f0(save.PerSecond), f1(save.P99))
	rc.ref = fmt.Sprintf("%s commits/s (%d goroutines, Exec with arguments)", f0(cap.Reference.PerSecond), cap.Reference.Workers)
	rc.ratio = "**" + f2(cap.Ratio) + "**"
	rc.verdict = verdict(cap.Ratio >= 0.5)
	rc.notes = append(rc.notes, capacityNotes(&cap)...)
}

func stormNotes(rep *loadReport) []string {
	var n []string
	if rep.ServerExit != "" {
		n = append(n, "**The server ended during the run**: "+strings.ReplaceAll(rep.ServerExit, "\n", " "))
	}
	n = append(n, fmt.Sprintf("Window %s s (%s), %s requests, %s errors, %d requests cut off by the end of the window. "+
		"Sessions: %s. Server peak RSS %s MiB. CPU in the window: server %s s, load tool %s s (same machine). Load average %s → %s (other processes share the machine).",
		f1(rep.Elapsed), rep.Stopped, commas(rep.Requests), commas(rep.Errors), rep.Cancelled, loginText(rep.Login), f1(rep.ServerPeakRSSMiB),
		f1(rep.ServerCPUSeconds), f1(rep.ClientCPUSeconds), rep.Machine.LoadBefore, rep.Machine.LoadAfter))
	n = append(n, opTable(rep))
	return append(n, errorNotes(rep)...)
}

var digits = regexp.MustCompile(`\d+`)

// errorNotes lists the kinds of errors a run saw (numbers folded to N),
// at most five.
func errorNotes(rep *loadReport) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range rep.ErrorSamples {
		k := digits.ReplaceAllString(e, "N")
		if seen[k] || len(out) == 5 {
			continue
		}
		seen[k] = true
		out = append(out, "Error: `"+strings.ReplaceAll(e, "`", "'")+"`")
	}
	return out
}

func loginText(l string) string {
	if l == "db" {
		return "opened in the database before the window (`--login db`: the storm measures the exam, not argon2id)"
	}
	return "signed in through `POST /api/v1/login` before the window"
}

func capacityNotes(rep *loadReport) []string {
	var n []string
	save := rep.Ops["save"]
	per := func(cpu float64, count int) string {
		if count == 0 {
			return "—"
		}
		return f0(cpu / float64(count) * 1e6)
	}
	if save != nil && rep.Reference != nil {
		n = append(n, fmt.Sprintf("CPU per answer save: server %s µs + load tool %s µs; per raw commit (Exec) %s µs; prepared-statement reference %s commits/s (ratio %s). "+
			"Server used %s cores and the load tool %s cores of %d in the window; load average %s → %s.",
			per(rep.ServerCPUSeconds, save.Count), per(rep.ClientCPUSeconds, save.Count), per(rep.Reference.CPUSecs, rep.Reference.Commits),
			refRate(rep.ReferencePrepared), f2(rep.RatioPrepared),
			f2(rep.ServerCPUSeconds/max(rep.Elapsed, 1e-9)), f2(rep.ClientCPUSeconds/max(rep.Elapsed, 1e-9)), rep.Machine.Cores, rep.Machine.LoadBefore, rep.Machine.LoadAfter))
	}
	n = append(n, opTable(rep))
	return n
}

func refRate(r *refReport) string {
	if r == nil {
		return "—"
	}
	return f0(r.PerSecond)
}

// opTable is a small table of a load report's requests.
func opTable(rep *loadReport) string {
	var b strings.Builder
	b.WriteString("| request | count | errors | per s | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|\n")
	for _, name := range opNames {
		if s := rep.Ops[name]; s != nil {
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s |\n", name, commas(int64(s.Count)), s.Errors, f1(s.PerSecond), f1(s.P50), f1(s.P95), f1(s.P99), f1(s.Max))
		}
	}
	s := rep.Latency
	fmt.Fprintf(&b, "| all | %s | %d | %s | %s | %s | %s | %s |", commas(int64(s.Count)), s.Errors, f1(rep.RequestsPerSecond), f1(s.P50), f1(s.P95), f1(s.P99), f1(s.Max))
	return b.String()
}

func (b *book) importRow(eng, engName, refName string) {
	s := readStep(b.dir, "import-"+eng)
	r := b.add(&bookRow{id: "import-" + eng, command: cmdOf(s), goal: "≥ 0.5"})
	res := parseBench(s.out)
	var br benchResult
	found := false
	for name, x := range res {
		if strings.HasPrefix(name, "BenchmarkImportFile1M") {
			br, found = x, true
		}
	}
	rows := "1,000,000"
	if m := regexp.MustCompile(`(\d+) rows: ours`).FindStringSubmatch(s.out); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		rows = commas(n)
	}
	r.workload = "Ratings import of " + rows + " rows, `kaoping ratings import` path (" + engName + ")"
	if !found || br.metrics["rows/s"] == 0 {
		b.notMeasured(r, s)
		return
	}
	r.measured = true
	ratio := br.metrics["ratio_ref"]
	r.ours = fmt.Sprintf("**%s rows/s**", f0(br.metrics["rows/s"]))
	r.ref = fmt.Sprintf("%s: %s rows/s", refName, f0(br.metrics["ref_rows/s"]))
	r.ratio = "**" + f2(ratio) + "**"
	r.verdict = verdict(ratio >= 0.5)
	if v, ok := br.metrics["ratio_ref_cache32M"]; ok {
		r.notes = append(r.notes, fmt.Sprintf("Against `sqlite3 .import` with the 32 MiB page cache our import's connection gets: %s rows/s, ratio %s.", f0(br.metrics["ref_cache32M_rows/s"]), f2(v)))
	}
	r.notes = append(r.notes, fmt.Sprintf("Peak heap %s MiB, peak RSS %s MiB of the importing process.", f1(br.metrics["peak_heap_MiB"]), f1(br.metrics["peak_rss_MiB"])))
	r.raw = benchRaw(s.out)
}

func (b *book) scoresRow() {
	s := readStep(b.dir, "scores")
	r := b.add(&bookRow{id: "scores", command: cmdOf(s), goal: "≤ 2×"})
	r.workload = "Scores of a month: 10,000 staff / 5M ratings / 500k attempts, full recompute vs one GROUP BY scan (SQLite)"
	if m := regexp.MustCompile(`(\d+) staff in (\d+) teams, (\d+) ratings, (\d+) enrolments`).FindStringSubmatch(s.out + s.errText); m != nil {
		num := func(x string) string { n, _ := strconv.ParseInt(x, 10, 64); return commas(n) }
		r.workload = fmt.Sprintf("Scores of a month: %s staff / %s ratings / %s enrolments, full recompute vs one GROUP BY scan (SQLite)", num(m[1]), num(m[3]), num(m[4]))
	}
	res := parseBench(s.out)
	var br benchResult
	found := false
	for name, x := range res {
		if strings.Contains(name, "Recompute") {
			br, found = x, true
		}
	}
	if !found || br.metrics["ratio"] == 0 {
		b.notMeasured(r, s)
		return
	}
	r.measured = true
	ratio := br.metrics["ratio"]
	r.ours = fmt.Sprintf("**%s ms** per recompute (load %s ms, maths %s ms)", f0(br.metrics["recompute-ns/op"]/1e6), f0(br.metrics["load-ns/op"]/1e6), f0(br.metrics["maths-ns/op"]/1e6))
	r.ref = fmt.Sprintf("GROUP BY: %s ms", f0(br.metrics["groupby-ns/op"]/1e6))
	r.ratio = "**" + f2(ratio) + "×**"
	r.verdict = verdict(ratio <= 2)
	if d, ok := res["BenchmarkScores/TeamDashboard"]; ok {
		r.notes = append(r.notes, fmt.Sprintf("Team page data: first view %s ms, warm p50 %s ms / p99 %s ms, after a new rating %s ms.",
			f1(d.metrics["cold-ms"]), f1(d.metrics["warm-p50-ms"]), f1(d.metrics["warm-p99-ms"]), f1(d.metrics["after-rating-ms"])))
	}
	r.raw = benchRaw(s.out)
}

func (b *book) pdfRows() {
	s := readStep(b.dir, "reports")
	r := b.add(&bookRow{id: "pdf-one", command: cmdOf(s), goal: "—", ref: "—", ratio: "—", verdict: "—"})
	r.workload = "PDF: one staff evaluation report (two pages, CJK font subset)"
	res := parseBench(s.out)
	one, ok := res["BenchmarkStaffReport"]
	if !ok {
		b.notMeasured(r, s)
	} else {
		r.measured = true
		r.ours = fmt.Sprintf("**%s ms**, %s KB per report", f1(one.metrics["ns/op"]/1e6), f1(one.metrics["KB/report"]))
		if par, ok := res["BenchmarkStaffReportParallel"]; ok && par.metrics["ns/op"] > 0 {
			r.notes = append(r.notes, fmt.Sprintf("On every core (`BenchmarkStaffReportParallel`): %s ms per report = %s reports/s, so 10,000 would take %s s of rendering alone.",
				f2(par.metrics["ns/op"]/1e6), f0(1e9/par.metrics["ns/op"]), f0(par.metrics["ns/op"]*10000/1e9)))
		}
		r.raw = benchRaw(s.out)
	}
	bs := readStep(b.dir, "report-batch")
	rb := b.add(&bookRow{id: "pdf-batch", command: cmdOf(bs), goal: "< 5 min", ref: "—", ratio: "—"})
	var tc timedCommand
	written := regexp.MustCompile(`written: (\d+)`).FindStringSubmatch(bs.out)
	if written != nil {
		n, _ := strconv.ParseInt(written[1], 10, 64)
		rb.workload = "PDF: every person's report of a month in one batch (`kaoping report batch`), " + commas(n) + " reports"
	} else {
		rb.workload = "PDF: 10,000 staff reports in one batch (`kaoping report batch`)"
	}
	if !loadJSON(bs, &tc) || tc.Exit != 0 || written == nil {
		b.notMeasured(rb, bs)
		return
	}
	rb.measured = true
	n, _ := strconv.ParseFloat(written[1], 64)
	rb.ours = fmt.Sprintf("**%s s** (%s ms per report), peak RSS %s MiB", f1(tc.Seconds), f1(tc.Seconds*1000/max(n, 1)), f1(tc.PeakRSSMiB))
	rb.verdict = verdict(tc.Seconds < 300 && n >= 10000)
	if n < 10000 {
		rb.verdict = "— (fewer than 10,000)"
	}
	rb.notes = append(rb.notes, fmt.Sprintf("CPU %s s in %s s of wall time (one worker per CPU). %s", f1(tc.CPUSeconds), f1(tc.Seconds), strings.TrimSpace(lastLines(bs.out, 4))))
}

func (b *book) authzRow() {
	s := readStep(b.dir, "rbac")
	r := b.add(&bookRow{id: "authz", command: cmdOf(s), goal: "< 10 µs"})
	r.workload = "Authorization decision, 10,000 staff / 500 teams (`rbac.Can`, as the route guard calls it)"
	res := parseBench(s.out)
	ref, okRef := res["BenchmarkCasbinRBACMedium"]
	var ours []benchResult
	for _, k := range []string{"BenchmarkAuthorize/employee_self", "BenchmarkAuthorize/lead_other_team_denied", "BenchmarkAuthorize/admin_center"} {
		if x, ok := res[k]; ok {
			ours = append(ours, x)
		}
	}
	if len(ours) == 0 || !okRef {
		b.notMeasured(r, s)
		return
	}
	r.measured = true
	worst := 0.0
	var parts []string
	for _, x := range ours {
		v := x.metrics["ns/op"] / 1000
		worst = max(worst, v)
		parts = append(parts, f2(v))
	}
	refUS := ref.metrics["ns/op"] / 1000
	r.ours = "**" + strings.Join(parts, " / ") + " µs** (employee self / lead denied / admin)"
	r.ref = fmt.Sprintf("casbin RBAC (medium): %s µs", f0(refUS))
	r.ratio = strconv.FormatFloat(worst/refUS, 'g', 2, 64) + " (slowest of ours ÷ casbin)"
	r.verdict = verdict(worst < 10)
	var un []string
	for _, k := range []string{"employee_self", "lead_other_team_denied", "admin_center"} {
		if x, ok := res["BenchmarkAuthorize/uncached/"+k]; ok {
			un = append(un, f0(x.metrics["ns/op"]/1000))
		}
	}
	if len(un) > 0 {
		r.notes = append(r.notes, "Without the decision cache (first decision of a key, or after a policy change): "+strings.Join(un, " / ")+" µs.")
	}
	if x, ok := res["BenchmarkPolicyChangeVisible"]; ok {
		r.notes = append(r.notes, fmt.Sprintf("A policy change visible to the next decision: %s ms.", f2(x.metrics["ns/op"]/1e6)))
	}
	r.raw = benchRaw(s.out)
}

func (b *book) rssRow() {
	r := b.add(&bookRow{id: "rss", goal: "< 150 MB", ref: "—", ratio: "—"})
	r.workload = "Server peak RSS (VmHWM) under the exam storm"
	var parts []string
	var cmds []string
	worst := 0.0
	for _, eng := range []struct{ id, name string }{{"sqlite", "SQLite"}, {"pg", "PostgreSQL"}} {
		s := readStep(b.dir, "storm-"+eng.id)
		var rep loadReport
		if loadJSON(s, &rep) && rep.ServerPeakRSSMiB > 0 {
			mb := rep.ServerPeakRSSMiB * 1.048576
			worst = max(worst, mb)
			parts = append(parts, fmt.Sprintf("%s: **%s MB** (%s MiB)", eng.name, f0(mb), f1(rep.ServerPeakRSSMiB)))
			cmds = append(cmds, "storm-"+eng.id)
		} else {
			r.notes = append(r.notes, eng.name+": not measured: "+s.why())
		}
	}
	if len(parts) == 0 {
		r.ours, r.verdict, r.command = "not measured", "—", "—"
		return
	}
	r.measured = true
	r.command = "the exam storm rows (" + strings.Join(cmds, ", ") + ")"
	r.ours = strings.Join(parts, "; ")
	r.verdict = verdict(worst < 150)
}

func (b *book) mixedRow(eng, engName string) {
	s := readStep(b.dir, "mixed-"+eng)
	r := b.add(&bookRow{id: "mixed-" + eng, command: cmdOf(s), goal: "0 errors", ref: "—", ratio: "—"})
	var rep loadReport
	if !loadJSON(s, &rep) || rep.Import == nil {
		r.workload = "Answer saves during a 1,000,000-row ratings import (" + engName + ")"
		b.notMeasured(r, s)
		return
	}
	r.measured = true
	im := rep.Import
	r.workload = fmt.Sprintf("Answer saves of %s takers (think %s) while `kaoping ratings import` loads %s rows in another process (%s)", commas(int64(rep.Takers)), rep.Think, commas(int64(im.Rows)), engName)
	save := rep.op("save")
	r.ours = fmt.Sprintf("saves p50 %s ms, **p99 %s ms**, max %s ms, %d errors; import %s rows/s (%s s)", f1(save.P50), f1(save.P99), f1(save.Max), rep.Errors, f0(im.RowsPerSecond), f1(im.Seconds))
	r.verdict = verdict(rep.Errors == 0 && im.Imported == im.Rows)
	if im.Note != "" {
		r.notes = append(r.notes, im.Note)
	}
	r.notes = append(r.notes, fmt.Sprintf("Import: %s imported, %d duplicates, %d rejected; importer peak RSS %s MiB. Server peak RSS %s MiB.",
		commas(int64(im.Imported)), im.Duplicates, im.Rejected, f1(im.PeakRSSMiB), f1(rep.ServerPeakRSSMiB)))
	r.notes = append(r.notes, opTable(&rep))
	r.notes = append(r.notes, errorNotes(&rep)...)
}

func (b *book) feedRow() {
	s := readStep(b.dir, "feed-sqlite")
	r := b.add(&bookRow{id: "feed-sqlite", command: cmdOf(s), goal: "0 errors", ref: "—", ratio: "—"})
	var rep loadReport
	if !loadJSON(s, &rep) || rep.Feed == nil {
		r.workload = "Rating feed: batches through `POST /api/v1/ratings` (SQLite)"
		b.notMeasured(r, s)
		return
	}
	r.measured = true
	f := rep.Feed
	st := rep.op("ratings")
	r.workload = fmt.Sprintf("Rating feed: %s batches/s of %d ratings, bearer token (SQLite)", f1(f.Rate), f.BatchSize)
	r.ours = fmt.Sprintf("**%s ratings/s** stored, batch p99 %s ms, %d errors, %d ticks missed", f0(f.RatingsPerSecond), f1(st.P99), rep.Errors, f.MissedTicks)
	r.verdict = verdict(rep.Errors == 0)
	r.notes = append(r.notes, opTable(&rep))
}

// ---------------------------------------------------------------------------
// Writing

func (b *book) render(title string) string {
	var w strings.Builder
	w.WriteString(bookBegin + "\n")
	w.WriteString("<!-- Generated by `make bench` (kaoping benchbook). Edit outside the benchbook markers, or inside a row's keep block, which is carried over. -->\n\n")
	if title == "" {
		title = "Latest run"
		if !b.started.IsZero() {
			title += ": " + b.started.UTC().Format("2006-01-02 15:04 UTC")
			if !b.ended.IsZero() {
				title += fmt.Sprintf(", %s", b.ended.Sub(b.started).Round(time.Minute))
			}
		}
		if b.quick {
			title += " (quick smoke run: small sizes, figures not comparable with the goals)"
		}
	}
	fmt.Fprintf(&w, "## %s\n\n", title)
	m := b.machine
	fmt.Fprintf(&w, "Machine: **%s, %d cores**, %s, Linux %s, %s. Load average when the book was written: %s. "+
		"The machine is shared: other processes ran during the benchmarks, and the load averages recorded with the load tests show how much; "+
		"absolute figures vary between runs, the ratios to the reference measured in the same run much less.\n\n", m.CPU, m.Cores, m.Go, m.Kernel, m.OS, m.LoadBefore)
	w.WriteString("| # | workload | command | machine | ours | reference (same run) | ratio | goal | |\n|---|---|---|---|---|---|---|---|---|\n")
	short := fmt.Sprintf("%s ×%d", m.CPU, m.Cores)
	for i, r := range b.rows {
		fmt.Fprintf(&w, "| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", i+1, cell(r.workload), cell(r.command), cell(short), cell(r.ours), cell(r.ref), cell(r.ratio), cell(r.goal), cell(r.verdict))
	}
	w.WriteString("\n### Notes per row\n\n")
	for i, r := range b.rows {
		fmt.Fprintf(&w, "#### %d. %s\n\n", i+1, r.workload)
		if r.command != "" && r.command != "—" {
			fmt.Fprintf(&w, "Command: %s\n\n", r.command)
		}
		for _, n := range r.notes {
			w.WriteString(n + "\n\n")
		}
		if r.raw != "" {
			w.WriteString("```\n" + r.raw + "\n```\n\n")
		}
		fmt.Fprintf(&w, "<!-- keep:%s -->\n<!-- /keep -->\n\n", r.id)
	}
	w.WriteString(bookEnd + "\n")
	return w.String()
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if s == "" {
		return "—"
	}
	return s
}

var keepBlock = regexp.MustCompile(`(?s)<!-- keep:([A-Za-z0-9_.-]+) -->\n(.*?)<!-- /keep -->`)

// mergeBook puts the generated block into the old text: in place of the
// old block, or, the first time, after the title and its first paragraph.
// Kept blocks of the old generated part replace the empty ones of the new.
func mergeBook(old, gen string) string {
	kept := map[string]string{}
	if i, j := strings.Index(old, bookBegin), strings.Index(old, bookEnd); i >= 0 && j > i {
		for _, m := range keepBlock.FindAllStringSubmatch(old[i:j], -1) {
			if strings.TrimSpace(m[2]) != "" {
				kept[m[1]] = m[2]
			}
		}
	}
	gen = keepBlock.ReplaceAllStringFunc(gen, func(s string) string {
		m := keepBlock.FindStringSubmatch(s)
		if body, ok := kept[m[1]]; ok {
			delete(kept, m[1])
			return "<!-- keep:" + m[1] + " -->\n" + body + "<!-- /keep -->"
		}
		return s
	})
	if len(kept) > 0 {
		// Rows that are gone keep their analysis at the end of the block.
		ids := make([]string, 0, len(kept))
		for id := range kept {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		var extra strings.Builder
		extra.WriteString("### Kept analysis of rows no longer generated\n\n")
		for _, id := range ids {
			extra.WriteString("<!-- keep:" + id + " -->\n" + kept[id] + "<!-- /keep -->\n\n")
		}
		gen = strings.Replace(gen, bookEnd, extra.String()+bookEnd, 1)
	}
	if i, j := strings.Index(old, bookBegin), strings.Index(old, bookEnd); i >= 0 && j > i {
		rest := strings.TrimPrefix(old[j+len(bookEnd):], "\n")
		return old[:i] + gen + rest
	}
	if old == "" {
		return "# Benchmarks\n\n" + gen
	}
	// First time: after the title and the paragraph that follows it.
	idx := 0
	if strings.HasPrefix(old, "# ") {
		if k := strings.Index(old, "\n\n"); k >= 0 {
			idx = k + 2
			if k2 := strings.Index(old[idx:], "\n\n"); k2 >= 0 && !strings.HasPrefix(old[idx:], "## ") {
				idx += k2 + 2
			}
		}
	}
	return old[:idx] + gen + "\n" + old[idx:]
}

// op is the statistics of one request kind, zero when the run made none.
func (r *loadReport) op(name string) *opStats {
	if st := r.Ops[name]; st != nil {
		return st
	}
	return &opStats{}
}
