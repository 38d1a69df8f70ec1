package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/deadline"
	httpapi "github.com/authd/authd/adapters/http"
	"github.com/authd/authd/adapters/identifiers"
	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/adapters/metrics"
	"github.com/authd/authd/adapters/notify"
	"github.com/authd/authd/adapters/oidc"
	"github.com/authd/authd/adapters/totp"
	"github.com/authd/authd/adapters/webauthn"
	"github.com/authd/authd/adapters/webhook"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Main is the composition root: one running authd. Open builds it from a Config —
// config → store → hasher → token issuer → notifier → app → http — and Close takes
// it down in reverse. End-to-end tests run it on port 0.
type Main struct {
	Config  Config
	Logger  *slog.Logger
	Backend ports.Backend
	Issuer  *jwt.Issuer
	App     *app.App
	HTTP    *fiber.App
	// Registry holds every metric, served at /metrics (see AUTH_METRICS_LISTEN).
	Registry *prometheus.Registry

	ln     net.Listener
	served chan error
	// purge is the unbounded backend's purge of expired rows, nil when it has none:
	// a large delete may rightly take longer than AUTH_DB_TIMEOUT.
	purge purger
	// bound is AUTH_LISTEN bound by serve before Open; Start serves on it.
	bound net.Listener
	// events is the unbounded audit log, for its retention purge.
	events ports.EventStore
	// stopPurge ends the purge loop; purged is closed when it has ended.
	stopPurge context.CancelFunc
	purged    chan struct{}
	// stopDispatch ends the outbox dispatcher; dispatched is closed when it has.
	stopDispatch context.CancelFunc
	dispatched   chan struct{}
	metrics      *metricsServer
	// providers are the identity providers, nil when none is configured; Close
	// stops their discovery retries.
	providers *oidc.Providers
}

// Open opens the database (migrating it unless AUTH_MIGRATE_ON_START=false), loads or
// generates the keys, and assembles the use cases and the HTTP adapter. It does not
// listen yet; see Start. Every store call after the migrations, /readyz's ping
// included, runs under AUTH_DB_TIMEOUT (adapters/deadline); the migrations keep
// their own bounds.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (_ *Main, err error) {
	m := &Main{Config: cfg, Logger: logger, Registry: prometheus.NewRegistry()}
	defer func() {
		if err != nil && m.Backend != nil {
			_ = m.Backend.Close()
		}
	}()

	store, err := openBackend(ctx, cfg, cfg.MigrateOnStart)
	if err != nil {
		return nil, err
	}
	m.purge, _ = store.(purger)
	m.events = store.Events()
	backend := deadline.New(store, cfg.DBTimeout)
	m.Backend = backend

	params, err := argon2.ParseParams(cfg.Argon2)
	if err != nil {
		return nil, fmt.Errorf("AUTH_ARGON2: %w", err)
	}
	if err := params.Validate(); err != nil {
		logger.Warn("argon2 parameters are below the OWASP minimum; use them for tests only", "params", cfg.Argon2, "reason", err.Error())
	}
	hasher := argon2.New(params, cfg.HashConcurrency, hasherOptions(cfg)...)

	keys, err := signingKeys(ctx, cfg, backend.Secrets(), logger)
	if err != nil {
		return nil, err
	}
	m.Issuer = jwt.NewIssuer(keys, jwt.Options{Issuer: cfg.Issuer, Audience: cfg.Audience})
	refreshKey, err := refreshKey(ctx, cfg, backend.Secrets(), logger)
	if err != nil {
		return nil, err
	}
	refresh, err := jwt.NewRefreshCodec(refreshKey)
	if err != nil {
		return nil, fmt.Errorf("AUTH_REFRESH_KEY: %w", err)
	}

	sealer, err := sealer(ctx, cfg, backend.Secrets(), logger)
	if err != nil {
		return nil, err
	}

	notifier, err := newNotifier(cfg, logger)
	if err != nil {
		return nil, err
	}

	var webhooks ports.WebhookSender
	if cfg.WebhookURL != "" {
		sender, err := webhook.New(cfg.WebhookURL, cfg.WebhookSecret, webhook.Options{})
		if err != nil {
			return nil, fmt.Errorf("AUTH_WEBHOOK_URL: %w", err)
		}
		webhooks = sender
	}

	var relyingParty ports.WebAuthn
	if cfg.WebAuthnRPID == "" {
		logger.Warn("passkeys are off: the public URL's host is an IP address; set AUTH_WEBAUTHN_RP_ID to a domain")
	} else {
		rp, err := webauthn.New(webauthn.Config{RPID: cfg.WebAuthnRPID, RPName: cfg.WebAuthnRPName,
			Origins: cfg.WebAuthnOrigins})
		if err != nil {
			return nil, fmt.Errorf("AUTH_WEBAUTHN_RP_ID, AUTH_WEBAUTHN_ORIGINS: %w", err)
		}
		relyingParty = rp
	}

	// Identity providers are discovered in the background: one that is down at
	// start answers provider_error until it is reached, and authd serves.
	var providers ports.Providers
	if len(cfg.Providers) > 0 {
		m.providers = oidc.New(cfg.Providers.oidcConfigs(), oidc.Options{Logger: logger})
		providers = m.providers
	}

	appCfg := cfg.AppConfig()
	appCfg.AsyncNotify = true
	m.App = app.New(app.Deps{
		Users:               backend.Users(),
		Credentials:         backend.Credentials(),
		Throttle:            backend.Throttle(),
		Sessions:            backend.Sessions(),
		Tokens:              backend.Tokens(),
		Events:              backend.Events(),
		Outbox:              metrics.Outbox(backend.Outbox(), m.Registry),
		Webhooks:            webhooks,
		Hasher:              hasher,
		AccessTokens:        m.Issuer,
		RefreshTokens:       refresh,
		Notifier:            instrument(m.Registry, store, hasher, notifier),
		Clock:               systemClock{},
		Random:              rand.Reader,
		Sealer:              sealer,
		Identifiers:         identifiers.New(),
		Logger:              logger,
		ObservePasswordWait: passwordWaitObserver(m.Registry),
		MFA:                 backend.MFA(),
		OTP:                 totp.New(),
		Passkeys:            backend.Passkeys(),
		WebAuthn:            relyingParty,
		Identities:          backend.Identities(),
		Providers:           providers,
	}, appCfg)

	m.HTTP = httpapi.New(m.App, httpapi.Options{
		Logger:         logger,
		PublicURL:      cfg.PublicURL,
		Issuer:         cfg.Issuer,
		CORSOrigins:    cfg.CORSOrigins,
		TrustedProxies: cfg.TrustedProxies,
		BodyLimit:      int(cfg.BodyLimit),
		RateLimits:     rateLimits(cfg),
		Keys:           m.Issuer, // an HS256 issuer publishes an empty set
		Ready:          backend.Ping,
		Registry:       m.Registry,
		HideMetrics:    cfg.MetricsListen != "",
		Version:        version,
	})
	return m, nil
}

