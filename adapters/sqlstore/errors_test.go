package sqlstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/authd/authd/adapters/sqlstore"
	"github.com/authd/authd/domain"
)

// closedPort returns a local TCP port that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// TestPingUnreachable checks that a server that is not there makes Ping answer
// unavailable with a RetryAfter, which /readyz turns into 503.
func TestPingUnreachable(t *testing.T) {
	t.Parallel()
	port := closedPort(t)
	for _, url := range []string{
		fmt.Sprintf("postgres://postgres@127.0.0.1:%d/authd?sslmode=disable", port),
		fmt.Sprintf("mysql://root@127.0.0.1:%d/authd", port),
	} {
		t.Run(strings.SplitN(url, ":", 2)[0], func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := sqlstore.Open(ctx, url, sqlstore.Options{})
			if err != nil {
				t.Fatalf("Open(%s): %v (Open must not contact the server)", url, err)
			}
			defer func() { _ = s.Close() }()
			err = s.Ping(ctx)
			wantUnavailable(t, "Ping", err)
			wantUnavailable(t, "Migrate", s.Migrate(ctx))
		})
	}
}

// wantUnavailable fails t unless err is unavailable with a RetryAfter.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeUnavailable {
		t.Fatalf("%s: error %v has code %q, want unavailable", what, err, domain.ErrorCode(err))
	}
	if de.RetryAfter <= 0 {
		t.Errorf("%s: RetryAfter = %v, want > 0", what, de.RetryAfter)
	}
}

// TestSQLiteUnopenable checks that a SQLite path in a missing directory fails at
// Open, with unavailable.
func TestSQLiteUnopenable(t *testing.T) {
	t.Parallel()
	_, err := sqlstore.Open(context.Background(), "sqlite://"+t.TempDir()+"/missing/dir/authd.db", sqlstore.Options{})
	wantUnavailable(t, "Open", err)
}

func TestTranslate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want domain.Code
	}{
		{"no rows", fmt.Errorf("scan: %w", sql.ErrNoRows), domain.CodeNotFound},
		{"pg unique email", &pgconn.PgError{Code: "23505", ConstraintName: "users_email_key"}, domain.CodeEmailTaken},
		{"pg unique username", &pgconn.PgError{Code: "23505", ConstraintName: "users_username_key"}, domain.CodeUsernameTaken},
		{"pg primary key", &pgconn.PgError{Code: "23505", ConstraintName: "sessions_pkey"}, domain.CodeConflict},
		{"pg foreign key", &pgconn.PgError{Code: "23503", ConstraintName: "sessions_user_id_fkey"}, domain.CodeNotFound},
		{"pg admin shutdown", &pgconn.PgError{Code: "57P01"}, domain.CodeUnavailable},
		{"pg too many connections", &pgconn.PgError{Code: "53300"}, domain.CodeUnavailable},
		{"pg deadlock", &pgconn.PgError{Code: "40P01"}, domain.CodeUnavailable},
		{"pg syntax", &pgconn.PgError{Code: "42601"}, domain.CodeInternal},
		{"mysql unique email", &mysql.MySQLError{Number: 1062, Message: "Duplicate entry 'username@x.io' for key 'users.users_email_key'"}, domain.CodeEmailTaken},
		{"mariadb unique username", &mysql.MySQLError{Number: 1062, Message: "Duplicate entry 'email' for key 'users_username_key'"}, domain.CodeUsernameTaken},
		{"mysql primary key", &mysql.MySQLError{Number: 1062, Message: "Duplicate entry 'x' for key 'PRIMARY'"}, domain.CodeConflict},
		{"mysql foreign key", &mysql.MySQLError{Number: 1452, Message: "Cannot add or update a child row"}, domain.CodeNotFound},
		{"mysql too many connections", &mysql.MySQLError{Number: 1040}, domain.CodeUnavailable},
		{"mysql invalid conn", mysql.ErrInvalidConn, domain.CodeUnavailable},
		{"bad conn", fmt.Errorf("exec: %w", driver.ErrBadConn), domain.CodeUnavailable},
		{"connect deadline", fmt.Errorf("connect: %w", context.DeadlineExceeded), domain.CodeUnavailable},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, domain.CodeUnavailable},
		{"other", errors.New("something odd"), domain.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := sqlstore.Translate(tt.err)
			if code := domain.ErrorCode(got); code != tt.want {
				t.Fatalf("Translate(%v) code = %q, want %q", tt.err, code, tt.want)
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("Translate(%v) = %v, which no longer wraps the cause", tt.err, got)
			}
			var de *domain.Error
			if errors.As(got, &de) {
				if msg := de.Message; strings.Contains(msg, "Duplicate") || strings.Contains(msg, "users_") || strings.Contains(msg, "refused") {
					t.Errorf("Translate(%v) Message %q leaks driver text", tt.err, msg)
				}
				if tt.want == domain.CodeUnavailable && de.RetryAfter <= 0 {
					t.Errorf("Translate(%v) RetryAfter = %v, want > 0", tt.err, de.RetryAfter)
				}
			}
		})
	}
	if got := sqlstore.Translate(nil); got != nil {
		t.Errorf("Translate(nil) = %v, want nil", got)
	}
	canceled := sqlstore.Translate(context.Canceled)
	if !errors.Is(canceled, context.Canceled) {
		t.Errorf("Translate(context.Canceled) = %v, want it to stay context.Canceled", canceled)
	}
}
