// Package ports declares the interfaces the use cases need. Each is small, named by
// role, and mentions only context, domain types and plain values, so that SQL,
// DynamoDB, JWT or SMTP details never reach app/. Every store method is atomic on its
// own: a use case that must change two things at once gets one method that does both.
//
// Each method's comment names the domain error codes it returns; any other failure
// is returned as domain.CodeUnavailable (store unreachable) or an internal error.
//
// Events and deliveries (ARCHITECTURE.md §12). Every method that changes state takes
// the domain.Effects of that change — its audit events and its outbox deliveries —
// as its last parameter (Update: as a result of its change function) and writes them
// in the same atomic operation as the change: in the SQL transaction, or in the same
// DynamoDB TransactWriteItems. The change and its effects are written together or
// not at all: a method that returns an error has written no event. The caller builds
// the effects (ids, times, request context); the store never invents one. A zero
// Effects writes nothing, which is what maintenance writes (a rehash) and tests of
// other behaviour pass. Where the caller cannot know the account beforehand (the
// Consume methods of TokenStore), the store fills each event's and delivery's empty
// UserID with the token's user (domain.Effects.ForUser). A change that writes nothing
// but its event (a refused login) uses EventStore.Append.
package ports

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
)

// UserStore persists accounts. Email and username arrive normalised.
type UserStore interface {
	// Create inserts u and writes fx with it. Returns email_taken or username_taken
	// when another account holds the address or name (and then writes no effect).
	Create(ctx context.Context, u *domain.User, fx domain.Effects) error
	// CreatePending inserts u (a pending account) together with its first one-time
	// token, activation, and fx (typically the activation mail, carrying the token
	// sealed), as one atomic step: a sign-up is written with its mail or not at
	// all. Returns email_taken or username_taken (and then writes none of them).
	CreatePending(ctx context.Context, u *domain.User, activation *domain.OneTimeToken, fx domain.Effects) error
	// ByID returns the user with that id, or not_found.
	ByID(ctx context.Context, id string) (*domain.User, error)
	// ByEmail returns the user with that normalised e-mail, or not_found.
	ByEmail(ctx context.Context, email string) (*domain.User, error)
	// ByUsername returns the user with that normalised username, or not_found.
	ByUsername(ctx context.Context, username string) (*domain.User, error)
	// Update applies change to the stored account and writes the result, as one
	// atomic step: change is given the current account, and no other write to it can
	// fall between that read and this write (a row lock in SQL, a version condition
	// on DynamoDB). So a profile edit can never undo a concurrent role or status
	// change. change may be called more than once (after a lost race) and must decide
	// from its argument alone; an error from it aborts the update, writes nothing and
	// is returned as it is. The Effects it returns (from its last call) are written
	// with the account. Only the profile fields are written (email, username, name,
	// mobile, locale, role, status, activated_at, updated_at). Returns the account as
	// written; not_found, email_taken or username_taken.
	Update(ctx context.Context, id string, change func(*domain.User) (domain.Effects, error)) (*domain.User, error)
	// Delete removes the user together with its sessions and one-time tokens, and
	// frees its e-mail and username; its audit events stay. Returns not_found.
	Delete(ctx context.Context, id string, fx domain.Effects) error
	// List returns up to limit users ordered by id ascending, starting after the id
	// afterID ("" for the first page).
	List(ctx context.Context, afterID string, limit int) ([]domain.User, error)
}

// CredentialStore changes what proves a user's identity.
type CredentialStore interface {
	// SetPasswordHash replaces the user's password hash (a rehash on login after the
	// argon2 parameters changed). Returns not_found.
	SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error
	// ChangePassword sets the hash and revokes every session of the user except
	// keepSessionID ("" revokes all), in one atomic step with fx. Returns not_found.
	ChangePassword(ctx context.Context, userID, hash, keepSessionID string, at time.Time, fx domain.Effects) error
}

// LoginThrottle counts password attempts per login identifier in the store, so
// that every instance sees the same count and a restart forgets nothing. Keys are
// opaque to the store; the use cases derive them from the normalised e-mail or
// username whether or not an account has it, so a known and an unknown identifier
// throttle alike and the back-off tells nobody which accounts exist.
type LoginThrottle interface {
	// Reserve decides under policy, in one atomic step, whether one more attempt on
	// key may be checked at now, and if so counts it (domain.Backoff.Admit applied
	// to the stored record): of N concurrent calls, no more go ahead than the policy
	// admits one after the other. It returns 0 when the attempt may go ahead, or how
	// long the caller must wait.
	Reserve(ctx context.Context, key string, now time.Time, policy domain.Backoff) (time.Duration, error)
	// Clear forgets key's attempts (a correct password); clearing an unknown key
	// succeeds.
	Clear(ctx context.Context, key string) error
}

