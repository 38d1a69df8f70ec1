package storetest

import (
	"testing"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// testSignIn is the contract of the sign-in pairs of ports.TokenStore (§11): one
// live pair per address, found by address and by link, 5 wrong codes, single
// use, expiry, with their races.
func testSignIn(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	tk := b.Tokens()
	ctx := t.Context()
	put := func(t *testing.T, email, userID string, fx domain.Effects) *domain.SignInCode {
		t.Helper()
		c := &domain.SignInCode{Email: email, UserID: userID, Locale: "es-ES", LinkHash: newID(t), CodeHash: newID(t),
			CreatedAt: base, ExpiresAt: base.Add(domain.SignInCodeTTL)}
		if userID != "" { // a pair with the app's redirect; the one without an account has none
			c.Redirect = domain.SignInRedirect{URI: "https://app.example.com/cb?x=1", CodeChallenge: newID(t), State: "st ate/" + newID(t)}
		}
		noErr(t, "PutSignIn", tk.PutSignIn(ctx, c, fx))
		return c
	}
	same := func(t *testing.T, what string, got *domain.SignInCode, err error, want *domain.SignInCode) {
		t.Helper()
		if err != nil || got.Email != want.Email || got.UserID != want.UserID || got.Locale != want.Locale || got.LinkHash != want.LinkHash ||
			got.CodeHash != want.CodeHash || got.Attempts != 0 || got.Redirect != want.Redirect || !got.CreatedAt.Equal(base) ||
			!got.ExpiresAt.Equal(want.ExpiresAt) || got.ExpiresAt.Location() != want.ExpiresAt.UTC().Location() {
			t.Fatalf("%s = %+v, %v; want %+v", what, got, err, want)
		}
	}

	t.Run("a newer pair replaces the older, by address and by link", func(t *testing.T) {
		u := createUser(t, b)
		ev := newEvent(t, domain.EventSignInRequested, u.ID, base)
		old := put(t, u.Email, u.ID, domain.Effects{})
		c := put(t, u.Email, u.ID, effectsOf(ev))
		got, err := tk.SignIn(ctx, u.Email, base)
		same(t, "SignIn", got, err, c)
		got, err = tk.SignInByLink(ctx, c.LinkHash, base)
		same(t, "SignInByLink", got, err, c)
		if _, err := tk.SignInByLink(ctx, old.LinkHash, base); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("SignInByLink of the replaced pair = %v, want token_invalid", err)
		}
		if _, err := tk.ConsumeSignIn(ctx, u.Email, old.LinkHash, base); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("ConsumeSignIn of the replaced pair = %v, want token_invalid", err)
		}
		if err := tk.FailSignIn(ctx, u.Email, old.LinkHash, domain.Effects{}); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("FailSignIn of the replaced pair = %v, want token_invalid", err)
		}
		wantEvents(t, b, u.ID, ev)
		if _, err := tk.SignIn(ctx, u.Email, c.ExpiresAt); !domain.IsCode(err, domain.CodeTokenExpired) {
			t.Fatalf("SignIn at expiry = %v, want token_expired", err)
		}
		if _, err := tk.ConsumeSignIn(ctx, u.Email, c.LinkHash, c.ExpiresAt); !domain.IsCode(err, domain.CodeTokenExpired) {
			t.Fatalf("ConsumeSignIn at expiry = %v, want token_expired", err)
		}
		if _, err := tk.SignIn(ctx, "nobody-"+newID(t)+"@example.com", base); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("SignIn of an unknown address = %v, want token_invalid", err)
		}
		if _, err := tk.SignInByLink(ctx, newID(t), base); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("SignInByLink of an unknown hash = %v, want token_invalid", err)
		}
	})

	t.Run("an address without an account gets a pair", func(t *testing.T) {
		email := "new-" + newID(t) + "@example.com"
		c := put(t, email, "", domain.Effects{})
		got, err := tk.ConsumeSignIn(ctx, email, c.LinkHash, base)
		same(t, "ConsumeSignIn", got, err, c)
	})

	t.Run("concurrent verifications of one pair: exactly one wins", func(t *testing.T) {
		u := createUser(t, b)
		c := put(t, u.Email, u.ID, domain.Effects{})
		ok, codes, errs := race(10, func(int) error { _, err := tk.ConsumeSignIn(ctx, u.Email, c.LinkHash, base); return err })
		wantOneWinner(t, "ConsumeSignIn", 10, ok, codes, errs, domain.CodeTokenInvalid)
		if _, err := tk.SignIn(ctx, u.Email, base); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("SignIn after use = %v, want token_invalid", err)
		}
	})

	t.Run("concurrent wrong codes: exactly 5 counted, then void", func(t *testing.T) {
		u := createUser(t, b)
		c := put(t, u.Email, u.ID, domain.Effects{})
		ok, codes, errs := race(8, func(int) error {
			return tk.FailSignIn(ctx, u.Email, c.LinkHash, effectsOf(newEvent(t, domain.EventLoginFailed, u.ID, base)))
		})
		if ok != domain.SignInCodeMaxAttempts || codes[domain.CodeTokenInvalid] != 8-domain.SignInCodeMaxAttempts {
			t.Fatalf("8 concurrent FailSignIn: %d counted, %v (%v); want %d", ok, codes, errs, domain.SignInCodeMaxAttempts)
		}
		if n := len(userEvents(t, b, u.ID)); n != domain.SignInCodeMaxAttempts {
			t.Fatalf("%d login.failed events written, want one per counted try (%d)", n, domain.SignInCodeMaxAttempts)
		}
		if _, err := tk.SignIn(ctx, u.Email, base); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("SignIn after 5 wrong codes = %v, want token_invalid", err)
		}
		if _, err := tk.ConsumeSignIn(ctx, u.Email, c.LinkHash, base); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("ConsumeSignIn after 5 wrong codes = %v, want token_invalid", err)
		}
		fresh := put(t, u.Email, u.ID, domain.Effects{})
		if err := tk.FailSignIn(ctx, u.Email, fresh.LinkHash, domain.Effects{}); err != nil {
			t.Fatalf("FailSignIn of a new pair after a void one: %v", err)
		}
		got, err := tk.SignIn(ctx, u.Email, base)
		if err != nil || got.Attempts != 1 {
			t.Fatalf("SignIn of the new pair = %+v, %v; want 1 attempt counted", got, err)
		}
	})
}
