package app

import (
	"context"

	"github.com/authd/authd/domain"
)

// Authenticate verifies an access token and checks that its session is still live,
// so that a logout takes effect at once on this service's own endpoints, and takes
// the caller's role from the account so that a role change does too. Returns
// token_missing, token_invalid, token_expired, token_revoked, account_disabled.
func (a *App) Authenticate(ctx context.Context, accessToken string) (*Principal, error) {
	if accessToken == "" {
		return nil, domain.Errorf(domain.CodeTokenMissing, "An access token is required.")
	}
	claims, err := a.AccessTokens.Verify(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	s, err := a.Sessions.ByID(ctx, claims.SessionID)
	if domain.IsCode(err, domain.CodeNotFound) {
		return nil, domain.Errorf(domain.CodeTokenRevoked, "The session has ended.")
	}
	if err != nil {
		return nil, err
	}
	if s.UserID != claims.Subject {
		return nil, domain.Errorf(domain.CodeTokenInvalid, "The access token is not valid.")
	}
	if err := a.checkSession(s); err != nil {
		return nil, err
	}
	// The role comes from the account, not the token: a demoted admin's token still
	// says admin until it expires, but on this service the change counts at once.
	u, err := a.sessionUser(ctx, s)
	if err != nil {
		return nil, err
	}
	return &Principal{
		UserID: claims.Subject, SessionID: claims.SessionID, Role: u.Role,
		Fresh: claims.Fresh, AAL: s.AAL, AMR: s.AMR, account: u,
	}, nil
}

// caller returns a copy of the caller's account: the one Authenticate read for
// this request, or — for a Principal built elsewhere — a fresh read. Returns
// not_found.
func (a *App) caller(ctx context.Context, p Principal) (*domain.User, error) {
	if p.account != nil {
		u := *p.account
		return &u, nil
	}
	return a.Users.ByID(ctx, p.UserID)
}

// Logout ends the caller's session, every other session of the caller, or all of
// them. Returns validation_failed for an unknown scope.
func (a *App) Logout(ctx context.Context, p Principal, scope domain.LogoutScope) error {
	if scope == "" {
		scope = domain.LogoutSession
	}
	if !scope.Valid() {
		return domain.Invalid(domain.FieldError{Field: "scope", Code: "invalid",
			Message: "Scope must be one of session, others, all."})
	}
	now := a.Clock.Now()
	reason := map[domain.LogoutScope]string{
		domain.LogoutSession: "logout", domain.LogoutOthers: "logout_others", domain.LogoutAll: "logout_all",
	}[scope]
	fx, err := a.record(by(p), domain.EventSessionRevoked, p.UserID, map[string]any{"reason": reason})
	if err != nil {
		return err
	}
	switch scope {
	case domain.LogoutOthers:
		_, err = a.Sessions.RevokeAll(ctx, p.UserID, p.SessionID, now, fx)
	case domain.LogoutAll:
		_, err = a.Sessions.RevokeAll(ctx, p.UserID, "", now, fx)
	default:
		err = a.Sessions.Revoke(ctx, p.SessionID, now, fx)
		if domain.IsCode(err, domain.CodeNotFound) {
			return nil
		}
	}
	if err != nil {
		return err
	}
	a.effectsDelivered(ctx, fx)
	return nil
}

// Me returns the caller's account. Returns not_found if it was deleted meanwhile.
func (a *App) Me(ctx context.Context, p Principal) (*domain.User, error) {
	return a.caller(ctx, p)
}
