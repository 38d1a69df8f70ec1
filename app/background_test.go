package app_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Forgot and resend do only the address check inside the request; the lookup and
// the token with its outbox mail run on the background queue, and the dispatcher
// sends the mail. These tests pin what that queue promises: the same mails as
// before, nothing lost on Drain, no job dropped when it is full, and failures
// logged without secrets.

// settle delivers the outbox — link requests, then the mails they store — as the
// dispatcher of a running authd would.
func (f *fixture) settle(t *testing.T) {
	t.Helper()
	for {
		n, err := f.app.DispatchOnce(context.Background())
		if err != nil {
			t.Fatalf("DispatchOnce: %v", err)
		}
		if n == 0 {
			return
		}
	}
}

// gatedMail holds every mail until the test opens the gate, so a test can see what
// happens while mails are pending. entered receives once per mail that is waiting.
type gatedMail struct {
	next    ports.Notifier
	gate    chan struct{}
	entered chan string
}

func newGatedMail(next ports.Notifier) *gatedMail {
	return &gatedMail{next: next, gate: make(chan struct{}), entered: make(chan string, 64)}
}

func (g *gatedMail) wait(u domain.User) {
	g.entered <- u.Email
	<-g.gate
}

func (g *gatedMail) SendActivation(ctx context.Context, u domain.User, token string) error {
	g.wait(u)
	return g.next.SendActivation(ctx, u, token)
}

func (g *gatedMail) SendPasswordReset(ctx context.Context, u domain.User, token string) error {
	g.wait(u)
	return g.next.SendPasswordReset(ctx, u, token)
}

// within fails t unless fn returns within d; what names fn in the failure.
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
	}
}

// latest returns the token last mailed to email and the number of mails sent.
func (o *outbox) latest(email string) (string, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.tokens[email], o.sent
}

// admins creates active accounts without mail (CreateAdmin sends none).
func (f *fixture) admins(t *testing.T, emails ...string) {
	t.Helper()
	for _, e := range emails {
		if _, err := f.app.CreateAdmin(context.Background(), app.SignUpInput{Email: e, Password: password}); err != nil {
			t.Fatalf("CreateAdmin(%s): %v", e, err)
		}
	}
}

func TestMailLinksInTheBackground(t *testing.T) {
	t.Parallel()
	backendtest.Each(t, func(t *testing.T, backend string) {
		ctx := context.Background()
		f := newFixtureOn(t, backend, nil, func(c *app.Config) { c.AsyncNotify = true })
		f.admins(t, "active@example.com", "disabled@example.com")
		if _, err := f.app.SignUp(ctx, app.SignUpInput{Email: "pending@example.com", Password: password}); err != nil {
			t.Fatal(err)
		}
		f.settle(t) // the sign-up mail
		disabled := domain.StatusDisabled
		dis, err := f.app.Login(ctx, app.LoginInput{Email: "disabled@example.com", Password: password})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.UpdateUser(ctx, app.Principal{UserID: "root", Role: domain.RoleAdmin}, dis.User.ID, app.UserPatch{Status: &disabled}); err != nil {
			t.Fatal(err)
		}

		// use spends a mailed token the way its link would.
		reset := func(tok string) error { return f.app.ResetPassword(ctx, tok, "a brand new password", app.Client{}) }
		activate := func(tok string) error { _, err := f.app.Activate(ctx, tok, app.Client{}); return err }
		forgot, resend := f.app.ForgotPassword, f.app.ResendActivation
		for _, tc := range []struct {
			name  string
			call  func(context.Context, string, app.Client) error
			email string
			use   func(string) error // nil: no mail may be sent
		}{
			{"forgot, active account", forgot, "active@example.com", reset},
			{"forgot, pending account", forgot, "pending@example.com", reset},
			{"forgot, disabled account", forgot, "disabled@example.com", nil},
			{"forgot, unknown address", forgot, "nobody@example.com", nil},
			{"resend, pending account", resend, "pending@example.com", activate},
			{"resend, active account", resend, "active@example.com", nil},
			{"resend, disabled account", resend, "disabled@example.com", nil},
			{"resend, unknown address", resend, "nobody@example.com", nil},
		} {
			before, sentBefore := f.mail.latest(tc.email)
			if err := tc.call(ctx, "  "+strings.ToUpper(tc.email), app.Client{}); err != nil {
				t.Fatalf("%s: %v, want nil", tc.name, err)
			}
			f.settle(t)
			after, sent := f.mail.latest(tc.email)
			if tc.use == nil {
				if sent != sentBefore {
					t.Errorf("%s: %d mails sent, want none", tc.name, sent-sentBefore)
				}
				continue
			}
			if sent != sentBefore+1 || after == "" || after == before {
				t.Errorf("%s: %d mails sent, token %q (before %q); want one mail with a new token", tc.name, sent-sentBefore, after, before)
				continue
			}
			if err := tc.use(after); err != nil {
				t.Errorf("%s: the mailed token was refused: %v", tc.name, err)
			}
		}
	})
}

