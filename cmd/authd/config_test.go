package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/joho/godotenv"

	"github.com/authd/authd/adapters/sqlstore"
)

// lookupMap adapts a map to LoadConfig's lookup.
func lookupMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func defaultConfig() Config {
	return Config{
		DatabaseURL: "sqlite://authd.db", MigrateOnStart: true,
		DBTimeout: 5 * time.Second, PurgeInterval: time.Hour,
		Listen: ":8080", PublicURL: "http://localhost:8080", BodyLimit: 64 << 10,
		CORSOrigins: []string{"*"}, ShutdownTimeout: 15 * time.Second,
		Issuer: "http://localhost:8080", Audience: "authd",
		AccessTTL: 15 * time.Minute, RefreshTTL: 720 * time.Hour, RefreshReuseGrace: 10 * time.Second,
		RequireActivation: true, MFAIssuer: "authd", Argon2: "m=19456,t=2,p=1", HashConcurrency: runtime.NumCPU(),
		HashQueueTimeout: 3 * time.Second, MemoryLimit: MemoryLimitAuto,
		LockoutThreshold: 5, LockoutBase: time.Second, LockoutMax: 15 * time.Minute, LockoutForget: 24 * time.Hour,
		RateLimitWindow: 5 * time.Minute, RateLimitLogin: 30, RateLimitSignup: 30,
		RateLimitRefresh: 150, RateLimitForgot: 5, RateLimitResend: 5,
		SMTPTimeout: 10 * time.Second, DefaultLocale: "en", LogLevel: "info", LogFormat: "json",
		DeliveryMaxAge: 24 * time.Hour, AuditRetention: 2160 * time.Hour,
		WebAuthnRPID: "localhost", WebAuthnRPName: "authd", WebAuthnOrigins: []string{"http://localhost:8080"},
	}
}

