package httpapi_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/app"
)

// passwordless turns sign-in by mail on, and with signup also for addresses
// without an account.
func passwordless(signup bool) func(*app.Config) {
	return func(c *app.Config) { c.Passwordless, c.PasswordlessSignup = true, signup }
}

// requestSignIn asks for a sign-in mail and returns the newest one sent to email
// (zero when none was sent), checking that the answer is a bodiless 202.
func (e *env) requestSignIn(t *testing.T, email string, opts ...reqOption) (signInMail, int) {
	t.Helper()
	r := e.do(t, "POST", "/v1/auth/otp", map[string]string{"email": email}, opts...)
	r.expect(t, 202, "")
	if len(r.Body) != 0 {
		t.Fatalf("202 body = %q, want none", r.Body)
	}
	e.settle(t)
	mails := e.mail.signInsFor(email)
	if len(mails) == 0 {
		return signInMail{}, 0
	}
	m := mails[len(mails)-1]
	if len(m.Token) < 43 || len(m.Code) != 6 {
		t.Fatalf("sign-in mail token %q code %q: want 256 bits and 6 digits", m.Token, m.Code)
	}
	return m, len(mails)
}

func (e *env) verifySignIn(t *testing.T, body map[string]string, opts ...reqOption) response {
	t.Helper()
	return e.do(t, "POST", "/v1/auth/otp/verify", body, opts...)
}

