package jwt_test

// This file is the downstream example of issue 6: a separate Go service (net/http)
// that trusts authd's access tokens, verifying them offline against authd's JWKS
// with github.com/MicahParks/keyfunc/v3 and github.com/golang-jwt/jwt/v5. Nothing
// below uses this package except to stand up an authd-like JWKS endpoint and mint
// tokens; requireAccessToken is what a downstream service would copy.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/domain"
)

// downstreamClaims are the access-token claims a downstream service reads.
type downstreamClaims struct {
	gjwt.RegisteredClaims
	SessionID string `json:"sid"`
	Role      string `json:"role"`
	Fresh     bool   `json:"fresh"`
}

type claimsKey struct{}

// requireAccessToken lets a request through only with a valid authd access token
// in "Authorization: Bearer …", and puts its claims in the request context.
// keys resolves the token's kid to a public key from authd's JWKS; algs pins the
// algorithms authd's keys use (its openid-configuration lists them); now is the
// clock (nil for time.Now).
func requireAccessToken(keys gjwt.Keyfunc, issuer, audience string, algs []string, now func() time.Time, next http.Handler) http.Handler {
	if now == nil {
		now = time.Now
	}
	parser := gjwt.NewParser(
		gjwt.WithValidMethods(algs), // never "none", never HS256 with a public key
		gjwt.WithIssuer(issuer),
		gjwt.WithAudience(audience),
		gjwt.WithExpirationRequired(),
		gjwt.WithLeeway(30*time.Second),
		gjwt.WithTimeFunc(now),
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var claims downstreamClaims
		if ok {
			tok, err := parser.ParseWithClaims(raw, &claims, keys)
			typ, _ := tokHeader(tok, "typ")
			ok = err == nil && (strings.EqualFold(typ, "at+jwt") || strings.EqualFold(typ, "application/at+jwt")) &&
				claims.Subject != "" && claims.SessionID != ""
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "invalid or missing access token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, &claims)))
	})
}

func tokHeader(tok *gjwt.Token, name string) (string, bool) {
	if tok == nil {
		return "", false
	}
	v, ok := tok.Header[name].(string)
	return v, ok
}

func TestDownstreamServiceVerifiesThroughJWKS(t *testing.T) {
	t.Parallel()
	ks := mustKeySet(t, edKey, ecKey())
	iss := newIssuer(ks)

	// authd's JWKS endpoint.
	authd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(iss.JWKS())
	}))
	t.Cleanup(authd.Close)

	// The downstream service: fetch the JWKS (keyfunc refreshes it in the
	// background and on an unknown kid), then guard its handlers.
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	jwks, err := keyfunc.NewDefaultCtx(ctx, []string{authd.URL + "/.well-known/jwks.json"})
	if err != nil {
		t.Fatalf("keyfunc.NewDefaultCtx: %v", err)
	}
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(claimsKey{}).(*downstreamClaims)
		_ = json.NewEncoder(w).Encode(map[string]string{"user": c.Subject, "role": c.Role})
	})
	api := httptest.NewServer(requireAccessToken(jwks.Keyfunc, testIssuer, testAudience, []string{"EdDSA", "ES256"}, clock, hello))
	t.Cleanup(api.Close)

	expired := testClaims()
	expired.IssuedAt, expired.ExpiresAt = now.Add(-time.Hour), now.Add(-45*time.Minute)
	good := mint(t, iss, testClaims())
	parts := strings.Split(good, ".")
	edKid := ks.KeyIDs()[0]
	tests := []struct {
		name   string
		header string
		want   int
	}{
		{"valid token", "Bearer " + good, http.StatusOK},
		{"token of the other published key", "Bearer " + mint(t, newIssuer(mustKeySet(t, ecKey())), testClaims()), http.StatusOK},
		{"no header", "", http.StatusUnauthorized},
		{"not bearer", "Basic dXNlcjpwYXNz", http.StatusUnauthorized},
		{"expired", "Bearer " + mint(t, iss, expired), http.StatusUnauthorized},
		{"tampered signature", "Bearer " + parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2])), http.StatusUnauthorized},
		{"key not in the JWKS", "Bearer " + mint(t, newIssuer(mustKeySet(t, ed25519NewKey(t))), testClaims()), http.StatusUnauthorized},
		{"wrong typ", "Bearer " + handSign(t, gjwt.SigningMethodEdDSA, edKey, map[string]any{"typ": "JWT", "kid": edKid}, rawClaims()), http.StatusUnauthorized},
		{"alg none", "Bearer " + handSign(t, gjwt.SigningMethodNone, gjwt.UnsafeAllowNoneSignatureType, map[string]any{"typ": "at+jwt", "kid": edKid}, rawClaims()), http.StatusUnauthorized},
		{"refresh token", "Bearer " + mustCodec(t, refreshKey).Encode(domain.RefreshToken{SessionID: testSession, Counter: 1}), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, api.URL+"/hello", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, err := api.Client().Do(req)
			if err != nil {
				t.Fatalf("GET /hello: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusOK {
				var body map[string]string
				if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
					t.Fatalf("decode body: %v", err)
				}
				if body["user"] != testUserID || body["role"] != "user" {
					t.Errorf("body = %v, want user %s with role user", body, testUserID)
				}
			}
		})
	}
}
