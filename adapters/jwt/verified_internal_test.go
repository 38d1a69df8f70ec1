package jwt

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authd/authd/domain"
)

// cacheStart is the clock of these tests at their start.
var cacheStart = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

// cachedIssuer returns an Ed25519 issuer whose clock the test moves, and that clock.
func cachedIssuer(t *testing.T, size int) (*Issuer, *atomic.Pointer[time.Time]) {
	t.Helper()
	seed, err := GenerateEd25519Seed()
	if err != nil {
		t.Fatal(err)
	}
	ks, err := Ed25519KeySet(seed)
	if err != nil {
		t.Fatal(err)
	}
	var clock atomic.Pointer[time.Time]
	start := cacheStart
	clock.Store(&start)
	i := NewIssuer(ks, Options{Issuer: "https://auth.example.com", Audience: "authd",
		Now: func() time.Time { return *clock.Load() }, VerifiedCacheSize: size})
	return i, &clock
}

// mintAt mints a 15-minute token issued at cacheStart, told apart by n.
func mintAt(t *testing.T, i *Issuer, n int) string {
	t.Helper()
	tok, err := i.Mint(t.Context(), domain.AccessClaims{
		ID: fmt.Sprintf("jti-%d", n), Subject: "user-1", SessionID: "session-1",
		Role: domain.RoleUser, IssuedAt: cacheStart, ExpiresAt: cacheStart.Add(15 * time.Minute),
	})
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return tok
}

func TestVerifiedCacheKeepsOnlySuccesses(t *testing.T) {
	t.Parallel()
	i, _ := cachedIssuer(t, 0)
	tok := mintAt(t, i, 1)
	for range 3 {
		if _, err := i.Verify(t.Context(), tok); err != nil {
			t.Fatalf("Verify(valid token) = %v, want nil", err)
		}
	}
	if got := i.verified.len(); got != 1 {
		t.Errorf("entries after verifying one token 3 times = %d, want 1", got)
	}
	bad := breakSignature(tok)
	for range 2 {
		_, err := i.Verify(t.Context(), bad)
		if !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("Verify(bad signature) = %v, want token_invalid", err)
		}
	}
	if got := i.verified.len(); got != 1 {
		t.Errorf("entries after two failed verifications = %d, want 1 (failures are not cached)", got)
	}
}

func TestVerifiedCacheHitReturnsACopy(t *testing.T) {
	t.Parallel()
	i, _ := cachedIssuer(t, 0)
	tok := mintAt(t, i, 1)
	first, err := i.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	first.Subject = "someone-else"
	second, err := i.Verify(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if second.Subject != "user-1" {
		t.Errorf("cached claims' sub after the caller changed its copy = %q, want user-1", second.Subject)
	}
}

func TestVerifiedCacheNeverOutlivesExp(t *testing.T) {
	t.Parallel()
	i, clock := cachedIssuer(t, 0)
	tok := mintAt(t, i, 1)
	if _, err := i.Verify(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	late := cacheStart.Add(15*time.Minute + DefaultLeeway + time.Second)
	clock.Store(&late)
	_, err := i.Verify(t.Context(), tok)
	if !domain.IsCode(err, domain.CodeTokenExpired) {
		t.Errorf("Verify(cached token past exp and leeway) = %v, want token_expired", err)
	}
	if got := i.verified.len(); got != 0 {
		t.Errorf("entries after the cached token expired = %d, want 0", got)
	}
}

func TestVerifiedCacheRefusesTokensOfARemovedKey(t *testing.T) {
	t.Parallel()
	i, _ := cachedIssuer(t, 0)
	tok := mintAt(t, i, 1)
	if _, err := i.Verify(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	// The key set of an Issuer is fixed; removing the kid from it in place stands
	// for a key set that no longer holds the key, with the entry still cached.
	for kid := range i.byKid {
		delete(i.byKid, kid)
	}
	_, err := i.Verify(t.Context(), tok)
	if !domain.IsCode(err, domain.CodeTokenInvalid) {
		t.Errorf("Verify(cached token whose key was removed) = %v, want token_invalid", err)
	}
}

func TestVerifiedCacheIsBounded(t *testing.T) {
	t.Parallel()
	const size = 32
	i, _ := cachedIssuer(t, size)
	for n := range 10 * size {
		if _, err := i.Verify(t.Context(), mintAt(t, i, n)); err != nil {
			t.Fatal(err)
		}
	}
	if got := i.verified.len(); got > size || got < size/2 {
		t.Errorf("entries after %d tokens with size %d = %d, want between %d and %d", 10*size, size, got, size/2, size)
	}
}

func TestVerifiedCacheOff(t *testing.T) {
	t.Parallel()
	i, _ := cachedIssuer(t, -1)
	if i.verified != nil {
		t.Fatalf("cache with VerifiedCacheSize -1 = %v, want none", i.verified)
	}
	if _, err := i.Verify(t.Context(), mintAt(t, i, 1)); err != nil {
		t.Errorf("Verify without a cache = %v, want nil", err)
	}
}

// breakSignature changes one character well inside tok's signature (never one of
// the last, whose low bits base64url may ignore), always to a different one.
func breakSignature(tok string) string {
	b := []byte(tok)
	i := len(b) - 10
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
