package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// answer is what one login attempt told the client: the code and the wait.
type answer struct {
	code  domain.Code
	retry time.Duration
}

func answerOf(err error) answer {
	a := answer{code: domain.ErrorCode(err)}
	var de *domain.Error
	if asError(err, &de) {
		a.retry = de.RetryAfter
	}
	return a
}

// TestBackOffTellsNothingAboutExistence walks a known and an unknown address
// through the same attempts: every answer, 429s and their Retry-After included, is
// the same, so the back-off is no oracle for which accounts exist.
func TestBackOffTellsNothingAboutExistence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, nil)
	known := f.activeUser(t, "known@example.com").User.ID
	attempt := func(email string) answer {
		_, err := f.app.Login(ctx, app.LoginInput{Email: email, Password: "not the password"})
		return answerOf(err)
	}
	for i := range 8 {
		known, unknown := attempt("known@example.com"), attempt("nobody@example.com")
		if known != unknown {
			t.Fatalf("attempt %d: known address answered %+v, unknown %+v; want the same", i+1, known, unknown)
		}
		want := domain.CodeInvalidCredentials
		if i >= 5 {
			want = domain.CodeRateLimited
		}
		if known.code != want {
			t.Fatalf("attempt %d answered %s, want %s", i+1, known.code, want)
		}
	}
	// The username of an account and a username nobody has behave alike too.
	if _, err := f.app.UpdateUser(ctx, app.Principal{Role: domain.RoleAdmin}, known,
		app.UserPatch{Username: ptr("known")}); err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		_, errKnown := f.app.Login(ctx, app.LoginInput{Username: "known", Password: "wrong password"})
		_, errUnknown := f.app.Login(ctx, app.LoginInput{Username: "unknown", Password: "wrong password"})
		if a, b := answerOf(errKnown), answerOf(errUnknown); a != b {
			t.Fatalf("username attempt %d: known answered %+v, unknown %+v; want the same", i+1, a, b)
		}
	}
}

// TestParallelGuessesGetNoMoreThanTheThreshold sends 40 wrong passwords for one
// account at one instant: the attempt is reserved before the hash, so only the
// threshold's worth are checked and the rest are told to wait.
func TestParallelGuessesGetNoMoreThanTheThreshold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, nil)
	f.activeUser(t, "target@example.com")
	for _, email := range []string{"target@example.com", "ghost@example.com"} {
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			count = map[domain.Code]int{}
		)
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.app.Login(ctx, app.LoginInput{Email: email, Password: "guess"})
				mu.Lock()
				count[domain.ErrorCode(err)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if count[domain.CodeInvalidCredentials] != 5 || count[domain.CodeRateLimited] != 35 {
			t.Errorf("%s: 40 parallel wrong passwords answered %v; want 5 invalid_credentials and 35 rate_limited", email, count)
		}
	}
}

// TestCorrectPasswordAndResetForgetTheBackOff pins that the owner gets back in.
func TestCorrectPasswordAndResetForgetTheBackOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, nil)
	f.activeUser(t, "owner@example.com")
	for range 5 {
		_, _ = f.app.Login(ctx, app.LoginInput{Email: "owner@example.com", Password: "wrong password"})
	}
	_, err := f.app.Login(ctx, app.LoginInput{Email: "owner@example.com", Password: password})
	wantCode(t, "right password while backing off", err, domain.CodeRateLimited)

	if err := f.app.ForgotPassword(ctx, "owner@example.com", app.Client{}); err != nil {
		t.Fatal(err)
	}
	if err := f.app.ResetPassword(ctx, f.mail.tokens["owner@example.com"], "a brand new password", app.Client{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Login(ctx, app.LoginInput{Email: "owner@example.com", Password: "a brand new password"}); err != nil {
		t.Fatalf("login after a reset: %v, want the back-off forgotten", err)
	}
}

func ptr[T any](v T) *T { return &v }
