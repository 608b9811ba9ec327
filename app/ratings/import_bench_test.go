package ratings_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/xuri/excelize/v2"

	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store/storetest"
)

// The 1,000,000-row import benchmark (issue: "import of 1,000,000 generated
// ratings; report rows/s and peak memory beside sqlite3 .import of the same
// rows into the same table measured in the same run"). Run it with
//
//	go test -run '^$' -bench ImportFile1M -benchtime 1x ./app/ratings/
//
// KAOPING_BENCH_ROWS changes the size; KAOPING_TEST_PG measures PostgreSQL
// against COPY instead of SQLite against sqlite3 .import.

const (
	benchStaff = 1000
	benchItems = 40
	benchFile  = "ratings-bench.csv"
)

// benchSize is KAOPING_BENCH_ROWS, or def.
func benchSize(tb testing.TB, def int) int {
	v := os.Getenv("KAOPING_BENCH_ROWS")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("KAOPING_BENCH_ROWS=%q: want a positive number", v)
	}
	return n
}

// seedBench gives the fixture's center benchStaff people (工号 S0001…, in
// 20 teams, all channels) and benchItems service items (310100-001…),
// through the staff import, as a real center would be set up.
func seedBench(tb testing.TB, f *fixture) {
	tb.Helper()
	var b strings.Builder
	b.WriteString("工号,姓名,班组,渠道,外部编号\n")
	family := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given := []string{"伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "桂英", "建华", "志强"}
	for i := 1; i <= benchStaff; i++ {
		fmt.Fprintf(&b, "S%04d,%c%s,第%d窗口组,窗口;一网通办;12345,EXT-S%04d\n",
			i, family[i%len(family)], given[(i/len(family))%len(given)], 1+i%20, i)
	}
	if _, err := f.staff.Import(context.Background(), f.center.ID, strings.NewReader(b.String()), staff.ImportOptions{}); err != nil {
		tb.Fatalf("seed staff: %v", err)
	}
	for i := 1; i <= benchItems; i++ {
		f.item(tb, fmt.Sprintf("310100-%03d", 100+i), fmt.Sprintf("行政许可事项%d", i))
	}
}

// benchRow is one generated rating: the cells of the import file, and the
// canonical values the import stores for them.
type benchRow struct {
	cells []string // 评价编号,评价时间,渠道,事项编码,工号,评价等级,评价原因,评价内容,是否默认评价

	externalID, itemCode, staffNo, channel, comment, reasons string
	ratedAt                                                  time.Time
	level                                                    int
	isDefault                                                bool
}

var benchHeader = []string{"评价编号", "评价时间", "渠道", "事项编码", "工号", "评价等级", "评价原因", "评价内容", "是否默认评价"}

var (
	benchChannels = []struct{ word, code string }{
		{"窗口", "offline"}, {"大厅", "offline"}, {"线下窗口", "offline"},
		{"一网通办", "online"}, {"随申办", "online"}, {"网上", "online"},
		{"12345", "hotline"}, {"热线", "hotline"},
	}
	benchGood = []string{"态度好", "效率高", "解释清楚", "主动服务", "一次办成", "环境整洁", "等候时间短"}
	benchBad  = []string{"等待时间长", "态度一般", "材料要求不清", "多次跑腿", "系统卡顿", "解释不耐烦"}
	benchText = []string{
		"工作人员非常耐心，一次就办好了，点赞！",
		"材料准备齐全的情况下二十分钟办完，效率很高。",
		"排队时间有点长，希望增加窗口。",
		"热线接通很快，解答清楚。",
		"网上提交后第二天就审核通过了，方便。",
		"第一次来不太懂流程，窗口的小姑娘讲得很细致，谢谢。",
		"叫号系统有问题，等了一个多小时。",
		"工作人员态度不好，问了两遍才回答。",
		"整体满意，环境也不错，就是停车不方便，附近停车场收费比较贵，建议在大厅门口增加临时停车位，方便老年人办事。",
		"很好",
	}
	benchLevelWords = [...]string{1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}
)

// genRow makes row i (0-based) of a deterministic, realistic file: local
// times over the first half of 2026 in two layouts, every channel word,
// levels as words or digits (mostly 4–5, some bad), reason tags, comments
// of various lengths or none, and an occasional default rating.
func genRow(rng *rand.Rand, i int, loc *time.Location) benchRow {
	var r benchRow
	r.externalID = fmt.Sprintf("HCP2026%010d", i+1)
	day := rng.IntN(181)
	t := time.Date(2026, 1, 1, 8+rng.IntN(10), rng.IntN(60), rng.IntN(60), 0, loc).AddDate(0, 0, day)
	r.ratedAt = t.UTC()
	var when string
	if i%10 == 0 {
		when = t.Format("2006/1/2 15:04:05")
	} else {
		when = t.Format(time.DateTime)
	}
	ch := benchChannels[rng.IntN(len(benchChannels))]
	r.channel = ch.code
	r.itemCode = fmt.Sprintf("310100-%03d", 101+rng.IntN(benchItems))
	r.staffNo = fmt.Sprintf("S%04d", 1+rng.IntN(benchStaff))
	switch p := rng.IntN(100); {
	case p < 2:
		r.level = 1
	case p < 5:
		r.level = 2
	case p < 12:
		r.level = 3
	case p < 35:
		r.level = 4
	default:
		r.level = 5
	}
	level := strconv.Itoa(r.level)
	if rng.IntN(2) == 0 {
		level = benchLevelWords[r.level]
	}
	tags := benchGood
	if r.level <= 3 {
		tags = benchBad
	}
	var reasons []string
	for range rng.IntN(3) {
		tag := tags[rng.IntN(len(tags))]
		if !contains(reasons, tag) {
			reasons = append(reasons, tag)
		}
	}
	r.reasons = strings.Join(reasons, "；")
	if rng.IntN(2) == 0 {
		r.comment = benchText[rng.IntN(len(benchText))]
	}
	r.isDefault = rng.IntN(20) == 0
	def := "否"
	if r.isDefault {
		def = "是"
	}
	r.cells = []string{r.externalID, when, ch.word, r.itemCode, r.staffNo, level, r.reasons, r.comment, def}
	return r
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// refColumns are the columns of the ratings table, in table order.
func refColumns(tb testing.TB, db *bun.DB) []string {
	tb.Helper()
	q := "SELECT name FROM pragma_table_info('ratings') ORDER BY cid"
	if db.Dialect().Name() == dialect.PG {
		q = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'ratings' ORDER BY ordinal_position"
	}
	var cols []string
	if err := db.NewRaw(q).Scan(context.Background(), &cols); err != nil {
		tb.Fatalf("ratings columns: %v", err)
	}
	return cols
}

// refSetup is what the reference rows need to look exactly like the rows
// ImportFile stores.
type refSetup struct {
	pg       bool
	cols     []string
	centerID int64
	staffIDs map[string]int64
	itemIDs  map[string]int64
	received time.Time
	source   string
	runID    *int64
	loc      *time.Location
}

func newRefSetup(tb testing.TB, f *fixture, source string, runID *int64) *refSetup {
	tb.Helper()
	ctx := context.Background()
	rs := &refSetup{
		pg: f.db.Dialect().Name() == dialect.PG, cols: refColumns(tb, f.db), centerID: f.center.ID,
		staffIDs: map[string]int64{}, itemIDs: map[string]int64{}, source: source, runID: runID,
		received: f.clock.Now().UTC().Truncate(time.Microsecond), loc: storetest.Shanghai(tb),
	}
	var people []staff.Staff
	if err := f.db.NewSelect().Model(&people).Column("s.id", "s.staff_no").Where("s.center_id = ?", f.center.ID).Scan(ctx); err != nil {
		tb.Fatal(err)
	}
	for _, p := range people {
		rs.staffIDs[p.StaffNo] = p.ID
	}
	var items []staff.ServiceItem
	if err := f.db.NewSelect().Model(&items).Column("si.id", "si.code").Where("si.center_id = ?", f.center.ID).Scan(ctx); err != nil {
		tb.Fatal(err)
	}
	for _, it := range items {
		rs.itemIDs[it.Code] = it.ID
	}
	return rs
}

// record is r in the table's column layout. SQLite's .import has no NULL:
// the columns the import leaves NULL (citizen data) become ” there, which
// costs the reference nothing; for PostgreSQL's COPY they are \N.
func (rs *refSetup) record(tb testing.TB, id int, r *benchRow) []string {
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999-07:00") }
	boolean := func(v bool) string {
		switch {
		case rs.pg && v:
			return "t"
		case rs.pg:
			return "f"
		case v:
			return "1"
		}
		return "0"
	}
	reasons := []string{}
	if r.reasons != "" {
		reasons = strings.Split(r.reasons, "；")
	}
	rj, _ := json.Marshal(reasons)
	out := make([]string, 0, len(rs.cols))
	for _, c := range rs.cols {
		var v string
		switch c {
		case "id":
			v = strconv.Itoa(id)
		case "center_id":
			v = strconv.FormatInt(rs.centerID, 10)
		case "external_id":
			v = r.externalID
		case "rated_at":
			v = ts(r.ratedAt)
		case "period_date":
			v = r.ratedAt.In(rs.loc).Format("2006-01-02")
		case "channel":
			v = r.channel
		case "item_code":
			v = r.itemCode
		case "item_id":
			v = strconv.FormatInt(rs.itemIDs[r.itemCode], 10)
		case "staff_id":
			v = strconv.FormatInt(rs.staffIDs[r.staffNo], 10)
		case "level":
			v = strconv.Itoa(r.level)
		case "reasons":
			v = string(rj)
		case "comment":
			v = r.comment
		case "is_default":
			v = boolean(r.isDefault)
		case "received_at", "created_at":
			v = ts(rs.received)
		case "source":
			v = rs.source
		case "import_run_id":
			switch {
			case rs.runID != nil:
				v = strconv.FormatInt(*rs.runID, 10)
			case rs.pg:
				v = `\N`
			}
		case "citizen_phone", "citizen_id_number":
			if rs.pg {
				v = `\N`
			}
		case "excluded", "personal_excluded":
			v = boolean(false)
		default:
			tb.Fatalf("reference: no value for ratings column %q; teach record about it", c)
		}
		out = append(out, v)
	}
	return out
}

// writeBenchFiles writes n generated rows as the import file (Chinese
// headers, UTF-8) to dir/benchFile and, when ref is not nil, the same rows
// in the table's layout (no header; PostgreSQL without the id column) to
// dir/ref.csv.
func writeBenchFiles(tb testing.TB, dir string, n int, ref *refSetup) (string, string) {
	tb.Helper()
	path, refPath := filepath.Join(dir, benchFile), filepath.Join(dir, "ref.csv")
	fd, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(fd, 1<<20)
	w := csv.NewWriter(bw)
	var rw *csv.Writer
	var rfd *os.File
	var rbw *bufio.Writer
	if ref != nil {
		if rfd, err = os.Create(refPath); err != nil {
			tb.Fatal(err)
		}
		rbw = bufio.NewWriterSize(rfd, 1<<20)
		rw = csv.NewWriter(rbw)
	}
	_ = w.Write(benchHeader)
	rng := rand.New(rand.NewPCG(2026, 7))
	loc := storetest.Shanghai(tb)
	for i := range n {
		r := genRow(rng, i, loc)
		_ = w.Write(r.cells)
		if rw != nil {
			rec := ref.record(tb, i+1, &r)
			if ref.pg {
				rec = rec[1:] // id from the sequence
			}
			_ = rw.Write(rec)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tb.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	fd.Close()
	if rw != nil {
		rw.Flush()
		if err := rbw.Flush(); err != nil {
			tb.Fatal(err)
		}
		rfd.Close()
	}
	return path, refPath
}

// memPeak samples the live heap while an import runs.
//
// Two figures: the peak of runtime/metrics' /memory/classes/heap/objects
// (bytes in live and not-yet-swept heap objects — what "flat memory" is
// about: it must not grow with the file), sampled every 10 ms without
// stopping the world; and the process's peak resident set (VmHWM) after
// resetting it through /proc/self/clear_refs, which also counts the
// runtime, goroutine stacks, the SQLite page cache (modernc allocates it
// outside the Go heap) and memory the GC has not yet returned.
type memPeak struct {
	stop     chan struct{}
	done     chan struct{}
	heapPeak uint64
	rssReset bool
}

func startMemPeak() *memPeak {
	debug.FreeOSMemory() // so that the set-up's garbage is not counted in the resident set

	m := &memPeak{stop: make(chan struct{}), done: make(chan struct{})}
	m.rssReset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			m.heapPeak = max(m.heapPeak, s[0].Value.Uint64())
			select {
			case <-m.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

// end stops sampling and returns the heap peak and the resident-set peak
// in MiB (rss is 0 when it could not be reset).
func (m *memPeak) end() (heapMiB, rssMiB float64) {
	close(m.stop)
	<-m.done
	heapMiB = float64(m.heapPeak) / (1 << 20)
	if !m.rssReset {
		return heapMiB, 0
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return heapMiB, 0
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			rssMiB = float64(kb) / 1024
		}
	}
	return heapMiB, rssMiB
}

// reference is one way of bulk loading the same rows: pragmas is run
// before sqlite3's .import (unused for PostgreSQL's COPY).
type reference struct {
	metric  string // "ref" → ref_rows/s and ratio
	pragmas string
}

// references are the bulk loads BenchmarkImportFile1M measures beside the
// import: on SQLite, sqlite3 .import with the pragmas of the application's
// DSN (WAL, synchronous=NORMAL, foreign keys on: the same constraint work
// as ours) and the CLI's default page cache; and the same with the page
// cache the import's own connection gets (importCacheKiB in
// fileimport_write.go), the strongest like-for-like figure. On PostgreSQL,
// psql's \copy.
func references(pg bool) []reference {
	if pg {
		return []reference{{metric: "ref"}}
	}
	return []reference{{metric: "ref"}, {metric: "ref_cache32M", pragmas: "PRAGMA cache_size=-32768;\n"}}
}

// referenceImport loads ref.csv into the ratings table of ref's database
// with the engine's own bulk loader and returns how long it took:
// sqlite3 .import --csv (one transaction, as .import does), or
// psql \copy … CSV.
func referenceImport(b *testing.B, ref *fixture, refPath string, cols []string, r reference) time.Duration {
	b.Helper()
	var cmd *exec.Cmd
	if ref.dsn.Schema == "" {
		bin, err := exec.LookPath("sqlite3")
		if err != nil {
			b.Skip("sqlite3 CLI not installed: the reference (sqlite3 .import) cannot be measured")
		}
		script := r.pragmas + "PRAGMA foreign_keys=ON;\nPRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n.bail on\n.import --csv " + refPath + " ratings\n"
		cmd = exec.Command(bin, ref.dsn.URL)
		cmd.Stdin = strings.NewReader(script)
	} else {
		bin, err := exec.LookPath("psql")
		if err != nil {
			b.Skip("psql not installed: the reference (COPY) cannot be measured")
		}
		cmd = exec.Command(bin, ref.dsn.URL, "-v", "ON_ERROR_STOP=1", "-q", "-c",
			fmt.Sprintf(`\copy ratings (%s) FROM '%s' WITH (FORMAT csv, NULL '\N')`, strings.Join(cols[1:], ", "), refPath))
		cmd.Env = append(os.Environ(), "PGOPTIONS=-c search_path="+ref.dsn.Schema)
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if msg := strings.TrimSpace(string(out)); err != nil || msg != "" && msg != "wal" {
		b.Fatalf("reference import: %v\n%s", err, out)
	}
	return d
}

// BenchmarkImportFile1M imports KAOPING_BENCH_ROWS (default 1,000,000)
// generated ratings from a CSV file with ImportFile (both passes, as the
// CLI runs it, with an import run) into a fresh database, and in the same
// run loads the same rows, already in the table's layout, with the
// engine's bulk loader into an identical fresh database: the practical
// limit. Reported: rows/s of both, their ratio, and the peak heap and
// resident set of our import.
func BenchmarkImportFile1M(b *testing.B) {
	n := benchSize(b, 1_000_000)
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		f := newFixture(b)
		seedBench(b, f)
		run, err := f.svc.CreateRun(ctx, f.center.ID, benchFile, "", "bench", ratings.FileOptions{})
		if err != nil {
			b.Fatal(err)
		}
		refs := references(f.dsn.Schema != "")
		refDBs := make([]*fixture, len(refs))
		for i := range refs {
			refDBs[i] = newFixture(b)
			seedBench(b, refDBs[i]) // the same ids as f's: same rows, same order
		}
		setup := newRefSetup(b, refDBs[0], "file:"+benchFile, &run.ID)
		path, refPath := writeBenchFiles(b, b.TempDir(), n, setup)

		refTimes := make([]time.Duration, len(refs))
		for i, r := range refs {
			refTimes[i] = referenceImport(b, refDBs[i], refPath, setup.cols, r)
			if got := refDBs[i].count(b); got != n {
				b.Fatalf("reference %s stored %d rows, want %d", r.metric, got, n)
			}
		}

		stopProfile := startProfile(b)
		mem := startMemPeak()
		b.StartTimer()
		start := time.Now()
		res, err := f.svc.ImportFile(ctx, f.center.ID, path, func() (io.ReadCloser, error) { return os.Open(path) },
			ratings.FileOptions{Run: run})
		ours := time.Since(start)
		b.StopTimer()
		heap, rss := mem.end()
		stopProfile()
		if err != nil {
			b.Fatal(err)
		}
		if res.Imported != n {
			b.Fatalf("imported %d of %d: %+v", res.Imported, n, res)
		}
		for i := range refs {
			if err := compareWithReference(ctx, f.db, refDBs[i].db); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("%d rows: ours %v", n, ours.Round(time.Millisecond))
		b.ReportMetric(float64(n)/ours.Seconds(), "rows/s")
		for i, r := range refs {
			b.Logf("%d rows: %s %v", n, r.metric, refTimes[i].Round(time.Millisecond))
			b.ReportMetric(float64(n)/refTimes[i].Seconds(), r.metric+"_rows/s")
			b.ReportMetric(refTimes[i].Seconds()/ours.Seconds(), "ratio_"+r.metric)
		}
		b.ReportMetric(heap, "peak_heap_MiB")
		if rss > 0 {
			b.ReportMetric(rss, "peak_rss_MiB")
		}
		b.ReportMetric(0, "ns/op")
	}
}

// startProfile writes a CPU profile of the import alone (not of the set-up
// and the reference, which -cpuprofile would include) to the file named by
// KAOPING_BENCH_CPUPROFILE, if set.
func startProfile(tb testing.TB) func() {
	path := os.Getenv("KAOPING_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	fd, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := pprof.StartCPUProfile(fd); err != nil {
		tb.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		fd.Close()
	}
}

// compareWithReference checks that our import and the reference stored the
// same ratings (a sample of columns over every row, as an aggregate).
func compareWithReference(ctx context.Context, ours, ref *bun.DB) error {
	q := "SELECT COUNT(*), COUNT(DISTINCT external_id), SUM(level), SUM(staff_id), SUM(item_id), MIN(period_date), MAX(period_date), " +
		"SUM(LENGTH(comment)), SUM(LENGTH(reasons)), SUM(CASE WHEN is_default THEN 1 ELSE 0 END), COUNT(DISTINCT channel), MIN(rated_at), MAX(rated_at) FROM ratings"
	get := func(db *bun.DB) (string, error) {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		vals := make([]any, 13)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		rows.Next()
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		for i, v := range vals {
			if t, ok := v.(time.Time); ok {
				vals[i] = t.UTC()
			}
			if bs, ok := v.([]byte); ok {
				vals[i] = string(bs)
			}
		}
		return fmt.Sprint(vals...), rows.Err()
	}
	a, err := get(ours)
	if err != nil {
		return err
	}
	b, err := get(ref)
	if err != nil {
		return err
	}
	if a != b {
		return fmt.Errorf("stored rows differ from the reference:\nours %s\nref  %s", a, b)
	}
	return nil
}

// BenchmarkImportXLSX100k measures the peak memory of importing a
// 100,000-row workbook (KAOPING_BENCH_ROWS overrides): excelize streams the
// rows of a worksheet but reads the shared-strings table whole, so memory
// grows with the number of distinct texts in the file.
func BenchmarkImportXLSX100k(b *testing.B) {
	n := benchSize(b, 100_000)
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		f := newFixture(b)
		seedBench(b, f)
		path := filepath.Join(b.TempDir(), "ratings-bench.xlsx")
		writeBenchXLSX(b, path, n)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		mem := startMemPeak()
		b.StartTimer()
		start := time.Now()
		res, err := f.svc.ImportFile(ctx, f.center.ID, path, func() (io.ReadCloser, error) { return os.Open(path) }, ratings.FileOptions{})
		d := time.Since(start)
		b.StopTimer()
		heap, rss := mem.end()
		if err != nil {
			b.Fatal(err)
		}
		if res.Imported != n {
			b.Fatalf("imported %d of %d", res.Imported, n)
		}
		b.ReportMetric(float64(n)/d.Seconds(), "rows/s")
		b.ReportMetric(heap, "peak_heap_MiB")
		if rss > 0 {
			b.ReportMetric(rss, "peak_rss_MiB")
		}
		b.ReportMetric(float64(st.Size())/(1<<20), "file_MiB")
		b.ReportMetric(0, "ns/op")
	}
}

// writeBenchXLSX writes n generated rows as a workbook the way Excel saves
// one: every text cell in the shared-strings table.
func writeBenchXLSX(tb testing.TB, path string, n int) {
	tb.Helper()
	x := excelize.NewFile()
	defer x.Close()
	row := func(i int, cells []string) {
		vals := make([]any, len(cells))
		for j, c := range cells {
			vals[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i)
		if err := x.SetSheetRow("Sheet1", cell, &vals); err != nil {
			tb.Fatal(err)
		}
	}
	row(1, benchHeader)
	rng := rand.New(rand.NewPCG(2026, 7))
	loc := storetest.Shanghai(tb)
	for i := range n {
		r := genRow(rng, i, loc)
		row(i+2, r.cells)
	}
	if err := x.SaveAs(path); err != nil {
		tb.Fatal(err)
	}
}
