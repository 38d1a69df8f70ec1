// Package sqlstore implements authd's store ports on SQL databases through bun:
// SQLite (the embedded default, pure Go), PostgreSQL and MySQL/MariaDB. One Store
// is one database; its Users, Credentials, Sessions, Tokens and Secrets share the
// connection pool, and every method that changes more than one row owns its
// transaction, so each port method is atomic on its own.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/schema"

	"github.com/authd/authd/ports"

	// The database/sql drivers, one per dialect: pgx ("pgx"), go-sql-driver
	// ("mysql") and the pure-Go SQLite ("sqlite"), which keeps CGO_ENABLED=0 builds.
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

var _ ports.Backend = (*Store)(nil)

// Options tunes the connection pool. A zero field takes the dialect's default; the
// composition root maps AUTH_DB_MAX_OPEN_CONNS, AUTH_DB_MAX_IDLE_CONNS and
// AUTH_DB_CONN_MAX_LIFETIME into it.
type Options struct {
	// MaxOpenConns caps connections to the server (default 25; 8 for a SQLite file,
	// whose writers take turns anyway; always 1 for SQLite :memory:).
	MaxOpenConns int
	// MaxIdleConns is how many connections stay open between bursts (default
	// MaxOpenConns, so a steady load never reconnects).
	MaxIdleConns int
	// ConnMaxLifetime recycles connections, so server restarts, fail-overs and load
	// balancers are followed (default 30m; unlimited for SQLite).
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime closes connections idle this long (default 5m; unlimited for
	// SQLite).
	ConnMaxIdleTime time.Duration
}

// withDefaults fills zero fields with the defaults of the target's dialect.
func (o Options) withDefaults(t target) Options {
	if t.memory {
		// An in-memory SQLite database exists only inside its connection: exactly
		// one, never closed while the Store lives.
		return Options{MaxOpenConns: 1, MaxIdleConns: 1}
	}
	if o.MaxOpenConns <= 0 {
		o.MaxOpenConns = 25
		if t.dialect == dialectSQLite {
			o.MaxOpenConns = 8
		}
	}
	if o.MaxIdleConns <= 0 || o.MaxIdleConns > o.MaxOpenConns {
		o.MaxIdleConns = o.MaxOpenConns
	}
	if t.dialect != dialectSQLite {
		if o.ConnMaxLifetime <= 0 {
			o.ConnMaxLifetime = 30 * time.Minute
		}
		if o.ConnMaxIdleTime <= 0 {
			o.ConnMaxIdleTime = 5 * time.Minute
		}
	}
	return o
}

// Store is one SQL database holding every authd table. It implements ports.Backend.
type Store struct {
	db     *bun.DB
	target target
	// migrateMu serialises Migrate calls within this process; across processes the
	// database's own lock does (see migrate.go).
	migrateMu sync.Mutex
	// writer admits one writing statement or transaction at a time on SQLite (nil
	// elsewhere). SQLite has one write lock per file anyway; queueing for it here, in
	// order, beats the busy handler's sleep-and-retry, which under a burst of
	// concurrent writers (refreshes) stretches tail latency to seconds.
	writer chan struct{}
	// prepared holds the hot queries' statements (prepared.go).
	prepared *preparedSet

	users       *UserStore
	credentials *CredentialStore
	throttle    *LoginThrottle
	sessions    *SessionStore
	tokens      *TokenStore
	secrets     *SecretStore
	events      *EventStore
	outbox      *Outbox
	mfa         *MFAStore
}

// Open prepares a Store for the database at url (sqlite://, postgres://,
// postgresql:// or mysql://; see the README). An unreachable server does not fail
// Open — the process can start while its database is still coming up and report
// that through Ping and /readyz (bun's MySQL dialect does try once to read the
// server version, and logs through SetLogger's logger when it cannot). A SQLite file is opened at once, so a
// bad path fails here. Call Migrate before use.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	t, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	db, err := openDB(t, opts.withDefaults(t))
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, target: t, prepared: newPreparedSet(db, t.dialect)}
	s.users = &UserStore{s: s}
	s.credentials = &CredentialStore{s: s}
	s.throttle = &LoginThrottle{s: s}
	s.sessions = &SessionStore{s: s}
	s.tokens = &TokenStore{s: s}
	s.secrets = &SecretStore{s: s}
	s.events = &EventStore{s: s}
	s.outbox = &Outbox{s: s}
	s.mfa = &MFAStore{s: s}
	if t.dialect == dialectSQLite {
		s.writer = make(chan struct{}, 1)
		if err := s.firstConnect(ctx); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	return s, nil
}

