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

// TestPurgeExpired deletes exactly the sessions, tokens and login-attempt counts
// whose lifetime is over,
// on every SQL backend.
func TestPurgeExpired(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, name := range sqlBackends {
		t.Run(name, func(t *testing.T) {
			store, u := openWithUser(t, name)
			expired, live := addSession(t, store, u.ID, now, now.Add(-time.Second)), addSession(t, store, u.ID, now, now.Add(time.Hour))
			tokens := []*domain.OneTimeToken{
				{Hash: hexHash(1), Kind: domain.TokenActivation, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(-time.Minute)},
				{Hash: hexHash(2), Kind: domain.TokenPasswordReset, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Minute)},
			}
			for _, tk := range tokens {
				if err := store.Tokens().Create(ctx, tk, domain.Effects{}); err != nil {
					t.Fatal(err)
				}
			}

			// Login-attempt counts: one whose quiet period is over, one still live.
			policy := domain.Backoff{Threshold: 1, Base: time.Minute, Max: time.Minute, Forget: time.Hour}
			for _, at := range []struct {
				key string
				at  time.Time
			}{{"old", now.Add(-2 * time.Hour)}, {"recent", now}} {
				if _, err := store.Throttle().Reserve(ctx, at.key, at.at, policy); err != nil {
					t.Fatal(err)
				}
			}

			n, err := store.PurgeExpired(ctx, now)
			if err != nil || n != 3 {
				t.Fatalf("PurgeExpired = %d, %v; want 3 rows (one session, one token, one attempt count), nil", n, err)
			}
			if wait, err := store.Throttle().Reserve(ctx, "recent", now, policy); err != nil || wait != time.Minute {
				t.Errorf("live attempt count after purge: wait %v, %v; want it kept (wait 1m)", wait, err)
			}
			if _, err := store.Sessions().ByID(ctx, expired); domain.ErrorCode(err) != domain.CodeNotFound {
				t.Errorf("expired session after purge: %v, want not_found", err)
			}
			if _, err := store.Sessions().ByID(ctx, live); err != nil {
				t.Errorf("live session after purge: %v, want it kept", err)
			}
			if _, err := store.Tokens().ConsumeActivation(ctx, tokens[0].Hash, now, domain.Effects{}); domain.ErrorCode(err) != domain.CodeTokenInvalid {
				t.Errorf("expired token after purge: %v, want token_invalid (gone)", err)
			}
			if _, err := store.Tokens().ConsumeReset(ctx, tokens[1].Hash, "new-hash", now, domain.Effects{}); err != nil {
				t.Errorf("live token after purge: %v, want it usable", err)
			}
			if n, err := store.PurgeExpired(ctx, now); err != nil || n != 0 {
				t.Errorf("second PurgeExpired = %d, %v; want 0, nil", n, err)
			}
		})
	}
}

// openWithUser opens a fresh, migrated backend of the named SQL kind holding one
// user, for the purge tests.
func openWithUser(t *testing.T, name string) (*sqlstore.Store, *domain.User) {
	t.Helper()
	store := backendtest.Open(t, name).(*sqlstore.Store)
	u := testUser(t)
	if err := store.Users().Create(context.Background(), u, domain.Effects{}); err != nil {
		t.Fatal(err)
	}
	return store, u
}

// addSession stores a session of userID, created an hour before now and expiring
// at expires, and returns its id.
func addSession(t *testing.T, store *sqlstore.Store, userID string, now, expires time.Time) string {
	t.Helper()
	id, _ := domain.NewID(now, rand.Reader)
	s := &domain.Session{ID: id, UserID: userID, RotatedAt: now, CreatedAt: now.Add(-time.Hour), ExpiresAt: expires}
	if err := store.Sessions().Create(context.Background(), s, domain.Effects{}); err != nil {
		t.Fatal(err)
	}
	return id
}

// hexHash is a distinct 64-hex-digit token hash.
func hexHash(i byte) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 64)
	for j := range b {
		b[j] = digits[(int(i)+j)%16]
	}
	return string(b)
}
