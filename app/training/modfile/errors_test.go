package modfile_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/app/training/modfile"
)

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // the whole message starts with this
	}{
		{"empty file", "", `module.md:1: missing opening "+++"`},
		{"no opening delimiter", lines(`code = "x"`, `title = "标题"`, "+++"), `module.md:1: missing opening "+++"`},
		{"opening delimiter not on line 1", lines("", "+++", `code = "x"`, "+++"), `module.md:1: missing opening "+++"`},
		{"no closing delimiter", lines("+++", `code = "x"`, `title = "标题"`, "", "# 课", "正文"), `module.md:1: missing closing "+++"`},
		{"TOML syntax", lines("+++", `code = "x"`, `title = "标题`, "+++"), "module.md:3: TOML: "},
		{"TOML syntax after a multi-line string", lines("+++", `code = "x"`, `title = "标题"`, `summary = """`, "一", `二"""`, `item_code = = 1`, "+++"), "module.md:7: TOML: "},
		{"duplicate key", lines("+++", `code = "x"`, `title = "标题"`, `code = "y"`, "+++"), "module.md:4: TOML: "},
		{"unknown key", lines("+++", `code = "x"`, `title = "标题"`, `colour = "红"`, "+++"), `module.md:4: unknown key "colour"`},
		{"unknown table", lines("+++", `code = "x"`, `title = "标题"`, "", "[extra]", `a = 1`, "+++"), `module.md:5: unknown key "extra"`},
		{"unknown key in the second step", lines("+++", `code = "x"`, `title = "标题"`,
			"[[steps]]", `title = "一"`, "", "[[steps]]", `title = "二"`, `colour = "红"`, "+++"),
			`module.md:9: unknown key "steps[2].colour"`},
		{"unknown key in a step written inline", lines("+++", `code = "x"`, `title = "标题"`,
			`steps = [{title = "一", colour = "红"}]`, "+++"), `module.md:4: unknown key "steps[1].colour"`},
		{"unknown channel", lines("+++", `code = "x"`, `title = "标题"`, "[channel_notes]", `online = "线上"`, `wechat = "微信"`, "+++"),
			`module.md:6: channel_notes: unknown channel "wechat"`},
		{"string for an integer", lines("+++", `code = "x"`, `title = "标题"`, `validity_months = "十二"`, "+++"),
			"module.md:4: validity_months: want an integer, got a string"},
		{"integer for a string", lines("+++", `code = 310100`, `title = "标题"`, "+++"), "module.md:2: code: want a string, got an integer"},
		{"wrong count in the second material", lines("+++", `code = "x"`, `title = "标题"`,
			"[[materials]]", `name = "申请书"`, `form = "original"`, `count = 1`,
			"[[materials]]", `name = "章程"`, `form = "original"`, `count = "一"`, "+++"),
			"module.md:11: materials[2].count: want an integer, got a string"},
		{"criteria not an array", lines("+++", `code = "x"`, `title = "标题"`, `criteria = "齐全"`, "+++"), "module.md:4: criteria: want an array"},
		{"criteria item not a string", lines("+++", `code = "x"`, `title = "标题"`, "criteria = [", `  "齐全",`, "  2,", "]", "+++"),
			"module.md:4: criteria[2]: want a string, got an integer"},
		{"steps not tables", lines("+++", `code = "x"`, `title = "标题"`, `steps = "一"`, "+++"), "module.md:4: steps: want [[steps]] tables"},
		{"negative validity", lines("+++", `code = "x"`, `title = "标题"`, `validity_months = -1`, "+++"), "module.md:4: validity_months: must be 0"},
		{"missing code", lines("+++", `title = "标题"`, "+++"), "module.md:1: code is required"},
		{"missing title", lines("+++", `code = "x"`, "+++"), "module.md:1: title is required"},
		{"blank title", lines("+++", `code = "x"`, `title = "  "`, "+++"), "module.md:3: title is required"},
		{"bad material form", lines("+++", `code = "x"`, `title = "标题"`,
			"[[materials]]", `name = "申请书"`, `form = "scan"`, `count = 1`, "+++"),
			`module.md:6: materials[1].form: want original, copy, either or both, got "scan"`},
		{"duplicate step", lines("+++", `code = "x"`, `title = "标题"`,
			"[[steps]]", `title = "审核"`, "[[steps]]", `title = "审核"`, "+++"),
			`module.md:7: steps[2].title: duplicate of step 1`},
		{"time limit out of range", lines("+++", `code = "x"`, `title = "标题"`, `time_limit_days = 99999`, "+++"),
			"module.md:4: time_limit_days: must be 0–3650"},
		{"text before the first lesson", lines("+++", `code = "x"`, `title = "标题"`, "+++", "", "导语", "", "# 课", "正文"),
			"module.md:6: text before the first lesson"},
		{"lesson without title", lines("+++", `code = "x"`, `title = "标题"`, "+++", "", "# 课一", "正文", "", "#", "正文"),
			"module.md:9: lesson heading has no title"},
		{"lesson with a blank title", lines("+++", `code = "x"`, `title = "标题"`, "+++", "", "#   ", "正文"),
			"module.md:6: lesson heading has no title"},
		{"empty lesson", lines("+++", `code = "x"`, `title = "标题"`, "+++", "", "# 课一", "", "  ", "# 课二", "正文"),
			`module.md:6: lesson "课一" has no text`},
		{"empty last lesson", lines("+++", `code = "x"`, `title = "标题"`, "+++", "", "# 课一", "正文", "# 课二"),
			`module.md:8: lesson "课二" has no text`},
		{"unclosed code fence", lines("+++", `code = "x"`, `title = "标题"`, "+++", "", "# 课一", "```sh", "# 注释", "", "# 课二", "正文"),
			"module.md:7: code fence is never closed"},
		{"invalid UTF-8", lines("+++", `code = "x"`, `title = "标题"`, "+++", "", "# 课一", "正文\xff"),
			"module.md:7: invalid UTF-8"},
		{"invalid UTF-8 after CRLF lines", "+++\r\ncode = \"x\"\r\ntitle = \"\xe6\xa0\"\r\n+++\r\n",
			"module.md:3: invalid UTF-8"},
		{"CRLF keeps line numbers", strings.ReplaceAll(lines("+++", `code = "x"`, `title = "标题"`, `colour = 1`, "+++"), "\n", "\r\n"),
			`module.md:4: unknown key "colour"`},
		{"BOM keeps line numbers", "\ufeff" + lines("+++", `code = "x"`, `title = "标题"`, `colour = 1`, "+++"),
			`module.md:4: unknown key "colour"`},
		{"first of several errors by line", lines("+++", `code = "x"`, `title = "标题"`, `zz = 1`, `aa = 1`, "+++"),
			`module.md:4: unknown key "zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := modfile.Parse("module.md", []byte(tt.in))
			if err == nil {
				t.Fatalf("got %+v, want error %q", m, tt.want)
			}
			var pe *modfile.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %T %v, want *modfile.ParseError", err, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got  %q\nwant %q…", err, tt.want)
			}
		})
	}
}

func TestParseErrorUnwrapsValidate(t *testing.T) {
	in := lines("+++", `code = "x"`, `title = "标题"`, "[[steps]]", `title = ""`, "+++")
	_, err := modfile.Parse("m.md", []byte(in))
	if !errors.Is(err, training.ErrInvalid) {
		t.Errorf("got %v, want it to match training.ErrInvalid", err)
	}
	if want := "m.md:5: steps[1].title: required"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"no lessons", lines("+++", `code = "etiquette"`, `title = "窗口礼仪"`, "+++")},
		{"no final newline", "+++\ncode = \"x\"\ntitle = \"标题\"\n+++\n# 课\n正文"},
		{"delimiters with trailing spaces", lines("+++ ", `code = "x"`, `title = "标题"`, "+++\t")},
		{"hash without space is text", lines("+++", `code = "x"`, `title = "标题"`, "+++", "# 课", "#话题标签", "正文")},
		{"longer closing fence", lines("+++", `code = "x"`, `title = "标题"`, "+++", "# 课", "```", "# 代码", "`````", "正文")},
		{"indented hash is not a lesson", lines("+++", `code = "x"`, `title = "标题"`, "+++", "# 课", "正文", " # 缩进")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := modfile.Parse("module.md", []byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Lessons) > 1 {
				t.Errorf("got %d lessons, want at most 1: %+v", len(m.Lessons), m.Lessons)
			}
		})
	}
}

