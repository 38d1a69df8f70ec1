package app

import (
	"context"
	"fmt"
	"time"

	"github.com/authd/authd/domain"
)

// The second step of a login (ARCHITECTURE.md §8): a correct password for an
// account with MFA on yields an mfa_token instead of a session, and
// POST /v1/auth/login/mfa exchanges it, with a code, for an aal2 session.

// LoginMFAInput is the second step of a login: the mfa_token of the first step and
// either a TOTP code or a recovery code.
type LoginMFAInput struct {
	MFAToken     string
	Code         string
	RecoveryCode string
	Client       Client
}

// mfaRequired stores a new mfa token for u, whose first factor (amr) was right,
// and returns the mfa_required error that carries it and the methods u has.
func (a *App) mfaRequired(ctx context.Context, u *domain.User, amr []string) error {
	methods, err := a.mfaMethods(ctx, u.ID)
	if err != nil {
		return err
	}
	clear, tok, err := a.newOneTimeToken("", u.ID, domain.MFAChallengeTTL)
	if err != nil {
		return err
	}
	c := &domain.MFAChallenge{Hash: tok.Hash, UserID: u.ID, AMR: amr,
		CreatedAt: tok.CreatedAt, ExpiresAt: tok.ExpiresAt}
	if err := a.MFA.CreateChallenge(ctx, c, domain.Effects{}); err != nil {
		return err
	}
	return &domain.Error{
		Code:       domain.CodeMFARequired,
		Message:    "The password is right; a second factor is needed. Send a code with the mfa_token to /v1/auth/login/mfa.",
		Extensions: map[string]any{"mfa_token": clear, "methods": methods},
	}
}

// mfaMethods lists what the account can answer a challenge with: totp with an
// active TOTP factor, passkey with a passkey (at /v1/auth/passkeys/login),
// recovery_code while codes are left.
func (a *App) mfaMethods(ctx context.Context, userID string) ([]string, error) {
	methods := []string{}
	if _, err := a.totpFactor(ctx, userID, domain.FactorActive); err == nil {
		methods = append(methods, string(domain.FactorTOTP))
	} else if !domain.IsCode(err, domain.CodeNotFound) {
		return nil, err
	}
	if a.passkeysOn() == nil {
		passkeys, err := a.Passkeys.Passkeys(ctx, userID)
		if err != nil {
			return nil, err
		}
		if len(passkeys) > 0 {
			methods = append(methods, "passkey")
		}
	}
	left, err := a.MFA.RecoveryCodesLeft(ctx, userID)
	if err != nil {
		return nil, err
	}
	if left > 0 {
		methods = append(methods, domain.AMRRecoveryCode)
	}
	return methods, nil
}

