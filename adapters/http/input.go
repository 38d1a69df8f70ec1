package httpapi

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/domain"
)

// Input no database can store, refused at the edge so that every backend answers
// alike. PostgreSQL refuses a NUL byte in text, SQLite's driver cuts or refuses
// it, MariaDB compares it: without this check one request answers 500 on one
// backend and 401 on another. The other C0 controls and DEL are refused with NUL:
// no field of the API has a use for them, and in a stored name or address they
// hide, reorder or break what a log line or a mail shows.

// hasControl reports whether s holds a C0 control character (U+0000–U+001F) or DEL.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// controlCharacters is the field error for a string holding a control character.
func controlCharacters(field string) domain.FieldError {
	return domain.FieldError{Field: field, Code: "invalid_characters",
		Message: "This field must not contain control characters (U+0000 to U+001F, U+007F)."}
}

// checkStrings walks the decoded request body dst and returns validation_failed
// naming, by their JSON names, the string fields that hold a control character. The
// walk follows structs, pointers, slices and maps, so a new request type is covered
// without a line of its own.
func checkStrings(dst any) error {
	var fields []domain.FieldError
	walkStrings(reflect.ValueOf(dst), "", func(field, s string) {
		if hasControl(s) {
			fields = append(fields, controlCharacters(field))
		}
	})
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	return nil
}

// walkStrings calls visit with the dotted JSON path of every string in v.
func walkStrings(v reflect.Value, path string, visit func(path, s string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, visit)
		}
	case reflect.String:
		visit(path, v.String())
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, ok := jsonName(f)
			switch {
			case !ok:
			case f.Anonymous && name == "":
				walkStrings(v.Field(i), path, visit) // embedded: its fields are promoted
			default:
				if name == "" {
					name = f.Name
				}
				walkStrings(v.Field(i), joinPath(path, name), visit)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkStrings(v.Index(i), joinPath(path, strconv.Itoa(i)), visit)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			key := iter.Key()
			if key.Kind() == reflect.String && hasControl(key.String()) {
				visit(path, key.String()) // a key is not named: it is the bad part
				continue
			}
			walkStrings(iter.Value(), joinPath(path, key.String()), visit)
		}
	}
}

// jsonName returns the name encoding/json gives f ("" for the Go name) and
// whether encoding/json decodes into it at all.
func jsonName(f reflect.StructField) (string, bool) {
	if !f.IsExported() && !f.Anonymous {
		return "", false
	}
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	return name, true
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// refuseControlTarget refuses a request whose path or query holds a control
// character once percent-decoded (/v1/users/%00, ?cursor=%00) before any handler
// or store sees it. A path answers 404 not_found: no resource has such a name, and
// it is what a client already expects of an id that names nothing. A query value
// answers 422 validation_failed naming the parameter, as a malformed cursor or
// limit does; a query name with one is 400 invalid_request (a name is not echoed).
func refuseControlTarget(c *fiber.Ctx) error {
	uri := c.Request().URI()
	if hasControl(string(uri.Path())) || hasControl(string(uri.PathOriginal())) {
		return domain.Errorf(domain.CodeNotFound, "No resource has a name containing control characters.")
	}
	var bad error
	var fields []domain.FieldError
	uri.QueryArgs().VisitAll(func(key, value []byte) {
		switch {
		case hasControl(string(key)):
			bad = domain.Errorf(domain.CodeInvalidRequest, "A query parameter name contains control characters.")
		case hasControl(string(value)):
			fields = append(fields, controlCharacters(string(key)))
		}
	})
	switch {
	case bad != nil:
		return bad
	case len(fields) > 0:
		return domain.Invalid(fields...)
	}
	return c.Next()
}