// writeSample exports the sample module and returns its folder.
func writeSample(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "310100-001")
	if err := modfile.WriteDir(sampleModule(t), dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// lineOf is the 1-based line of the first line of file containing s.
func lineOf(t *testing.T, file, s string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, ln := range strings.Split(string(data), "\n") {
		if strings.Contains(ln, s) {
			return i + 1
		}
	}
	t.Fatalf("%s: no line with %q", file, s)
	return 0
}

func TestReadPathMissingAsset(t *testing.T) {
	dir := writeSample(t)
	if err := os.Remove(filepath.Join(dir, "assets", "step2.png")); err != nil {
		t.Fatal(err)
	}
	md := filepath.Join(dir, "module.md")
	_, err := modfile.ReadPath(dir)
	want := md + ":" + strconv.Itoa(lineOf(t, md, "assets/step2.png")) + `: lesson "材料审核": missing asset assets/step2.png`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}

	// A bare module.md has no assets at all.
	_, err = modfile.ReadPath(md)
	want = md + ":" + strconv.Itoa(lineOf(t, md, "assets/流程图.png")) + `: lesson "办理流程总览": missing asset assets/流程图.png`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

// entry is one file of a zip built by makeZip.
type entry struct {
	name string
	data []byte
}

func makeZip(t *testing.T, entries ...entry) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "module.zip")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

