package jwt_test

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/domain"
)

func TestMintVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range algCases() {
		t.Run(c.alg, func(t *testing.T) {
			t.Parallel()
			ks := c.keySet(t)
			iss := newIssuer(ks)
			want := testClaims()
			tok := mint(t, iss, want)

			h := header(t, tok)
			for name, v := range map[string]any{"typ": "at+jwt", "alg": c.alg, "kid": kidOf(t, ks)} {
				if h[name] != v {
					t.Errorf("header %s = %v, want %v", name, h[name], v)
				}
			}
			got, err := iss.Verify(t.Context(), tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("Verify = %+v, want %+v", *got, want)
			}
		})
	}
}

func TestMintedPayload(t *testing.T) {
	t.Parallel()
	tok := mint(t, newIssuer(mustKeySet(t, edKey)), testClaims())
	seg := strings.Split(tok, ".")[1]
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("decode payload: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("parse payload: %v", err)
	}
	c := testClaims()
	want := map[string]any{
		"iss": testIssuer, "aud": testAudience, "sub": c.Subject, "sid": c.SessionID, "jti": c.ID,
		"iat": float64(now.Unix()), "nbf": float64(now.Unix()), "exp": float64(c.ExpiresAt.Unix()),
		"role": "user", "fresh": true, "aal": "aal2", "auth_time": float64(c.AuthTime.Unix()),
	}
	if amr, ok := got["amr"].([]any); !ok || len(amr) != 3 || amr[0] != "pwd" || amr[1] != "otp" || amr[2] != "mfa" {
		t.Errorf("claim amr = %#v, want [pwd otp mfa]", got["amr"])
	}
	delete(got, "amr")
	if len(got) != len(want) {
		t.Errorf("payload has %d claims (%v), want %d", len(got), got, len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("claim %s = %#v, want %#v", k, got[k], v)
		}
	}
}

func TestMintRejectsIncompleteClaims(t *testing.T) {
	t.Parallel()
	iss := newIssuer(mustKeySet(t, edKey))
	tests := map[string]func(*domain.AccessClaims){
		"no jti":           func(c *domain.AccessClaims) { c.ID = "" },
		"no subject":       func(c *domain.AccessClaims) { c.Subject = "" },
		"no session":       func(c *domain.AccessClaims) { c.SessionID = "" },
		"bad role":         func(c *domain.AccessClaims) { c.Role = "root" },
		"no issued at":     func(c *domain.AccessClaims) { c.IssuedAt = time.Time{} },
		"exp before iat":   func(c *domain.AccessClaims) { c.ExpiresAt = c.IssuedAt.Add(-time.Second) },
		"exp equal to iat": func(c *domain.AccessClaims) { c.ExpiresAt = c.IssuedAt },
	}
	for name, edit := range tests {
		c := testClaims()
		edit(&c)
		if tok, err := iss.Mint(t.Context(), c); err == nil {
			t.Errorf("%s: Mint = %q, nil; want an error", name, tok)
		}
	}
}

func TestVerifyTimeWindow(t *testing.T) {
	t.Parallel()
	iss := newIssuer(mustKeySet(t, edKey))
	at := func(issued time.Time) domain.AccessClaims {
		c := testClaims()
		c.IssuedAt, c.ExpiresAt = issued, issued.Add(15*time.Minute)
		return c
	}
	tests := []struct {
		name   string
		claims domain.AccessClaims
		want   domain.Code // "" means accepted
	}{
		{"fresh", at(now), ""},
		{"about to expire", at(now.Add(-15*time.Minute + time.Second)), ""},
		{"expired within leeway", at(now.Add(-15*time.Minute - 20*time.Second)), ""},
		{"expired beyond leeway", at(now.Add(-15*time.Minute - 31*time.Second)), domain.CodeTokenExpired},
		{"long expired", at(now.Add(-24 * time.Hour)), domain.CodeTokenExpired},
		{"issued slightly ahead (skew)", at(now.Add(20 * time.Second)), ""},
		{"not yet valid", at(now.Add(time.Minute)), domain.CodeTokenInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := iss.Verify(t.Context(), mint(t, iss, tt.claims))
			assertCode(t, "Verify", err, tt.want)
			t.Log(err)
		})
	}
}

