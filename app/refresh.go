package app

import (
	"context"

	"github.com/authd/authd/domain"
)

// Refresh exchanges a refresh token for a new pair, rotating the session's counter
// with one compare-and-swap (ARCHITECTURE.md §4):
//   - the current token rotates: exactly one of N concurrent refreshes wins, and the
//     losers of that compare-and-swap get the winner's new token, whatever the grace
//     and whatever the clock skew between instances;
//   - a token one step behind within RefreshReuseGrace of the rotation is a client
//     race and gets the current token again, nobody is signed out;
//   - any other stale token is reuse: the session is revoked and the answer is
//     refresh_token_reused.
//
// Also returns token_missing, token_invalid, token_expired, token_revoked,
// account_disabled and account_not_active.
func (a *App) Refresh(ctx context.Context, token string, c Client) (*TokenPair, error) {
	if token == "" {
		return nil, domain.Errorf(domain.CodeTokenMissing, "A refresh token is required.")
	}
	rt, err := a.RefreshTokens.Decode(token)
	if err != nil {
		return nil, err
	}
	s, err := a.Sessions.ByID(ctx, rt.SessionID)
	if domain.IsCode(err, domain.CodeNotFound) {
		return nil, domain.Errorf(domain.CodeTokenRevoked, "The session has ended.")
	}
	if err != nil {
		return nil, err
	}
	// The account is judged before the session, so a disabled account hears
	// account_disabled even though disabling it also revoked its sessions.
	u, err := a.sessionUser(ctx, s)
	if err != nil {
		return nil, err
	}
	if err := a.checkSession(s); err != nil {
		return nil, err
	}

	if rt.Counter == s.Counter {
		err := a.Sessions.Rotate(ctx, s.ID, rt.Counter, a.Clock.Now())
		switch {
		case err == nil:
			s.Counter++
			return a.pair(ctx, u, s, false)
		case !domain.IsCode(err, domain.CodeConflict):
			return nil, err
		}
		// Another request rotated first (or revoked the session): reload and judge
		// this token as one step behind.
		if s, err = a.Sessions.ByID(ctx, rt.SessionID); err != nil {
			if domain.IsCode(err, domain.CodeNotFound) {
				return nil, domain.Errorf(domain.CodeTokenRevoked, "The session has ended.")
			}
			return nil, err
		}
		if err := a.checkSession(s); err != nil {
			return nil, err
		}
		// This request presented the current token and lost the swap to one that
		// rotated it a moment ago: a race between the client's own requests, not a
		// replay. It gets the winner's pair whatever the grace, and however far the
		// winner's clock (RotatedAt) is from this instance's.
		if rt.Counter+1 == s.Counter {
			return a.replay(ctx, u, s)
		}
	}

	if rt.Counter+1 == s.Counter && a.Clock.Now().Sub(s.RotatedAt) <= a.cfg.RefreshReuseGrace {
		return a.replay(ctx, u, s)
	}
	if rt.Counter > s.Counter {
		// A counter the server never issued cannot come from a valid MAC unless the
		// store lost a rotation; treat it as invalid rather than revoking.
		return nil, domain.Errorf(domain.CodeTokenInvalid, "The refresh token is not valid.")
	}
	o := origin{Client: c, SessionID: s.ID}
	fx, err := a.record(o, domain.EventRefreshReused, s.UserID,
		map[string]any{"presented": rt.Counter, "current": s.Counter})
	if err != nil {
		return nil, err
	}
	revoked, err := a.record(o, domain.EventSessionRevoked, s.UserID, map[string]any{"reason": "refresh_reused"})
	if err != nil {
		return nil, err
	}
	fx = fx.Plus(revoked)
	if err := a.Sessions.Revoke(ctx, s.ID, a.Clock.Now(), fx); err != nil && !domain.IsCode(err, domain.CodeNotFound) {
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	a.Logger.WarnContext(ctx, "refresh token reuse detected; session revoked",
		"session_id", s.ID, "user_id", s.UserID, "presented", rt.Counter, "current", s.Counter)
	return nil, domain.Errorf(domain.CodeRefreshTokenReused,
		"This refresh token was already used; the session has been revoked.")
}

// checkSession refuses revoked and expired sessions.
func (a *App) checkSession(s *domain.Session) error {
	if s.RevokedAt != nil {
		return domain.Errorf(domain.CodeTokenRevoked, "The session has been revoked.")
	}
	if !a.Clock.Now().Before(s.ExpiresAt) {
		return domain.Errorf(domain.CodeTokenExpired, "The session has expired.")
	}
	return nil
}

// sessionUser loads the session's user and refuses accounts that may not hold a
// session any more (deleted, disabled, or pending when activation is required).
func (a *App) sessionUser(ctx context.Context, s *domain.Session) (*domain.User, error) {
	u, err := a.Users.ByID(ctx, s.UserID)
	if domain.IsCode(err, domain.CodeNotFound) {
		return nil, domain.Errorf(domain.CodeTokenRevoked, "The account no longer exists.")
	}
	if err != nil {
		return nil, err
	}
	if err := u.CanLogIn(a.cfg.RequireActivation); err != nil {
		return nil, err
	}
	return u, nil
}

// replay re-sends the session's current pair to a refresh that did not rotate it.
func (a *App) replay(ctx context.Context, u *domain.User, s *domain.Session) (*TokenPair, error) {
	p, err := a.pair(ctx, u, s, false)
	if p != nil {
		p.Replayed = true
	}
	return p, err
}
