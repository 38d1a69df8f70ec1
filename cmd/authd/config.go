package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/dustin/go-humanize"
	"github.com/joho/godotenv"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// envPrefix starts every configuration variable.
const envPrefix = "AUTH_"

// Config is authd's whole configuration, read once at start from AUTH_* environment
// variables (and an optional .env file), validated, and then handed to adapters as
// plain values. The env tags are the variable names without the AUTH_ prefix;
// envDefault is the documented default. A field tagged secret:"true" is never
// repeated in an error message or a log line.
type Config struct {
	// DatabaseURL picks the backend by scheme: sqlite, postgres/postgresql, mysql or
	// dynamodb.
	DatabaseURL    string `env:"DATABASE_URL" envDefault:"sqlite://authd.db" secret:"url"`
	MigrateOnStart bool   `env:"MIGRATE_ON_START" envDefault:"true"`
	// DBMaxOpenConns, DBMaxIdleConns and DBConnMaxLifetime default to 0, which
	// leaves the choice to sqlstore: its defaults differ by database (8 open
	// connections for a SQLite file, 25 for a server; no recycling for SQLite), and a
	// fixed number here would silently override them.
	DBMaxOpenConns    int           `env:"DB_MAX_OPEN_CONNS" envDefault:"0"`
	DBMaxIdleConns    int           `env:"DB_MAX_IDLE_CONNS" envDefault:"0"`
	DBConnMaxLifetime time.Duration `env:"DB_CONN_MAX_LIFETIME" envDefault:"0s"`
	// DBTimeout bounds every store call, so a database that stops answering
	// without closing its connections yields 503 unavailable within it instead of
	// hanging requests. Migrations at start are not under it.
	DBTimeout time.Duration `env:"DB_TIMEOUT" envDefault:"5s"`
	// PurgeInterval is how often expired sessions and one-time tokens are deleted
	// from a SQL database (DynamoDB's TTL does it there); 0 turns it off.
	PurgeInterval time.Duration `env:"PURGE_INTERVAL" envDefault:"1h"`

	Listen string `env:"LISTEN" envDefault:":8080"`
	// PublicURL is the externally visible base URL, without a trailing slash; links
	// in mails are built on it.
	PublicURL       string        `env:"PUBLIC_URL" envDefault:"http://localhost:8080"`
	BodyLimit       ByteSize      `env:"BODY_LIMIT" envDefault:"64KiB"`
	CORSOrigins     []string      `env:"CORS_ORIGINS" envDefault:"*"`
	TrustedProxies  []string      `env:"TRUSTED_PROXIES"`
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"15s"`
	// MetricsListen moves /metrics off the API listener: empty serves it on
	// Listen, a host:port on a listener of its own, "off" nowhere.
	MetricsListen string `env:"METRICS_LISTEN"`

	// Issuer defaults to PublicURL.
	Issuer   string `env:"ISSUER"`
	Audience string `env:"AUDIENCE" envDefault:"authd"`
	// JWTKeys are PEM private-key files; the first signs. Empty with an empty
	// JWTSecret means "generate an Ed25519 key and keep it in the database".
	JWTKeys           []string      `env:"JWT_KEYS"`
	JWTSecret         string        `env:"JWT_SECRET" secret:"true"`
	AccessTTL         time.Duration `env:"ACCESS_TTL" envDefault:"15m"`
	RefreshTTL        time.Duration `env:"REFRESH_TTL" envDefault:"720h"`
	RefreshReuseGrace time.Duration `env:"REFRESH_REUSE_GRACE" envDefault:"10s"`
	// RefreshKey is the decoded HMAC key of refresh tokens; nil means "generate one
	// and keep it in the database".
	RefreshKey Base64Key `env:"REFRESH_KEY" secret:"true"`
	// EncryptionKey is the AES-256-GCM key of secrets kept at rest (TOTP seeds,
	// tokens in the outbox); nil means "generate one and keep it in the database".
	EncryptionKey Base64Key `env:"ENCRYPTION_KEY" secret:"true"`

	RequireActivation bool `env:"REQUIRE_ACTIVATION" envDefault:"true"`
	// MFAIssuer labels TOTP entries in authenticator apps; AdminRequireMFA makes
	// user administration refuse admin sessions below aal2 (ARCHITECTURE.md §8).
	MFAIssuer       string `env:"MFA_ISSUER" envDefault:"authd"`
	AdminRequireMFA bool   `env:"ADMIN_REQUIRE_MFA" envDefault:"false"`
	// Passwordless turns on sign-in by a mailed link or code (POST /v1/auth/otp);
	// PasswordlessSignup lets it create the account of an unknown address.
	Passwordless       bool `env:"PASSWORDLESS" envDefault:"false"`
	PasswordlessSignup bool `env:"PASSWORDLESS_SIGNUP" envDefault:"false"`
	// RedirectURLs are the exact URLs a browser may be sent back to with an
	// authorization code (ARCHITECTURE.md §10): after a provider, after a
	// sign-in link.
	RedirectURLs []string `env:"REDIRECT_URLS"`
	// Providers are the external identity providers (ARCHITECTURE.md §10): the
	// names come from AUTH_PROVIDERS, each one's settings from its
	// AUTH_PROVIDER_<NAME>_* variables (see providers.go).
	Providers ProviderList `env:"PROVIDERS"`
	// The passkey relying party (ARCHITECTURE.md §9): its id (a registrable
	// domain; default the host of PublicURL), its name, and the origins whose
	// pages may run ceremonies (default the origin of PublicURL).
	WebAuthnRPID    string   `env:"WEBAUTHN_RP_ID"`
	WebAuthnRPName  string   `env:"WEBAUTHN_RP_NAME" envDefault:"authd"`
	WebAuthnOrigins []string `env:"WEBAUTHN_ORIGINS"`
	// Argon2 is the argon2id cost in PHC parameter form, m=KiB,t=passes,p=lanes.
	Argon2 string `env:"ARGON2" envDefault:"m=19456,t=2,p=1"`
	// HashConcurrency bounds simultaneous hashes; 0 in the environment becomes the
	// number of CPUs at load.
	HashConcurrency int `env:"HASH_CONCURRENCY" envDefault:"0"`
	// HashQueueTimeout is the longest wait for a hashing slot before a 503.
	HashQueueTimeout time.Duration `env:"HASH_QUEUE_TIMEOUT" envDefault:"3s"`
	// MemoryLimit is the Go runtime's soft memory limit (see memlimit.go).
	MemoryLimit      MemoryLimit   `env:"MEMORY_LIMIT" envDefault:"auto"`
	LockoutThreshold int           `env:"LOCKOUT_THRESHOLD" envDefault:"5"`
	LockoutBase      time.Duration `env:"LOCKOUT_BASE" envDefault:"1s"`
	LockoutMax       time.Duration `env:"LOCKOUT_MAX" envDefault:"15m"`
	// LockoutForget is how long after the latest attempt an identifier's count is
	// forgotten.
	LockoutForget time.Duration `env:"LOCKOUT_FORGET" envDefault:"24h"`

	// Per-client-IP request limits per RateLimitWindow in each instance; 0 turns a
	// limit off.
	RateLimitWindow  time.Duration `env:"RATE_LIMIT_WINDOW" envDefault:"5m"`
	RateLimitLogin   int           `env:"RATE_LIMIT_LOGIN" envDefault:"30"`
	RateLimitSignup  int           `env:"RATE_LIMIT_SIGNUP" envDefault:"30"`
	RateLimitRefresh int           `env:"RATE_LIMIT_REFRESH" envDefault:"150"`
	RateLimitForgot  int           `env:"RATE_LIMIT_FORGOT" envDefault:"5"`
	RateLimitResend  int           `env:"RATE_LIMIT_RESEND" envDefault:"5"`

	// SMTPURL empty selects the log notifier.
	SMTPURL     string        `env:"SMTP_URL" secret:"url"`
	MailFrom    string        `env:"MAIL_FROM"`
	SMTPTimeout time.Duration `env:"SMTP_TIMEOUT" envDefault:"10s"`
	// MailTemplatesDir overrides or adds mail templates
	// (<kind>.<locale>.<subject|txt|html>.tmpl); DefaultLocale is the locale of
	// accounts that state none, and of mail in a locale without templates.
	MailTemplatesDir string `env:"MAIL_TEMPLATES_DIR"`
	DefaultLocale    string `env:"DEFAULT_LOCALE" envDefault:"en"`

	// Webhooks (Standard Webhooks): events whose type AUTH_WEBHOOK_EVENTS selects
	// (types or prefixes ending in "."; empty for all) are posted to WebhookURL,
	// signed with WebhookSecret ("whsec_" + base64 of the key). Empty URL: none.
	WebhookURL    string   `env:"WEBHOOK_URL" secret:"url"`
	WebhookSecret string   `env:"WEBHOOK_SECRET" secret:"true"`
	WebhookEvents []string `env:"WEBHOOK_EVENTS"`
	// DeliveryMaxAge is how long a mail or webhook that keeps failing is retried
	// before it is marked dead.
	DeliveryMaxAge time.Duration `env:"DELIVERY_MAX_AGE" envDefault:"24h"`
	// AuditRetention is how long audit events (and dead deliveries) are kept.
	AuditRetention time.Duration `env:"AUDIT_RETENTION" envDefault:"2160h"`

	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"json"`
}

