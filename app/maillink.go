package app

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
)

// linkMail describes one "mail me a link" use case: which accounts get a mail, the
// token it carries and how it is sent.
type linkMail struct {
	kind   string // for logs: activation, password_reset
	token  domain.TokenKind
	ttl    time.Duration
	wanted func(*domain.User) bool
	send   func(ctx context.Context, u domain.User, token string) error
}

// mailLink serves forgot and resend. The request checks the address's form only —
// a malformed one is validation_failed at once, which says nothing about accounts
// — and hands everything that depends on whether the address has an account (the
// lookup, storing the token, the mail) to the background as one job. Storing a
// token costs a write that an unknown address does not, and done inside the request
// it told the two apart by timing; now both answer after the same work. Whatever
// fails in the job is logged (with the user id, never the address or a token) and
// never reaches the caller, who is told 202 either way.
func (a *App) mailLink(ctx context.Context, email string, m linkMail) error {
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
		clear, err := a.storeToken(ctx, m.token, u.ID, m.ttl)
		if err != nil {
			a.Logger.ErrorContext(ctx, "storing the token of a mail link failed", "kind", m.kind, "user_id", u.ID, "err", err)
			return
		}
		// Already in the background: deliver here rather than queue a second job,
		// which could wait forever for room that only this worker would make.
		a.deliver(ctx, m.kind, u.ID, func(ctx context.Context) error { return m.send(ctx, *u, clear) })
	})
}
