package deadline_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/deadline"
	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// fake is a backend whose every method hands its context to hook and returns what
// hook says, with fixed non-zero results so that pass-through can be seen.
type fake struct {
	hook func(ctx context.Context, method string) error

	mu     sync.Mutex
	called []string
}

func (f *fake) do(ctx context.Context, method string) error {
	f.mu.Lock()
	f.called = append(f.called, method)
	f.mu.Unlock()
	return f.hook(ctx, method)
}

var (
	theUser    = &domain.User{ID: "u1", Email: "ann@example.com"}
	theSession = &domain.Session{ID: "s1", UserID: "u1"}
)

func (f *fake) Users() ports.UserStore             { return fakeUsers{f} }
func (f *fake) Credentials() ports.CredentialStore { return fakeCredentials{f} }
func (f *fake) Throttle() ports.LoginThrottle      { return fakeThrottle{f} }
func (f *fake) Sessions() ports.SessionStore       { return fakeSessions{f} }
func (f *fake) Tokens() ports.TokenStore           { return fakeTokens{f} }
func (f *fake) Secrets() ports.SecretStore         { return fakeSecrets{f} }
func (f *fake) Events() ports.EventStore           { return fakeEvents{f} }
func (f *fake) Outbox() ports.Outbox               { return fakeOutbox{f} }
func (f *fake) Ping(ctx context.Context) error     { return f.do(ctx, "Ping") }
func (f *fake) Close() error                       { return nil }

type fakeUsers struct{ f *fake }

func (u fakeUsers) Create(ctx context.Context, _ *domain.User, _ domain.Effects) error {
	return u.f.do(ctx, "Users.Create")
}
func (u fakeUsers) CreatePending(ctx context.Context, _ *domain.User, _ *domain.OneTimeToken, _ domain.Effects) error {
	return u.f.do(ctx, "Users.CreatePending")
}
func (u fakeUsers) ByID(ctx context.Context, _ string) (*domain.User, error) {
	return theUser, u.f.do(ctx, "Users.ByID")
}
func (u fakeUsers) ByEmail(ctx context.Context, _ string) (*domain.User, error) {
	return theUser, u.f.do(ctx, "Users.ByEmail")
}
func (u fakeUsers) ByUsername(ctx context.Context, _ string) (*domain.User, error) {
	return theUser, u.f.do(ctx, "Users.ByUsername")
}
func (u fakeUsers) Update(ctx context.Context, _ string, change func(*domain.User) (domain.Effects, error)) (*domain.User, error) {
	if err := u.f.do(ctx, "Users.Update"); err != nil {
		return nil, err
	}
	cp := *theUser
	_, err := change(&cp)
	return &cp, err
}
func (u fakeUsers) Delete(ctx context.Context, _ string, _ domain.Effects) error {
	return u.f.do(ctx, "Users.Delete")
}
func (u fakeUsers) List(ctx context.Context, _ string, _ int) ([]domain.User, error) {
	return []domain.User{*theUser}, u.f.do(ctx, "Users.List")
}

type fakeCredentials struct{ f *fake }

func (c fakeCredentials) SetPasswordHash(ctx context.Context, _, _ string, _ time.Time) error {
	return c.f.do(ctx, "Credentials.SetPasswordHash")
}
func (c fakeCredentials) ChangePassword(ctx context.Context, _, _, _ string, _ time.Time, _ domain.Effects) error {
	return c.f.do(ctx, "Credentials.ChangePassword")
}

type fakeThrottle struct{ f *fake }

func (t fakeThrottle) Reserve(ctx context.Context, _ string, _ time.Time, _ domain.Backoff) (time.Duration, error) {
	return 7 * time.Second, t.f.do(ctx, "Throttle.Reserve")
}
func (t fakeThrottle) Clear(ctx context.Context, _ string) error {
	return t.f.do(ctx, "Throttle.Clear")
}

type fakeSessions struct{ f *fake }

