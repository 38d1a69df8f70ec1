package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/authd/authd/domain"
)

// Delivery policy (ARCHITECTURE.md §12): the first attempt within a poll of the
// event, a failed one retried after 1 s, doubling with jitter up to 10 minutes
// between attempts, for up to Config.DeliveryMaxAge; then the row is dead.
const (
	retryBase = time.Second
	retryMax  = 10 * time.Minute
	// wakeGather is how long a woken dispatcher waits before it claims, so that a
	// burst of sign-ups costs one claim and one completion rather than one each.
	wakeGather = 20 * time.Millisecond
)

// RunDispatcher delivers the outbox until ctx ends: every DeliveryPoll, and at
// once when this instance wrote a row, it claims the due rows under a lease and
// sends them. Every instance runs one; the store's claim gives each row to one of
// them, and a row whose claimer died becomes due again when its lease runs out.
func (a *App) RunDispatcher(ctx context.Context) {
	poll := a.cfg.DeliveryPoll
	if poll <= 0 {
		poll = time.Second
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		for {
			n, err := a.DispatchOnce(ctx)
			if err != nil && ctx.Err() == nil {
				a.Logger.WarnContext(ctx, "claiming outbox deliveries failed; will retry", "err", err)
			}
			// A full batch means more may be due: go on without waiting.
			if err != nil || n < a.batch() || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-a.wake:
			// Let the rows of requests arriving together gather into one claim.
			select {
			case <-ctx.Done():
				return
			case <-time.After(wakeGather):
			}
		}
	}
}

func (a *App) batch() int { return max(a.cfg.DeliveryBatch, 1) }

