package httpapi_test

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"maps"
	"strings"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/jwt"
)

// genuine is what a fresh login hands a client, plus the service's keys, from which
// each attack row forges its token.
type genuine struct {
	access, refresh string
	// claims are the access token's payload, a fresh copy for each row to edit.
	claims gjwt.MapClaims
	// key and kid are the service's signing key and its JWK thumbprint.
	key ed25519.PrivateKey
	kid string
	// refreshKey is the service's refresh codec key.
	refreshKey []byte
}

// presentation is where a row presents its token.
type presentation int

const (
	onMe                 presentation = iota // GET /v1/auth/me with Authorization: Bearer
	onRefreshBody                            // POST /v1/auth/refresh with {"refresh_token": …}
	onRefreshBearerToken                     // POST /v1/auth/refresh with Authorization: Bearer
)

// TestTokenAttacks presents forged, tampered, misdirected and out-of-date tokens at
// the HTTP boundary (issue 6): each is refused with 401 and the right code, and the
// controls show that the same construction without the attack is accepted, so no
// row passes because of how its token was built.
func TestTokenAttacks(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		serviceKey := newEd25519Key(t)
		refreshKey, err := jwt.GenerateRefreshKey()
		if err != nil {
			t.Fatal(err)
		}
		e := newEnvWith(t, backend, envSetup{signingKey: serviceKey, refreshKey: refreshKey})
		email := uniqEmail("attack")
		e.activeUser(t, email)
		oldKey, strangerKey := newEd25519Key(t), newEd25519Key(t)

		rows := []struct {
			name    string
			via     presentation
			advance time.Duration // the clock moves this far after the login, before the request
			token   func(t *testing.T, g genuine) string
			status  int
			code    string
			offSpec string // why the request breaks openapi.json, if it does (see invalidRequest)
		}{
			{
				name: "control: the genuine access token", via: onMe, status: 200,
				token: func(_ *testing.T, g genuine) string { return g.access },
			},
			{
				name: "control: the genuine claims hand-signed with the service key", via: onMe, status: 200,
				token: func(t *testing.T, g genuine) string {
					return handSign(t, gjwt.SigningMethodEdDSA, g.key, g.kid, nil, g.claims)
				},
			},
			{
				name: "alg none", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					return handSign(t, gjwt.SigningMethodNone, gjwt.UnsafeAllowNoneSignatureType, g.kid, nil, g.claims)
				},
			},
			{
				name: "HS256 keyed with the raw public key", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					return handSign(t, gjwt.SigningMethodHS256, []byte(g.key.Public().(ed25519.PublicKey)), g.kid, nil, g.claims)
				},
			},
			{
				name: "HS256 keyed with the PEM public key", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					der, err := x509.MarshalPKIXPublicKey(g.key.Public())
					if err != nil {
						t.Fatal(err)
					}
					pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
					return handSign(t, gjwt.SigningMethodHS256, pub, g.kid, nil, g.claims)
				},
			},
			{
				name: "stripped signature", via: onMe, status: 401, code: "token_invalid",
				token: func(_ *testing.T, g genuine) string {
					h, p, _ := splitJWS(g.access)
					return h + "." + p + "."
				},
			},
			{
				name: "flipped signature byte", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					h, p, s := splitJWS(g.access)
					return h + "." + p + "." + flipByte(t, s, 0)
				},
			},
			{
				name: "payload edited to role admin, original signature", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					if g.claims["role"] != "user" {
						t.Fatalf("genuine role = %v, want user", g.claims["role"])
					}
					g.claims["role"] = "admin"
					h, _, s := splitJWS(g.access)
					return h + "." + encodeSegment(t, g.claims) + "." + s
				},
			},
			{
				// RFC 7519 §2: a NumericDate is a JSON number; a string holding one,
				// even signed with the service's own key, is not one authd mints.
				name: "exp as a JSON string, signed with the service key", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					exp, ok := g.claims["exp"].(json.Number)
					if !ok {
						t.Fatalf("genuine exp = %#v, want a number", g.claims["exp"])
					}
					g.claims["exp"] = exp.String()
					return handSign(t, gjwt.SigningMethodEdDSA, g.key, g.kid, nil, g.claims)
				},
			},
			{
				name: "expired", via: onMe, advance: 15*time.Minute + jwt.DefaultLeeway + time.Second, status: 401, code: "token_expired",
				token: func(_ *testing.T, g genuine) string { return g.access },
			},
			{
				name: "not yet valid", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					g.claims["nbf"] = unix(t, g.claims["nbf"]) + int64((5 * time.Minute).Seconds())
					return handSign(t, gjwt.SigningMethodEdDSA, g.key, g.kid, nil, g.claims)
				},
			},
			{
				name: "wrong issuer", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					g.claims["iss"] = "https://evil.example"
					return handSign(t, gjwt.SigningMethodEdDSA, g.key, g.kid, nil, g.claims)
				},
			},
			{
				name: "wrong audience", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					g.claims["aud"] = "another-service"
					return handSign(t, gjwt.SigningMethodEdDSA, g.key, g.kid, nil, g.claims)
				},
			},
			{
				name: "unknown kid: signed by another key", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					tok := handSign(t, gjwt.SigningMethodEdDSA, strangerKey, kidOf(t, strangerKey), nil, g.claims)
					mustBeAcceptedBy(t, e, tok, strangerKey)
					return tok
				},
			},
			{
				name: "the service's kid on another key's signature", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					return handSign(t, gjwt.SigningMethodEdDSA, strangerKey, g.kid, nil, g.claims)
				},
			},
			{
				name: "kid of a key rotated out", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					old, err := jwt.NewKeySet(oldKey)
					if err != nil {
						t.Fatal(err)
					}
					tok := handSign(t, gjwt.SigningMethodEdDSA, oldKey, old.KeyIDs()[0], nil, g.claims)
					// During the rotation the service held [new, old] and took this token.
					mustBeAcceptedBy(t, e, tok, g.key, oldKey)
					return tok
				},
			},
			{
				name: "typ JWT instead of at+jwt", via: onMe, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					return handSign(t, gjwt.SigningMethodEdDSA, g.key, g.kid, map[string]any{"typ": "JWT"}, g.claims)
				},
			},
			{
				name: "refresh token presented as an access token", via: onMe, status: 401, code: "token_invalid",
				token: func(_ *testing.T, g genuine) string { return g.refresh },
			},
			{
				name: "control: the genuine refresh token in the body", via: onRefreshBody, status: 200,
				token: func(_ *testing.T, g genuine) string { return g.refresh },
			},
			{
				name: "control: the genuine refresh token as Bearer", via: onRefreshBearerToken, status: 200,
				token: func(_ *testing.T, g genuine) string { return g.refresh },
			},
			{
				name: "access token presented as a refresh token in the body", via: onRefreshBody, status: 401, code: "token_invalid",
				offSpec: "a JWT is longer than a refresh token and holds dots",
				token:   func(_ *testing.T, g genuine) string { return g.access },
			},
			{
				name: "access token presented as a refresh token as Bearer", via: onRefreshBearerToken, status: 401, code: "token_invalid",
				token: func(_ *testing.T, g genuine) string { return g.access },
			},
			{
				name: "refresh token with a flipped MAC byte", via: onRefreshBody, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					raw, err := base64.RawURLEncoding.DecodeString(g.refresh)
					if err != nil {
						t.Fatal(err)
					}
					return flipByte(t, g.refresh, len(raw)-1) // the MAC ends the token
				},
			},
			{
				name: "refresh token encoded under another key", via: onRefreshBody, status: 401, code: "token_invalid",
				token: func(t *testing.T, g genuine) string {
					ours, err := jwt.NewRefreshCodec(g.refreshKey)
					if err != nil {
						t.Fatal(err)
					}
					rt, err := ours.Decode(g.refresh)
					if err != nil {
						t.Fatalf("decoding the genuine refresh token: %v", err)
					}
					if again := ours.Encode(rt); again != g.refresh {
						t.Fatalf("re-encoding under the service key = %q, want the genuine token", again)
					}
					otherKey, err := jwt.GenerateRefreshKey()
					if err != nil {
						t.Fatal(err)
					}
					theirs, err := jwt.NewRefreshCodec(otherKey)
					if err != nil {
						t.Fatal(err)
					}
					return theirs.Encode(rt)
				},
			},
		}
		for _, row := range rows {
			t.Run(row.name, func(t *testing.T) {
				tk := e.login(t, email)
				g := genuine{
					access: tk.AccessToken, refresh: tk.RefreshToken, claims: payloadOf(t, tk.AccessToken),
					key: serviceKey, kid: kidOf(t, serviceKey), refreshKey: refreshKey,
				}
				token := row.token(t, g)
				if row.advance != 0 {
					e.clock.Advance(row.advance)
					t.Cleanup(func() { e.clock.Advance(-row.advance) })
				}
				var r response
				switch row.via {
				case onMe:
					r = e.do(t, "GET", "/v1/auth/me", nil, bearer(token))
				case onRefreshBody:
					var opts []reqOption
					if row.offSpec != "" {
						opts = append(opts, invalidRequest(row.offSpec))
					}
					r = e.do(t, "POST", "/v1/auth/refresh", map[string]string{"refresh_token": token}, opts...)
				case onRefreshBearerToken:
					r = e.do(t, "POST", "/v1/auth/refresh", nil, bearer(token))
				}
				r.expect(t, row.status, row.code)
				if row.status == 401 {
					if got, want := r.Header.Get("WWW-Authenticate"), `error="invalid_token"`; !strings.Contains(got, want) {
						t.Errorf("WWW-Authenticate = %q, want it to contain %s", got, want)
					}
				}
			})
		}
	})
}

