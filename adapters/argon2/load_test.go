package argon2_test

import (
	"context"
	"testing"
	"time"

	"github.com/authd/authd/adapters/argon2"
)

// TestLoadCountsInFlightAndWaiting holds the one slot of a hasher and checks that a
// second verification shows as waiting, then that both counts fall back to zero.
func TestLoadCountsInFlightAndWaiting(t *testing.T) {
	t.Parallel()
	h := argon2.New(argon2.Params{Memory: 1024, Time: 1, Threads: 1}, 1)
	hash, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	first := true
	argon2.SetObserver(h, func(int) {
		if first {
			first = false
			close(held)
			<-release
		}
	})
	done := make(chan struct{}, 2)
	for range 2 {
		go func() {
			_, _, _ = h.Verify(context.Background(), "pw", hash)
			done <- struct{}{}
		}()
	}
	<-held
	waitFor(t, func() bool { n, w, _ := h.Load(); return n == 1 && w == 1 }, h)
	if _, _, slots := h.Load(); slots != 1 {
		t.Errorf("slots = %d, want 1", slots)
	}
	close(release)
	<-done
	<-done
	if n, w, _ := h.Load(); n != 0 || w != 0 {
		t.Errorf("after both: in flight %d, waiting %d; want 0, 0", n, w)
	}
}

func waitFor(t *testing.T, cond func() bool, h *argon2.Hasher) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			n, w, _ := h.Load()
			t.Fatalf("in flight %d, waiting %d; want 1, 1", n, w)
		}
		time.Sleep(time.Millisecond)
	}
}
