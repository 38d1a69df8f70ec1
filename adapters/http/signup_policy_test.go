package httpapi_test

import (
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/app"
)

// TestSignupWithoutActivation runs the service with RequireActivation off: a
// sign-up creates an active account at once, mails nothing and can log in.
func TestSignupWithoutActivation(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnvWith(t, backend, envSetup{config: func(c *app.Config) { c.RequireActivation = false }})
		email := uniqEmail("noact")

		u := e.signUp(t, email)
		if u.Status != "active" {
			t.Errorf("status = %q, want active", u.Status)
		}
		if u.ActivatedAt == nil {
			t.Fatalf("activated_at = null, want the sign-up time")
		}
		at, err := time.Parse(time.RFC3339, *u.ActivatedAt)
		if err != nil {
			t.Fatalf("activated_at %q: %v", *u.ActivatedAt, err)
		}
		if now := e.clock.Now(); !at.Equal(now) {
			t.Errorf("activated_at = %s, want the sign-up time %s", at, now)
		}
		if got := e.mail.activationFor(email); got != "" {
			t.Errorf("activation mail sent to %s, want none", email)
		}
		if n := e.mail.activationCount(); n != 0 {
			t.Errorf("%d activation mails sent, want none", n)
		}

		tk := e.login(t, email)
		if tk.User.ID != u.ID || tk.User.Status != "active" {
			t.Errorf("login user = %+v, want id %s and status active", tk.User, u.ID)
		}
		r := e.do(t, "GET", "/v1/auth/me", nil, bearer(tk.AccessToken))
		r.expect(t, 200, "")
		var me userBody
		r.decode(t, &me)
		if me.User.ID != u.ID {
			t.Errorf("me = %s, want %s", me.User.ID, u.ID)
		}
	})
}

// activationCount returns how many addresses were mailed an activation token.
func (m *mailbox) activationCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.activation)
}
