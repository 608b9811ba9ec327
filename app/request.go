package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/kaoping/kaoping/app/audit"
)

// decodeJSON reads a JSON body strictly: the content type must say JSON,
// unknown fields and trailing data are refused, and type errors name the
// field — all as 4xx, never 5xx.
func decodeJSON(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	if !strings.HasPrefix(ct, fiber.MIMEApplicationJSON) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Content-Type must be application/json")
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fiber.NewError(fiber.StatusBadRequest, "unexpected data after the JSON body")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return fiber.NewError(fiber.StatusBadRequest, "empty body")
	case errors.As(err, &syn):
		return fiber.NewError(fiber.StatusBadRequest, fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return invalid(field, "must be %s, not %s", typ.Type.String(), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return invalid(name, "unknown field")
	}
	return fiber.NewError(fiber.StatusBadRequest, "malformed JSON")
}

// entry builds an audit entry for the request's principal.
func (a *App) entry(c *fiber.Ctx, action, target, detail string) audit.Entry {
	e := audit.Entry{Actor: "anonymous", Action: action, Target: target, Detail: detail, IP: c.IP()}
	if p := principal(c); p != nil {
		cid := p.CenterID
		e.CenterID, e.Actor = &cid, p.Name()
	}
	return e
}
