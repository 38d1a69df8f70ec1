package dynamostore

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
)

// ConsumeEmailChange deletes the token, moves the user's address and moves its
// guard item — the new address claimed, the old one released — in one
// transaction. The user's write is conditioned on the version read, so a
// concurrent profile change makes the step run again on the new state; a claim
// refused because a live account holds the address answers email_taken and writes
// nothing (the token stays usable); a guard left behind by a deleted account is
// replaced, as in UserStore.Update.
func (ts *TokenStore) ConsumeEmailChange(ctx context.Context, hash string, now time.Time, fx domain.Effects) (*domain.User, error) {
	s := ts.s
	us := &UserStore{s: s}
	stale := ""
	for attempt := range writeAttempts {
		if attempt > 0 {
			if err := pause(ctx, attempt); err != nil {
				return nil, err
			}
		}
		tok, cur, err := ts.load(ctx, "consume email change", hash, domain.TokenEmailChange, now)
		if err != nil {
			return nil, err
		}
		if tok.NewEmail == "" {
			return nil, tokenInvalid()
		}
		u := cur.user()
		u.Email, u.UpdatedAt = tok.NewEmail, now.UTC()
		effects, err := s.effectItems(fx.ForUser(tok.UserID))
		if err != nil {
			return nil, err
		}
		items := ts.consumeItems(tok)
		userAt := len(items)
		items = append(items, us.profileUpdate(u, cur))
		claimAt := -1
		newGuard := emailGuard(tok.NewEmail)
		if tok.NewEmail != cur.Email {
			claimAt = len(items)
			items = append(items, s.claim(newGuard, u.ID, stale), s.release(emailGuard(cur.Email), u.ID))
		}
		err = s.transact(ctx, append(items, effects...))
		reasons := cancelled(err)
		switch {
		case err == nil:
			return u, nil
		case reasons == nil || conflictOnly(reasons):
			return nil, translate("consume email change", err)
		case failedAt(reasons, 0):
			return nil, tokenInvalid() // consumed by a concurrent call
		case failedAt(reasons, consumeCurrentAt):
			return nil, ts.refuseStale(ctx, "consume email change", tok)
		case failedAt(reasons, userAt):
			continue // the user changed meanwhile: read again
		case claimAt >= 0 && failedAt(reasons, claimAt):
			holder, err := s.resolveClaim(ctx, newGuard, reasons[claimAt])
			if err != nil {
				return nil, err // email_taken: a live account holds the address
			}
			stale = holder
			continue
		default:
			return nil, translate("consume email change", err)
		}
	}
	return nil, retryExhausted("consume email change")
}
