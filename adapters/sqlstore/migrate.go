package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// migrationFiles holds the versioned schema, one folder per dialect, in bun's file
// naming (VERSION_name.up.sql; .tx.up.sql runs in a transaction). A released file is
// never edited: a change is a new, higher version.
//
//go:embed migrations
var migrationFiles embed.FS

// The bookkeeping tables of bun/migrate, named for this service so that authd can
// share a database with another bun user.
const (
	migrationsTable     = "authd_migrations"
	migrationLocksTable = "authd_migration_locks"
)

// Cross-process migration locks. PostgreSQL advisory locks are scoped to the
// database; MySQL's GET_LOCK names are server-wide, so the name includes the
// database's (hashed to stay within the 64-character limit).
const (
	pgMigrationLockKey  int64 = 0x61757468645f6d67 // "authd_mg"
	mysqlLockWaitPerTry       = 5                  // seconds per GET_LOCK attempt
)

// Migrate brings the schema up to date. It is safe to run from several processes
// at once on an empty database: each holds a database lock while it migrates, so
// one applies the migrations and the others find nothing left to do. The lock is an
// advisory lock on PostgreSQL, GET_LOCK on MySQL, and on SQLite the write lock
// itself: all migrations run in one BEGIN IMMEDIATE transaction.
func (s *Store) Migrate(ctx context.Context) error {
	s.migrateMu.Lock()
	defer s.migrateMu.Unlock()
	migrations, err := migrationsFor(s.target.dialect)
	if err != nil {
		return err
	}
	if s.target.memory {
		// A private in-memory database has no other process to race with, and a
		// second pool would see another database: migrate on the store's own.
		return translateMigrate(runMigrations(ctx, s.db, migrations))
	}
	// A separate small pool, so that holding the lock on one connection never
	// starves the migration of connections, whatever MaxOpenConns says.
	o := Options{MaxOpenConns: 2, MaxIdleConns: 2, ConnMaxLifetime: time.Hour, ConnMaxIdleTime: time.Minute}
	if s.target.dialect == dialectSQLite {
		o.MaxOpenConns, o.MaxIdleConns = 1, 1
	}
	mdb, err := openDB(s.target, o)
	if err != nil {
		return err
	}
	defer func() { _ = mdb.Close() }() // closing also drops any session lock still held
	switch s.target.dialect {
	case dialectSQLite:
		err = migrateSQLite(ctx, mdb, migrations)
	case dialectPostgres:
		err = withSessionLock(ctx, mdb,
			func(ctx context.Context, c bun.Conn) error {
				_, err := c.ExecContext(ctx, "SELECT pg_advisory_lock(?)", pgMigrationLockKey)
				return err
			},
			func(ctx context.Context, c bun.Conn) error {
				_, err := c.ExecContext(ctx, "SELECT pg_advisory_unlock(?)", pgMigrationLockKey)
				return err
			},
			func(ctx context.Context) error { return runMigrations(ctx, mdb, migrations) })
	case dialectMySQL:
		err = withSessionLock(ctx, mdb, mysqlGetLock,
			func(ctx context.Context, c bun.Conn) error {
				_, err := c.ExecContext(ctx, "SELECT RELEASE_LOCK(CONCAT('authd_migrate_', MD5(DATABASE())))")
				return err
			},
			func(ctx context.Context) error { return runMigrations(ctx, mdb, migrations) })
	}
	return translateMigrate(err)
}

// migrationsFor loads the embedded migrations of one dialect.
func migrationsFor(d dialect) (*migrate.Migrations, error) {
	sub, err := fs.Sub(migrationFiles, "migrations/"+string(d))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations for %s: %w", d, err)
	}
	m := migrate.NewMigrations()
	if err := m.Discover(sub); err != nil {
		return nil, fmt.Errorf("sqlstore: migrations for %s: %w", d, err)
	}
	return m, nil
}

// runMigrations creates bun/migrate's tables if needed and applies every pending
// migration, recording each only after it succeeded.
func runMigrations(ctx context.Context, db *bun.DB, migrations *migrate.Migrations) error {
	m := migrate.NewMigrator(db, migrations,
		migrate.WithTableName(migrationsTable),
		migrate.WithLocksTableName(migrationLocksTable),
		migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return fmt.Errorf("sqlstore: init migrations: %w", err)
	}
	if _, err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return nil
}

// migrateSQLite runs every migration inside one BEGIN IMMEDIATE on mdb's single
// connection: a concurrent migrator waits (busy timeout) until this one commits and
// then finds the schema complete; a failure rolls the whole schema change back.
func migrateSQLite(ctx context.Context, mdb *bun.DB, migrations *migrate.Migrations) (err error) {
	if _, err := mdb.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		end := "COMMIT"
		if err != nil {
			end = "ROLLBACK"
		}
		if _, endErr := mdb.ExecContext(context.WithoutCancel(ctx), end); endErr != nil && err == nil {
			err = endErr
		}
	}()
	return runMigrations(ctx, mdb, migrations)
}

// withSessionLock holds a connection-scoped lock while fn runs on other connections.
func withSessionLock(ctx context.Context, db *bun.DB,
	lock, unlock func(context.Context, bun.Conn) error, fn func(context.Context) error,
) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	if err := lock(ctx, c); err != nil {
		return fmt.Errorf("sqlstore: take migration lock: %w", err)
	}
	defer func() { _ = unlock(context.WithoutCancel(ctx), c) }()
	return fn(ctx)
}

// mysqlGetLock waits for the named lock in short GET_LOCK calls, so a cancelled ctx
// is noticed between them.
func mysqlGetLock(ctx context.Context, c bun.Conn) error {
	for {
		var got sql.NullInt64
		err := c.QueryRowContext(ctx,
			"SELECT GET_LOCK(CONCAT('authd_migrate_', MD5(DATABASE())), ?)", mysqlLockWaitPerTry).Scan(&got)
		if err != nil {
			return err
		}
		if got.Valid && got.Int64 == 1 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// translateMigrate keeps the cause of a failed migration visible while marking an
// unreachable database as unavailable.
func translateMigrate(err error) error {
	if err == nil {
		return nil
	}
	if c, _ := classify(err); c == classUnavailable || errors.Is(err, context.DeadlineExceeded) {
		return translate(err)
	}
	return err
}
