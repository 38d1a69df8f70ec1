package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/app"
)

// queued is the envSetup of the service as authd runs it: forgot and resend answer
// after checking the address, and the lookup, token and mail run on the background
// queue (app.Config.AsyncNotify).
func queued(adjust func(*app.Config)) envSetup {
	return envSetup{config: func(c *app.Config) {
		c.AsyncNotify = true
		if adjust != nil {
			adjust(c)
		}
	}}
}

func TestMailLinksThroughTheQueue(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnvWith(t, backend, queued(nil))
		_, adm := e.admin(t)
		active, disabled, pending := uniqEmail("q-active"), uniqEmail("q-disabled"), uniqEmail("q-pending")
		for _, email := range []string{active, disabled} {
			if _, err := e.core.CreateAdmin(context.Background(), app.SignUpInput{Email: email, Password: password}); err != nil {
				t.Fatal(err)
			}
		}
		off := e.login(t, disabled)
		e.do(t, "PATCH", "/v1/users/"+off.User.ID, map[string]string{"status": "disabled"}, bearer(adm.AccessToken)).expect(t, 200, "")
		e.signUp(t, pending)
		e.settle(t) // the sign-up mail
		signUpToken := e.mail.activationFor(pending)

		resetWorks := func(t *testing.T, token string) {
			t.Helper()
			e.do(t, "POST", "/v1/auth/password/reset", map[string]string{"token": token, "new_password": "a brand new secret"}).expect(t, 204, "")
		}
		activateWorks := func(t *testing.T, token string) {
			t.Helper()
			e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": token}).expect(t, 200, "")
		}
		for _, tc := range []struct {
			name, path, email string
			mailed            func(string) string
			use               func(*testing.T, string) // nil: no mail may be sent
		}{
			{"forgot, unknown address", "/v1/auth/password/forgot", uniqEmail("ghost"), e.mail.resetFor, nil},
			{"forgot, disabled account", "/v1/auth/password/forgot", disabled, e.mail.resetFor, nil},
			{"forgot, active account", "/v1/auth/password/forgot", active, e.mail.resetFor, resetWorks},
			{"resend, unknown address", "/v1/auth/activate/resend", uniqEmail("ghost"), e.mail.activationFor, nil},
			{"resend, active account", "/v1/auth/activate/resend", active, e.mail.activationFor, nil},
			{"resend, pending account", "/v1/auth/activate/resend", pending, e.mail.activationFor, activateWorks},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := tc.mailed(tc.email)
				e.do(t, "POST", tc.path, map[string]string{"email": strings.ToUpper(tc.email)}).expect(t, 202, "")
				e.settle(t)
				after := tc.mailed(tc.email)
				switch {
				case tc.use == nil && after != before:
					t.Fatalf("mailed token %q, want no mail", after)
				case tc.use != nil && (after == "" || after == before):
					t.Fatalf("mailed token %q (before %q), want a new one", after, before)
				case tc.use != nil:
					tc.use(t, after)
				}
			})
		}
		// The resent token replaced the sign-up one.
		e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": signUpToken}).expect(t, 401, "token_invalid")
		for _, path := range []string{"/v1/auth/password/forgot", "/v1/auth/activate/resend"} {
			e.do(t, "POST", path, map[string]string{"email": "not-an-address"}).expect(t, 422, "validation_failed")
		}
	})
}
