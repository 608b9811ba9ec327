package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/auth"
	"github.com/kaoping/kaoping/app/followup"
	"github.com/kaoping/kaoping/app/ratings"
	"github.com/kaoping/kaoping/app/scores"
	"github.com/kaoping/kaoping/app/scoring"
	"github.com/kaoping/kaoping/app/staff"
	"github.com/kaoping/kaoping/app/store"
	"github.com/kaoping/kaoping/app/training"
	"github.com/kaoping/kaoping/app/workdays"
	"github.com/kaoping/kaoping/quizzes"
	quizstore "github.com/kaoping/kaoping/quizzes/store"
	"github.com/kaoping/kaoping/rbac"
)

// fieldError is a validation failure of one input field; it becomes 422
// with the field named, in JSON and on pages.
type fieldError struct {
	Field   string
	Message string
}

func (e *fieldError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) error {
	return &fieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// statusOf maps an error to its HTTP status, in one table.
func statusOf(err error) int {
	var fe *fiber.Error
	var fieldErr *fieldError
	switch {
	case errors.As(err, &fe):
		return fe.Code
	case errors.As(err, &fieldErr):
		return fiber.StatusUnprocessableEntity
	case errors.Is(err, context.DeadlineExceeded):
		return fiber.StatusServiceUnavailable // the request ran out of its time (deadline.go)
	case errors.Is(err, store.ErrNotFound):
		return fiber.StatusNotFound
	case errors.Is(err, store.ErrConflict):
		return fiber.StatusConflict
	case errors.Is(err, auth.ErrThrottled):
		return fiber.StatusTooManyRequests
	case errors.Is(err, auth.ErrBadCredentials), errors.Is(err, auth.ErrDisabled):
		return fiber.StatusUnauthorized
	case errors.Is(err, ratings.ErrTooLarge):
		return fiber.StatusRequestEntityTooLarge
	case errors.Is(err, training.ErrSelfApproval), errors.Is(err, followup.ErrForbidden):
		return fiber.StatusForbidden
	case errors.Is(err, followup.ErrState), errors.Is(err, followup.ErrExists), errors.Is(err, followup.ErrLate),
		errors.Is(err, quizstore.ErrDeadlinePassed), errors.Is(err, quizstore.ErrAttemptClosed):
		return fiber.StatusConflict
	case errors.Is(err, training.ErrNotEditable), errors.Is(err, scores.ErrClosed), errors.Is(err, scores.ErrOpen):
		return fiber.StatusConflict
	case errors.Is(err, auth.ErrWeakPassword), errors.Is(err, auth.ErrInvalid),
		errors.Is(err, staff.ErrInvalid), errors.Is(err, rbac.ErrInvalid), errors.Is(err, training.ErrInvalid),
		errors.Is(err, ratings.ErrInvalid), errors.Is(err, workdays.ErrInvalid), errors.Is(err, quizzes.ErrInvalid),
		errors.Is(err, scoring.ErrInvalid), errors.Is(err, followup.ErrInvalid):
		return fiber.StatusUnprocessableEntity
	}
	return fiber.StatusInternalServerError
}

// publicMessage is what the user may see: the error's own text for client
// errors, a generic sentence for server errors (details go to the log).
func publicMessage(err error, status int) string {
	if status == fiber.StatusServiceUnavailable && errors.Is(err, context.DeadlineExceeded) {
		return "the server is too busy to answer in time; please try again"
	}
	if status >= 500 {
		return "internal error"
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "not found"
	case errors.Is(err, store.ErrConflict):
		return "already exists"
	}
	// Domain validation errors read "pkg: field: message"; drop the package.
	msg := err.Error()
	for _, p := range []string{"auth: ", "staff: ", "rbac: ", "channel: ", "training: invalid: ", "training: ", "ratings: ", "workdays: ", "quizzes: invalid: ", "quizzes: ", "scores: ", "followup: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

func fieldOf(err error) string {
	var fe *fieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

// handleError is the one place that decides what a failed request shows.
// Only server errors are logged (once, here, with the request_id).
func (a *App) handleError(c *fiber.Ctx, err error) error {
	status := statusOf(err)
	if status >= 500 {
		a.requestLog(c).Error("request failed", slog.String("method", c.Method()), slog.String("path", c.Path()), slog.Any("err", err))
	}
	msg := publicMessage(err, status)
	var te *auth.ThrottledError
	if errors.As(err, &te) {
		secs := int(te.RetryAfter.Seconds()) + 1
		c.Set(fiber.HeaderRetryAfter, fmt.Sprint(secs))
		msg = a.msgs.T(lang(c), "login.throttled", (secs+59)/60)
	}
	if isAPI(c) || strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON) && !strings.Contains(c.Get(fiber.HeaderAccept), "text/html") {
		body := fiber.Map{"error": msg}
		if f := fieldOf(err); f != "" {
			body["field"] = f
		}
		return c.Status(status).JSON(body)
	}
	if status == fiber.StatusUnauthorized && principal(c) == nil {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	c.Status(status)
	return a.render(c, "error", "error.title", errorPage{Status: status, Message: msg})
}

type errorPage struct {
	Status  int
	Message string
}
