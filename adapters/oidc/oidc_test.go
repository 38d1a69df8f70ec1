package oidc_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/authd/authd/adapters/oidc"
	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

func started(t *testing.T) (*mockoidc.MockOIDC, *oidc.Providers) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	ps := oidc.New([]oidc.Config{{Name: "mock", Kind: oidc.KindOIDC, ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		Issuer: m.Issuer(), RedirectURL: "http://localhost:8080/v1/auth/providers/mock/callback"}},
		oidc.Options{RetryMin: 10 * time.Millisecond})
	t.Cleanup(ps.Close)
	for deadline := time.Now().Add(5 * time.Second); !ps.Ready("mock"); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not discovered")
		}
	}
	return m, ps
}

func TestAuthorizeURLCarriesChallengeAndNonceNotVerifier(t *testing.T) {
	_, ps := started(t)
	r := ports.AuthorizeRequest{State: "st", Nonce: "no", Verifier: strings.Repeat("v", 43)}
	raw, err := ps.AuthorizeURL(t.Context(), "mock", r)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	q := u.Query()
	sum := sha256.Sum256([]byte(r.Verifier))
	if q.Get("code_challenge") != base64.RawURLEncoding.EncodeToString(sum[:]) || q.Get("code_challenge_method") != "S256" ||
		q.Get("nonce") != "no" || q.Get("state") != "st" || strings.Contains(raw, r.Verifier) {
		t.Fatalf("authorize URL %s: want the S256 challenge, nonce and state, never the verifier", raw)
	}
	if _, err := ps.AuthorizeURL(t.Context(), "nope", r); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("unknown provider: %v, want not_found", err)
	}
}

// TestExchangeErrorsLeakNoCode: a refused code is provider_error, and the
// error kept for the log does not repeat the code the provider echoed.
func TestExchangeErrorsLeakNoCode(t *testing.T) {
	_, ps := started(t)
	const code = "the-authorization-code-4711"
	_, err := ps.Exchange(t.Context(), "mock", code, ports.AuthorizeRequest{Nonce: "n", Verifier: strings.Repeat("v", 43)})
	if domain.ErrorCode(err) != domain.CodeProviderError {
		t.Fatalf("Exchange = %v, want provider_error", err)
	}
	if strings.Contains(err.Error(), code) {
		t.Fatalf("the error repeats the code: %v", err)
	}
}

func TestPresets(t *testing.T) {
	for _, tc := range []struct {
		name, tenant, issuer string
		kind                 oidc.Kind
	}{
		{"google", "", "https://accounts.google.com", oidc.KindOIDC},
		{"microsoft", "", "https://login.microsoftonline.com/common/v2.0", oidc.KindOIDC},
		{"microsoft", "contoso.onmicrosoft.com", "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0", oidc.KindOIDC},
		{"gitlab", "", "https://gitlab.com", oidc.KindOIDC},
		{"github", "", "", oidc.KindGitHub},
	} {
		c, ok := oidc.Preset(tc.name, tc.tenant)
		if !ok || c.Issuer != tc.issuer || c.Kind != tc.kind {
			t.Errorf("Preset(%s, %q) = %+v, %v; want issuer %q kind %s", tc.name, tc.tenant, c, ok, tc.issuer, tc.kind)
		}
	}
	if _, ok := oidc.Preset("corp", ""); ok {
		t.Error("corp is a preset")
	}
}
