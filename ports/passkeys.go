package ports

import (
	"context"
	"encoding/json"
	"time"

	"github.com/authd/authd/domain"
)

// PasskeyStore keeps the passkeys of accounts and the states of WebAuthn
// ceremonies (ARCHITECTURE.md §9). Credential ids are unique across accounts;
// the sign counter moves by compare-and-swap; a ceremony is consumed once.
type PasskeyStore interface {
	// Add stores p with fx. When on is not nil (the account's first second
	// factor), the same atomic step turns the account's MFA on, replaces its
	// recovery codes, revokes every live session and opens on.Session. Returns
	// conflict when any account has a passkey with p.CredentialID, not_found
	// when the user does not exist.
	Add(ctx context.Context, p *domain.Passkey, on *domain.MFAOn, fx domain.Effects) error
	// Passkeys returns the user's passkeys, oldest first.
	Passkeys(ctx context.Context, userID string) ([]domain.Passkey, error)
	// ByCredentialID returns the passkey with that credential id, of whichever
	// account, or not_found.
	ByCredentialID(ctx context.Context, credentialID []byte) (*domain.Passkey, error)
	// Rename sets the name of the user's passkey id, with fx, and returns it.
	// Returns not_found (also for a passkey of another account).
	Rename(ctx context.Context, userID, id, name string, fx domain.Effects) (*domain.Passkey, error)
	// Use records a login with p: SignCount becomes count, BackedUp backedUp and
	// LastUsedAt at, on the condition that the stored counter is still
	// p.SignCount (one compare-and-swap), with fx. Returns conflict when the
	// counter moved meanwhile and not_found when p is gone.
	Use(ctx context.Context, p *domain.Passkey, count uint32, backedUp bool, at time.Time, fx domain.Effects) error
	// Remove deletes the user's passkey id with fx. When the account has no
	// passkey and no active factor left, its recovery codes go and its MFA is
	// off, in the same step. Returns not_found.
	Remove(ctx context.Context, userID, id string, fx domain.Effects) error

	// CreateCeremony stores a ceremony state. Returns not_found when it is bound
	// to a user that does not exist.
	CreateCeremony(ctx context.Context, c *domain.PasskeyCeremony) error
	// ConsumeCeremony deletes the ceremony with that hash and returns it: of N
	// concurrent calls exactly one gets it. Returns token_invalid (unknown or
	// used) or token_expired (it is deleted then too).
	ConsumeCeremony(ctx context.Context, hash string, now time.Time) (*domain.PasskeyCeremony, error)
}

// PasskeyUser is the account as a WebAuthn relying party shows it to an
// authenticator.
type PasskeyUser struct {
	Handle      []byte
	Name        string // the e-mail, shown in the authenticator's account picker
	DisplayName string
}

// WebAuthn runs the relying-party side of WebAuthn ceremonies. Options and
// credentials are the WebAuthn JSON forms (base64url buffers) that browsers
// read and write; state is an opaque record the caller keeps server-side
// between the options and the verification.
type WebAuthn interface {
	// RegistrationOptions returns the publicKey options of a registration
	// (resident key required, user verification preferred, exclude listing the
	// user's credentials) and its state.
	RegistrationOptions(user PasskeyUser, exclude []domain.Passkey) (options json.RawMessage, state []byte, err error)
	// VerifyRegistration checks credential (a PublicKeyCredential as JSON)
	// against state — challenge, origin, RP ID hash, user presence, attestation —
	// and returns the new passkey's credential fields (no ID, UserID, Name,
	// CreatedAt). Returns invalid_credentials when it does not verify.
	VerifyRegistration(user PasskeyUser, state []byte, credential json.RawMessage) (*domain.Passkey, error)
	// LoginOptions returns the publicKey options of a login allowing the given
	// passkeys (none: a discoverable login), user verification preferred.
	LoginOptions(allow []domain.Passkey) (options json.RawMessage, state []byte, err error)
	// VerifyLogin checks an assertion against state: challenge, origin, RP ID
	// hash, user presence, the signature under the stored key. lookup finds the
	// stored passkey of the credential id the assertion names (not_found when
	// none). The signature counter is reported, not judged. Returns
	// invalid_credentials when it does not verify.
	VerifyLogin(state []byte, credential json.RawMessage, lookup func(credentialID []byte) (*domain.Passkey, error)) (*domain.PasskeyAssertion, error)
}