func TestSignInByMail(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		// The per-pair limit is under test here, so the account back-off
		// (5 attempts) is set above it.
		e, pub := mfaEnv(t, backend, func(c *app.Config) { passwordless(false)(c); c.LockoutThreshold = 20 })

		t.Run("code and link sign in, once each; a newer request voids the older", func(t *testing.T) {
			email := uniqEmail("otp")
			e.activeUser(t, email)
			m, _ := e.requestSignIn(t, email)
			r := e.verifySignIn(t, map[string]string{"email": email, "code": m.Code})
			r.expect(t, 200, "")
			var tk tokens
			r.decode(t, &tk)
			if aal, amr, _ := verifyClaims(t, pub, tk.AccessToken); aal != "aal1" || !slices.Equal(amr, []string{"email"}) {
				t.Fatalf("code sign-in: aal %q amr %v, want aal1 [email]", aal, amr)
			}
			e.do(t, "GET", "/v1/auth/me", nil, bearer(tk.AccessToken)).expect(t, 200, "")
			e.verifySignIn(t, map[string]string{"email": email, "code": m.Code}).expect(t, 401, "invalid_code")
			e.verifySignIn(t, map[string]string{"token": m.Token}).expect(t, 401, "token_invalid")

			older, _ := e.requestSignIn(t, email)
			newer, n := e.requestSignIn(t, email)
			if n != 3 {
				t.Fatalf("%d sign-in mails, want 3", n)
			}
			e.verifySignIn(t, map[string]string{"token": older.Token}).expect(t, 401, "token_invalid")
			if older.Code != newer.Code {
				e.verifySignIn(t, map[string]string{"email": email, "code": older.Code}).expect(t, 401, "invalid_code")
			}
			r = e.verifySignIn(t, map[string]string{"token": newer.Token})
			r.expect(t, 200, "")
			r.decode(t, &tk)
			if aal, amr, _ := verifyClaims(t, pub, tk.AccessToken); aal != "aal1" || !slices.Equal(amr, []string{"email"}) {
				t.Fatalf("link sign-in: aal %q amr %v, want aal1 [email]", aal, amr)
			}
			e.verifySignIn(t, map[string]string{"token": newer.Token}).expect(t, 401, "token_invalid")
			e.verifySignIn(t, map[string]string{"email": email, "code": newer.Code}).expect(t, 401, "invalid_code")

			types := []string{}
			for _, ev := range e.events(t, "/v1/auth/events?limit=100", tk.AccessToken).Events {
				if ev.Type == "login.succeeded" && ev.Data["method"] == "email" {
					types = append(types, ev.Type)
				}
			}
			if len(types) != 2 {
				t.Fatalf("%d login.succeeded events with method email, want 2", len(types))
			}
		})

		t.Run("five wrong codes void the pair", func(t *testing.T) {
			email := uniqEmail("otp-wrong")
			e.activeUser(t, email)
			m, _ := e.requestSignIn(t, email)
			wrong := "000000"
			if m.Code == wrong {
				wrong = "111111"
			}
			for range 5 {
				e.verifySignIn(t, map[string]string{"email": email, "code": wrong}).expect(t, 401, "invalid_code")
			}
			e.verifySignIn(t, map[string]string{"email": email, "code": m.Code}).expect(t, 401, "invalid_code")
			e.verifySignIn(t, map[string]string{"token": m.Token}).expect(t, 401, "token_invalid")
			tk := e.login(t, email)
			failed := 0
			for _, ev := range e.events(t, "/v1/auth/events?limit=100", tk.AccessToken).Events {
				if ev.Type == "login.failed" && ev.Data["reason"] == "invalid_code" && ev.Data["method"] == "email" {
					failed++
				}
			}
			if failed != 5 {
				t.Fatalf("%d login.failed events for wrong codes, want 5", failed)
			}
		})

		t.Run("concurrent uses of one code: exactly one session", func(t *testing.T) {
			email := uniqEmail("otp-race")
			e.activeUser(t, email)
			m, _ := e.requestSignIn(t, email)
			var wg sync.WaitGroup
			statuses := make([]int, 6)
			for i := range statuses {
				wg.Go(func() {
					statuses[i] = e.verifySignIn(t, map[string]string{"email": email, "code": m.Code}).Status
				})
			}
			wg.Wait()
			if ok := slices.Index(statuses, 200); ok < 0 || slices.Index(statuses[ok+1:], 200) >= 0 {
				t.Fatalf("statuses %v, want exactly one 200", statuses)
			}
		})

		t.Run("a pending account is activated; unknown and disabled addresses get no mail", func(t *testing.T) {
			pending := uniqEmail("otp-pending")
			e.signUp(t, pending)
			m, _ := e.requestSignIn(t, pending)
			r := e.verifySignIn(t, map[string]string{"email": pending, "code": m.Code})
			r.expect(t, 200, "")
			var tk tokens
			r.decode(t, &tk)
			if tk.User.Status != "active" || tk.User.ActivatedAt == nil {
				t.Fatalf("user after sign-in = %+v, want active", tk.User)
			}

			ghost := uniqEmail("otp-ghost")
			if _, n := e.requestSignIn(t, ghost); n != 0 {
				t.Fatalf("%d mails to an unknown address, want none", n)
			}
			e.verifySignIn(t, map[string]string{"email": ghost, "code": "123456"}).expect(t, 401, "invalid_code")

			_, adm := e.admin(t)
			off := uniqEmail("otp-disabled")
			id := e.activeUser(t, off)
			e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"status": "disabled"}, bearer(adm.AccessToken)).expect(t, 200, "")
			if _, n := e.requestSignIn(t, off); n != 0 {
				t.Fatalf("%d mails to a disabled account, want none", n)
			}
		})

		t.Run("MFA still applies", func(t *testing.T) {
			email := uniqEmail("otp-mfa")
			e.activeUser(t, email)
			secret, _ := e.enableMFA(t, e.login(t, email).AccessToken)
			m, _ := e.requestSignIn(t, email)
			r := e.verifySignIn(t, map[string]string{"token": m.Token})
			r.expect(t, 401, "mfa_required")
			var p mfaProblem
			r.decode(t, &p)
			if !slices.Contains(p.Methods, "totp") || len(p.MFAToken) < 43 {
				t.Fatalf("mfa_required = %+v", p)
			}
			e.clock.Advance(30e9) // the next TOTP step: the enrolment spent this one
			r = e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "code": codeAt(t, secret, e.clock.Now())})
			r.expect(t, 200, "")
			var tk tokens
			r.decode(t, &tk)
			if aal, amr, _ := verifyClaims(t, pub, tk.AccessToken); aal != "aal2" || !slices.Equal(amr, []string{"email", "otp", "mfa"}) {
				t.Fatalf("after the second factor: aal %q amr %v, want aal2 [email otp mfa]", aal, amr)
			}
		})

		t.Run("bad input changes nothing", func(t *testing.T) {
			e.do(t, "POST", "/v1/auth/otp", map[string]string{"email": "not-an-address"}).expect(t, 422, "validation_failed")
			for _, body := range []map[string]string{
				{"email": uniqEmail("x"), "code": "12ab56"},
				{"email": uniqEmail("x")},
				{"email": "nope", "code": "123456"},
				{"token": "t", "code": "123456"},
				{},
			} {
				e.verifySignIn(t, body).expect(t, 422, "validation_failed")
			}
		})
	})
}

