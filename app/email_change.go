package app

import (
	"context"
	"encoding/json"

	"github.com/authd/authd/domain"
)

// RequestEmailChange starts moving the caller's account to newEmail
// (ARCHITECTURE.md §11): it stores an email_change token carrying the new address
// and, in the same store step, the two mails — the confirmation link to the new
// address (its token sealed) and a notice to the current one — with the
// email_change.requested event. Nothing about the account changes until the link
// is used. The caller proves itself again: with the password, or, for an account
// without one, with a fresh token; with MFA on the session must be aal2. A newer
// request voids the link of an earlier one. Returns validation_failed,
// invalid_credentials, rate_limited, fresh_token_required, aal2_required and
// email_taken (the address belongs to another account already).
func (a *App) RequestEmailChange(ctx context.Context, p Principal, newEmail, password string) (err error) {
	normalised, fe := a.email("new_email", newEmail)
	if err := validate(fe); err != nil {
		return err
	}
	done, err := a.admission.admit(ctx)
	if err != nil {
		return err
	}
	defer func() { done(err) }()
	u, err := a.caller(ctx, p)
	if err != nil {
		return err
	}
	if u.PasswordHash == "" {
		if !p.Fresh {
			return domain.Errorf(domain.CodeFreshTokenRequired,
				"Changing the e-mail address needs a token from a recent login; log in again.")
		}
	} else if err := validate(requiredField("password", password)); err != nil {
		return err
	}
	if err := requireStepUp(p, u); err != nil {
		return err
	}
	if u.PasswordHash != "" {
		if err := a.checkPassword(ctx, u, password); err != nil {
			return err
		}
	}
	if normalised == u.Email {
		return validate(&domain.FieldError{Field: "new_email", Code: "unchanged",
			Message: "This is already the account's e-mail address."})
	}
	if holder, err := a.Users.ByEmail(ctx, normalised); err == nil && holder.ID != u.ID {
		return domain.Errorf(domain.CodeEmailTaken, "This e-mail address is already registered.")
	} else if err != nil && !domain.IsCode(err, domain.CodeNotFound) {
		return err
	}
	fx, err := a.record(by(p), domain.EventEmailChangeRequested, u.ID, nil)
	if err != nil {
		return err
	}
	clear, tok, err := a.newOneTimeToken(domain.TokenEmailChange, u.ID, domain.EmailChangeTokenTTL)
	if err != nil {
		return err
	}
	tok.NewEmail = normalised
	payload, err := json.Marshal(domain.MailAddresses{OldEmail: u.Email, NewEmail: normalised})
	if err != nil {
		return err
	}
	link, err := a.mailDelivery(domain.MailEmailChange, u.ID, clear)
	if err != nil {
		return err
	}
	notice, err := a.mailDelivery(domain.MailEmailChangeNotice, u.ID, "")
	if err != nil {
		return err
	}
	link.Payload, notice.Payload = payload, payload
	fx.Deliveries = append(fx.Deliveries, link, notice)
	if err := a.Tokens.Create(ctx, tok, fx); err != nil {
		return err
	}
	a.delivered(ctx)
	return nil
}

// ConfirmEmailChange uses an email_change token: the account's address, and its
// uniqueness reservation, move to the address the token was mailed to in the
// store step that consumes the token, with the email.changed event. Returns the
// account afterwards; validation_failed, token_invalid, token_expired, and
// email_taken when another account took the address since the request (the
// token then stays usable, should the address become free again).
func (a *App) ConfirmEmailChange(ctx context.Context, token string, c Client) (*domain.User, error) {
	if err := validate(requiredField("token", token)); err != nil {
		return nil, err
	}
	fx, err := a.record(anonymous(c), domain.EventEmailChanged, "", nil)
	if err != nil {
		return nil, err
	}
	u, err := a.Tokens.ConsumeEmailChange(ctx, HashToken(token), a.Clock.Now(), fx)
	if err != nil {
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	return u, nil
}
