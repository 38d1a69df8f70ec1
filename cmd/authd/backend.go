package main

import (
	"context"
	"fmt"
	"io"

	"github.com/authd/authd/adapters/dynamostore"
	"github.com/authd/authd/adapters/sqlstore"
	"github.com/authd/authd/ports"
)

// migratable is a backend that can create or upgrade its own schema.
type migratable interface {
	ports.Backend
	Migrate(ctx context.Context) error
}

// openBackend opens the database AUTH_DATABASE_URL names, by its scheme, and
// migrates it when asked. A failure names the variable, the target (password
// masked), the cause and what to check (see databaseError).
func openBackend(ctx context.Context, cfg Config, migrate bool) (ports.Backend, error) {
	var b migratable
	var err error
	switch cfg.Backend() {
	case "sqlite", "postgres", "mysql":
		b, err = sqlstore.Open(ctx, cfg.DatabaseURL, sqlstore.Options{
			MaxOpenConns:    cfg.DBMaxOpenConns,
			MaxIdleConns:    cfg.DBMaxIdleConns,
			ConnMaxLifetime: cfg.DBConnMaxLifetime,
		})
	case "dynamodb":
		b, err = dynamostore.Open(ctx, cfg.DatabaseURL, dynamostore.Options{EventRetention: cfg.AuditRetention})
	default:
		return nil, fmt.Errorf("AUTH_DATABASE_URL: unsupported scheme %q", cfg.Backend())
	}
	if err != nil {
		return nil, databaseError(cfg, "open", err)
	}
	if migrate {
		if err := b.Migrate(ctx); err != nil {
			_ = b.Close()
			return nil, databaseError(cfg, "migrate", err)
		}
	}
	return b, nil
}

// migrate is `authd migrate`: create or upgrade the schema (tables, indexes; the
// DynamoDB table with its indexes and TTL) and exit.
func migrate(ctx context.Context, cfg Config, stderr io.Writer) error {
	b, err := openBackend(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintf(stderr, "authd: %s database is migrated\n", cfg.Backend())
	return nil
}