func TestLeewayOption(t *testing.T) {
	t.Parallel()
	ks := mustKeySet(t, edKey)
	c := testClaims()
	c.IssuedAt, c.ExpiresAt = now.Add(-time.Hour), now.Add(-5*time.Second)
	tok := mint(t, newIssuer(ks), c)
	tests := []struct {
		leeway time.Duration
		want   domain.Code
	}{
		{0, ""}, // the 30 s default
		{-1, domain.CodeTokenExpired},
		{time.Second, domain.CodeTokenExpired},
		{10 * time.Second, ""},
	}
	for _, tt := range tests {
		iss := jwt.NewIssuer(ks, jwt.Options{Issuer: testIssuer, Audience: testAudience, Leeway: tt.leeway, Now: clock})
		_, err := iss.Verify(t.Context(), tok)
		assertCode(t, "Verify with leeway "+tt.leeway.String(), err, tt.want)
	}
}

// TestVerifyRefusesAttacks is the table of forged, altered and misdirected tokens:
// every one must be refused with the right code, whatever the key types in play.
func TestVerifyRefusesAttacks(t *testing.T) {
	t.Parallel()
	// The verifier trusts an Ed25519 and an RSA key (as after a rotation between
	// types) and an EC key, so confusion between them is possible in principle.
	ks := mustKeySet(t, edKey, rsaKey(), ecKey())
	iss := newIssuer(ks)
	ids := ks.KeyIDs()
	edKid, rsaKid, ecKid := ids[0], ids[1], ids[2]
	good := mint(t, iss, testClaims())
	parts := strings.Split(good, ".")

	rsaPubDER, err := x509.MarshalPKIXPublicKey(&rsaKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaPubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaPubDER})
	edPub := []byte(edKey.Public().(ed25519.PublicKey))

	flipped := func() string {
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil {
			t.Fatal(err)
		}
		sig[len(sig)/2] ^= 0x01
		return parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	editedPayload := func() string {
		c := rawClaims()
		c["sub"], c["sid"], c["jti"] = testClaims().Subject, testClaims().SessionID, testClaims().ID
		c["role"] = "admin"
		payload, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	}
	with := func(edit func(gjwt.MapClaims)) gjwt.MapClaims {
		c := rawClaims()
		edit(c)
		return c
	}
	edHeader := map[string]any{"typ": "at+jwt", "kid": edKid}
	otherIssuer := jwt.NewIssuer(ks, jwt.Options{Issuer: "https://evil.example.com", Audience: testAudience, Now: clock})
	otherAudience := jwt.NewIssuer(ks, jwt.Options{Issuer: testIssuer, Audience: "billing", Now: clock})
	unknownKey := newIssuer(mustKeySet(t, ed25519NewKey(t)))
	expired := testClaims()
	expired.IssuedAt, expired.ExpiresAt = now.Add(-time.Hour), now.Add(-45*time.Minute)
	future := testClaims()
	future.IssuedAt, future.ExpiresAt = now.Add(time.Hour), now.Add(75*time.Minute)
	codec, err := jwt.NewRefreshCodec(hmacSecret)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		token string
		want  domain.Code
	}{
		{"empty", "", domain.CodeTokenInvalid},
		{"garbage", "not a token", domain.CodeTokenInvalid},
		{"two segments", parts[0] + "." + parts[1], domain.CodeTokenInvalid},
		{"four segments", good + ".x", domain.CodeTokenInvalid},
		{"oversized", good + strings.Repeat("A", 9000), domain.CodeTokenInvalid},
		{"line break in signature", parts[0] + "." + parts[1] + "." + parts[2][:10] + "\n" + parts[2][10:], domain.CodeTokenInvalid},
		{"alg none", handSign(t, gjwt.SigningMethodNone, gjwt.UnsafeAllowNoneSignatureType, edHeader, rawClaims()), domain.CodeTokenInvalid},
		{"alg none with original signature", func() string {
			h, _ := json.Marshal(map[string]any{"alg": "none", "typ": "at+jwt", "kid": edKid})
			return base64.RawURLEncoding.EncodeToString(h) + "." + parts[1] + "." + parts[2]
		}(), domain.CodeTokenInvalid},
		{"HS256 keyed with the RSA public key PEM", handSign(t, gjwt.SigningMethodHS256, rsaPubPEM, map[string]any{"typ": "at+jwt", "kid": rsaKid}, rawClaims()), domain.CodeTokenInvalid},
		{"HS256 keyed with the RSA public key DER", handSign(t, gjwt.SigningMethodHS256, rsaPubDER, map[string]any{"typ": "at+jwt", "kid": rsaKid}, rawClaims()), domain.CodeTokenInvalid},
		{"HS256 keyed with the Ed25519 public key", handSign(t, gjwt.SigningMethodHS256, edPub, edHeader, rawClaims()), domain.CodeTokenInvalid},
		{"RS256 signature under the EC key's kid", handSign(t, gjwt.SigningMethodRS256, rsaKey(), map[string]any{"typ": "at+jwt", "kid": ecKid}, rawClaims()), domain.CodeTokenInvalid},
		{"ES256 signature under the Ed25519 key's kid", handSign(t, gjwt.SigningMethodES256, ecKey(), edHeader, rawClaims()), domain.CodeTokenInvalid},
		{"stripped signature", parts[0] + "." + parts[1] + ".", domain.CodeTokenInvalid},
		{"flipped signature byte", flipped(), domain.CodeTokenInvalid},
		{"signature of another token", parts[0] + "." + parts[1] + "." + strings.Split(mint(t, iss, expired), ".")[2], domain.CodeTokenInvalid},
		{"payload edited, original signature", editedPayload(), domain.CodeTokenInvalid},
		{"expired", mint(t, iss, expired), domain.CodeTokenExpired},
		{"not yet valid", mint(t, iss, future), domain.CodeTokenInvalid},
		{"wrong issuer", mint(t, otherIssuer, testClaims()), domain.CodeTokenInvalid},
		{"wrong audience", mint(t, otherAudience, testClaims()), domain.CodeTokenInvalid},
		{"expired and wrong issuer", mint(t, otherIssuer, expired), domain.CodeTokenInvalid},
		{"unknown kid", mint(t, unknownKey, testClaims()), domain.CodeTokenInvalid},
		{"no kid", handSign(t, gjwt.SigningMethodEdDSA, edKey, map[string]any{"typ": "at+jwt"}, rawClaims()), domain.CodeTokenInvalid},
		{"typ JWT", handSign(t, gjwt.SigningMethodEdDSA, edKey, map[string]any{"typ": "JWT", "kid": edKid}, rawClaims()), domain.CodeTokenInvalid},
		{"no typ", handSign(t, gjwt.SigningMethodEdDSA, edKey, map[string]any{"typ": nil, "kid": edKid}, rawClaims()), domain.CodeTokenInvalid},
		{"crit header", handSign(t, gjwt.SigningMethodEdDSA, edKey, map[string]any{"typ": "at+jwt", "kid": edKid, "crit": []string{"exp"}}, rawClaims()), domain.CodeTokenInvalid},
		{"no sub", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { delete(c, "sub") })), domain.CodeTokenInvalid},
		{"no sid", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { delete(c, "sid") })), domain.CodeTokenInvalid},
		{"no jti", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { delete(c, "jti") })), domain.CodeTokenInvalid},
		{"no exp", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { delete(c, "exp") })), domain.CodeTokenInvalid},
		{"no iss", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { delete(c, "iss") })), domain.CodeTokenInvalid},
		{"unknown role", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { c["role"] = "root" })), domain.CodeTokenInvalid},
		{"exp as a string", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { c["exp"] = strconv.FormatInt(now.Add(time.Minute).Unix(), 10) })), domain.CodeTokenInvalid},
		{"iat as a string", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { c["iat"] = strconv.FormatInt(now.Unix(), 10) })), domain.CodeTokenInvalid},
		{"nbf as a string", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { c["nbf"] = strconv.FormatInt(now.Unix(), 10) })), domain.CodeTokenInvalid},
		{"exp as a boolean", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { c["exp"] = true })), domain.CodeTokenInvalid},
		{"fresh not a boolean", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { c["fresh"] = "yes" })), domain.CodeTokenInvalid},
		{"audience list without ours", handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, with(func(c gjwt.MapClaims) { c["aud"] = []string{"billing", "crm"} })), domain.CodeTokenInvalid},
		{"refresh token", codec.Encode(domain.RefreshToken{SessionID: testSession, Counter: 1}), domain.CodeTokenInvalid},
	}
	const (
		malformed = "malformed"
		badAlg    = "algorithm"
		badSig    = "signature is invalid"
		missing   = "lacks required claims"
		notNumber = "must be numbers"
	)
	reasons := map[string]string{
		"empty": malformed, "garbage": malformed, "two segments": malformed, "four segments": malformed,
		"oversized": malformed, "line break in signature": malformed, "alg none": badAlg, "alg none with original signature": badAlg,
		"HS256 keyed with the RSA public key PEM": badAlg, "HS256 keyed with the RSA public key DER": badAlg,
		"HS256 keyed with the Ed25519 public key": badAlg, "RS256 signature under the EC key's kid": badAlg,
		"ES256 signature under the Ed25519 key's kid": badAlg, "stripped signature": badSig,
		"flipped signature byte": badSig, "signature of another token": badSig,
		"payload edited, original signature": badSig, "expired": "expired", "not yet valid": "not valid yet",
		"wrong issuer": "another issuer", "wrong audience": "another audience",
		"expired and wrong issuer": "another issuer", "unknown kid": "unknown key", "no kid": "unknown key",
		"typ JWT": "not an access token", "no typ": "not an access token", "crit header": "critical header",
		"no sub": missing, "no sid": missing, "no jti": missing, "no exp": missing, "no iss": missing,
		"exp as a string": notNumber, "iat as a string": notNumber, "nbf as a string": notNumber, "exp as a boolean": notNumber,
		"unknown role": missing, "fresh not a boolean": malformed, "audience list without ours": "another audience",
		"refresh token": malformed,
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, ok := reasons[tt.name]; !ok {
				t.Fatalf("no expected reason for case %q", tt.name)
			}
			got, err := iss.Verify(t.Context(), tt.token)
			if err == nil {
				t.Fatalf("Verify accepted the token: %+v", got)
			}
			assertCode(t, "Verify", err, tt.want)
			// The message names the reason, so the case fails for the reason it
			// is about and not by accident of how the token was built.
			if msg, want := domain.ErrorMessage(err), reasons[tt.name]; !strings.Contains(msg, want) {
				t.Errorf("error message = %q, want one containing %q", msg, want)
			}
		})
	}

	// The hand-signing helper itself is sound: with nothing wrong, the token passes.
	control := handSign(t, gjwt.SigningMethodEdDSA, edKey, edHeader, rawClaims())
	if _, err := iss.Verify(t.Context(), control); err != nil {
		t.Errorf("Verify(control token) = %v, want nil", err)
	}
}

