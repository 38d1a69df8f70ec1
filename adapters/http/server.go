// Package httpapi is authd's HTTP adapter: the JSON API of ARCHITECTURE.md §3 on
// Fiber v2, driving the use cases in app. It owns everything HTTP — routing, body
// decoding, the one table from domain error codes to status codes, problem+json,
// per-IP rate limits, CORS, metrics, request logs — and nothing else: every decision
// about accounts and tokens is the App's.
package httpapi

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/authd/authd/app"
)

// DefaultBodyLimit caps request bodies (ARCHITECTURE.md §4); nothing in the API
// needs more than a few hundred bytes.
const DefaultBodyLimit = 64 << 10

// Keys publishes the public half of the access-token signing keys. The JWT adapter
// implements it; it is nil for HS256, whose shared secret must never be published.
type Keys interface {
	// JWKS returns the JSON Web Key Set (RFC 7517) of the verification keys.
	JWKS() []byte
	// Algorithms returns the JWS algorithms the keys sign with (EdDSA, RS256, ES256).
	Algorithms() []string
}

// Limit is a per-client-IP request budget: Max requests per Window. Max 0 turns the
// limit off.
type Limit struct {
	Max    int
	Window time.Duration
}

// RateLimits are the per-IP budgets of the endpoints an attacker hammers. They are
// counted in memory per instance; the per-identifier login back-off lives in the store
// and holds across instances.
type RateLimits struct {
	Login   Limit
	Refresh Limit
	Signup  Limit
	Forgot  Limit
	Resend  Limit
}

// Options are the plain values the adapter needs; cmd/authd fills them from config.
type Options struct {
	// Logger receives request logs and internal errors; nil discards them.
	Logger *slog.Logger
	// PublicURL is the externally visible base URL (AUTH_PUBLIC_URL), used in the
	// discovery document and as the OpenAPI server.
	PublicURL string
	// Issuer is the `iss` of access tokens (AUTH_ISSUER); PublicURL when empty.
	Issuer string
	// CORSOrigins are the allowed origins; empty means "*".
	CORSOrigins []string
	// TrustedProxies are IPs or CIDRs whose X-Forwarded-For is believed; from any
	// other peer the client IP is the socket address.
	TrustedProxies []string
	// BodyLimit caps request bodies in bytes; 0 means DefaultBodyLimit.
	BodyLimit int
	// RateLimits are the per-IP budgets; the zero value turns them all off.
	RateLimits RateLimits
	// Keys publishes the signing keys; nil (HS256) serves an empty JWKS.
	Keys Keys
	// Ready reports whether the instance can serve (pings the store); nil is always
	// ready.
	Ready func(ctx context.Context) error
	// Registry receives the HTTP, Go and process metrics served at /metrics; nil
	// creates a fresh one.
	Registry *prometheus.Registry
	// HideMetrics leaves /metrics off the API (it then answers 404 here), for a
	// deployment that serves Registry on a listener of its own or not at all.
	HideMetrics bool
	// Version is reported by /healthz and in the OpenAPI info.
	Version string
	// ReadTimeout bounds the reading of one request, and the wait for the first
	// one on a new connection; 0 means 15 s.
	ReadTimeout time.Duration
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	if o.PublicURL == "" {
		o.PublicURL = "http://localhost:8080"
	}
	if o.Issuer == "" {
		o.Issuer = o.PublicURL
	}
	if len(o.CORSOrigins) == 0 {
		o.CORSOrigins = []string{"*"}
	}
	if o.BodyLimit <= 0 {
		o.BodyLimit = DefaultBodyLimit
	}
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = readTimeout
	}
	return o
}

// headerLimit bounds the request line and header block together (fasthttp's read
// buffer); a larger one answers 431 headers_too_large. authd's requests carry a
// bearer token of a few hundred bytes at most.
const headerLimit = 4 << 10

// Server timeouts: a slow client cannot hold a connection for long, and keep-alive
// connections are recycled.
const (
	readTimeout  = 15 * time.Second
	writeTimeout = 30 * time.Second
	idleTimeout  = 120 * time.Second
)

