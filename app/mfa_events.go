package app

import "github.com/authd/authd/domain"

// mfaEffects builds the Effects of one MFA event about userID through record, so
// that it gets its webhook like every other event; actor and session are "" when
// there is none (an anonymous login step).
func (a *App) mfaEffects(t domain.EventType, userID, actorID, sessionID string, c Client, data map[string]any) (domain.Effects, error) {
	return a.record(origin{Client: c, ActorID: actorID, SessionID: sessionID}, t, userID, data)
}
