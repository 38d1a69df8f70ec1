package app

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
)

// linkMail describes one "mail me a link" use case: which accounts get a mail, the
// token it carries and the event that records it.
type linkMail struct {
	kind   string // the mail kind: domain.MailActivation, domain.MailPasswordReset
	token  domain.TokenKind
	ttl    time.Duration
	event  domain.EventType
	wanted func(*domain.User) bool
}

// mailLink serves forgot and resend. The request checks the address's form only —
// a malformed one is validation_failed at once, which says nothing about accounts
// — and hands everything that depends on whether the address has an account (the
// lookup, storing the token with its mail in the outbox) to the background as one
// job. Storing a token costs a write that an unknown address does not, and done
// inside the request it told the two apart by timing; now both answer after the
// same work. Whatever fails in the job is logged (with the user id, never the
// address or a token) and never reaches the caller, who is told 202 either way.
// The mail itself is durable from the moment the job has stored it (the outbox);
// the job before that is in memory, which is why a graceful shutdown drains it.
func (a *App) mailLink(ctx context.Context, email string, c Client, m linkMail) error {
	normalised, fe := a.email("email", email)
	if err := validate(fe); err != nil {
		return err
	}
	return a.background(ctx, func(ctx context.Context) {
		u, err := a.userByEmail(ctx, normalised, email)
		if domain.IsCode(err, domain.CodeNotFound) {
			return
		}
		if err != nil {
			a.Logger.ErrorContext(ctx, "looking up the account of a mail link failed", "kind", m.kind, "err", err)
			return
		}
		if !m.wanted(u) {
			return
		}
		fx, err := a.record(anonymous(c), m.event, u.ID, nil)
		if err == nil {
			err = a.mailToken(ctx, m.token, m.kind, u, m.ttl, fx)
		}
		if err != nil {
			a.Logger.ErrorContext(ctx, "storing the token of a mail link failed", "kind", m.kind, "user_id", u.ID, "err", err)
		}
	})
}
