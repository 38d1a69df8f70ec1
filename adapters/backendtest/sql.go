package backendtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	tcmysql "github.com/testcontainers/testcontainers-go/modules/mysql"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/authd/authd/adapters/sqlstore"
	"github.com/authd/authd/ports"
)

// The SQL backends. SQLite needs nothing but a temporary directory; PostgreSQL and
// MySQL come from AUTH_TEST_POSTGRES_URL / AUTH_TEST_MYSQL_URL (an account allowed to
// create databases) or else from one testcontainers-go container per test binary.
// Every test gets its own database, dropped when the test ends, because CI servers
// keep their state between runs.
func init() {
	Register(Provider{Name: "sqlite", URL: sqliteURL, Open: openSQL, Via: func() string { return "in-process" }})
	Register(Provider{Name: "postgres", URL: postgresURL, Open: openSQL, Via: func() string { return pgServer.via }})
	Register(Provider{Name: "mysql", URL: mysqlURL, Open: openSQL, Via: func() string { return myServer.via }})
}

// Container images used when no server URL is given; AUTH_TEST_POSTGRES_IMAGE and
// AUTH_TEST_MYSQL_IMAGE name others. PostgreSQL is the major version CI tests
// (Debian 12's 15); MySQL is MySQL, where CI runs MariaDB 10.11.
const (
	postgresImage = "postgres:15-alpine"
	mysqlImage    = "mysql:8.4"
)

// adminTimeout bounds creating or dropping one test database.
const adminTimeout = 30 * time.Second

// openSQL opens a SQL store and migrates it, as `authd serve` does at start.
func openSQL(ctx context.Context, url string) (ports.Backend, error) {
	s, err := sqlstore.Open(ctx, url, sqlstore.Options{})
	return migrated(ctx, s, err)
}

// sqliteURL returns a database file in t's temporary directory.
func sqliteURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "authd.db")
}

// server is the admin URL of a database server, found once per test binary.
type server struct {
	local    localServer // its variable and usual local address
	imageVar string      // the variable that names its container image
	official string      // the image otherwise
	once     sync.Once
	url      string
	via      string // how it was reached, for the report: viaURL or viaContainer
	err      error
}

var (
	pgServer = server{local: localServers["postgres"], imageVar: "AUTH_TEST_POSTGRES_IMAGE", official: postgresImage}
	myServer = server{local: localServers["mysql"], imageVar: "AUTH_TEST_MYSQL_IMAGE", official: mysqlImage}
)

// get returns the server's admin URL: from its AUTH_TEST_* variable, else from
// start (a container of the given image), remembering the outcome for later tests.
// When neither works, the error says so — and, if a server answers on the usual
// local port, how to use it.
func (s *server) get(start func(ctx context.Context, image string) (string, error)) (string, error) {
	s.once.Do(func() {
		if v := strings.TrimSpace(os.Getenv(s.local.envVar)); v != "" {
			s.url, s.via = v, viaURL(s.local.envVar)
			return
		}
		image := containerImage(s.imageVar, s.official)
		ctx, cancel := context.WithTimeout(context.Background(), containerStartTimeout)
		defer cancel()
		s.url, s.err = startContainer(ctx, func(ctx context.Context) (string, error) { return start(ctx, image) })
		if s.err != nil {
			s.err = errors.New(noServerReason(s.local, fmt.Errorf("%s: %w", image, s.err)))
			return
		}
		s.via = viaContainer(image)
	})
	return s.url, s.err
}

// postgresURL creates a fresh database on the PostgreSQL server.
func postgresURL(t testing.TB) string {
	t.Helper()
	admin, err := pgServer.get(startPostgres)
	if err != nil {
		Unavailable(t, "postgres", err.Error())
		return ""
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("backendtest: AUTH_TEST_POSTGRES_URL is not a URL")
	}
	name := uniqueName()
	withAdminDB(t, "postgres", "pgx", admin, `CREATE DATABASE "`+name+`"`)
	t.Cleanup(func() {
		withAdminDB(t, "postgres", "pgx", admin, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`)
	})
	u.Path = "/" + name
	return u.String()
}

// mysqlURL creates a fresh database on the MySQL/MariaDB server.
func mysqlURL(t testing.TB) string {
	t.Helper()
	admin, err := myServer.get(startMySQL)
	if err != nil {
		Unavailable(t, "mysql", err.Error())
		return ""
	}
	u, err := url.Parse(admin)
	if err != nil || u.Host == "" {
		t.Fatalf("backendtest: AUTH_TEST_MYSQL_URL is not a mysql://user:pass@host:port/db URL")
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.Port() == "" {
		cfg.Addr += ":3306"
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.Timeout = 5 * time.Second
	dsn := cfg.FormatDSN()
	name := uniqueName()
	withAdminDB(t, "mysql", "mysql", dsn, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
	t.Cleanup(func() { withAdminDB(t, "mysql", "mysql", dsn, "DROP DATABASE IF EXISTS `"+name+"`") })
	u.Path = "/" + name
	return u.String()
}

// withAdminDB runs one administrative statement on the server. A server that
// cannot be reached makes the backend unavailable (skip, or fail under
// AUTH_TEST_REQUIRE_ALL); any other failure fails the test.
func withAdminDB(t testing.TB, backend, driver, dsn, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("backendtest: %s: open admin connection: %v", backend, err)
	}
	defer func() { _ = db.Close() }()
	if err := db.PingContext(ctx); err != nil {
		Unavailable(t, backend, fmt.Sprintf("cannot reach the server: %v", err))
		return
	}
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		t.Fatalf("backendtest: %s: %s: %v", backend, strings.Fields(stmt)[0], err)
	}
}

// uniqueName returns a database name no other test run uses.
func uniqueName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "authd_test_" + hex.EncodeToString(b)
}

// startPostgres starts a PostgreSQL container and returns its admin URL.
func startPostgres(ctx context.Context, image string) (string, error) {
	c, err := tcpostgres.Run(ctx, image,
		tcpostgres.WithDatabase("postgres"),
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword("postgres"),
		tcpostgres.BasicWaitStrategies())
	if err != nil {
		return "", failedStart(c, err)
	}
	return c.ConnectionString(ctx, "sslmode=disable")
}

// startMySQL starts a MySQL container and returns its admin URL in authd's
// mysql:// form.
func startMySQL(ctx context.Context, image string) (string, error) {
	c, err := tcmysql.Run(ctx, image,
		tcmysql.WithDatabase("test"),
		tcmysql.WithUsername("root"),
		tcmysql.WithPassword("test"))
	if err != nil {
		return "", failedStart(c, err)
	}
	dsn, err := c.ConnectionString(ctx)
	if err != nil {
		return "", err
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	u := url.URL{Scheme: "mysql", User: url.UserPassword(cfg.User, cfg.Passwd), Host: cfg.Addr, Path: "/" + cfg.DBName}
	return u.String(), nil
}
