package reports_test

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kaoping/kaoping/reports"
)

var (
	update = flag.Bool("update", false, "rewrite the golden PDFs in testdata")
	outDir = flag.String("out", "", "also write the rendered PDFs to this directory, to look at them (pdftoppm -png -r 60)")
)

var (
	fontOnce  sync.Once
	fontBytes []byte
	fontErr   error
	shared    *reports.Renderer
)

// mustFont returns the report font: $KAOPING_FONT, else the one that
// `make fonts` puts in data/fonts. A missing font fails the test: the
// reports cannot be checked without it.
func mustFont(tb testing.TB) []byte {
	tb.Helper()
	fontOnce.Do(func() {
		path := os.Getenv("KAOPING_FONT")
		if path == "" {
			path = filepath.Join("..", filepath.FromSlash(reports.FontRelPath))
		}
		fontBytes, fontErr = os.ReadFile(path)
		if fontErr == nil {
			shared, fontErr = reports.NewRenderer(fontBytes)
		}
	})
	if fontErr != nil {
		tb.Fatalf("report font: %v (run make fonts, or set KAOPING_FONT)", fontErr)
	}
	return fontBytes
}

// mustRenderer returns a Renderer shared by the tests.
func mustRenderer(tb testing.TB) *reports.Renderer {
	tb.Helper()
	mustFont(tb)
	return shared
}

// render renders one document kind of the fixtures.
func render(tb testing.TB, r *reports.Renderer, kind string, data any) ([]byte, reports.Result) {
	tb.Helper()
	var buf bytes.Buffer
	var res reports.Result
	var err error
	switch v := data.(type) {
	case *reports.StaffReport:
		res, err = r.Staff(&buf, v)
	case *reports.TeamReport:
		res, err = r.Team(&buf, v)
	case *reports.CenterReport:
		res, err = r.Center(&buf, v)
	case *reports.Certificate:
		res, err = r.Certificate(&buf, v)
	default:
		tb.Fatalf("render %s: unknown data %T", kind, data)
	}
	if err != nil {
		tb.Fatalf("render %s: %v", kind, err)
	}
	return buf.Bytes(), res
}

// pdfText extracts the text of a PDF (of pages first..last when given)
// with poppler's pdftotext.
func pdfText(tb testing.TB, pdf []byte, pages ...int) string {
	tb.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		tb.Fatal("pdftotext not found: install poppler-utils (apt-get install -y poppler-utils)")
	}
	in := filepath.Join(tb.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		tb.Fatal(err)
	}
	args := []string{"-enc", "UTF-8"}
	if len(pages) == 2 {
		args = append(args, "-f", strconv.Itoa(pages[0]), "-l", strconv.Itoa(pages[1]))
	}
	out, err := exec.Command(bin, append(args, in, "-")...).CombinedOutput()
	if err != nil {
		tb.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}

// contains reports whether text contains want, ignoring white space:
// pdftotext drops the spaces between Chinese and Latin words in some
// lines, and cells wrap.
func contains(text, want string) bool {
	return strings.Contains(squeeze(text), squeeze(want))
}