// ByteSize is a size in bytes that reads "65536", "64KiB" or "1MB" from the
// environment.
type ByteSize int64

// UnmarshalText parses a size with go-humanize (SI and IEC units).
func (b *ByteSize) UnmarshalText(text []byte) error {
	n, err := humanize.ParseBytes(string(text))
	if err != nil || n > 1<<40 {
		return errors.New("invalid size")
	}
	*b = ByteSize(n)
	return nil
}

// Base64Key is a key given in base64 (standard or URL alphabet, padded or not).
type Base64Key []byte

// UnmarshalText decodes the key; empty text means no key.
func (k *Base64Key) UnmarshalText(text []byte) error {
	key, err := decodeBase64(strings.TrimSpace(string(text)))
	if err != nil {
		return errors.New("not valid base64")
	}
	*k = key
	return nil
}

// loadConfigFromProcess reads .env from the working directory into the process
// environment without overriding variables that are already set (so the real
// environment wins, and AWS_* variables in .env reach the AWS SDK too), then loads
// the configuration from the process environment.
func loadConfigFromProcess() (Config, error) {
	if err := godotenv.Load(); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Config{}, fmt.Errorf(".env: %w", err)
	}
	return LoadConfig(os.LookupEnv)
}

// LoadConfig reads every AUTH_* variable through lookup (os.LookupEnv in
// production, a map in tests), applies defaults and validates. The error lists each
// bad variable on its own line as "AUTH_NAME: what is wrong".
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	fields := configFields()
	environ := make(map[string]string, len(fields))
	for _, f := range fields {
		if v, ok := lookup(f.key); ok {
			environ[f.key] = v
		}
	}
	var cfg Config
	var errs []error
	failed := map[string]bool{}
	if err := env.ParseWithOptions(&cfg, env.Options{Environment: environ, Prefix: envPrefix}); err != nil {
		for _, e := range flattenEnvError(err) {
			f, ok := fieldByName(fields, e)
			if !ok {
				errs = append(errs, e)
				continue
			}
			failed[f.key] = true
			errs = append(errs, f.parseError(environ[f.key], e))
		}
	}
	cfg.normalize()
	errs = append(errs, cfg.Providers.load(lookup, cfg.PublicURL)...)
	errs = append(errs, cfg.validate(failed)...)
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}
	return cfg, nil
}

