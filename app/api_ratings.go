package app

import (
	"bytes"
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/ratings"
)

// apiRatingsIngest receives a batch of citizen ratings from the upstream
// good/bad-review system (bearer token, role rating_feed). A batch with any
// invalid rating is refused whole (422, every error with its index and
// field); known external ids count as duplicates, not errors.
func (a *App) apiRatingsIngest(c *fiber.Ctx) error {
	in, err := ratings.DecodeBatch(bytes.NewReader(c.Body()))
	if err == nil {
		var res *ratings.IngestResult
		res, err = a.ratings.Ingest(c.UserContext(), principal(c).CenterID, in, ratings.SourceAPI)
		if err == nil {
			a.metrics.ratingsStored("api", res.Imported)
			a.requestLog(c).Info("ratings ingested", slog.String("subject", principal(c).Subject),
				slog.Int("imported", res.Imported), slog.Int("duplicates", res.Duplicates))
			return c.JSON(res)
		}
	}
	var be *ratings.BatchError
	switch {
	case errors.Is(err, ratings.ErrTooLarge):
		return fiber.NewError(fiber.StatusRequestEntityTooLarge, err.Error())
	case errors.As(err, &be):
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": be.Errors})
	}
	return err
}
