// Package storetest is the store contract suite: one set of tests, written against
// the ports only, that every backend (SQLite, PostgreSQL, MySQL, DynamoDB) must pass
// unchanged. A backend is done when Run passes on it.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Run runs the whole contract against backends made by open. open must return a
// fresh, migrated, empty backend and arrange its closing through t.Cleanup. Most
// subtests share one backend and keep apart by using their own users; the few that
// need a database to themselves (pagination, Close) open another.
func Run(t *testing.T, open func(t *testing.T) ports.Backend) {
	t.Helper()
	b := open(t)
	suites := []struct {
		name string
		run  func(t *testing.T, b ports.Backend, open func(t *testing.T) ports.Backend)
	}{
		{"Users", testUsers},
		{"Credentials", testCredentials},
		{"Throttle", testThrottle},
		{"Sessions", testSessions},
		{"Tokens", testTokens},
		{"EmailChange", testEmailChange},
		{"SignIn", testSignIn},
		{"AuthCodes", testAuthCodes},
		{"Secrets", testSecrets},
		{"MFA", testMFA},
		{"Passkeys", testPasskeys},
		{"Identities", testIdentities},
		{"Races", testRaces},
		{"UpdateRaces", testUpdateRaces},
		{"Events", testEvents},
		{"CreatePending", testCreatePending},
		{"Outbox", testOutbox},
		{"Archive", testArchive},
		{"Backend", testBackend},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) { s.run(t, b, open) })
	}
}

// base is a fixed instant with sub-millisecond digits and a non-UTC zone, so that
// round-trip checks catch both lost precision and zones leaking out of a store.
var base = time.Date(2031, 3, 14, 15, 9, 26, 535897000, time.FixedZone("UTC+1", 3600))

// newID returns a fresh UUIDv7, as the application makes them.
func newID(t testing.TB) string {
	t.Helper()
	id, err := domain.NewID(time.Now(), rand.Reader)
	if err != nil {
		t.Fatalf("domain.NewID: %v", err)
	}
	return id
}

// newUser returns a pending user with a unique e-mail and no username.
func newUser(t testing.TB) *domain.User {
	t.Helper()
	id := newID(t)
	return &domain.User{
		ID: id, Email: "user-" + id + "@example.com", Name: "Test User", Mobile: "+44 20 7946 0000", Locale: "es-ES",
		Role: domain.RoleUser, Status: domain.StatusPending,
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
		CreatedAt:    base, UpdatedAt: base,
	}
}

// createUser stores a new user, changed by mods first, and returns it.
func createUser(t testing.TB, b ports.Backend, mods ...func(*domain.User)) *domain.User {
	t.Helper()
	u := newUser(t)
	for _, m := range mods {
		m(u)
	}
	if err := b.Users().Create(context.Background(), u, domain.Effects{}); err != nil {
		t.Fatalf("Users.Create(%s): %v", u.Email, err)
	}
	return u
}

// newSession returns a live session of userID with counter 0.
func newSession(t testing.TB, userID string) *domain.Session {
	t.Helper()
	return &domain.Session{
		ID: newID(t), UserID: userID, RotatedAt: base, CreatedAt: base,
		ExpiresAt: base.Add(720 * time.Hour), UserAgent: "storetest/1.0", IP: "192.0.2.7",
	}
}

// createSession stores a new live session of userID and returns it.
func createSession(t testing.TB, b ports.Backend, userID string) *domain.Session {
	t.Helper()
	s := newSession(t, userID)
	if err := b.Sessions().Create(context.Background(), s, domain.Effects{}); err != nil {
		t.Fatalf("Sessions.Create: %v", err)
	}
	return s
}

// createToken stores a one-time token of the kind for userID, expiring at expires,
// and returns its hash.
func createToken(t testing.TB, b ports.Backend, kind domain.TokenKind, userID string, expires time.Time) string {
	t.Helper()
	tok := &domain.OneTimeToken{Hash: newHash(t), Kind: kind, UserID: userID,
		CreatedAt: base, ExpiresAt: expires}
	if err := b.Tokens().Create(context.Background(), tok, domain.Effects{}); err != nil {
		t.Fatalf("Tokens.Create(%s): %v", kind, err)
	}
	return tok.Hash
}

// newHash returns a unique token hash in the stored form: hex SHA-256.
func newHash(t testing.TB) string {
	t.Helper()
	sum := sha256.Sum256([]byte(newID(t)))
	return hex.EncodeToString(sum[:])
}

// wantCode fails t unless err carries code.
func wantCode(t testing.TB, what string, err error, code domain.Code) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("%s: error code = %q (err %v), want %q", what, got, err, code)
	}
}

// noErr fails t on an error.
func noErr(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// sameTime fails t unless got is in UTC and within a millisecond of want: every
// store must keep at least millisecond precision and hand times back in UTC.
func sameTime(t testing.TB, what string, got, want time.Time) {
	t.Helper()
	if got.Location() != time.UTC {
		t.Errorf("%s: location = %v, want UTC", what, got.Location())
	}
	if d := got.Sub(want); d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("%s = %v, want %v (within 1ms)", what, got, want.UTC())
	}
}

// sameTimePtr is sameTime for optional times.
func sameTimePtr(t testing.TB, what string, got, want *time.Time) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %v, want %v", what, got, want)
	default:
		sameTime(t, what, *got, *want)
	}
}

// sameUser compares every stored field of two users.
func sameUser(t testing.TB, got, want *domain.User) {
	t.Helper()
	if got.ID != want.ID || got.Email != want.Email || got.Username != want.Username ||
		got.Name != want.Name || got.Mobile != want.Mobile || got.Role != want.Role ||
		got.Status != want.Status || got.PasswordHash != want.PasswordHash || got.Locale != want.Locale {
		t.Errorf("user = %+v, want %+v", *got, *want)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	sameTimePtr(t, "ActivatedAt", got.ActivatedAt, want.ActivatedAt)
}

// setProfile is an Update change that writes want's profile fields over the
// stored account, as a client replacing the whole profile would.
func setProfile(want *domain.User) func(*domain.User) (domain.Effects, error) {
	return func(u *domain.User) (domain.Effects, error) {
		u.Email, u.Username, u.Name, u.Mobile, u.Locale = want.Email, want.Username, want.Name, want.Mobile, want.Locale
		u.Role, u.Status, u.ActivatedAt, u.UpdatedAt = want.Role, want.Status, want.ActivatedAt, want.UpdatedAt
		return domain.Effects{}, nil
	}
}

// getUser loads a user by id or fails t.
func getUser(t testing.TB, b ports.Backend, id string) *domain.User {
	t.Helper()
	u, err := b.Users().ByID(context.Background(), id)
	noErr(t, "Users.ByID", err)
	return u
}

// getSession loads a session by id or fails t.
func getSession(t testing.TB, b ports.Backend, id string) *domain.Session {
	t.Helper()
	s, err := b.Sessions().ByID(context.Background(), id)
	noErr(t, "Sessions.ByID", err)
	return s
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
