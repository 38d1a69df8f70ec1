package app

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"

	"github.com/authd/authd/domain"
)

// The TOTP enrolment and the management of second factors (ARCHITECTURE.md §8).
// The login step that asks for a code is in mfa_login.go.

// totpSecretBytes is the length of a TOTP secret: 160 bits, RFC 4226's
// recommendation and what authenticator apps expect.
const totpSecretBytes = 20

// TOTPEnrolment is a new pending TOTP factor with what the user's app needs: the
// base32 secret and the otpauth:// URI (a QR code of it). They are shown once.
type TOTPEnrolment struct {
	Factor domain.Factor
	Secret string
	URI    string
}

// MFAConfirmation is the answer to a confirmed factor: the new aal2 session's
// pair, and the recovery codes when this turned MFA on (else empty).
type MFAConfirmation struct {
	Pair          *TokenPair
	RecoveryCodes []string
}

// MFAStatus is what the account has: its factors and how many recovery codes are
// left.
type MFAStatus struct {
	Factors           []domain.Factor
	RecoveryCodesLeft int
}

// EnrolTOTP starts a TOTP enrolment: a fresh secret, sealed at rest under the
// factor's id, replacing any pending TOTP factor. Returns fresh_token_required,
// aal2_required, conflict (an active TOTP factor exists).
func (a *App) EnrolTOTP(ctx context.Context, p Principal) (*TOTPEnrolment, error) {
	u, err := a.caller(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := requireFactorManagement(p, u); err != nil {
		return nil, err
	}
	secret := make([]byte, totpSecretBytes)
	if _, err := a.Random.Read(secret); err != nil {
		return nil, err
	}
	id, err := a.newID()
	if err != nil {
		return nil, err
	}
	sealed, err := a.Sealer.Seal(secret, domain.FactorSecretAAD(id))
	if err != nil {
		return nil, err
	}
	b32, uri, err := a.OTP.Key(a.cfg.MFAIssuer, u.Email, secret)
	if err != nil {
		return nil, err
	}
	f := domain.Factor{ID: id, UserID: u.ID, Type: domain.FactorTOTP, Status: domain.FactorPending,
		Secret: sealed, CreatedAt: a.Clock.Now()}
	if err := a.MFA.PutFactor(ctx, &f, domain.Effects{}); err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Factor: f, Secret: b32, URI: uri}, nil
}