func TestVerifyAcceptsTypVariants(t *testing.T) {
	t.Parallel()
	iss := newIssuer(mustKeySet(t, edKey))
	kid := kidOf(t, mustKeySet(t, edKey))
	for _, typ := range []string{"at+jwt", "AT+JWT", "application/at+jwt", "Application/At+JWT"} {
		tok := handSign(t, gjwt.SigningMethodEdDSA, edKey, map[string]any{"typ": typ, "kid": kid}, rawClaims())
		if _, err := iss.Verify(t.Context(), tok); err != nil {
			t.Errorf("Verify with typ %q = %v, want nil", typ, err)
		}
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	oldKeys := mustKeySet(t, edKey)
	both := mustKeySet(t, ecKey(), edKey) // new key first: it signs
	newOnly := mustKeySet(t, ecKey())
	oldToken := mint(t, newIssuer(oldKeys), testClaims())
	newToken := mint(t, newIssuer(both), testClaims())

	if got, want := header(t, newToken)["kid"], kidOf(t, newOnly); got != want {
		t.Errorf("kid of a token minted during rotation = %v, want the new key's %v", got, want)
	}
	during := newIssuer(both)
	for name, tok := range map[string]string{"old": oldToken, "new": newToken} {
		// Twice: the second answer comes from the verified-token cache.
		for range 2 {
			if _, err := during.Verify(t.Context(), tok); err != nil {
				t.Errorf("during rotation, Verify(%s token) = %v, want nil", name, err)
			}
		}
	}
	var jwks struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(during.JWKS(), &jwks); err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	var published []string
	for _, k := range jwks.Keys {
		published = append(published, k.Kid)
	}
	if want := both.KeyIDs(); !slices.Equal(published, want) {
		t.Errorf("JWKS kids during rotation = %v, want %v", published, want)
	}

	after := newIssuer(newOnly)
	if _, err := after.Verify(t.Context(), newToken); err != nil {
		t.Errorf("after rotation, Verify(new token) = %v, want nil", err)
	}
	// The old token was cached as verified during the rotation; dropping its key
	// must still refuse it.
	_, err := after.Verify(t.Context(), oldToken)
	assertCode(t, "after rotation, Verify(cached token of the removed key)", err, domain.CodeTokenInvalid)
}

func TestJWKSAndAlgorithms(t *testing.T) {
	t.Parallel()
	iss := newIssuer(mustKeySet(t, edKey, rsaKey(), ecKey(), ed25519NewKey(t)))
	if got, want := iss.Algorithms(), []string{"EdDSA", "RS256", "ES256"}; !slices.Equal(got, want) {
		t.Errorf("Algorithms = %v, want %v", got, want)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(iss.JWKS(), &set); err != nil {
		t.Fatalf("JWKS is not JSON: %v", err)
	}
	if len(set.Keys) != 4 {
		t.Fatalf("JWKS has %d keys, want 4", len(set.Keys))
	}
	wantMembers := map[string][]string{
		"OKP": {"alg", "crv", "kid", "kty", "use", "x"},
		"RSA": {"alg", "e", "kid", "kty", "n", "use"},
		"EC":  {"alg", "crv", "kid", "kty", "use", "x", "y"},
	}
	for _, k := range set.Keys {
		var members []string
		for m := range k {
			members = append(members, m)
		}
		slices.Sort(members)
		if want := wantMembers[k["kty"]]; !slices.Equal(members, want) {
			t.Errorf("JWK %s has members %v, want exactly %v (no private parts)", k["kid"], members, want)
		}
		if k["use"] != "sig" {
			t.Errorf("JWK %s use = %q, want sig", k["kid"], k["use"])
		}
	}

	hs := newIssuer(algCase{jwt.AlgHS256, nil}.keySet(t))
	if got, want := string(hs.JWKS()), `{"keys":[]}`; got != want {
		t.Errorf("HS256 JWKS = %s, want %s", got, want)
	}
	if got, want := hs.Algorithms(), []string{"HS256"}; !slices.Equal(got, want) {
		t.Errorf("HS256 Algorithms = %v, want %v", got, want)
	}

	// JWKS hands out a copy: a caller scribbling on it cannot change what is served.
	b := iss.JWKS()
	b[0] = 'X'
	if iss.JWKS()[0] != '{' {
		t.Error("JWKS returned the Issuer's own buffer, want a copy")
	}
}

func TestNewIssuerPanicsWithoutIssuerOrAudience(t *testing.T) {
	t.Parallel()
	ks := mustKeySet(t, edKey)
	for name, opts := range map[string]jwt.Options{
		"no issuer":   {Audience: testAudience},
		"no audience": {Issuer: testIssuer},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: NewIssuer did not panic", name)
				}
			}()
			jwt.NewIssuer(ks, opts)
		}()
	}
}