func TestMailLinksRefuseMalformedAddressesInTheRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *app.Config) { c.AsyncNotify = true })
	for name, call := range map[string]func(context.Context, string, app.Client) error{
		"forgot": f.app.ForgotPassword, "resend": f.app.ResendActivation,
	} {
		wantCode(t, name+" with a malformed address", call(context.Background(), "not-an-address", app.Client{}), domain.CodeValidationFailed)
	}
}

// failingTokens refuses to store any token.
type failingTokens struct{ ports.TokenStore }

func (failingTokens) Create(context.Context, *domain.OneTimeToken, domain.Effects) error {
	return domain.Errorf(domain.CodeUnavailable, "The database is not answering.")
}

// failingMail records the token it was given and fails.
type failingMail struct {
	mu    sync.Mutex
	token string
}

func (m *failingMail) fail(token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.token = token
	return errors.New("smtp: 451 try again later")
}

func (m *failingMail) SendActivation(_ context.Context, _ domain.User, token string) error {
	return m.fail(token)
}

func (m *failingMail) SendPasswordReset(_ context.Context, _ domain.User, token string) error {
	return m.fail(token)
}

// syncBuffer is a bytes.Buffer the background workers may write to concurrently.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestMailLinkFailuresAreLoggedNotReturned(t *testing.T) {
	t.Parallel()
	const email = "unlucky@example.com"
	for _, tc := range []struct {
		name string
		wrap func(*app.Deps, *failingMail)
		want string
	}{
		{"the token cannot be stored", func(d *app.Deps, _ *failingMail) { d.Tokens = failingTokens{d.Tokens} },
			`"msg":"storing the token of a mail link failed","kind":"password_reset","user_id":"`},
		{"the mail cannot be sent", func(d *app.Deps, m *failingMail) { d.Notifier = m },
			`"msg":"delivery failed; will retry","delivery_id":"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			mail := &failingMail{}
			f := newFixtureOn(t, "sqlite", func(d *app.Deps) {
				d.Logger = slog.New(slog.NewJSONHandler(logs, nil))
				tc.wrap(d, mail)
			}, func(c *app.Config) { c.AsyncNotify = true })
			f.admins(t, email)
			if err := f.app.ForgotPassword(context.Background(), email, app.Client{}); err != nil {
				t.Fatalf("ForgotPassword: %v, want nil (a background failure is logged, not returned)", err)
			}
			f.settle(t)
			out := logs.String()
			if !strings.Contains(out, tc.want) {
				t.Errorf("log %q does not contain %q", out, tc.want)
			}
			mail.mu.Lock()
			token := mail.token
			mail.mu.Unlock()
			if strings.Contains(out, email) || strings.Contains(out, "unlucky") || (token != "" && strings.Contains(out, token)) {
				t.Errorf("log %q names the address or the token", out)
			}
		})
	}
}