// openDB opens a pool on t with o applied and wraps it in bun with t's dialect.
func openDB(t target, o Options) (*bun.DB, error) {
	sqldb, err := sql.Open(t.driver, t.dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", t.dialect, err)
	}
	sqldb.SetMaxOpenConns(o.MaxOpenConns)
	sqldb.SetMaxIdleConns(o.MaxIdleConns)
	sqldb.SetConnMaxLifetime(o.ConnMaxLifetime)
	sqldb.SetConnMaxIdleTime(o.ConnMaxIdleTime)
	var d schema.Dialect
	switch t.dialect {
	case dialectSQLite:
		d = sqlitedialect.New()
	case dialectPostgres:
		d = pgdialect.New()
	case dialectMySQL:
		d = mysqlDialect{mysqldialect.New(mysqldialect.WithTimeLocation("UTC"))}
	}
	return bun.NewDB(sqldb, d), nil
}

// Users returns the user store.
func (s *Store) Users() ports.UserStore { return s.users }

// Credentials returns the credential store.
func (s *Store) Credentials() ports.CredentialStore { return s.credentials }

// Throttle returns the failed-login counter.
func (s *Store) Throttle() ports.LoginThrottle { return s.throttle }

// Sessions returns the session store.
func (s *Store) Sessions() ports.SessionStore { return s.sessions }

// Tokens returns the one-time-token store.
func (s *Store) Tokens() ports.TokenStore { return s.tokens }

// Secrets returns the secret store.
func (s *Store) Secrets() ports.SecretStore { return s.secrets }

// Events returns the audit log.
func (s *Store) Events() ports.EventStore { return s.events }

// Outbox returns the outbox of deliveries.
func (s *Store) Outbox() ports.Outbox { return s.outbox }

// Ping checks that the database answers; it returns unavailable when it does not,
// which /readyz turns into 503.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return translate(err)
	}
	return nil
}

// firstConnect opens the first SQLite connection, which applies the pragmas. On a
// new file that includes switching it to WAL, which needs an exclusive lock that
// SQLite's busy handler does not wait for: when several processes open the same new
// file at once, the losers get SQLITE_BUSY at once. That only lasts until the
// winner has switched the file, so a busy answer here is retried for a bounded
// time; once a file is in WAL, the pragma needs no such lock.
func (s *Store) firstConnect(ctx context.Context) error {
	deadline := time.Now().Add(firstConnectWait)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := s.db.PingContext(ctx)
		if err == nil || !sqliteBusy(err) || time.Now().After(deadline) {
			return translate(err)
		}
		select {
		case <-ctx.Done():
			return translate(ctx.Err())
		case <-time.After(wait):
		}
	}
}

// firstConnectWait bounds firstConnect's retries, like the busy timeout bounds
// every later wait for the lock.
const firstConnectWait = 10 * time.Second

// Stats reports the connection pool's limits and use, for metrics and for checking
// that the configured pool size is the one in force.
func (s *Store) Stats() sql.DBStats { return s.db.Stats() }

// DB returns the database handle, for tooling and tests that must read rows as
// they are stored (that a secret is sealed at rest, say), not through the ports.
func (s *Store) DB() *sql.DB { return s.db.DB }

// Close releases every connection. For SQLite :memory: the data goes with them.
func (s *Store) Close() error {
	s.closePrepared()
	return s.db.Close()
}

// maxTxAttempts bounds how often a transaction that lost a deadlock or a
// serialization race is run again before the caller is told to retry later.
const maxTxAttempts = 3

// inTx runs fn in one transaction and translates its error. A transaction the
// database aborted as a deadlock victim is retried, since fn re-reads everything it
// decides on. On SQLite the DSN's _txlock=immediate makes BEGIN take the write lock,
// so waiting happens up front under the busy timeout; on MySQL READ COMMITTED avoids
// the gap locks that make concurrent delete-then-insert deadlock.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	var opts *sql.TxOptions
	if s.target.dialect == dialectMySQL {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	var err error
	for attempt := 1; attempt <= maxTxAttempts; attempt++ {
		err = s.writing(ctx, func() error { return s.db.RunInTx(ctx, opts, fn) })
		if err == nil || !isRetryable(err) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
	return translate(err)
}

// writing runs fn, a write, once this process's SQLite writer slot is free; on other
// dialects it just runs fn. Waiting honours ctx.
func (s *Store) writing(ctx context.Context, fn func() error) error {
	if s.writer == nil {
		return fn()
	}
	select {
	case s.writer <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writer }()
	return fn()
}

// forUpdate locks the rows q reads until the transaction ends: FOR UPDATE on
// PostgreSQL and MySQL; SQLite's write transaction is exclusive already.
func (s *Store) forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if s.target.dialect == dialectSQLite {
		return q
	}
	return q.For("UPDATE")
}

// execer is a bun INSERT, UPDATE or DELETE query.
type execer interface {
	Exec(ctx context.Context, dest ...any) (sql.Result, error)
}

// exec runs one writing statement outside a transaction, through writing.
func (s *Store) exec(ctx context.Context, q execer) (sql.Result, error) {
	var res sql.Result
	err := s.writing(ctx, func() error {
		var err error
		res, err = q.Exec(ctx)
		return err
	})
	return res, err
}

// affected returns the number of rows a statement matched.
func affected(res sql.Result) (int64, error) {
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: rows affected: %w", err)
	}
	return n, nil
}

// isNoRows reports whether err means a query found nothing.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
