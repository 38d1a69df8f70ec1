package ports

import (
	"context"

	"github.com/authd/authd/domain"
)

// Hasher turns passwords into PHC-format hashes and checks them. Implementations
// bound how many hashes run at once, so a login storm queues instead of exhausting
// memory; a cancelled ctx abandons the wait.
type Hasher interface {
	// Hash returns the PHC string of password under the configured parameters.
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches encoded, and whether encoded uses
	// parameters other than the configured ones (so the caller should re-hash).
	// A malformed encoded string is an error.
	Verify(ctx context.Context, password, encoded string) (ok, needsRehash bool, err error)
	// Waste spends the time and memory of one verification and discards it, so that
	// a login for an unknown account takes as long as one for a known account. It
	// waits for the hashing bound as Verify does and fails as Verify would
	// (unavailable when no slot frees in time), so that under overload too an
	// unknown account is answered as a known one.
	Waste(ctx context.Context, password string) error
}

// AccessTokens mints and verifies JWT access tokens.
type AccessTokens interface {
	// Mint signs claims; the caller has filled every field.
	Mint(ctx context.Context, claims domain.AccessClaims) (string, error)
	// Verify checks signature, algorithm, typ, iss, aud, exp and nbf and returns the
	// claims. Returns token_expired for an expired token and token_invalid for
	// anything else wrong.
	Verify(ctx context.Context, token string) (*domain.AccessClaims, error)
}

// RefreshTokens encodes and decodes the opaque refresh token: session id, counter,
// and an HMAC over both.
type RefreshTokens interface {
	// Encode returns the token for t.
	Encode(t domain.RefreshToken) string
	// Decode checks the MAC in constant time and returns the content, or
	// token_invalid.
	Decode(token string) (domain.RefreshToken, error)
}

// Notifier tells a user about their account by some channel (mail, log).
type Notifier interface {
	// SendActivation delivers the activation token to u.
	SendActivation(ctx context.Context, u domain.User, token string) error
	// SendPasswordReset delivers the password-reset token to u.
	SendPasswordReset(ctx context.Context, u domain.User, token string) error
	// SendRecoveryCodeUsed tells u that one of its recovery codes was used to log
	// in, and how many are left, so that an owner who did not do it can act.
	SendRecoveryCodeUsed(ctx context.Context, u domain.User, remaining int) error
	// SendEmailChange delivers the confirmation token of a change of u's address
	// to the new address, to.NewEmail.
	SendEmailChange(ctx context.Context, u domain.User, to domain.MailAddresses, token string) error
	// SendEmailChangeNotice tells the old address, to.OldEmail, that a change to
	// to.NewEmail was asked for, so that an owner who did not ask can act.
	SendEmailChangeNotice(ctx context.Context, u domain.User, to domain.MailAddresses) error
	// SendSignIn delivers a sign-in link (built from token) and its 6-digit code
	// to u.Email; u may be an address without an account (ID ""), with the
	// locale to write in.
	SendSignIn(ctx context.Context, u domain.User, token, code string) error
}

// Sealer encrypts small secrets kept at rest — TOTP seeds, one-time tokens waiting
// in the outbox — with authenticated encryption under AUTH_ENCRYPTION_KEY, so a copy
// of the database alone yields none of them. aad binds a sealed value to where it is
// kept (a row's id and column, say): a value moved to another row does not open.
type Sealer interface {
	// Seal returns plaintext encrypted and authenticated together with aad.
	Seal(plaintext, aad []byte) ([]byte, error)
	// Open returns the plaintext of a value from Seal with the same aad, or an error
	// when it was sealed under another key, with another aad, or altered.
	Open(sealed, aad []byte) ([]byte, error)
}

// WebhookSender posts events to the operator's webhook endpoint, signed as the
// Standard Webhooks specification says.
type WebhookSender interface {
	// Send posts body as one attempt of the message id (the webhook-id header, the
	// same on every retry), signed with the attempt's own timestamp. It returns nil
	// only when the endpoint answered 2xx within the sender's timeout.
	Send(ctx context.Context, id string, body []byte) error
}
