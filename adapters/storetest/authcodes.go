package storetest

import (
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// testAuthCodes is the contract of the authorization codes of ports.TokenStore
// (§10): stored by hash with their effects, read back whole, single use under a
// race, refused once expired, a taken hash refused.
func testAuthCodes(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	tk := b.Tokens()
	ctx := t.Context()
	put := func(t *testing.T, userID string, fx domain.Effects) *domain.AuthCode {
		t.Helper()
		c := &domain.AuthCode{Hash: newID(t), UserID: userID, Method: domain.AMRFederated,
			RedirectURI:   "https://app.example.com/callback?tab=1",
			CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
			CreatedAt:     base, ExpiresAt: base.Add(domain.AuthCodeTTL)}
		noErr(t, "PutAuthCode", tk.PutAuthCode(ctx, c, fx))
		return c
	}

	t.Run("a code is read back whole once, with its effects written", func(t *testing.T) {
		u := createUser(t, b)
		ev := newEvent(t, domain.EventLoginSucceeded, u.ID, base)
		c := put(t, u.ID, effectsOf(ev))
		got, err := tk.ConsumeAuthCode(ctx, c.Hash, base.Add(time.Second))
		if err != nil || got.Hash != c.Hash || got.UserID != u.ID || got.Method != c.Method || got.RedirectURI != c.RedirectURI ||
			got.CodeChallenge != c.CodeChallenge || !got.CreatedAt.Equal(base) || !got.ExpiresAt.Equal(c.ExpiresAt) ||
			got.ExpiresAt.Location() != time.UTC {
			t.Fatalf("ConsumeAuthCode = %+v, %v; want %+v", got, err, c)
		}
		wantEvents(t, b, u.ID, ev)
		if _, err := tk.ConsumeAuthCode(ctx, c.Hash, base.Add(time.Second)); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("second ConsumeAuthCode = %v, want token_invalid", err)
		}
		if _, err := tk.ConsumeAuthCode(ctx, newID(t), base); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("ConsumeAuthCode of an unknown hash = %v, want token_invalid", err)
		}
	})

	t.Run("an expired code is refused and gone", func(t *testing.T) {
		c := put(t, createUser(t, b).ID, domain.Effects{})
		if _, err := tk.ConsumeAuthCode(ctx, c.Hash, c.ExpiresAt); !domain.IsCode(err, domain.CodeTokenExpired) {
			t.Fatalf("ConsumeAuthCode at expiry = %v, want token_expired", err)
		}
		if _, err := tk.ConsumeAuthCode(ctx, c.Hash, base); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("ConsumeAuthCode after the expired use = %v, want token_invalid", err)
		}
	})

	t.Run("a taken hash is refused and writes no effect", func(t *testing.T) {
		u := createUser(t, b)
		c := put(t, u.ID, domain.Effects{})
		again := *c
		err := tk.PutAuthCode(ctx, &again, effectsOf(newEvent(t, domain.EventLoginSucceeded, u.ID, base)))
		if !domain.IsCode(err, domain.CodeConflict) {
			t.Fatalf("PutAuthCode of a taken hash = %v, want conflict", err)
		}
		wantEvents(t, b, u.ID)
	})

	t.Run("concurrent redemptions of one code: exactly one wins", func(t *testing.T) {
		c := put(t, createUser(t, b).ID, domain.Effects{})
		ok, codes, errs := race(10, func(int) error { _, err := tk.ConsumeAuthCode(ctx, c.Hash, base); return err })
		wantOneWinner(t, "ConsumeAuthCode", 10, ok, codes, errs, domain.CodeTokenInvalid)
	})
}
