// Package app holds authd's use cases, one method each. It depends on domain and
// ports only: which database, token format or mail transport sits behind a port is
// decided in cmd/authd.
package app

import (
	"log/slog"
	"sync"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Config holds the policy knobs of the use cases.
type Config struct {
	// RequireActivation keeps pending accounts from logging in; when false, sign-up
	// creates active accounts and sends no mail.
	RequireActivation bool
	AccessTTL         time.Duration
	RefreshTTL        time.Duration
	// RefreshReuseGrace is how long after a rotation the previous refresh token is
	// still answered with the current one (two tabs, a lost response).
	RefreshReuseGrace time.Duration
	// LockoutThreshold password attempts on one login identifier go ahead at once;
	// each further one waits LockoutBase after the previous, doubling up to
	// LockoutMax. LockoutForget after the latest attempt the count starts again (a
	// correct password resets it at once). 0 turns the back-off off.
	LockoutThreshold int
	LockoutBase      time.Duration
	LockoutMax       time.Duration
	LockoutForget    time.Duration
	// MaxPageSize bounds ListUsers' limit (a larger one is refused); DefaultPageSize is used when none is given.
	MaxPageSize     int
	DefaultPageSize int
	// AsyncNotify leaves the outbox to the dispatcher (RunDispatcher), which a
	// write of deliveries wakes; authd always sets it. Off, a request that writes
	// deliveries runs a dispatch pass itself before it returns, which tests that
	// read the mail right after a call rely on.
	AsyncNotify bool
	// PasswordWorkLimit bounds the operations that hash a password (login, sign-up,
	// password change and reset, deletion) in flight at once; one more waits at most
	// PasswordWorkWait and is then answered unavailable with a Retry-After, before it
	// has touched the store. 0 leaves them unbounded (the hasher still bounds the
	// hashes themselves).
	PasswordWorkLimit int
	PasswordWorkWait  time.Duration
	// MFAIssuer labels TOTP entries in authenticator apps (AUTH_MFA_ISSUER).
	MFAIssuer string
	// AdminRequireMFA makes every user-administration call refuse admin sessions
	// below aal2 (AUTH_ADMIN_REQUIRE_MFA).
	AdminRequireMFA bool
	// Webhooks is true when AUTH_WEBHOOK_URL is set: events selected by
	// WebhookEvents (types or prefixes ending in "."; empty for all) get a webhook
	// delivery written with them.
	Webhooks      bool
	WebhookEvents []string
	// The outbox dispatcher (RunDispatcher): a row that keeps failing is retried for
	// DeliveryMaxAge and then dead; a claim leases DeliveryBatch rows for
	// DeliveryLease; due rows are looked for every DeliveryPoll.
	DeliveryMaxAge time.Duration
	DeliveryLease  time.Duration
	DeliveryPoll   time.Duration
	DeliveryBatch  int
	// DefaultLocale is the locale of accounts that stated none, neither in the
	// sign-up body nor by Accept-Language (AUTH_DEFAULT_LOCALE).
	DefaultLocale string
	// Passwordless turns on sign-in by a mailed link or code (AUTH_PASSWORDLESS,
	// ARCHITECTURE.md §11); PasswordlessSignup also lets an address without an
	// account sign in, which creates the account (AUTH_PASSWORDLESS_SIGNUP).
	Passwordless       bool
	PasswordlessSignup bool
	// RedirectURLs are the URLs a browser may be sent back to with an
	// authorization code (AUTH_REDIRECT_URLS, ARCHITECTURE.md §10).
	RedirectURLs domain.RedirectAllowList
	// ProviderAutoLink names the identity providers whose verified e-mail
	// addresses link an existing account at the first sign-in
	// (AUTH_PROVIDER_<NAME>_AUTO_LINK, ARCHITECTURE.md §10).
	ProviderAutoLink map[string]bool
}

// DefaultConfig returns the documented defaults (ARCHITECTURE.md §2, §4).
func DefaultConfig() Config {
	return Config{
		RequireActivation: true,
		DefaultLocale:     domain.DefaultLocale,
		AccessTTL:         15 * time.Minute,
		RefreshTTL:        720 * time.Hour,
		RefreshReuseGrace: 10 * time.Second,
		LockoutThreshold:  5,
		LockoutBase:       time.Second,
		LockoutMax:        15 * time.Minute,
		LockoutForget:     24 * time.Hour,
		MaxPageSize:       100,
		DefaultPageSize:   20,
		MFAIssuer:         "authd",
		DeliveryMaxAge:    24 * time.Hour,
		DeliveryLease:     time.Minute,
		DeliveryPoll:      time.Second,
		DeliveryBatch:     16,
	}
}

// Deps are the ports the use cases drive.
type Deps struct {
	Users       ports.UserStore
	Credentials ports.CredentialStore
	Throttle    ports.LoginThrottle
	Sessions    ports.SessionStore
	Tokens      ports.TokenStore
	// Events keeps the audit log and Outbox the deliveries; both required.
	Events ports.EventStore
	Outbox ports.Outbox
	// Webhooks posts events to AUTH_WEBHOOK_URL; nil when none is configured.
	Webhooks      ports.WebhookSender
	Hasher        ports.Hasher
	AccessTokens  ports.AccessTokens
	RefreshTokens ports.RefreshTokens
	Notifier      ports.Notifier
	Clock         ports.Clock
	Random        ports.Random
	// Sealer encrypts the secrets kept at rest (TOTP seeds, tokens waiting in the
	// outbox); the flows that keep any need it.
	Sealer ports.Sealer
	// MFA keeps second factors, recovery codes and mfa tokens; OTP computes and
	// checks TOTP codes. The MFA flows need both.
	MFA ports.MFAStore
	OTP ports.OTP
	// Passkeys keeps passkeys and ceremony states; WebAuthn is the relying party
	// that checks them. The passkey flows need both.
	Passkeys ports.PasskeyStore
	WebAuthn ports.WebAuthn
	// Identities keeps linked external identities and provider flows;
	// Providers speaks to the configured identity providers. Sign-in through
	// providers needs both; nil Providers means none is configured.
	Identities ports.IdentityStore
	Providers  ports.Providers
	// Identifiers normalises e-mail addresses and usernames; required.
	Identifiers ports.Identifiers
	Logger      *slog.Logger
	// ObservePasswordWait, when set, is told how long each password operation
	// waited for admission (zero when there was room), shed ones included.
	ObservePasswordWait func(time.Duration)
}

// App is the set of use cases.
type App struct {
	Deps
	cfg       Config
	admission *admission // nil without PasswordWorkLimit
	// wake tells RunDispatcher that this instance just wrote deliveries.
	wake chan struct{}
	// idMu guards lastEventID, the latest event id made (see newEventID).
	idMu        sync.Mutex
	lastEventID string
}

// New returns the use cases over deps. A nil Logger discards logs. With
// cfg.AsyncNotify it starts the background workers, which live as long as the
// process. Identifiers has no fallback: a stdlib-only rule would store lookalikes
// the real one refuses, so a missing one is a wiring mistake and panics here
// rather than at first use.
func New(deps Deps, cfg Config) *App {
	if deps.Identifiers == nil {
		panic("app.New: Deps.Identifiers is required")
	}
	if deps.Events == nil || deps.Outbox == nil {
		panic("app.New: Deps.Events and Deps.Outbox are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	a := &App{Deps: deps, cfg: cfg, wake: make(chan struct{}, 1),
		admission: newAdmission(cfg.PasswordWorkLimit, cfg.PasswordWorkWait, deps.ObservePasswordWait)}
	return a
}

// Principal is the caller behind a verified access token whose session is live.
type Principal struct {
	UserID    string
	SessionID string
	Role      domain.Role
	Fresh     bool
	// AAL and AMR are the session's, read from the store on every request, so a
	// step-up decision never rests on a token's word alone.
	AAL domain.AAL
	AMR []string
	// Client is where the request came from, for the events it writes; the HTTP
	// adapter fills it in after Authenticate.
	Client Client

	// account is the caller's account as Authenticate read it, so that the use
	// cases of the same request (Me, ChangePassword, DeleteAccount) need not read
	// it again.
	account *domain.User
}

// IsAdmin reports whether the caller has the admin role.
func (p Principal) IsAdmin() bool { return p.Role == domain.RoleAdmin }

// TokenPair is what a login or refresh yields (RFC 6749 §5.1 shape).
type TokenPair struct {
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string
	User         domain.User
	// Replayed is true when a refresh answered with the session's current pair
	// instead of rotating it (a client race, or a token one step behind within the
	// reuse grace), so that operators can tell those from rotations.
	Replayed bool
}
