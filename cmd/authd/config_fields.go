package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/caarlos0/env/v11"
)

// configField describes one Config field: its Go name, its variable, its default,
// and whether its value may be shown.
type configField struct {
	name   string // Go field name, as env.ParseError reports it
	key    string // AUTH_… variable
	def    string // envDefault
	secret string // "" (shown), "true" (never shown) or "url" (password masked)
	typ    reflect.Type
}

// configFields lists Config's fields in declaration order.
func configFields() []configField {
	t := reflect.TypeFor[Config]()
	fields := make([]configField, 0, t.NumField())
	for i := range t.NumField() {
		sf := t.Field(i)
		fields = append(fields, configField{
			name:   sf.Name,
			key:    envPrefix + sf.Tag.Get("env"),
			def:    sf.Tag.Get("envDefault"),
			secret: sf.Tag.Get("secret"),
			typ:    sf.Type,
		})
	}
	return fields
}

// flattenEnvError unpacks env's AggregateError into its parts.
func flattenEnvError(err error) []error {
	var agg env.AggregateError
	if errors.As(err, &agg) {
		return agg.Errors
	}
	return []error{err}
}

// fieldByName finds the field an env.ParseError is about.
func fieldByName(fields []configField, err error) (configField, bool) {
	var pe env.ParseError
	if !errors.As(err, &pe) {
		return configField{}, false
	}
	for _, f := range fields {
		if f.name == pe.Name {
			return f, true
		}
	}
	return configField{}, false
}

// parseError rewrites env's "parse error on field …" into "AUTH_X: invalid
// duration "abc"", naming the variable and, unless it is secret, the value.
func (f configField) parseError(value string, err error) error {
	var what string
	switch f.typ {
	case reflect.TypeFor[time.Duration]():
		what = "invalid duration"
	case reflect.TypeFor[int]():
		what = "invalid integer"
	case reflect.TypeFor[bool]():
		what = "invalid boolean (want true or false)"
	case reflect.TypeFor[ByteSize]():
		what = "invalid size (want e.g. 65536, 64KiB or 1MB)"
	case reflect.TypeFor[Base64Key]():
		what = "not valid base64"
	default:
		var pe env.ParseError
		if errors.As(err, &pe) {
			what = pe.Err.Error()
		} else {
			what = err.Error()
		}
	}
	if f.secret != "" {
		return fmt.Errorf("%s: %s", f.key, what)
	}
	return fmt.Errorf("%s: %s %q", f.key, what, value)
}

// decodeBase64 accepts the standard and URL alphabets, padded or not, because
// operators paste keys from `openssl rand -base64 32` as often as from tools that
// emit base64url.
func decodeBase64(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	var firstErr error
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		b, err := enc.DecodeString(s)
		if err == nil {
			return b, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}
