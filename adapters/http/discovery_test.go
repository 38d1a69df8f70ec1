package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	gjwt "github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/authd/authd/adapters/backendtest"
	httpapi "github.com/authd/authd/adapters/http"
)

// verifyAccessToken is the README's go-oidc example: go-oidc checks the signature,
// iss, aud and exp, but not typ, so the at+jwt check (RFC 9068 §4) comes first.
// The header is covered by the signature that Verify then checks.
func verifyAccessToken(ctx context.Context, v *oidc.IDTokenVerifier, raw string) (*oidc.IDToken, error) {
	head, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return nil, fmt.Errorf("token header: %w", err)
	}
	var h struct {
		Typ string `json:"typ"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("token header: %w", err)
	}
	if !strings.EqualFold(h.Typ, "at+jwt") && !strings.EqualFold(h.Typ, "application/at+jwt") {
		return nil, fmt.Errorf("typ %q is not at+jwt: not an access token", h.Typ)
	}
	return v.Verify(ctx, raw)
}

// TestDiscoveryWithGoOIDC runs go-oidc, the library the project chose for OpenID
// Connect, against a served authd: discovery finds the issuer and the keys and
// claims no endpoint that authd does not serve, and the README's verifier takes an
// access token and refuses one whose typ or aud is wrong.
func TestDiscoveryWithGoOIDC(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + ln.Addr().String()
		key := newEd25519Key(t)
		e := newEnvWith(t, backend, envSetup{signingKey: key, options: []func(*httpapi.Options){
			func(o *httpapi.Options) { o.PublicURL = base },
		}})
		serveOn(t, e, ln)

		// The tokens' iss is testIssuer, not the address the test serves on.
		ctx := oidc.InsecureIssuerURLContext(t.Context(), testIssuer)
		provider, err := oidc.NewProvider(ctx, base)
		if err != nil {
			t.Fatalf("oidc.NewProvider: %v", err)
		}
		if ep := provider.Endpoint(); ep.AuthURL != "" || ep.TokenURL != "" {
			t.Errorf("discovery names auth %q and token %q endpoints, want none (none is served)", ep.AuthURL, ep.TokenURL)
		}
		if got := provider.UserInfoEndpoint(); got != "" {
			t.Errorf("userinfo_endpoint = %q, want none (authd serves no OIDC UserInfo)", got)
		}
		email := uniqEmail("oidc")
		e.activeUser(t, email)
		tk := e.login(t, email)
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tk.AccessToken})); err == nil {
			t.Errorf("provider.UserInfo succeeded, want the error that no userinfo endpoint exists")
		}

		verifier := provider.Verifier(&oidc.Config{ClientID: "authd", SupportedSigningAlgs: []string{"EdDSA"}})
		// The pitfall the README warns about: go-oidc takes an access token for an
		// ID token. Should it ever start refusing, the README must change.
		if _, err := verifier.Verify(ctx, tk.AccessToken); err != nil {
			t.Errorf("go-oidc refuses an access token as an ID token (%v); the README's warning says it accepts one: update it", err)
		}
		tok, err := verifyAccessToken(ctx, verifier, tk.AccessToken)
		if err != nil {
			t.Fatalf("verifyAccessToken(access token): %v, want it accepted", err)
		}
		if tok.Subject != tk.User.ID || tok.Issuer != testIssuer {
			t.Errorf("token sub, iss = %q, %q; want %q, %q", tok.Subject, tok.Issuer, tk.User.ID, testIssuer)
		}

		claims := payloadOf(t, tk.AccessToken)
		for name, raw := range map[string]string{
			"typ JWT (an ID token's shape)": handSign(t, gjwt.SigningMethodEdDSA, key, kidOf(t, key), map[string]any{"typ": "JWT"}, claims),
			"typ null":                      handSign(t, gjwt.SigningMethodEdDSA, key, kidOf(t, key), map[string]any{"typ": nil}, claims),
			"another aud":                   handSign(t, gjwt.SigningMethodEdDSA, key, kidOf(t, key), nil, withClaim(claims, "aud", "billing")),
			"expired": handSign(t, gjwt.SigningMethodEdDSA, key, kidOf(t, key), nil,
				withClaim(claims, "exp", time.Now().Add(-time.Hour).Unix())),
		} {
			if _, err := verifyAccessToken(ctx, verifier, raw); err == nil {
				t.Errorf("verifyAccessToken accepted a token with %s, want it refused", name)
			}
		}
	})
}

// withClaim returns a copy of claims with name set to v.
func withClaim(claims gjwt.MapClaims, name string, v any) gjwt.MapClaims {
	out := gjwt.MapClaims{}
	for k, val := range claims {
		out[k] = val
	}
	out[name] = v
	return out
}

// serveOn serves e's API on ln until t ends.
func serveOn(t testing.TB, e *env, ln net.Listener) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.api.Listener(ln)
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
	})
}
