package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/domain"
)

// writeJSON sends v as JSON with the given status and media type.
func writeJSON(c *fiber.Ctx, status int, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, contentType)
	return c.Send(b)
}

// sendJSON sends v as application/json.
func sendJSON(c *fiber.Ctx, status int, v any) error {
	return writeJSON(c, status, fiber.MIMEApplicationJSON, v)
}

// decodeJSON reads the request body into dst. An empty body leaves dst at its zero
// value, so the use case's validation names the missing fields. Malformed JSON is
// invalid_request; a value of the wrong type for a field is validation_failed naming
// that field. Unknown fields are ignored on purpose: a client may send more than this
// version reads, and fields such as role or status in a sign-up are simply never
// looked at. A string field holding a control character is validation_failed
// naming it (see checkStrings), whichever backend would have stored it.
func decodeJSON(c *fiber.Ctx, dst any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.CodeInvalidRequest, "The request body must hold exactly one JSON object.")
	}
	return checkStrings(dst)
}

// jsonError classifies a decoding failure.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return domain.Errorf(domain.CodeInvalidRequest, "The request body must be a JSON object.")
		}
		return domain.Invalid(domain.FieldError{
			Field: te.Field, Code: "invalid_type",
			Message: "This field must be " + jsonKind(te.Type.Kind().String()) + ", not " + te.Value + ".",
		})
	}
	return domain.Wrap(domain.CodeInvalidRequest, err, "The request body is not valid JSON.")
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	default:
		if strings.HasPrefix(kind, "int") || strings.HasPrefix(kind, "uint") || strings.HasPrefix(kind, "float") {
			return "a number"
		}
		return "of another type"
	}
}

// requireJSON answers 415 to a request that carries a body in anything but JSON.
// Bodiless requests pass whatever their Content-Type says, so a logout with no body
// or a preflight is never refused. The routes of formRoutes take a form's
// encoding as well.
func requireJSON(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
	default:
		return c.Next()
	}
	if len(c.Body()) == 0 || isJSONMedia(c.Get(fiber.HeaderContentType)) {
		return c.Next()
	}
	if formRoutes[c.Path()] && isFormMedia(c.Get(fiber.HeaderContentType)) {
		return c.Next()
	}
	return domain.Errorf(domain.CodeUnsupportedMediaType, "The request body must be application/json.")
}

// isJSONMedia reports whether a Content-Type names JSON (application/json or a
// +json structured suffix, RFC 6839).
func isJSONMedia(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == fiber.MIMEApplicationJSON || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// formRoutes take application/x-www-form-urlencoded too: the token endpoint, as
// RFC 6749 §4.1.3 has it, so OAuth client libraries work unchanged.
var formRoutes = map[string]bool{"/v1/auth/token": true}

// isFormMedia reports whether a Content-Type is application/x-www-form-urlencoded.
func isFormMedia(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == fiber.MIMEApplicationForm
}
