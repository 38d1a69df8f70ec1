package argon2_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/domain"
)

// holdOnlySlot makes a one-slot hasher with the given queue timeout, occupies its
// slot with a hash until the test ends, and returns it with the waits it observed.
func holdOnlySlot(t *testing.T, timeout time.Duration) (*argon2.Hasher, func() []time.Duration) {
	t.Helper()
	var mu sync.Mutex
	var waits []time.Duration
	h := argon2.New(cheap, 1, argon2.WithQueueTimeout(timeout), argon2.WithWaitObserver(func(d time.Duration) {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
	}))
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	argon2.SetObserver(h, func(int) { once.Do(func() { close(held); <-release }) })
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := h.Hash(context.Background(), "password1"); err != nil {
			t.Errorf("Hash holding the slot: %v", err)
		}
	}()
	<-held
	t.Cleanup(func() { close(release); <-done })
	return h, func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration(nil), waits...)
	}
}

// TestShedsAfterQueueTimeout holds the only slot and checks that Hash, Verify and
// Waste each give up after the queue timeout with unavailable, a Retry-After and
// ErrQueueTimeout as the cause, and that the wait is observed.
func TestShedsAfterQueueTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 30 * time.Millisecond
	encoded := "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$c29tZWtleXNvbWVrZXlzb21la2V5c29tZWtleXh4eHg"
	calls := []struct {
		name string
		call func(*argon2.Hasher) error
	}{
		{"Hash", func(h *argon2.Hasher) error { _, err := h.Hash(context.Background(), "password1"); return err }},
		{"Verify", func(h *argon2.Hasher) error {
			_, _, err := h.Verify(context.Background(), "password1", encoded)
			return err
		}},
		{"Waste", func(h *argon2.Hasher) error { return h.Waste(context.Background(), "password1") }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h, waits := holdOnlySlot(t, timeout)
			err := c.call(h)
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.CodeUnavailable {
				t.Fatalf("%s with the slot held = %v, want a domain.Error with code unavailable", c.name, err)
			}
			if de.RetryAfter <= 0 {
				t.Errorf("RetryAfter = %v, want > 0", de.RetryAfter)
			}
			if !errors.Is(err, argon2.ErrQueueTimeout) {
				t.Errorf("cause = %v, want ErrQueueTimeout", err)
			}
			// The first wait is the holder's, which found the slot free.
			got := waits()
			if len(got) != 2 || got[0] != 0 || got[1] < timeout {
				t.Errorf("observed waits = %v, want [0 and at least %v]", got, timeout)
			}
			if _, w, _ := h.Load(); w != 0 {
				t.Errorf("waiting after shedding = %d, want 0", w)
			}
		})
	}
}

// TestFreeSlotObservesNoWait checks that a caller finding a slot free is observed
// with a wait of zero, so the histogram counts every caller.
func TestFreeSlotObservesNoWait(t *testing.T) {
	t.Parallel()
	var waits []time.Duration
	h := argon2.New(cheap, 1, argon2.WithWaitObserver(func(d time.Duration) { waits = append(waits, d) }))
	if err := h.Waste(context.Background(), "password1"); err != nil {
		t.Fatalf("Waste = %v, want nil", err)
	}
	if len(waits) != 1 || waits[0] != 0 {
		t.Errorf("observed waits = %v, want [0]", waits)
	}
}

// TestWaitWithinQueueTimeoutSucceeds frees the slot before the timeout and checks
// that the waiting caller gets it.
func TestWaitWithinQueueTimeoutSucceeds(t *testing.T) {
	t.Parallel()
	h := argon2.New(cheap, 1, argon2.WithQueueTimeout(time.Minute))
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	argon2.SetObserver(h, func(int) { once.Do(func() { close(held); <-release }) })
	go func() { _, _ = h.Hash(context.Background(), "password1") }()
	<-held
	errc := make(chan error)
	go func() { errc <- h.Waste(context.Background(), "password1") }()
	waitFor(t, func() bool { _, w, _ := h.Load(); return w == 1 }, h)
	close(release)
	if err := <-errc; err != nil {
		t.Errorf("Waste after the slot freed = %v, want nil", err)
	}
}
