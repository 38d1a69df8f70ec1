package httpapi_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	httpapi "github.com/authd/authd/adapters/http"
)

// A signed-in account cannot use the e-mail change to flood someone's mailbox:
// the request has the per-IP budget of the mail-sending operations.
func TestEmailChangeRateLimited(t *testing.T) {
	e := newEnv(t, "sqlite", func(o *httpapi.Options) {
		o.RateLimits = httpapi.RateLimits{Forgot: httpapi.Limit{Max: 2, Window: time.Minute}}
	})
	email := uniqEmail("flood")
	e.activeUser(t, email)
	at := bearer(e.login(t, email).AccessToken)
	victim := uniqEmail("victim")
	for range 2 {
		e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": victim, "password": password}, at).expect(t, 202, "")
	}
	e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": victim, "password": password}, at).expect(t, 429, "rate_limited")
}

func TestEmailChange(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)

		t.Run("change, confirm, log in with the new address only", func(t *testing.T) {
			old, next := uniqEmail("old"), uniqEmail("new")
			e.activeUser(t, old)
			tk := e.login(t, old)
			e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": strings.ToUpper(next), "password": password},
				bearer(tk.AccessToken)).expect(t, 202, "")
			token := e.mail.changeFor(next)
			if token == "" {
				t.Fatalf("no confirmation mail to %s", next)
			}
			if got := e.mail.changeNoticesFor(old); !slices.Equal(got, []string{next}) {
				t.Errorf("notices to the old address = %v, want [%s]", got, next)
			}
			// Nothing moved yet: the old address still logs in.
			e.login(t, old)

			// The page shows the form and consumes nothing.
			r := e.do(t, "GET", "/confirm-email?token="+token, nil)
			r.expect(t, 200, "")
			if !strings.Contains(string(r.Body), "v1/auth/email/confirm") || !strings.Contains(string(r.Body), token) {
				t.Errorf("confirm page lacks the token or the API path")
			}
			e.do(t, "GET", "/confirm-email", nil).expect(t, 400, "")

			r = e.do(t, "POST", "/v1/auth/email/confirm", map[string]string{"token": token})
			r.expect(t, 200, "")
			var b userBody
			r.decode(t, &b)
			if b.User.Email != next {
				t.Errorf("confirmed e-mail = %q, want %q", b.User.Email, next)
			}
			e.do(t, "POST", "/v1/auth/email/confirm", map[string]string{"token": token}).expect(t, 401, "token_invalid")
			e.do(t, "POST", "/v1/auth/login", map[string]string{"email": old, "password": password}).expect(t, 401, "invalid_credentials")
			if got := e.login(t, next).User.Email; got != next {
				t.Errorf("login with the new address returned e-mail %q", got)
			}
			// The old address is free for a new account.
			e.signUp(t, old)
			// Events: the request and the change, in the user's own log.
			r = e.do(t, "GET", "/v1/auth/events", nil, bearer(e.login(t, next).AccessToken))
			r.expect(t, 200, "")
			for _, typ := range []string{"email_change.requested", "email.changed"} {
				if !strings.Contains(string(r.Body), `"`+typ+`"`) {
					t.Errorf("own events lack %s: %s", typ, r.Body)
				}
			}
		})

		t.Run("refusals change nothing", func(t *testing.T) {
			email, other := uniqEmail("refuse"), uniqEmail("holder")
			e.activeUser(t, email)
			e.activeUser(t, other)
			tk := e.login(t, email)
			auth := bearer(tk.AccessToken)
			e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": uniqEmail("x")}, auth).expect(t, 422, "validation_failed")
			e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": "not-an-address", "password": password}, auth).expect(t, 422, "validation_failed")
			e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": email, "password": password}, auth).expect(t, 422, "validation_failed")
			wrong := uniqEmail("wrongpw")
			e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": wrong, "password": "not the password"}, auth).expect(t, 401, "invalid_credentials")
			if e.mail.changeFor(wrong) != "" {
				t.Errorf("a refused request mailed a link")
			}
			e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": other, "password": password}, auth).expect(t, 409, "email_taken")
			e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": uniqEmail("anon"), "password": password}).expect(t, 401, "token_missing")
			e.do(t, "POST", "/v1/auth/email/confirm", map[string]string{"token": "never-issued"}).expect(t, 401, "token_invalid")
			e.do(t, "POST", "/v1/auth/email/confirm", map[string]string{}, invalidRequest("no token")).expect(t, 422, "validation_failed")

			// A newer request voids the older link.
			first, second := uniqEmail("first"), uniqEmail("second")
			e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": first, "password": password}, auth).expect(t, 202, "")
			e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": second, "password": password}, auth).expect(t, 202, "")
			e.do(t, "POST", "/v1/auth/email/confirm", map[string]string{"token": e.mail.changeFor(first)}).expect(t, 401, "token_invalid")
			e.login(t, email)
		})

		t.Run("two accounts race to confirm one address: one winner", func(t *testing.T) {
			target := uniqEmail("contested")
			const n = 4
			owners := make([]string, n)
			tokens := make([]string, n)
			for i := range owners {
				owners[i] = uniqEmail("racer")
				e.activeUser(t, owners[i])
				e.do(t, "POST", "/v1/auth/email", map[string]string{"new_email": target, "password": password},
					bearer(e.login(t, owners[i]).AccessToken)).expect(t, 202, "")
				tokens[i] = e.mail.changeFor(target)
			}
			statuses := make([]int, n)
			var wg sync.WaitGroup
			for i := range tokens {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = e.do(t, "POST", "/v1/auth/email/confirm", map[string]string{"token": tokens[i]}).Status
				}()
			}
			wg.Wait()
			winners := 0
			for i, s := range statuses {
				switch s {
				case 200:
					winners++
					e.login(t, target)
				case 409:
					e.login(t, owners[i]) // the loser keeps its address
				default:
					t.Errorf("confirm %d answered %d, want 200 or 409", i, s)
				}
			}
			if winners != 1 {
				t.Errorf("%d confirmations won, want exactly 1 (statuses %v)", winners, statuses)
			}
		})
	})
}
