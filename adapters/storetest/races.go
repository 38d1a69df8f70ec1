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
		ok, codes, errs := race(n, func(i int) error { return b.Users().Create(ctx, users[i]) })
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
			_, err := b.Tokens().ConsumeActivation(ctx, hash, base)
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
			_, err := b.Tokens().ConsumeReset(ctx, hash, fmt.Sprintf("hash-%d", i), base)
			return err
		})
		wantOneWinner(t, "concurrent ConsumeReset", n, ok, codes, errs, domain.CodeTokenInvalid)
	})

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
