package jwt_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/domain"
)

const (
	testIssuer   = "https://auth.example.com"
	testAudience = "authd"
	testUserID   = "01947d6e-7f2a-7b3c-8d4e-5f6a7b8c9d0e"
	testSession  = "01947d6e-8000-7abc-9def-0123456789ab"
)

// now is the fixed clock of every test in this package.
var now = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

func clock() time.Time { return now }

// Test keys, made once: RSA generation takes a noticeable fraction of a second.
var (
	edKey  = ed25519.NewKeyFromSeed([]byte("0123456789abcdef0123456789abcdef"))
	rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})
	ecKey = sync.OnceValue(func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
	hmacSecret = []byte("an HS256 secret of at least 32 bytes, for tests")
)

// algCase is one signing algorithm with a key for it.
type algCase struct {
	alg    string
	signer crypto.Signer // nil for HS256
}

func algCases() []algCase {
	return []algCase{
		{jwt.AlgEdDSA, edKey},
		{jwt.AlgRS256, rsaKey()},
		{jwt.AlgES256, ecKey()},
		{jwt.AlgHS256, nil},
	}
}

// keySet returns the KeySet of c.
func (c algCase) keySet(tb testing.TB) *jwt.KeySet {
	tb.Helper()
	var (
		ks  *jwt.KeySet
		err error
	)
	if c.signer == nil {
		ks, err = jwt.HMACKeySet(hmacSecret)
	} else {
		ks, err = jwt.NewKeySet(c.signer)
	}
	if err != nil {
		tb.Fatalf("key set for %s: %v", c.alg, err)
	}
	return ks
}

func mustKeySet(tb testing.TB, signers ...crypto.Signer) *jwt.KeySet {
	tb.Helper()
	ks, err := jwt.NewKeySet(signers...)
	if err != nil {
		tb.Fatalf("NewKeySet: %v", err)
	}
	return ks
}

func newIssuer(ks *jwt.KeySet) *jwt.Issuer {
	return jwt.NewIssuer(ks, jwt.Options{Issuer: testIssuer, Audience: testAudience, Now: clock})
}

// testClaims are complete claims of a token minted at now by a login.
func testClaims() domain.AccessClaims {
	return domain.AccessClaims{
		ID:        "0195936a-0000-7000-8000-000000000001",
		Subject:   testUserID,
		SessionID: testSession,
		Role:      domain.RoleUser,
		Fresh:     true,
		AAL:       domain.AAL2,
		AMR:       []string{domain.AMRPassword, domain.AMROTP, domain.AMRMFA},
		AuthTime:  now.Add(-time.Hour),
		IssuedAt:  now,
		ExpiresAt: now.Add(15 * time.Minute),
	}
}

func mint(tb testing.TB, iss *jwt.Issuer, c domain.AccessClaims) string {
	tb.Helper()
	tok, err := iss.Mint(tb.Context(), c)
	if err != nil {
		tb.Fatalf("Mint: %v", err)
	}
	return tok
}

// rawClaims are the claims of a valid token as a map, for hand-made tokens.
func rawClaims() gjwt.MapClaims {
	return gjwt.MapClaims{
		"iss": testIssuer, "aud": testAudience, "sub": testUserID, "sid": testSession,
		"jti": "jti-1", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		"role": "admin", "fresh": true,
	}
}

// handSign signs claims with an arbitrary header and key, bypassing the Issuer, so
// tests can build the tokens an attacker would.
func handSign(tb testing.TB, method gjwt.SigningMethod, key any, header map[string]any, claims gjwt.MapClaims) string {
	tb.Helper()
	tok := gjwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		tb.Fatalf("hand-sign: %v", err)
	}
	return s
}

// header decodes the JOSE header of a compact JWS.
func header(tb testing.TB, token string) map[string]any {
	tb.Helper()
	seg, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		tb.Fatalf("decode header: %v", err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		tb.Fatalf("parse header: %v", err)
	}
	return h
}

func kidOf(tb testing.TB, ks *jwt.KeySet) string {
	tb.Helper()
	ids := ks.KeyIDs()
	if len(ids) == 0 {
		tb.Fatal("key set has no kids")
	}
	return ids[0]
}

func assertCode(tb testing.TB, what string, err error, want domain.Code) {
	tb.Helper()
	if got := domain.ErrorCode(err); got != want {
		tb.Errorf("%s: error code = %q (%v), want %q", what, got, err, want)
	}
}

// ed25519NewKey returns a fresh random Ed25519 key, one no KeySet knows.
func ed25519NewKey(tb testing.TB) ed25519.PrivateKey {
	tb.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}
