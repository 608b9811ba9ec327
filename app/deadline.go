package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// deadline bounds the work of a request to Config.RequestTimeout. Without
// it a handler waits as long as the database pool makes it, even after its
// client has given up: under a crowd, work nobody waits for anymore delays
// the requests somebody still waits for. Every store call takes
// c.UserContext(), so they all stop at the deadline; the request then
// fails with 503 (statusOf).
func (a *App) deadline(c *fiber.Ctx) error {
	if a.cfg.RequestTimeout <= 0 {
		return c.Next()
	}
	parent := c.UserContext()
	ctx, cancel := context.WithTimeout(parent, a.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	err := c.Next()
	// The error page may still read the database.
	c.SetUserContext(parent)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !errors.Is(err, context.DeadlineExceeded) {
		// The drivers report an interrupted query in their own words; past
		// the deadline, the deadline is the cause.
		err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	}
	return err
}