func (s fakeSessions) Create(ctx context.Context, _ *domain.Session, _ domain.Effects) error {
	return s.f.do(ctx, "Sessions.Create")
}
func (s fakeSessions) ByID(ctx context.Context, _ string) (*domain.Session, error) {
	return theSession, s.f.do(ctx, "Sessions.ByID")
}
func (s fakeSessions) Rotate(ctx context.Context, _ string, _ uint64, _ time.Time) error {
	return s.f.do(ctx, "Sessions.Rotate")
}
func (s fakeSessions) Revoke(ctx context.Context, _ string, _ time.Time, _ domain.Effects) error {
	return s.f.do(ctx, "Sessions.Revoke")
}
func (s fakeSessions) RevokeAll(ctx context.Context, _, _ string, _ time.Time, _ domain.Effects) (int, error) {
	return 3, s.f.do(ctx, "Sessions.RevokeAll")
}
func (s fakeSessions) Live(ctx context.Context, _ string, _ time.Time) ([]domain.Session, error) {
	return []domain.Session{*theSession}, s.f.do(ctx, "Sessions.Live")
}

type fakeTokens struct{ f *fake }

func (t fakeTokens) Create(ctx context.Context, _ *domain.OneTimeToken, _ domain.Effects) error {
	return t.f.do(ctx, "Tokens.Create")
}
func (t fakeTokens) ConsumeActivation(ctx context.Context, _ string, _ time.Time, _ domain.Effects) (*domain.User, error) {
	return theUser, t.f.do(ctx, "Tokens.ConsumeActivation")
}
func (t fakeTokens) ConsumeReset(ctx context.Context, _, _ string, _ time.Time, _ domain.Effects) (*domain.User, error) {
	return theUser, t.f.do(ctx, "Tokens.ConsumeReset")
}

type fakeEvents struct{ f *fake }

func (e fakeEvents) Append(ctx context.Context, _ domain.Effects) error {
	return e.f.do(ctx, "Events.Append")
}
func (e fakeEvents) List(ctx context.Context, _ domain.EventFilter) ([]domain.Event, error) {
	return []domain.Event{{ID: "e1"}}, e.f.do(ctx, "Events.List")
}
func (e fakeEvents) Purge(ctx context.Context, _ time.Time) (int64, error) {
	return 4, e.f.do(ctx, "Events.Purge")
}

type fakeOutbox struct{ f *fake }

func (o fakeOutbox) Claim(ctx context.Context, _ string, _, _ time.Time, _ int) ([]domain.Delivery, error) {
	return []domain.Delivery{{ID: "d1"}}, o.f.do(ctx, "Outbox.Claim")
}
func (o fakeOutbox) Complete(ctx context.Context, _ []domain.Delivery) error {
	return o.f.do(ctx, "Outbox.Complete")
}
func (o fakeOutbox) Retry(ctx context.Context, _ domain.Delivery, _ time.Time, _ string) error {
	return o.f.do(ctx, "Outbox.Retry")
}
func (o fakeOutbox) Bury(ctx context.Context, _ domain.Delivery, _ time.Time, _ string) error {
	return o.f.do(ctx, "Outbox.Bury")
}
func (o fakeOutbox) Counts(ctx context.Context) (int64, int64, error) {
	return 5, 6, o.f.do(ctx, "Outbox.Counts")
}

type fakeSecrets struct{ f *fake }

func (s fakeSecrets) Secret(ctx context.Context, _ string, _ []byte) ([]byte, error) {
	return []byte("stored"), s.f.do(ctx, "Secrets.Secret")
}

// portCall is one port method called through a backend; result is a printable
// form of what it returned besides the error.
type portCall struct {
	method string
	call   func(ctx context.Context, b ports.Backend) (result any, err error)
}

