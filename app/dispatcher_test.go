package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

func TestRetryDelayDoublesWithJitterUpToTenMinutes(t *testing.T) {
	t.Parallel()
	for attempts := 1; attempts <= 40; attempts++ {
		base := min(time.Second<<min(attempts-1, 30), 10*time.Minute)
		for range 50 {
			d := app.RetryDelay(attempts)
			if d < base || d > min(base*3/2, 10*time.Minute) {
				t.Fatalf("RetryDelay(%d) = %v, want within [%v, %v]", attempts, d, base, min(base*3/2, 10*time.Minute))
			}
		}
	}
}

// flakyMail fails its first n mails.
type flakyMail struct {
	mu   sync.Mutex
	fail int
	sent []string
}

func (m *flakyMail) send(u domain.User, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail > 0 {
		m.fail--
		return errors.New("smtp: 451 try again later")
	}
	m.sent = append(m.sent, u.Email+" "+token)
	return nil
}

func (m *flakyMail) SendActivation(_ context.Context, u domain.User, token string) error {
	return m.send(u, token)
}
func (m *flakyMail) SendPasswordReset(_ context.Context, u domain.User, token string) error {
	return m.send(u, token)
}
func (m *flakyMail) SendRecoveryCodeUsed(_ context.Context, u domain.User, remaining int) error {
	return m.send(u, fmt.Sprintf("recovery codes left: %d", remaining))
}

