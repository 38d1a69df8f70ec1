package httpapi_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
)

func TestSignUpAndActivation(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)

		t.Run("signup creates a pending user and ignores role and status", func(t *testing.T) {
			email := uniqEmail("signup")
			r := e.do(t, "POST", "/v1/auth/signup", map[string]any{
				"email": "  " + strings.ToUpper(email) + " ", "password": password, "username": "Ann_" + strconv.Itoa(len(email)),
				"name": "Ann", "mobile": "+44 20 7946 0000", "role": "admin", "status": "active",
			}, invalidRequest("role and status are not sign-up fields; the service ignores them"))
			r.expect(t, 201, "")
			var b userBody
			r.decode(t, &b)
			u := b.User
			if u.Email != email || u.Role != "user" || u.Status != "pending" || u.ActivatedAt != nil || u.Name != "Ann" {
				t.Errorf("user = %+v, want email %s, role user, status pending, no activated_at, name Ann", u, email)
			}
			if got, want := r.Header.Get("Location"), "/v1/users/"+u.ID; got != want {
				t.Errorf("Location = %q, want %q", got, want)
			}
			if strings.Contains(string(r.Body), "hash") || strings.Contains(string(r.Body), "failed") {
				t.Errorf("body leaks credential fields: %s", r.Body)
			}
			if e.mail.activationFor(email) == "" {
				t.Errorf("no activation mail for %s", email)
			}
		})

		t.Run("validation", func(t *testing.T) {
			p := e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": "nope", "password": "short"},
				invalidRequest("a password under the minimum length")).expect(t, 422, "validation_failed")
			fields := map[string]string{}
			for _, f := range p.Errors {
				fields[f.Field] = f.Code
			}
			if fields["email"] != "invalid_email" || fields["password"] != "too_short" {
				t.Errorf("field errors = %v, want email invalid_email and password too_short", fields)
			}
		})

		t.Run("email and username taken", func(t *testing.T) {
			email := uniqEmail("taken")
			name := "taken" + strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
			e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": email, "password": password, "username": name}).expect(t, 201, "")
			e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": strings.ToUpper(email), "password": password}).expect(t, 409, "email_taken")
			e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": uniqEmail("other"), "password": password, "username": strings.ToUpper(name)}).expect(t, 409, "username_taken")
		})

		t.Run("activate good, used, unknown, expired", func(t *testing.T) {
			email := uniqEmail("act")
			e.signUp(t, email)
			e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password}).expect(t, 403, "account_not_active")
			token := e.mail.activationFor(email)
			r := e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": token})
			r.expect(t, 200, "")
			var b userBody
			r.decode(t, &b)
			if b.User.Status != "active" || b.User.ActivatedAt == nil {
				t.Errorf("activated user = %+v, want status active with activated_at", b.User)
			}
			e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": token}).expect(t, 401, "token_invalid")
			e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": "never-issued"}).expect(t, 401, "token_invalid")
			e.do(t, "POST", "/v1/auth/activate", map[string]string{}, invalidRequest("no token")).expect(t, 422, "validation_failed")

			late := uniqEmail("late")
			e.signUp(t, late)
			e.clock.Advance(25 * time.Hour)
			e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": e.mail.activationFor(late)}).expect(t, 401, "token_expired")
		})

		t.Run("resend answers 202 for known and unknown addresses", func(t *testing.T) {
			email := uniqEmail("resend")
			e.signUp(t, email)
			first := e.mail.activationFor(email)
			e.do(t, "POST", "/v1/auth/activate/resend", map[string]string{"email": email}).expect(t, 202, "")
			second := e.mail.activationFor(email)
			if second == "" || second == first {
				t.Errorf("resend mailed %q, want a new token other than %q", second, first)
			}
			e.do(t, "POST", "/v1/auth/activate/resend", map[string]string{"email": uniqEmail("ghost")}).expect(t, 202, "")
			e.do(t, "POST", "/v1/auth/activate/resend", map[string]string{"email": "bad"}).expect(t, 422, "validation_failed")
			e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": first}).expect(t, 401, "token_invalid")
			e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": second}).expect(t, 200, "")
		})

		t.Run("pages never consume a token", func(t *testing.T) {
			email := uniqEmail("page")
			e.signUp(t, email)
			token := e.mail.activationFor(email)
			for range 2 {
				r := e.do(t, "GET", "/activate?token="+token, nil)
				r.expect(t, 200, "")
				if !strings.Contains(string(r.Body), token) || !strings.Contains(string(r.Body), "v1/auth/activate") {
					t.Errorf("activation page lacks the token or the API path")
				}
				if got := r.Header.Get("Referrer-Policy"); got != "no-referrer" {
					t.Errorf("Referrer-Policy = %q, want no-referrer", got)
				}
				if got := r.Header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control = %q, want no-store (the page holds a live token)", got)
				}
			}
			e.do(t, "GET", "/activate", nil).expect(t, 400, "")
			r := e.do(t, "GET", "/reset-password?token=abc", nil)
			r.expect(t, 200, "")
			if !strings.Contains(string(r.Body), "v1/auth/password/reset") {
				t.Errorf("reset page does not post to the API")
			}
			if strings.Contains(string(r.Body), "<script src") || strings.Contains(string(r.Body), "https://") {
				t.Errorf("reset page loads external assets")
			}
			e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": token}).expect(t, 200, "")
		})
	})
}

