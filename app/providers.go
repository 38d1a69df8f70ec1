package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Sign-in through external identity providers (ARCHITECTURE.md §10). The app
// sends the browser to ProviderAuthorize with its PKCE challenge; authd keeps a
// flow (its own state, nonce and PKCE verifier for the provider) and sends the
// browser on; ProviderCallback spends the flow, redeems the provider's code and
// sends the browser back to the app with an authd authorization code, which
// POST /v1/auth/token exchanges with the app's verifier.

// ProviderAuthorizeInput is the app's authorize request.
type ProviderAuthorizeInput struct {
	Provider            string
	RedirectURI         string
	CodeChallenge       string
	CodeChallengeMethod string
	State               string
}

// ProviderCallbackInput is the provider's answer at authd's callback.
type ProviderCallbackInput struct {
	Provider string
	State    string
	Code     string
	// Error is the provider's `error` parameter (the user refused, say).
	Error string
	// PreferredLocales give the locale of an account the sign-in creates.
	PreferredLocales []string
	Client           Client
}

// flowSecret is the sealed part of a flow: what authd alone must know.
type flowSecret struct {
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
}

// providersOn answers not_found for a provider that is not configured.
func (a *App) providersOn(name string) error {
	if a.Providers == nil || a.Identities == nil || !a.Providers.Has(name) {
		return domain.Errorf(domain.CodeNotFound, "No identity provider of that name is configured.")
	}
	return nil
}

// ProviderAuthorize starts a login through the provider and returns where to
// send the browser. A redirect_uri that is not allow-listed is refused without
// redirecting (validation_failed); once it is known good, any other mistake in
// the request is sent back to it (RFC 6749 §4.1.2.1) — the second result is
// then true and the URL carries `error`. Returns not_found, validation_failed,
// provider_error (the provider's discovery has not succeeded yet).
func (a *App) ProviderAuthorize(ctx context.Context, in ProviderAuthorizeInput) (string, bool, error) {
	if err := a.checkFlowRequest(in); err != nil {
		if !domain.IsCode(err, domain.CodeValidationFailed) || a.checkRedirect(in.RedirectURI) != nil {
			return "", false, err
		}
		state := in.State
		if !validState(state) {
			state = "" // not echoed: it is what was wrong
		}
		return backWithError(in.RedirectURI, state, "invalid_request", fieldMessages(err)), true, nil
	}
	to, err := a.startFlow(ctx, in, "")
	return to, false, err
}

// LinkProviderStart starts a flow that links the provider's identity to the
// caller's account instead of logging in, and returns the URL for the
// browser. It needs a fresh token (aal2 with MFA on), like factor management:
// a linked identity is a way into the account. Returns not_found,
// validation_failed (nothing is redirected here: the caller is the app),
// fresh_token_required, aal2_required, provider_error.
func (a *App) LinkProviderStart(ctx context.Context, p Principal, in ProviderAuthorizeInput) (string, error) {
	if err := a.checkFlowRequest(in); err != nil {
		return "", err
	}
	u, err := a.caller(ctx, p)
	if err != nil {
		return "", err
	}
	if err := requireFactorManagement(p, u); err != nil {
		return "", err
	}
	return a.startFlow(ctx, in, u.ID)
}

// checkFlowRequest checks an authorize or link request: a configured provider
// (not_found) and the app's redirect (checkAppRedirect).
func (a *App) checkFlowRequest(in ProviderAuthorizeInput) error {
	if err := a.providersOn(in.Provider); err != nil {
		return err
	}
	return a.checkAppRedirect(in.RedirectURI, in.CodeChallenge, in.CodeChallengeMethod, in.State)
}

// fieldMessages joins the field messages of a validation error, for an
// error_description.
func fieldMessages(err error) string {
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return domain.ErrorMessage(err)
	}
	msgs := make([]string, len(de.Fields))
	for i, f := range de.Fields {
		msgs[i] = f.Message
	}
	return strings.Join(msgs, " ")
}