func squeeze(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// saveOut writes pdf to the -out directory, if one is given.
func saveOut(tb testing.TB, name string, pdf []byte) {
	tb.Helper()
	if *outDir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(*outDir, name+".pdf"), pdf, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// fixtures are the documents of the golden and text tests.
func fixtures() []struct {
	name string
	data any
	want []string
} {
	return []struct {
		name string
		data any
		want []string
	}{
		{"staff", staffReport(), []string{
			"个人考评报告", "临江市政务服务中心", "2026年7月", "第 2 次发布", "徐喆", "S0017", "综合受理窗口组",
			"82.9", "称职", "86.4", "50.0% → 50.0%", "12345热线", "85.0%", "4.5%", "非常不满意", "排队两个小时才办上",
			"申诉成功，不计入", "KP-2026-0142", "未通过", "76.2", "80.1", "班组长评语", "人力资源",
			"生成时间：2026-08-03 09:30", "第 1 / 2 页", "第 2 / 2 页",
		}},
		{"staff-nodata", noDataReport(), []string{"本期无考评数据", "欧阳晓晓", "期内统计", "第 1 / 1 页"}},
		{"team", teamReport(), []string{
			"班组报告", "何堃", "罗赟", "91.3", "88.1", "通过 88.0", "未通过 55.0", "逾期", "待完成", "未分配",
			"企业开办一件事", "+0.6", "第 1 / 2 页",
		}},
		{"center", centerReport(), []string{
			"中心报告", "12345热线坐席组", "58.0", "阈值 60.0", "好评率", "4.4（230）", "赵磊", "50.0", "2026-07-09", "第 1 / 2 页",
		}},
		{"certificate", certificate(), []string{"培训合格证书", "KP-2026-0142", "徐喆", "S0017", "不动产登记受理规范", "第 3 版", "2028-07-09"}},
	}
}

// TestGolden renders every document twice and compares the bytes with
// each other and with testdata/NAME.golden.pdf (go test -update rewrites
// them).
func TestGolden(t *testing.T) {
	r := mustRenderer(t)
	for _, fx := range fixtures() {
		t.Run(fx.name, func(t *testing.T) {
			got, _ := render(t, r, fx.name, fx.data)
			again, _ := render(t, r, fx.name, fx.data)
			if !bytes.Equal(got, again) {
				t.Fatal("rendering the same data twice gave different bytes")
			}
			saveOut(t, fx.name, got)
			path := filepath.Join("testdata", fx.name+".golden.pdf")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./reports -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the output (%d vs %d bytes): the layout changed, or the font file or PDF library differs; look at the new PDF and run go test ./reports -update to accept it", path, len(want), len(got))
			}
		})
	}
}

// TestText checks what a reader of each document sees.
func TestText(t *testing.T) {
	r := mustRenderer(t)
	for _, fx := range fixtures() {
		t.Run(fx.name, func(t *testing.T) {
			pdf, res := render(t, r, fx.name, fx.data)
			text := pdfText(t, pdf)
			for _, w := range fx.want {
				if !contains(text, w) {
					t.Errorf("text lacks %q", w)
				}
			}
			if !contains(text, res.Code) {
				t.Errorf("text lacks the integrity code %s", res.Code)
			}
			if len(res.Warnings) != 0 {
				t.Errorf("warnings = %q, want none", res.Warnings)
			}
			if t.Failed() {
				t.Logf("text:\n%s", text)
			}
		})
	}
}

// TestScoreRounding: 82.85 is 82.8499… in binary, and must still print
// as 82.9, like the UI prints it.
func TestScoreRounding(t *testing.T) {
	r := mustRenderer(t)
	pdf, _ := render(t, r, "staff", staffReport())
	text := pdfText(t, pdf, 1, 1)
	if !contains(text, "82.9") || contains(text, "82.8") {
		t.Errorf("page 1 should show 82.9 and never 82.8:\n%s", text)
	}
}

// TestCode: the code printed is the SHA-256 of the data, independent of
// the Code field, and is stored in the report.
func TestCode(t *testing.T) {
	r := mustRenderer(t)
	rep := staffReport()
	want, err := reports.Code(rep)
	if err != nil {
		t.Fatal(err)
	}
	_, res := render(t, r, "staff", rep)
	if res.Code != want || rep.Code != want {
		t.Errorf("result code %s, report code %s, want %s", res.Code, rep.Code, want)
	}
	if len(want) != 64 || strings.ToLower(want) != want {
		t.Errorf("code %q is not 64 lowercase hex digits", want)
	}
	rep.Code = "something else"
	if again, _ := reports.Code(rep); again != want {
		t.Error("the Code field changes the code")
	}
	rep.Name = "徐哲"
	if other, _ := reports.Code(rep); other == want {
		t.Error("changing the name does not change the code")
	}
}

// TestUnprintableName: a character above U+FFFF (which crashes the PDF
// library) and an emoji print as 〓 with a warning, without a panic.
func TestUnprintableName(t *testing.T) {
	r := mustRenderer(t)
	rep := staffReport()
	rep.Name = "𠮷田花子😀"
	rep.BadRatings[0].Comment = "服务很好👍️，就是慢"
	pdf, res := render(t, r, "staff", rep)
	saveOut(t, "staff-unprintable", pdf)
	text := pdfText(t, pdf)
	if !contains(text, "〓田花子〓") {
		t.Errorf("text lacks the name as 〓田花子〓:\n%s", text)
	}
	if !contains(text, "服务很好〓，就是慢") {
		t.Errorf("text lacks the comment as 服务很好〓，就是慢")
	}
	joined := strings.Join(res.Warnings, "\n")
	for _, w := range []string{"U+20BB7", "U+1F600", "U+1F44D"} {
		if !strings.Contains(joined, w) {
			t.Errorf("warnings lack %s:\n%s", w, joined)
		}
	}
}

// TestLongReport: 200 bad ratings with long comments run over several
// pages, each continuing page repeats the table header, and every page
// has its footer.
func TestLongReport(t *testing.T) {
	r := mustRenderer(t)
	rep := staffReport()
	rep.Name = "阿卜杜热合曼·买买提艾力·吐尔逊托合提·阿不都热依木江" // 30 characters
	base := rep.BadRatings[0]
	rep.BadRatings = nil
	for k := 0; k < 200; k++ {
		b := base
		b.Comment = strings.Repeat("办理过程中工作人员态度冷淡，材料清单与网上公布的不一致，来回跑了三趟。", 1+k%4)
		b.Item = "企业投资项目备案（含变更、延期与撤销）第" + strconv.Itoa(k+1) + "项"
		rep.BadRatings = append(rep.BadRatings, b)
	}
	pdf, res := render(t, r, "staff", rep)
	saveOut(t, "staff-long", pdf)
	if res.Pages < 5 {
		t.Fatalf("pages = %d, want at least 5", res.Pages)
	}
	page2 := pdfText(t, pdf, 2, 2)
	for _, w := range []string{"评价时间", "申诉结果", "差评及处理（续）", "第 2 / " + strconv.Itoa(res.Pages) + " 页"} {
		if !contains(page2, w) {
			t.Errorf("page 2 lacks %q:\n%s", w, page2)
		}
	}
	last := pdfText(t, pdf, res.Pages, res.Pages)
	if !contains(last, "第 "+strconv.Itoa(res.Pages)+" / "+strconv.Itoa(res.Pages)+" 页") {
		t.Errorf("the last page lacks its page number:\n%s", last)
	}
	all := pdfText(t, pdf)
	if !contains(all, "企业投资项目备案（含变更、延期与撤销）第200项") {
		t.Error("the 200th rating is missing")
	}
}

// TestOnePageSize: a one-page staff report embeds only the glyphs it uses.
func TestOnePageSize(t *testing.T) {
	r := mustRenderer(t)
	pdf, res := render(t, r, "staff", onePageReport())
	saveOut(t, "staff-onepage", pdf)
	if res.Pages != 1 {
		t.Fatalf("pages = %d, want 1", res.Pages)
	}
	if len(pdf) >= 150<<10 {
		t.Errorf("a one-page staff report is %d bytes, want < 150 KB", len(pdf))
	}
	t.Logf("one-page staff report: %.1f KB", float64(len(pdf))/1024)
}
