package training

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// assetPrefix is how lessons refer to the module's uploaded images.
const assetPrefix = "assets/"

// RenderMarkdown renders a lesson (GitHub-flavoured Markdown: tables,
// strikethrough, autolinks) to sanitized HTML. Links and images written as
// assets/NAME point to assetBase+NAME; images from anywhere else are
// dropped (their alt text stays), so a lesson cannot pull in outside
// content. Raw HTML goes through bluemonday's user-content policy: no
// script, no event handlers, no javascript: URLs.
func RenderMarkdown(src, assetBase string) template.HTML {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(assetLinks{base: assetBase}, 100))),
		goldmark.WithRendererOptions(html.WithUnsafe()), // bluemonday below is the gate
	)
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	p := bluemonday.UGCPolicy()
	p.RewriteSrc(func(u *url.URL) {
		if nu, ok := assetURL(u.String(), assetBase); ok {
			*u = *nu
			return
		}
		*u = url.URL{}
	})
	return template.HTML(p.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitized just above
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