// A mail that fails is retried after the back-off, and one that keeps failing past
// DeliveryMaxAge is buried: never sent, and counted dead.
func TestDispatcherRetriesThenBuries(t *testing.T) {
	t.Parallel()
	mail := &flakyMail{fail: 2}
	f := newFixtureOn(t, "sqlite", func(d *app.Deps) { d.Notifier = mail }, func(c *app.Config) { c.DeliveryMaxAge = time.Hour })
	ctx := context.Background()
	if _, err := f.app.SignUp(ctx, app.SignUpInput{Email: "retry@example.com", Password: password}); err != nil {
		t.Fatal(err) // the first attempt ran inside SignUp and failed
	}
	dispatchAt := func(at time.Time) int {
		f.clock.set(at)
		n, err := f.app.DispatchOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	start := f.clock.Now()
	if n := dispatchAt(start.Add(500 * time.Millisecond)); n != 0 {
		t.Errorf("a dispatch 0.5 s after the first failure claimed %d rows, want none (the retry is 1-1.5 s later)", n)
	}
	if n := dispatchAt(start.Add(1600 * time.Millisecond)); n != 1 {
		t.Fatalf("a dispatch 1.6 s after the first failure claimed %d rows, want the retry", n)
	}
	if n := dispatchAt(start.Add(5 * time.Second)); n != 1 || len(mail.sent) != 1 || !strings.HasPrefix(mail.sent[0], "retry@example.com ") {
		t.Fatalf("third attempt: %d claimed, mails %v; want the activation mail sent", n, mail.sent)
	}

	mail.fail = 1 << 30
	if _, err := f.app.SignUp(ctx, app.SignUpInput{Email: "doomed@example.com", Password: password}); err != nil {
		t.Fatal(err)
	}
	for at := f.clock.Now(); ; at = at.Add(11 * time.Minute) {
		dispatchAt(at)
		if at.Sub(start) > 3*time.Hour {
			break
		}
	}
	pending, dead, err := f.outbox.Counts(ctx)
	if err != nil || pending != 0 || dead != 1 {
		t.Errorf("after an hour and more of failures: %d pending, %d dead (%v); want the row dead", pending, dead, err)
	}
	if len(mail.sent) != 1 {
		t.Errorf("mails sent %v, want only the first account's", mail.sent)
	}
}

// The token of a waiting mail is stored sealed, never in the clear, and only the
// mail carries it out.
func TestWaitingMailKeepsItsTokenSealed(t *testing.T) {
	t.Parallel()
	mail := &flakyMail{fail: 1}
	f := newFixtureOn(t, "sqlite", func(d *app.Deps) { d.Notifier = mail }, nil)
	ctx := context.Background()
	if _, err := f.app.SignUp(ctx, app.SignUpInput{Email: "sealed@example.com", Password: password}); err != nil {
		t.Fatal(err)
	}
	later := f.clock.Now().Add(time.Minute)
	rows, err := f.outbox.Claim(ctx, "peek", later, later, 10)
	if err != nil || len(rows) != 1 {
		t.Fatalf("Claim = %d rows, %v; want the waiting mail", len(rows), err)
	}
	sealed := rows[0].Sealed
	if err := f.outbox.Retry(ctx, rows[0], later, "peeked"); err != nil {
		t.Fatal(err)
	}
	f.clock.set(later)
	if n, err := f.app.DispatchOnce(ctx); err != nil || n != 1 || len(mail.sent) != 1 {
		t.Fatalf("DispatchOnce = %d, %v, mails %v; want the mail sent", n, err, mail.sent)
	}
	token := strings.TrimPrefix(mail.sent[0], "sealed@example.com ")
	if len(token) < 40 || len(sealed) < len(token) || strings.Contains(string(sealed), token) {
		t.Errorf("stored secret %q holds the mailed token %q in the clear (or is too short to hold it sealed)", sealed, token)
	}
	if _, err := f.app.Activate(ctx, token, app.Client{}); err != nil {
		t.Errorf("the mailed token does not activate: %v", err)
	}
	if pending, _, _ := f.outbox.Counts(ctx); pending != 0 {
		t.Errorf("%d rows pending after delivery, want none (the sealed token goes with its row)", pending)
	}
}

// recordedHooks is a webhook endpoint that records what it was sent.
type recordedHooks struct {
	mu   sync.Mutex
	ids  []string
	body []string
}

func (h *recordedHooks) Send(_ context.Context, id string, body []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ids, h.body = append(h.ids, id), append(h.body, string(body))
	return nil
}

// Only the events AUTH_WEBHOOK_EVENTS selects go to the webhook, each with its
// event id as the message id.
func TestWebhooksFollowTheEventFilter(t *testing.T) {
	t.Parallel()
	hooks := &recordedHooks{}
	f := newFixtureOn(t, "sqlite", func(d *app.Deps) { d.Webhooks = hooks }, func(c *app.Config) {
		c.Webhooks, c.WebhookEvents, c.RequireActivation = true, []string{"login.", "user.deleted"}, false
	})
	ctx := context.Background()
	if _, err := f.app.SignUp(ctx, app.SignUpInput{Email: "hooked@example.com", Password: password}); err != nil {
		t.Fatal(err)
	}
	_, err := f.app.Login(ctx, app.LoginInput{Email: "hooked@example.com", Password: "not the password"})
	wantCode(t, "wrong password", err, domain.CodeInvalidCredentials)
	pair, err := f.app.Login(ctx, app.LoginInput{Email: "hooked@example.com", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	events, err := f.app.MyEvents(ctx, app.Principal{UserID: pair.User.ID}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var want []string // the selected events, oldest first, as they were posted
	for i := len(events.Events) - 1; i >= 0; i-- {
		if e := events.Events[i]; strings.HasPrefix(string(e.Type), "login.") {
			want = append(want, e.ID)
		}
	}
	hooks.mu.Lock()
	defer hooks.mu.Unlock()
	if len(want) != 2 || strings.Join(hooks.ids, ",") != strings.Join(want, ",") {
		t.Fatalf("webhook ids %v, want the login events %v (and not user.created)", hooks.ids, want)
	}
	if !strings.Contains(hooks.body[0], `"type":"login.failed"`) || !strings.Contains(hooks.body[1], `"type":"login.succeeded"`) {
		t.Errorf("webhook bodies %v, want login.failed then login.succeeded", hooks.body)
	}
}
