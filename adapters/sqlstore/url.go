package sqlstore

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

// dialect names the SQL family a URL selects.
type dialect string

// The supported dialects.
const (
	dialectSQLite   dialect = "sqlite"
	dialectPostgres dialect = "postgres"
	dialectMySQL    dialect = "mysql"
)

// connectTimeout bounds how long one connection attempt may take when the URL does
// not say, so that a dead server yields "unavailable" quickly instead of hanging a
// request for the kernel's TCP timeout.
const connectTimeout = 5 * time.Second

// target is a parsed AUTH_DATABASE_URL: which dialect, which database/sql driver,
// and the driver's own data source name.
type target struct {
	dialect dialect
	driver  string // database/sql driver name
	dsn     string
	memory  bool // SQLite in-memory database: lives only as long as its one connection
}

// parseURL turns an AUTH_DATABASE_URL into a driver and DSN. The scheme chooses the
// dialect; everything driver-specific stays in this one place.
func parseURL(raw string) (target, error) {
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok {
		return target{}, fmt.Errorf("sqlstore: database URL %q has no scheme (want sqlite://, postgres:// or mysql://)", redact(raw))
	}
	switch strings.ToLower(scheme) {
	case "sqlite", "sqlite3":
		return parseSQLite(raw[len(scheme)+3:])
	case "postgres", "postgresql":
		return parsePostgres(raw)
	case "mysql", "mariadb":
		return parseMySQL(raw)
	default:
		return target{}, fmt.Errorf("sqlstore: unsupported database URL scheme %q (want sqlite, postgres or mysql)", scheme)
	}
}

// parseSQLite builds a modernc.org/sqlite DSN. rest is everything after
// "sqlite://": a relative path ("authd.db"), an absolute one ("/var/lib/authd.db",
// from "sqlite:///var/lib/authd.db") or ":memory:", optionally followed by driver
// parameters ("?_synchronous=NORMAL").
//
// The parameters this adapter depends on are forced: foreign keys (cascading
// deletes), immediate transactions (a write transaction takes the write lock at
// BEGIN, so it can wait on the busy timeout instead of failing with "database is
// locked" when it later tries to write), and for files WAL and a busy timeout unless
// the URL sets its own.
func parseSQLite(rest string) (target, error) {
	path, rawQuery, _ := strings.Cut(rest, "?")
	if path == "" {
		return target{}, fmt.Errorf("sqlstore: sqlite URL has no path (want sqlite://authd.db, sqlite:///abs/path.db or sqlite://:memory:)")
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return target{}, fmt.Errorf("sqlstore: sqlite URL parameters: %w", err)
	}
	memory := path == ":memory:"
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	if q.Get("_busy_timeout") == "" && q.Get("_timeout") == "" {
		q.Set("_busy_timeout", "10000")
	}
	if !memory && q.Get("_journal_mode") == "" && q.Get("_journal") == "" {
		q.Set("_journal_mode", "WAL")
	}
	return target{dialect: dialectSQLite, driver: "sqlite", dsn: path + "?" + q.Encode(), memory: memory}, nil
}

// parsePostgres validates a libpq-style URL with pgx, which takes it as is, and adds
// a connect timeout unless the URL has one.
func parsePostgres(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("sqlstore: the postgres URL is not a valid URL")
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", fmt.Sprint(int(connectTimeout/time.Second)))
	}
	u.RawQuery = q.Encode()
	if _, err := pgx.ParseConfig(u.String()); err != nil {
		return target{}, fmt.Errorf("sqlstore: postgres URL %q: %w", redact(raw), redactErr(err, raw))
	}
	return target{dialect: dialectPostgres, driver: "pgx", dsn: u.String()}, nil
}

// parseMySQL converts mysql://user:pass@host:3306/db?param=v into a
// go-sql-driver/mysql DSN. Query parameters are passed to the driver (tls=true,
// readTimeout=5s, ...); the ones the adapter depends on are forced: parseTime with
// UTC (timestamps round-trip as UTC), clientFoundRows (an UPDATE that matches a row
// but changes nothing still counts as found, so "not found" is never a false alarm).
func parseMySQL(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("sqlstore: the mysql URL is not a valid URL")
	}
	host := u.Host
	if host == "" {
		return target{}, fmt.Errorf("sqlstore: mysql URL %q has no host", redact(raw))
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(strings.Trim(host, "[]"), "3306")
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return target{}, fmt.Errorf("sqlstore: mysql URL %q must name one database (mysql://user:pass@host:3306/db)", redact(raw))
	}
	base := "tcp(" + host + ")/" + db
	if u.RawQuery != "" {
		base += "?" + u.RawQuery
	}
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		return target{}, fmt.Errorf("sqlstore: mysql URL %q: %w", redact(raw), err)
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.ClientFoundRows = true
	if cfg.Timeout == 0 {
		cfg.Timeout = connectTimeout
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	// Session time zone UTC, so NOW() and any server-side conversion agree with
	// the UTC values the adapter writes.
	cfg.Params["time_zone"] = "'+00:00'"
	return target{dialect: dialectMySQL, driver: "mysql", dsn: cfg.FormatDSN()}, nil
}

// redact hides the password of a URL so that error messages and logs never carry it.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unparsable URL)"
		}
		return raw
	}
	return u.Redacted()
}

// redactErr strips a URL's password from an error that may quote the URL.
func redactErr(err error, raw string) error {
	u, perr := url.Parse(raw)
	if perr != nil || u.User == nil {
		return err
	}
	if p, ok := u.User.Password(); ok && p != "" && strings.Contains(err.Error(), p) {
		return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}
