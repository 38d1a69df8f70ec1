package oidc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Options tune the adapter; zero values take the defaults.
type Options struct {
	// HTTPClient talks to the providers (default: a client with a 10 s timeout).
	HTTPClient *http.Client
	Logger     *slog.Logger
	// RetryMin and RetryMax bound the wait between discovery attempts of a
	// provider that is down at start (default 1 s doubling up to 1 min).
	RetryMin, RetryMax time.Duration
}

// Providers implements ports.Providers over the configured providers.
type Providers struct {
	byName map[string]*provider
	cancel context.CancelFunc
	done   sync.WaitGroup
}

var _ ports.Providers = (*Providers)(nil)

// provider is one configured provider. An OIDC provider is ready once its
// discovery succeeded; until then it answers provider_error.
type provider struct {
	cfg    Config
	client *http.Client

	mu       sync.RWMutex
	oauth    *oauth2.Config
	verifier *gooidc.IDTokenVerifier
}

// New returns the providers of cfgs (each already validated) and starts, for
// every OIDC provider, its discovery in the background: a provider that is down
// keeps being retried, with back-off, while authd serves — its endpoints answer
// provider_error until discovery succeeds. Close stops the retries.
func New(cfgs []Config, opts Options) *Providers {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RetryMin <= 0 {
		opts.RetryMin = time.Second
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = max(time.Minute, opts.RetryMin)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ps := &Providers{byName: map[string]*provider{}, cancel: cancel}
	for _, c := range cfgs {
		c = c.withDefaults()
		p := &provider{cfg: c, client: opts.HTTPClient}
		ps.byName[c.Name] = p
		if c.Kind == KindGitHub {
			p.oauth = &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: c.RedirectURL,
				Scopes: c.scopes(), Endpoint: oauth2.Endpoint{AuthURL: c.AuthURL, TokenURL: c.TokenURL,
					AuthStyle: oauth2.AuthStyleInParams}}
			continue
		}
		ps.done.Add(1)
		go func() {
			defer ps.done.Done()
			p.discover(ctx, opts)
		}()
	}
	return ps
}

// Close stops discovery retries and waits for them to end.
func (ps *Providers) Close() {
	ps.cancel()
	ps.done.Wait()
}

// Ready reports whether the named provider can be used now (its discovery
// succeeded); for tests and readiness logs.
func (ps *Providers) Ready(name string) bool {
	p, ok := ps.byName[name]
	if !ok {
		return false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.oauth != nil
}

// discover reads the provider's discovery document until it succeeds or ctx
// ends, waiting RetryMin doubling up to RetryMax between attempts.
func (p *provider) discover(ctx context.Context, opts Options) {
	wait := opts.RetryMin
	for attempt := 1; ; attempt++ {
		err := p.discoverOnce(ctx)
		if err == nil {
			if attempt > 1 {
				opts.Logger.Info("identity provider discovered", "provider", p.cfg.Name, "attempts", attempt)
			}
			return
		}
		opts.Logger.Warn("identity provider discovery failed; retrying", "provider", p.cfg.Name,
			"issuer", p.cfg.Issuer, "retry_in", wait.String(), "error", err.Error())
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, opts.RetryMax)
	}
}

func (p *provider) discoverOnce(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ctx = gooidc.ClientContext(ctx, p.client)
	if p.microsoftMultiTenant() {
		// The common endpoints' document names the issuer as a template
		// ({tenantid}); each ID token's issuer is checked against its tid.
		ctx = gooidc.InsecureIssuerURLContext(ctx, "https://login.microsoftonline.com/{tenantid}/v2.0")
	}
	op, err := gooidc.NewProvider(ctx, p.cfg.Issuer)
	if err != nil {
		return err
	}
	// Keys are fetched later, on verification, through this long-lived context.
	keyCtx := gooidc.ClientContext(context.Background(), p.client)
	verifier := op.VerifierContext(keyCtx, &gooidc.Config{ClientID: p.cfg.ClientID,
		SkipIssuerCheck: p.microsoftMultiTenant()})
	cfg := &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, RedirectURL: p.cfg.RedirectURL,
		Scopes: p.cfg.scopes(), Endpoint: op.Endpoint()}
	p.mu.Lock()
	p.oauth, p.verifier = cfg, verifier
	p.mu.Unlock()
	return nil
}

func (p *provider) microsoftMultiTenant() bool { return multiTenant[p.cfg.Tenant] }

