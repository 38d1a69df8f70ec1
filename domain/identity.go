package domain

import "time"

// Identity links an account to a subject at an external identity provider
// (ARCHITECTURE.md §10). The pair (Provider, Subject) is unique across accounts,
// and an account holds at most one identity per provider. Email is what the
// provider said when the identity was linked, for the owner's review only: an
// account is found by its identity, never by this address.
type Identity struct {
	Provider   string
	Subject    string
	UserID     string
	Email      string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// ExternalIdentity is what a provider vouched for after a verified code
// exchange: its subject, and the e-mail address with whether the provider has
// verified it.
type ExternalIdentity struct {
	Provider      string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// ProviderFlow is one authorize → callback round trip through a provider, stored
// by the SHA-256 of the state authd sends the provider (Hash). Secret holds the
// nonce and the PKCE verifier authd uses with the provider, sealed (ports.Sealer)
// under the flow's hash. CodeChallenge, RedirectURI and AppState are the app's,
// echoed into the authorization code and the final redirect. LinkUserID is the
// account a link flow adds the identity to, "" for a login. Single use, expires
// after ProviderFlowTTL.
type ProviderFlow struct {
	Hash          string
	Provider      string
	Secret        []byte
	CodeChallenge string
	RedirectURI   string
	AppState      string
	LinkUserID    string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// ProviderFlowTTL is how long a user may take at the provider.
const ProviderFlowTTL = 10 * time.Minute

// ProviderFlowAAD binds a flow's sealed secret to the flow.
func ProviderFlowAAD(hash string) []byte { return []byte("provider_flow:" + hash + ":secret") }
