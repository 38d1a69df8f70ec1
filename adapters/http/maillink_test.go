package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
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

// heldTokens keeps every token write at the store until the test opens gate;
// entered receives the user id of each write that starts waiting.
type heldTokens struct {
	ports.TokenStore
	gate    chan struct{}
	entered chan string
}

func (h *heldTokens) Create(ctx context.Context, t *domain.OneTimeToken, fx domain.Effects) error {
	h.entered <- t.UserID
	<-h.gate
	return h.TokenStore.Create(ctx, t, fx)
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

func TestMailLinksWaitForRoomInAFullQueue(t *testing.T) {
	held := &heldTokens{gate: make(chan struct{}), entered: make(chan string, 16)}
	s := queued(func(c *app.Config) { c.BackgroundWorkers = 1; c.BackgroundQueue = 1 })
	s.tokens = func(next ports.TokenStore) ports.TokenStore { held.TokenStore = next; return held }
	e := newEnvWith(t, "sqlite", s)
	emails := []string{uniqEmail("full1"), uniqEmail("full2"), uniqEmail("full3")}
	for _, email := range emails {
		if _, err := e.core.CreateAdmin(context.Background(), app.SignUpInput{Email: email, Password: password}); err != nil {
			t.Fatal(err)
		}
	}
	live := served(t, e)
	forgot := func(email string) (int, error) {
		res, err := live.client.Post(live.base+"/v1/auth/password/forgot", "application/json",
			strings.NewReader(`{"email":"`+email+`"}`))
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		return res.StatusCode, nil
	}
	// The first job holds the only worker at the token store; the second fills the
	// queue's one place.
	for i, email := range emails[:2] {
		if status, err := forgot(email); err != nil || status != http.StatusAccepted {
			t.Fatalf("forgot %d: %d, %v; want 202", i+1, status, err)
		}
		if i == 0 {
			<-held.entered
		}
	}
	type answer struct {
		status int
		err    error
	}
	third := make(chan answer, 1)
	go func() { status, err := forgot(emails[2]); third <- answer{status, err} }()
	select {
	case a := <-third:
		t.Fatalf("forgot on a full queue answered %d (%v) at once, want it to wait for room", a.status, a.err)
	case <-time.After(300 * time.Millisecond):
	}
	close(held.gate)
	select {
	case a := <-third:
		if a.err != nil || a.status != http.StatusAccepted {
			t.Fatalf("forgot once the queue had room: %d, %v; want 202", a.status, a.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("forgot still waiting 10s after the queue had room")
	}
	e.settle(t)
	for _, email := range emails {
		if e.mail.resetFor(email) == "" {
			t.Errorf("no reset mail for %s after Drain: a job was dropped", email)
		}
	}
}
