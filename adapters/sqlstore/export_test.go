package sqlstore

// Test-only views of unexported parts, for the external sqlstore_test package.

// ParsedURL is what parseURL made of a database URL.
type ParsedURL struct {
	Dialect, Driver, DSN string
	Memory               bool
}

// ParseURL exposes parseURL to the URL table test.
func ParseURL(raw string) (ParsedURL, error) {
	t, err := parseURL(raw)
	return ParsedURL{Dialect: string(t.dialect), Driver: t.driver, DSN: t.dsn, Memory: t.memory}, err
}

// Translate exposes the driver-error translation.
var Translate = translate
