package storetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// race runs fn n times at once, released together, and returns how many calls
// succeeded and how many failed with each code.
func race(n int, fn func(i int) error) (ok int, codes map[domain.Code]int, errs []error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		start = make(chan struct{})
	)
	codes = map[domain.Code]int{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := fn(i)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				ok++
				return
			}
			codes[domain.ErrorCode(err)]++
			errs = append(errs, err)
		}()
	}
	close(start)
	wg.Wait()
	return ok, codes, errs
}

// wantOneWinner fails t unless exactly one call succeeded and every other failed
// with loserCode.
func wantOneWinner(t testing.TB, what string, n, ok int, codes map[domain.Code]int, errs []error, loserCode domain.Code) {
	t.Helper()
	if ok != 1 || codes[loserCode] != n-1 {
		first := error(nil)
		for _, e := range errs {
			if domain.ErrorCode(e) != loserCode {
				first = e
				break
			}
		}
		t.Fatalf("%s: %d succeeded, failures by code %v (first unexpected error: %v); want 1 success and %d %s",
			what, ok, codes, first, n-1, loserCode)
	}
}

func testRaces(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	ctx := context.Background()

	t.Run("SignUpsWithOneEmail", func(t *testing.T) {
		t.Parallel()
		const n = 50
		email := "race-" + newID(t) + "@example.com"
		users := make([]*domain.User, n)
		for i := range users {
			users[i] = newUser(t)
			users[i].Email = email
		}
		ok, codes, errs := race(n, func(i int) error { return b.Users().Create(ctx, users[i], domain.Effects{}) })
		wantOneWinner(t, "concurrent Create", n, ok, codes, errs, domain.CodeEmailTaken)
	})

	t.Run("RotationsOfOneCounter", func(t *testing.T) {
		t.Parallel()
		const n = 50
		s := createSession(t, b, createUser(t, b).ID)
		ok, codes, errs := race(n, func(int) error {
			return b.Sessions().Rotate(ctx, s.ID, 0, base.Add(time.Second))
		})
		wantOneWinner(t, "concurrent Rotate", n, ok, codes, errs, domain.CodeConflict)
		if got := getSession(t, b, s.ID).Counter; got != 1 {
			t.Errorf("Counter after the race = %d, want 1", got)
		}
	})

	t.Run("ActivationsWithOneToken", func(t *testing.T) {
		t.Parallel()
		const n = 20
		u := createUser(t, b)
		hash := createToken(t, b, domain.TokenActivation, u.ID, base.Add(time.Hour))
		ok, codes, errs := race(n, func(int) error {
			_, err := b.Tokens().ConsumeActivation(ctx, hash, base, domain.Effects{})
			return err
		})
		wantOneWinner(t, "concurrent ConsumeActivation", n, ok, codes, errs, domain.CodeTokenInvalid)
	})

	t.Run("ResetsWithOneToken", func(t *testing.T) {
		t.Parallel()
		const n = 20
		u := createUser(t, b)
		createSession(t, b, u.ID)
		hash := createToken(t, b, domain.TokenPasswordReset, u.ID, base.Add(time.Hour))
		ok, codes, errs := race(n, func(i int) error {
			_, err := b.Tokens().ConsumeReset(ctx, hash, fmt.Sprintf("hash-%d", i), base, domain.Effects{})
			return err
		})
		wantOneWinner(t, "concurrent ConsumeReset", n, ok, codes, errs, domain.CodeTokenInvalid)
	})

	t.Run("SignUpsWithOneUsername", func(t *testing.T) {
		t.Parallel()
		const n = 20
		name := "race-" + newID(t)
		users := make([]*domain.User, n)
		for i := range users {
			users[i] = newUser(t)
			users[i].Username = name
		}
		ok, codes, errs := race(n, func(i int) error { return b.Users().Create(ctx, users[i], domain.Effects{}) })
		wantOneWinner(t, "concurrent Create", n, ok, codes, errs, domain.CodeUsernameTaken)
	})

	t.Run("UpdatesToOneUsername", func(t *testing.T) {
		t.Parallel()
		testUsernameUpdateRace(t, b)
	})

	for _, kind := range []domain.TokenKind{domain.TokenActivation, domain.TokenPasswordReset} {
		t.Run("TokenCreatesOfOneKind/"+string(kind), func(t *testing.T) {
			t.Parallel()
			testTokenCreateRace(t, b, kind)
		})
	}

	t.Run("FirstStartsAgreeOnSecret", func(t *testing.T) {
		t.Parallel()
		const n = 20
		name := "race-key-" + newID(t)
		var (
			mu   sync.Mutex
			seen [][]byte
		)
		ok, codes, errs := race(n, func(i int) error {
			v, err := b.Secrets().Secret(ctx, name, []byte(fmt.Sprintf("candidate-%02d", i)))
			mu.Lock()
			seen = append(seen, v)
			mu.Unlock()
			return err
		})
		if ok != n {
			t.Fatalf("concurrent Secret: %d succeeded, failures %v (%v), want all %d", ok, codes, errs, n)
		}
		for _, v := range seen {
			if !bytes.Equal(v, seen[0]) {
				t.Fatalf("concurrent Secret: callers saw %q and %q, want one value", seen[0], v)
			}
		}
		if !bytes.HasPrefix(seen[0], []byte("candidate-")) {
			t.Errorf("stored secret %q is none of the candidates", seen[0])
		}
	})
}

