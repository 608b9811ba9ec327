package app

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// rejectNUL refuses, with 400, any request whose path, query, form fields or
// JSON text carries a NUL character (U+0000). No value of this product may
// contain one, and the database layer refuses it deep inside a query — so it
// is stopped at the door, once, instead of in every handler. File contents
// of multipart uploads are not looked at (binary files contain NULs).
func rejectNUL(c *fiber.Ctx) error {
	uri := c.Request().URI()
	if hasNUL(uri.PathOriginal()) || hasNUL(uri.QueryString()) {
		return nulError()
	}
	ct := strings.ToLower(string(c.Request().Header.ContentType()))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		if hasNUL(c.Body()) {
			return nulError()
		}
	case strings.HasPrefix(ct, fiber.MIMEApplicationJSON):
		b := c.Body()
		if bytes.IndexByte(b, 0) >= 0 || bytes.Contains(bytes.ToLower(b), []byte(`\u0000`)) {
			return nulError()
		}
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		if form, err := c.MultipartForm(); err == nil {
			for _, vs := range form.Value {
				for _, v := range vs {
					if strings.IndexByte(v, 0) >= 0 {
						return nulError()
					}
				}
			}
		}
	}
	return c.Next()
}

// hasNUL finds a raw or percent-encoded NUL.
func hasNUL(b []byte) bool {
	return bytes.IndexByte(b, 0) >= 0 || bytes.Contains(b, []byte("%00"))
}

func nulError() error {
	return fiber.NewError(fiber.StatusBadRequest, "输入含有 NUL 字符 (input contains a NUL character)")
}
