// Package oidc signs users in through external identity providers: OpenID
// Connect providers by discovery (golang.org/x/oauth2 with
// github.com/coreos/go-oidc/v3), and GitHub's OAuth 2.0 with its user and
// e-mail API. It implements ports.Providers and speaks domain types only at
// that port; authd's flow state (state, nonce, PKCE verifier) is the caller's.
package oidc

import (
	"net/url"
	"strings"
)

// Kind is how a provider is spoken to.
type Kind string

// The kinds: OpenID Connect by discovery, or GitHub's OAuth 2.0 and REST API.
const (
	KindOIDC   Kind = "oidc"
	KindGitHub Kind = "github"
)

// Config is one provider as configured (AUTH_PROVIDER_<NAME>_*).
type Config struct {
	Name         string
	Kind         Kind
	ClientID     string
	ClientSecret string
	// Issuer is the OIDC issuer whose /.well-known/openid-configuration is read.
	Issuer string
	Scopes []string
	// AuthURL, TokenURL and APIURL are GitHub's endpoints (GitHub Enterprise,
	// tests); empty takes github.com's.
	AuthURL  string
	TokenURL string
	APIURL   string
	// Tenant is Microsoft's tenant (common, organizations, consumers or a
	// tenant id); set only for the microsoft preset.
	Tenant string
	// RedirectURL is authd's own callback URL, registered at the provider.
	RedirectURL string
}

// The GitHub endpoints used when none are configured.
const (
	gitHubAuthURL  = "https://github.com/login/oauth/authorize"
	gitHubTokenURL = "https://github.com/login/oauth/access_token"
	gitHubAPIURL   = "https://api.github.com"
)

// multiTenant are Microsoft's tenants whose ID tokens carry the user's own
// tenant in their issuer.
var multiTenant = map[string]bool{"common": true, "organizations": true, "consumers": true}

// Preset returns the configuration a preset name implies: kind, issuer (from
// tenant for microsoft) and default scopes. ok is false for a name that is no
// preset, which then needs an issuer of its own.
func Preset(name, tenant string) (c Config, ok bool) {
	switch name {
	case "google":
		return Config{Kind: KindOIDC, Issuer: "https://accounts.google.com"}, true
	case "microsoft":
		if tenant == "" {
			tenant = "common"
		}
		return Config{Kind: KindOIDC, Tenant: tenant,
			Issuer: "https://login.microsoftonline.com/" + url.PathEscape(tenant) + "/v2.0"}, true
	case "gitlab":
		return Config{Kind: KindOIDC, Issuer: "https://gitlab.com"}, true
	case "github":
		return Config{Kind: KindGitHub, Scopes: []string{"read:user", "user:email"}}, true
	}
	return Config{}, false
}

// scopes returns the configured scopes, or the kind's defaults.
func (c Config) scopes() []string {
	if len(c.Scopes) > 0 {
		return c.Scopes
	}
	if c.Kind == KindGitHub {
		return []string{"read:user", "user:email"}
	}
	return []string{"openid", "email", "profile"}
}

// withDefaults fills GitHub's default endpoints.
func (c Config) withDefaults() Config {
	if c.Kind == KindGitHub {
		if c.AuthURL == "" {
			c.AuthURL = gitHubAuthURL
		}
		if c.TokenURL == "" {
			c.TokenURL = gitHubTokenURL
		}
		if c.APIURL == "" {
			c.APIURL = gitHubAPIURL
		}
		c.APIURL = strings.TrimRight(c.APIURL, "/")
	}
	return c
}
