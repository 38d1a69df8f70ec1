// Package deadline bounds every store call of a ports.Backend in time, in one place.
//
// A database that stops answering without closing its connections (a frozen
// process, a partitioned network, a stuck storage volume) would otherwise hold every
// request that touches it for as long as the stall lasts: the drivers honour their
// context, but nothing upstream gives them one that ends. Backend wraps each store
// port so that each call runs under its own context.WithTimeout, and turns a call
// that ran out of that time into domain.CodeUnavailable with a Retry-After hint, which
// the HTTP adapter answers as 503. The stores themselves stay unaware of it, and
// whatever runs on the unwrapped backend (migrations, the purge of expired rows)
// keeps its own, longer bounds.
package deadline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// RetryAfter is how long a client is asked to wait after a call timed out: a stalled
// database needs a moment, and a retry at once would only join the queue.
const RetryAfter = 2 * time.Second

// Message is the client-safe sentence of a timed-out call. The cause (the driver's
// error) stays in domain.Error.Err, for logs.
const Message = "The database did not answer in time."

var _ ports.Backend = (*Backend)(nil)

// Backend is a ports.Backend whose every store call, Ping included, must finish
// within a fixed time. Close is passed through unbounded.
type Backend struct {
	inner ports.Backend
	g     guard

	users       ports.UserStore
	credentials ports.CredentialStore
	throttle    ports.LoginThrottle
	sessions    ports.SessionStore
	tokens      ports.TokenStore
	secrets     ports.SecretStore
	events      ports.EventStore
	outbox      ports.Outbox
	mfa         ports.MFAStore
}

// New wraps inner so that each call of its stores gets at most timeout, which must
// be positive.
func New(inner ports.Backend, timeout time.Duration) *Backend {
	if timeout <= 0 {
		panic("deadline: timeout must be positive")
	}
	g := guard{timeout: timeout}
	return &Backend{
		inner:       inner,
		g:           g,
		users:       users{inner.Users(), g},
		credentials: credentials{inner.Credentials(), g},
		throttle:    throttle{inner.Throttle(), g},
		sessions:    sessions{inner.Sessions(), g},
		tokens:      tokens{inner.Tokens(), g},
		secrets:     secrets{inner.Secrets(), g},
		events:      events{inner.Events(), g},
		outbox:      outbox{inner.Outbox(), g},
		mfa:         mfa{inner.MFA(), g},
	}
}

// Unwrap returns the backend without deadlines, for work that needs longer bounds
// (migrations, purges) or capabilities beyond ports.Backend.
func (b *Backend) Unwrap() ports.Backend { return b.inner }

// Timeout is the bound of one call.
func (b *Backend) Timeout() time.Duration { return b.g.timeout }

// Events returns the audit log, bounded.
func (b *Backend) Events() ports.EventStore { return b.events }

// Outbox returns the outbox, bounded.
func (b *Backend) Outbox() ports.Outbox { return b.outbox }

// MFA returns the MFA store, bounded.
func (b *Backend) MFA() ports.MFAStore { return b.mfa }

// Users returns the user store, bounded.
func (b *Backend) Users() ports.UserStore { return b.users }

// Credentials returns the credential store, bounded.
func (b *Backend) Credentials() ports.CredentialStore { return b.credentials }

// Throttle returns the failed-login counter, bounded.
func (b *Backend) Throttle() ports.LoginThrottle { return b.throttle }

// Sessions returns the session store, bounded.
func (b *Backend) Sessions() ports.SessionStore { return b.sessions }

// Tokens returns the one-time-token store, bounded.
func (b *Backend) Tokens() ports.TokenStore { return b.tokens }

// Secrets returns the secret store, bounded.
func (b *Backend) Secrets() ports.SecretStore { return b.secrets }

// Ping checks the database within the bound, so /readyz fails rather than hangs.
func (b *Backend) Ping(ctx context.Context) error {
	return b.g.run(ctx, b.inner.Ping)
}

// Close releases the inner backend's connections.
func (b *Backend) Close() error { return b.inner.Close() }

// guard runs one call under the deadline and judges how it ended.
type guard struct {
	timeout time.Duration
}

// run calls fn with a context that ends after the timeout (or earlier, with ctx).
func (g guard) run(ctx context.Context, fn func(context.Context) error) error {
	bounded, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	return g.judge(ctx, bounded, fn(bounded))
}

// value is run for a call that also returns a value.
func value[T any](g guard, ctx context.Context, fn func(context.Context) (T, error)) (T, error) {
	var v T
	err := g.run(ctx, func(ctx context.Context) error {
		var err error
		v, err = fn(ctx)
		return err
	})
	return v, err
}

// judge decides what the caller sees. A failure after this guard's own deadline
// passed, while the caller's context is still alive, is the database's silence:
// unavailable, with the driver's error kept as the cause. What the caller ended
// itself (cancelled, or its own earlier deadline) passes through unchanged, so
// nobody retries on behalf of a client that left; so does every success, and every
// answer the database did give (not_found, conflict, ...) even if it came late.
func (g guard) judge(caller, bounded context.Context, err error) error {
	if err == nil || caller.Err() != nil || !errors.Is(bounded.Err(), context.DeadlineExceeded) {
		return err
	}
	var de *domain.Error
	if errors.As(err, &de) && de.Code != domain.CodeUnavailable && de.Code != domain.CodeInternal {
		return err
	}
	return &domain.Error{
		Code:       domain.CodeUnavailable,
		Message:    Message,
		RetryAfter: RetryAfter,
		Err:        fmt.Errorf("deadline: no answer within %v: %w", g.timeout, err),
	}
}
