package app

import (
	"context"

	"github.com/authd/authd/domain"
)

// ChangePassword replaces the caller's password after checking the current one, and
// revokes every other session in the same store step; the caller's session stays.
// Returns validation_failed, invalid_credentials (wrong current password),
// aal2_required (MFA on, session below aal2).
func (a *App) ChangePassword(ctx context.Context, p Principal, current, next string) (err error) {
	if err := validate(
		requiredField("current_password", current),
		domain.ValidatePassword("new_password", next),
	); err != nil {
		return err
	}
	done, err := a.admission.admit(ctx)
	if err != nil {
		return err
	}
	defer func() { done(err) }()
	u, err := a.caller(ctx, p)
	if err != nil {
		return err
	}
	if err := requireStepUp(p, u); err != nil {
		return err
	}
	if err := a.checkPassword(ctx, u, current); err != nil {
		return err
	}
	hash, err := a.Hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	fx, err := a.record(by(p), domain.EventPasswordChange, u.ID, nil)
	if err != nil {
		return err
	}
	if err := a.Credentials.ChangePassword(ctx, u.ID, hash, p.SessionID, a.Clock.Now(), fx); err != nil {
		return err
	}
	a.effectsDelivered(ctx, fx)
	return nil
}

// DeleteAccount removes the caller's account with its sessions and tokens after
// checking the password; the e-mail and username become free. Returns
// validation_failed, invalid_credentials, aal2_required.
func (a *App) DeleteAccount(ctx context.Context, p Principal, password string) (err error) {
	if err := validate(requiredField("password", password)); err != nil {
		return err
	}
	done, err := a.admission.admit(ctx)
	if err != nil {
		return err
	}
	defer func() { done(err) }()
	u, err := a.caller(ctx, p)
	if err != nil {
		return err
	}
	if err := requireStepUp(p, u); err != nil {
		return err
	}
	if err := a.checkPassword(ctx, u, password); err != nil {
		return err
	}
	fx, err := a.record(by(p), domain.EventUserDeleted, u.ID, map[string]any{"by": "self"})
	if err != nil {
		return err
	}
	if err := a.Users.Delete(ctx, u.ID, fx); err != nil {
		return err
	}
	a.effectsDelivered(ctx, fx)
	return nil
}

// ForgotPassword mails a password-reset token (valid one hour, replacing earlier
// ones) if the address belongs to an account that is not disabled. Only the
// address is checked inside the request, which stores the request in the outbox;
// the rest happens in the dispatcher (see mailLink), so the answer is the same,
// and takes as long, whether or not it does. Returns validation_failed for a
// malformed address.
func (a *App) ForgotPassword(ctx context.Context, email string, c Client) error {
	return a.mailLink(ctx, email, c, domain.LinkRequestPasswordReset)
}

// ResetPassword sets a new password with a reset token and revokes every session,
// in one store step, then forgets the back-off of the account's e-mail and
// username. The password is checked first, so a refused password leaves
// the token usable. Returns validation_failed, token_invalid, token_expired.
func (a *App) ResetPassword(ctx context.Context, token, password string, c Client) (err error) {
	if err := validate(
		requiredField("token", token),
		domain.ValidatePassword("new_password", password),
	); err != nil {
		return err
	}
	done, err := a.admission.admit(ctx)
	if err != nil {
		return err
	}
	defer func() { done(err) }()
	hash, err := a.Hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	fx, err := a.record(anonymous(c), domain.EventPasswordReset, "", nil)
	if err != nil {
		return err
	}
	u, err := a.Tokens.ConsumeReset(ctx, HashToken(token), hash, a.Clock.Now(), fx)
	if err != nil {
		return err
	}
	a.effectsDelivered(ctx, fx)
	// The owner proved the mailbox and chose a new password: a back-off that
	// guessers caused no longer keeps them out. Forgetting it is not part of the
	// reset's own step, so a failure here is logged, not returned.
	for _, key := range []string{throttleKey("email", u.Email), throttleKey("username", u.Username)} {
		if err := a.Throttle.Clear(ctx, key); err != nil {
			a.Logger.WarnContext(ctx, "clearing the login back-off after a reset failed", "user_id", u.ID, "err", err)
		}
	}
	return nil
}

// checkPassword verifies password against u's hash for a signed-in caller, under
// the same back-off as a login with u's e-mail, so a stolen access token cannot be
// used to guess the password. Returns rate_limited, invalid_credentials.
func (a *App) checkPassword(ctx context.Context, u *domain.User, password string) error {
	key := throttleKey("email", u.Email)
	if err := a.reserveAttempt(ctx, key); err != nil {
		return err
	}
	if u.PasswordHash == "" {
		// No password to check (an account made by a sign-in mail): as a wrong
		// one, after the same hash; POST /v1/auth/password/forgot sets one.
		if err := a.Hasher.Waste(ctx, password); err != nil {
			return err
		}
		return domain.Errorf(domain.CodeInvalidCredentials, "The password is not correct.")
	}
	ok, _, err := a.Hasher.Verify(ctx, password, u.PasswordHash)
	if err != nil {
		return err
	}
	if !ok {
		return domain.Errorf(domain.CodeInvalidCredentials, "The password is not correct.")
	}
	return a.Throttle.Clear(ctx, key)
}

func requiredField(field, value string) *domain.FieldError {
	if value == "" {
		return &domain.FieldError{Field: field, Code: "required", Message: "This field is required."}
	}
	return nil
}