// newEd25519Key returns a fresh random Ed25519 private key.
func newEd25519Key(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// kidOf returns the kid authd gives key: its JWK thumbprint.
func kidOf(t testing.TB, key ed25519.PrivateKey) string {
	t.Helper()
	ks, err := jwt.NewKeySet(key)
	if err != nil {
		t.Fatal(err)
	}
	return ks.KeyIDs()[0]
}

// handSign signs claims with method and key outside any Issuer, as an attacker
// would, under an access token's header (typ at+jwt, the given kid) with extra
// applied on top.
func handSign(t testing.TB, method gjwt.SigningMethod, key any, kid string, extra map[string]any, claims gjwt.MapClaims) string {
	t.Helper()
	tok := gjwt.NewWithClaims(method, claims)
	tok.Header["typ"] = "at+jwt"
	tok.Header["kid"] = kid
	maps.Copy(tok.Header, extra)
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("hand-sign with %s: %v", method.Alg(), err)
	}
	return s
}

// mustBeAcceptedBy fails t unless an issuer like e's holding keys verifies token:
// the row's token is then refused only for the key it names.
func mustBeAcceptedBy(t testing.TB, e *env, token string, keys ...ed25519.PrivateKey) {
	t.Helper()
	signers := make([]crypto.Signer, len(keys))
	for i, k := range keys {
		signers[i] = k
	}
	ks, err := jwt.NewKeySet(signers...)
	if err != nil {
		t.Fatal(err)
	}
	iss := jwt.NewIssuer(ks, jwt.Options{Issuer: testIssuer, Audience: "authd", Now: e.clock.Now})
	if _, err := iss.Verify(t.Context(), token); err != nil {
		t.Fatalf("precondition: an issuer holding the signing key refuses the token: %v", err)
	}
}

// splitJWS returns the three segments of a compact JWS.
func splitJWS(token string) (header, payload, signature string) {
	parts := strings.SplitN(token, ".", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	return parts[0], parts[1], parts[2]
}

// flipByte decodes a base64url segment, flips the low bit of byte i and encodes it
// again.
func flipByte(t testing.TB, segment string, i int) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		t.Fatalf("decode segment: %v", err)
	}
	if i >= len(raw) {
		t.Fatalf("segment has %d bytes, cannot flip byte %d", len(raw), i)
	}
	raw[i] ^= 1
	return base64.RawURLEncoding.EncodeToString(raw)
}

// payloadOf decodes an access token's claims, keeping numbers exact.
func payloadOf(t testing.TB, token string) gjwt.MapClaims {
	t.Helper()
	_, p, _ := splitJWS(token)
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		t.Fatalf("decode payload: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var c gjwt.MapClaims
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("parse payload: %v", err)
	}
	return c
}

// encodeSegment encodes v as a JWS segment.
func encodeSegment(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// unix reads a NumericDate claim decoded with UseNumber.
func unix(t testing.TB, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("claim %v is %T, want a number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("claim %v: %v", v, err)
	}
	return i
}