// rateLimits maps the per-IP budgets of the configuration onto the HTTP adapter's.
func rateLimits(cfg Config) httpapi.RateLimits {
	limit := func(n int) httpapi.Limit { return httpapi.Limit{Max: n, Window: cfg.RateLimitWindow} }
	return httpapi.RateLimits{
		Login:   limit(cfg.RateLimitLogin),
		Refresh: limit(cfg.RateLimitRefresh),
		Signup:  limit(cfg.RateLimitSignup),
		Forgot:  limit(cfg.RateLimitForgot),
		Resend:  limit(cfg.RateLimitResend),
	}
}

// newNotifier picks SMTP when AUTH_SMTP_URL is set and the log notifier otherwise.
func newNotifier(cfg Config, logger *slog.Logger) (ports.Notifier, error) {
	if cfg.SMTPURL == "" {
		logger.Warn("AUTH_SMTP_URL is not set: activation and reset links are written to the log; configure SMTP for production")
		return notify.NewLogNotifier(logger, cfg.PublicURL), nil
	}
	sc, err := notify.ParseSMTPURL(cfg.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("AUTH_SMTP_URL: %w", err)
	}
	sc.From, sc.PublicURL, sc.Timeout = cfg.MailFrom, cfg.PublicURL, cfg.SMTPTimeout
	locale, _ := domain.NormalizeLocale(cfg.DefaultLocale) // validated at load
	sc.Templates = notify.TemplateOptions{Dir: cfg.MailTemplatesDir, DefaultLocale: locale}
	n, err := notify.NewSMTPNotifier(sc)
	if err != nil {
		return nil, fmt.Errorf("AUTH_SMTP_URL / AUTH_MAIL_FROM: %w", err)
	}
	return n, nil
}

