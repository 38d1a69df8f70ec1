package app_test

import (
	"context"
	"crypto/rand"
	"errors"
	"github.com/authd/authd/adapters/aesgcm"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/identifiers"
	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// The use cases are exercised through HTTP in adapters/http over every backend;
// these tests pin the policy arithmetic (refresh grace, back-off, paging) directly,
// over a real SQLite store, with a clock the test moves.

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func (c *clock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// outbox records the clear tokens the app hands to its notifier, each after delay
// (a slow mail server).
type outbox struct {
	mu     sync.Mutex
	tokens map[string]string // e-mail → latest token
	sent   int
	delay  time.Duration
}

func (o *outbox) record(u domain.User, token string) error {
	time.Sleep(o.delay)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.tokens[u.Email] = token
	o.sent++
	return nil
}

func (o *outbox) SendActivation(_ context.Context, u domain.User, token string) error {
	return o.record(u, token)
}

func (o *outbox) SendRecoveryCodeUsed(context.Context, domain.User, int) error { return nil }

func (o *outbox) SendPasswordReset(_ context.Context, u domain.User, token string) error {
	return o.record(u, token)
}

type fixture struct {
	app    *app.App
	clock  *clock
	mail   *outbox
	outbox ports.Outbox
}

func newFixture(t *testing.T, adjust func(*app.Config)) *fixture {
	t.Helper()
	return newFixtureOn(t, "sqlite", nil, adjust)
}

// newFixtureOn is newFixture over a fresh backend of the named kind; wrap, when not
// nil, may replace ports in the Deps (a store that holds a call, say).
func newFixtureOn(t *testing.T, backend string, wrap func(*app.Deps), adjust func(*app.Config)) *fixture {
	t.Helper()
	b := backendtest.Open(t, backend)
	c := &clock{now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	seed, err := jwt.GenerateEd25519Seed()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := jwt.Ed25519KeySet(seed)
	if err != nil {
		t.Fatal(err)
	}
	refreshKey, err := jwt.GenerateRefreshKey()
	if err != nil {
		t.Fatal(err)
	}
	codec, err := jwt.NewRefreshCodec(refreshKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.DefaultConfig()
	if adjust != nil {
		adjust(&cfg)
	}
	mail := &outbox{tokens: map[string]string{}}
	deps := app.Deps{
		Users: b.Users(), Credentials: b.Credentials(), Throttle: b.Throttle(), Sessions: b.Sessions(), Tokens: b.Tokens(),
		Events: b.Events(), Outbox: b.Outbox(), Sealer: testSealer(t),
		Hasher:        argon2.New(argon2.Params{Memory: 1024, Time: 1, Threads: 1}, 0),
		AccessTokens:  jwt.NewIssuer(keys, jwt.Options{Issuer: "https://auth.test", Audience: "authd", Now: c.Now}),
		RefreshTokens: codec,
		Notifier:      mail,
		Clock:         c,
		Random:        rand.Reader,
		Identifiers:   identifiers.New(),
	}
	if wrap != nil {
		wrap(&deps)
	}
	return &fixture{app: app.New(deps, cfg), clock: c, mail: mail, outbox: b.Outbox()}
}

const password = "correct horse battery"

// activeUser signs up and activates an account, returning its first token pair.
func (f *fixture) activeUser(t *testing.T, email string) *app.TokenPair {
	t.Helper()
	ctx := context.Background()
	if _, err := f.app.SignUp(ctx, app.SignUpInput{Email: email, Password: password}); err != nil {
		t.Fatalf("SignUp(%s): %v", email, err)
	}
	if _, err := f.app.Activate(ctx, f.mail.tokens[email], app.Client{}); err != nil {
		t.Fatalf("Activate(%s): %v", email, err)
	}
	pair, err := f.app.Login(ctx, app.LoginInput{Email: email, Password: password})
	if err != nil {
		t.Fatalf("Login(%s): %v", email, err)
	}
	return pair
}

func wantCode(t *testing.T, what string, err error, want domain.Code) {
	t.Helper()
	if got := domain.ErrorCode(err); got != want {
		t.Fatalf("%s: code %q (%v), want %q", what, got, err, want)
	}
}

func TestRefreshGraceAndReuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, nil) // grace 10s
	first := f.activeUser(t, "grace@example.com")

	second, err := f.app.Refresh(ctx, first.RefreshToken, app.Client{})
	wantCode(t, "first rotation", err, "")
	if second.RefreshToken == first.RefreshToken {
		t.Fatal("rotation returned the same refresh token")
	}

	// One step behind, within the grace: the current token again, nobody signed out.
	f.clock.advance(9 * time.Second)
	again, err := f.app.Refresh(ctx, first.RefreshToken, app.Client{})
	wantCode(t, "one step behind within the grace", err, "")
	if again.RefreshToken != second.RefreshToken {
		t.Fatalf("grace refresh gave %q, want the current %q", again.RefreshToken, second.RefreshToken)
	}

	// The current token still rotates normally afterwards.
	third, err := f.app.Refresh(ctx, second.RefreshToken, app.Client{})
	wantCode(t, "rotation after a grace answer", err, "")

	// Two steps behind is reuse even inside the grace: the session is revoked.
	_, err = f.app.Refresh(ctx, first.RefreshToken, app.Client{})
	wantCode(t, "two steps behind", err, domain.CodeRefreshTokenReused)
	_, err = f.app.Refresh(ctx, third.RefreshToken, app.Client{})
	wantCode(t, "current token after reuse revoked the session", err, domain.CodeTokenRevoked)
	_, err = f.app.Authenticate(ctx, third.AccessToken)
	wantCode(t, "access token of the revoked session", err, domain.CodeTokenRevoked)
}

func TestRefreshOneStepBehindAfterTheGraceIsReuse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, nil)
	first := f.activeUser(t, "late@example.com")
	if _, err := f.app.Refresh(ctx, first.RefreshToken, app.Client{}); err != nil {
		t.Fatal(err)
	}
	f.clock.advance(11 * time.Second)
	_, err := f.app.Refresh(ctx, first.RefreshToken, app.Client{})
	wantCode(t, "one step behind after the grace", err, domain.CodeRefreshTokenReused)
}

func TestRefreshConcurrentRotatesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, nil)
	first := f.activeUser(t, "race@example.com")
	const n = 20
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pair, err := f.app.Refresh(ctx, first.RefreshToken, app.Client{})
			if err == nil {
				got[i] = pair.RefreshToken
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("refresh %d of %d: %v", i, n, errs[i])
		}
		if got[i] != got[0] {
			t.Fatalf("refresh %d got %q, refresh 0 got %q: want one new token for all", i, got[i], got[0])
		}
	}
	// Exactly one rotation happened: the new token rotates once more, and the
	// original is now one step behind that (two behind the newest) — reuse.
	next, err := f.app.Refresh(ctx, got[0], app.Client{})
	wantCode(t, "rotating the shared new token", err, "")
	if next.RefreshToken == got[0] {
		t.Fatal("the shared new token did not rotate")
	}
	f.clock.advance(time.Minute)
	_, err = f.app.Refresh(ctx, first.RefreshToken, app.Client{})
	wantCode(t, "the original token after two rotations", err, domain.CodeRefreshTokenReused)
}

func TestRefreshRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, func(c *app.Config) { c.RefreshTTL = time.Hour })

	_, err := f.app.Refresh(ctx, "", app.Client{})
	wantCode(t, "empty token", err, domain.CodeTokenMissing)
	_, err = f.app.Refresh(ctx, "garbage", app.Client{})
	wantCode(t, "garbage token", err, domain.CodeTokenInvalid)

	expiring := f.activeUser(t, "expiring@example.com")
	f.clock.advance(time.Hour)
	_, err = f.app.Refresh(ctx, expiring.RefreshToken, app.Client{})
	wantCode(t, "refresh after the session's lifetime", err, domain.CodeTokenExpired)

	gone := f.activeUser(t, "gone@example.com")
	me, err := f.app.Authenticate(ctx, gone.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.app.DeleteAccount(ctx, *me, password); err != nil {
		t.Fatal(err)
	}
	_, err = f.app.Refresh(ctx, gone.RefreshToken, app.Client{})
	wantCode(t, "refresh of a deleted account", err, domain.CodeTokenRevoked)
}

func TestLoginBackOffDoublesAndResets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, func(c *app.Config) { c.LockoutBase = 10 * time.Second; c.LockoutMax = 35 * time.Second })
	f.activeUser(t, "bo@example.com")
	wrong := app.LoginInput{Email: "bo@example.com", Password: "not the password"}
	right := app.LoginInput{Email: "bo@example.com", Password: password}

	for range 5 {
		_, err := f.app.Login(ctx, wrong)
		wantCode(t, "failure before the threshold", err, domain.CodeInvalidCredentials)
	}
	// Five failures: the next attempt — even with the right password — waits 10s.
	for _, want := range []time.Duration{10 * time.Second, 20 * time.Second, 35 * time.Second, 35 * time.Second} {
		_, err := f.app.Login(ctx, right)
		wantCode(t, "attempt during the back-off", err, domain.CodeRateLimited)
		var de *domain.Error
		if !asError(err, &de) || de.RetryAfter != want {
			t.Fatalf("Retry-After = %v, want %v (doubling from 10s, capped at 35s)", de.RetryAfter, want)
		}
		f.clock.advance(want)
		_, err = f.app.Login(ctx, wrong)
		wantCode(t, "failure once the wait is over", err, domain.CodeInvalidCredentials)
	}
	f.clock.advance(35 * time.Second)
	if _, err := f.app.Login(ctx, right); err != nil {
		t.Fatalf("right password after the wait: %v", err)
	}
	// A success resets the count: five more failures are needed for the next wait.
	for range 4 {
		_, err := f.app.Login(ctx, wrong)
		wantCode(t, "failure after a success", err, domain.CodeInvalidCredentials)
	}
	if _, err := f.app.Login(ctx, right); err != nil {
		t.Fatalf("login after four fresh failures: %v", err)
	}
}

func TestListUsersPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, func(c *app.Config) { c.MaxPageSize = 3; c.DefaultPageSize = 2 })
	if _, err := f.app.CreateAdmin(ctx, app.SignUpInput{Email: "root@example.com", Password: password}); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"} {
		f.clock.advance(time.Millisecond)
		if _, err := f.app.SignUp(ctx, app.SignUpInput{Email: e, Password: password}); err != nil {
			t.Fatal(err)
		}
	}
	admin := app.Principal{UserID: "x", Role: domain.RoleAdmin}

	page, err := f.app.ListUsers(ctx, admin, "", 0)
	wantCode(t, "default page", err, "")
	if len(page.Users) != 2 || page.NextCursor == "" {
		t.Fatalf("default page: %d users, cursor %q; want 2 and a cursor", len(page.Users), page.NextCursor)
	}
	_, err = f.app.ListUsers(ctx, admin, "", 4)
	wantCode(t, "limit above MaxPageSize", err, domain.CodeValidationFailed)
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := f.app.ListUsers(ctx, admin, cursor, 3)
		wantCode(t, "full page", err, "")
		if len(page.Users) > 3 {
			t.Fatalf("page of %d users, want at most the cap 3", len(page.Users))
		}
		for _, u := range page.Users {
			if seen[u.ID] {
				t.Fatalf("user %s listed twice", u.Email)
			}
			seen[u.ID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 5 {
		t.Fatalf("listed %d users, want 5", len(seen))
	}
	_, err = f.app.ListUsers(ctx, admin, "%%%not-base64", 2)
	wantCode(t, "bad cursor", err, domain.CodeValidationFailed)
	_, err = f.app.ListUsers(ctx, admin, "", -1)
	wantCode(t, "negative limit", err, domain.CodeValidationFailed)
	_, err = f.app.ListUsers(ctx, app.Principal{UserID: "x", Role: domain.RoleUser}, "", 2)
	wantCode(t, "non-admin", err, domain.CodeForbidden)
}

func TestDispatcherSendsMailsInTheBackground(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var gated *gatedMail
	f := newFixtureOn(t, "sqlite", func(d *app.Deps) { gated = newGatedMail(d.Notifier); d.Notifier = gated },
		func(c *app.Config) { c.AsyncNotify = true; c.DeliveryPoll = time.Hour })
	done := make(chan struct{})
	go func() { defer close(done); f.app.RunDispatcher(ctx) }()
	defer func() { cancel(); <-done }()
	// The mail server holds every mail, so the sign-ups return only if they do not
	// wait for it.
	emails := []string{"m1@example.com", "m2@example.com", "m3@example.com"}
	within(t, 5*time.Second, "three sign-ups while the mail server is held", func() {
		for _, e := range emails {
			if _, err := f.app.SignUp(ctx, app.SignUpInput{Email: e, Password: password}); err != nil {
				t.Error(err)
			}
		}
	})
	// The poll is an hour, so only the wake-up of the instance that wrote the rows
	// can have started a send.
	select {
	case <-gated.entered:
	case <-time.After(5 * time.Second):
		close(gated.gate)
		t.Fatal("the dispatcher did not start sending within 5s of the sign-ups")
	}
	close(gated.gate)
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mail.mu.Lock()
		sent := f.mail.sent
		f.mail.mu.Unlock()
		if sent == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("5s after the mail server answered %d mails were sent, want 3", sent)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func asError(err error, target **domain.Error) bool { return errors.As(err, target) }

func TestRoleChangesCountAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, nil)
	if _, err := f.app.CreateAdmin(ctx, app.SignUpInput{Email: "boss@example.com", Password: password}); err != nil {
		t.Fatal(err)
	}
	boss, err := f.app.Login(ctx, app.LoginInput{Email: "boss@example.com", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	other := f.activeUser(t, "deputy@example.com")
	root, err := f.app.Authenticate(ctx, boss.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	deputy, err := f.app.Authenticate(ctx, other.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	// Promote the deputy, then have the deputy demote the boss.
	admin := domain.RoleAdmin
	if _, err := f.app.UpdateUser(ctx, *root, deputy.UserID, app.UserPatch{Role: &admin}); err != nil {
		t.Fatal(err)
	}
	deputy, err = f.app.Authenticate(ctx, other.AccessToken) // the same token as before
	if err != nil || !deputy.IsAdmin() {
		t.Fatalf("promoted user's existing token: principal %+v, err %v; want admin at once", deputy, err)
	}
	user := domain.RoleUser
	if _, err := f.app.UpdateUser(ctx, *deputy, root.UserID, app.UserPatch{Role: &user}); err != nil {
		t.Fatal(err)
	}
	root, err = f.app.Authenticate(ctx, boss.AccessToken) // still says role admin inside
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.app.ListUsers(ctx, *root, "", 10)
	wantCode(t, "demoted admin's existing token on an admin use case", err, domain.CodeForbidden)
}

// testSealer is an AES-256-GCM sealer under a fresh random key.
func testSealer(t testing.TB) *aesgcm.Sealer {
	t.Helper()
	key, err := aesgcm.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := aesgcm.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
