package ports

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
)

// MFAStore keeps the second factors of accounts, their recovery codes and the
// pending second steps of logins (mfa tokens). Every method is atomic on its own;
// the single-use rules (a TOTP step, a recovery code, an mfa token) are each one
// conditional write, so concurrent callers cannot both win.
type MFAStore interface {
	// PutFactor stores f, pending, replacing the user's pending factor of f.Type,
	// with fx. Returns conflict when the user has an active factor of that type and
	// not_found when the user does not exist.
	PutFactor(ctx context.Context, f *domain.Factor, fx domain.Effects) error
	// Factors returns the user's factors, pending ones included, oldest first.
	Factors(ctx context.Context, userID string) ([]domain.Factor, error)
	// Activate confirms a pending factor (see domain.FactorActivation) with one
	// compare-and-swap on the factor — still pending, still act.Factor.ID, LastStep
	// below act.Step — and, in the same atomic step, turns the account's MFA on,
	// replaces its recovery codes when act.RecoveryCodes is not nil, revokes every
	// live session of the user, creates act.Session and writes fx. Returns not_found
	// when no such pending factor exists and conflict when the step is not after the
	// last accepted one.
	Activate(ctx context.Context, act domain.FactorActivation, fx domain.Effects) error
	// AcceptStep records step as the last accepted step of the active factor f
	// (LastUsedAt = at) with one compare-and-swap LastStep < step, and writes fx
	// with it. Of N concurrent calls with one step exactly one succeeds. Returns
	// conflict when the step is not after the last accepted one (a replay) and
	// not_found when f is not an active factor of its user any more.
	AcceptStep(ctx context.Context, f *domain.Factor, step int64, at time.Time, fx domain.Effects) error
	// DeleteFactor removes f with fx. When no active factor and no passkey of the
	// user is left, its recovery codes go too and its MFA is off. Returns not_found.
	DeleteFactor(ctx context.Context, f *domain.Factor, fx domain.Effects) error
	// Reset removes every factor, passkey and recovery code of the user (and its
	// pending ceremonies), turns its MFA off
	// and revokes every live session, with fx. Returns not_found when the user does
	// not exist.
	Reset(ctx context.Context, userID string, at time.Time, fx domain.Effects) error
	// ReplaceRecoveryCodes makes hashes the user's only recovery codes, with fx.
	// Returns not_found when the user does not exist.
	ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, at time.Time, fx domain.Effects) error
	// UseRecoveryCode deletes the user's recovery code with that hash in one
	// atomic delete, writes fx with it and returns how many codes are left. Of N
	// concurrent uses of one code exactly one succeeds; the others, and an unknown
	// code, get not_found.
	UseRecoveryCode(ctx context.Context, userID, hash string, fx domain.Effects) (remaining int, err error)
	// RecoveryCodesLeft returns how many recovery codes the user has.
	RecoveryCodesLeft(ctx context.Context, userID string) (int, error)

	// CreateChallenge stores an mfa token. Returns not_found if the user is gone.
	CreateChallenge(ctx context.Context, c *domain.MFAChallenge, fx domain.Effects) error
	// Challenge returns the mfa token with that hash: token_invalid when there is
	// none (unknown, used, or MFAChallengeMaxAttempts wrong codes spent), and
	// token_expired when it expired by now.
	Challenge(ctx context.Context, hash string, now time.Time) (*domain.MFAChallenge, error)
	// FailChallenge counts one wrong code against the mfa token and writes fx (the
	// failure's event) with it; the MFAChallengeMaxAttempts-th makes it void.
	// Returns token_invalid when the token is gone or void already.
	FailChallenge(ctx context.Context, hash string, fx domain.Effects) error
	// ConsumeChallenge deletes the mfa token, single use: of N concurrent calls
	// exactly one gets it. Returns token_invalid (gone or void) or token_expired.
	ConsumeChallenge(ctx context.Context, hash string, now time.Time) (*domain.MFAChallenge, error)
}

// OTP computes and checks time-based one-time passwords (RFC 6238): SHA-1, 6
// digits, 30-second steps, what every authenticator app reads.
type OTP interface {
	// Key returns the base32 form of secret and the otpauth:// URI an
	// authenticator app scans, labelled issuer:account.
	Key(issuer, account string, secret []byte) (base32, uri string, err error)
	// Check reports whether code is the code of secret at one of the steps around
	// at (one either side), and which step it matched.
	Check(secret []byte, code string, at time.Time) (step int64, ok bool)
}
