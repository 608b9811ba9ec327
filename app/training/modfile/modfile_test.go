package modfile_test

import (
	"archive/zip"
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/app/training/modfile"
)

var update = flag.Bool("update", false, "rewrite testdata/310100-001 from the sample module")

const golden = "testdata/310100-001"

// pngBytes draws a small picture so the assets are real images.
func pngBytes(t testing.TB, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for x := range 8 {
		for y := range 6 {
			if (x+y)%2 == 0 {
				img.Set(x, y, c)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sampleModule is 企业设立登记 as a center would publish it.
func sampleModule(t testing.TB) *modfile.Module {
	t.Helper()
	return &modfile.Module{
		Code:           "310100-001",
		Title:          "企业设立登记",
		Summary:        "有限责任公司设立登记的受理标准：窗口、一网通办和 12345 热线统一口径。",
		ItemCode:       "310100-001",
		ValidityMonths: 12,
		Standard: training.Standard{
			TimeLimitDays: 3,
			Criteria: []string{
				"申请材料齐全、符合法定形式",
				"企业名称已通过自主申报核验",
				"公司章程由全体股东签署",
				"住所信息与使用证明一致",
			},
			ChannelNotes: map[string]string{
				"offline": "窗口核验原件后当场退还；材料不全的出具《一次性告知单》。",
				"online":  "一网通办全程电子化：股东、法定代表人须完成电子签名，上传清晰的彩色扫描件。",
				"hotline": "热线只解答咨询、不受理申请；告知所需材料和两种办理方式，不承诺办结时间以外的期限。",
			},
			Steps: []training.Step{
				{Title: "取号与身份核验", Detail: "核验经办人身份证件，确认其为指定代表或委托代理人。"},
				{Title: "名称自主申报核验", Detail: "在系统中查询名称申报结果；未通过的引导申请人先行申报。"},
				{Title: "材料审核", Detail: "对照材料清单逐项核对：\n1. 原件与复印件一致；\n2. 签字、盖章齐全；\n3. 复印件注明\"与原件一致\"并签名。"},
				{Title: "信息录入"},
				{Title: "作出受理决定", Detail: "材料齐全、符合法定形式的，当场受理并出具受理通知书。"},
				{Title: "发放营业执照", Detail: "核准后 3 个工作日内发照，可选择窗口领取或免费邮寄。"},
			},
			Materials: []training.Material{
				{Name: "公司登记（备案）申请书", Form: training.FormOriginal, Count: 1, Notes: "法定代表人签署"},
				{Name: "公司章程", Form: training.FormOriginal, Count: 1, Notes: "全体股东签署；自然人股东亲笔签字"},
				{Name: "股东主体资格证明", Form: training.FormCopy, Count: 1, Notes: "自然人股东提交身份证复印件，如张喆、李堃、𠮷田"},
				{Name: "法定代表人、董事、监事和经理的任职文件", Form: training.FormOriginal, Count: 1},
				{Name: "住所使用证明", Form: training.FormEither, Count: 1, Notes: "产权证明或租赁合同"},
				{Name: "指定代表或者共同委托代理人授权委托书", Form: training.FormOriginal, Count: 1},
				{Name: "经办人身份证件", Form: training.FormBoth, Count: 1, Notes: "原件核验后退还，复印件留存"},
				{Name: "前置审批文件", Form: training.FormCopy, Count: 2, Notes: "仅经营范围涉及前置许可时提交"},
			},
		},
		Lessons: []training.Lesson{
			{Title: "办理流程总览", Body: strings.Join([]string{
				"企业设立登记在三个渠道执行**同一个标准**。",
				"",
				"![办理流程](assets/流程图.png)",
				"",
				"| 渠道 | 受理方式 | 注意 |",
				"|------|----------|------|",
				"| 窗口 | 当场受理 | 核验原件 |",
				"| 一网通办 | 在线预审 | 电子签名 |",
				"| 12345 | 只咨询 | 不受理 |",
				"",
				"系统中的受理记录格式如下：",
				"",
				"```text",
				"# 这一行在代码块里，不是新的一课",
				"受理号：310100-2025-000123",
				"```",
			}, "\n")},
			{Title: "材料审核", Body: strings.Join([]string{
				"## 逐项核对",
				"",
				"1. 对照清单核对份数；",
				"2. 原件与复印件一致；",
				"3. 看清签字是否为本人所签。",
				"",
				`<img src="assets/step2.png" alt="材料审核示意">`,
				"",
				"~~~",
				"# 波浪线围栏里同样不是课程标题",
				"~~~",
			}, "\n")},
			{Title: "常见问题与话术", Body: strings.Join([]string{
				"> 问：股东名字里有生僻字（喆、堃、𠮷）怎么办？",
				">",
				"> 答：以身份证件上的写法为准，系统支持这些字，不要用同音字代替。",
				"",
				"回答时先复述问题，再给出标准答复。",
			}, "\n")},
		},
		Assets: map[string][]byte{
			"流程图.png":   pngBytes(t, color.RGBA{0x1f, 0x77, 0xb4, 0xff}),
			"step2.png": pngBytes(t, color.RGBA{0xd6, 0x27, 0x28, 0xff}),
		},
	}
}

// withoutAssets is the sample module with its images taken out of the
// lessons, for a bare module.md.
func withoutAssets(t testing.TB) *modfile.Module {
	m := sampleModule(t)
	m.Assets = nil
	for i := range m.Lessons {
		var keep []string
		for _, ln := range strings.Split(m.Lessons[i].Body, "\n") {
			if !strings.Contains(ln, "assets/") {
				keep = append(keep, ln)
			}
		}
		m.Lessons[i].Body = strings.Join(keep, "\n")
	}
	return m
}

// readTree returns every file under dir by its slash path.
func readTree(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func assertSameTree(t testing.TB, got, want string) {
	t.Helper()
	g, w := readTree(t, got), readTree(t, want)
	for name, wb := range w {
		gb, ok := g[name]
		switch {
		case !ok:
			t.Errorf("%s: missing in %s", name, got)
		case !bytes.Equal(gb, wb):
			t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", name, gb, wb)
		}
	}
	for name := range g {
		if _, ok := w[name]; !ok {
			t.Errorf("%s: unexpected in %s", name, got)
		}
	}
}

// zipDir packs dir into a zip, under prefix ("" for files at the root).
func zipDir(t testing.TB, dir, prefix, out string) {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range readTree(t, dir) {
		w, err := zw.Create(prefix + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		module func(testing.TB) *modfile.Module
		// source turns the first export into what is imported.
		source func(t *testing.T, exported string) string
	}{
		{"folder", sampleModule, func(t *testing.T, dir string) string { return dir }},
		{"zip with a top-level folder", sampleModule, func(t *testing.T, dir string) string {
			p := filepath.Join(t.TempDir(), "310100-001.zip")
			zipDir(t, dir, "310100-001/", p)
			return p
		}},
		{"zip with files at the root", sampleModule, func(t *testing.T, dir string) string {
			p := filepath.Join(t.TempDir(), "flat.zip")
			zipDir(t, dir, "", p)
			return p
		}},
		{"bare module.md", withoutAssets, func(t *testing.T, dir string) string {
			return filepath.Join(dir, "module.md")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.module(t)
			first := filepath.Join(t.TempDir(), "first")
			if err := modfile.WriteDir(want, first); err != nil {
				t.Fatal(err)
			}
			got, err := modfile.ReadPath(tt.source(t, first))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("imported module differs:\ngot  %+v\nwant %+v", got, want)
			}
			second := filepath.Join(t.TempDir(), "second")
			if err := modfile.WriteDir(got, second); err != nil {
				t.Fatal(err)
			}
			assertSameTree(t, second, first)
		})
	}
}

func TestGolden(t *testing.T) {
	m := sampleModule(t)
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		if err := modfile.WriteDir(m, golden); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(filepath.Join(golden, "module.md"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Format(sample) is the golden file", func(t *testing.T) {
		got, err := modfile.Format(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("Format differs from %s/module.md (run go test -update):\n%s", golden, got)
		}
	})
	t.Run("Format(Parse(golden)) is the golden file", func(t *testing.T) {
		parsed, err := modfile.Parse("module.md", want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := modfile.Format(parsed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("ReadPath(golden folder) is the sample", func(t *testing.T) {
		got, err := modfile.ReadPath(golden)
		if err != nil {
			t.Fatal(err)
		}
		// The checked-in PNGs were encoded by whichever Go wrote them;
		// compare the text and the asset names only.
		if len(got.Assets) != len(m.Assets) {
			t.Errorf("got %d assets, want %d", len(got.Assets), len(m.Assets))
		}
		for name := range m.Assets {
			if _, ok := got.Assets[name]; !ok {
				t.Errorf("asset %s missing", name)
			}
		}
		got.Assets, m.Assets = nil, nil
		if !reflect.DeepEqual(got, m) {
			t.Errorf("got  %+v\nwant %+v", got, m)
		}
	})
	t.Run("CRLF and a byte order mark read the same", func(t *testing.T) {
		crlf := append([]byte("\ufeff"), bytes.ReplaceAll(want, []byte("\n"), []byte("\r\n"))...)
		parsed, err := modfile.Parse("module.md", crlf)
		if err != nil {
			t.Fatal(err)
		}
		got, err := modfile.Format(parsed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("got:\n%s\nwant:\n%s", got, want)
		}
	})
}

// TestFormatText covers text that is awkward to put in TOML: quotes, runs of
// quotes, backslashes, tabs, control characters, a line "+++", rare CJK.
func TestFormatText(t *testing.T) {
	texts := []string{
		"",
		"喆 堃 𠮷 — 全角　空格",
		`带 "引号" 和 \反斜杠\ 和 """三引号""" 和 '''单引号'''`,
		"第一行\n第二行",
		"结尾换行\n",
		"\n开头换行",
		"+++\n+++ \n +++",
		"行尾反斜杠\\\n下一行",
		"制表\t符\x01控制\x7f",
		"a\"\n\"\"\"\n\"",
		"回车\r单独",
	}
	for _, s := range texts {
		m := &modfile.Module{
			Code: "edge", Title: s + "标题", Summary: s,
			Standard: training.Standard{
				Criteria:     []string{s + "x"},
				ChannelNotes: map[string]string{"online": s},
				Steps:        []training.Step{{Title: "步骤" + s, Detail: s}},
				Materials:    []training.Material{{Name: "材料" + s, Form: training.FormCopy, Count: 1, Notes: s}},
			},
		}
		data, err := modfile.Format(m)
		if err != nil {
			t.Fatalf("Format(%q): %v", s, err)
		}
		got, err := modfile.Parse("module.md", data)
		if err != nil {
			t.Fatalf("Parse(Format(%q)): %v\n%s", s, err, data)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("text %q:\ngot  %+v\nwant %+v\n%s", s, got, m, data)
		}
		again, err := modfile.Format(got)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, data) {
			t.Errorf("text %q: second Format differs:\n%s\n%s", s, again, data)
		}
	}
}

func TestFormatNormalizes(t *testing.T) {
	m := &modfile.Module{
		Code: "crlf", Title: "换行",
		Standard: training.Standard{Steps: []training.Step{{Title: "一", Detail: "第一行\r\n第二行"}}},
		Lessons:  []training.Lesson{{Title: "课", Body: "\r\n\r\n  \n正文\r\n第二行\r\n\r\n"}},
	}
	data, err := modfile.Format(m)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("\r")) {
		t.Errorf("output has CR:\n%q", data)
	}
	got, err := modfile.Parse("module.md", data)
	if err != nil {
		t.Fatal(err)
	}
	if want := "第一行\n第二行"; got.Standard.Steps[0].Detail != want {
		t.Errorf("detail = %q, want %q", got.Standard.Steps[0].Detail, want)
	}
	if want := "正文\n第二行"; got.Lessons[0].Body != want {
		t.Errorf("body = %q, want %q", got.Lessons[0].Body, want)
	}
}

func TestFormatRefuses(t *testing.T) {
	base := func() *modfile.Module {
		return &modfile.Module{Code: "x", Title: "标题", Lessons: []training.Lesson{{Title: "课", Body: "正文"}}}
	}
	tests := []struct {
		name   string
		change func(m *modfile.Module)
		want   string
	}{
		{"no code", func(m *modfile.Module) { m.Code = " " }, "code is required"},
		{"no title", func(m *modfile.Module) { m.Title = "" }, "title is required"},
		{"blank lesson title", func(m *modfile.Module) { m.Lessons[0].Title = " " }, "title is required"},
		{"lesson title on two lines", func(m *modfile.Module) { m.Lessons[0].Title = "一\n二" }, "spans several lines"},
		{"lesson title with spaces around", func(m *modfile.Module) { m.Lessons[0].Title = " 课 " }, "starts or ends with spaces"},
		{"empty body", func(m *modfile.Module) { m.Lessons[0].Body = "\n \n" }, "body is empty"},
		{"heading in body", func(m *modfile.Module) { m.Lessons[0].Body = "正文\n# 另一课" }, "body line 2"},
		{"open fence", func(m *modfile.Module) { m.Lessons[0].Body = "正文\n```go\nx := 1" }, "never closed"},
		{"invalid UTF-8", func(m *modfile.Module) { m.Summary = "\xff" }, "summary: invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.change(m)
			_, err := modfile.Format(m)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
