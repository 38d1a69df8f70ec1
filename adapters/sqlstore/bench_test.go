package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/domain"
)

// BenchmarkStore measures the hottest store operations on each SQL backend: sign-up
// (Create), login lookup (ByEmail) and refresh (Rotate). Backends without a server
// are skipped (or fail under AUTH_TEST_REQUIRE_ALL=1).
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	for _, name := range sqlBackends {
		b.Run(name, func(b *testing.B) {
			store := backendtest.Open(b, name)
			b.Run("CreateUser", func(b *testing.B) {
				users := make([]*domain.User, b.N)
				for i := range users {
					users[i] = testUser(b)
				}
				b.ResetTimer()
				for i := range b.N {
					if err := store.Users().Create(ctx, users[i]); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ByEmail", func(b *testing.B) {
				u := testUser(b)
				if err := store.Users().Create(ctx, u); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for range b.N {
					if _, err := store.Users().ByEmail(ctx, u.Email); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("Rotate", func(b *testing.B) {
				u := testUser(b)
				if err := store.Users().Create(ctx, u); err != nil {
					b.Fatal(err)
				}
				now := time.Now()
				s := &domain.Session{ID: u.ID, UserID: u.ID, RotatedAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
				if err := store.Sessions().Create(ctx, s); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for i := range b.N {
					if err := store.Sessions().Rotate(ctx, s.ID, uint64(i), now); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
