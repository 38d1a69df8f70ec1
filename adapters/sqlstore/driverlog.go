package sqlstore

import (
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/go-sql-driver/mysql"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
)

// libraryLogs is where the SQL libraries' own log lines go: the logger SetLogger
// chose, or slog.Default().
var libraryLogs struct {
	logger atomic.Pointer[slog.Logger]
}

// init points go-sql-driver/mysql and bun at libraryLogger before any goroutine
// runs. Their loggers are plain package variables that the drivers read without a
// lock (mysql.NewConfig reads it on every DSN parse), so setting them later, while
// another goroutine opens a connection, is a data race.
func init() {
	_ = mysql.SetLogger(libraryLogger{source: "mysql"}) // errors only on nil
	bun.SetLogger(libraryLogger{source: "bun"})
}

// SetLogger routes the log lines of the SQL libraries — go-sql-driver/mysql's (a
// connection lost mid-packet, a malformed packet) and bun's — into logger, as WARN
// records whose "source" attribute names the library, instead of the plain-text
// lines they print on stderr by default (which break a JSON log). The libraries'
// loggers are process-wide and installed at package init; SetLogger only changes
// where their lines go, safely at any time. A nil logger means slog.Default().
func SetLogger(logger *slog.Logger) {
	libraryLogs.logger.Store(logger)
}

// libraryLogger is both go-sql-driver/mysql's Logger and bun's Logging.
type libraryLogger struct{ source string }

// Print logs one go-sql-driver/mysql line ("packets.go:58 unexpected EOF").
func (l libraryLogger) Print(v ...any) { l.log(fmt.Sprint(v...)) }

// Printf logs one bun line.
func (l libraryLogger) Printf(format string, v ...any) { l.log(fmt.Sprintf(format, v...)) }

func (l libraryLogger) log(msg string) {
	logger := libraryLogs.logger.Load()
	if logger == nil {
		logger = slog.Default()
	}
	logger.Warn(strings.TrimSpace(msg), "source", l.source)
}

// mysqlDialect is bun's MySQL dialect with a quiet version probe. bun's Init asks
// the server for its version (to enable MariaDB's and MySQL 8's extra features) and
// reports a failure through the standard log package, in plain text; this one
// probes first and reports a failure through libraryLogger, keeping the baseline
// features as bun does then.
type mysqlDialect struct{ *mysqldialect.Dialect }

// Init probes the server's version and, when it answers, lets bun's dialect read it.
func (d mysqlDialect) Init(db *sql.DB) {
	var version string
	if err := db.QueryRow("SELECT version()").Scan(&version); err != nil {
		libraryLogger{source: "bun"}.log("cannot read the MySQL server version (baseline features until restart): " + err.Error())
		return
	}
	d.Dialect.Init(db)
}
