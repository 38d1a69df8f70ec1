package domain

import "time"

// TokenKind says what a one-time token proves.
type TokenKind string

// The one-time token kinds and their lifetimes.
const (
	TokenActivation    TokenKind = "activation"
	TokenPasswordReset TokenKind = "password_reset"
	// TokenEmailChange proves the mailbox of a new address (OneTimeToken.NewEmail).
	TokenEmailChange TokenKind = "email_change"

	ActivationTokenTTL    = 24 * time.Hour
	PasswordResetTokenTTL = time.Hour
	EmailChangeTokenTTL   = 24 * time.Hour
)

// OneTimeToken is an activation, password-reset or e-mail-change token. Only its SHA-256 hash is
// stored (Hash, hex), so a database leak cannot be replayed; the clear token exists
// only in the mail that carries it.
type OneTimeToken struct {
	Hash   string
	Kind   TokenKind
	UserID string
	// NewEmail is the normalised address an email_change token moves its user to;
	// "" for the other kinds.
	NewEmail  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AccessClaims are the facts an access token carries (ARCHITECTURE.md §4).
type AccessClaims struct {
	ID        string // jti
	Subject   string // user id
	SessionID string // sid
	Role      Role
	Fresh     bool // minted by a login, not a refresh
	AAL       AAL
	AMR       []string
	AuthTime  time.Time // when the session was opened
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// RefreshToken is the decoded content of a refresh token: the session it belongs to
// and the counter value it was minted for.
type RefreshToken struct {
	SessionID string
	Counter   uint64
}