func portCalls() []portCall {
	at := time.Unix(1700000000, 0)
	noChange := func(*domain.User) (domain.Effects, error) { return domain.Effects{}, nil }
	return append(append(append(mfaPortCalls(at), passkeyPortCalls(at)...), identityPortCalls(at)...), []portCall{
		{"Users.Create", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Users().Create(ctx, &domain.User{}, domain.Effects{})
		}},
		{"Users.CreatePending", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Users().CreatePending(ctx, &domain.User{}, &domain.OneTimeToken{}, domain.Effects{})
		}},
		{"Users.ByID", func(ctx context.Context, b ports.Backend) (any, error) { return b.Users().ByID(ctx, "u1") }},
		{"Users.ByEmail", func(ctx context.Context, b ports.Backend) (any, error) { return b.Users().ByEmail(ctx, "a@b.c") }},
		{"Users.ByUsername", func(ctx context.Context, b ports.Backend) (any, error) { return b.Users().ByUsername(ctx, "ann") }},
		{"Users.Update", func(ctx context.Context, b ports.Backend) (any, error) { return b.Users().Update(ctx, "u1", noChange) }},
		{"Users.Delete", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Users().Delete(ctx, "u1", domain.Effects{})
		}},
		{"Users.List", func(ctx context.Context, b ports.Backend) (any, error) { return b.Users().List(ctx, "", 10) }},
		{"Credentials.SetPasswordHash", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Credentials().SetPasswordHash(ctx, "u1", "h", at)
		}},
		{"Credentials.ChangePassword", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Credentials().ChangePassword(ctx, "u1", "h", "", at, domain.Effects{})
		}},
		{"Throttle.Reserve", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Throttle().Reserve(ctx, "k", at, domain.Backoff{})
		}},
		{"Throttle.Clear", func(ctx context.Context, b ports.Backend) (any, error) { return nil, b.Throttle().Clear(ctx, "k") }},
		{"Sessions.Create", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Sessions().Create(ctx, &domain.Session{}, domain.Effects{})
		}},
		{"Sessions.ByID", func(ctx context.Context, b ports.Backend) (any, error) { return b.Sessions().ByID(ctx, "s1") }},
		{"Sessions.Rotate", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Sessions().Rotate(ctx, "s1", 1, at)
		}},
		{"Sessions.Revoke", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Sessions().Revoke(ctx, "s1", at, domain.Effects{})
		}},
		{"Sessions.RevokeAll", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Sessions().RevokeAll(ctx, "u1", "", at, domain.Effects{})
		}},
		{"Sessions.Live", func(ctx context.Context, b ports.Backend) (any, error) { return b.Sessions().Live(ctx, "u1", at) }},
		{"Events.Append", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Events().Append(ctx, domain.Effects{})
		}},
		{"Events.List", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Events().List(ctx, domain.EventFilter{Limit: 1})
		}},
		{"Outbox.Claim", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Outbox().Claim(ctx, "l", at, at, 1)
		}},
		{"Outbox.Complete", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Outbox().Complete(ctx, []domain.Delivery{{ID: "d1"}})
		}},
		{"Outbox.Retry", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Outbox().Retry(ctx, domain.Delivery{}, at, "")
		}},
		{"Outbox.Bury", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Outbox().Bury(ctx, domain.Delivery{}, at, "")
		}},
		{"Outbox.Counts", func(ctx context.Context, b ports.Backend) (any, error) {
			p, d, err := b.Outbox().Counts(ctx)
			return [2]int64{p, d}, err
		}},
		{"Tokens.Create", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Tokens().Create(ctx, &domain.OneTimeToken{}, domain.Effects{})
		}},
		{"Tokens.ConsumeActivation", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Tokens().ConsumeActivation(ctx, "h", at, domain.Effects{})
		}},
		{"Tokens.ConsumeReset", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Tokens().ConsumeReset(ctx, "h", "p", at, domain.Effects{})
		}},
		{"Tokens.ConsumeEmailChange", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Tokens().ConsumeEmailChange(ctx, "h", at, domain.Effects{})
		}},
		{"Tokens.PutSignIn", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Tokens().PutSignIn(ctx, &domain.SignInCode{}, domain.Effects{})
		}},
		{"Tokens.SignIn", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Tokens().SignIn(ctx, "a@example.com", at)
		}},
		{"Tokens.SignInByLink", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Tokens().SignInByLink(ctx, "h", at)
		}},
		{"Tokens.FailSignIn", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Tokens().FailSignIn(ctx, "a@example.com", "h", domain.Effects{})
		}},
		{"Tokens.ConsumeSignIn", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Tokens().ConsumeSignIn(ctx, "a@example.com", "h", at)
		}},
		{"Tokens.PutAuthCode", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Tokens().PutAuthCode(ctx, theAuthCode, domain.Effects{})
		}},
		{"Tokens.ConsumeAuthCode", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Tokens().ConsumeAuthCode(ctx, "h", at)
		}},
		{"Secrets.Secret", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Secrets().Secret(ctx, "k", []byte("candidate"))
		}},
		{"Ping", func(ctx context.Context, b ports.Backend) (any, error) { return nil, b.Ping(ctx) }},
	}...)
}

