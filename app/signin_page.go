package app

import (
	"context"

	"github.com/authd/authd/domain"
)

// The sign-in page (PUBLIC_URL/sign-in?token=…, ARCHITECTURE.md §11) is where a
// sign-in mail's link lands when authd serves it. The page cannot hand a
// session to the app — tokens minted on authd's origin would stay there — so a
// link that can be used there is one whose request named the app's redirect:
// the page posts the token back, the pair is spent, and the browser goes to the
// app's redirect_uri with an authorization code, which the app redeems with its
// PKCE verifier (authcode.go). Opening the page spends nothing (a mail
// scanner's GET signs nobody in); the button's POST does.

// SignInLink says what the page can do with a link token: nil when the link
// is live and ends at an app; not_found (feature off), token_invalid or
// token_expired; or validation_failed on field redirect_uri when the request
// named no redirect, or one that is no longer allowed — then only the code in
// the same mail, typed into the app, signs in.
func (a *App) SignInLink(ctx context.Context, token string) error {
	_, err := a.signInLink(ctx, token)
	return err
}

func (a *App) signInLink(ctx context.Context, token string) (*domain.SignInCode, error) {
	if err := a.passwordlessOn(); err != nil {
		return nil, err
	}
	if token == "" {
		return nil, domain.Errorf(domain.CodeTokenInvalid, "The sign-in link is not valid; ask for a new one.")
	}
	c, err := a.Tokens.SignInByLink(ctx, HashToken(token), a.Clock.Now())
	if err != nil {
		return nil, err
	}
	if c.Redirect.URI == "" {
		return nil, validate(&domain.FieldError{Field: "redirect_uri", Code: "required",
			Message: "This link can only be used in the app that asked for it: type the code from the same mail there."})
	}
	if err := a.checkRedirect(c.Redirect.URI); err != nil {
		return nil, err
	}
	return c, nil
}

// RedeemSignInLink spends the link's pair, as VerifySignIn does, and returns
// where to send the browser: the app's redirect_uri with an authorization code
// of method email — or, once the redirect is known, with the error
// (RFC 6749 §4.1.2.1). An error return (no redirect possible) is one of
// SignInLink's.
func (a *App) RedeemSignInLink(ctx context.Context, token string, client Client) (string, error) {
	c, err := a.signInLink(ctx, token)
	if err != nil {
		return "", err
	}
	r := c.Redirect
	c, err = a.Tokens.ConsumeSignIn(ctx, c.Email, c.LinkHash, a.Clock.Now())
	if err != nil {
		return a.RedirectError(r.URI, r.State, err), nil
	}
	u, _, err := a.signInReady(ctx, c, SignInVerifyInput{Token: token, Client: client})
	if err != nil {
		return a.RedirectError(r.URI, r.State, err), nil
	}
	to, err := a.issueAuthCode(ctx, u.ID, domain.AMREmail, r.URI, r.CodeChallenge, r.State)
	if err != nil {
		return a.RedirectError(r.URI, r.State, err), nil
	}
	return to, nil
}
