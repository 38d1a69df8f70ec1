package ports

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
)

// IdentityStore keeps the links between accounts and external identities, and
// the flows through a provider between authorize and callback (ARCHITECTURE.md
// §10). An identity is keyed by (provider, subject), unique across accounts; an
// account holds at most one identity per provider. A flow is consumed once.
type IdentityStore interface {
	// PutFlow stores f. Returns conflict when f.Hash exists.
	PutFlow(ctx context.Context, f *domain.ProviderFlow) error
	// ConsumeFlow deletes the flow with that hash and returns it: of N concurrent
	// calls exactly one gets it. Returns token_invalid (unknown or used) or
	// token_expired (it is deleted then too).
	ConsumeFlow(ctx context.Context, hash string, now time.Time) (*domain.ProviderFlow, error)
	// ByIdentity returns the identity (provider, subject), or not_found.
	ByIdentity(ctx context.Context, provider, subject string) (*domain.Identity, error)
	// Identities returns the user's identities, oldest first.
	Identities(ctx context.Context, userID string) ([]domain.Identity, error)
	// CreateUser inserts u (an account made by a provider) together with its
	// identity id and fx, as one atomic step. Returns email_taken or
	// username_taken as UserStore.Create, conflict when the identity is linked
	// already (and then writes none of them).
	CreateUser(ctx context.Context, u *domain.User, id *domain.Identity, fx domain.Effects) error
	// Link adds id to the account id.UserID with fx. Returns conflict when
	// (provider, subject) is linked to any account or the account holds an
	// identity of that provider already; not_found when the user does not exist.
	Link(ctx context.Context, id *domain.Identity, fx domain.Effects) error
	// Use records a login through the identity: LastUsedAt becomes at. Returns
	// not_found when it is gone.
	Use(ctx context.Context, provider, subject string, at time.Time) error
	// Unlink deletes the user's identity of provider with fx. With keepWayIn,
	// the same atomic step refuses with last_login_method unless the account
	// keeps another way to log in — a password, another identity or a passkey —
	// so two concurrent unlinks of an account's last two identities cannot both
	// succeed. Returns not_found, last_login_method.
	Unlink(ctx context.Context, userID, provider string, keepWayIn bool, fx domain.Effects) error
}

// AuthorizeRequest is what authd sends a provider's authorization endpoint:
// its own state, the OIDC nonce and the PKCE verifier (its S256 challenge is
// sent; the verifier stays with authd).
type AuthorizeRequest struct {
	State    string
	Nonce    string
	Verifier string
}

// Providers are the configured external identity providers (OpenID Connect or
// GitHub's OAuth 2.0), by name.
type Providers interface {
	// Has reports whether a provider of that name is configured.
	Has(name string) bool
	// AuthorizeURL returns the provider's authorization URL for r. Returns
	// not_found for an unknown name, provider_error while the provider's
	// discovery has not succeeded yet.
	AuthorizeURL(ctx context.Context, name string, r AuthorizeRequest) (string, error)
	// Exchange redeems code with the verifier and returns the identity the
	// provider vouches for: for OIDC the verified ID token's subject and e-mail
	// (issuer, audience, expiry and nonce checked), for GitHub the user and its
	// verified primary e-mail. Returns provider_error for anything the provider
	// refused, failed or answered invalidly.
	Exchange(ctx context.Context, name, code string, r AuthorizeRequest) (*domain.ExternalIdentity, error)
}