// TestPortCallsCoverEveryMethod keeps the table above in step with the ports: a
// method added to a store port must be added here, or the tests below would not
// check that it is bounded.
func TestPortCallsCoverEveryMethod(t *testing.T) {
	t.Parallel()
	want := map[string]bool{"Ping": true}
	for prefix, typ := range map[string]reflect.Type{
		"Users":       reflect.TypeFor[ports.UserStore](),
		"Credentials": reflect.TypeFor[ports.CredentialStore](),
		"Throttle":    reflect.TypeFor[ports.LoginThrottle](),
		"Sessions":    reflect.TypeFor[ports.SessionStore](),
		"Tokens":      reflect.TypeFor[ports.TokenStore](),
		"Secrets":     reflect.TypeFor[ports.SecretStore](),
		"Events":      reflect.TypeFor[ports.EventStore](),
		"Outbox":      reflect.TypeFor[ports.Outbox](),
		"MFA":         reflect.TypeFor[ports.MFAStore](),
		"Passkeys":    reflect.TypeFor[ports.PasskeyStore](),
		"Identities":  reflect.TypeFor[ports.IdentityStore](),
	} {
		for i := range typ.NumMethod() {
			want[prefix+"."+typ.Method(i).Name] = true
		}
	}
	// The retention purge runs in batches for as long as its own ctx allows, like
	// the purge of expired rows, so it is passed through without a bound.
	delete(want, "Events.Purge")
	got := map[string]bool{}
	for _, c := range portCalls() {
		got[c.method] = true
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the table covers %v, want every port method %v", keys(got), keys(want))
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestStalledCallIsUnavailable: a store that never answers (it blocks until its
// context ends) is cut off at the deadline, whatever the method, and the caller gets
// unavailable with a Retry-After and the fixed message, the cause kept for logs.
func TestStalledCallIsUnavailable(t *testing.T) {
	t.Parallel()
	const timeout = 50 * time.Millisecond
	for _, c := range portCalls() {
		t.Run(c.method, func(t *testing.T) {
			t.Parallel()
			f := &fake{hook: func(ctx context.Context, _ string) error {
				<-ctx.Done()
				return errors.New("driver: read tcp 127.0.0.1:5432: " + ctx.Err().Error())
			}}
			b := deadline.New(f, timeout)
			// The caller's own bound only keeps an unbounded call from hanging the
			// test; it is far beyond the deadline under test.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			start := time.Now()
			_, err := c.call(ctx, b)
			took := time.Since(start)
			if took < timeout || took > timeout+time.Second {
				t.Errorf("returned after %v, want about %v", took, timeout)
			}
			var de *domain.Error
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T), want a *domain.Error", err, err)
			}
			if de.Code != domain.CodeUnavailable || de.RetryAfter <= 0 || de.Message != deadline.Message {
				t.Errorf("got code %q, retry after %v, message %q; want %q, a positive retry, %q",
					de.Code, de.RetryAfter, de.Message, domain.CodeUnavailable, deadline.Message)
			}
			if de.Err == nil || !strings.Contains(de.Err.Error(), "127.0.0.1:5432") {
				t.Errorf("cause %v, want the driver's error kept", de.Err)
			}
			if strings.Contains(de.Message, "127.0.0.1") {
				t.Errorf("message %q carries driver text", de.Message)
			}
			if got := f.called; len(got) != 1 || got[0] != c.method {
				t.Errorf("inner calls %v, want exactly [%s]", got, c.method)
			}
		})
	}
}

// TestCallerEndsTheCall: what the caller ended itself is not the database's fault.
// A cancellation stays context.Canceled, and a caller's own, shorter deadline passes
// through as the store reported it; neither becomes unavailable.
func TestCallerEndsTheCall(t *testing.T) {
	t.Parallel()
	blocking := func(ctx context.Context, _ string) error { <-ctx.Done(); return ctx.Err() }
	tests := []struct {
		name   string
		caller func() (context.Context, context.CancelFunc)
		want   error
	}{
		{"cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"own shorter deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 20*time.Millisecond)
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		for _, c := range portCalls() {
			t.Run(tt.name+"/"+c.method, func(t *testing.T) {
				t.Parallel()
				ctx, cancel := tt.caller()
				defer cancel()
				_, err := c.call(ctx, deadline.New(&fake{hook: blocking}, time.Minute))
				if !errors.Is(err, tt.want) {
					t.Errorf("error %v, want %v", err, tt.want)
				}
				if code := domain.ErrorCode(err); code == domain.CodeUnavailable {
					t.Errorf("code %q, want no unavailable for a call the caller ended", code)
				}
			})
		}
	}
}

// TestAnswersPassThrough: a call that answers in time returns the inner store's
// result and error unchanged, and ran under a context with the deadline; an answer
// the database gave (not_found) stays that answer even when it came at the deadline.
func TestAnswersPassThrough(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	notFound := domain.Errorf(domain.CodeNotFound, "The record does not exist.")
	for _, c := range portCalls() {
		t.Run(c.method, func(t *testing.T) {
			t.Parallel()
			var inner fake
			var deadlineSeen time.Duration
			inner.hook = func(ctx context.Context, _ string) error {
				if d, ok := ctx.Deadline(); ok {
					deadlineSeen = time.Until(d)
				}
				return nil
			}
			want, wantErr := c.call(context.Background(), &inner)
			got, err := c.call(context.Background(), deadline.New(&inner, timeout))
			if err != nil || wantErr != nil {
				t.Fatalf("error %v, want nil", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("result %#v, want the inner store's %#v", got, want)
			}
			if deadlineSeen <= 0 || deadlineSeen > timeout {
				t.Errorf("inner store saw a deadline %v away, want within (0, %v]", deadlineSeen, timeout)
			}

			late := deadline.New(&fake{hook: func(ctx context.Context, _ string) error {
				<-ctx.Done()
				return notFound
			}}, 20*time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			if _, err := c.call(ctx, late); !errors.Is(err, notFound) {
				t.Errorf("late not_found became %v, want it unchanged", err)
			}
		})
	}
}

// TestUpdatePassesChangeThrough: the change function reaches the inner store and its
// error comes back as it is.
func TestUpdatePassesChangeThrough(t *testing.T) {
	t.Parallel()
	b := deadline.New(&fake{hook: func(context.Context, string) error { return nil }}, time.Second)
	refused := domain.Errorf(domain.CodeForbidden, "no")
	var saw string
	_, err := b.Users().Update(context.Background(), "u1", func(u *domain.User) (domain.Effects, error) {
		saw = u.ID
		return domain.Effects{}, refused
	})
	if saw != theUser.ID || !errors.Is(err, refused) {
		t.Fatalf("change saw user %q and Update returned %v, want %q and the change's error", saw, err, theUser.ID)
	}
}

func (t fakeTokens) ConsumeEmailChange(ctx context.Context, _ string, _ time.Time, _ domain.Effects) (*domain.User, error) {
	return theUser, t.f.do(ctx, "Tokens.ConsumeEmailChange")
}

var theSignIn = &domain.SignInCode{Email: "a@example.com", LinkHash: "h"}

var theAuthCode = &domain.AuthCode{Hash: "h", UserID: "u"}

func (t fakeTokens) PutSignIn(ctx context.Context, _ *domain.SignInCode, _ domain.Effects) error {
	return t.f.do(ctx, "Tokens.PutSignIn")
}

func (t fakeTokens) SignIn(ctx context.Context, _ string, _ time.Time) (*domain.SignInCode, error) {
	return theSignIn, t.f.do(ctx, "Tokens.SignIn")
}

func (t fakeTokens) SignInByLink(ctx context.Context, _ string, _ time.Time) (*domain.SignInCode, error) {
	return theSignIn, t.f.do(ctx, "Tokens.SignInByLink")
}

func (t fakeTokens) FailSignIn(ctx context.Context, _, _ string, _ domain.Effects) error {
	return t.f.do(ctx, "Tokens.FailSignIn")
}

func (t fakeTokens) ConsumeSignIn(ctx context.Context, _, _ string, _ time.Time) (*domain.SignInCode, error) {
	return theSignIn, t.f.do(ctx, "Tokens.ConsumeSignIn")
}

func (t fakeTokens) PutAuthCode(ctx context.Context, _ *domain.AuthCode, _ domain.Effects) error {
	return t.f.do(ctx, "Tokens.PutAuthCode")
}

func (t fakeTokens) ConsumeAuthCode(ctx context.Context, _ string, _ time.Time) (*domain.AuthCode, error) {
	return theAuthCode, t.f.do(ctx, "Tokens.ConsumeAuthCode")
}
