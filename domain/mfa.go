package domain

import "time"

// AAL is an authenticator assurance level (NIST SP 800-63B §4): how strongly a
// session's owner proved who they are.
type AAL string

// The assurance levels authd issues: one factor, or two.
const (
	AAL1 AAL = "aal1"
	AAL2 AAL = "aal2"
)

// Authentication method references (RFC 8176 where it names one), recorded on each
// session as `amr` and carried in its access tokens.
const (
	AMRPassword     = "pwd"
	AMROTP          = "otp"
	AMRHardwareKey  = "hwk"
	AMRMFA          = "mfa"
	AMRRecoveryCode = "recovery_code"
	AMREmail        = "email"
	AMRFederated    = "fed"
)

// FactorType names a kind of second factor.
type FactorType string

// The second-factor types kept by the MFA store (passkeys live in their own store).
const FactorTOTP FactorType = "totp"

// FactorStatus says whether a factor counts yet.
type FactorStatus string

// A factor is pending from enrolment until its first code is confirmed, then active.
const (
	FactorPending FactorStatus = "pending"
	FactorActive  FactorStatus = "active"
)

// Factor is a second factor of an account: for TOTP, its shared secret. Secret is
// only ever the sealed form (ports.Sealer, aad FactorSecretAAD(ID)), so a copy of the
// database yields no secret. LastStep is the last accepted time step: a code is
// accepted only for a later step, which makes every code single use.
type Factor struct {
	ID         string
	UserID     string
	Type       FactorType
	Status     FactorStatus
	Secret     []byte
	LastStep   int64
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// FactorSecretAAD binds a factor's sealed secret to the factor: a sealed value
// copied onto another factor does not open.
func FactorSecretAAD(factorID string) []byte { return []byte("factor:" + factorID + ":secret") }

// FactorActivation is everything the confirmation of a pending factor changes in
// one atomic step: the factor becomes active with Step accepted, the account's
// MFA flag goes on, RecoveryCodes (hashes) replace the account's codes when not
// nil, every live session of the account is revoked and Session is created.
type FactorActivation struct {
	Factor        Factor // as read: UserID, Type and ID name the pending factor
	Step          int64
	At            time.Time
	RecoveryCodes []string
	Session       *Session
}

// Recovery codes: how many an account gets, and the number of random bits in each.
const (
	RecoveryCodeCount = 10
	RecoveryCodeBits  = 50
)

// MFAChallenge is the pending second step of a login (the `mfa_token` of
// ARCHITECTURE.md §8): the first factor was right, the session waits for a second.
// Only the token's SHA-256 is stored (Hash); it is single use, expires after
// MFAChallengeTTL and dies after MFAChallengeMaxAttempts wrong codes.
type MFAChallenge struct {
	Hash      string
	UserID    string
	AMR       []string // the methods of the first factor (e.g. pwd)
	Attempts  int
	CreatedAt time.Time
	ExpiresAt time.Time
}

// The limits of an mfa_token.
const (
	MFAChallengeTTL         = 5 * time.Minute
	MFAChallengeMaxAttempts = 5
)
