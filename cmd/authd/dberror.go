package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
)

// databaseError explains a failure to open or migrate the database at start in
// terms an operator can act on: the variable (AUTH_DATABASE_URL), the target with
// any password masked, the underlying cause once (not wrapped in the store's
// "unavailable" and the driver's retries), and a hint about what to check.
func databaseError(cfg Config, action string, err error) error {
	t := describeDatabase(cfg.DatabaseURL)
	return fmt.Errorf("AUTH_DATABASE_URL=%s: cannot %s the %s: %s\n  hint: %s",
		t.shown, action, t.what, rootCause(err), t.hint)
}

// databaseTarget is how a database URL is named in an error.
type databaseTarget struct {
	shown string // the URL without password or query parameters
	what  string // "PostgreSQL database "db" on 127.0.0.1:5432"
	hint  string // what to check
}

// describeDatabase names the database raw points at without repeating a secret:
// userinfo passwords are masked by redactURL and query parameters (which may carry
// a password, e.g. postgres' ?password=) are left out, except DynamoDB's region
// and endpoint.
func describeDatabase(raw string) databaseTarget {
	scheme, rest, _ := strings.Cut(raw, "://")
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3":
		path, _, _ := strings.Cut(rest, "?")
		if path == ":memory:" {
			return databaseTarget{shown: scheme + "://:memory:", what: "in-memory SQLite database", hint: "an in-memory database needs no file; see the cause"}
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = path
		}
		return databaseTarget{
			shown: scheme + "://" + path,
			what:  fmt.Sprintf("SQLite database file %s", abs),
			hint:  fmt.Sprintf("does the directory %s exist, and may this user create and write files in it?", filepath.Dir(abs)),
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return databaseTarget{shown: redactURL(raw), what: "database", hint: "AUTH_DATABASE_URL is not a valid URL"}
	}
	q := u.Query()
	u.RawQuery, u.Fragment = "", ""
	shown := redactURL(u.String())
	db := strings.TrimPrefix(u.Path, "/")
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		addr := hostPort(u, "5432")
		return databaseTarget{shown: shown,
			what: fmt.Sprintf("PostgreSQL database %q on %s", db, addr),
			hint: fmt.Sprintf("is the PostgreSQL server running and reachable from here at %s? Are the user, password and database in the URL right?", addr)}
	case "mysql", "mariadb":
		addr := hostPort(u, "3306")
		return databaseTarget{shown: shown,
			what: fmt.Sprintf("MySQL database %q on %s", db, addr),
			hint: fmt.Sprintf("is the MySQL/MariaDB server running and reachable from here at %s? Are the user, password and database in the URL right?", addr)}
	case "dynamodb":
		where := "the AWS default endpoint"
		if e := q.Get("endpoint"); e != "" {
			where = e
		}
		region := q.Get("region")
		if region == "" {
			region = "from the AWS chain"
		}
		return databaseTarget{shown: shown,
			what: fmt.Sprintf("DynamoDB table %q (region %s, endpoint %s)", u.Host, region, where),
			hint: "check the region, the endpoint (is DynamoDB Local running there?) and the AWS credentials (AWS_* variables, shared config or the instance role) and that they allow the table's actions"}
	}
	return databaseTarget{shown: shown, what: "database", hint: "use a sqlite://, postgres://, mysql:// or dynamodb:// URL"}
}

// hostPort returns u's host:port, with def as the port when the URL has none.
func hostPort(u *url.URL, def string) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), def)
}

// rootCause is the innermost message of err worth showing: the store's
// domain.Error wrapper, the driver's "failed to connect" frame and its retries
// (pgx tries TLS and then plain, reporting both) are peeled off down to the
// network error or the driver's own error.
func rootCause(err error) string {
	for {
		if _, ok := err.(*net.OpError); ok {
			return err.Error()
		}
		var next error
		switch e := err.(type) {
		case interface{ Unwrap() []error }:
			if errs := e.Unwrap(); len(errs) > 0 {
				next = errs[0]
			}
		default:
			next = errors.Unwrap(err)
		}
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