// DispatchOnce claims one batch of due rows and delivers them concurrently,
// returning how many it claimed. A row's failure is recorded on the row (retry or
// dead), not returned; the error is the claim's.
func (a *App) DispatchOnce(ctx context.Context) (int, error) {
	lease, err := a.newID()
	if err != nil {
		return 0, err
	}
	now := a.Clock.Now().UTC()
	rows, err := a.Outbox.Claim(ctx, lease, now, now.Add(a.leaseFor()), a.batch())
	if err != nil {
		return 0, err
	}
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		delivered []domain.Delivery
	)
	for _, d := range rows {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if a.dispatch(ctx, d) {
				mu.Lock()
				delivered = append(delivered, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	// The sent rows go in one write. Should it fail, their lease runs out and they
	// are sent again: at least once.
	if len(delivered) > 0 {
		if err := a.Outbox.Complete(ctx, delivered); err != nil {
			a.Logger.WarnContext(ctx, "recording delivered rows failed; they will be sent again", "rows", len(delivered), "err", err)
		}
	}
	return len(rows), nil
}

func (a *App) leaseFor() time.Duration {
	if a.cfg.DeliveryLease > 0 {
		return a.cfg.DeliveryLease
	}
	return 2 * time.Minute
}

// errPermanent marks a delivery that can never succeed (its secret does not open,
// its kind is unknown): it is buried at once instead of retried for a day.
var errPermanent = errors.New("permanent delivery failure")

// dispatch sends one claimed row and reports whether it was delivered; a failed
// one it retries or buries.
func (a *App) dispatch(ctx context.Context, d domain.Delivery) (delivered bool) {
	err := a.send(ctx, d)
	if err == nil {
		return true
	}
	now := a.Clock.Now().UTC()
	var end error
	switch {
	case errors.Is(err, errPermanent) || now.Sub(d.CreatedAt) >= a.maxAge():
		a.Logger.ErrorContext(ctx, "delivery is dead", "delivery_id", d.ID, "channel", d.Channel,
			"kind", d.Kind, "user_id", d.UserID, "attempts", d.Attempts, "err", err)
		end = a.Outbox.Bury(ctx, d, now, err.Error())
	default:
		next := now.Add(retryDelay(d.Attempts))
		a.Logger.WarnContext(ctx, "delivery failed; will retry", "delivery_id", d.ID, "channel", d.Channel,
			"kind", d.Kind, "user_id", d.UserID, "attempts", d.Attempts, "retry_at", next, "err", err)
		end = a.Outbox.Retry(ctx, d, next, err.Error())
	}
	if end != nil {
		// The lease ran out (someone else has the row and will send it again) or
		// the store failed (the lease runs out and the row comes back): at least
		// once either way.
		a.Logger.WarnContext(ctx, "recording a delivery's outcome failed", "delivery_id", d.ID, "err", end)
	}
	return false
}

func (a *App) maxAge() time.Duration {
	if a.cfg.DeliveryMaxAge > 0 {
		return a.cfg.DeliveryMaxAge
	}
	return 24 * time.Hour
}

// retryDelay is the wait after the attempts-th failed attempt: 1 s, doubling, plus
// up to half of it again at random (so that rows that failed together do not all
// come back at one instant), never more than 10 minutes.
func retryDelay(attempts int) time.Duration {
	d := retryMax
	if attempts >= 1 && attempts <= 30 {
		d = min(retryBase<<(attempts-1), retryMax)
	}
	return min(d+rand.N(d/2+1), retryMax)
}

// send performs one attempt of d.
func (a *App) send(ctx context.Context, d domain.Delivery) error {
	switch d.Channel {
	case domain.ChannelWebhook:
		if a.Webhooks == nil {
			return fmt.Errorf("%w: no webhook is configured (AUTH_WEBHOOK_URL)", errPermanent)
		}
		return a.Webhooks.Send(ctx, d.EventID, d.Payload)
	case domain.ChannelMail:
		if m, ok := linkMails[d.Kind]; ok {
			return a.serveLinkRequest(ctx, d, m)
		}
		switch d.Kind {
		case domain.LinkRequestSignIn:
			return a.serveSignInRequest(ctx, d)
		case domain.MailSignIn:
			return a.sendSignIn(ctx, d)
		}
		return a.sendMail(ctx, d)
	}
	return fmt.Errorf("%w: unknown channel %q", errPermanent, d.Channel)
}

// sendMail opens the row's token and hands the mail to the notifier. The address
// is the account's as it is now; a deleted account's mail is dropped (delivered to
// no one, which is complete).
func (a *App) sendMail(ctx context.Context, d domain.Delivery) error {
	u, err := a.Users.ByID(ctx, d.UserID)
	if domain.IsCode(err, domain.CodeNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	token := ""
	if d.Sealed != nil {
		clear, err := a.Sealer.Open(d.Sealed, domain.SealAAD(d.ID))
		if err != nil {
			return fmt.Errorf("%w: the mail's token does not open (AUTH_ENCRYPTION_KEY changed?): %v", errPermanent, err)
		}
		token = string(clear)
	}
	switch d.Kind {
	case domain.MailActivation:
		return a.Notifier.SendActivation(ctx, *u, token)
	case domain.MailPasswordReset:
		return a.Notifier.SendPasswordReset(ctx, *u, token)
	case domain.MailRecoveryCodeUsed:
		var p struct {
			Remaining int `json:"remaining"`
		}
		if err := json.Unmarshal(d.Payload, &p); err != nil {
			return fmt.Errorf("%w: recovery-code notice payload: %v", errPermanent, err)
		}
		return a.Notifier.SendRecoveryCodeUsed(ctx, *u, p.Remaining)
	case domain.MailEmailChange, domain.MailEmailChangeNotice:
		var to domain.MailAddresses
		if err := json.Unmarshal(d.Payload, &to); err != nil || to.OldEmail == "" || to.NewEmail == "" {
			return fmt.Errorf("%w: e-mail change payload is not two addresses: %v", errPermanent, err)
		}
		if d.Kind == domain.MailEmailChange {
			return a.Notifier.SendEmailChange(ctx, *u, to, token)
		}
		return a.Notifier.SendEmailChangeNotice(ctx, *u, to)
	}
	return fmt.Errorf("%w: unknown mail kind %q", errPermanent, d.Kind)
}
