package app

import (
	"context"

	"github.com/authd/authd/domain"
)

// SessionView is one of the caller's live sessions ("your devices"): where and
// when it was opened and last used, how, and whether it is the caller's own.
type SessionView struct {
	Session domain.Session
	AAL     string
	AMR     []string
	Current bool
}

// MySessions returns the caller's live sessions, newest first. LastUsed is the
// time of the last refresh (the creation time if it never refreshed).
func (a *App) MySessions(ctx context.Context, p Principal) ([]SessionView, error) {
	sessions, err := a.Sessions.Live(ctx, p.UserID, a.Clock.Now())
	if err != nil {
		return nil, err
	}
	out := make([]SessionView, len(sessions))
	for i, s := range sessions {
		aal, amr := s.Assurance()
		out[i] = SessionView{Session: s, AAL: aal, AMR: amr, Current: s.ID == p.SessionID}
	}
	return out, nil
}

// RevokeMySession ends one of the caller's live sessions (the current one
// included, which is a logout), with its session.revoked event. A session of
// another account, an ended one or an unknown id is not_found alike, so the
// answer tells nothing about other accounts' sessions. Returns not_found.
func (a *App) RevokeMySession(ctx context.Context, p Principal, id string) error {
	notFound := domain.Errorf(domain.CodeNotFound, "You have no live session with this id.")
	if !domain.IsID(id) {
		return notFound
	}
	s, err := a.Sessions.ByID(ctx, id)
	if domain.IsCode(err, domain.CodeNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	if s.UserID != p.UserID || a.checkSession(s) != nil {
		return notFound
	}
	o := by(p)
	o.SessionID = s.ID
	fx, err := a.record(o, domain.EventSessionRevoked, p.UserID, map[string]any{"reason": "revoked_by_user"})
	if err != nil {
		return err
	}
	if err := a.Sessions.Revoke(ctx, s.ID, a.Clock.Now(), fx); err != nil {
		if domain.IsCode(err, domain.CodeNotFound) {
			return notFound
		}
		return err
	}
	a.effectsDelivered(ctx, fx)
	return nil
}
