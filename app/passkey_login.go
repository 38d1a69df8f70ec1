package app

import (
	"context"
	"encoding/json"

	"github.com/authd/authd/domain"
)

// Logging in with a passkey (ARCHITECTURE.md §9): passwordless, with a
// discoverable credential, or as the second factor after a password (the
// mfa_token of an mfa_required answer).

// PasskeyLoginInput is the second half of a passkey login.
type PasskeyLoginInput struct {
	CeremonyID string
	Credential json.RawMessage
	MFAToken   string
	Client     Client
}

// PasskeyLoginOptions starts a login ceremony. Without an mfa token it is
// discoverable (the browser offers the passkeys it holds for the RP ID); with
// one, it allows only that account's passkeys. Returns token_invalid,
// token_expired (the mfa token), conflict (the account has no passkey),
// not_found (passkeys are not set up).
func (a *App) PasskeyLoginOptions(ctx context.Context, mfaToken string) (*PasskeyOptions, error) {
	if err := a.passkeysOn(); err != nil {
		return nil, err
	}
	var allow []domain.Passkey
	userID, mfaHash := "", ""
	if mfaToken != "" {
		mfaHash = HashToken(mfaToken)
		ch, err := a.MFA.Challenge(ctx, mfaHash, a.Clock.Now())
		if err != nil {
			return nil, err
		}
		if allow, err = a.Passkeys.Passkeys(ctx, ch.UserID); err != nil {
			return nil, err
		}
		if len(allow) == 0 {
			return nil, domain.Errorf(domain.CodeConflict, "The account has no passkey; use another method.")
		}
		userID = ch.UserID
	}
	options, state, err := a.WebAuthn.LoginOptions(allow)
	if err != nil {
		return nil, err
	}
	id, err := a.startCeremony(ctx, domain.CeremonyLogin, userID, mfaHash, state)
	if err != nil {
		return nil, err
	}
	return &PasskeyOptions{CeremonyID: id, PublicKey: options}, nil
}

// LoginPasskey verifies an assertion and opens a session. After a password
// (the ceremony was started with the mfa_token, which is consumed) the
// session is aal2 with amr pwd hwk mfa. Passwordless, a user-verified
// assertion is aal2 (hwk mfa: a multi-factor cryptographic authenticator);
// without user verification it is one factor, and an account with MFA on gets
// mfa_required. A signature counter that went back refuses the login and is
// logged as a possible cloned authenticator. Every refusal is recorded
// (login.failed). Returns validation_failed, invalid_credentials,
// token_invalid, token_expired (the mfa token), account_not_active,
// account_disabled, mfa_required, not_found (passkeys are not set up).
func (a *App) LoginPasskey(ctx context.Context, in PasskeyLoginInput) (*TokenPair, error) {
	if err := a.passkeysOn(); err != nil {
		return nil, err
	}
	if err := validate(requiredField("ceremony_id", in.CeremonyID), requiredCredential(in.Credential)); err != nil {
		return nil, err
	}
	cer, err := a.ceremony(ctx, in.CeremonyID, domain.CeremonyLogin)
	if err != nil {
		return nil, a.passkeyRefused(ctx, in.Client, "", "", err)
	}
	if (cer.MFAHash != "" || in.MFAToken != "") && HashToken(in.MFAToken) != cer.MFAHash {
		return nil, a.passkeyRefused(ctx, in.Client, cer.UserID, cer.MFAHash, errCeremonyRefused(nil))
	}
	got, err := a.WebAuthn.VerifyLogin(cer.State, in.Credential, func(id []byte) (*domain.Passkey, error) {
		return a.Passkeys.ByCredentialID(ctx, id)
	})
	if err != nil {
		if domain.IsCode(err, domain.CodeInvalidCredentials) {
			a.Logger.InfoContext(ctx, "passkey assertion refused", "err", err)
			return nil, a.passkeyRefused(ctx, in.Client, cer.UserID, cer.MFAHash, err)
		}
		return nil, err
	}
	pk := got.Passkey
	if cer.UserID != "" && pk.UserID != cer.UserID {
		return nil, a.passkeyRefused(ctx, in.Client, cer.UserID, cer.MFAHash, errInvalidCredentials())
	}
	if got.CounterRegressed() {
		a.Logger.WarnContext(ctx, "passkey signature counter went back: possible cloned authenticator",
			"user_id", pk.UserID, "passkey_id", pk.ID, "credential_id", credentialIDText(pk.CredentialID),
			"stored", pk.SignCount, "received", got.SignCount)
		return nil, a.passkeyRefused(ctx, in.Client, pk.UserID, cer.MFAHash, errInvalidCredentials())
	}
	u, err := a.Users.ByID(ctx, pk.UserID)
	if err != nil {
		return nil, err
	}
	if err := u.CanLogIn(a.cfg.RequireActivation); err != nil {
		return nil, a.loginFailed(ctx, in.Client, u.ID, err)
	}
	now := a.Clock.Now()
	if err := a.Passkeys.Use(ctx, &pk, got.SignCount, got.BackedUp, now, domain.Effects{}); err != nil {
		if domain.IsCode(err, domain.CodeConflict) || domain.IsCode(err, domain.CodeNotFound) {
			// A concurrent login moved the counter, or the passkey went.
			return nil, a.passkeyRefused(ctx, in.Client, pk.UserID, cer.MFAHash, errInvalidCredentials())
		}
		return nil, err
	}
	aal, amr := domain.AAL1, []string{domain.AMRHardwareKey}
	switch {
	case cer.MFAHash != "":
		ch, err := a.MFA.ConsumeChallenge(ctx, cer.MFAHash, now)
		if err != nil {
			return nil, err
		}
		aal, amr = domain.AAL2, append(firstFactors(ch.AMR), domain.AMRHardwareKey, domain.AMRMFA)
	case got.UserVerified:
		aal, amr = domain.AAL2, []string{domain.AMRHardwareKey, domain.AMRMFA}
	case u.MFAEnabled:
		return nil, a.mfaRequired(ctx, u, amr)
	}
	s, err := a.newSession(u, in.Client, aal, amr)
	if err != nil {
		return nil, err
	}
	fx, err := a.record(origin{Client: in.Client, ActorID: u.ID, SessionID: s.ID}, domain.EventLoginSucceeded, u.ID,
		map[string]any{"method": domain.AMRHardwareKey, "passkey_id": pk.ID})
	if err != nil {
		return nil, err
	}
	if err := a.Sessions.Create(ctx, s, fx); err != nil {
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	return a.pair(ctx, u, s, true)
}

// passkeyRefused records a refused passkey login and answers refusal: with an
// mfa token, it also counts as a wrong second factor against it
// (MFAChallengeMaxAttempts of them void it).
func (a *App) passkeyRefused(ctx context.Context, c Client, userID, mfaHash string, refusal error) error {
	if mfaHash != "" {
		if err := a.MFA.FailChallenge(ctx, mfaHash, domain.Effects{}); err != nil && !domain.IsCode(err, domain.CodeTokenInvalid) {
			return err
		}
	}
	return a.loginFailed(ctx, c, userID, refusal)
}
