package app

import (
	"context"
	"crypto/subtle"

	"github.com/authd/authd/domain"
)

// VerifySignIn exchanges a sign-in link's token, or an address and its code, for
// a session (amr email, aal1) — or, for an account with MFA on, for the
// mfa_required of a password login. The pair is spent first, by one atomic
// delete, so of concurrent uses exactly one goes on. A pending account becomes
// active (the mail proved the address); with AUTH_PASSWORDLESS_SIGNUP an address
// without an account gets one. A wrong code counts against the pair, which is
// void after domain.SignInCodeMaxAttempts, and against the address's
// failed-login back-off. Returns not_found (feature off), validation_failed,
// rate_limited, invalid_code (a wrong, used, replaced or expired code),
// token_invalid or token_expired (the link), account_disabled, mfa_required.
func (a *App) VerifySignIn(ctx context.Context, in SignInVerifyInput) (*TokenPair, error) {
	if err := a.passwordlessOn(); err != nil {
		return nil, err
	}
	if in.Token != "" {
		if in.Email != "" || in.Code != "" {
			return nil, validate(&domain.FieldError{Field: "token", Code: "invalid", Message: "Send a token, or an email with its code, not both."})
		}
		c, err := a.Tokens.SignInByLink(ctx, HashToken(in.Token), a.Clock.Now())
		if err != nil {
			return nil, err
		}
		if c, err = a.Tokens.ConsumeSignIn(ctx, c.Email, c.LinkHash, a.Clock.Now()); err != nil {
			return nil, err
		}
		return a.signInWith(ctx, c, in)
	}
	email, fe := a.email("email", in.Email)
	fields := []*domain.FieldError{fe}
	switch {
	case in.Code == "":
		fields = append(fields, &domain.FieldError{Field: "code", Code: "required", Message: "A code (with email) or a token is required."})
	case !validSignInCode(in.Code):
		fields = append(fields, &domain.FieldError{Field: "code", Code: "invalid", Message: "The code is the 6 digits from the mail."})
	}
	if err := validate(fields...); err != nil {
		return nil, err
	}
	key := throttleKey("email", email)
	if err := a.reserveAttempt(ctx, key); err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	c, err := a.Tokens.SignIn(ctx, email, now)
	if domain.IsCode(err, domain.CodeTokenInvalid) || domain.IsCode(err, domain.CodeTokenExpired) {
		return nil, errInvalidCode()
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(signInCodeHash(c.LinkHash, in.Code)), []byte(c.CodeHash)) != 1 {
		return nil, a.failSignIn(ctx, c, in.Client)
	}
	if c, err = a.Tokens.ConsumeSignIn(ctx, c.Email, c.LinkHash, now); err != nil {
		if domain.IsCode(err, domain.CodeTokenInvalid) || domain.IsCode(err, domain.CodeTokenExpired) {
			return nil, errInvalidCode() // a concurrent use won
		}
		return nil, err
	}
	if err := a.Throttle.Clear(ctx, key); err != nil {
		return nil, err
	}
	return a.signInWith(ctx, c, in)
}

// failSignIn counts a wrong code against the pair, with its login.failed event,
// and answers invalid_code — also when the pair died meanwhile.
func (a *App) failSignIn(ctx context.Context, c *domain.SignInCode, client Client) error {
	fx, err := a.record(anonymous(client), domain.EventLoginFailed, c.UserID,
		map[string]any{"reason": string(domain.CodeInvalidCode), "method": domain.AMREmail})
	if err != nil {
		return err
	}
	if err := a.Tokens.FailSignIn(ctx, c.Email, c.LinkHash, fx); err != nil && !domain.IsCode(err, domain.CodeTokenInvalid) {
		return err
	}
	a.effectsDelivered(ctx, fx)
	return errInvalidCode()
}

