package main

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/authd/authd/adapters/aesgcm"
	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/notify"
	"github.com/authd/authd/adapters/webhook"
	"github.com/authd/authd/domain"
)

// webhookFilterValid reports whether f names an event type or is a prefix, ending
// in ".", of one.
func webhookFilterValid(f string) bool {
	for _, i := range domain.EventTypes {
		if domain.MatchesEventFilter(i.Type, f) {
			return true
		}
	}
	return false
}

// Minimum key sizes: 256 bits, the HMAC-SHA256 block of security.
const (
	minJWTSecretBytes  = 32
	minRefreshKeyBytes = 32
)

// validate checks every field and returns one error per bad variable, skipping the
// variables in failed (already reported as unparsable).
func (c *Config) validate(failed map[string]bool) []error {
	var errs []error
	check := func(key string, err error) {
		if err != nil && !failed[key] {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
	}
	positive := func(key string, d interface{ Seconds() float64 }) {
		if d.Seconds() <= 0 {
			check(key, errors.New("must be positive"))
		}
	}
	notNegative := func(key string, n int64) {
		if n < 0 {
			check(key, errors.New("must not be negative"))
		}
	}

	check("AUTH_DATABASE_URL", validateDatabaseURL(c.DatabaseURL))
	notNegative("AUTH_DB_MAX_OPEN_CONNS", int64(c.DBMaxOpenConns))
	notNegative("AUTH_DB_MAX_IDLE_CONNS", int64(c.DBMaxIdleConns))
	notNegative("AUTH_DB_CONN_MAX_LIFETIME", int64(c.DBConnMaxLifetime))
	positive("AUTH_DB_TIMEOUT", c.DBTimeout)
	notNegative("AUTH_PURGE_INTERVAL", int64(c.PurgeInterval))

	check("AUTH_LISTEN", validateListen(c.Listen))
	check("AUTH_METRICS_LISTEN", validateMetricsListen(c.MetricsListen, c.Listen))
	check("AUTH_PUBLIC_URL", validatePublicURL(c.PublicURL))
	if c.BodyLimit <= 0 {
		check("AUTH_BODY_LIMIT", errors.New("must be positive"))
	}
	for _, o := range c.CORSOrigins {
		check("AUTH_CORS_ORIGINS", validateOrigin(o))
	}
	for _, p := range c.TrustedProxies {
		check("AUTH_TRUSTED_PROXIES", validateProxy(p))
	}
	positive("AUTH_SHUTDOWN_TIMEOUT", c.ShutdownTimeout)

	if strings.TrimSpace(c.Audience) == "" {
		check("AUTH_AUDIENCE", errors.New("must not be empty"))
	}
	// The issuer is the label of an otpauth:// URI: a colon would split it.
	if strings.TrimSpace(c.MFAIssuer) == "" || strings.Contains(c.MFAIssuer, ":") {
		check("AUTH_MFA_ISSUER", errors.New("must be a non-empty name without ':'"))
	}
	if c.WebAuthnRPID != "" && (strings.ContainsAny(c.WebAuthnRPID, ":/ []") || net.ParseIP(c.WebAuthnRPID) != nil) {
		check("AUTH_WEBAUTHN_RP_ID", errors.New("must be a domain name (the public URL's host or a registrable suffix of it), not an IP address"))
	}
	if strings.TrimSpace(c.WebAuthnRPName) == "" {
		check("AUTH_WEBAUTHN_RP_NAME", errors.New("must not be empty"))
	}
	for _, o := range c.WebAuthnOrigins {
		if o == "*" {
			check("AUTH_WEBAUTHN_ORIGINS", errors.New("must list origins; * would accept a ceremony run on any site"))
			continue
		}
		check("AUTH_WEBAUTHN_ORIGINS", validateOrigin(o))
	}
	for _, path := range c.JWTKeys {
		check("AUTH_JWT_KEYS", validateKeyFile(path))
	}
	if c.JWTSecret != "" && len(c.JWTSecret) < minJWTSecretBytes {
		check("AUTH_JWT_SECRET", fmt.Errorf("must be at least %d bytes, got %d", minJWTSecretBytes, len(c.JWTSecret)))
	}
	if c.JWTSecret != "" && len(c.JWTKeys) > 0 {
		check("AUTH_JWT_KEYS", errors.New("set either AUTH_JWT_KEYS or AUTH_JWT_SECRET, not both"))
	}
	positive("AUTH_ACCESS_TTL", c.AccessTTL)
	positive("AUTH_REFRESH_TTL", c.RefreshTTL)
	notNegative("AUTH_REFRESH_REUSE_GRACE", int64(c.RefreshReuseGrace))
	if c.EncryptionKey != nil && len(c.EncryptionKey) != aesgcm.KeySize {
		check("AUTH_ENCRYPTION_KEY", fmt.Errorf("must decode to exactly %d bytes, got %d", aesgcm.KeySize, len(c.EncryptionKey)))
	}
	if c.RefreshKey != nil && len(c.RefreshKey) < minRefreshKeyBytes {
		check("AUTH_REFRESH_KEY", fmt.Errorf("must decode to at least %d bytes, got %d", minRefreshKeyBytes, len(c.RefreshKey)))
	}

	check("AUTH_ARGON2", validateArgon2(c.Argon2))
	notNegative("AUTH_HASH_CONCURRENCY", int64(c.HashConcurrency))
	positive("AUTH_HASH_QUEUE_TIMEOUT", c.HashQueueTimeout)
	check("AUTH_MEMORY_LIMIT", c.MemoryLimit.validate())
	if c.LockoutThreshold < 1 {
		check("AUTH_LOCKOUT_THRESHOLD", errors.New("must be at least 1"))
	}
	positive("AUTH_LOCKOUT_BASE", c.LockoutBase)
	if c.LockoutForget < c.LockoutMax {
		check("AUTH_LOCKOUT_FORGET", fmt.Errorf("must be at least AUTH_LOCKOUT_MAX (%v)", c.LockoutMax))
	}
	if c.LockoutMax < c.LockoutBase {
		check("AUTH_LOCKOUT_MAX", fmt.Errorf("must be at least AUTH_LOCKOUT_BASE (%v)", c.LockoutBase))
	}

	positive("AUTH_RATE_LIMIT_WINDOW", c.RateLimitWindow)
	notNegative("AUTH_RATE_LIMIT_LOGIN", int64(c.RateLimitLogin))
	notNegative("AUTH_RATE_LIMIT_SIGNUP", int64(c.RateLimitSignup))
	notNegative("AUTH_RATE_LIMIT_REFRESH", int64(c.RateLimitRefresh))
	notNegative("AUTH_RATE_LIMIT_FORGOT", int64(c.RateLimitForgot))
	notNegative("AUTH_RATE_LIMIT_RESEND", int64(c.RateLimitResend))

	if c.SMTPURL != "" {
		if _, err := notify.ParseSMTPURL(c.SMTPURL); err != nil {
			check("AUTH_SMTP_URL", err)
		}
		if c.MailFrom == "" {
			check("AUTH_MAIL_FROM", errors.New("required when AUTH_SMTP_URL is set"))
		}
	}
	if c.MailFrom != "" {
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			check("AUTH_MAIL_FROM", fmt.Errorf("invalid address %q", c.MailFrom))
		}
	}
	positive("AUTH_SMTP_TIMEOUT", c.SMTPTimeout)
	if _, err := domain.ParseRedirectAllowList(c.RedirectURLs); err != nil {
		check("AUTH_REDIRECT_URLS", err)
	}
	if c.PasswordlessSignup && !c.Passwordless {
		check("AUTH_PASSWORDLESS_SIGNUP", errors.New("needs AUTH_PASSWORDLESS=true: sign-up by mail is part of sign-in by mail"))
	}
	if locale, ok := domain.NormalizeLocale(c.DefaultLocale); !ok {
		check("AUTH_DEFAULT_LOCALE", fmt.Errorf("%q is not a BCP 47 language tag (en, es, es-ES, …)", c.DefaultLocale))
	} else if err := notify.CheckTemplates(notify.TemplateOptions{Dir: c.MailTemplatesDir, DefaultLocale: locale}); err != nil {
		name := "AUTH_MAIL_TEMPLATES_DIR"
		if c.MailTemplatesDir == "" {
			name = "AUTH_DEFAULT_LOCALE"
		}
		check(name, err)
	}
	positive("AUTH_DELIVERY_MAX_AGE", c.DeliveryMaxAge)
	positive("AUTH_AUDIT_RETENTION", c.AuditRetention)
	if c.WebhookURL != "" || c.WebhookSecret != "" {
		_, err := webhook.New(c.WebhookURL, c.WebhookSecret, webhook.Options{})
		switch {
		case c.WebhookURL == "":
			check("AUTH_WEBHOOK_URL", errors.New("must be set when AUTH_WEBHOOK_SECRET is"))
		case c.WebhookSecret == "":
			check("AUTH_WEBHOOK_SECRET", errors.New("must be set when AUTH_WEBHOOK_URL is"))
		case err != nil:
			if _, serr := webhook.ParseSecret(c.WebhookSecret); serr != nil {
				check("AUTH_WEBHOOK_SECRET", serr)
			} else {
				check("AUTH_WEBHOOK_URL", errors.New("must be an absolute http or https URL"))
			}
		}
	}
	for _, f := range c.WebhookEvents {
		if !webhookFilterValid(f) {
			check("AUTH_WEBHOOK_EVENTS", fmt.Errorf("%q is neither an event type nor a prefix of one ending in '.'", f))
		}
	}

	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		check("AUTH_LOG_LEVEL", fmt.Errorf("%q is not debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		check("AUTH_LOG_FORMAT", fmt.Errorf("%q is not json or text", c.LogFormat))
	}
	return errs
}

// validateDatabaseURL checks the scheme and the part each backend cannot do
// without. Messages never repeat the URL, which may hold a password.
func validateDatabaseURL(raw string) error {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return errors.New("want sqlite://PATH, postgres://…, mysql://… or dynamodb://TABLE")
	}
	switch scheme {
	case "sqlite":
		// sqlite://authd.db, sqlite:///abs/path.db, sqlite://:memory: — not a URL
		// that net/url parses (":memory:" is no port), so only the path is checked.
		if rest == "" {
			return errors.New("sqlite URL has no path")
		}
		return nil
	case "postgres", "postgresql", "mysql", "dynamodb":
	default:
		return fmt.Errorf("scheme %q is not sqlite, postgres, postgresql, mysql or dynamodb", scheme)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a valid %s URL", scheme)
	}
	switch scheme {
	case "mysql":
		if u.Host == "" || strings.Trim(u.Path, "/") == "" {
			return errors.New("want mysql://user:pass@host:3306/database")
		}
	case "dynamodb":
		if u.Host == "" {
			return errors.New("want dynamodb://TABLE?region=R&endpoint=URL")
		}
	}
	return nil
}

func validateListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port", addr)
	}
	return nil
}

func validatePublicURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment", raw)
	}
	return nil
}

func validateOrigin(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("%q is not * or an origin like https://app.example.com", o)
	}
	return nil
}

func validateProxy(p string) error {
	if _, err := netip.ParseAddr(p); err == nil {
		return nil
	}
	if _, err := netip.ParsePrefix(p); err == nil {
		return nil
	}
	return fmt.Errorf("%q is not an IP address or CIDR", p)
}

func validateKeyFile(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("key file %q: %w", path, errors.Unwrap(err))
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("key file %q is not a regular file", path)
	}
	return nil
}

// validateArgon2 parses AUTH_ARGON2 with the argon2 adapter's own parser, so that
// the start-up check and the hasher can never disagree about what is valid.
func validateArgon2(s string) error {
	_, err := argon2.ParseParams(s)
	return err
}

// validateMetricsListen accepts empty (/metrics on the API listener), "off", or a
// host:port other than the API's.
func validateMetricsListen(addr, api string) error {
	if addr == "" || addr == metricsOff {
		return nil
	}
	if err := validateListen(addr); err != nil {
		return fmt.Errorf("%q is not host:port, or off", addr)
	}
	if _, port, _ := net.SplitHostPort(addr); addr == api && port != "0" {
		return fmt.Errorf("%q is AUTH_LISTEN; leave it empty to serve /metrics there", addr)
	}
	return nil
}
