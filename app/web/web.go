// Package web holds the embedded templates, static assets and message
// catalogs of the user interface, and the translator that reads them.
package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed templates
var templates embed.FS

//go:embed static
var static embed.FS

//go:embed i18n/*.json
var catalogs embed.FS

// Templates returns the template tree (names like "admin/users.html").
func Templates() fs.FS {
	sub, err := fs.Sub(templates, "templates")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// Static returns the static assets (css, js, images).
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	return sub
}

// DefaultLang is the language of a visitor who has not chosen one.
const DefaultLang = "zh-CN"

// Languages lists the supported UI languages; the first is the default.
func Languages() []string { return []string{DefaultLang, "en"} }

// Catalog maps message keys to text for every language.
type Catalog map[string]map[string]string

// LoadCatalog parses the embedded message catalogs.
func LoadCatalog() (Catalog, error) {
	c := Catalog{}
	for _, lang := range Languages() {
		b, err := catalogs.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("web: catalog %s: %w", lang, err)
		}
		c[lang] = m
	}
	return c, nil
}

// Missing lists keys present in one language and absent in another, for tests.
func (c Catalog) Missing() []string {
	all := map[string]bool{}
	for _, m := range c {
		for k := range m {
			all[k] = true
		}
	}
	var out []string
	for lang, m := range c {
		for k := range all {
			if _, ok := m[k]; !ok {
				out = append(out, lang+": "+k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Lang picks a supported language from a cookie or query value; unknown
// values fall back to the default.
func Lang(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	switch {
	case strings.HasPrefix(v, "en"):
		return "en"
	default:
		return DefaultLang
	}
}

// T translates key into lang, formatting args with fmt.Sprintf when given.
// A missing key falls back to the default language, then to the key itself,
// so a forgotten entry is visible but never breaks a page.
func (c Catalog) T(lang, key string, args ...any) string {
	s, ok := c[lang][key]
	if !ok {
		s, ok = c[DefaultLang][key]
	}
	if !ok {
		s = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}