func TestSignInSignUp(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e, pub := mfaEnv(t, backend, passwordless(true))
		email := uniqEmail("otp-new")
		m, n := e.requestSignIn(t, email, header("Accept-Language", "es-ES,es;q=0.9"))
		if n != 1 || m.UserID != "" || m.Locale != "es-ES" {
			t.Fatalf("mails %d, last %+v; want one, to no account, in es-ES", n, m)
		}
		r := e.verifySignIn(t, map[string]string{"email": email, "code": m.Code})
		r.expect(t, 200, "")
		var tk tokens
		r.decode(t, &tk)
		if tk.User.Email != email || tk.User.Status != "active" || tk.User.Locale != "es-ES" {
			t.Fatalf("created user = %+v, want %s, active, es-ES", tk.User, email)
		}
		if aal, amr, _ := verifyClaims(t, pub, tk.AccessToken); aal != "aal1" || !slices.Equal(amr, []string{"email"}) {
			t.Fatalf("aal %q amr %v, want aal1 [email]", aal, amr)
		}
		// The account has no password: a password login is refused as any wrong one.
		e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password}).expect(t, 401, "invalid_credentials")
		e.do(t, "POST", "/v1/auth/password", map[string]string{"current_password": password, "new_password": "a brand new secret"},
			bearer(tk.AccessToken)).expect(t, 401, "invalid_credentials")
		// The next sign-in finds the account made by the first.
		m, _ = e.requestSignIn(t, email)
		if m.UserID != tk.User.ID {
			t.Fatalf("second mail for account %q, want %q", m.UserID, tk.User.ID)
		}
		e.verifySignIn(t, map[string]string{"token": m.Token}).expect(t, 200, "")
	})
}

func TestSignInOff(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		email := uniqEmail("otp-off")
		e.activeUser(t, email)
		e.do(t, "POST", "/v1/auth/otp", map[string]string{"email": email}).expect(t, 404, "not_found")
		e.verifySignIn(t, map[string]string{"email": email, "code": "123456"}).expect(t, 404, "not_found")
		e.settle(t)
		if n := len(e.mail.signInsFor(email)); n != 0 {
			t.Fatalf("%d sign-in mails with the feature off, want none", n)
		}
	})
}

// As authd runs it (the outbox dispatcher in the background): the 202 comes
// after the request alone is stored, for a known and an unknown address alike,
// and the mail follows from the outbox.
func TestSignInThroughTheQueue(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnvWith(t, backend, queued(passwordless(false)))
		known, ghost := uniqEmail("otp-q"), uniqEmail("otp-q-ghost")
		if _, err := e.core.CreateAdmin(t.Context(), app.SignUpInput{Email: known, Password: password}); err != nil {
			t.Fatal(err)
		}
		e.settle(t)
		for _, email := range []string{known, ghost} {
			e.do(t, "POST", "/v1/auth/otp", map[string]string{"email": email}).expect(t, 202, "")
			if n := len(e.mail.signInsFor(email)); n != 0 {
				t.Fatalf("%s: %d mails before the dispatcher ran, want none", email, n)
			}
			pending, _, err := e.backend.Outbox().Counts(t.Context())
			if err != nil || pending != 1 {
				t.Fatalf("%s: outbox holds %d pending rows (%v), want the request", email, pending, err)
			}
			e.settle(t)
		}
		if n := len(e.mail.signInsFor(ghost)); n != 0 {
			t.Fatalf("%d mails to the unknown address, want none", n)
		}
		mails := e.mail.signInsFor(known)
		if len(mails) != 1 {
			t.Fatalf("%d mails to the account, want 1", len(mails))
		}
		e.verifySignIn(t, map[string]string{"email": known, "code": mails[0].Code}).expect(t, 200, "")
	})
}
