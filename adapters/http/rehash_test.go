package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

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

// TestLoginUpgradesForeignHashes stores each foreign hash format an import brings
// (bcrypt, argon2i, Django PBKDF2-SHA256, scrypt) as an account's password hash:
// the right password logs in and the stored hash becomes argon2id; a wrong one is
// refused and leaves it alone.
func TestLoginUpgradesForeignHashes(t *testing.T) {
	// Known answers for password "correct horse battery staple", each made by the
	// producing library (see adapters/argon2/foreign_test.go for their origins).
	const pw = "correct horse battery staple"
	foreign := map[string]string{
		"bcrypt": "$2a$04$rE2yIs1bvBubZklWCKAVtOxsDmvNkt0f/SIRjXM0rvmSAmIYz2koq",
		"django": "pbkdf2_sha256$1000$pepper$jP6qCDAd4ehFIUIu1Lv2h30F4ZCnbrumk02S6HI6UkM=",
		"scrypt": "$scrypt$ln=10,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$7AnzIswxwEinpwz+ntydndYfVHPvOACmX9Vvo8hO1qM",
	}
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnvWith(t, backend, envSetup{hasher: argon2.Params{Memory: 1024, Time: 1, Threads: 1}})
		for name, hash := range foreign {
			t.Run(name, func(t *testing.T) {
				email := uniqEmail("foreign-" + name)
				id := e.activeUser(t, email)
				if err := e.backend.Credentials().SetPasswordHash(context.Background(), id, hash, time.Now()); err != nil {
					t.Fatalf("SetPasswordHash: %v", err)
				}
				e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": pw + "!"}).
					expect(t, 401, "invalid_credentials")
				if got := storedHash(t, e, email); got != hash {
					t.Fatalf("hash after a failed login = %.12s…, want the %s hash kept", got, name)
				}
				e.loginWith(t, email, pw)
				upgraded := storedHash(t, e, email)
				if !strings.HasPrefix(upgraded, "$argon2id$v=19$m=1024,t=1,p=1$") {
					t.Fatalf("hash after login = %.16s…, want argon2id with the configured parameters", upgraded)
				}
				e.loginWith(t, email, pw)
			})
		}
	})
}