// Start listens on AUTH_LISTEN and serves in the background. Addr tells where.
func (m *Main) Start() error {
	ln, err := m.listener()
	if err != nil {
		return err
	}
	m.ln = ln
	m.served = make(chan error, 1)
	go func() { m.served <- m.HTTP.Listener(ln) }()
	if err := m.startMetrics(); err != nil {
		return err
	}
	m.startPurging()
	m.startDispatching()
	m.Logger.Info("authd listening", "addr", ln.Addr().String(), "backend", m.Config.Backend(), "version", version)
	return nil
}

// purger is a backend that deletes expired sessions and tokens when asked (the SQL
// store; DynamoDB expires items with its TTL instead).
type purger interface {
	PurgeExpired(ctx context.Context, now time.Time) (int64, error)
}

// startPurging deletes expired sessions and one-time tokens every
// AUTH_PURGE_INTERVAL, starting at once, until Close. Every instance may run it: the
// deletes are idempotent and each takes only what has expired.
func (m *Main) startPurging() {
	p := m.purge
	if m.Config.PurgeInterval <= 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.stopPurge, m.purged = cancel, make(chan struct{})
	go func() {
		defer close(m.purged)
		tick := time.NewTicker(m.Config.PurgeInterval)
		defer tick.Stop()
		for {
			if p != nil {
				n, err := p.PurgeExpired(ctx, time.Now().UTC())
				switch {
				case err != nil && ctx.Err() == nil:
					m.Logger.Warn("purging expired sessions and tokens failed; will retry", "err", err)
				case n > 0:
					m.Logger.Info("purged expired sessions and tokens", "rows", n)
				}
			}
			n, err := m.events.Purge(ctx, time.Now().UTC().Add(-m.Config.AuditRetention))
			switch {
			case err != nil && ctx.Err() == nil:
				m.Logger.Warn("purging old audit events failed; will retry", "err", err)
			case n > 0:
				m.Logger.Info("purged audit events and dead deliveries past AUTH_AUDIT_RETENTION", "rows", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// startDispatching runs this instance's outbox dispatcher until Close.
func (m *Main) startDispatching() {
	ctx, cancel := context.WithCancel(context.Background())
	m.stopDispatch, m.dispatched = cancel, make(chan struct{})
	go func() {
		defer close(m.dispatched)
		m.App.RunDispatcher(ctx)
	}()
}

// Addr is the address Start listens on (useful with port 0).
func (m *Main) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// Done is closed, with the serve error, when the server stops on its own.
func (m *Main) Done() <-chan error { return m.served }

// Close stops accepting requests, lets in-flight ones finish within ctx, stops the
// dispatcher and the purge, and closes the database.
func (m *Main) Close(ctx context.Context) error {
	var errs []error
	if m.HTTP != nil && m.ln != nil {
		if err := m.HTTP.ShutdownWithContext(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
	}
	if err := m.stopMetrics(ctx); err != nil {
		errs = append(errs, err)
	}
	if m.stopPurge != nil {
		m.stopPurge()
		<-m.purged
	}
	// Whatever the dispatcher has not sent waits in the outbox for the next
	// instance to start.
	if m.stopDispatch != nil {
		m.stopDispatch()
		<-m.dispatched
	}
	if m.providers != nil {
		m.providers.Close()
	}
	if m.Backend != nil {
		if err := m.Backend.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close database: %w", err))
		}
	}
	return errors.Join(errs...)
}

// serve runs the service until ctx is cancelled (SIGINT/SIGTERM), then shuts down
// gracefully within AUTH_SHUTDOWN_TIMEOUT.
func serve(ctx context.Context, cfg Config, stderr io.Writer) error {
	logger := newLogger(cfg, stderr)
	logger.Info("starting authd", "config", cfg)
	defer startMemoryLimit(cfg, logger)()
	ln, err := listen(cfg.Listen) // first, so a taken port fails before any database work
	if err != nil {
		return err
	}
	m, err := Open(ctx, cfg, logger)
	if err != nil {
		_ = ln.Close()
		return err
	}
	m.bound = ln
	if err := m.Start(); err != nil {
		_ = m.Close(context.Background())
		return err
	}
	var serveErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case serveErr = <-m.Done():
		logger.Error("server stopped", "err", serveErr)
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return errors.Join(serveErr, m.Close(sctx))
}

// newLogger builds the slog logger AUTH_LOG_LEVEL and AUTH_LOG_FORMAT ask for.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// systemClock is the wall clock.
type systemClock struct{}

// Now returns the current time in UTC.
func (systemClock) Now() time.Time { return time.Now().UTC() }
