package app

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
)

// LoginInput identifies an account by e-mail or username and proves it with a
// password.
type LoginInput struct {
	Email    string
	Username string
	Password string
	Client   Client
}

// Login checks the password and opens a session. Returns validation_failed,
// invalid_credentials (unknown account or wrong password — indistinguishable, and
// both spend one hash), rate_limited (the account is backing off after repeated
// failures), and, only after a correct password, account_not_active or
// account_disabled.
func (a *App) Login(ctx context.Context, in LoginInput) (*TokenPair, error) {
	email := domain.NormalizeEmail(in.Email)
	username := domain.NormalizeUsername(in.Username)
	var fields []*domain.FieldError
	if email == "" && username == "" {
		fields = append(fields, &domain.FieldError{Field: "email", Code: "required", Message: "Email or username is required."})
	}
	if in.Password == "" {
		fields = append(fields, &domain.FieldError{Field: "password", Code: "required", Message: "Password is required."})
	}
	if err := validate(fields...); err != nil {
		return nil, err
	}

	var u *domain.User
	var err error
	if email != "" {
		u, err = a.Users.ByEmail(ctx, email)
	} else {
		u, err = a.Users.ByUsername(ctx, username)
	}
	if domain.IsCode(err, domain.CodeNotFound) {
		a.Hasher.Waste(ctx, in.Password)
		return nil, errInvalidCredentials()
	}
	if err != nil {
		return nil, err
	}
	ok, rehash, err := a.verifyPassword(ctx, u, in.Password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errInvalidCredentials()
	}
	if err := u.CanLogIn(a.cfg.RequireActivation); err != nil {
		return nil, err
	}
	if err := a.clearFailures(ctx, u); err != nil {
		return nil, err
	}
	if rehash {
		a.rehash(ctx, u, in.Password)
	}
	return a.openSession(ctx, u, in.Client)
}

// rehash upgrades a stored hash to the configured argon2 parameters. A failure only
// postpones the upgrade to the next login, so it is logged and not returned.
func (a *App) rehash(ctx context.Context, u *domain.User, password string) {
	hash, err := a.Hasher.Hash(ctx, password)
	if err == nil {
		err = a.Credentials.SetPasswordHash(ctx, u.ID, hash, a.Clock.Now())
	}
	if err != nil {
		a.Logger.WarnContext(ctx, "password rehash failed", "user_id", u.ID, "err", err)
		return
	}
	u.PasswordHash = hash
}

// verifyPassword checks password against u's hash under the per-account back-off:
// while u is backing off it answers rate_limited without hashing; a wrong password
// is counted in the store and reported as ok false. needsRehash is the hasher's.
func (a *App) verifyPassword(ctx context.Context, u *domain.User, password string) (ok, needsRehash bool, err error) {
	if wait := a.lockoutRemaining(u); wait > 0 {
		return false, false, &domain.Error{Code: domain.CodeRateLimited, RetryAfter: wait,
			Message: "Too many failed password attempts for this account; try again later."}
	}
	ok, needsRehash, err = a.Hasher.Verify(ctx, password, u.PasswordHash)
	if err != nil || ok {
		return ok, needsRehash, err
	}
	if _, err := a.Credentials.RecordLoginFailure(ctx, u.ID, a.Clock.Now()); err != nil {
		return false, false, err
	}
	return false, false, nil
}

// clearFailures ends u's back-off after a correct password.
func (a *App) clearFailures(ctx context.Context, u *domain.User) error {
	if u.FailedLogins == 0 {
		return nil
	}
	if err := a.Credentials.ResetLoginFailures(ctx, u.ID); err != nil {
		return err
	}
	u.FailedLogins, u.LastFailedLoginAt = 0, nil
	return nil
}

// lockoutRemaining is how long u must still wait before another login attempt:
// after LockoutThreshold consecutive failures, LockoutBase doubling per further
// failure, capped at LockoutMax, counted from the latest failure.
func (a *App) lockoutRemaining(u *domain.User) time.Duration {
	if a.cfg.LockoutThreshold <= 0 || u.FailedLogins < a.cfg.LockoutThreshold || u.LastFailedLoginAt == nil {
		return 0
	}
	delay := a.cfg.LockoutBase
	for i := a.cfg.LockoutThreshold; i < u.FailedLogins && delay < a.cfg.LockoutMax; i++ {
		delay *= 2
	}
	delay = min(delay, a.cfg.LockoutMax)
	return u.LastFailedLoginAt.Add(delay).Sub(a.Clock.Now())
}

func errInvalidCredentials() error {
	return domain.Errorf(domain.CodeInvalidCredentials, "The credentials are not valid.")
}

// openSession creates a session for u and mints its first token pair; its access
// token is fresh because the user just proved their password.
func (a *App) openSession(ctx context.Context, u *domain.User, c Client) (*TokenPair, error) {
	id, err := a.newID()
	if err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	s := &domain.Session{
		ID: id, UserID: u.ID, Counter: 0, RotatedAt: now, CreatedAt: now,
		ExpiresAt: now.Add(a.cfg.RefreshTTL), UserAgent: truncate(c.UserAgent, 256), IP: c.IP,
	}
	if err := a.Sessions.Create(ctx, s); err != nil {
		return nil, err
	}
	return a.pair(ctx, u, s, true)
}

// pair mints an access token and the refresh token for the session's counter.
func (a *App) pair(ctx context.Context, u *domain.User, s *domain.Session, fresh bool) (*TokenPair, error) {
	jti, err := a.newID()
	if err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	access, err := a.AccessTokens.Mint(ctx, domain.AccessClaims{
		ID: jti, Subject: u.ID, SessionID: s.ID, Role: u.Role, Fresh: fresh,
		IssuedAt: now, ExpiresAt: now.Add(a.cfg.AccessTTL),
	})
	if err != nil {
		return nil, err
	}
	return &TokenPair{
		AccessToken:  access,
		ExpiresIn:    a.cfg.AccessTTL,
		RefreshToken: a.RefreshTokens.Encode(domain.RefreshToken{SessionID: s.ID, Counter: s.Counter}),
		User:         *u,
	}, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