// LoginMFA completes a login with the second factor and opens an aal2 session.
// Every attempt counts against the account's failed-login back-off, and a wrong
// or replayed code also against the mfa_token, which dies after
// MFAChallengeMaxAttempts of them. A TOTP code is accepted once (the store's
// compare-and-swap on the time step), a recovery code once (one atomic delete;
// the owner is mailed a notice). Returns validation_failed, token_invalid,
// token_expired (log in again), rate_limited, invalid_code, account_disabled,
// account_not_active.
func (a *App) LoginMFA(ctx context.Context, in LoginMFAInput) (*TokenPair, error) {
	fields := []*domain.FieldError{requiredField("mfa_token", in.MFAToken)}
	switch {
	case in.Code == "" && in.RecoveryCode == "":
		fields = append(fields, &domain.FieldError{Field: "code", Code: "required", Message: "A code or a recovery_code is required."})
	case in.Code != "" && in.RecoveryCode != "":
		fields = append(fields, &domain.FieldError{Field: "recovery_code", Code: "invalid", Message: "Send a code or a recovery_code, not both."})
	}
	if err := validate(fields...); err != nil {
		return nil, err
	}
	hash := HashToken(in.MFAToken)
	now := a.Clock.Now()
	ch, err := a.MFA.Challenge(ctx, hash, now)
	if err != nil {
		return nil, err
	}
	u, err := a.Users.ByID(ctx, ch.UserID)
	if domain.IsCode(err, domain.CodeNotFound) {
		return nil, domain.Errorf(domain.CodeTokenInvalid, "The MFA token is not valid; log in again.")
	}
	if err != nil {
		return nil, err
	}
	if err := u.CanLogIn(a.cfg.RequireActivation); err != nil {
		return nil, err
	}
	key := throttleKey("email", u.Email)
	if err := a.reserveAttempt(ctx, key); err != nil {
		return nil, err
	}

	method, ok, err := a.secondFactor(ctx, u, in, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, a.failChallenge(ctx, hash, u.ID, in.Client, method)
	}
	if err := a.Throttle.Clear(ctx, key); err != nil {
		return nil, err
	}
	if _, err := a.MFA.ConsumeChallenge(ctx, hash, now); err != nil {
		return nil, err
	}
	s, err := a.newSession(u, in.Client, domain.AAL2, append(firstFactors(ch.AMR), method, domain.AMRMFA))
	if err != nil {
		return nil, err
	}
	fx, err := a.record(origin{Client: in.Client, ActorID: u.ID, SessionID: s.ID}, domain.EventLoginSucceeded, u.ID,
		map[string]any{"method": method})
	if err != nil {
		return nil, err
	}
	if err := a.Sessions.Create(ctx, s, fx); err != nil {
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	return a.pair(ctx, u, s, true)
}

// secondFactor checks the code of in and, when it is right, spends it: the TOTP
// step by compare-and-swap, the recovery code by deleting it. It returns the amr
// of the method and whether the code was right and unspent.
func (a *App) secondFactor(ctx context.Context, u *domain.User, in LoginMFAInput, now time.Time) (string, bool, error) {
	if in.RecoveryCode != "" {
		ok, err := a.useRecoveryCode(ctx, u, in.RecoveryCode, in.Client)
		return domain.AMRRecoveryCode, ok, err
	}
	f, err := a.totpFactor(ctx, u.ID, domain.FactorActive)
	if domain.IsCode(err, domain.CodeNotFound) {
		return domain.AMROTP, false, nil
	}
	if err != nil {
		return domain.AMROTP, false, err
	}
	step, ok, err := a.checkTOTP(f, in.Code, now)
	if err != nil || !ok {
		return domain.AMROTP, false, err
	}
	err = a.MFA.AcceptStep(ctx, f, step, now, domain.Effects{})
	if domain.IsCode(err, domain.CodeConflict) || domain.IsCode(err, domain.CodeNotFound) {
		return domain.AMROTP, false, nil // replayed, or the factor went meanwhile
	}
	return domain.AMROTP, err == nil, err
}

// useRecoveryCode spends the recovery code (recovery_code.used with it) and mails
// the owner a notice with the number left.
func (a *App) useRecoveryCode(ctx context.Context, u *domain.User, code string, c Client) (bool, error) {
	code = normalizeRecoveryCode(code)
	if code == "" {
		return false, nil
	}
	before, err := a.MFA.RecoveryCodesLeft(ctx, u.ID)
	if err != nil {
		return false, err
	}
	remaining := max(before-1, 0)
	fx, err := a.mfaEffects(domain.EventRecoveryCodeUsed, u.ID, u.ID, "", c, map[string]any{"remaining": remaining})
	if err != nil {
		return false, err
	}
	// The owner is told by mail, written with the use: a notice that a crash
	// could lose would be no notice.
	notice, err := a.mailDelivery(domain.MailRecoveryCodeUsed, u.ID, "")
	if err != nil {
		return false, err
	}
	notice.Payload = []byte(fmt.Sprintf(`{"remaining":%d}`, remaining))
	fx.Deliveries = append(fx.Deliveries, notice)
	if _, err := a.MFA.UseRecoveryCode(ctx, u.ID, recoveryCodeHash(u.ID, code), fx); err != nil {
		if domain.IsCode(err, domain.CodeNotFound) {
			return false, nil
		}
		return false, err
	}
	a.delivered(ctx)
	return true, nil
}

// failChallenge counts a wrong code against the mfa token, with its mfa.failed
// event, and answers invalid_code — also when the token died meanwhile (its last
// try went to a concurrent wrong code): the code was wrong either way.
func (a *App) failChallenge(ctx context.Context, hash, userID string, c Client, method string) error {
	factor := string(domain.FactorTOTP)
	if method == domain.AMRRecoveryCode {
		factor = domain.AMRRecoveryCode
	}
	fx, err := a.mfaEffects(domain.EventMFAFailed, userID, "", "", c, map[string]any{"factor": factor})
	if err != nil {
		return err
	}
	if err := a.MFA.FailChallenge(ctx, hash, fx); err != nil && !domain.IsCode(err, domain.CodeTokenInvalid) {
		return err
	}
	return errInvalidCode()
}
