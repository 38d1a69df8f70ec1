package domain

import "time"

// Session is one login: a device or browser holding a refresh token. The store keeps
// the refresh counter and the time of its last rotation, never a token, so a stolen
// database yields nothing a client could present.
type Session struct {
	ID        string
	UserID    string
	Counter   uint64    // the counter inside the current refresh token
	RotatedAt time.Time // when Counter last advanced (creation time for 0)
	CreatedAt time.Time
	ExpiresAt time.Time // refresh tokens die with their session
	RevokedAt *time.Time
	UserAgent string
	IP        string
	// AAL, AMR and AuthTime record how the session was opened (ARCHITECTURE.md §8):
	// every token minted for it carries them, so a refresh keeps them.
	AAL      AAL
	AMR      []string
	AuthTime time.Time
}

// LogoutScope says which sessions a logout ends.
type LogoutScope string

// The logout scopes: the caller's session, every other session of the user, or all.
const (
	LogoutSession LogoutScope = "session"
	LogoutOthers  LogoutScope = "others"
	LogoutAll     LogoutScope = "all"
)

// Valid reports whether s is a known scope.
func (s LogoutScope) Valid() bool {
	return s == LogoutSession || s == LogoutOthers || s == LogoutAll
}

// Assurance returns how the session was opened: its authenticator assurance level
// (NIST SP 800-63B) and authentication methods (RFC 8176). A session stored before
// these were recorded reads as what it was: a password login at aal1.
func (s *Session) Assurance() (aal string, amr []string) {
	if s.AAL == "" {
		return string(AAL1), []string{AMRPassword}
	}
	return string(s.AAL), s.AMR
}
