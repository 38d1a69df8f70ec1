package jwt_test

import (
	"crypto"
	"encoding/base64"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	jwxjwt "github.com/lestrrat-go/jwx/v2/jwt"
)

// TestJWKSVerifiesWithIndependentLibrary checks the published JWKS and the tokens
// with lestrrat-go/jwx, which shares no code with golang-jwt: a downstream service
// using any conforming library must be able to verify authd's tokens offline.
func TestJWKSVerifiesWithIndependentLibrary(t *testing.T) {
	t.Parallel()
	for _, c := range algCases() {
		if c.signer == nil {
			continue // HS256 publishes no keys
		}
		t.Run(c.alg, func(t *testing.T) {
			t.Parallel()
			iss := newIssuer(c.keySet(t))
			set, err := jwk.Parse(iss.JWKS())
			if err != nil {
				t.Fatalf("jwk.Parse(JWKS): %v", err)
			}
			if set.Len() != 1 {
				t.Fatalf("JWKS has %d keys, want 1", set.Len())
			}
			key, _ := set.Key(0)
			tp, err := key.Thumbprint(crypto.SHA256)
			if err != nil {
				t.Fatalf("Thumbprint: %v", err)
			}
			if got, want := key.KeyID(), base64.RawURLEncoding.EncodeToString(tp); got != want {
				t.Errorf("kid = %q, want the RFC 7638 thumbprint %q", got, want)
			}
			if got := key.Algorithm().String(); got != c.alg {
				t.Errorf("JWK alg = %q, want %q", got, c.alg)
			}
			if pk, err := key.PublicKey(); err != nil || pk.KeyID() != key.KeyID() {
				t.Errorf("PublicKey() = %v, %v; want the same public key", pk, err)
			}

			want := testClaims()
			tok := mint(t, iss, want)
			parsed, err := jwxjwt.Parse([]byte(tok),
				jwxjwt.WithKeySet(set),
				jwxjwt.WithValidate(true),
				jwxjwt.WithClock(jwxjwt.ClockFunc(clock)),
				jwxjwt.WithIssuer(testIssuer),
				jwxjwt.WithAudience(testAudience),
			)
			if err != nil {
				t.Fatalf("jwx verify: %v", err)
			}
			if parsed.Subject() != want.Subject || parsed.JwtID() != want.ID || !parsed.Expiration().Equal(want.ExpiresAt) {
				t.Errorf("jwx claims sub=%q jti=%q exp=%v, want %q %q %v",
					parsed.Subject(), parsed.JwtID(), parsed.Expiration(), want.Subject, want.ID, want.ExpiresAt)
			}
			if sid, _ := parsed.Get("sid"); sid != want.SessionID {
				t.Errorf("jwx claim sid = %v, want %q", sid, want.SessionID)
			}

			// The independent library refuses a token of a key not in the JWKS.
			other := mint(t, newIssuer(mustKeySet(t, ed25519NewKey(t))), want)
			if _, err := jwxjwt.Parse([]byte(other), jwxjwt.WithKeySet(set), jwxjwt.WithClock(jwxjwt.ClockFunc(clock))); err == nil {
				t.Error("jwx accepted a token signed by a key outside the JWKS")
			}
			// And an expired token, at a clock after exp.
			later := jwxjwt.ClockFunc(func() time.Time { return want.ExpiresAt.Add(time.Hour) })
			if _, err := jwxjwt.Parse([]byte(tok), jwxjwt.WithKeySet(set), jwxjwt.WithValidate(true), jwxjwt.WithClock(later)); err == nil {
				t.Error("jwx accepted an expired token")
			}
		})
	}
}

// TestKidIsThumbprintForLoadedKeys checks NewKeySet's kids against jwx's RFC 7638
// computation on keys jwx builds itself from the raw public keys.
func TestKidIsThumbprintForLoadedKeys(t *testing.T) {
	t.Parallel()
	for _, c := range algCases() {
		if c.signer == nil {
			continue
		}
		k, err := jwk.FromRaw(c.signer.Public())
		if err != nil {
			t.Fatalf("%s: jwk.FromRaw: %v", c.alg, err)
		}
		tp, err := k.Thumbprint(crypto.SHA256)
		if err != nil {
			t.Fatalf("%s: Thumbprint: %v", c.alg, err)
		}
		if got, want := kidOf(t, c.keySet(t)), base64.RawURLEncoding.EncodeToString(tp); got != want {
			t.Errorf("%s: kid = %q, want jwx thumbprint %q", c.alg, got, want)
		}
	}
}
