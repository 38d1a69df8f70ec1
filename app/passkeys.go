package app

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Passkey registration and management (ARCHITECTURE.md §9). The login
// ceremonies are in passkey_login.go.

// PasskeyOptions is the first half of a ceremony: the WebAuthn options for
// navigator.credentials.create/get and the id of the ceremony's server state.
type PasskeyOptions struct {
	CeremonyID string
	PublicKey  json.RawMessage
}

// PasskeyRegistration is a registered passkey and, when it turned MFA on, the
// recovery codes and the pair of the new aal2 session that replaced every
// other one (else RecoveryCodes is empty and Pair nil).
type PasskeyRegistration struct {
	Passkey       domain.Passkey
	RecoveryCodes []string
	Pair          *TokenPair
}

// registrationState is the server state of a registration: the user handle the
// options named and the relying party's own record.
type registrationState struct {
	Handle []byte          `json:"handle"`
	State  json.RawMessage `json:"state"`
}

// PasskeyRegistrationOptions starts a registration for the caller: the options
// exclude the account's passkeys, and name its user handle (that of its
// passkeys, or 64 new random bytes). Returns fresh_token_required,
// aal2_required.
func (a *App) PasskeyRegistrationOptions(ctx context.Context, p Principal) (*PasskeyOptions, error) {
	if err := a.passkeysOn(); err != nil {
		return nil, err
	}
	u, err := a.caller(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := requireFactorManagement(p, u); err != nil {
		return nil, err
	}
	existing, err := a.Passkeys.Passkeys(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	var handle []byte
	if len(existing) > 0 {
		handle = existing[0].UserHandle
	} else {
		handle = make([]byte, domain.UserHandleBytes)
		if _, err := a.Random.Read(handle); err != nil {
			return nil, err
		}
	}
	options, state, err := a.WebAuthn.RegistrationOptions(passkeyUser(u, handle), existing)
	if err != nil {
		return nil, err
	}
	st, err := json.Marshal(registrationState{Handle: handle, State: state})
	if err != nil {
		return nil, err
	}
	id, err := a.startCeremony(ctx, domain.CeremonyRegistration, u.ID, "", st)
	if err != nil {
		return nil, err
	}
	return &PasskeyOptions{CeremonyID: id, PublicKey: options}, nil
}

// RegisterPasskeyInput is the second half of a registration.
type RegisterPasskeyInput struct {
	CeremonyID string
	Credential json.RawMessage
	Name       string
	Client     Client
}

// RegisterPasskey verifies the authenticator's answer to the caller's
// registration ceremony and stores the passkey. The first second factor of an
// account turns MFA on in the same store step: 10 recovery codes, every
// session revoked, a new aal2 session (amr + hwk, mfa) returned. Returns
// validation_failed, fresh_token_required, aal2_required, invalid_credentials
// (the ceremony is unknown, used, expired or another account's, or the
// credential does not verify), conflict (the passkey is registered already).
func (a *App) RegisterPasskey(ctx context.Context, p Principal, in RegisterPasskeyInput) (*PasskeyRegistration, error) {
	name, nameErr := domain.CleanPasskeyName(in.Name)
	if err := a.passkeysOn(); err != nil {
		return nil, err
	}
	if err := validate(requiredField("ceremony_id", in.CeremonyID), requiredCredential(in.Credential), nameErr); err != nil {
		return nil, err
	}
	u, err := a.caller(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := requireFactorManagement(p, u); err != nil {
		return nil, err
	}
	cer, err := a.ceremony(ctx, in.CeremonyID, domain.CeremonyRegistration)
	if err != nil {
		return nil, err
	}
	var st registrationState
	if cer.UserID != u.ID || json.Unmarshal(cer.State, &st) != nil {
		return nil, errCeremonyRefused(nil)
	}
	pk, err := a.WebAuthn.VerifyRegistration(passkeyUser(u, st.Handle), st.State, in.Credential)
	if err != nil {
		return nil, err
	}
	if pk.ID, err = a.newID(); err != nil {
		return nil, err
	}
	if name == "" {
		name = "Passkey"
	}
	pk.UserID, pk.Name, pk.CreatedAt = u.ID, name, a.Clock.Now()
	fx, err := a.record(by(p), domain.EventPasskeyAdded, u.ID, map[string]any{"passkey_id": pk.ID})
	if err != nil {
		return nil, err
	}
	var on *domain.MFAOn
	var clear []string
	if !u.MFAEnabled {
		var hashes []string
		if clear, hashes, err = a.newRecoveryCodes(u.ID); err != nil {
			return nil, err
		}
		s, err := a.newSession(u, p.Client, domain.AAL2, append(firstFactors(p.AMR), domain.AMRHardwareKey, domain.AMRMFA))
		if err != nil {
			return nil, err
		}
		on = &domain.MFAOn{RecoveryCodes: hashes, Session: s, At: pk.CreatedAt}
	}
	if err := a.Passkeys.Add(ctx, pk, on, fx); err != nil {
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	out := &PasskeyRegistration{Passkey: *pk, RecoveryCodes: []string{}}
	if on != nil {
		u.MFAEnabled = true
		if out.Pair, err = a.pair(ctx, u, on.Session, true); err != nil {
			return nil, err
		}
		out.RecoveryCodes = clear
	}
	return out, nil
}

// ListPasskeys returns the caller's passkeys, oldest first.
func (a *App) ListPasskeys(ctx context.Context, p Principal) ([]domain.Passkey, error) {
	return a.Passkeys.Passkeys(ctx, p.UserID)
}

// RenamePasskey names one of the caller's passkeys. Returns validation_failed,
// aal2_required, not_found.
func (a *App) RenamePasskey(ctx context.Context, p Principal, id, name string) (*domain.Passkey, error) {
	name, nameErr := domain.CleanPasskeyName(name)
	if nameErr == nil && name == "" {
		nameErr = &domain.FieldError{Field: "name", Code: "required", Message: "A name is required."}
	}
	if err := validate(nameErr); err != nil {
		return nil, err
	}
	u, err := a.caller(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := requireStepUp(p, u); err != nil {
		return nil, err
	}
	if !domain.IsID(id) {
		return nil, domain.Errorf(domain.CodeNotFound, "The passkey does not exist.")
	}
	return a.Passkeys.Rename(ctx, u.ID, id, name, domain.Effects{})
}

// RemovePasskey deletes one of the caller's passkeys; with the account's last
// second factor MFA goes off and the recovery codes with it. No session is
// revoked. Returns aal2_required, not_found, last_login_method (an account
// without a password would have no way to log in).
func (a *App) RemovePasskey(ctx context.Context, p Principal, id string) error {
	u, err := a.caller(ctx, p)
	if err != nil {
		return err
	}
	if err := requireStepUp(p, u); err != nil {
		return err
	}
	if !domain.IsID(id) {
		return domain.Errorf(domain.CodeNotFound, "The passkey does not exist.")
	}
	if u.PasswordHash == "" {
		all, err := a.Passkeys.Passkeys(ctx, u.ID)
		if err != nil {
			return err
		}
		if len(all) == 1 && all[0].ID == id {
			return domain.Errorf(domain.CodeLastLoginMethod,
				"This passkey is the account's only way to log in; set a password or add another passkey first.")
		}
	}
	fx, err := a.record(by(p), domain.EventPasskeyRemoved, u.ID, map[string]any{"passkey_id": id})
	if err != nil {
		return err
	}
	if err := a.Passkeys.Remove(ctx, u.ID, id, fx); err != nil {
		return err
	}
	a.effectsDelivered(ctx, fx)
	return nil
}

// passkeysOn answers not_found when no relying party is configured (the
// public URL's host is an IP address and AUTH_WEBAUTHN_RP_ID is unset).
func (a *App) passkeysOn() error {
	if a.WebAuthn == nil || a.Passkeys == nil {
		return domain.Errorf(domain.CodeNotFound, "Passkeys are not set up on this server.")
	}
	return nil
}

// passkeyUser is u as an authenticator shows it: the e-mail, and the name when
// there is one.
func passkeyUser(u *domain.User, handle []byte) ports.PasskeyUser {
	display := u.Name
	if display == "" {
		display = u.Email
	}
	return ports.PasskeyUser{Handle: handle, Name: u.Email, DisplayName: display}
}

// startCeremony stores a ceremony state under a new one-time token and returns
// its clear value, the ceremony_id.
func (a *App) startCeremony(ctx context.Context, kind domain.CeremonyKind, userID, mfaHash string, state []byte) (string, error) {
	clear, tok, err := a.newOneTimeToken("", userID, domain.PasskeyCeremonyTTL)
	if err != nil {
		return "", err
	}
	c := &domain.PasskeyCeremony{Hash: tok.Hash, Kind: kind, UserID: userID, MFAHash: mfaHash, State: state,
		CreatedAt: tok.CreatedAt, ExpiresAt: tok.ExpiresAt}
	if err := a.Passkeys.CreateCeremony(ctx, c); err != nil {
		return "", err
	}
	return clear, nil
}

// ceremony consumes the ceremony of that id, which must be of kind: single use,
// whatever comes of it. An unknown, used, expired or other ceremony is refused
// as invalid_credentials.
func (a *App) ceremony(ctx context.Context, id string, kind domain.CeremonyKind) (*domain.PasskeyCeremony, error) {
	c, err := a.Passkeys.ConsumeCeremony(ctx, HashToken(id), a.Clock.Now())
	if domain.IsCode(err, domain.CodeTokenInvalid) || domain.IsCode(err, domain.CodeTokenExpired) {
		return nil, errCeremonyRefused(err)
	}
	if err != nil {
		return nil, err
	}
	if c.Kind != kind {
		return nil, errCeremonyRefused(nil)
	}
	return c, nil
}

func errCeremonyRefused(cause error) error {
	return domain.Wrap(domain.CodeInvalidCredentials, cause, "The passkey ceremony is unknown, used or expired; start again.")
}

// requiredCredential asks for the credential member: a JSON object.
func requiredCredential(c json.RawMessage) *domain.FieldError {
	var obj map[string]json.RawMessage
	if len(c) == 0 || json.Unmarshal(c, &obj) != nil {
		return &domain.FieldError{Field: "credential", Code: "required",
			Message: "The credential from navigator.credentials is required, as a JSON object."}
	}
	return nil
}

// credentialIDText is a credential id as logs show it.
func credentialIDText(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }
