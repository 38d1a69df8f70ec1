package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// testPolicy is a back-off small enough to walk through by hand.
var testPolicy = domain.Backoff{Threshold: 3, Base: 10 * time.Second, Max: 25 * time.Second, Forget: time.Hour}

func testThrottle(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	ctx := context.Background()

	// reserve asks for one attempt on key at `at` and fails t unless the wait is want.
	reserve := func(t *testing.T, key string, at time.Time, want time.Duration) {
		t.Helper()
		got, err := b.Throttle().Reserve(ctx, key, at, testPolicy)
		noErr(t, "Reserve", err)
		if got != want {
			t.Fatalf("Reserve at +%v: wait = %v, want %v", at.Sub(base), got, want)
		}
	}

	t.Run("BacksOffDoublingAndCapped", func(t *testing.T) {
		t.Parallel()
		key := newHash(t)
		for range 3 {
			reserve(t, key, base, 0)
		}
		reserve(t, key, base, 10*time.Second)
		reserve(t, key, base.Add(4*time.Second), 6*time.Second)
		reserve(t, key, base.Add(10*time.Second), 0)              // the 4th
		reserve(t, key, base.Add(10*time.Second), 20*time.Second) // doubled
		reserve(t, key, base.Add(30*time.Second), 0)              // the 5th
		reserve(t, key, base.Add(30*time.Second), 25*time.Second) // capped
		reserve(t, key, base.Add(55*time.Second), 0)              // the 6th
		reserve(t, key, base.Add(55*time.Second+time.Millisecond), 25*time.Second-time.Millisecond)
	})

	t.Run("ClearStartsAgain", func(t *testing.T) {
		t.Parallel()
		key := newHash(t)
		for range 3 {
			reserve(t, key, base, 0)
		}
		reserve(t, key, base, 10*time.Second)
		noErr(t, "Clear", b.Throttle().Clear(ctx, key))
		for range 3 {
			reserve(t, key, base, 0)
		}
		reserve(t, key, base, 10*time.Second)
		noErr(t, "Clear(unknown key)", b.Throttle().Clear(ctx, newHash(t)))
	})

	t.Run("KeysAreIndependent", func(t *testing.T) {
		t.Parallel()
		a, other := newHash(t), newHash(t)
		for range 3 {
			reserve(t, a, base, 0)
		}
		reserve(t, a, base, 10*time.Second)
		reserve(t, other, base, 0)
	})

	t.Run("ForgottenAfterQuietPeriod", func(t *testing.T) {
		t.Parallel()
		key := newHash(t)
		for range 3 {
			reserve(t, key, base, 0)
		}
		// An hour after the latest attempt the record is forgotten: three attempts
		// go ahead again before the next wait.
		later := base.Add(time.Hour)
		for range 3 {
			reserve(t, key, later, 0)
		}
		reserve(t, key, later, 10*time.Second)
	})

	t.Run("ConcurrentAttemptsAdmitOnlyTheThreshold", func(t *testing.T) {
		t.Parallel()
		const n = 40
		key := newHash(t)
		var (
			mu       sync.Mutex
			admitted int
			waits    = map[time.Duration]int{}
		)
		ok, codes, errs := race(n, func(int) error {
			wait, err := b.Throttle().Reserve(ctx, key, base, testPolicy)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			if wait == 0 {
				admitted++
			} else {
				waits[wait]++
			}
			return nil
		})
		if ok != n {
			t.Fatalf("concurrent Reserve: %d succeeded, failures %v (%v), want all %d to answer", ok, codes, errs, n)
		}
		if admitted != testPolicy.Threshold || waits[testPolicy.Base] != n-testPolicy.Threshold {
			t.Fatalf("concurrent Reserve at one instant: %d admitted, waits %v; want %d admitted and %d told to wait %v",
				admitted, waits, testPolicy.Threshold, n-testPolicy.Threshold, testPolicy.Base)
		}
	})

	t.Run("ConcurrentAttemptsAndClears", func(t *testing.T) {
		t.Parallel()
		// Parallel logins on one account that all give the right password: each
		// reserves an attempt and then clears the key. None may fail (a deadlock
		// between the clear and a reservation, or two re-creating a cleared row).
		const n = 20
		key := newHash(t)
		policy := domain.Backoff{Threshold: 1000, Base: time.Second, Max: time.Minute, Forget: time.Hour}
		ok, codes, errs := race(n, func(int) error {
			if _, err := b.Throttle().Reserve(ctx, key, base, policy); err != nil {
				return err
			}
			return b.Throttle().Clear(ctx, key)
		})
		if ok != n {
			t.Fatalf("concurrent Reserve and Clear: %d of %d succeeded, failures %v (%v)", ok, n, codes, errs)
		}
		// The key works as new afterwards.
		for range 3 {
			reserve(t, key, base, 0)
		}
		reserve(t, key, base, 10*time.Second)
	})
}
