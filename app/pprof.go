package app

import (
	"net/http/pprof"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
)

// The Go profiler lives under /admin/debug/pprof/, so the administrators'
// /admin/* policy covers it like any admin page. net/http/pprof also
// registers itself on http.DefaultServeMux when imported; the server never
// serves that mux, so only these routes expose it.

// pprofIndex lists the profiles. Its links are relative, so it must be
// served with the trailing slash.
func (a *App) pprofIndex(c *fiber.Ctx) error {
	if !strings.HasSuffix(c.Path(), "/") {
		return c.Redirect(c.Path()+"/", fiber.StatusMovedPermanently)
	}
	return adaptor.HTTPHandlerFunc(pprof.Index)(c)
}

// pprofProfile serves one profile: profile (CPU, ?seconds=N, default 30,
// keep it under the server's 60 s write timeout), trace, symbol, or a
// runtime/pprof profile (heap, goroutine, allocs, block, mutex,
// threadcreate). cmdline is left out on purpose: the command line may hold
// the database URL with its password (--db).
func (a *App) pprofProfile(c *fiber.Ctx) error {
	switch name := c.Params("name"); name {
	case "profile":
		return adaptor.HTTPHandlerFunc(pprof.Profile)(c)
	case "trace":
		return adaptor.HTTPHandlerFunc(pprof.Trace)(c)
	case "symbol":
		return adaptor.HTTPHandlerFunc(pprof.Symbol)(c)
	case "allocs", "block", "goroutine", "heap", "mutex", "threadcreate":
		return adaptor.HTTPHandler(pprof.Handler(name))(c)
	}
	return fiber.ErrNotFound
}
