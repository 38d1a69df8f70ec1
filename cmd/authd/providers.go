package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/authd/authd/adapters/oidc"
)

// providerVarPrefix starts the per-provider variables,
// AUTH_PROVIDER_<NAME>_<SETTING> (ARCHITECTURE.md §10).
const providerVarPrefix = envPrefix + "PROVIDER_"

// providerSettings are the per-provider variables' suffixes.
var providerSettings = []string{"CLIENT_ID", "CLIENT_SECRET", "ISSUER", "SCOPES", "AUTO_LINK", "TENANT",
	"AUTH_URL", "TOKEN_URL", "API_URL"}

// providerName is what AUTH_PROVIDERS may name: it becomes part of URLs and of
// variable names.
var providerName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Provider is one configured identity provider: AUTH_PROVIDERS names it, its
// AUTH_PROVIDER_<NAME>_* variables say the rest.
type Provider struct {
	oidc.Config
	AutoLink bool
}

// ProviderList is AUTH_PROVIDERS. Parsing the variable gives the names; the
// rest of each provider is read by loadProviders.
type ProviderList []Provider

// UnmarshalText reads the comma-separated names.
func (l *ProviderList) UnmarshalText(text []byte) error {
	var out ProviderList
	for _, n := range strings.Split(string(text), ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		if !providerName.MatchString(n) {
			return fmt.Errorf("provider name %q: want a-z, 0-9 and _ , starting with a letter, at most 32", n)
		}
		if slices.ContainsFunc(out, func(p Provider) bool { return p.Name == n }) {
			return fmt.Errorf("provider %q is named twice", n)
		}
		out = append(out, Provider{Config: oidc.Config{Name: n}})
	}
	*l = out
	return nil
}

// LogValue shows each provider without its client secret.
func (l ProviderList) LogValue() slog.Value {
	var attrs []slog.Attr
	for _, p := range l {
		attrs = append(attrs, slog.Group(p.Name, "kind", string(p.Kind), "client_id", p.ClientID,
			"client_secret", fmt.Sprintf("[redacted, set=%v]", p.ClientSecret != ""), "issuer", p.Issuer,
			"auto_link", p.AutoLink))
	}
	return slog.GroupValue(attrs...)
}

// providerVar is the variable of one setting of provider name.
func providerVar(name, setting string) string {
	return providerVarPrefix + strings.ToUpper(name) + "_" + setting
}

// loadProviders fills every named provider from its variables and returns one
// error per bad or missing one, naming the variable — so a half-configured
// provider stops authd at start with a clear line.
func (l ProviderList) load(lookup func(string) (string, bool), publicURL string) []error {
	var errs []error
	for i := range l {
		p := &l[i]
		get := func(setting string) string {
			v, _ := lookup(providerVar(p.Name, setting))
			return strings.TrimSpace(v)
		}
		fail := func(setting, format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s: %s", providerVar(p.Name, setting), fmt.Sprintf(format, args...)))
		}
		preset, isPreset := oidc.Preset(p.Name, get("TENANT"))
		name := p.Name
		p.Config = preset
		p.Name = name
		p.ClientID, p.ClientSecret = get("CLIENT_ID"), get("CLIENT_SECRET")
		if p.ClientID == "" {
			fail("CLIENT_ID", "required: AUTH_PROVIDERS names %s", p.Name)
		}
		if p.ClientSecret == "" {
			fail("CLIENT_SECRET", "required: AUTH_PROVIDERS names %s", p.Name)
		}
		if issuer := get("ISSUER"); issuer != "" {
			p.Issuer = issuer
		}
		if !isPreset {
			p.Kind = oidc.KindOIDC
			if p.Issuer == "" {
				fail("ISSUER", "required: %s is not a preset (google, microsoft, gitlab, github)", p.Name)
			}
		}
		if p.Kind == oidc.KindOIDC && p.Issuer != "" {
			if err := httpURL(p.Issuer); err != nil {
				fail("ISSUER", "%v", err)
			}
		}
		if p.Kind == oidc.KindGitHub {
			p.AuthURL, p.TokenURL, p.APIURL = get("AUTH_URL"), get("TOKEN_URL"), get("API_URL")
			for setting, v := range map[string]string{"AUTH_URL": p.AuthURL, "TOKEN_URL": p.TokenURL, "API_URL": p.APIURL} {
				if v != "" {
					if err := httpURL(v); err != nil {
						fail(setting, "%v", err)
					}
				}
			}
		} else {
			for _, setting := range []string{"AUTH_URL", "TOKEN_URL", "API_URL"} {
				if get(setting) != "" {
					fail(setting, "only the github preset has it (OpenID Connect providers are discovered from ISSUER)")
				}
			}
		}
		if get("TENANT") != "" && p.Name != "microsoft" {
			fail("TENANT", "only the microsoft preset has it")
		}
		if scopes := get("SCOPES"); scopes != "" {
			p.Scopes = strings.FieldsFunc(scopes, func(r rune) bool { return r == ',' || r == ' ' })
			if p.Kind == oidc.KindOIDC && !slices.Contains(p.Scopes, "openid") {
				fail("SCOPES", "an OpenID Connect provider needs the scope openid")
			}
		}
		if v := get("AUTO_LINK"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				fail("AUTO_LINK", "invalid boolean (want true or false)")
			}
			p.AutoLink = b
		}
		p.RedirectURL = publicURL + "/v1/auth/providers/" + p.Name + "/callback"
	}
	return errs
}

func httpURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("not an http(s) URL")
	}
	return nil
}

// isProviderVar reports whether name is a per-provider variable of a setting
// authd knows (AUTH_PROVIDER_GOOGLE_CLIENT_ID); unknownVars leaves them be.
func isProviderVar(name string) bool {
	rest, ok := strings.CutPrefix(name, providerVarPrefix)
	if !ok {
		return false
	}
	for _, s := range providerSettings {
		if n, ok := strings.CutSuffix(rest, "_"+s); ok && n != "" {
			return true
		}
	}
	return false
}

// oidcConfigs returns the providers as the oidc adapter takes them.
func (l ProviderList) oidcConfigs() []oidc.Config {
	out := make([]oidc.Config, len(l))
	for i, p := range l {
		out[i] = p.Config
	}
	return out
}

// autoLink returns the names of the providers with AUTO_LINK on.
func (l ProviderList) autoLink() map[string]bool {
	m := map[string]bool{}
	for _, p := range l {
		if p.AutoLink {
			m[p.Name] = true
		}
	}
	return m
}
