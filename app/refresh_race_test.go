package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/app"
	"github.com/authd/authd/ports"
)

// holdingSessions is a SessionStore whose first Rotate stops between the refresh's
// read of the session and its compare-and-swap until the test releases it.
type holdingSessions struct {
	ports.SessionStore
	once    sync.Once
	held    chan struct{}
	release chan struct{}
}

func (h *holdingSessions) Rotate(ctx context.Context, id string, from uint64, at time.Time) error {
	first := false
	h.once.Do(func() { first = true })
	if first {
		close(h.held)
		<-h.release
	}
	return h.SessionStore.Rotate(ctx, id, from, at)
}

// TestRefreshLoserGetsTheWinnersPairWhateverTheGrace holds one refresh between its
// read and its compare-and-swap while a second refresh of the same token rotates,
// and moves the clock on (a slow request, or instances whose clocks differ). With a
// grace of 0, the held refresh loses the swap: it must get the winner's pair, and
// the session must stay live — the grace only governs later presentations.
func TestRefreshLoserGetsTheWinnersPairWhateverTheGrace(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		ctx := context.Background()
		hold := &holdingSessions{held: make(chan struct{}), release: make(chan struct{})}
		f := newFixtureOn(t, backend, func(d *app.Deps) {
			hold.SessionStore = d.Sessions
			d.Sessions = hold
		}, func(c *app.Config) { c.RefreshReuseGrace = 0 })
		first := f.activeUser(t, "loser-"+backend+"@example.com")

		type result struct {
			pair *app.TokenPair
			err  error
		}
		held := make(chan result, 1)
		go func() {
			p, err := f.app.Refresh(ctx, first.RefreshToken, app.Client{})
			held <- result{p, err}
		}()
		<-hold.held
		winner, err := f.app.Refresh(ctx, first.RefreshToken, app.Client{})
		if err != nil {
			close(hold.release)
			t.Fatalf("winning refresh: %v", err)
		}
		f.clock.advance(time.Second)
		close(hold.release)
		loser := <-held
		if loser.err != nil {
			t.Fatalf("refresh that lost the swap: %v; want the winner's pair", loser.err)
		}
		if loser.pair.RefreshToken != winner.RefreshToken {
			t.Errorf("loser's refresh token differs from the winner's: want the same pair")
		}
		if _, err := f.app.Refresh(ctx, winner.RefreshToken, app.Client{}); err != nil {
			t.Fatalf("refresh with the winner's token afterwards: %v; want the session live", err)
		}
	})
}
