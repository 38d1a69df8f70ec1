package app

import "github.com/authd/authd/domain"

// mfaEffects builds the Effects of one MFA event about userID. It is the MFA
// flows' own small helper until the common event builder of app/events.go
// (ARCHITECTURE.md §12) takes its place; actor and session are "" when there is
// none (an anonymous login step).
func (a *App) mfaEffects(t domain.EventType, userID, actorID, sessionID string, c Client, data map[string]any) (domain.Effects, error) {
	id, err := a.newID()
	if err != nil {
		return domain.Effects{}, err
	}
	return domain.Effects{Events: []domain.Event{{
		ID: id, Type: t, UserID: userID, ActorID: actorID, SessionID: sessionID,
		IP: c.IP, UserAgent: c.UserAgent, At: a.Clock.Now(), Data: data,
	}}}, nil
}