// New returns the Fiber application serving the API over a. The caller listens
// (app.Listen) and shuts it down (app.ShutdownWithContext).
func New(a *app.App, opts Options) *fiber.App {
	opts = opts.withDefaults()
	routes := &routeTable{}
	errs := errorWriter{log: opts.Logger, routes: routes}
	obs := &observer{errs: errs, routes: routes, http: newMetrics(opts.Registry), outcomes: newOutcomes(opts.Registry), log: opts.Logger}
	f := fiber.New(fiber.Config{
		AppName:               "authd",
		Immutable:             true, // values from Params, Get and Query outlive the handler (sessions store the user agent)
		BodyLimit:             opts.BodyLimit,
		ReadBufferSize:        headerLimit,
		ErrorHandler:          obs.handleOutside,
		DisableStartupMessage: true,
		ReadTimeout:           opts.ReadTimeout,
		WriteTimeout:          writeTimeout,
		IdleTimeout:           idleTimeout,
	})
	guardFraming(f, obs)

	f.Use(resolveClientIP(newClientIPs(opts.TrustedProxies)))
	f.Use(obs.middleware)
	f.Use(recovery(opts.Logger))
	f.Use(cors.New(cors.Config{
		AllowOrigins: strings.Join(opts.CORSOrigins, ","),
		AllowMethods: "GET,POST,PATCH,DELETE",
		AllowHeaders: "Authorization,Content-Type,X-Request-ID",
		// The limiter's X-RateLimit-* (set on the rate-limited operations) are
		// exposed with Retry-After, so a browser client can pace itself.
		ExposeHeaders: "Retry-After,X-Request-ID,X-RateLimit-Limit,X-RateLimit-Remaining,X-RateLimit-Reset",
		MaxAge:        600,
	}))
	f.Use(requireJSON)
	f.Use(refuseControlTarget)

	h := &handlers{app: a, opts: opts}
	r := router{f: f, table: routes}
	rl := opts.RateLimits
	auth := h.authenticate

	r.add(fiber.MethodPost, "/v1/auth/signup", limit(rl.Signup), h.signUp)
	r.add(fiber.MethodPost, "/v1/auth/activate", h.activate)
	r.add(fiber.MethodPost, "/v1/auth/activate/resend", limit(rl.Resend), mailLink(a.ResendActivation))
	r.add(fiber.MethodPost, "/v1/auth/login", limit(rl.Login), h.login)
	r.add(fiber.MethodPost, "/v1/auth/refresh", limit(rl.Refresh), h.refresh)
	r.add(fiber.MethodPost, "/v1/auth/logout", auth, h.logout)
	r.add(fiber.MethodGet, "/v1/auth/me", auth, h.me)
	r.add(fiber.MethodDelete, "/v1/auth/me", auth, h.deleteAccount)
	r.add(fiber.MethodPatch, "/v1/auth/me", auth, h.updateMe) // locale.go
	r.add(fiber.MethodPost, "/v1/auth/password", auth, h.changePassword)
	r.add(fiber.MethodPost, "/v1/auth/password/forgot", limit(rl.Forgot), mailLink(a.ForgotPassword))
	r.add(fiber.MethodPost, "/v1/auth/password/reset", h.resetPassword)
	r.add(fiber.MethodGet, "/v1/auth/sessions", auth, h.mySessions)
	r.add(fiber.MethodDelete, "/v1/auth/sessions/:id", auth, h.revokeMySession)
	r.add(fiber.MethodGet, "/v1/auth/events", auth, h.myEvents)
	r.add(fiber.MethodGet, "/v1/audit-events", auth, h.listEvents)

	r.add(fiber.MethodGet, "/v1/users", auth, h.listUsers)
	r.add(fiber.MethodGet, "/v1/users/:id", auth, h.getUser)
	r.add(fiber.MethodPatch, "/v1/users/:id", auth, h.updateUser)
	r.add(fiber.MethodDelete, "/v1/users/:id", auth, h.deleteUser)
	r.add(fiber.MethodPost, "/v1/users/:id/activate", auth, h.adminActivate)
	h.mfaRoutes(r, auth, rl)      // mfa.go
	h.emailRoutes(r, auth, rl)    // email.go
	h.passkeyRoutes(r, auth, rl)  // passkeys.go
	h.signInRoutes(r, rl)         // signin.go
	h.tokenRoutes(r, rl)          // token.go
	h.providerRoutes(r, auth, rl) // providers.go

	r.add(fiber.MethodGet, "/activate", activationPage)
	r.add(fiber.MethodGet, "/reset-password", resetPage)

	w := newWellKnown(opts)
	r.add(fiber.MethodGet, "/.well-known/jwks.json", w.jwks)
	r.add(fiber.MethodGet, "/.well-known/openid-configuration", w.openIDConfiguration)
	r.add(fiber.MethodGet, "/healthz", w.healthz)
	r.add(fiber.MethodGet, "/readyz", w.readyz)
	// Load balancers and uptime checkers often probe with HEAD: the same answer,
	// without its body (fasthttp drops it).
	r.add(fiber.MethodHead, "/healthz", w.healthz)
	r.add(fiber.MethodHead, "/readyz", w.readyz)
	if !opts.HideMetrics {
		r.add(fiber.MethodGet, "/metrics", w.metrics)
	}
	r.add(fiber.MethodGet, "/openapi.json", w.openAPI)
	r.add(fiber.MethodGet, "/docs", w.docs)
	r.add(fiber.MethodGet, "/docs/reference", w.docsReference)
	r.add(fiber.MethodGet, "/docs/assets/:name", w.docsAsset)
	return f
}

// router registers a route with Fiber and in the table behind the Allow header.
type router struct {
	f     *fiber.App
	table *routeTable
}

func (r router) add(method, path string, handlers ...fiber.Handler) {
	var hs []fiber.Handler
	for _, h := range handlers {
		if h != nil {
			hs = append(hs, h)
		}
	}
	r.f.Add(method, path, hs...)
	r.table.add(method, path)
}

// handlers holds the API endpoints.
type handlers struct {
	app  *app.App
	opts Options
}