// startFlow stores a flow for a checked request and returns the provider's
// authorization URL.
func (a *App) startFlow(ctx context.Context, in ProviderAuthorizeInput, linkUserID string) (string, error) {
	state, err := a.randomString(32)
	if err != nil {
		return "", err
	}
	secret := flowSecret{}
	if secret.Nonce, err = a.randomString(32); err != nil {
		return "", err
	}
	if secret.Verifier, err = a.randomString(32); err != nil {
		return "", err
	}
	hash := HashToken(state)
	clear, err := json.Marshal(secret)
	if err != nil {
		return "", err
	}
	sealed, err := a.Sealer.Seal(clear, domain.ProviderFlowAAD(hash))
	if err != nil {
		return "", err
	}
	now := a.Clock.Now()
	f := &domain.ProviderFlow{Hash: hash, Provider: in.Provider, Secret: sealed, CodeChallenge: in.CodeChallenge,
		RedirectURI: in.RedirectURI, AppState: in.State, LinkUserID: linkUserID,
		CreatedAt: now, ExpiresAt: now.Add(domain.ProviderFlowTTL)}
	to, err := a.Providers.AuthorizeURL(ctx, in.Provider, ports.AuthorizeRequest{State: state, Nonce: secret.Nonce, Verifier: secret.Verifier})
	if err != nil {
		return "", err
	}
	if err := a.Identities.PutFlow(ctx, f); err != nil {
		return "", err
	}
	return to, nil
}

// backWithError is redirectURI with an RFC 6749 §4.1.2.1 error (and the app's
// state, when there is one).
func backWithError(redirectURI, state, code, description string) string {
	return withQuery(redirectURI, map[string]string{"error": code, "error_description": description, "state": state})
}

// ProviderCallback ends a flow: it spends the flow named by state (single
// use), redeems the provider's code with the flow's verifier and checks what
// the provider vouches for, then finds, links or creates the account and
// returns the app's redirect_uri with an authd authorization code and the
// app's state — or, for a link flow, with `linked`. A state that names no live
// flow is answered here (token_invalid, token_expired), never redirected:
// nothing says where the browser came from. Every later failure goes back to
// the flow's redirect_uri as `error`: provider_error, account_exists (the
// e-mail belongs to an account that was not linked), email_not_verified (no
// account is made for an address the provider has not verified),
// identity_taken, account_disabled, access_denied (the user refused at the
// provider), server_error or temporarily_unavailable.
func (a *App) ProviderCallback(ctx context.Context, in ProviderCallbackInput) (string, error) {
	if err := a.providersOn(in.Provider); err != nil {
		return "", err
	}
	if in.State == "" {
		return "", domain.Errorf(domain.CodeTokenInvalid, "The sign-in through the provider is not valid; start again.")
	}
	f, err := a.Identities.ConsumeFlow(ctx, HashToken(in.State), a.Clock.Now())
	if err != nil {
		return "", err
	}
	if f.Provider != in.Provider {
		return "", domain.Errorf(domain.CodeTokenInvalid, "The sign-in through the provider is not valid; start again.")
	}
	if err := a.checkRedirect(f.RedirectURI); err != nil {
		return "", err // the allow-list changed since the flow began
	}
	back := func(code, description string) string {
		return backWithError(f.RedirectURI, f.AppState, code, description)
	}
	switch {
	case in.Error == "access_denied":
		return back("access_denied", "The sign-in was refused at the identity provider."), nil
	case in.Error != "" || in.Code == "":
		return back(string(domain.CodeProviderError), "The identity provider did not complete the sign-in."), nil
	}
	var secret flowSecret
	clear, err := a.Sealer.Open(f.Secret, domain.ProviderFlowAAD(f.Hash))
	if err == nil {
		err = json.Unmarshal(clear, &secret)
	}
	if err != nil {
		return "", err
	}
	ext, err := a.Providers.Exchange(ctx, f.Provider, in.Code, ports.AuthorizeRequest{State: in.State, Nonce: secret.Nonce, Verifier: secret.Verifier})
	if err != nil {
		a.Logger.Warn("identity provider exchange failed", "provider", f.Provider, "error", err.Error())
		return back(string(domain.CodeProviderError), "The identity provider's answer could not be used; try again."), nil
	}
	ext.Provider = f.Provider
	if f.LinkUserID != "" {
		if err := a.linkByFlow(ctx, f, ext, in.Client); err != nil {
			return a.callbackError(back, err)
		}
		return withQuery(f.RedirectURI, map[string]string{"linked": f.Provider, "state": f.AppState}), nil
	}
	u, err := a.accountByIdentity(ctx, ext, in)
	if err != nil {
		return a.callbackError(back, err)
	}
	to, err := a.issueAuthCode(ctx, u.ID, domain.AMRFederated, f.RedirectURI, f.CodeChallenge, f.AppState)
	if err != nil {
		return a.callbackError(back, err)
	}
	return to, nil
}