// writeFile creates a file under t's temp dir and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
	return path
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	key1, key2 := writeFile(t, "a.pem", "x"), writeFile(t, "b.pem", "x")
	refreshKey := bytes.Repeat([]byte{7}, 32)
	tests := []struct {
		name    string
		environ map[string]string
		want    func(c *Config)
	}{
		{"defaults", nil, func(*Config) {}},
		{"empty values mean defaults", map[string]string{"AUTH_LISTEN": "", "AUTH_ACCESS_TTL": "", "AUTH_REQUIRE_ACTIVATION": ""}, func(*Config) {}},
		{"every variable overridden", map[string]string{
			"AUTH_DATABASE_URL": "postgres://u:p@db:5432/authd?sslmode=disable", "AUTH_MIGRATE_ON_START": "false",
			"AUTH_DB_MAX_OPEN_CONNS": "50", "AUTH_DB_MAX_IDLE_CONNS": "5", "AUTH_DB_CONN_MAX_LIFETIME": "1h", "AUTH_DB_TIMEOUT": "3s",
			"AUTH_PURGE_INTERVAL": "10m", "AUTH_LISTEN": "127.0.0.1:9000", "AUTH_PUBLIC_URL": "https://auth.example.com/", "AUTH_BODY_LIMIT": "1MiB",
			"AUTH_CORS_ORIGINS": "https://a.example.com, https://b.example.com", "AUTH_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1,::1",
			"AUTH_SHUTDOWN_TIMEOUT": "30s", "AUTH_METRICS_LISTEN": "127.0.0.1:9090", "AUTH_ISSUER": "https://issuer.example.com", "AUTH_AUDIENCE": "api",
			"AUTH_JWT_KEYS": key1 + "," + key2, "AUTH_ACCESS_TTL": "5m", "AUTH_REFRESH_TTL": "24h",
			"AUTH_REFRESH_REUSE_GRACE": "0s", "AUTH_REFRESH_KEY": base64.StdEncoding.EncodeToString(refreshKey),
			"AUTH_REQUIRE_ACTIVATION": "false", "AUTH_ARGON2": "m=65536,t=3,p=4", "AUTH_HASH_CONCURRENCY": "3",
			"AUTH_MFA_ISSUER": "Example Co", "AUTH_ADMIN_REQUIRE_MFA": "true",
			"AUTH_PASSWORDLESS": "true", "AUTH_PASSWORDLESS_SIGNUP": "true",
			"AUTH_WEBAUTHN_RP_ID": "Example.com", "AUTH_WEBAUTHN_RP_NAME": "Example", "AUTH_WEBAUTHN_ORIGINS": "https://auth.example.com, https://app.example.com",
			"AUTH_REDIRECT_URLS":      "https://app.example.com/callback, http://127.0.0.1/native",
			"AUTH_HASH_QUEUE_TIMEOUT": "500ms", "AUTH_MEMORY_LIMIT": "256MiB",
			"AUTH_LOCKOUT_THRESHOLD": "10", "AUTH_LOCKOUT_BASE": "2s", "AUTH_LOCKOUT_MAX": "1h", "AUTH_LOCKOUT_FORGET": "48h",
			"AUTH_RATE_LIMIT_WINDOW": "1m", "AUTH_RATE_LIMIT_LOGIN": "1", "AUTH_RATE_LIMIT_SIGNUP": "2",
			"AUTH_RATE_LIMIT_REFRESH": "3", "AUTH_RATE_LIMIT_FORGOT": "4", "AUTH_RATE_LIMIT_RESEND": "0",
			"AUTH_SMTP_URL": "smtps://u:p@mail.example.com", "AUTH_MAIL_FROM": "authd <no-reply@example.com>",
			"AUTH_SMTP_TIMEOUT": "3s", "AUTH_LOG_LEVEL": "DEBUG", "AUTH_LOG_FORMAT": "text",
			"AUTH_WEBHOOK_URL": "https://hooks.example.com/authd", "AUTH_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			"AUTH_WEBHOOK_EVENTS": "user., login.failed", "AUTH_DELIVERY_MAX_AGE": "1h", "AUTH_AUDIT_RETENTION": "720h",
		}, func(c *Config) {
			*c = Config{
				DatabaseURL: "postgres://u:p@db:5432/authd?sslmode=disable", MigrateOnStart: false,
				DBMaxOpenConns: 50, DBMaxIdleConns: 5, DBConnMaxLifetime: time.Hour, DBTimeout: 3 * time.Second, PurgeInterval: 10 * time.Minute,
				Listen: "127.0.0.1:9000", PublicURL: "https://auth.example.com", BodyLimit: 1 << 20,
				CORSOrigins:     []string{"https://a.example.com", "https://b.example.com"},
				TrustedProxies:  []string{"10.0.0.0/8", "192.168.1.1", "::1"},
				ShutdownTimeout: 30 * time.Second, MetricsListen: "127.0.0.1:9090", Issuer: "https://issuer.example.com", Audience: "api",
				JWTKeys: []string{key1, key2}, AccessTTL: 5 * time.Minute, RefreshTTL: 24 * time.Hour,
				RefreshReuseGrace: 0, RefreshKey: refreshKey, RequireActivation: false,
				MFAIssuer: "Example Co", AdminRequireMFA: true, Passwordless: true, PasswordlessSignup: true,
				WebAuthnRPID: "example.com", WebAuthnRPName: "Example",
				WebAuthnOrigins: []string{"https://auth.example.com", "https://app.example.com"},
				RedirectURLs:    []string{"https://app.example.com/callback", "http://127.0.0.1/native"},
				Argon2:          "m=65536,t=3,p=4", HashConcurrency: 3,
				HashQueueTimeout: 500 * time.Millisecond, MemoryLimit: 256 << 20,
				LockoutThreshold: 10, LockoutBase: 2 * time.Second, LockoutMax: time.Hour, LockoutForget: 48 * time.Hour,
				RateLimitWindow: time.Minute, RateLimitLogin: 1, RateLimitSignup: 2,
				RateLimitRefresh: 3, RateLimitForgot: 4, RateLimitResend: 0,
				SMTPURL: "smtps://u:p@mail.example.com", MailFrom: "authd <no-reply@example.com>",
				SMTPTimeout: 3 * time.Second, DefaultLocale: "en", LogLevel: "debug", LogFormat: "text",
				WebhookURL: "https://hooks.example.com/authd", WebhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				WebhookEvents: []string{"user.", "login.failed"}, DeliveryMaxAge: time.Hour, AuditRetention: 720 * time.Hour,
			}
		}},
		{"HS256 secret", map[string]string{"AUTH_JWT_SECRET": strings.Repeat("s", 32)}, func(c *Config) {
			c.JWTSecret = strings.Repeat("s", 32)
		}},
		{"issuer follows public URL", map[string]string{"AUTH_PUBLIC_URL": "https://id.example.com/auth/"}, func(c *Config) {
			c.PublicURL, c.Issuer = "https://id.example.com/auth", "https://id.example.com/auth"
			c.WebAuthnRPID, c.WebAuthnOrigins = "id.example.com", []string{"https://id.example.com"}
		}},
		{"URL-safe unpadded refresh key", map[string]string{"AUTH_REFRESH_KEY": base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 33))}, func(c *Config) {
			c.RefreshKey = bytes.Repeat([]byte{0xfb}, 33)
		}},
		{"encryption key", map[string]string{"AUTH_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5e}, 32))}, func(c *Config) {
			c.EncryptionKey = bytes.Repeat([]byte{0x5e}, 32)
		}},
		{"sqlite in memory and dynamodb", map[string]string{"AUTH_DATABASE_URL": "sqlite://:memory:"}, func(c *Config) {
			c.DatabaseURL = "sqlite://:memory:"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := LoadConfig(lookupMap(tt.environ))
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			want := defaultConfig()
			tt.want(&want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("LoadConfig =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestLoadConfigRejects(t *testing.T) {
	t.Parallel()
	keyFile := writeFile(t, "k.pem", "x")
	tests := []struct {
		environ  map[string]string
		wantLine string
	}{
		{map[string]string{"AUTH_ACCESS_TTL": "abc"}, `AUTH_ACCESS_TTL: invalid duration "abc"`},
		{map[string]string{"AUTH_ACCESS_TTL": "-1m"}, `AUTH_ACCESS_TTL: must be positive`},
		{map[string]string{"AUTH_REFRESH_TTL": "0s"}, `AUTH_REFRESH_TTL: must be positive`},
		{map[string]string{"AUTH_REFRESH_REUSE_GRACE": "-1s"}, `AUTH_REFRESH_REUSE_GRACE: must not be negative`},
		{map[string]string{"AUTH_DB_MAX_OPEN_CONNS": "many"}, `AUTH_DB_MAX_OPEN_CONNS: invalid integer "many"`},
		{map[string]string{"AUTH_DB_MAX_IDLE_CONNS": "-1"}, `AUTH_DB_MAX_IDLE_CONNS: must not be negative`},
		{map[string]string{"AUTH_PURGE_INTERVAL": "-1h"}, `AUTH_PURGE_INTERVAL: must not be negative`},
		{map[string]string{"AUTH_DB_TIMEOUT": "0s"}, `AUTH_DB_TIMEOUT: must be positive`},
		{map[string]string{"AUTH_DB_TIMEOUT": "-2s"}, `AUTH_DB_TIMEOUT: must be positive`},
		{map[string]string{"AUTH_DB_TIMEOUT": "soon"}, `AUTH_DB_TIMEOUT: invalid duration "soon"`},
		{map[string]string{"AUTH_MIGRATE_ON_START": "yes"}, `AUTH_MIGRATE_ON_START: invalid boolean (want true or false) "yes"`},
		{map[string]string{"AUTH_BODY_LIMIT": "big"}, `AUTH_BODY_LIMIT: invalid size (want e.g. 65536, 64KiB or 1MB) "big"`},
		{map[string]string{"AUTH_BODY_LIMIT": "0"}, `AUTH_BODY_LIMIT: must be positive`},
		{map[string]string{"AUTH_DATABASE_URL": "redis://localhost"}, `AUTH_DATABASE_URL: scheme "redis" is not sqlite, postgres, postgresql, mysql or dynamodb`},
		{map[string]string{"AUTH_DATABASE_URL": "authd.db"}, `AUTH_DATABASE_URL: want sqlite://PATH, postgres://…, mysql://… or dynamodb://TABLE`},
		{map[string]string{"AUTH_DATABASE_URL": "sqlite://"}, `AUTH_DATABASE_URL: sqlite URL has no path`},
		{map[string]string{"AUTH_DATABASE_URL": "mysql://root@localhost:3306"}, `AUTH_DATABASE_URL: want mysql://user:pass@host:3306/database`},
		{map[string]string{"AUTH_DATABASE_URL": "dynamodb://?region=eu-west-1"}, `AUTH_DATABASE_URL: want dynamodb://TABLE?region=R&endpoint=URL`},
		{map[string]string{"AUTH_DATABASE_URL": "postgres://u:hunter2@db:port/x"}, `AUTH_DATABASE_URL: not a valid postgres URL`},
		{map[string]string{"AUTH_LISTEN": "8080"}, `AUTH_LISTEN: "8080" is not host:port`},
		{map[string]string{"AUTH_LISTEN": ":http-alt"}, `AUTH_LISTEN: ":http-alt" has no valid port`},
		{map[string]string{"AUTH_METRICS_LISTEN": "9090"}, `AUTH_METRICS_LISTEN: "9090" is not host:port, or off`},
		{map[string]string{"AUTH_METRICS_LISTEN": ":8080"}, `AUTH_METRICS_LISTEN: ":8080" is AUTH_LISTEN; leave it empty to serve /metrics there`},
		{map[string]string{"AUTH_PUBLIC_URL": "localhost:8080"}, `AUTH_PUBLIC_URL: "localhost:8080" is not an absolute http(s) URL`},
		{map[string]string{"AUTH_PUBLIC_URL": "ftp://example.com"}, `AUTH_PUBLIC_URL: "ftp://example.com" is not an absolute http(s) URL`},
		{map[string]string{"AUTH_PUBLIC_URL": "https://example.com/?a=b"}, `AUTH_PUBLIC_URL: "https://example.com/?a=b" must not have a query or fragment`},
		{map[string]string{"AUTH_CORS_ORIGINS": "*,example.com"}, `AUTH_CORS_ORIGINS: "example.com" is not * or an origin like https://app.example.com`},
		{map[string]string{"AUTH_TRUSTED_PROXIES": "10.0.0.1,10.0.0.0/33"}, `AUTH_TRUSTED_PROXIES: "10.0.0.0/33" is not an IP address or CIDR`},
		{map[string]string{"AUTH_SHUTDOWN_TIMEOUT": "0s"}, `AUTH_SHUTDOWN_TIMEOUT: must be positive`},
		{map[string]string{"AUTH_JWT_KEYS": "/nonexistent/key.pem"}, `AUTH_JWT_KEYS: key file "/nonexistent/key.pem": no such file or directory`},
		{map[string]string{"AUTH_JWT_KEYS": os.TempDir()}, `AUTH_JWT_KEYS: key file "` + os.TempDir() + `" is not a regular file`},
		{map[string]string{"AUTH_JWT_SECRET": "short-secret"}, `AUTH_JWT_SECRET: must be at least 32 bytes, got 12`},
		{map[string]string{"AUTH_JWT_KEYS": keyFile, "AUTH_JWT_SECRET": strings.Repeat("s", 32)}, `AUTH_JWT_KEYS: set either AUTH_JWT_KEYS or AUTH_JWT_SECRET, not both`},
		{map[string]string{"AUTH_REFRESH_KEY": "not base64!"}, `AUTH_REFRESH_KEY: not valid base64`},
		{map[string]string{"AUTH_REFRESH_KEY": base64.StdEncoding.EncodeToString(make([]byte, 16))}, `AUTH_REFRESH_KEY: must decode to at least 32 bytes, got 16`},
		{map[string]string{"AUTH_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString(make([]byte, 16))}, `AUTH_ENCRYPTION_KEY: must decode to exactly 32 bytes, got 16`},
		{map[string]string{"AUTH_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString(make([]byte, 64))}, `AUTH_ENCRYPTION_KEY: must decode to exactly 32 bytes, got 64`},
		{map[string]string{"AUTH_ENCRYPTION_KEY": "not base64!"}, `AUTH_ENCRYPTION_KEY: not valid base64`},
		{map[string]string{"AUTH_ARGON2": "m=19456,t=2"}, `AUTH_ARGON2: argon2 parameters "m=19456,t=2": p is missing (want e.g. m=19456,t=2,p=1)`},
		{map[string]string{"AUTH_ARGON2": "m=19456,t=0,p=1"}, `AUTH_ARGON2: argon2 parameters "m=19456,t=0,p=1": t must be at least 1`},
		{map[string]string{"AUTH_ARGON2": "m=8,t=1,p=4"}, `AUTH_ARGON2: argon2 parameters "m=8,t=1,p=4": m must be at least 8 KiB per thread (32 for p=4)`},
		{map[string]string{"AUTH_HASH_CONCURRENCY": "-2"}, `AUTH_HASH_CONCURRENCY: must not be negative`},
		{map[string]string{"AUTH_HASH_QUEUE_TIMEOUT": "0s"}, `AUTH_HASH_QUEUE_TIMEOUT: must be positive`},
		{map[string]string{"AUTH_MEMORY_LIMIT": "lots"}, `AUTH_MEMORY_LIMIT: invalid memory limit (want auto, off or a size such as 256MiB) "lots"`},
		{map[string]string{"AUTH_MEMORY_LIMIT": "1MiB"}, `AUTH_MEMORY_LIMIT: must be at least 16MiB (or auto, or off), got 1048576 bytes`},
		{map[string]string{"AUTH_LOCKOUT_THRESHOLD": "0"}, `AUTH_LOCKOUT_THRESHOLD: must be at least 1`},
		{map[string]string{"AUTH_LOCKOUT_BASE": "0s"}, `AUTH_LOCKOUT_BASE: must be positive`},
		{map[string]string{"AUTH_LOCKOUT_MAX": "500ms"}, `AUTH_LOCKOUT_MAX: must be at least AUTH_LOCKOUT_BASE (1s)`},
		{map[string]string{"AUTH_RATE_LIMIT_WINDOW": "0s"}, `AUTH_RATE_LIMIT_WINDOW: must be positive`},
		{map[string]string{"AUTH_RATE_LIMIT_LOGIN": "-1"}, `AUTH_RATE_LIMIT_LOGIN: must not be negative`},
		{map[string]string{"AUTH_RATE_LIMIT_SIGNUP": "x"}, `AUTH_RATE_LIMIT_SIGNUP: invalid integer "x"`},
		{map[string]string{"AUTH_RATE_LIMIT_REFRESH": "-1"}, `AUTH_RATE_LIMIT_REFRESH: must not be negative`},
		{map[string]string{"AUTH_RATE_LIMIT_FORGOT": "-1"}, `AUTH_RATE_LIMIT_FORGOT: must not be negative`},
		{map[string]string{"AUTH_RATE_LIMIT_RESEND": "1.5"}, `AUTH_RATE_LIMIT_RESEND: invalid integer "1.5"`},
		{map[string]string{"AUTH_SMTP_URL": "http://u:hunter2@mail", "AUTH_MAIL_FROM": "a@example.com"}, `AUTH_SMTP_URL: scheme "http" is not smtp or smtps`},
		{map[string]string{"AUTH_SMTP_URL": "smtp://mail.example.com"}, `AUTH_MAIL_FROM: required when AUTH_SMTP_URL is set`},
		{map[string]string{"AUTH_MAIL_FROM": "not an address"}, `AUTH_MAIL_FROM: invalid address "not an address"`},
		{map[string]string{"AUTH_SMTP_TIMEOUT": "0s"}, `AUTH_SMTP_TIMEOUT: must be positive`},
		{map[string]string{"AUTH_REDIRECT_URLS": "https://app.example.com/cb,http://app.example.com/cb"}, `AUTH_REDIRECT_URLS: "http://app.example.com/cb": http is allowed only on 127.0.0.1, [::1] or localhost; use https`},
		{map[string]string{"AUTH_REDIRECT_URLS": "https://app.example.com/cb#x"}, `AUTH_REDIRECT_URLS: "https://app.example.com/cb#x": a redirect URL has no fragment (RFC 6749 §3.1.2)`},
		{map[string]string{"AUTH_PASSWORDLESS_SIGNUP": "true"}, `AUTH_PASSWORDLESS_SIGNUP: needs AUTH_PASSWORDLESS=true: sign-up by mail is part of sign-in by mail`},
		{map[string]string{"AUTH_PASSWORDLESS": "maybe"}, `AUTH_PASSWORDLESS: invalid boolean (want true or false) "maybe"`},
		{map[string]string{"AUTH_WEBHOOK_URL": "https://hooks.example.com"}, `AUTH_WEBHOOK_SECRET: must be set when AUTH_WEBHOOK_URL is`},
		{map[string]string{"AUTH_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, `AUTH_WEBHOOK_URL: must be set when AUTH_WEBHOOK_SECRET is`},
		{map[string]string{"AUTH_WEBHOOK_URL": "https://hooks.example.com", "AUTH_WEBHOOK_SECRET": "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, `AUTH_WEBHOOK_SECRET: must start with "whsec_" followed by the base64 of the key`},
		{map[string]string{"AUTH_WEBHOOK_URL": "ftp://hooks.example.com", "AUTH_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, `AUTH_WEBHOOK_URL: must be an absolute http or https URL`},
		{map[string]string{"AUTH_WEBHOOK_EVENTS": "user.created,users."}, `AUTH_WEBHOOK_EVENTS: "users." is neither an event type nor a prefix of one ending in '.'`},
		{map[string]string{"AUTH_DELIVERY_MAX_AGE": "0s"}, `AUTH_DELIVERY_MAX_AGE: must be positive`},
		{map[string]string{"AUTH_AUDIT_RETENTION": "-1h"}, `AUTH_AUDIT_RETENTION: must be positive`},
		{map[string]string{"AUTH_LOG_LEVEL": "verbose"}, `AUTH_LOG_LEVEL: "verbose" is not debug, info, warn or error`},
		{map[string]string{"AUTH_LOG_FORMAT": "xml"}, `AUTH_LOG_FORMAT: "xml" is not json or text`},
	}
	for _, tt := range tests {
		t.Run(tt.wantLine, func(t *testing.T) {
			t.Parallel()
			_, err := LoadConfig(lookupMap(tt.environ))
			if err == nil {
				t.Fatalf("LoadConfig(%v) succeeded, want error %q", tt.environ, tt.wantLine)
			}
			if lines := strings.Split(err.Error(), "\n"); !slices.Equal(lines, []string{tt.wantLine}) {
				t.Errorf("LoadConfig(%v) error lines = %q, want [%q]", tt.environ, lines, tt.wantLine)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q repeats a password", err)
			}
		})
	}
}

func TestLoadConfigListsEveryBadVariable(t *testing.T) {
	t.Parallel()
	_, err := LoadConfig(lookupMap(map[string]string{
		"AUTH_ACCESS_TTL":  "abc",
		"AUTH_LOG_FORMAT":  "xml",
		"AUTH_REFRESH_KEY": "c2VjcmV0LXZhbHVl", // "secret-value": too short
		"AUTH_JWT_SECRET":  "secret-value",
	}))
	want := []string{
		`AUTH_ACCESS_TTL: invalid duration "abc"`,
		`AUTH_JWT_SECRET: must be at least 32 bytes, got 12`,
		`AUTH_REFRESH_KEY: must decode to at least 32 bytes, got 12`,
		`AUTH_LOG_FORMAT: "xml" is not json or text`,
	}
	if err == nil {
		t.Fatalf("LoadConfig succeeded, want %d errors", len(want))
	}
	if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("error lines =\n%q\nwant\n%q", got, want)
	}
	if strings.Contains(err.Error(), "secret-value") || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Errorf("error %q repeats a secret", err)
	}
}

// clearConfigEnv unsets every AUTH_* config variable for the test and restores it
// afterwards, so the developer's own environment cannot leak in.
func clearConfigEnv(t *testing.T) {
	t.Helper()
	for _, f := range configFields() {
		t.Setenv(f.key, "")
		if err := os.Unsetenv(f.key); err != nil {
			t.Fatalf("unset %s: %v", f.key, err)
		}
	}
}

func TestLoadConfigFromProcessDotEnv(t *testing.T) {
	clearConfigEnv(t)
	dir := t.TempDir()
	t.Chdir(dir)
	dotenv := "# comment\nAUTH_LISTEN=:9999\nAUTH_AUDIENCE=from-file\nAUTH_LOG_FORMAT=text\n"
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(dotenv), 0o600); err != nil {
		t.Fatalf("write .env: %v", err)
	}
	t.Setenv("AUTH_AUDIENCE", "from-env")

	cfg, err := loadConfigFromProcess()
	if err != nil {
		t.Fatalf("loadConfigFromProcess: %v", err)
	}
	if cfg.Listen != ":9999" || cfg.LogFormat != "text" {
		t.Errorf("Listen, LogFormat = %q, %q; want :9999, text from .env", cfg.Listen, cfg.LogFormat)
	}
	if cfg.Audience != "from-env" {
		t.Errorf("Audience = %q, want from-env (the real environment wins over .env)", cfg.Audience)
	}
}

func TestLoadConfigFromProcessWithoutDotEnv(t *testing.T) {
	clearConfigEnv(t)
	t.Chdir(t.TempDir())
	t.Setenv("AUTH_LISTEN", ":7000")
	cfg, err := loadConfigFromProcess()
	if err != nil {
		t.Fatalf("loadConfigFromProcess: %v", err)
	}
	if cfg.Listen != ":7000" {
		t.Errorf("Listen = %q, want :7000", cfg.Listen)
	}
}

func TestLoadConfigFromProcessBadDotEnv(t *testing.T) {
	clearConfigEnv(t)
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("AUTH_LISTEN='unterminated\n"), 0o600); err != nil {
		t.Fatalf("write .env: %v", err)
	}
	if _, err := loadConfigFromProcess(); err == nil || !strings.HasPrefix(err.Error(), ".env: ") {
		t.Errorf("loadConfigFromProcess error = %v, want one starting with .env:", err)
	}
}

// TestEnvExampleListsEveryVariable keeps deploy/.env.example in step with Config:
// every variable, each with its default.
func TestEnvExampleListsEveryVariable(t *testing.T) {
	t.Parallel()
	example, err := godotenv.Read(filepath.Join("..", "..", "deploy", ".env.example"))
	if err != nil {
		t.Fatalf("read deploy/.env.example: %v", err)
	}
	for _, f := range configFields() {
		got, ok := example[f.key]
		if !ok {
			t.Errorf("deploy/.env.example lacks %s", f.key)
			continue
		}
		if got != f.def {
			t.Errorf("deploy/.env.example: %s=%q, want the default %q", f.key, got, f.def)
		}
		delete(example, f.key)
	}
	for key := range example {
		t.Errorf("deploy/.env.example sets %s, which Config does not read", key)
	}
}

func TestConfigLogValueRedactsSecrets(t *testing.T) {
	t.Parallel()
	cfg := defaultConfig()
	cfg.DatabaseURL = "postgres://authd:db-password@db/authd"
	cfg.SMTPURL = "smtp://mailer:smtp-password@mail.example.com"
	cfg.JWTSecret = strings.Repeat("jwt-secret", 4)
	cfg.RefreshKey = []byte("refresh-key-bytes-refresh-key-bytes")
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", cfg)
	out := buf.String()
	for _, secret := range []string{"db-password", "smtp-password", "jwt-secret", "refresh-key", base64.StdEncoding.EncodeToString(cfg.RefreshKey)} {
		if strings.Contains(out, secret) {
			t.Errorf("log line contains %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{`"AUTH_JWT_SECRET":"[redacted, set=true]"`, `"AUTH_ACCESS_TTL":"15m0s"`, `postgres://authd:xxxxx@db/authd`} {
		if !strings.Contains(out, want) {
			t.Errorf("log line lacks %s:\n%s", want, out)
		}
	}
}

func TestConfigDerivedValues(t *testing.T) {
	t.Parallel()
	cfg := defaultConfig()
	cfg.RequireActivation, cfg.AccessTTL, cfg.LockoutThreshold = false, time.Minute, 9
	a := cfg.AppConfig()
	if a.RequireActivation || a.AccessTTL != time.Minute || a.RefreshTTL != cfg.RefreshTTL ||
		a.LockoutThreshold != 9 || a.LockoutMax != cfg.LockoutMax || a.MaxPageSize == 0 {
		t.Errorf("AppConfig() = %+v, want the config's policy with non-zero page sizes", a)
	}
	for url, want := range map[string]string{
		"sqlite://authd.db": "sqlite", "postgresql://h/db": "postgres", "postgres://h/db": "postgres",
		"mysql://h/db": "mysql", "dynamodb://t": "dynamodb",
	} {
		cfg.DatabaseURL = url
		if got := cfg.Backend(); got != want {
			t.Errorf("Backend() for %s = %q, want %q", url, got, want)
		}
	}
	for level, want := range map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError} {
		cfg.LogLevel = level
		if got := cfg.SlogLevel(); got != want {
			t.Errorf("SlogLevel() for %q = %v, want %v", level, got, want)
		}
	}
}

// TestPoolDefaultsReachTheStore checks that an operator who sets no pool variable
// gets sqlstore's per-database defaults, not a number from the configuration layer
// that would override them (8 open connections for a SQLite file).
func TestPoolDefaultsReachTheStore(t *testing.T) {
	cfg, err := LoadConfig(lookupMap(map[string]string{
		"AUTH_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "pool.db"),
	}))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	b, err := openBackend(context.Background(), cfg, false)
	if err != nil {
		t.Fatalf("openBackend: %v", err)
	}
	defer b.Close()
	if got := b.(*sqlstore.Store).Stats().MaxOpenConnections; got != 8 {
		t.Errorf("SQLite file pool MaxOpenConnections = %d, want the sqlstore default 8", got)
	}
}