// testUsernameUpdateRace gives n users the same new username at once: exactly one
// may get it.
func testUsernameUpdateRace(t *testing.T, b ports.Backend) {
	t.Helper()
	const n = 20
	ctx := context.Background()
	name := "race-" + newID(t)
	users := make([]*domain.User, n)
	for i := range users {
		users[i] = createUser(t, b)
		users[i].Username = name
		users[i].UpdatedAt = base.Add(time.Minute)
	}
	ok, codes, errs := race(n, func(i int) error {
		_, err := b.Users().Update(ctx, users[i].ID, setProfile(users[i]))
		return err
	})
	wantOneWinner(t, "concurrent Update", n, ok, codes, errs, domain.CodeUsernameTaken)
	got, err := b.Users().ByUsername(ctx, name)
	noErr(t, "ByUsername(raced name)", err)
	holders := 0
	for _, u := range users {
		if getUser(t, b, u.ID).Username == name {
			holders++
		}
	}
	if holders != 1 {
		t.Errorf("%d users hold the raced username after the race, want 1 (ByUsername found %s)", holders, got.ID)
	}
}

// testTokenCreateRace creates n tokens of one kind for one user at once, then tries
// all of them, at once too: "only the newest link works" must hold under
// concurrency, so exactly one can be consumed. Afterwards, sequential Creates still
// leave only the last one usable.
func testTokenCreateRace(t *testing.T, b ports.Backend, kind domain.TokenKind) {
	t.Helper()
	const n = 10
	ctx := context.Background()
	u := createUser(t, b)
	hashes := make([]string, n)
	for i := range hashes {
		hashes[i] = newHash(t)
	}
	ok, codes, errs := race(n, func(i int) error {
		return b.Tokens().Create(ctx, &domain.OneTimeToken{Hash: hashes[i], Kind: kind, UserID: u.ID,
			CreatedAt: base, ExpiresAt: base.Add(time.Hour)}, domain.Effects{})
	})
	if ok != n {
		t.Fatalf("concurrent Tokens.Create: %d succeeded, failures %v (%v), want all %d", ok, codes, errs, n)
	}
	consume := func(hash string) error {
		var err error
		if kind == domain.TokenActivation {
			_, err = b.Tokens().ConsumeActivation(ctx, hash, base, domain.Effects{})
		} else {
			_, err = b.Tokens().ConsumeReset(ctx, hash, "reset-hash", base, domain.Effects{})
		}
		return err
	}
	ok, codes, errs = race(n, func(i int) error { return consume(hashes[i]) })
	wantOneWinner(t, "consuming each of "+fmt.Sprint(n)+" concurrently created tokens", n, ok, codes, errs, domain.CodeTokenInvalid)

	var seq []string
	for range 3 {
		seq = append(seq, createToken(t, b, kind, u.ID, base.Add(time.Hour)))
	}
	for i, h := range seq[:len(seq)-1] {
		wantCode(t, fmt.Sprintf("consume(sequential token %d of %d)", i+1, len(seq)), consume(h), domain.CodeTokenInvalid)
	}
	noErr(t, "consume(newest sequential token)", consume(seq[len(seq)-1]))
}