// callbackError sends a failure after the flow was spent back to the app.
func (a *App) callbackError(back func(code, description string) string, err error) (string, error) {
	code := domain.ErrorCode(err)
	switch code {
	case codeAccountExists, codeEmailNotVerified, codeIdentityTaken, domain.CodeAccountDisabled, domain.CodeAccountNotActive, domain.CodeProviderError:
		return back(string(code), domain.ErrorMessage(err)), nil
	case domain.CodeUnavailable:
		return back("temporarily_unavailable", "The service is busy; try again."), nil
	}
	a.Logger.Error("provider callback failed", "error", err.Error())
	return back("server_error", "The sign-in could not be completed."), nil
}

// The errors a callback sends back to the app, which are no API error codes:
// they reach the app only as the `error` of a redirect.
const (
	codeAccountExists    domain.Code = "account_exists"
	codeEmailNotVerified domain.Code = "email_not_verified"
	codeIdentityTaken    domain.Code = "identity_taken"
)

// accountByIdentity is the account the identity logs in: the linked one;
// else, for an address no account has, a new active account without a
// password; else, with _AUTO_LINK on and the address verified by the
// provider, the account with the address, linked now. Never an account found
// by its e-mail alone.
func (a *App) accountByIdentity(ctx context.Context, ext *domain.ExternalIdentity, in ProviderCallbackInput) (*domain.User, error) {
	id, err := a.Identities.ByIdentity(ctx, ext.Provider, ext.Subject)
	if err == nil {
		u, err := a.Users.ByID(ctx, id.UserID)
		if err != nil {
			return nil, err
		}
		if err := u.CanLogIn(a.cfg.RequireActivation); err != nil {
			return nil, err
		}
		if err := a.Identities.Use(ctx, ext.Provider, ext.Subject, a.Clock.Now()); err != nil {
			return nil, err
		}
		return u, nil
	}
	if !domain.IsCode(err, domain.CodeNotFound) {
		return nil, err
	}
	email, fe := a.email("email", ext.Email)
	if fe != nil || !ext.EmailVerified {
		return nil, domain.Errorf(codeEmailNotVerified,
			"The identity provider has no verified e-mail address for this account.")
	}
	u, err := a.Users.ByEmail(ctx, email)
	switch {
	case domain.IsCode(err, domain.CodeNotFound):
		u, err = a.signUpByIdentity(ctx, ext, email, in)
		if domain.IsCode(err, domain.CodeEmailTaken) {
			return nil, errAccountExists()
		}
		return u, err
	case err != nil:
		return nil, err
	}
	// Auto-link only an active account: a pending one was made by someone who
	// has not proven the address, and linking would hand that someone's
	// password an account the provider's user now uses.
	if !a.cfg.ProviderAutoLink[ext.Provider] || u.Status != domain.StatusActive {
		return nil, errAccountExists()
	}
	fx, err := a.record(origin{Client: in.Client, ActorID: u.ID}, domain.EventIdentityLinked, u.ID,
		map[string]any{"provider": ext.Provider, "auto": true})
	if err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	if err := a.Identities.Link(ctx, &domain.Identity{Provider: ext.Provider, Subject: ext.Subject, UserID: u.ID,
		Email: email, CreatedAt: now, LastUsedAt: &now}, fx); err != nil {
		if domain.IsCode(err, domain.CodeConflict) {
			return nil, errAccountExists() // the account holds another identity of the provider
		}
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	return u, nil
}

func errAccountExists() error {
	return domain.Errorf(codeAccountExists,
		"An account with this e-mail address exists; log in to it and link the provider from there.")
}

// signUpByIdentity creates the active, passwordless account of a verified
// external identity, with the identity, in one store step.
func (a *App) signUpByIdentity(ctx context.Context, ext *domain.ExternalIdentity, email string, in ProviderCallbackInput) (*domain.User, error) {
	id, err := a.newID()
	if err != nil {
		return nil, err
	}
	locale, _ := a.signUpLocale(SignUpInput{PreferredLocales: in.PreferredLocales})
	name := ext.Name
	if domain.ValidateName("name", name) != nil {
		name = "" // a name the profile would refuse is left out, not the account
	}
	now := a.Clock.Now()
	u := &domain.User{ID: id, Email: email, Name: name, Locale: locale, Role: domain.RoleUser,
		Status: domain.StatusActive, CreatedAt: now, UpdatedAt: now, ActivatedAt: &now}
	o := origin{Client: in.Client, ActorID: u.ID}
	created, err := a.record(o, domain.EventUserCreated, u.ID,
		map[string]any{"role": string(u.Role), "status": string(u.Status)})
	if err != nil {
		return nil, err
	}
	linked, err := a.record(o, domain.EventIdentityLinked, u.ID, map[string]any{"provider": ext.Provider})
	if err != nil {
		return nil, err
	}
	fx := created.Plus(linked)
	if err := a.Identities.CreateUser(ctx, u, &domain.Identity{Provider: ext.Provider, Subject: ext.Subject,
		UserID: u.ID, Email: email, CreatedAt: now, LastUsedAt: &now}, fx); err != nil {
		if domain.IsCode(err, domain.CodeConflict) {
			return nil, domain.Wrap(domain.CodeUnavailable, err, "The sign-in raced another; try again.")
		}
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	return u, nil
}

// linkByFlow adds the identity to the account that started the link flow.
func (a *App) linkByFlow(ctx context.Context, f *domain.ProviderFlow, ext *domain.ExternalIdentity, c Client) error {
	id, err := a.Identities.ByIdentity(ctx, ext.Provider, ext.Subject)
	switch {
	case err == nil && id.UserID == f.LinkUserID:
		return nil // linked already: nothing to do
	case err == nil:
		return errIdentityTaken()
	case !domain.IsCode(err, domain.CodeNotFound):
		return err
	}
	email, fe := a.email("email", ext.Email)
	if fe != nil {
		email = "" // kept for the owner's review only: a malformed one is left out
	}
	fx, err := a.record(origin{Client: c, ActorID: f.LinkUserID}, domain.EventIdentityLinked, f.LinkUserID,
		map[string]any{"provider": ext.Provider})
	if err != nil {
		return err
	}
	err = a.Identities.Link(ctx, &domain.Identity{Provider: ext.Provider, Subject: ext.Subject, UserID: f.LinkUserID,
		Email: email, CreatedAt: a.Clock.Now()}, fx)
	if domain.IsCode(err, domain.CodeConflict) {
		return errIdentityTaken()
	}
	if err != nil {
		return err
	}
	a.effectsDelivered(ctx, fx)
	return nil
}

func errIdentityTaken() error {
	return domain.Errorf(codeIdentityTaken,
		"This identity is linked to another account, or this account has one of this provider already.")
}

// ProviderNames lists the configured identity providers, for a login page's
// buttons; none when there are none.
func (a *App) ProviderNames() []string {
	if a.Providers == nil || a.Identities == nil {
		return []string{}
	}
	return a.Providers.Names()
}

// ListIdentities returns the caller's linked identities, oldest first.
func (a *App) ListIdentities(ctx context.Context, p Principal) ([]domain.Identity, error) {
	if a.Identities == nil {
		return []domain.Identity{}, nil
	}
	return a.Identities.Identities(ctx, p.UserID)
}

// UnlinkIdentity removes the caller's identity of provider. It needs a fresh
// token (aal2 with MFA on), and refuses with last_login_method when the
// identity is the account's only way in: no password, no other identity, no
// passkey, and sign-in by mail off. A password reset by mail is not counted:
// it is recovery, not a login method. Returns fresh_token_required,
// aal2_required, not_found, last_login_method.
func (a *App) UnlinkIdentity(ctx context.Context, p Principal, provider string) error {
	if a.Identities == nil {
		return domain.Errorf(domain.CodeNotFound, "The identity is not linked.")
	}
	u, err := a.caller(ctx, p)
	if err != nil {
		return err
	}
	if err := requireFactorManagement(p, u); err != nil {
		return err
	}
	fx, err := a.record(by(p), domain.EventIdentityUnlinked, u.ID, map[string]any{"provider": provider})
	if err != nil {
		return err
	}
	// The store counts the other ways in within the unlink's own atomic step;
	// sign-in by mail is one for every account while it is on.
	if err := a.Identities.Unlink(ctx, u.ID, provider, !a.cfg.Passwordless, fx); err != nil {
		return err
	}
	a.effectsDelivered(ctx, fx)
	return nil
}