// SessionStore persists logins and their refresh counters.
type SessionStore interface {
	// Create inserts s with fx. Returns conflict if the id exists, not_found if the
	// user does not.
	Create(ctx context.Context, s *domain.Session, fx domain.Effects) error
	// ByID returns the session, revoked or expired ones included, or not_found.
	ByID(ctx context.Context, id string) (*domain.Session, error)
	// Rotate advances the counter from `from` to from+1 and sets RotatedAt to at, as
	// one compare-and-swap. Returns not_found when no session has the id and conflict
	// when the counter is no longer `from` or the session is revoked: of N concurrent
	// calls with one `from`, exactly one succeeds.
	Rotate(ctx context.Context, id string, from uint64, at time.Time) error
	// Revoke marks the session revoked at `at`, with fx; revoking a revoked session
	// keeps the first time and succeeds. Returns not_found.
	Revoke(ctx context.Context, id string, at time.Time, fx domain.Effects) error
	// RevokeAll revokes every live session of the user (not revoked, ExpiresAt after
	// at) except exceptID ("" for none), with fx, and returns how many it revoked;
	// expired sessions are neither revoked nor counted.
	RevokeAll(ctx context.Context, userID, exceptID string, at time.Time, fx domain.Effects) (int, error)
	// Live returns the user's sessions that are neither revoked nor expired at now,
	// newest first.
	Live(ctx context.Context, userID string, now time.Time) ([]domain.Session, error)
}

// TokenStore persists one-time tokens (activation, password reset, e-mail change) by their hash and
// applies each one's effect in the same atomic step that consumes it.
type TokenStore interface {
	// Create stores t and deletes every earlier token of the same kind for the same
	// user, so only the newest link works; fx (typically the mail carrying the
	// token, sealed) is written with it. Returns not_found if the user is gone.
	Create(ctx context.Context, t *domain.OneTimeToken, fx domain.Effects) error
	// ConsumeActivation deletes the activation token with that hash and, in the same
	// atomic step, moves its user from pending to active (ActivatedAt = now); a user
	// in another status is left as is. Returns the user afterwards; token_invalid
	// when no such activation token exists (unknown, used, other kind), token_expired
	// when it expired (the token is then deleted, and fx is not written). fx is
	// written with the activation, with the token's user filled in
	// (domain.Effects.ForUser), also when the user was active already.
	ConsumeActivation(ctx context.Context, hash string, now time.Time, fx domain.Effects) (*domain.User, error)
	// ConsumeReset deletes the password-reset token with that hash and, in the same
	// atomic step, sets the user's password hash, revokes all of its sessions and
	// writes fx (ForUser as above). Returns the user afterwards; token_invalid or
	// token_expired as ConsumeActivation.
	ConsumeReset(ctx context.Context, hash, newPasswordHash string, now time.Time, fx domain.Effects) (*domain.User, error)
	// ConsumeEmailChange deletes the email_change token with that hash and, in the
	// same atomic step, moves its user to the token's NewEmail together with the
	// address's uniqueness reservation (the old address becomes free) and writes fx
	// (ForUser as above). Returns the user afterwards; token_invalid or
	// token_expired as ConsumeActivation; email_taken when another account holds
	// the new address — then nothing is written and the token stays usable.
	ConsumeEmailChange(ctx context.Context, hash string, now time.Time, fx domain.Effects) (*domain.User, error)

	// PutSignIn stores c as the only live sign-in pair of c.Email (ARCHITECTURE.md
	// §11), replacing an older one, and writes fx (the mail carrying the pair,
	// sealed) with it. Returns conflict when c.LinkHash is taken.
	PutSignIn(ctx context.Context, c *domain.SignInCode, fx domain.Effects) error
	// SignIn returns the live pair of the normalised address email: token_invalid
	// when there is none (never made, used, replaced, or void after
	// domain.SignInCodeMaxAttempts wrong codes), token_expired when it expired.
	SignIn(ctx context.Context, email string, now time.Time) (*domain.SignInCode, error)
	// SignInByLink returns the live pair whose link token has that hash, with the
	// errors of SignIn.
	SignInByLink(ctx context.Context, linkHash string, now time.Time) (*domain.SignInCode, error)
	// FailSignIn counts one wrong code against the pair (email, linkHash) and
	// writes fx with it; the SignInCodeMaxAttempts-th makes it void. Of N
	// concurrent calls at most the remaining tries are counted; the others get
	// token_invalid, as does a pair that is gone, replaced or void already.
	FailSignIn(ctx context.Context, email, linkHash string, fx domain.Effects) error
	// ConsumeSignIn deletes the pair (email, linkHash), single use: of N
	// concurrent calls exactly one gets it. Returns token_invalid (gone,
	// replaced or void) or token_expired.
	ConsumeSignIn(ctx context.Context, email, linkHash string, now time.Time) (*domain.SignInCode, error)

	// PutAuthCode stores an authorization code (ARCHITECTURE.md §10) and writes fx
	// with it. Returns conflict when c.Hash is taken.
	PutAuthCode(ctx context.Context, c *domain.AuthCode, fx domain.Effects) error
	// ConsumeAuthCode deletes the code with that hash and returns it, single use:
	// of N concurrent calls exactly one gets it. Returns token_invalid (unknown or
	// used) or token_expired (the code is then deleted as well).
	ConsumeAuthCode(ctx context.Context, hash string, now time.Time) (*domain.AuthCode, error)
}

