package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

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

// Login checks the password and opens a session. Returns validation_failed (also
// for an identifier the Identifiers port refuses, such as one with invisible
// characters),
// invalid_credentials (unknown account or wrong password — indistinguishable, and
// both spend one hash), rate_limited (the identifier is backing off after repeated
// attempts, whether or not an account has it), and, only after a correct password,
// account_not_active or account_disabled, and for an account with MFA on
// mfa_required (no session: see LoginMFA).
func (a *App) Login(ctx context.Context, in LoginInput) (_ *TokenPair, err error) {
	email, emailErr := a.Identifiers.Email("email", in.Email)
	username, usernameErr := a.Identifiers.Username("username", in.Username)
	fields := []*domain.FieldError{emailErr, usernameErr}
	if email == "" && username == "" && emailErr == nil && usernameErr == nil {
		fields = append(fields, &domain.FieldError{Field: "email", Code: "required", Message: "Email or username is required."})
	}
	if in.Password == "" {
		fields = append(fields, &domain.FieldError{Field: "password", Code: "required", Message: "Password is required."})
	}
	if err := validate(fields...); err != nil {
		return nil, err
	}
	done, err := a.admission.admit(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { done(err) }()

	// The attempt is reserved before anything is looked up: the answer to a
	// backing-off identifier is the same whether or not an account has it.
	key := throttleKey("email", email)
	if email == "" {
		key = throttleKey("username", username)
	}
	if err := a.reserveAttempt(ctx, key); err != nil {
		return nil, err
	}
	var u *domain.User
	if email != "" {
		u, err = a.userByEmail(ctx, email, in.Email)
	} else {
		u, err = a.Users.ByUsername(ctx, username)
	}
	if domain.IsCode(err, domain.CodeNotFound) {
		if err := a.Hasher.Waste(ctx, in.Password); err != nil {
			return nil, err
		}
		return nil, a.loginFailed(ctx, in.Client, "", errInvalidCredentials())
	}
	if err != nil {
		return nil, err
	}
	if u.PasswordHash == "" {
		// An account made by a sign-in mail has no password: refused like a wrong
		// one, after the same hash.
		if err := a.Hasher.Waste(ctx, in.Password); err != nil {
			return nil, err
		}
		return nil, a.loginFailed(ctx, in.Client, u.ID, errInvalidCredentials())
	}
	ok, rehash, err := a.Hasher.Verify(ctx, in.Password, u.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, a.loginFailed(ctx, in.Client, u.ID, errInvalidCredentials())
	}
	if err := a.Throttle.Clear(ctx, key); err != nil {
		return nil, err
	}
	if err := u.CanLogIn(a.cfg.RequireActivation); err != nil {
		return nil, a.loginFailed(ctx, in.Client, u.ID, err)
	}
	if rehash {
		a.rehash(ctx, u, in.Password)
	}
	if u.MFAEnabled {
		return nil, a.mfaRequired(ctx, u, []string{domain.AMRPassword}) // app/mfa_login.go
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

// throttleKey is the key under which attempts on one login identifier are counted:
// a hash of its kind and normalised value, so the store holds no addresses of
// accounts that do not exist and every key has one length.
func throttleKey(kind, value string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + value))
	return hex.EncodeToString(sum[:])
}

// reserveAttempt admits one password attempt on key under the back-off policy, or
// answers rate_limited with how long to wait. The reservation is counted before
// the password is checked, so parallel guesses cannot outrun it.
func (a *App) reserveAttempt(ctx context.Context, key string) error {
	if a.cfg.LockoutThreshold <= 0 {
		return nil
	}
	wait, err := a.Throttle.Reserve(ctx, key, a.Clock.Now(), a.backoff())
	if err != nil {
		return err
	}
	if wait > 0 {
		return &domain.Error{Code: domain.CodeRateLimited, RetryAfter: wait,
			Message: "Too many password attempts for this account; try again later."}
	}
	return nil
}

// backoff is the failed-login policy of the configuration.
func (a *App) backoff() domain.Backoff {
	return domain.Backoff{Threshold: a.cfg.LockoutThreshold, Base: a.cfg.LockoutBase,
		Max: a.cfg.LockoutMax, Forget: a.cfg.LockoutForget}
}

// loginFailed records a refused login (login.failed, with the refusal's code as
// its reason) and returns refusal. The event is the only write a refused login
// makes, so it is appended on its own. If it cannot be written, the store's error
// is returned instead: a refusal the audit log missed would be a hole in it.
func (a *App) loginFailed(ctx context.Context, c Client, userID string, refusal error) error {
	fx, err := a.record(anonymous(c), domain.EventLoginFailed, userID,
		map[string]any{"reason": string(domain.ErrorCode(refusal))})
	if err == nil {
		err = a.Events.Append(ctx, fx)
	}
	if err != nil {
		return err
	}
	a.effectsDelivered(ctx, fx)
	return refusal
}

func errInvalidCredentials() error {
	return domain.Errorf(domain.CodeInvalidCredentials, "The credentials are not valid.")
}

// openSession creates a session for u and mints its first token pair; its access
// token is fresh because the user just proved their password.
func (a *App) openSession(ctx context.Context, u *domain.User, c Client) (*TokenPair, error) {
	return a.openSessionAs(ctx, u, c, []string{domain.AMRPassword}, map[string]any{"method": "pwd"})
}

// openSessionAs opens an aal1 session whose one factor was amr, recording
// login.succeeded with data, and mints its first (fresh) token pair.
func (a *App) openSessionAs(ctx context.Context, u *domain.User, c Client, amr []string, data map[string]any) (*TokenPair, error) {
	id, err := a.newID()
	if err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	s := &domain.Session{
		ID: id, UserID: u.ID, Counter: 0, RotatedAt: now, CreatedAt: now,
		ExpiresAt: now.Add(a.cfg.RefreshTTL), UserAgent: truncate(c.UserAgent, 256), IP: c.IP,
		AAL: domain.AAL1, AMR: amr, AuthTime: now,
	}
	fx, err := a.record(origin{Client: c, ActorID: u.ID, SessionID: s.ID}, domain.EventLoginSucceeded, u.ID, data)
	if err != nil {
		return nil, err
	}
	if err := a.Sessions.Create(ctx, s, fx); err != nil {
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
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
		AAL: s.AAL, AMR: s.AMR, AuthTime: s.AuthTime,
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
