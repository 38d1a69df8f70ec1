package app

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authd/authd/domain"
)

// admission bounds the password work in flight — logins, sign-ups, password
// changes and resets, deletions: everything that hashes. A request waits at the
// door for at most the configured time and is then answered unavailable with a
// Retry-After, having touched nothing: no back-off reservation, no lookup, no
// write. Inside the door the work is bounded too, so under a storm of thousands of
// logins the database and the hasher see a short queue of requests that will
// finish, instead of thousands that will time out half-way (a hash spent, a write
// left waiting for SQLite's one writer). The door admits several times as many as
// there are hashing slots, so a slot never idles while its next request does its
// store work.
//
// The wait bounds the whole answer, not only the queue: the door keeps a moving
// average of how long an operation stays inside, and a request waits for room
// at most the wait minus that, so that what it does once inside still ends
// within the wait. A request that could not get in in time anyway is told at once
// instead of after it: when the requests already waiting would not be through by
// then, one more is shed on arrival. So under a storm the queue holds about as
// many requests as can be served in the wait — the rest hear "come back" in a
// millisecond and hold no goroutine deep in a handler for the garbage collector
// to scan.
//
// Nobody queues behind a store that is failing: when an operation leaves the
// door unavailable (the database timed out under it, say), the requests waiting
// are told to come back at once instead of entering one after another to time
// out in turn, and until an operation succeeds again a request that finds the
// door full is told so on arrival. One that finds room still goes in, so the
// store keeps being tried.
type admission struct {
	door    chan struct{}
	wait    time.Duration
	observe func(time.Duration)

	waiting atomic.Int64 // requests waiting at the door
	inside  atomic.Int64 // moving average of the time an operation stays inside, ns

	mu      sync.Mutex
	failing bool          // the latest operation to leave found the store unavailable
	failed  chan struct{} // closed when failing begins; the waiters listen on it
}

// admissionRetryAfter is the least a shed request is told to wait: one hash takes
// tens of milliseconds, so the door frees again quickly.
const admissionRetryAfter = time.Second

func newAdmission(limit int, wait time.Duration, observe func(time.Duration)) *admission {
	if limit <= 0 {
		return nil
	}
	return &admission{door: make(chan struct{}, limit), wait: wait, observe: observe, failed: make(chan struct{})}
}

// admit waits for room for one password operation and returns the func that frees
// it, to be called with the operation's outcome, or unavailable (RetryAfter set)
// when none frees within the wait, ctx ends or the store is failing. A nil
// admission admits everything.
func (d *admission) admit(ctx context.Context) (func(error), error) {
	if d == nil {
		return func(error) {}, nil
	}
	var waited time.Duration
	select {
	case d.door <- struct{}{}:
	default:
		start := time.Now()
		if err := d.queue(ctx); err != nil {
			d.record(time.Since(start))
			return nil, err
		}
		waited = time.Since(start)
	}
	d.record(waited)
	entered := time.Now()
	return func(outcome error) {
		d.learn(time.Since(entered))
		d.outcome(outcome)
		<-d.door
	}, nil
}

// outcome records whether an operation found the store working: unavailable
// starts failing and sheds every waiter; anything else ends it.
func (d *admission) outcome(err error) {
	down := domain.IsCode(err, domain.CodeUnavailable)
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case down && !d.failing:
		d.failing = true
		close(d.failed)
	case !down && d.failing:
		d.failing = false
		d.failed = make(chan struct{})
	}
}

// failure returns whether the store is failing, and the channel closed when it
// begins to.
func (d *admission) failure() (bool, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.failing, d.failed
}

// queue waits for room, for as long as leaves time for the operation itself
// within the wait, unless the requests ahead would not be through by then or the
// store is failing.
func (d *admission) queue(ctx context.Context) error {
	ahead := d.waiting.Add(1)
	defer d.waiting.Add(-1)
	failing, failed := d.failure()
	if failing {
		return shed(0)
	}
	budget := d.wait - time.Duration(d.inside.Load())
	if d.drain(ahead) > budget || budget <= 0 {
		return shed(d.drain(ahead))
	}
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case d.door <- struct{}{}:
		return nil
	case <-t.C:
		return shed(d.drain(d.waiting.Load()))
	case <-ctx.Done():
		return shed(d.drain(d.waiting.Load()))
	case <-failed:
		return shed(0)
	}
}

// drain estimates how long the door takes to let n waiting requests through.
func (d *admission) drain(n int64) time.Duration {
	return time.Duration(n) * time.Duration(d.inside.Load()) / time.Duration(cap(d.door))
}

// learn folds one operation's time inside into the moving average (weight 1/8).
// Concurrent updates may lose one another's sample, which an estimate can afford.
func (d *admission) learn(took time.Duration) {
	old := d.inside.Load()
	if old == 0 {
		d.inside.Store(int64(took))
		return
	}
	d.inside.Store(old + (int64(took)-old)/8)
}

func (d *admission) record(wait time.Duration) {
	if d.observe != nil {
		d.observe(wait)
	}
}

// shed is the answer to a request that did not get in: come back when the
// requests waiting now should be through (drain), at least admissionRetryAfter
// and at most maxRetryAfter from now. A client that honours it does not return
// while the queue that refused it is still there, so a storm costs fewer refusals.
func shed(drain time.Duration) error {
	retry := min(max(drain, admissionRetryAfter), maxRetryAfter)
	return &domain.Error{Code: domain.CodeUnavailable, RetryAfter: retry,
		Message: "The service is busy; try again shortly."}
}

// maxRetryAfter caps the wait a shed request is told, so that a moving average
// spoilt by one stalled operation sends nobody away for long.
const maxRetryAfter = 30 * time.Second