// TestMintMatchesMapClaims pins the bytes of a minted token: EdDSA and HS256 sign
// deterministically, so the same claims signed through golang-jwt's MapClaims (how
// Mint built tokens before it encoded a fixed header and a struct payload) must
// give the very same string.
func TestMintMatchesMapClaims(t *testing.T) {
	t.Parallel()
	for _, c := range algCases() {
		if c.alg != jwt.AlgEdDSA && c.alg != jwt.AlgHS256 {
			continue
		}
		t.Run(c.alg, func(t *testing.T) {
			t.Parallel()
			ks := c.keySet(t)
			claims := testClaims()
			claims.Subject = `odd "sub" <&> é`
			got := mint(t, newIssuer(ks), claims)

			method, key := gjwt.SigningMethod(gjwt.SigningMethodEdDSA), any(edKey)
			if c.alg == jwt.AlgHS256 {
				method, key = gjwt.SigningMethodHS256, []byte(hmacSecret)
			}
			iat := claims.IssuedAt.Unix()
			tok := gjwt.NewWithClaims(method, gjwt.MapClaims{
				"iss": testIssuer, "aud": testAudience, "sub": claims.Subject, "sid": claims.SessionID,
				"jti": claims.ID, "iat": iat, "nbf": iat, "exp": claims.ExpiresAt.Unix(),
				"role": string(claims.Role), "fresh": claims.Fresh, "aal": string(claims.AAL),
				"amr": claims.AMR, "auth_time": claims.AuthTime.Unix(),
			})
			tok.Header["typ"] = "at+jwt"
			tok.Header["kid"] = kidOf(t, ks)
			want, err := tok.SignedString(key)
			if err != nil {
				t.Fatalf("golang-jwt: %v", err)
			}
			if got != want {
				t.Errorf("Mint =\n%s\nwant (MapClaims)\n%s", got, want)
			}
		})
	}
}
