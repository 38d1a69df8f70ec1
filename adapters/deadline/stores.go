package deadline

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Each store below passes every call through its guard and nothing else: arguments,
// results and errors the database gave are the inner store's.

var (
	_ ports.UserStore       = users{}
	_ ports.CredentialStore = credentials{}
	_ ports.LoginThrottle   = throttle{}
	_ ports.SessionStore    = sessions{}
	_ ports.TokenStore      = tokens{}
	_ ports.SecretStore     = secrets{}
	_ ports.EventStore      = events{}
	_ ports.Outbox          = outbox{}
)

type users struct {
	s ports.UserStore
	g guard
}

func (u users) Create(ctx context.Context, user *domain.User, fx domain.Effects) error {
	return u.g.run(ctx, func(ctx context.Context) error { return u.s.Create(ctx, user, fx) })
}

func (u users) CreatePending(ctx context.Context, user *domain.User, tok *domain.OneTimeToken, fx domain.Effects) error {
	return u.g.run(ctx, func(ctx context.Context) error { return u.s.CreatePending(ctx, user, tok, fx) })
}

func (u users) ByID(ctx context.Context, id string) (*domain.User, error) {
	return value(u.g, ctx, func(ctx context.Context) (*domain.User, error) { return u.s.ByID(ctx, id) })
}

func (u users) ByEmail(ctx context.Context, email string) (*domain.User, error) {
	return value(u.g, ctx, func(ctx context.Context) (*domain.User, error) { return u.s.ByEmail(ctx, email) })
}

func (u users) ByUsername(ctx context.Context, username string) (*domain.User, error) {
	return value(u.g, ctx, func(ctx context.Context) (*domain.User, error) { return u.s.ByUsername(ctx, username) })
}

// Update passes change through: it runs inside the inner store's one atomic step,
// under the same deadline as the rest of that step.
func (u users) Update(ctx context.Context, id string, change func(*domain.User) (domain.Effects, error)) (*domain.User, error) {
	return value(u.g, ctx, func(ctx context.Context) (*domain.User, error) { return u.s.Update(ctx, id, change) })
}

func (u users) Delete(ctx context.Context, id string, fx domain.Effects) error {
	return u.g.run(ctx, func(ctx context.Context) error { return u.s.Delete(ctx, id, fx) })
}

func (u users) List(ctx context.Context, afterID string, limit int) ([]domain.User, error) {
	return value(u.g, ctx, func(ctx context.Context) ([]domain.User, error) { return u.s.List(ctx, afterID, limit) })
}

type credentials struct {
	s ports.CredentialStore
	g guard
}

func (c credentials) SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error {
	return c.g.run(ctx, func(ctx context.Context) error { return c.s.SetPasswordHash(ctx, userID, hash, at) })
}

func (c credentials) ChangePassword(ctx context.Context, userID, hash, keepSessionID string, at time.Time, fx domain.Effects) error {
	return c.g.run(ctx, func(ctx context.Context) error {
		return c.s.ChangePassword(ctx, userID, hash, keepSessionID, at, fx)
	})
}

type throttle struct {
	s ports.LoginThrottle
	g guard
}

func (t throttle) Reserve(ctx context.Context, key string, now time.Time, policy domain.Backoff) (time.Duration, error) {
	return value(t.g, ctx, func(ctx context.Context) (time.Duration, error) { return t.s.Reserve(ctx, key, now, policy) })
}

func (t throttle) Clear(ctx context.Context, key string) error {
	return t.g.run(ctx, func(ctx context.Context) error { return t.s.Clear(ctx, key) })
}

type sessions struct {
	s ports.SessionStore
	g guard
}

func (s sessions) Create(ctx context.Context, sess *domain.Session, fx domain.Effects) error {
	return s.g.run(ctx, func(ctx context.Context) error { return s.s.Create(ctx, sess, fx) })
}

func (s sessions) ByID(ctx context.Context, id string) (*domain.Session, error) {
	return value(s.g, ctx, func(ctx context.Context) (*domain.Session, error) { return s.s.ByID(ctx, id) })
}

func (s sessions) Rotate(ctx context.Context, id string, from uint64, at time.Time) error {
	return s.g.run(ctx, func(ctx context.Context) error { return s.s.Rotate(ctx, id, from, at) })
}

func (s sessions) Revoke(ctx context.Context, id string, at time.Time, fx domain.Effects) error {
	return s.g.run(ctx, func(ctx context.Context) error { return s.s.Revoke(ctx, id, at, fx) })
}

func (s sessions) RevokeAll(ctx context.Context, userID, exceptID string, at time.Time, fx domain.Effects) (int, error) {
	return value(s.g, ctx, func(ctx context.Context) (int, error) { return s.s.RevokeAll(ctx, userID, exceptID, at, fx) })
}

func (s sessions) Live(ctx context.Context, userID string, now time.Time) ([]domain.Session, error) {
	return value(s.g, ctx, func(ctx context.Context) ([]domain.Session, error) { return s.s.Live(ctx, userID, now) })
}

type tokens struct {
	s ports.TokenStore
	g guard
}

func (t tokens) Create(ctx context.Context, tok *domain.OneTimeToken, fx domain.Effects) error {
	return t.g.run(ctx, func(ctx context.Context) error { return t.s.Create(ctx, tok, fx) })
}

