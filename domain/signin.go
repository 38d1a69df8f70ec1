package domain

import "time"

// SignInCode is the live "sign in by mail" pair of an address (ARCHITECTURE.md
// §11): a link token and a 6-digit code mailed together. There is at most one per
// normalised address — a newer request replaces it — so the address is its key.
// Only hashes are stored: LinkHash is the SHA-256 of the link token and, being
// unique, also names this pair's version; CodeHash is the SHA-256 of the code
// bound to this pair. The pair is single use, expires after SignInCodeTTL and is
// void after SignInCodeMaxAttempts wrong codes. UserID is the account the address
// had when the pair was made, "" for an unknown address (AUTH_PASSWORDLESS_SIGNUP).
type SignInCode struct {
	Email  string
	UserID string
	// Locale is the requester's language, for an account the pair creates.
	Locale    string
	LinkHash  string
	CodeHash  string
	Attempts  int
	CreatedAt time.Time
	ExpiresAt time.Time
	// Redirect is where the sign-in page sends the browser with an authorization
	// code when the link is used there; zero when the requester gave none.
	Redirect SignInRedirect
}

// SignInRedirect is the app's half of the authorization-code grant (§10), given
// with a sign-in request: an allow-listed redirect URI, the S256 challenge of the
// app's PKCE verifier, and the app's opaque state.
type SignInRedirect struct {
	URI           string
	CodeChallenge string
	State         string
}

// The limits of a sign-in pair.
const (
	SignInCodeTTL         = 10 * time.Minute
	SignInCodeMaxAttempts = 5
	SignInCodeDigits      = 6
	// MaxStateLength bounds, in bytes, the app's opaque state carried through a redirect.
	MaxStateLength = 1024
)