func TestLogin(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)

		t.Run("by email and by username", func(t *testing.T) {
			email := uniqEmail("login")
			uname := "u" + strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
			e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": email, "password": password, "username": uname}).expect(t, 201, "")
			e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": e.mail.activationFor(email)}).expect(t, 200, "")
			r := e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password})
			r.expect(t, 200, "")
			if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Pragma") != "no-cache" {
				t.Errorf("Cache-Control %q Pragma %q, want no-store and no-cache", r.Header.Get("Cache-Control"), r.Header.Get("Pragma"))
			}
			var tk tokens
			r.decode(t, &tk)
			if tk.TokenType != "Bearer" || tk.ExpiresIn != 900 || tk.AccessToken == "" || tk.RefreshToken == "" || tk.User.Email != email {
				t.Errorf("token response = %+v, want Bearer, 900 s, both tokens, user %s", tk, email)
			}
			r = e.do(t, "POST", "/v1/auth/login", map[string]string{"username": strings.ToUpper(uname), "password": password})
			r.expect(t, 200, "")
		})

		t.Run("wrong password, unknown account, missing fields", func(t *testing.T) {
			email := uniqEmail("wrong")
			e.activeUser(t, email)
			a := e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": "wrong password"}).expect(t, 401, "invalid_credentials")
			b := e.do(t, "POST", "/v1/auth/login", map[string]string{"email": uniqEmail("nobody"), "password": password}).expect(t, 401, "invalid_credentials")
			if a.Detail != b.Detail {
				t.Errorf("wrong password says %q, unknown account %q: want the same", a.Detail, b.Detail)
			}
			e.do(t, "POST", "/v1/auth/login", map[string]string{}, invalidRequest("no password")).expect(t, 422, "validation_failed")
		})

		t.Run("pending and disabled accounts", func(t *testing.T) {
			pending := uniqEmail("pending")
			e.signUp(t, pending)
			e.do(t, "POST", "/v1/auth/login", map[string]string{"email": pending, "password": "not the password"}).expect(t, 401, "invalid_credentials")
			e.do(t, "POST", "/v1/auth/login", map[string]string{"email": pending, "password": password}).expect(t, 403, "account_not_active")

			_, adm := e.admin(t)
			disabled := uniqEmail("disabled")
			id := e.activeUser(t, disabled)
			e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"status": "disabled"}, bearer(adm.AccessToken)).expect(t, 200, "")
			e.do(t, "POST", "/v1/auth/login", map[string]string{"email": disabled, "password": password}).expect(t, 403, "account_disabled")
		})

		t.Run("lockout after five failures", func(t *testing.T) {
			email := uniqEmail("lock")
			e.activeUser(t, email)
			for i := range 5 {
				e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": "bad guess " + strconv.Itoa(i)}).expect(t, 401, "invalid_credentials")
			}
			r := e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password})
			r.expect(t, 429, "rate_limited")
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
				t.Errorf("Retry-After = %q, want a positive number of seconds", r.Header.Get("Retry-After"))
			}
			e.clock.Advance(2 * time.Second)
			e.login(t, email)
		})
	})
}
