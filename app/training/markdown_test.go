package training_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kaoping/kaoping/app/training"
)

func TestRenderMarkdown(t *testing.T) {
	t.Parallel()
	const base = "/modules/etiquette/assets/"
	md := training.NewMarkdown()
	for _, tc := range []struct {
		name    string
		src     string
		want    []string // substrings that must appear
		wantNot []string // substrings that must not
	}{
		{"heading and text", "# 受理\n\n核对**原件**", []string{"<h1", "受理</h1>", "<strong>原件</strong>"}, nil},
		{"script tag", "hi\n\n<script>alert(1)</script>\n\nthere", []string{"hi", "there"}, []string{"<script", "alert(1)"}},
		{"inline script", "a <script>alert(1)</script> b", nil, []string{"<script"}},
		{"event handler", `<img src="assets/x.png" onerror="alert(1)">`, nil, []string{"onerror", "alert"}},
		{"event handler on div", `<div onclick="steal()">x</div>`, []string{"x"}, []string{"onclick", "steal"}},
		{"javascript link", "[click](javascript:alert(1))", []string{"click"}, []string{"javascript:"}},
		{"javascript raw link", `<a href="javascript:alert(1)">x</a>`, nil, []string{"javascript:"}},
		{"javascript upper", "[c](JaVaScRiPt:alert(1))", nil, []string{"avascript:", "alert(1)\""}},
		{"asset image", "![流程](assets/flow.png)", []string{`src="/modules/etiquette/assets/flow.png"`, `alt="流程"`}, []string{`src="assets/`}},
		{"asset image dot slash", "![f](./assets/flow.png)", []string{`src="/modules/etiquette/assets/flow.png"`}, nil},
		{"asset link", "[下载](assets/form.png)", []string{`href="/modules/etiquette/assets/form.png"`}, nil},
		{"raw asset image", `<img src="assets/x.png" alt="x">`, []string{`src="/modules/etiquette/assets/x.png"`}, nil},
		{"outside image dropped", "![追踪](https://evil.example/t.png)", []string{"追踪"}, []string{"evil.example", "<img"}},
		{"data image dropped", "![d](data:image/png;base64,AAAA)", nil, []string{"data:", "<img"}},
		{"raw outside image blanked", `<img src="https://evil.example/t.png">`, nil, []string{"evil.example"}},
		{"traversal image dropped", "![x](assets/../../secret.png)", nil, []string{"secret", "<img"}},
		{"external link kept", "[gov](https://www.gov.cn)", []string{`href="https://www.gov.cn"`, "nofollow"}, nil},
		{"table", "| 材料 | 份数 |\n|---|---|\n| 申请书 | 1 |", []string{"<table>", "<td>申请书</td>"}, nil},
		{"strikethrough", "~~旧规定~~", []string{"<del>旧规定</del>"}, nil},
		{"linkify", "见 https://zwdt.sh.gov.cn 办理", []string{`href="https://zwdt.sh.gov.cn"`}, nil},
		{"iframe", `<iframe src="https://evil.example"></iframe>`, nil, []string{"iframe", "evil"}},
		{"style", `<p style="background:url(javascript:x)">s</p>`, []string{"s"}, []string{"style", "javascript"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(md.Render(tc.src, base))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("output contains %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestMarkdownReuse: one Markdown serves many renders, concurrently, and a
// remembered result never crosses asset bases.
func TestMarkdownReuse(t *testing.T) {
	t.Parallel()
	md := training.NewMarkdown()
	const src = "![流程](assets/flow.png) <img src=\"assets/x.png\">"
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			base := fmt.Sprintf("/modules/m%d/assets/", i%2)
			for range 50 {
				got := string(md.Render(src, base))
				for _, want := range []string{`src="` + base + `flow.png"`, `src="` + base + `x.png"`} {
					if !strings.Contains(got, want) {
						t.Errorf("Render(%q) lacks %q:\n%s", base, want, got)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	// More distinct texts than it remembers: still right.
	for i := range 3000 {
		src := fmt.Sprintf("**%d**", i)
		if got, want := string(md.Render(src, "")), fmt.Sprintf("<p><strong>%d</strong></p>", i); strings.TrimSpace(got) != want {
			t.Fatalf("Render(%q) = %q, want %q", src, got, want)
		}
	}
}
