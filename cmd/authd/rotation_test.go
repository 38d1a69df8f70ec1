package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/authd/authd/adapters/jwt"
)

// TestSigningKeyRotation follows the README's rotation procedure through the real
// wiring: add a new key first in AUTH_JWT_KEYS and keep the old one listed — tokens
// of both verify and the JWKS publishes both — then drop the old key, and only its
// tokens stop working. Sessions survive throughout: refresh tokens do not depend on
// the signing keys.
func TestSigningKeyRotation(t *testing.T) {
	dir := t.TempDir()
	keyFile := func(name, alg string) string {
		pem, err := jwt.GenerateKey(alg)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	oldKey, newKey := keyFile("old.pem", "ES256"), keyFile("new.pem", "EdDSA")
	db := "sqlite://" + filepath.Join(dir, "authd.db")
	start := func(keys string) *server {
		return startServer(t, testConfig(t, db, map[string]string{"AUTH_REQUIRE_ACTIVATION": "false", "AUTH_JWT_KEYS": keys}))
	}
	jwksSize := func(s *server) int {
		keys, _ := s.expect(200, "GET", "/.well-known/jwks.json", "", nil)["keys"].([]any)
		return len(keys)
	}
	login := map[string]any{"email": "rot@example.com", "password": "long enough pw"}

	s := start(oldKey)
	s.expect(201, "POST", "/v1/auth/signup", "", login)
	byOld := s.expect(200, "POST", "/v1/auth/login", "", login)
	s.stop()

	s = start(newKey + "," + oldKey)
	if n := jwksSize(s); n != 2 {
		t.Fatalf("JWKS during the rotation has %d keys, want 2", n)
	}
	s.expect(200, "GET", "/v1/auth/me", str(byOld, "access_token"), nil)
	byNew := s.expect(200, "POST", "/v1/auth/login", "", login)
	s.expect(200, "GET", "/v1/auth/me", str(byNew, "access_token"), nil)
	s.stop()

	s = start(newKey)
	if n := jwksSize(s); n != 1 {
		t.Fatalf("JWKS after the rotation has %d keys, want 1", n)
	}
	out := s.expect(401, "GET", "/v1/auth/me", str(byOld, "access_token"), nil)
	if got := str(out, "code"); got != "token_invalid" {
		t.Fatalf("token of the removed key: code %q, want token_invalid", got)
	}
	s.expect(200, "GET", "/v1/auth/me", str(byNew, "access_token"), nil)
	// The session opened under the old key lives on: its refresh token yields a pair
	// signed by the new key.
	fresh := s.expect(200, "POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": str(byOld, "refresh_token")})
	s.expect(200, "GET", "/v1/auth/me", str(fresh, "access_token"), nil)
}

// TestSharedSecretIsNeverPublished: with AUTH_JWT_SECRET (HS256) tokens work and the
// JWKS stays empty, since whoever holds the secret could mint tokens.
func TestSharedSecretIsNeverPublished(t *testing.T) {
	db := "sqlite://" + filepath.Join(t.TempDir(), "authd.db")
	s := startServer(t, testConfig(t, db, map[string]string{
		"AUTH_REQUIRE_ACTIVATION": "false", "AUTH_JWT_SECRET": "0123456789abcdef0123456789abcdef-hs256",
	}))
	if keys, ok := s.expect(200, "GET", "/.well-known/jwks.json", "", nil)["keys"].([]any); !ok || len(keys) != 0 {
		t.Fatalf("JWKS with a shared secret = %v, want an empty key list", keys)
	}
	login := map[string]any{"email": "hs@example.com", "password": "long enough pw"}
	s.expect(201, "POST", "/v1/auth/signup", "", login)
	s.expect(200, "GET", "/v1/auth/me", str(s.expect(200, "POST", "/v1/auth/login", "", login), "access_token"), nil)
}