// ConfirmTOTP activates the pending TOTP factor with a code from the app. In one
// store step MFA goes on, every session of the account (the caller's too) is
// revoked and a new aal2 session opens, whose pair is returned with 10 recovery
// codes when this turned MFA on. Returns validation_failed, fresh_token_required,
// aal2_required, not_found (no pending factor), invalid_code (the factor stays
// pending).
func (a *App) ConfirmTOTP(ctx context.Context, p Principal, code string, c Client) (*MFAConfirmation, error) {
	if err := validate(requiredField("code", code)); err != nil {
		return nil, err
	}
	u, err := a.caller(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := requireFactorManagement(p, u); err != nil {
		return nil, err
	}
	f, err := a.totpFactor(ctx, u.ID, domain.FactorPending)
	if err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	step, ok, err := a.checkTOTP(f, code, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, a.refuseCode(ctx, u.ID, p.UserID, p.SessionID, c, "")
	}
	var clear, hashes []string
	if !u.MFAEnabled {
		if clear, hashes, err = a.newRecoveryCodes(u.ID); err != nil {
			return nil, err
		}
	}
	s, err := a.newSession(u, c, domain.AAL2, append(firstFactors(p.AMR), domain.AMROTP, domain.AMRMFA))
	if err != nil {
		return nil, err
	}
	fx, err := a.mfaEffects(domain.EventMFAEnrolled, u.ID, p.UserID, s.ID, c, map[string]any{"factor": string(domain.FactorTOTP)})
	if err != nil {
		return nil, err
	}
	err = a.MFA.Activate(ctx, domain.FactorActivation{Factor: *f, Step: step, At: now, RecoveryCodes: hashes, Session: s}, fx)
	if domain.IsCode(err, domain.CodeConflict) {
		return nil, errInvalidCode() // a concurrent confirmation took this step
	}
	if err != nil {
		return nil, err
	}
	u.MFAEnabled = true
	pair, err := a.pair(ctx, u, s, true)
	if err != nil {
		return nil, err
	}
	if clear == nil {
		clear = []string{}
	}
	return &MFAConfirmation{Pair: pair, RecoveryCodes: clear}, nil
}

// RemoveTOTP deletes the account's TOTP factor, pending or active; with the last
// active factor the recovery codes go and MFA is off. No session is revoked.
// Returns fresh_token_required, aal2_required, not_found.
func (a *App) RemoveTOTP(ctx context.Context, p Principal, c Client) error {
	u, err := a.caller(ctx, p)
	if err != nil {
		return err
	}
	if err := requireFactorManagement(p, u); err != nil {
		return err
	}
	f, err := a.totpFactor(ctx, u.ID, "")
	if err != nil {
		return err
	}
	fx := domain.Effects{}
	if f.Status == domain.FactorActive {
		if fx, err = a.mfaEffects(domain.EventMFARemoved, u.ID, p.UserID, p.SessionID, c,
			map[string]any{"factor": string(domain.FactorTOTP)}); err != nil {
			return err
		}
	}
	return a.MFA.DeleteFactor(ctx, f, fx)
}

// RegenerateRecoveryCodes replaces the account's recovery codes with 10 new ones,
// shown once. Returns aal2_required, conflict (MFA is off: there is nothing to
// recover).
func (a *App) RegenerateRecoveryCodes(ctx context.Context, p Principal, c Client) ([]string, error) {
	u, err := a.caller(ctx, p)
	if err != nil {
		return nil, err
	}
	if !u.MFAEnabled {
		return nil, domain.Errorf(domain.CodeConflict, "Recovery codes need a second factor; set one up first.")
	}
	if err := requireStepUp(p, u); err != nil {
		return nil, err
	}
	clear, hashes, err := a.newRecoveryCodes(u.ID)
	if err != nil {
		return nil, err
	}
	fx, err := a.mfaEffects(domain.EventRecoveryCodesRegenerated, u.ID, p.UserID, p.SessionID, c, nil)
	if err != nil {
		return nil, err
	}
	if err := a.MFA.ReplaceRecoveryCodes(ctx, u.ID, hashes, a.Clock.Now(), fx); err != nil {
		return nil, err
	}
	return clear, nil
}

// GetMFA returns the caller's factors and the number of recovery codes left.
func (a *App) GetMFA(ctx context.Context, p Principal) (*MFAStatus, error) {
	factors, err := a.MFA.Factors(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	left, err := a.MFA.RecoveryCodesLeft(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	return &MFAStatus{Factors: factors, RecoveryCodesLeft: left}, nil
}

// ResetUserMFA removes every second factor and recovery code of an account and
// revokes its sessions, for a user who lost them all. Admins only, with a fresh
// token. Returns forbidden, aal2_required, fresh_token_required, not_found.
func (a *App) ResetUserMFA(ctx context.Context, p Principal, id string, c Client) error {
	if err := a.requireAdmin(p); err != nil {
		return err
	}
	if !p.Fresh {
		return domain.Errorf(domain.CodeFreshTokenRequired, "Resetting MFA needs a token from a recent login; log in again.")
	}
	if !domain.IsID(id) {
		return domain.Errorf(domain.CodeNotFound, "The user does not exist.")
	}
	fx, err := a.mfaEffects(domain.EventMFAReset, id, p.UserID, p.SessionID, c, nil)
	if err != nil {
		return err
	}
	return a.MFA.Reset(ctx, id, a.Clock.Now(), fx)
}

// totpFactor returns the account's TOTP factor in status (any when ""), or
// not_found.
func (a *App) totpFactor(ctx context.Context, userID string, status domain.FactorStatus) (*domain.Factor, error) {
	factors, err := a.MFA.Factors(ctx, userID)
	if err != nil {
		return nil, err
	}
	for i := range factors {
		f := &factors[i]
		if f.Type == domain.FactorTOTP && (status == "" || f.Status == status) {
			return f, nil
		}
	}
	return nil, domain.Errorf(domain.CodeNotFound, "There is no such authenticator app factor.")
}

// checkTOTP opens f's secret and checks code at `at`, one step either side; a step
// at or before the last accepted one is refused here already (the store's
// compare-and-swap decides races).
func (a *App) checkTOTP(f *domain.Factor, code string, at time.Time) (int64, bool, error) {
	secret, err := a.Sealer.Open(f.Secret, domain.FactorSecretAAD(f.ID))
	if err != nil {
		return 0, false, err
	}
	step, ok := a.OTP.Check(secret, strings.TrimSpace(code), at)
	return step, ok && step > f.LastStep, nil
}

func errInvalidCode() error {
	return domain.Errorf(domain.CodeInvalidCode, "The code is wrong, used or expired.")
}

// refuseCode records a refused code (mfa.failed, on its own) and answers
// invalid_code. A failure to record is logged: the refusal stands either way.
func (a *App) refuseCode(ctx context.Context, userID, actorID, sessionID string, c Client, factor string) error {
	if factor == "" {
		factor = string(domain.FactorTOTP)
	}
	fx, err := a.mfaEffects(domain.EventMFAFailed, userID, actorID, sessionID, c, map[string]any{"factor": factor})
	if err == nil && a.Events != nil {
		err = a.Events.Append(ctx, fx)
	}
	if err != nil {
		a.Logger.WarnContext(ctx, "recording a refused MFA code failed", "user_id", userID, "err", err)
	}
	return errInvalidCode()
}

// recoveryAlphabet is lower-case RFC 4648 base32: no 0/1/8/9, so no 0/O or 1/l
// confusion when a code is typed from paper.
var recoveryAlphabet = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// recoveryCodeChars is the length of a code without its dash: 10 base32
// characters carry 50 random bits.
const recoveryCodeChars = domain.RecoveryCodeBits / 5

// newRecoveryCodes returns RecoveryCodeCount fresh codes in the form xxxxx-xxxxx
// and their stored hashes.
func (a *App) newRecoveryCodes(userID string) (clear, hashes []string, err error) {
	for range domain.RecoveryCodeCount {
		b := make([]byte, 7) // 56 bits; the first 50 make the 10 characters
		if _, err := a.Random.Read(b); err != nil {
			return nil, nil, err
		}
		code := recoveryAlphabet.EncodeToString(b)[:recoveryCodeChars]
		clear = append(clear, code[:5]+"-"+code[5:])
		hashes = append(hashes, recoveryCodeHash(userID, code))
	}
	return clear, hashes, nil
}

// normalizeRecoveryCode accepts a code as typed — any case, with or without the
// dash and spaces — and returns its 10 characters, or "" when it cannot be one.
func normalizeRecoveryCode(code string) string {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(code) != recoveryCodeChars {
		return ""
	}
	for _, r := range code {
		if !strings.ContainsRune("abcdefghijklmnopqrstuvwxyz234567", r) {
			return ""
		}
	}
	return code
}

// recoveryCodeHash is the stored form of a recovery code: SHA-256 over the
// account's id and the code, so equal codes of two accounts never share a hash
// and no table of precomputed hashes serves for every account.
func recoveryCodeHash(userID, code string) string {
	sum := sha256.Sum256([]byte("recovery\x00" + userID + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

// firstFactors keeps the first-factor methods of an amr (pwd, fed, email, ...),
// dropping the second-factor ones, to which a new second factor is added.
func firstFactors(amr []string) []string {
	var out []string
	for _, m := range amr {
		switch m {
		case domain.AMROTP, domain.AMRMFA, domain.AMRRecoveryCode, domain.AMRHardwareKey:
		default:
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		out = []string{domain.AMRPassword}
	}
	return out
}

// newSession builds a session of u opened now at aal with amr.
func (a *App) newSession(u *domain.User, c Client, aal domain.AAL, amr []string) (*domain.Session, error) {
	id, err := a.newID()
	if err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	return &domain.Session{
		ID: id, UserID: u.ID, Counter: 0, RotatedAt: now, CreatedAt: now,
		ExpiresAt: now.Add(a.cfg.RefreshTTL), UserAgent: truncate(c.UserAgent, 256), IP: c.IP,
		AAL: aal, AMR: amr, AuthTime: now,
	}, nil
}
