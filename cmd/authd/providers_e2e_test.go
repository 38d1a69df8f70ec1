package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/authd/authd/adapters/backendtest"
)

// TestSignInWithProviderEndToEnd runs the provider flow through the real
// wiring on every backend, against an OpenID Connect provider in the test
// process: AUTH_PROVIDERS with its variables, discovery at start, authorize →
// provider → callback → POST /v1/auth/token as a single-page app does it, and
// the identity listed after.
func TestSignInWithProviderEndToEnd(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		idp := startIdP(t)
		s := startServer(t, testConfig(t, backendtest.URL(t, backend), providerEnv(idp)))
		if strings.Contains(s.logs.String(), idp.ClientSecret) {
			t.Fatal("the start-up log shows the provider's client secret")
		}
		email := "fed-" + strings.ToLower(backend) + "@example.com"
		out := signInViaProvider(t, s, idp, "sub-"+backend, email)
		if str(out, "user", "email") != email || str(out, "user", "status") != "active" {
			t.Fatalf("token response user %v, want the new active account of %s", out["user"], email)
		}
		ids := s.expect(200, "GET", "/v1/auth/identities", str(out, "access_token"), nil)
		list, _ := ids["identities"].([]any)
		if len(list) != 1 || str(list[0].(map[string]any), "provider") != "corp" {
			t.Fatalf("identities = %v, want the corp one", ids)
		}
		// No password: the identity cannot be unlinked.
		s.expect(409, "DELETE", "/v1/auth/identities/corp", str(out, "access_token"), nil)
	})
}

// startIdP runs an OpenID Connect provider in the test process.
func startIdP(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	return idp
}

// providerEnv configures idp as the provider "corp" and an app's loopback
// callback, over the variables of extra.
func providerEnv(idp *mockoidc.MockOIDC, extra ...map[string]string) map[string]string {
	env := map[string]string{
		"AUTH_PROVIDERS":                   "corp",
		"AUTH_PROVIDER_CORP_CLIENT_ID":     idp.ClientID,
		"AUTH_PROVIDER_CORP_CLIENT_SECRET": idp.ClientSecret,
		"AUTH_PROVIDER_CORP_ISSUER":        idp.Issuer(),
		"AUTH_REDIRECT_URLS":               "http://127.0.0.1/app/callback",
	}
	for _, e := range extra {
		for k, v := range e {
			env[k] = v
		}
	}
	return env
}

// signInViaProvider signs in through "corp" as the provider's user subject
// (e-mail verified) the way a single-page app does it: authorize → provider →
// callback → POST /v1/auth/token, following each redirect as a browser does.
// It returns the token response.
func signInViaProvider(t *testing.T, s *server, idp *mockoidc.MockOIDC, subject, email string) map[string]any {
	t.Helper()
	idp.QueueUser(&mockoidc.MockUser{Subject: subject, Email: email, EmailVerified: true})
	verifier := base64.RawURLEncoding.EncodeToString([]byte(rand.Text() + rand.Text())[:32])
	sum := sha256.Sum256([]byte(verifier))
	redirect := "http://127.0.0.1:41234/app/callback"
	q := url.Values{"redirect_uri": {redirect}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}, "state": {"xyz"}}
	browser := &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	hop := func(u string) *url.URL {
		t.Helper()
		var res *http.Response
		var err error
		// Discovery runs in the background: until it succeeded authorize is 502.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if res, err = browser.Get(u); err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusBadGateway || time.Now().After(deadline) {
				break
			}
		}
		if res.StatusCode != http.StatusFound {
			t.Fatalf("GET %s: %d, want 302", u, res.StatusCode)
		}
		to, err := url.Parse(res.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return to
	}
	atIdP := hop(s.base + "/v1/auth/providers/corp/authorize?" + q.Encode())
	callback := hop(atIdP.String())
	back := hop(s.base + callback.Path + "?" + callback.RawQuery)
	if got := back.Scheme + "://" + back.Host + back.Path; got != redirect || back.Query().Get("state") != "xyz" {
		t.Fatalf("back to %s, want %s with state xyz", back, redirect)
	}
	return s.expect(200, "POST", "/v1/auth/token", "", map[string]any{"grant_type": "authorization_code",
		"code": back.Query().Get("code"), "code_verifier": verifier, "redirect_uri": redirect})
}

// TestProviderDownDoesNotStopStart: authd starts with a provider that cannot
// be reached, and that provider answers 502 provider_error meanwhile.
func TestProviderDownDoesNotStopStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	_ = ln.Close()
	s := startServer(t, testConfig(t, backendtest.URL(t, "sqlite"), map[string]string{
		"AUTH_PROVIDERS":                   "corp",
		"AUTH_PROVIDER_CORP_CLIENT_ID":     "c",
		"AUTH_PROVIDER_CORP_CLIENT_SECRET": "s",
		"AUTH_PROVIDER_CORP_ISSUER":        "http://" + down + "/oidc",
		"AUTH_REDIRECT_URLS":               "http://127.0.0.1/cb",
	}))
	q := url.Values{"redirect_uri": {"http://127.0.0.1:5000/cb"}, "code_challenge": {strings.Repeat("A", 43)},
		"code_challenge_method": {"S256"}}
	out := s.expect(502, "GET", "/v1/auth/providers/corp/authorize?"+q.Encode(), "", nil)
	if out["code"] != "provider_error" {
		t.Fatalf("authorize while the provider is down: %v, want provider_error", out)
	}
	s.expect(200, "GET", "/healthz", "", nil)
}