var minimal = []byte(lines("+++", `code = "x"`, `title = "标题"`, "+++", "", "# 课", "", "正文"))

func TestReadZipRefuses(t *testing.T) {
	big := make([]byte, modfile.MaxFileBytes+1)
	chunk := make([]byte, modfile.MaxFileBytes-1<<20) // 7 MiB: under the per-file cap
	tests := []struct {
		name    string
		entries []entry
		is      error  // errors.Is target, if any
		want    string // substring of the message
	}{
		{"parent directory", []entry{{"module.md", minimal}, {"../evil.png", nil}}, modfile.ErrUnsafePath, `"../evil.png" escapes`},
		{"parent inside the path", []entry{{"m/module.md", minimal}, {"m/assets/../../evil.png", nil}}, modfile.ErrUnsafePath, "escapes"},
		{"absolute path", []entry{{"module.md", minimal}, {"/etc/cron.d/evil", nil}}, modfile.ErrUnsafePath, "escapes"},
		{"backslashes", []entry{{"module.md", minimal}, {`..\evil.png`, nil}}, modfile.ErrUnsafePath, "escapes"},
		{"drive letter", []entry{{"module.md", minimal}, {`C:\evil.png`, nil}}, modfile.ErrUnsafePath, "escapes"},
		{"asset subfolder", []entry{{"module.md", minimal}, {"assets/sub/a.png", []byte("x")}}, modfile.ErrUnsafePath, "subfolders"},
		{"oversized asset", []entry{{"module.md", minimal}, {"assets/big.png", big}}, modfile.ErrTooLarge, "assets/big.png"},
		{"oversized module.md", []entry{{"module.md", big}}, modfile.ErrTooLarge, "module.md"},
		{"too much in all", []entry{{"module.md", minimal},
			{"assets/1.png", chunk}, {"assets/2.png", chunk}, {"assets/3.png", chunk}, {"assets/4.png", chunk},
			{"assets/5.png", chunk}, {"assets/6.png", chunk}, {"assets/7.png", chunk}, {"assets/8.png", chunk},
			{"assets/9.png", chunk}, {"assets/a.png", chunk}}, modfile.ErrTooLarge, "more than 64 MiB"},
		{"no module.md", []entry{{"README.md", []byte("说明")}}, nil, "no module.md"},
		{"two top-level folders", []entry{{"a/module.md", minimal}, {"b/module.md", minimal}}, nil, "found 2 folders"},
		{"module.md too deep", []entry{{"a/b/module.md", minimal}}, nil, "no module.md in a/"},
		{"duplicate entry", []entry{{"module.md", minimal}, {"module.md", minimal}}, nil, "appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := modfile.ReadPath(makeZip(t, tt.entries...))
			if err == nil {
				t.Fatalf("got %+v, want an error", m)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want it to match %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestReadZipLyingHeader: a zip entry whose header claims 10 bytes but
// inflates to 9 MiB is stopped while reading, not trusted.
func TestReadZipLyingHeader(t *testing.T) {
	payload := bytes.Repeat([]byte{0}, modfile.MaxFileBytes+1<<20)
	var deflated bytes.Buffer
	fw, err := flate.NewWriter(&deflated, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(payload)
	fw.Close()

	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("module.md")
	w.Write(minimal)
	w, err = zw.CreateRaw(&zip.FileHeader{
		Name:               "assets/bomb.png",
		Method:             zip.Deflate,
		CRC32:              crc32.ChecksumIEEE(payload),
		CompressedSize64:   uint64(deflated.Len()),
		UncompressedSize64: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(deflated.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "bomb.zip")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if m, err := modfile.ReadPath(p); err == nil {
		t.Fatalf("got %d assets, want an error", len(m.Assets))
	} else {
		t.Log(err)
	}
}

func TestReadZipSkipsClutter(t *testing.T) {
	p := makeZip(t,
		entry{"m/module.md", minimal},
		entry{"m/.DS_Store", []byte{0}},
		entry{"m/assets/.DS_Store", []byte{0}},
		entry{"__MACOSX/m/._module.md", []byte{0}},
		entry{"m/README.md", []byte("说明")},
		entry{"m/assets/", nil},
	)
	m, err := modfile.ReadPath(p)
	if err != nil {
		t.Fatal(err)
	}
	if m.Assets != nil {
		t.Errorf("assets = %v, want none", m.Assets)
	}
}

func TestReadDirRefuses(t *testing.T) {
	t.Run("oversized asset", func(t *testing.T) {
		dir := writeSample(t)
		f, err := os.Create(filepath.Join(dir, "assets", "big.png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(modfile.MaxFileBytes + 1); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if _, err := modfile.ReadPath(dir); !errors.Is(err, modfile.ErrTooLarge) {
			t.Errorf("got %v, want ErrTooLarge", err)
		}
	})
	t.Run("asset subfolder", func(t *testing.T) {
		dir := writeSample(t)
		if err := os.Mkdir(filepath.Join(dir, "assets", "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := modfile.ReadPath(dir); !errors.Is(err, modfile.ErrUnsafePath) {
			t.Errorf("got %v, want ErrUnsafePath", err)
		}
	})
	t.Run("symlink leaving the folder", func(t *testing.T) {
		dir := writeSample(t)
		outside := filepath.Join(t.TempDir(), "secret.png")
		os.WriteFile(outside, []byte("secret"), 0o644)
		if err := os.Symlink(outside, filepath.Join(dir, "assets", "link.png")); err != nil {
			t.Skip(err)
		}
		if _, err := modfile.ReadPath(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("got %v, want a refusal", err)
		}
	})
	t.Run("no module.md", func(t *testing.T) {
		if _, err := modfile.ReadPath(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no module.md") {
			t.Errorf("got %v, want no module.md", err)
		}
	})
	t.Run("hidden files are skipped", func(t *testing.T) {
		dir := writeSample(t)
		os.WriteFile(filepath.Join(dir, "assets", ".DS_Store"), []byte{0}, 0o644)
		m, err := modfile.ReadPath(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Assets) != 2 {
			t.Errorf("got assets %v, want 2", len(m.Assets))
		}
	})
}

func TestWriteDirRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change func(m *modfile.Module)
		is     error
		want   string
	}{
		{"parent directory", func(m *modfile.Module) { m.Assets["../x.png"] = []byte("x") }, modfile.ErrUnsafePath, `"../x.png"`},
		{"absolute path", func(m *modfile.Module) { m.Assets["/tmp/x.png"] = []byte("x") }, modfile.ErrUnsafePath, `"/tmp/x.png"`},
		{"subfolder", func(m *modfile.Module) { m.Assets["a/x.png"] = []byte("x") }, modfile.ErrUnsafePath, `"a/x.png"`},
		{"hidden", func(m *modfile.Module) { m.Assets[".x.png"] = []byte("x") }, nil, "hidden"},
		{"names differing in case", func(m *modfile.Module) { m.Assets["STEP2.png"] = []byte("x") }, nil, "differ only in case"},
		{"too large", func(m *modfile.Module) { m.Assets["big.png"] = make([]byte, modfile.MaxFileBytes+1) }, modfile.ErrTooLarge, "big.png"},
		{"missing asset", func(m *modfile.Module) { delete(m.Assets, "step2.png") }, nil, `lesson "材料审核": missing asset assets/step2.png`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := sampleModule(t)
			tt.change(m)
			dir := filepath.Join(t.TempDir(), "out")
			err := modfile.WriteDir(m, dir)
			if err == nil {
				t.Fatal("got no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want it to match %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("%s was created", dir)
			}
		})
	}

	t.Run("directory not empty", func(t *testing.T) {
		dir := writeSample(t)
		err := modfile.WriteDir(sampleModule(t), dir)
		if !errors.Is(err, modfile.ErrNotEmpty) || !strings.Contains(err.Error(), dir) {
			t.Errorf("got %v, want ErrNotEmpty naming %s", err, dir)
		}
	})
	t.Run("empty directory is fine", func(t *testing.T) {
		if err := modfile.WriteDir(sampleModule(t), t.TempDir()); err != nil {
			t.Error(err)
		}
	})
}
