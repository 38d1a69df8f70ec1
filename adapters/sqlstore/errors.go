package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/authd/authd/domain"
)

// How long a client is told to wait: a lost server needs a moment to come back; a
// busy one only to finish what it is doing.
const (
	retryAfterDown = 2 * time.Second
	retryAfterBusy = time.Second
)

// class is what a driver error means to the store, whatever the dialect.
type class int

const (
	classOther       class = iota
	classUnique            // a unique index or primary key already holds the value
	classForeignKey        // the referenced row (a user) does not exist
	classRetryable         // deadlock victim or serialization failure: run it again
	classUnavailable       // the database cannot be reached or refuses work
)

// classify sorts a driver error into a class and, for unique violations, returns the
// name of the violated constraint (PostgreSQL, MySQL) or its columns (SQLite).
func classify(err error) (class, string) {
	var pgErr *pgconn.PgError
	var myErr *mysql.MySQLError
	var liteErr *sqlite.Error
	switch {
	case errors.As(err, &pgErr):
		return classifyPostgres(pgErr)
	case errors.As(err, &myErr):
		return classifyMySQL(myErr)
	case errors.As(err, &liteErr):
		return classifySQLite(liteErr)
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn),
		errors.Is(err, sql.ErrConnDone), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &connectErr), errors.As(err, &netErr), pgconn.Timeout(err):
		return classUnavailable, ""
	}
	return classOther, ""
}

// classifyPostgres reads a PostgreSQL SQLSTATE.
func classifyPostgres(e *pgconn.PgError) (class, string) {
	switch {
	case e.Code == "23505":
		return classUnique, e.ConstraintName
	case e.Code == "23503":
		return classForeignKey, ""
	case e.Code == "40001", e.Code == "40P01":
		return classRetryable, ""
	case strings.HasPrefix(e.Code, "08"), strings.HasPrefix(e.Code, "53"),
		e.Code == "57P01", e.Code == "57P02", e.Code == "57P03", e.Code == "57014":
		// connection exceptions, insufficient resources (too many connections),
		// shutdown, starting up, statement timeout
		return classUnavailable, ""
	}
	return classOther, ""
}

// classifyMySQL reads a MySQL/MariaDB error number. MySQL reports the violated key
// only in its message: "Duplicate entry 'x' for key 'users.users_email_key'".
func classifyMySQL(e *mysql.MySQLError) (class, string) {
	switch e.Number {
	case 1062:
		key := e.Message
		if _, after, ok := strings.Cut(e.Message, "for key '"); ok {
			key = strings.TrimSuffix(after, "'")
		}
		return classUnique, key
	case 1451, 1452:
		return classForeignKey, ""
	case 1213:
		return classRetryable, ""
	case 1040, 1053, 1205, 1044, 1045, 1049, 1927, 3024:
		// too many connections, shutdown, lock wait timeout, access denied, unknown
		// database, connection killed, query timeout
		return classUnavailable, ""
	}
	return classOther, ""
}

// classifySQLite reads a SQLite result code (extended or primary). The violated
// columns appear only in the message: "UNIQUE constraint failed: users.email".
func classifySQLite(e *sqlite.Error) (class, string) {
	msg := e.Error()
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_CONSTRAINT:
		switch {
		case e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE, e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY,
			strings.Contains(msg, "UNIQUE constraint failed"):
			cols := msg
			if _, after, ok := strings.Cut(msg, "constraint failed: "); ok {
				cols = after
			}
			return classUnique, cols
		case e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY, strings.Contains(msg, "FOREIGN KEY constraint failed"):
			return classForeignKey, ""
		}
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return classUnavailable, ""
	}
	return classOther, ""
}

// isRetryable reports whether err is a deadlock or serialization failure, after
// which the whole transaction may simply run again.
func isRetryable(err error) bool {
	c, _ := classify(err)
	return c == classRetryable
}

// translate is the one place where driver errors become domain errors: unique
// violations become email_taken, username_taken (chosen by the index) or conflict;
// a missing row becomes not_found; a lost, refused or overloaded database becomes
// unavailable with a RetryAfter. The driver's text stays in Err for logs and never
// reaches Message. Domain errors and nil pass through.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Wrap(domain.CodeNotFound, err, "The record does not exist.")
	}
	if errors.Is(err, context.Canceled) {
		// The caller went away; keep the cause visible to errors.Is.
		return fmt.Errorf("sqlstore: %w", err)
	}
	switch c, constraint := classify(err); c {
	case classUnique:
		return uniqueError(err, constraint)
	case classForeignKey:
		return domain.Wrap(domain.CodeNotFound, err, "The user does not exist.")
	case classRetryable:
		return &domain.Error{Code: domain.CodeUnavailable, Message: "The database is busy; try again.",
			RetryAfter: retryAfterBusy, Err: err}
	case classUnavailable:
		retry := retryAfterDown
		if sqliteBusy(err) {
			retry = retryAfterBusy
		}
		return &domain.Error{Code: domain.CodeUnavailable, Message: "The database is unavailable.",
			RetryAfter: retry, Err: err}
	}
	return fmt.Errorf("sqlstore: %w", err)
}

// uniqueError names what was taken from the violated constraint: the users table's
// unique indexes are users_email_key and users_username_key (SQLite reports the
// columns users.email and users.username instead).
func uniqueError(err error, constraint string) error {
	c := strings.ToLower(constraint)
	switch {
	case strings.Contains(c, "username"):
		return domain.Wrap(domain.CodeUsernameTaken, err, "The username is already taken.")
	case strings.Contains(c, "email"):
		return domain.Wrap(domain.CodeEmailTaken, err, "The email address is already registered.")
	}
	return domain.Wrap(domain.CodeConflict, err, "The record already exists.")
}

// sqliteBusy reports whether err is SQLite's "database is locked" (SQLITE_BUSY).
func sqliteBusy(err error) bool {
	var liteErr *sqlite.Error
	return errors.As(err, &liteErr) && liteErr.Code()&0xff == sqlite3.SQLITE_BUSY
}
