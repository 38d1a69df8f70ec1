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

// newDelivery returns a mail delivery due at `due`, with a payload and a sealed
// secret, so that a round trip shows what a store loses.
func newDelivery(t testing.TB, due time.Time) domain.Delivery {
	t.Helper()
	id := newIDAt(t, due)
	return domain.Delivery{ID: id, Channel: domain.ChannelMail, EventID: newID(t), UserID: newID(t),
		Kind: domain.MailActivation, Payload: []byte(`{"k":"v"}`), Sealed: []byte{0, 1, 2, 0xfe, 0xff},
		CreatedAt: due, DueAt: due}
}

// enqueue writes deliveries on their own (as the effects of a refused login would).
func enqueue(t testing.TB, b ports.Backend, ds ...domain.Delivery) {
	t.Helper()
	noErr(t, "Events.Append(deliveries)", b.Events().Append(context.Background(), domain.Effects{Deliveries: ds}))
}

// testOutbox checks claiming, leases, completion, retries, burial and counts, each
// on a backend of its own (the outbox is global: claims see every row).
func testOutbox(t *testing.T, _ ports.Backend, open func(t *testing.T) ports.Backend) {
	ctx := context.Background()
	now := base

	t.Run("ClaimLeasesDueRows", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		early, late, future := newDelivery(t, now.Add(-2*time.Minute)), newDelivery(t, now.Add(-time.Minute)), newDelivery(t, now.Add(time.Hour))
		enqueue(t, b, late, future, early)
		until := now.Add(time.Minute)
		got, err := b.Outbox().Claim(ctx, "lease-a", now, until, 10)
		noErr(t, "Claim", err)
		if len(got) != 2 || got[0].ID != early.ID || got[1].ID != late.ID {
			t.Fatalf("Claim = %v, want the two due rows, oldest first", deliveryIDs(got))
		}
		d := got[0]
		if d.Attempts != 1 || d.Lease != "lease-a" || d.Channel != early.Channel || d.EventID != early.EventID ||
			d.UserID != early.UserID || d.Kind != early.Kind || !bytes.Equal(d.Payload, early.Payload) ||
			!bytes.Equal(d.Sealed, early.Sealed) || d.DeadAt != nil {
			t.Errorf("claimed row = %+v, want %+v with attempt 1 under lease-a", d, early)
		}
		sameTime(t, "claimed DueAt (the lease's end)", d.DueAt, until)
		sameTime(t, "claimed CreatedAt", d.CreatedAt, early.CreatedAt)

		again, err := b.Outbox().Claim(ctx, "lease-b", now.Add(30*time.Second), now.Add(2*time.Minute), 10)
		noErr(t, "Claim during the lease", err)
		if len(again) != 0 {
			t.Errorf("Claim during the lease = %v, want nothing", deliveryIDs(again))
		}
		// The first claimer died: after its lease the rows are due again.
		after, err := b.Outbox().Claim(ctx, "lease-c", until.Add(time.Second), until.Add(time.Minute), 1)
		noErr(t, "Claim after the lease", err)
		if len(after) != 1 || (after[0].ID != early.ID && after[0].ID != late.ID) || after[0].Attempts != 2 || after[0].Lease != "lease-c" {
			t.Fatalf("Claim after the lease = %+v, want one of the two rows again, attempt 2, lease-c", after)
		}
		// The first claimer comes back late: its lease no longer holds the row it
		// lost, so only the other of its rows goes.
		noErr(t, "Complete under the expired lease", b.Outbox().Complete(ctx, got))
		pending, dead, err := b.Outbox().Counts(ctx)
		noErr(t, "Counts", err)
		if pending != 2 || dead != 0 {
			t.Errorf("after a late Complete: %d pending, %d dead; want 2 (the re-claimed row, the future one), 0", pending, dead)
		}
		noErr(t, "Complete under the new lease", b.Outbox().Complete(ctx, after))
		noErr(t, "Complete(again)", b.Outbox().Complete(ctx, after))
		pending, dead, err = b.Outbox().Counts(ctx)
		noErr(t, "Counts", err)
		if pending != 1 || dead != 0 {
			t.Errorf("Counts = %d pending, %d dead; want 1 (the future row), 0", pending, dead)
		}
		if rest, _ := b.Outbox().Claim(ctx, "lease-d", now.Add(2*time.Hour), now.Add(3*time.Hour), 10); len(rest) != 1 || rest[0].ID != future.ID {
			t.Errorf("the rows left = %v, want only the future one", deliveryIDs(rest))
		}
	})

	t.Run("RetryAndBury", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		d := newDelivery(t, now)
		enqueue(t, b, d)
		got, err := b.Outbox().Claim(ctx, "l1", now, now.Add(time.Minute), 5)
		noErr(t, "Claim", err)
		if len(got) != 1 {
			t.Fatalf("Claim = %d rows, want 1", len(got))
		}
		next := now.Add(10 * time.Second)
		wantCode(t, "Retry under another lease", b.Outbox().Retry(ctx, domain.Delivery{ID: d.ID, Lease: "other"}, next, "x"), domain.CodeConflict)
		noErr(t, "Retry", b.Outbox().Retry(ctx, got[0], next, "smtp: 451 try later"))
		if early, _ := b.Outbox().Claim(ctx, "l2", next.Add(-time.Second), next.Add(time.Minute), 5); len(early) != 0 {
			t.Errorf("Claim before the retry time = %v, want nothing", deliveryIDs(early))
		}
		again, err := b.Outbox().Claim(ctx, "l3", next, next.Add(time.Minute), 5)
		noErr(t, "Claim at the retry time", err)
		if len(again) != 1 || again[0].Attempts != 2 || again[0].LastError != "smtp: 451 try later" {
			t.Fatalf("Claim at the retry time = %+v, want the row at attempt 2 with its last error", again)
		}
		noErr(t, "Bury", b.Outbox().Bury(ctx, again[0], next, "gave up"))
		noErr(t, "Complete after Bury", b.Outbox().Complete(ctx, again))
		if later, _ := b.Outbox().Claim(ctx, "l4", next.Add(48*time.Hour), next.Add(49*time.Hour), 5); len(later) != 0 {
			t.Errorf("Claim of a dead row = %v, want nothing", deliveryIDs(later))
		}
		pending, dead, err := b.Outbox().Counts(ctx)
		noErr(t, "Counts", err)
		if pending != 0 || dead != 1 {
			t.Errorf("Counts = %d pending, %d dead; want 0, 1", pending, dead)
		}
		wantCode(t, "Retry(unknown)", b.Outbox().Retry(ctx, domain.Delivery{ID: newID(t), Lease: "l"}, next, ""), domain.CodeNotFound)
	})

	// Of 8 dispatchers claiming at once, each row goes to exactly one.
	t.Run("OneClaimerPerRow", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		const rows, claimers = 40, 8
		for i := 0; i < rows; i++ {
			enqueue(t, b, newDelivery(t, now.Add(-time.Duration(rows-i)*time.Millisecond)))
		}
		var mu sync.Mutex
		owner := map[string]string{}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, claimers)
		for c := 0; c < claimers; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lease := fmt.Sprintf("claimer-%d", c)
				<-start
				for round := 0; round < 20; round++ {
					got, err := b.Outbox().Claim(ctx, lease, now, now.Add(time.Hour), 3)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					for _, d := range got {
						if prev, ok := owner[d.ID]; ok {
							errs <- fmt.Errorf("row %s claimed by %s and %s", d.ID, prev, lease)
						}
						owner[d.ID] = lease
					}
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		// Rows a claimer skipped (locked by another) are still due: claim them now.
		rest, err := b.Outbox().Claim(ctx, "last", now, now.Add(time.Hour), rows)
		noErr(t, "Claim the rest", err)
		for _, d := range rest {
			if prev, ok := owner[d.ID]; ok {
				t.Errorf("row %s claimed by %s and again afterwards", d.ID, prev)
			}
			owner[d.ID] = "last"
		}
		if len(owner) != rows {
			t.Errorf("%d of %d rows were claimed", len(owner), rows)
		}
	})
}

func deliveryIDs(ds []domain.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}
