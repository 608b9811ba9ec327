package training

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
)

// assetPrefix is how lessons refer to the module's uploaded images.
const assetPrefix = "assets/"

// Markdown renders lessons and question texts (GitHub-flavoured Markdown:
// tables, strikethrough, autolinks) to sanitized HTML. Links and images
// written as assets/NAME point to assetBase+NAME; images from anywhere else
// are dropped (their alt text stays), so a lesson cannot pull in outside
// content. Raw HTML goes through bluemonday's user-content policy: no
// script, no event handlers, no javascript: URLs.
//
// Building the parser and the sanitizer policy costs far more than
// rendering a question, and an exam page shows the same questions to
// everyone, so a Markdown holds both and remembers recent results. Build one
// with NewMarkdown and share it; it is safe for concurrent use.
type Markdown struct {
	md goldmark.Markdown

	mu       sync.Mutex
	policies map[string]*bluemonday.Policy // by asset base; immutable once built
	rendered map[renderKey]template.HTML
}

// renderKey is what a result depends on. The source text is the key, not a
// question or lesson id: a version in use never changes, a draft may, and
// the text says which.
type renderKey struct{ src, base string }

const (
	// maxRendered bounds the remembered results: the questions of the
	// quizzes being taken and the lessons being read, with room to spare.
	maxRendered = 2048
	// maxRenderedSrc is the largest source remembered; longer lessons are
	// rendered each time (they are read, not taken by a crowd at once).
	maxRenderedSrc = 64 << 10
	// maxPolicies bounds the sanitizer policies, one per asset base (module).
	maxPolicies = 64
)

// NewMarkdown returns a renderer.
func NewMarkdown() *Markdown {
	return &Markdown{
		md: goldmark.New(
			goldmark.WithExtensions(extension.GFM),
			goldmark.WithRendererOptions(html.WithUnsafe()), // bluemonday in Render is the gate
		),
		policies: map[string]*bluemonday.Policy{},
		rendered: map[renderKey]template.HTML{},
	}
}

// Render renders src with assets under assetBase (see Markdown).
func (m *Markdown) Render(src, assetBase string) template.HTML {
	k := renderKey{src: src, base: assetBase}
	m.mu.Lock()
	out, ok := m.rendered[k]
	m.mu.Unlock()
	if ok {
		return out
	}
	out = m.render(src, assetBase)
	if len(src) <= maxRenderedSrc {
		m.mu.Lock()
		if len(m.rendered) >= maxRendered {
			// Drop about a tenth, in map order (random enough): a dropped
			// text costs one render on its next use.
			n := maxRendered/10 + 1
			for k := range m.rendered {
				delete(m.rendered, k)
				if n--; n == 0 {
					break
				}
			}
		}
		m.rendered[k] = out
		m.mu.Unlock()
	}
	return out
}

func (m *Markdown) render(src, assetBase string) template.HTML {
	source := []byte(src)
	doc := m.md.Parser().Parse(text.NewReader(source))
	assetLinks{base: assetBase}.Transform(doc.OwnerDocument(), nil, nil)
	var buf bytes.Buffer
	if err := m.md.Renderer().Render(&buf, source, doc); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(m.policy(assetBase).SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitized here
}

// policy returns the sanitizer of assetBase: bluemonday's user-content
// policy that lets image sources through only as the module's assets.
func (m *Markdown) policy(assetBase string) *bluemonday.Policy {
	m.mu.Lock()
	p := m.policies[assetBase]
	m.mu.Unlock()
	if p != nil {
		return p
	}
	// Built outside the lock (it takes a while); two racing builds of the
	// same base are equal, the later one stays.
	p = bluemonday.UGCPolicy()
	p.RewriteSrc(func(u *url.URL) {
		if nu, ok := assetURL(u.String(), assetBase); ok {
			*u = *nu
			return
		}
		*u = url.URL{}
	})
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.policies) >= maxPolicies {
		clear(m.policies)
	}
	m.policies[assetBase] = p
	return p
}

// rewriteAsset maps assets/NAME (or ./assets/NAME) to base+NAME and leaves
// other destinations alone.
func rewriteAsset(dest, base string) string {
	d := strings.TrimPrefix(dest, "./")
	if base != "" && strings.HasPrefix(d, assetPrefix) && len(d) > len(assetPrefix) {
		return base + d[len(assetPrefix):]
	}
	return dest
}

// assetURL returns the URL of an image source if it is allowed: an asset of
// the module, under base.
func assetURL(src, base string) (*url.URL, bool) {
	if base == "" {
		return nil, false
	}
	src = rewriteAsset(src, base)
	if !strings.HasPrefix(src, base) || strings.Contains(src[len(base):], "..") {
		return nil, false
	}
	u, err := url.Parse(src)
	if err != nil {
		return nil, false
	}
	return u, true
}

// assetLinks rewrites assets/NAME destinations and drops images that are
// not the module's assets, keeping their alt text.
type assetLinks struct{ base string }

// Transform implements parser.ASTTransformer.
func (t assetLinks) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var drop []*ast.Image
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Link:
			v.Destination = []byte(rewriteAsset(string(v.Destination), t.base))
		case *ast.Image:
			if u, ok := assetURL(string(v.Destination), t.base); ok {
				v.Destination = []byte(u.String())
			} else {
				drop = append(drop, v)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, img := range drop {
		parent := img.Parent()
		if parent == nil {
			continue
		}
		for c := img.FirstChild(); c != nil; {
			next := c.NextSibling()
			parent.InsertBefore(parent, img, c)
			c = next
		}
		parent.RemoveChild(parent, img)
	}
}
