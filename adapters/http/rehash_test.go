package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/backendtest"
)

// TestLoginRehashesOldParameters stores hashes under one set of argon2 parameters
// and logs in through a service configured with another over the same database: a
// successful login upgrades the stored hash, a failed one leaves it alone.
func TestLoginRehashesOldParameters(t *testing.T) {
	const oldParams, newParams = "m=1024,t=1,p=1", "m=2048,t=1,p=1"
	backendtest.Each(t, func(t *testing.T, backend string) {
		before := newEnvWith(t, backend, envSetup{hasher: argon2.Params{Memory: 1024, Time: 1, Threads: 1}})
		after := newEnvWith(t, backend, envSetup{backend: before.backend, hasher: argon2.Params{Memory: 2048, Time: 1, Threads: 1}})

		t.Run("a successful login stores a hash with the new parameters", func(t *testing.T) {
			email := uniqEmail("rehash")
			before.activeUser(t, email)
			old := storedHash(t, after, email)
			if !strings.Contains(old, oldParams) {
				t.Fatalf("hash before = %s, want parameters %s", phcParams(old), oldParams)
			}

			after.login(t, email)
			upgraded := storedHash(t, after, email)
			if !strings.Contains(upgraded, newParams) {
				t.Fatalf("hash after login = %s, want parameters %s", phcParams(upgraded), newParams)
			}

			after.login(t, email)
			if again := storedHash(t, after, email); again != upgraded {
				t.Errorf("a login with current parameters changed the hash (%s), want it kept", phcParams(again))
			}
			// The old configuration still verifies the new hash: a rolling deploy
			// with both versions running locks nobody out.
			before.login(t, email)
		})

		t.Run("a failed login does not rehash", func(t *testing.T) {
			email := uniqEmail("norehash")
			before.activeUser(t, email)
			old := storedHash(t, after, email)
			after.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": "not the password"}).
				expect(t, 401, "invalid_credentials")
			if got := storedHash(t, after, email); got != old {
				t.Errorf("hash after a failed login has parameters %s, want the old hash kept (%s)", phcParams(got), phcParams(old))
			}
		})

		t.Run("a refused login with the right password does not rehash", func(t *testing.T) {
			email := uniqEmail("pending")
			before.signUp(t, email) // never activated
			old := storedHash(t, after, email)
			after.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password}).
				expect(t, 403, "account_not_active")
			if got := storedHash(t, after, email); got != old {
				t.Errorf("hash after a refused login has parameters %s, want the old hash kept (%s)", phcParams(got), phcParams(old))
			}
		})
	})
}

// storedHash reads the account's password hash from e's backend.
func storedHash(t testing.TB, e *env, email string) string {
	t.Helper()
	u, err := e.backend.Users().ByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("ByEmail(%s): %v", email, err)
	}
	return u.PasswordHash
}

// phcParams returns the parameter field of a PHC string ("m=…,t=…,p=…"), the part
// of a hash a failure message may show.
func phcParams(hash string) string {
	fields := strings.Split(hash, "$")
	if len(fields) < 4 {
		return "(not a PHC string)"
	}
	return fields[3]
}