// SecretStore keeps generated secrets (the default signing key, the refresh key) so
// every instance on one database and every restart use the same ones.
type SecretStore interface {
	// Secret stores candidate under name unless a value is already stored, and
	// returns the stored value: concurrent first starts agree on one winner.
	Secret(ctx context.Context, name string, candidate []byte) ([]byte, error)
}

// EventStore keeps the audit log.
type EventStore interface {
	// Append writes fx on its own: for a change that alters nothing else (a refused
	// login), so that there is no other write to share an operation with.
	Append(ctx context.Context, fx domain.Effects) error
	// List returns up to f.Limit events matching f, newest (highest id) first.
	List(ctx context.Context, f domain.EventFilter) ([]domain.Event, error)
	// Purge deletes the events recorded before `before`, and dead deliveries
	// buried before it, and returns how many rows went. (DynamoDB's TTL does it
	// there: the store's retention is applied when an event is written.)
	Purge(ctx context.Context, before time.Time) (int64, error)
}

// Outbox is the store side of the deliveries (mail, webhooks) that Effects write:
// the dispatcher in every instance claims due rows under a lease, sends them, and
// completes, retries or buries each.
type Outbox interface {
	// Claim leases up to limit deliveries that are due at now (DueAt <= now, not
	// dead), oldest due first, to the caller: each returned row has Attempts
	// incremented, Lease = lease and DueAt = until, so no other Claim returns it
	// before until (when a crashed claimer's rows become due again). Of N
	// concurrent Claims, each due row goes to exactly one.
	Claim(ctx context.Context, lease string, now, until time.Time, limit int) ([]domain.Delivery, error)
	// Complete deletes the delivered rows ds, their sealed secrets with them, in as
	// few writes as the store allows. A row its lease (d.Lease) no longer holds —
	// the lease ran out and another claim took it, so that claimer sends it again —
	// or that is gone is skipped: that is the "at least once".
	Complete(ctx context.Context, ds []domain.Delivery) error
	// Retry makes a failed row due again at next, recording lastErr. Returns
	// conflict when d.Lease no longer holds the row and not_found when it is gone.
	Retry(ctx context.Context, d domain.Delivery, next time.Time, lastErr string) error
	// Bury marks a row dead at `at` (it is never claimed again), recording lastErr
	// and dropping its sealed secret. Returns conflict or not_found as Complete.
	Bury(ctx context.Context, d domain.Delivery, at time.Time, lastErr string) error
	// Counts returns how many rows are pending (not dead) and dead.
	Counts(ctx context.Context) (pending, dead int64, err error)
}

// Backend is one database with every store port. Stores that share a backend see
// each other's writes, which the cross-entity atomic methods rely on.
type Backend interface {
	Users() UserStore
	Credentials() CredentialStore
	Throttle() LoginThrottle
	Sessions() SessionStore
	Tokens() TokenStore
	Secrets() SecretStore
	Events() EventStore
	Outbox() Outbox
	MFA() MFAStore
	Passkeys() PasskeyStore
	Identities() IdentityStore
	// Ping returns unavailable when the database cannot be reached.
	Ping(ctx context.Context) error
	// Close releases connections.
	Close() error
}