// signInWith logs in the account of a spent pair: found (or, with sign-up on,
// made) by the address the pair was mailed to, activated when pending.
func (a *App) signInWith(ctx context.Context, c *domain.SignInCode, in SignInVerifyInput) (*TokenPair, error) {
	u, signedUp, err := a.signInReady(ctx, c, in)
	if err != nil {
		return nil, err
	}
	if u.MFAEnabled {
		return nil, a.mfaRequired(ctx, u, []string{domain.AMREmail})
	}
	data := map[string]any{"method": domain.AMREmail}
	if signedUp {
		data["signed_up"] = true
	}
	return a.openSessionAs(ctx, u, in.Client, []string{domain.AMREmail}, data)
}

// signInReady is the account a spent pair signs in, activated when pending,
// checked that it may log in.
func (a *App) signInReady(ctx context.Context, c *domain.SignInCode, in SignInVerifyInput) (*domain.User, bool, error) {
	u, signedUp, err := a.signInAccount(ctx, c, in)
	if err != nil {
		return nil, false, err
	}
	if u.Status == domain.StatusPending {
		if u, err = a.activateBySignIn(ctx, u, in.Client); err != nil {
			return nil, false, err
		}
	}
	if err := u.CanLogIn(a.cfg.RequireActivation); err != nil {
		return nil, false, a.loginFailed(ctx, in.Client, u.ID, err)
	}
	return u, signedUp, nil
}

// signInAccount finds the account of the pair's address; a pair made for an
// account whose address has changed since proves nothing about it.
func (a *App) signInAccount(ctx context.Context, c *domain.SignInCode, in SignInVerifyInput) (*domain.User, bool, error) {
	u, err := a.Users.ByEmail(ctx, c.Email)
	if err == nil && (c.UserID == "" || u.ID == c.UserID) {
		return u, false, nil
	}
	if err != nil && !domain.IsCode(err, domain.CodeNotFound) {
		return nil, false, err
	}
	if err == nil || c.UserID != "" || !a.cfg.PasswordlessSignup {
		return nil, false, errSignInGone(in)
	}
	u, err = a.signUpBySignIn(ctx, c, in)
	if domain.IsCode(err, domain.CodeEmailTaken) { // a sign-up got there first
		return nil, false, errSignInGone(in)
	}
	return u, err == nil, err
}

// errSignInGone is the answer when the pair's account went (or changed address)
// after the mail: as for a used code or link.
func errSignInGone(in SignInVerifyInput) error {
	if in.Token != "" {
		return domain.Errorf(domain.CodeTokenInvalid, "The sign-in link is not valid; ask for a new one.")
	}
	return errInvalidCode()
}

// signUpBySignIn creates the active, passwordless account of a proven address.
func (a *App) signUpBySignIn(ctx context.Context, c *domain.SignInCode, in SignInVerifyInput) (*domain.User, error) {
	id, err := a.newID()
	if err != nil {
		return nil, err
	}
	locale := c.Locale // the language the mail was asked for in
	if locale == "" {
		locale, _ = a.signUpLocale(SignUpInput{PreferredLocales: in.PreferredLocales})
	}
	now := a.Clock.Now()
	u := &domain.User{ID: id, Email: c.Email, Locale: locale, Role: domain.RoleUser, Status: domain.StatusActive,
		CreatedAt: now, UpdatedAt: now, ActivatedAt: &now}
	fx, err := a.record(anonymous(in.Client), domain.EventUserCreated, u.ID,
		map[string]any{"role": string(u.Role), "status": string(u.Status)})
	if err != nil {
		return nil, err
	}
	if err := a.Users.Create(ctx, u, fx); err != nil {
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	return u, nil
}

// activateBySignIn moves a pending account to active, with user.activated.
func (a *App) activateBySignIn(ctx context.Context, u *domain.User, c Client) (*domain.User, error) {
	return a.Users.Update(ctx, u.ID, func(cur *domain.User) (domain.Effects, error) {
		if cur.Status != domain.StatusPending {
			return domain.Effects{}, nil
		}
		now := a.Clock.Now()
		cur.Status, cur.ActivatedAt, cur.UpdatedAt = domain.StatusActive, &now, now
		return a.record(origin{Client: c, ActorID: cur.ID}, domain.EventUserActivated, cur.ID, map[string]any{"by": "email"})
	})
}
