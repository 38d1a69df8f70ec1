package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/authd/authd/domain"
)

func wantShed(t *testing.T, err error) {
	t.Helper()
	wantShedFor(t, err, admissionRetryAfter)
}

func wantShedFor(t *testing.T, err error, retry time.Duration) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeUnavailable || de.RetryAfter != retry {
		t.Fatalf("err = %v, want unavailable with Retry-After %v", err, retry)
	}
}

func TestAdmissionLetsInWhenRoomFrees(t *testing.T) {
	var waits []time.Duration
	d := newAdmission(1, time.Minute, func(w time.Duration) { waits = append(waits, w) })
	done, err := d.admit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		next, err := d.admit(context.Background())
		if err == nil {
			next(nil)
		}
		got <- err
	}()
	for d.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	done(nil)
	if err := <-got; err != nil {
		t.Fatalf("the waiting request: %v, want admitted once room freed", err)
	}
	if len(waits) != 2 || waits[0] != 0 || waits[1] <= 0 {
		t.Fatalf("observed waits %v, want [0, >0]", waits)
	}
}

func TestAdmissionShedsAfterTheWait(t *testing.T) {
	d := newAdmission(1, 20*time.Millisecond, nil)
	done, _ := d.admit(context.Background())
	defer done(nil)
	_, err := d.admit(context.Background())
	wantShed(t, err)
	if n := d.waiting.Load(); n != 0 {
		t.Fatalf("%d still counted as waiting after being shed", n)
	}
	// Operations known to take longer than the wait leave no time to wait in.
	d.learn(time.Second)
	_, err = d.admit(context.Background())
	wantShed(t, err)
	if n := d.waiting.Load(); n != 0 {
		t.Fatalf("%d still counted as waiting after being shed", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = newAdmission(1, time.Minute, nil).admitFull(t, ctx)
	wantShed(t, err)
}

// admitFull admits once to fill d, then returns what a second admit with ctx gives.
func (d *admission) admitFull(t *testing.T, ctx context.Context) (func(error), error) {
	t.Helper()
	if _, err := d.admit(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d.admit(ctx)
}

// TestAdmissionShedsEarly: once operations are known to stay inside longer than
// the wait, a request that would wait behind one is told at once, not after the
// wait; an empty door still admits at once whatever it has learned.
func TestAdmissionShedsEarly(t *testing.T) {
	d := newAdmission(2, 10*time.Second, nil)
	d.learn(24 * time.Second)
	for range 2 {
		done, err := d.admit(context.Background())
		if err != nil {
			t.Fatalf("empty door: %v", err)
		}
		defer done(nil)
	}
	start := time.Now()
	_, err := d.admit(context.Background())
	// One waiting behind two operations of 24 s each, two at a time: 12 s to
	// get in, which is also when it is told to come back.
	wantShedFor(t, err, 12*time.Second)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("shed after %v: it waited instead of being told at once", took)
	}
	// A spoilt average sends nobody away for longer than maxRetryAfter.
	d.learn(time.Hour)
	d.inside.Store(int64(time.Hour))
	_, err = d.admit(context.Background())
	wantShedFor(t, err, maxRetryAfter)
}

func TestAdmissionLearnsTheTimeInside(t *testing.T) {
	d := newAdmission(2, time.Second, nil)
	d.learn(80 * time.Millisecond)
	if got := time.Duration(d.inside.Load()); got != 80*time.Millisecond {
		t.Fatalf("first sample: average %v, want 80ms", got)
	}
	for range 100 {
		d.learn(8 * time.Millisecond)
	}
	if got := time.Duration(d.inside.Load()); got < 8*time.Millisecond || got > 9*time.Millisecond {
		t.Fatalf("after 100 samples of 8ms: average %v, want about 8ms", got)
	}
}

func TestNilAdmissionAdmitsEverything(t *testing.T) {
	var d *admission
	for range 3 {
		done, err := d.admit(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer done(nil)
	}
	if newAdmission(0, time.Second, nil) != nil {
		t.Fatal("a limit of 0 should mean no admission bound")
	}
}

// TestAdmissionShedsWaitersWhenTheStoreFails: an operation that leaves
// unavailable (its database timed out) sends the requests waiting behind it
// away at once, not one by one into the same stall; until one succeeds again a
// request that finds the door full is told so on arrival, and one that finds
// room still goes in.
func TestAdmissionShedsWaitersWhenTheStoreFails(t *testing.T) {
	d := newAdmission(1, time.Minute, nil)
	done, err := d.admit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { _, err := d.admit(context.Background()); got <- err }()
	for d.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	done(domain.Errorf(domain.CodeUnavailable, "the database did not answer in time"))
	wantShed(t, <-got)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("the waiter was shed after %v, want at once", took)
	}

	probe, err := d.admit(context.Background()) // room: it goes in
	if err != nil {
		t.Fatalf("a request finding room while failing: %v, want admitted", err)
	}
	start = time.Now()
	_, err = d.admit(context.Background()) // full and failing: told on arrival
	wantShed(t, err)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("shed after %v, want on arrival", took)
	}
	probe(domain.Errorf(domain.CodeInvalidCredentials, "wrong password")) // the store answered
	go func() {
		next, err := d.admit(context.Background())
		if err == nil {
			next(nil)
		}
		got <- err
	}()
	if err := <-got; err != nil {
		t.Fatalf("after a success: %v, want admitted", err)
	}
	// Failing again after a recovery sheds again.
	done, _ = d.admit(context.Background())
	go func() { _, err := d.admit(context.Background()); got <- err }()
	for d.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	done(domain.Errorf(domain.CodeUnavailable, "again"))
	wantShed(t, <-got)
}
