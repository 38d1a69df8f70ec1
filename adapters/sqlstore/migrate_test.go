package sqlstore_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/sqlstore"
	"github.com/authd/authd/domain"
)

// TestConcurrentMigrate starts two stores on one empty database at once, as two
// replicas of authd would: both migrations must succeed and leave one working
// schema, and migrating again is a no-op.
func TestConcurrentMigrate(t *testing.T) {
	for _, name := range sqlBackends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := backendtest.URL(t, name)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			stores := make([]*sqlstore.Store, 3)
			for i := range stores {
				s, err := sqlstore.Open(ctx, url, sqlstore.Options{})
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				t.Cleanup(func() { _ = s.Close() })
				stores[i] = s
			}
			errs := make(chan error, 2)
			for _, s := range stores[:2] {
				go func() { errs <- s.Migrate(ctx) }()
			}
			for range 2 {
				if err := <-errs; err != nil {
					t.Errorf("concurrent Migrate: %v", err)
				}
			}
			if err := stores[2].Migrate(ctx); err != nil {
				t.Fatalf("Migrate on a migrated database: %v", err)
			}
			mustUseSchema(t, stores[2])
		})
	}
}

// TestMemoryDatabase checks that sqlite://:memory: keeps its data across calls (one
// connection that is never recycled) and migrates twice without harm.
func TestMemoryDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, "sqlite://:memory:", sqlstore.Options{MaxOpenConns: 10, ConnMaxLifetime: time.Nanosecond})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for range 2 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
	}
	time.Sleep(2 * time.Millisecond) // past the requested lifetime, which :memory: must ignore
	mustUseSchema(t, s)
}

// mustUseSchema writes and reads a user, proving the schema exists.
func mustUseSchema(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	u := testUser(t)
	if err := s.Users().Create(ctx, u, domain.Effects{}); err != nil {
		t.Fatalf("Users.Create after Migrate: %v", err)
	}
	got, err := s.Users().ByEmail(ctx, u.Email)
	if err != nil || got.ID != u.ID {
		t.Fatalf("Users.ByEmail = %v, %v; want user %s", got, err, u.ID)
	}
}

// testUser returns a valid pending user with a unique e-mail.
func testUser(t testing.TB) *domain.User {
	t.Helper()
	id, err := domain.NewID(time.Now(), rand.Reader)
	if err != nil {
		t.Fatalf("NewID: %v", err)
	}
	now := time.Now()
	return &domain.User{ID: id, Email: "u-" + id + "@example.com", Role: domain.RoleUser,
		Status: domain.StatusPending, PasswordHash: "hash", CreatedAt: now, UpdatedAt: now}
}