func (t tokens) ConsumeActivation(ctx context.Context, hash string, now time.Time, fx domain.Effects) (*domain.User, error) {
	return value(t.g, ctx, func(ctx context.Context) (*domain.User, error) { return t.s.ConsumeActivation(ctx, hash, now, fx) })
}

func (t tokens) ConsumeReset(ctx context.Context, hash, newPasswordHash string, now time.Time, fx domain.Effects) (*domain.User, error) {
	return value(t.g, ctx, func(ctx context.Context) (*domain.User, error) {
		return t.s.ConsumeReset(ctx, hash, newPasswordHash, now, fx)
	})
}

func (t tokens) PutSignIn(ctx context.Context, c *domain.SignInCode, fx domain.Effects) error {
	return t.g.run(ctx, func(ctx context.Context) error { return t.s.PutSignIn(ctx, c, fx) })
}

func (t tokens) SignIn(ctx context.Context, email string, now time.Time) (*domain.SignInCode, error) {
	return value(t.g, ctx, func(ctx context.Context) (*domain.SignInCode, error) { return t.s.SignIn(ctx, email, now) })
}

func (t tokens) SignInByLink(ctx context.Context, linkHash string, now time.Time) (*domain.SignInCode, error) {
	return value(t.g, ctx, func(ctx context.Context) (*domain.SignInCode, error) {
		return t.s.SignInByLink(ctx, linkHash, now)
	})
}

func (t tokens) FailSignIn(ctx context.Context, email, linkHash string, fx domain.Effects) error {
	return t.g.run(ctx, func(ctx context.Context) error { return t.s.FailSignIn(ctx, email, linkHash, fx) })
}

func (t tokens) ConsumeSignIn(ctx context.Context, email, linkHash string, now time.Time) (*domain.SignInCode, error) {
	return value(t.g, ctx, func(ctx context.Context) (*domain.SignInCode, error) {
		return t.s.ConsumeSignIn(ctx, email, linkHash, now)
	})
}

func (t tokens) PutAuthCode(ctx context.Context, c *domain.AuthCode, fx domain.Effects) error {
	return t.g.run(ctx, func(ctx context.Context) error { return t.s.PutAuthCode(ctx, c, fx) })
}

func (t tokens) ConsumeAuthCode(ctx context.Context, hash string, now time.Time) (*domain.AuthCode, error) {
	return value(t.g, ctx, func(ctx context.Context) (*domain.AuthCode, error) { return t.s.ConsumeAuthCode(ctx, hash, now) })
}

func (t tokens) ConsumeEmailChange(ctx context.Context, hash string, now time.Time, fx domain.Effects) (*domain.User, error) {
	return value(t.g, ctx, func(ctx context.Context) (*domain.User, error) {
		return t.s.ConsumeEmailChange(ctx, hash, now, fx)
	})
}

type secrets struct {
	s ports.SecretStore
	g guard
}

func (s secrets) Secret(ctx context.Context, name string, candidate []byte) ([]byte, error) {
	return value(s.g, ctx, func(ctx context.Context) ([]byte, error) { return s.s.Secret(ctx, name, candidate) })
}

type events struct {
	s ports.EventStore
	g guard
}

func (e events) Append(ctx context.Context, fx domain.Effects) error {
	return e.g.run(ctx, func(ctx context.Context) error { return e.s.Append(ctx, fx) })
}

func (e events) List(ctx context.Context, f domain.EventFilter) ([]domain.Event, error) {
	return value(e.g, ctx, func(ctx context.Context) ([]domain.Event, error) { return e.s.List(ctx, f) })
}

// Purge is passed through unbounded, like the periodic purge of expired rows: it
// deletes in batches for as long as ctx allows.
func (e events) Purge(ctx context.Context, before time.Time) (int64, error) {
	return e.s.Purge(ctx, before)
}

type outbox struct {
	s ports.Outbox
	g guard
}

func (o outbox) Claim(ctx context.Context, lease string, now, until time.Time, limit int) ([]domain.Delivery, error) {
	return value(o.g, ctx, func(ctx context.Context) ([]domain.Delivery, error) {
		return o.s.Claim(ctx, lease, now, until, limit)
	})
}

func (o outbox) Complete(ctx context.Context, ds []domain.Delivery) error {
	return o.g.run(ctx, func(ctx context.Context) error { return o.s.Complete(ctx, ds) })
}

func (o outbox) Retry(ctx context.Context, d domain.Delivery, next time.Time, lastErr string) error {
	return o.g.run(ctx, func(ctx context.Context) error { return o.s.Retry(ctx, d, next, lastErr) })
}

func (o outbox) Bury(ctx context.Context, d domain.Delivery, at time.Time, lastErr string) error {
	return o.g.run(ctx, func(ctx context.Context) error { return o.s.Bury(ctx, d, at, lastErr) })
}

func (o outbox) Counts(ctx context.Context) (pending, dead int64, err error) {
	err = o.g.run(ctx, func(ctx context.Context) error {
		var err error
		pending, dead, err = o.s.Counts(ctx)
		return err
	})
	return pending, dead, err
}
