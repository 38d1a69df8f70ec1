package app

import (
	"context"
	"encoding/json"
	"fmt"
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

// linkMails are the link requests by their outbox kind.
var linkMails = map[string]linkMail{
	domain.LinkRequestPasswordReset: {
		kind: domain.MailPasswordReset, token: domain.TokenPasswordReset, ttl: domain.PasswordResetTokenTTL,
		event:  domain.EventPasswordResetRequested,
		wanted: func(u *domain.User) bool { return u.Status != domain.StatusDisabled },
	},
	domain.LinkRequestActivation: {
		kind: domain.MailActivation, token: domain.TokenActivation, ttl: domain.ActivationTokenTTL,
		event:  domain.EventActivationRequested,
		wanted: func(u *domain.User) bool { return u.Status == domain.StatusPending },
	},
}

// linkRequest is the payload of a link request row.
type linkRequest struct {
	Email     string `json:"email"` // normalised
	Given     string `json:"given"` // as typed, for the lookup's fallback
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
}

// mailLink serves forgot and resend. The request checks the address's form only —
// a malformed one is validation_failed at once, which says nothing about accounts
// — and stores the request itself as one outbox row: the same one write whether
// or not the address has an account, so the answer takes as long either way, and
// from the 202 on the request is durable — a crash loses nothing the caller was
// told was accepted. The dispatcher then does what depends on the account
// (serveLinkRequest).
func (a *App) mailLink(ctx context.Context, email string, c Client, requestKind string) error {
	normalised, fe := a.email("email", email)
	if err := validate(fe); err != nil {
		return err
	}
	d, err := a.mailDelivery(requestKind, "", "")
	if err != nil {
		return err
	}
	if d.Payload, err = json.Marshal(linkRequest{Email: normalised, Given: email, IP: c.IP, UserAgent: truncate(c.UserAgent, 256)}); err != nil {
		return err
	}
	if err := a.Events.Append(ctx, domain.Effects{Deliveries: []domain.Delivery{d}}); err != nil {
		return err
	}
	a.delivered(ctx)
	return nil
}

// serveLinkRequest is the dispatcher's half of forgot and resend: look the
// address up and, for an account the link is for, store the token with its mail
// and event (another outbox row, sent next). An unknown address, or an account
// the link is not for, completes the request with nothing sent. A store failure
// is returned, so the request is retried like any delivery; were the request
// retried after its token was stored, the newer token replaces the older (one
// more mail, never a lost one).
func (a *App) serveLinkRequest(ctx context.Context, d domain.Delivery, m linkMail) error {
	var r linkRequest
	if err := json.Unmarshal(d.Payload, &r); err != nil {
		return fmt.Errorf("%w: link request payload: %v", errPermanent, err)
	}
	u, err := a.userByEmail(ctx, r.Email, r.Given)
	if domain.IsCode(err, domain.CodeNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !m.wanted(u) {
		return nil
	}
	fx, err := a.record(anonymous(Client{IP: r.IP, UserAgent: r.UserAgent}), m.event, u.ID, nil)
	if err != nil {
		return err
	}
	if err := a.mailToken(ctx, m.token, m.kind, u, m.ttl, fx); err != nil {
		a.Logger.ErrorContext(ctx, "storing the token of a mail link failed", "kind", m.kind, "user_id", u.ID, "err", err)
		return err
	}
	return nil
}