// ready returns the provider's OAuth configuration and verifier, or
// provider_error while discovery has not succeeded.
func (p *provider) ready() (*oauth2.Config, *gooidc.IDTokenVerifier, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.oauth == nil {
		return nil, nil, domain.Errorf(domain.CodeProviderError,
			"The identity provider %q cannot be reached yet; try again shortly.", p.cfg.Name)
	}
	return p.oauth, p.verifier, nil
}

// Has reports whether name is configured.
func (ps *Providers) Has(name string) bool { _, ok := ps.byName[name]; return ok }

func (ps *Providers) get(name string) (*provider, error) {
	p, ok := ps.byName[name]
	if !ok {
		return nil, domain.Errorf(domain.CodeNotFound, "No identity provider of that name is configured.")
	}
	return p, nil
}

// AuthorizeURL returns the provider's authorization URL with authd's state,
// the S256 challenge of r.Verifier and, for OIDC, the nonce.
func (ps *Providers) AuthorizeURL(_ context.Context, name string, r ports.AuthorizeRequest) (string, error) {
	p, err := ps.get(name)
	if err != nil {
		return "", err
	}
	cfg, _, err := p.ready()
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(r.Verifier)}
	if p.cfg.Kind == KindOIDC {
		opts = append(opts, gooidc.Nonce(r.Nonce))
	}
	return cfg.AuthCodeURL(r.State, opts...), nil
}

// Exchange redeems code with r.Verifier and returns the verified identity.
func (ps *Providers) Exchange(ctx context.Context, name, code string, r ports.AuthorizeRequest) (*domain.ExternalIdentity, error) {
	p, err := ps.get(name)
	if err != nil {
		return nil, err
	}
	cfg, verifier, err := p.ready()
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.client)
	tok, err := cfg.Exchange(ctx, code, oauth2.VerifierOption(r.Verifier))
	if err != nil {
		return nil, providerError(name, "the code exchange failed", err)
	}
	if p.cfg.Kind == KindGitHub {
		return p.gitHubIdentity(ctx, cfg, tok)
	}
	return p.verifyIDToken(ctx, verifier, tok, r.Nonce)
}

// idClaims are the ID token claims authd reads. email_verified is a boolean, or
// a string "true" at some providers.
type idClaims struct {
	Issuer        string `json:"iss"`
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
	Name          string `json:"name"`
	TenantID      string `json:"tid"`
}

// verifyIDToken checks the ID token's signature, issuer, audience and expiry
// (go-oidc) and its nonce, and reads the identity from it.
func (p *provider) verifyIDToken(ctx context.Context, v *gooidc.IDTokenVerifier, tok *oauth2.Token, nonce string) (*domain.ExternalIdentity, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, providerError(p.cfg.Name, "the token response has no id_token", nil)
	}
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, providerError(p.cfg.Name, "the ID token did not verify", err)
	}
	if nonce == "" || idt.Nonce != nonce {
		return nil, providerError(p.cfg.Name, "the ID token's nonce is not this sign-in's", nil)
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return nil, providerError(p.cfg.Name, "the ID token's claims are malformed", err)
	}
	if p.microsoftMultiTenant() && (c.TenantID == "" || c.Issuer != "https://login.microsoftonline.com/"+c.TenantID+"/v2.0") {
		return nil, providerError(p.cfg.Name, "the ID token's issuer is not its tenant's", nil)
	}
	verified := c.EmailVerified == true || c.EmailVerified == "true"
	return &domain.ExternalIdentity{Provider: p.cfg.Name, Subject: idt.Subject, Email: strings.TrimSpace(c.Email),
		EmailVerified: verified, Name: c.Name}, nil
}

// providerError is the one error of a failed exchange: the cause stays for the
// log, the client reads only that the provider failed.
func providerError(name, what string, cause error) error {
	// A token endpoint's refusal may echo the request (the code, say): only
	// its status and error code reach the log.
	var re *oauth2.RetrieveError
	if errors.As(cause, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		cause = fmt.Errorf("the token endpoint answered %d %q", status, re.ErrorCode)
	}
	if cause == nil {
		cause = errors.New(what)
	} else {
		cause = fmt.Errorf("%s: %w", what, cause)
	}
	return domain.Wrap(domain.CodeProviderError, fmt.Errorf("provider %s: %w", name, cause),
		"The identity provider's answer could not be used; try again.")
}
