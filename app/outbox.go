package app

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
)

// mailDelivery is the outbox row of a mail of kind to userID carrying token (""
// for none). The token is sealed under the row's id (domain.SealAAD), so the store
// holds it encrypted until the mail is sent and then drops it.
func (a *App) mailDelivery(kind, userID, token string) (domain.Delivery, error) {
	id, err := a.newID()
	if err != nil {
		return domain.Delivery{}, err
	}
	now := a.Clock.Now().UTC()
	d := domain.Delivery{ID: id, Channel: domain.ChannelMail, UserID: userID, Kind: kind, CreatedAt: now, DueAt: now}
	if token != "" {
		if a.Sealer == nil {
			panic("app: Deps.Sealer is required to queue a mail that carries a token")
		}
		sealed, err := a.Sealer.Seal([]byte(token), domain.SealAAD(id))
		if err != nil {
			return domain.Delivery{}, err
		}
		d.Sealed = sealed
	}
	return d, nil
}

// mailToken stores a fresh one-time token of kind for u (replacing its earlier
// ones) together with the mail that carries it and the effects fx, in one store
// step: once it returns, the mail is in the outbox and survives a crash.
func (a *App) mailToken(ctx context.Context, kind domain.TokenKind, mail string, u *domain.User, ttl time.Duration, fx domain.Effects) error {
	clear, tok, err := a.newOneTimeToken(kind, u.ID, ttl)
	if err != nil {
		return err
	}
	d, err := a.mailDelivery(mail, u.ID, clear)
	if err != nil {
		return err
	}
	fx.Deliveries = append(fx.Deliveries, d)
	if err := a.Tokens.Create(ctx, tok, fx); err != nil {
		return err
	}
	a.delivered(ctx)
	return nil
}

// delivered tells the dispatcher that rows were just written: with AsyncNotify it
// wakes this instance's dispatcher, so the first attempt starts at once rather
// than at the next poll; without it (tests) it runs a dispatch pass inside the
// request, so the mail has gone when the call returns.
func (a *App) delivered(ctx context.Context) {
	if a.cfg.AsyncNotify {
		select {
		case a.wake <- struct{}{}:
		default:
		}
		return
	}
	if _, err := a.DispatchOnce(context.WithoutCancel(ctx)); err != nil {
		a.Logger.ErrorContext(ctx, "delivering the outbox failed", "err", err)
	}
}

// effectsDelivered calls delivered when fx carries deliveries (a webhook).
func (a *App) effectsDelivered(ctx context.Context, fx domain.Effects) {
	if len(fx.Deliveries) > 0 {
		a.delivered(ctx)
	}
}
