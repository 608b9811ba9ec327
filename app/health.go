package app

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// healthz answers while the process runs.
func (a *App) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 200 when the database is reachable, 503 otherwise.
func (a *App) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := a.db.PingContext(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "database unreachable"})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
