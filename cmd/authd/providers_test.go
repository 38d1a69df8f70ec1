package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/authd/authd/adapters/oidc"
)

func TestLoadConfigProviders(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(lookupMap(map[string]string{
		"AUTH_PUBLIC_URL":                    "https://auth.example.com",
		"AUTH_PROVIDERS":                     " Google, github ,corp",
		"AUTH_PROVIDER_GOOGLE_CLIENT_ID":     "g-id",
		"AUTH_PROVIDER_GOOGLE_CLIENT_SECRET": "g-secret",
		"AUTH_PROVIDER_GOOGLE_AUTO_LINK":     "true",
		"AUTH_PROVIDER_GITHUB_CLIENT_ID":     "gh-id",
		"AUTH_PROVIDER_GITHUB_CLIENT_SECRET": "gh-secret",
		"AUTH_PROVIDER_GITHUB_API_URL":       "https://ghe.example.com/api/v3",
		"AUTH_PROVIDER_CORP_CLIENT_ID":       "c-id",
		"AUTH_PROVIDER_CORP_CLIENT_SECRET":   "c-secret",
		"AUTH_PROVIDER_CORP_ISSUER":          "https://sso.corp.example",
		"AUTH_PROVIDER_CORP_SCOPES":          "openid email",
	}))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if len(cfg.Providers) != 3 {
		t.Fatalf("providers = %+v, want 3", cfg.Providers)
	}
	g, gh, corp := cfg.Providers[0], cfg.Providers[1], cfg.Providers[2]
	if g.Name != "google" || g.Kind != oidc.KindOIDC || g.Issuer != "https://accounts.google.com" || !g.AutoLink ||
		g.ClientID != "g-id" || g.RedirectURL != "https://auth.example.com/v1/auth/providers/google/callback" {
		t.Errorf("google = %+v", g)
	}
	if gh.Kind != oidc.KindGitHub || gh.APIURL != "https://ghe.example.com/api/v3" || gh.AutoLink {
		t.Errorf("github = %+v", gh)
	}
	if corp.Kind != oidc.KindOIDC || corp.Issuer != "https://sso.corp.example" || strings.Join(corp.Scopes, " ") != "openid email" {
		t.Errorf("corp = %+v", corp)
	}
	if got := cfg.AppConfig().ProviderAutoLink; !got["google"] || got["github"] || got["corp"] {
		t.Errorf("AppConfig().ProviderAutoLink = %v, want google only", got)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", cfg)
	for _, secret := range []string{"g-secret", "gh-secret", "c-secret"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the config log line shows %s:\n%s", secret, buf.String())
		}
	}
	if !strings.Contains(buf.String(), `"client_id":"g-id"`) {
		t.Errorf("the config log line lacks google's client id:\n%s", buf.String())
	}
}

// TestLoadConfigRejectsHalfConfiguredProviders: each mistake stops the start with
// a line naming the variable, and never a secret's value.
func TestLoadConfigRejectsHalfConfiguredProviders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		environ  map[string]string
		wantLine string
	}{
		{map[string]string{"AUTH_PROVIDERS": "google"}, "AUTH_PROVIDER_GOOGLE_CLIENT_ID: required: AUTH_PROVIDERS names google"},
		{map[string]string{"AUTH_PROVIDERS": "google", "AUTH_PROVIDER_GOOGLE_CLIENT_ID": "x"}, "AUTH_PROVIDER_GOOGLE_CLIENT_SECRET: required: AUTH_PROVIDERS names google"},
		{map[string]string{"AUTH_PROVIDERS": "corp", "AUTH_PROVIDER_CORP_CLIENT_ID": "x", "AUTH_PROVIDER_CORP_CLIENT_SECRET": "y"},
			"AUTH_PROVIDER_CORP_ISSUER: required: corp is not a preset (google, microsoft, gitlab, github)"},
		{map[string]string{"AUTH_PROVIDERS": "corp", "AUTH_PROVIDER_CORP_CLIENT_ID": "x", "AUTH_PROVIDER_CORP_CLIENT_SECRET": "y",
			"AUTH_PROVIDER_CORP_ISSUER": "sso.corp"}, "AUTH_PROVIDER_CORP_ISSUER: not an http(s) URL"},
		{map[string]string{"AUTH_PROVIDERS": "gitlab", "AUTH_PROVIDER_GITLAB_CLIENT_ID": "x", "AUTH_PROVIDER_GITLAB_CLIENT_SECRET": "y",
			"AUTH_PROVIDER_GITLAB_SCOPES": "email"}, "AUTH_PROVIDER_GITLAB_SCOPES: an OpenID Connect provider needs the scope openid"},
		{map[string]string{"AUTH_PROVIDERS": "google", "AUTH_PROVIDER_GOOGLE_CLIENT_ID": "x", "AUTH_PROVIDER_GOOGLE_CLIENT_SECRET": "y",
			"AUTH_PROVIDER_GOOGLE_AUTO_LINK": "yes"}, "AUTH_PROVIDER_GOOGLE_AUTO_LINK: invalid boolean (want true or false)"},
		{map[string]string{"AUTH_PROVIDERS": "google", "AUTH_PROVIDER_GOOGLE_CLIENT_ID": "x", "AUTH_PROVIDER_GOOGLE_CLIENT_SECRET": "y",
			"AUTH_PROVIDER_GOOGLE_API_URL": "https://x.example"}, "AUTH_PROVIDER_GOOGLE_API_URL: only the github preset has it"},
		{map[string]string{"AUTH_PROVIDERS": "google,google"}, `provider "google" is named twice`},
		{map[string]string{"AUTH_PROVIDERS": "../x"}, `provider name "../x"`},
	} {
		_, err := LoadConfig(lookupMap(tc.environ))
		if err == nil || !strings.Contains(err.Error(), tc.wantLine) {
			t.Errorf("LoadConfig(%v) = %v, want a line %q", tc.environ, err, tc.wantLine)
			continue
		}
		if strings.Contains(err.Error(), `"y"`) {
			t.Errorf("LoadConfig(%v) error shows the secret: %v", tc.environ, err)
		}
	}
}

func TestProviderVariablesAreKnown(t *testing.T) {
	t.Parallel()
	got := unknownVars([]string{"AUTH_PROVIDER_GOOGLE_CLIENT_ID=x", "AUTH_PROVIDER_GITHUB_API_URL=x",
		"AUTH_PROVIDER_GOOGLE_CLIENT_SECRT=x", "AUTH_PROVIDER__ISSUER=x"}, nil)
	if len(got) != 2 || got[0].name != "AUTH_PROVIDER_GOOGLE_CLIENT_SECRT" || got[1].name != "AUTH_PROVIDER__ISSUER" {
		t.Errorf("unknownVars = %+v, want the misspelt and the nameless one", got)
	}
}
