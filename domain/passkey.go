package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Passkey is a WebAuthn credential of an account (ARCHITECTURE.md §9). CredentialID
// is the authenticator's id of it, unique across every account; PublicKey is its
// COSE key; UserHandle is the account's WebAuthn user id (64 random bytes, never
// the e-mail), the same on every passkey of one account. SignCount is the last
// signature counter seen: it only ever grows, by compare-and-swap in the store.
type Passkey struct {
	ID              string
	UserID          string
	CredentialID    []byte
	PublicKey       []byte
	UserHandle      []byte
	SignCount       uint32
	AAGUID          []byte
	AttestationType string
	Transports      []string
	BackupEligible  bool
	BackedUp        bool
	Name            string
	CreatedAt       time.Time
	LastUsedAt      *time.Time
}

// PasskeyNameMax is the longest name a passkey may carry, in characters.
const PasskeyNameMax = 64

// UserHandleBytes is the length of an account's WebAuthn user handle.
const UserHandleBytes = 64

// CleanPasskeyName trims name and checks it: at most PasskeyNameMax characters,
// valid UTF-8, no control characters. It returns the trimmed name or a field
// error.
func CleanPasskeyName(name string) (string, *FieldError) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > PasskeyNameMax ||
		strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", &FieldError{Field: "name", Code: "invalid",
			Message: "A passkey name is at most 64 characters, without control characters."}
	}
	return name, nil
}

// CeremonyKind says which WebAuthn ceremony a ceremony state belongs to.
type CeremonyKind string

// The two ceremonies.
const (
	CeremonyRegistration CeremonyKind = "registration"
	CeremonyLogin        CeremonyKind = "login"
)

// PasskeyCeremony is the server side of a WebAuthn ceremony between its options
// and its verification: a one-time token whose clear value is the `ceremony_id`
// the client echoes. Only its SHA-256 is stored (Hash). State is the relying
// party's opaque record (challenge, user handle, allowed credentials); UserID is
// the account it is bound to, "" for a discoverable login. MFAHash binds a
// login ceremony to the mfa_token of a password login it completes ("" when
// none). Single use, expires after PasskeyCeremonyTTL.
type PasskeyCeremony struct {
	Hash      string
	Kind      CeremonyKind
	UserID    string
	MFAHash   string
	State     []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PasskeyCeremonyTTL is how long a ceremony may take.
const PasskeyCeremonyTTL = 5 * time.Minute

// PasskeyAssertion is what a verified login assertion proves: which stored
// passkey signed (as read before the login), the counter it signed with, and
// whether the authenticator verified its user (PIN, biometrics).
type PasskeyAssertion struct {
	Passkey      Passkey
	SignCount    uint32
	UserVerified bool
	BackedUp     bool
}

// CounterRegressed reports whether the assertion's counter went back: when
// either counter is non-zero and the new one is not above the stored one, two
// copies of the key may exist (a cloned authenticator) — WebAuthn §6.1.1.
func (a PasskeyAssertion) CounterRegressed() bool {
	return (a.SignCount != 0 || a.Passkey.SignCount != 0) && a.SignCount <= a.Passkey.SignCount
}

// MFAOn is what the first second factor of an account changes besides itself,
// in the same atomic step: MFA goes on, RecoveryCodes (hashes) replace the
// account's codes, every live session is revoked and Session is opened.
type MFAOn struct {
	RecoveryCodes []string
	Session       *Session
	At            time.Time
}