// normalize fills derived defaults and tidies lists, before validation.
func (c *Config) normalize() {
	c.PublicURL = strings.TrimRight(strings.TrimSpace(c.PublicURL), "/")
	if c.Issuer == "" {
		c.Issuer = c.PublicURL
	}
	c.CORSOrigins = trimList(c.CORSOrigins)
	c.TrustedProxies = trimList(c.TrustedProxies)
	c.JWTKeys = trimList(c.JWTKeys)
	c.WebhookEvents = trimList(c.WebhookEvents)
	c.WebAuthnOrigins = trimList(c.WebAuthnOrigins)
	c.RedirectURLs = trimList(c.RedirectURLs)
	// The passkey relying party follows the public URL unless set. An IP
	// address cannot be an RP ID (WebAuthn §5.1.4): then passkeys stay off
	// until AUTH_WEBAUTHN_RP_ID names a domain.
	if u, err := url.Parse(c.PublicURL); err == nil && validatePublicURL(c.PublicURL) == nil {
		if c.WebAuthnRPID == "" && net.ParseIP(u.Hostname()) == nil {
			c.WebAuthnRPID = u.Hostname()
		}
		if len(c.WebAuthnOrigins) == 0 {
			c.WebAuthnOrigins = []string{u.Scheme + "://" + u.Host}
		}
	}
	c.WebAuthnRPID = strings.ToLower(strings.TrimSpace(c.WebAuthnRPID))
	c.LogLevel = strings.ToLower(strings.TrimSpace(c.LogLevel))
	c.LogFormat = strings.ToLower(strings.TrimSpace(c.LogFormat))
	if c.HashConcurrency == 0 {
		c.HashConcurrency = runtime.NumCPU()
	}
}

