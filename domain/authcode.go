package domain

import "time"

// AuthCode is the authorization code authd hands an app through the browser
// (ARCHITECTURE.md §10, step 2; the sign-in page of §11 too): the app redeems it
// once at POST /v1/auth/token with the PKCE verifier of CodeChallenge and the
// same RedirectURI, and gets a session of UserID whose first factor is Method
// (an AMR value: AMRFederated after a provider, AMREmail after a sign-in link).
// Only the SHA-256 of the code is stored (Hash, hex).
type AuthCode struct {
	Hash          string
	UserID        string
	Method        string
	RedirectURI   string
	CodeChallenge string // S256, base64url without padding
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// AuthCodeTTL is how long an authorization code can be redeemed: long enough
// for a redirect and one back-channel call, short enough that a code in a
// browser's history is worthless (RFC 6749 §4.1.2 recommends at most 10 minutes).
const AuthCodeTTL = 60 * time.Second
