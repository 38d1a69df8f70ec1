package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// createEmailChange stores an email_change token moving userID to newEmail and
// returns its hash.
func createEmailChange(t testing.TB, b ports.Backend, userID, newEmail string, expires time.Time) string {
	t.Helper()
	tok := &domain.OneTimeToken{Hash: newHash(t), Kind: domain.TokenEmailChange, UserID: userID,
		NewEmail: newEmail, CreatedAt: base, ExpiresAt: expires}
	if err := b.Tokens().Create(context.Background(), tok, domain.Effects{}); err != nil {
		t.Fatalf("Tokens.Create(email_change): %v", err)
	}
	return tok.Hash
}

func testEmailChange(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	ctx := context.Background()
	later := base.Add(24 * time.Hour)

	t.Run("MovesAddressAndGuard", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b, func(u *domain.User) { u.Username = "ec" + newID(t)[24:] })
		newEmail := "moved-" + newID(t) + "@example.com"
		hash := createEmailChange(t, b, u.ID, newEmail, later)
		now := base.Add(time.Minute)
		ev := newEvent(t, domain.EventEmailChanged, "", now)

		got, err := b.Tokens().ConsumeEmailChange(ctx, hash, now, effectsOf(ev))
		noErr(t, "ConsumeEmailChange", err)
		if got.ID != u.ID || got.Email != newEmail {
			t.Errorf("returned user %s with e-mail %q, want %s with %q", got.ID, got.Email, u.ID, newEmail)
		}
		stored := getUser(t, b, u.ID)
		if stored.Email != newEmail || stored.Username != u.Username || stored.Name != u.Name {
			t.Errorf("stored e-mail %q username %q name %q, want %q %q %q",
				stored.Email, stored.Username, stored.Name, newEmail, u.Username, u.Name)
		}
		sameTime(t, "stored UpdatedAt", stored.UpdatedAt, now)
		byNew, err := b.Users().ByEmail(ctx, newEmail)
		noErr(t, "ByEmail(new)", err)
		if byNew.ID != u.ID {
			t.Errorf("ByEmail(new) = %s, want %s", byNew.ID, u.ID)
		}
		_, err = b.Users().ByEmail(ctx, u.Email)
		wantCode(t, "ByEmail(old)", err, domain.CodeNotFound)
		ev.UserID = u.ID
		wantEvents(t, b, u.ID, ev)

		// The old address is free: another account can take it.
		createUser(t, b, func(o *domain.User) { o.Email = u.Email })
		// And the new one is held.
		clash := newUser(t)
		clash.Email = newEmail
		wantCode(t, "Create(new address)", b.Users().Create(ctx, clash, domain.Effects{}), domain.CodeEmailTaken)

		_, err = b.Tokens().ConsumeEmailChange(ctx, hash, now, domain.Effects{})
		wantCode(t, "ConsumeEmailChange(used)", err, domain.CodeTokenInvalid)
	})

	t.Run("TakenMeanwhileWritesNothingAndKeepsToken", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		newEmail := "wanted-" + newID(t) + "@example.com"
		hash := createEmailChange(t, b, u.ID, newEmail, later)
		other := createUser(t, b, func(o *domain.User) { o.Email = newEmail })

		ev := newEvent(t, domain.EventEmailChanged, "", base)
		_, err := b.Tokens().ConsumeEmailChange(ctx, hash, base, effectsOf(ev))
		wantCode(t, "ConsumeEmailChange(taken)", err, domain.CodeEmailTaken)
		if got := getUser(t, b, u.ID).Email; got != u.Email {
			t.Errorf("e-mail after a refused change = %q, want %q", got, u.Email)
		}
		wantEvents(t, b, u.ID)

		// Once the other account is gone, the same token works.
		noErr(t, "Delete(other)", b.Users().Delete(ctx, other.ID, domain.Effects{}))
		got, err := b.Tokens().ConsumeEmailChange(ctx, hash, base, domain.Effects{})
		noErr(t, "ConsumeEmailChange(freed)", err)
		if got.Email != newEmail {
			t.Errorf("e-mail = %q, want %q", got.Email, newEmail)
		}
	})

	t.Run("KindsExpiryAndReplacement", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		reset := createToken(t, b, domain.TokenPasswordReset, u.ID, later)
		_, err := b.Tokens().ConsumeEmailChange(ctx, reset, base, domain.Effects{})
		wantCode(t, "ConsumeEmailChange(reset token)", err, domain.CodeTokenInvalid)
		_, err = b.Tokens().ConsumeReset(ctx, reset, "h", base, domain.Effects{})
		noErr(t, "ConsumeReset(kept)", err)

		first := createEmailChange(t, b, u.ID, "first-"+newID(t)+"@example.com", later)
		second := createEmailChange(t, b, u.ID, "second-"+newID(t)+"@example.com", later)
		_, err = b.Tokens().ConsumeActivation(ctx, second, base, domain.Effects{})
		wantCode(t, "ConsumeActivation(email_change token)", err, domain.CodeTokenInvalid)
		_, err = b.Tokens().ConsumeEmailChange(ctx, first, base, domain.Effects{})
		wantCode(t, "ConsumeEmailChange(replaced)", err, domain.CodeTokenInvalid)
		_, err = b.Tokens().ConsumeEmailChange(ctx, second, later, domain.Effects{})
		wantCode(t, "ConsumeEmailChange(expired)", err, domain.CodeTokenExpired)
		_, err = b.Tokens().ConsumeEmailChange(ctx, second, base, domain.Effects{})
		wantCode(t, "ConsumeEmailChange(expired, then again)", err, domain.CodeTokenInvalid)
		if got := getUser(t, b, u.ID).Email; got != u.Email {
			t.Errorf("e-mail = %q, want unchanged %q", got, u.Email)
		}
	})

	t.Run("RaceForOneAddressHasOneWinner", func(t *testing.T) {
		t.Parallel()
		const n = 6
		target := "race-" + newID(t) + "@example.com"
		users := make([]*domain.User, n)
		hashes := make([]string, n)
		for i := range users {
			users[i] = createUser(t, b)
			hashes[i] = createEmailChange(t, b, users[i].ID, target, later)
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = b.Tokens().ConsumeEmailChange(ctx, hashes[i], base, domain.Effects{})
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Errorf("users %d and %d both moved to %s", winner, i, target)
				}
				winner = i
			case !domain.IsCode(err, domain.CodeEmailTaken):
				t.Errorf("loser %d: err = %v, want email_taken", i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("no user moved to %s; errors %v", target, errs)
		}
		holder, err := b.Users().ByEmail(ctx, target)
		noErr(t, "ByEmail(target)", err)
		if holder.ID != users[winner].ID {
			t.Errorf("ByEmail(target) = %s, want the winner %s", holder.ID, users[winner].ID)
		}
		for i, u := range users {
			if i != winner {
				if got := getUser(t, b, u.ID).Email; got != u.Email {
					t.Errorf("loser %d has e-mail %q, want %q", i, got, u.Email)
				}
			}
		}
	})
}