// AppConfig returns the use-case policy this configuration asks for; the knobs that
// are not configurable (page sizes) keep app.DefaultConfig's values.
func (c Config) AppConfig() app.Config {
	a := app.DefaultConfig()
	a.RequireActivation = c.RequireActivation
	a.AccessTTL = c.AccessTTL
	a.RefreshTTL = c.RefreshTTL
	a.RefreshReuseGrace = c.RefreshReuseGrace
	a.LockoutThreshold = c.LockoutThreshold
	a.LockoutBase = c.LockoutBase
	a.LockoutMax = c.LockoutMax
	a.LockoutForget = c.LockoutForget
	// Two password operations per hashing slot may be in progress: one hashing,
	// the next doing its store work or queued for the slot, so a slot never idles.
	// More only queue inside, behind the hasher, where the door cannot see them:
	// the time inside grows and spreads, and with it the answers the door must fit
	// into AUTH_HASH_QUEUE_TIMEOUT (in the 2,000-client storm, eight per slot gave
	// slowest answers of 4.3-4.4 s, two 3.3-3.4 s, at the same throughput).
	a.PasswordWorkLimit = 2 * c.HashConcurrency
	a.PasswordWorkWait = c.HashQueueTimeout
	a.MFAIssuer = c.MFAIssuer
	a.AdminRequireMFA = c.AdminRequireMFA
	a.Passwordless = c.Passwordless
	a.PasswordlessSignup = c.PasswordlessSignup
	a.RedirectURLs, _ = domain.ParseRedirectAllowList(c.RedirectURLs) // validated at load
	a.ProviderAutoLink = c.Providers.autoLink()
	a.Webhooks = c.WebhookURL != ""
	a.WebhookEvents = c.WebhookEvents
	a.DeliveryMaxAge = c.DeliveryMaxAge
	a.DefaultLocale, _ = domain.NormalizeLocale(c.DefaultLocale) // validated at load
	return a
}

// Backend names the database AUTH_DATABASE_URL selects: sqlite, postgres, mysql or
// dynamodb (postgresql:// counts as postgres).
func (c Config) Backend() string {
	scheme, _, _ := strings.Cut(c.DatabaseURL, "://")
	if scheme == "postgresql" {
		return "postgres"
	}
	return scheme
}

// SlogLevel returns LogLevel as a slog.Level.
func (c Config) SlogLevel() slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(c.LogLevel)) // validated at load
	return l
}

// LogValue renders the configuration for a start-up log line with secrets
// redacted: passwords inside URLs are masked and secret values are replaced by
// whether they are set.
func (c Config) LogValue() slog.Value {
	v := reflect.ValueOf(c)
	var attrs []slog.Attr
	for i, f := range configFields() {
		fv := v.Field(i).Interface()
		switch f.secret {
		case "true":
			fv = fmt.Sprintf("[redacted, set=%v]", !v.Field(i).IsZero())
		case "url":
			fv = redactURL(v.Field(i).String())
		}
		if d, ok := fv.(time.Duration); ok {
			fv = d.String()
		}
		attrs = append(attrs, slog.Any(f.key, fv))
	}
	return slog.GroupValue(attrs...)
}

// redactURL masks the password of a URL, in its userinfo or its query; an
// unparsable one is withheld entirely.
func redactURL(raw string) string {
	if raw == "" || strings.HasPrefix(raw, "sqlite://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable, withheld]"
	}
	maskSecretParams(u)
	return u.Redacted()
}

func trimList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
