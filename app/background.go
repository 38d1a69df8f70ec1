package app

import (
	"context"
	"sync"

	"github.com/authd/authd/domain"
)

// queue is the bounded background queue of work a request must not wait for: the
// mails, and the account-specific half of "mail me a link" (lookup, token, mail),
// so that those requests take as long whether or not the address has an account.
// A fixed pool of workers drains a buffered channel; pending counts the jobs
// accepted and not yet finished, which is what Drain waits for. It lives in memory,
// so a crash loses what it holds; the durable outbox (issue 14) replaces it.
type queue struct {
	jobs    chan func()
	pending sync.WaitGroup
}

// newQueue starts workers (at least one) over a queue with room for size waiting
// jobs. The workers live as long as the process, like the App that owns them.
func newQueue(workers, size int) *queue {
	q := &queue{jobs: make(chan func(), max(size, 0))}
	for range max(workers, 1) {
		go q.work()
	}
	return q
}

func (q *queue) work() {
	for job := range q.jobs {
		job()
		q.pending.Done()
	}
}

// put hands job to the workers. When the queue is full it waits for room for as
// long as ctx allows, rather than dropping the job: the caller is about to answer
// "accepted", and a job dropped after that would be a mail silently lost. Waiting
// also pushes back on a flood, which then queues in front of the service instead
// of inside it. When ctx ends first, put returns unavailable and the job is not
// run, so the caller answers an error instead of a promise it cannot keep.
func (q *queue) put(ctx context.Context, job func()) error {
	q.pending.Add(1)
	select {
	case q.jobs <- job:
		return nil
	default:
	}
	select {
	case q.jobs <- job:
		return nil
	case <-ctx.Done():
		q.pending.Done()
		return domain.Wrap(domain.CodeUnavailable, ctx.Err(), "The service is busy; try again shortly.")
	}
}

// background runs job with a context detached from ctx's cancellation (a client
// hanging up must not cancel a mail): on the queue with AsyncNotify, else at once,
// inside the request (what tests that read the mail right after a call rely on).
// The only error is put's unavailable, when ctx ends before the queue has room.
func (a *App) background(ctx context.Context, job func(context.Context)) error {
	detached := context.WithoutCancel(ctx)
	if a.queue == nil {
		job(detached)
		return nil
	}
	return a.queue.put(ctx, func() { job(detached) })
}

// notify hands a mail to the notifier without letting its failure fail the request
// that caused it; the notifier's error is logged with the reason. With AsyncNotify
// the mail goes out in the background, so a slow mail server does not slow the
// request. Should the request's context end while the queue is full, the mail is
// sent inside the request rather than lost: its token is stored already.
func (a *App) notify(ctx context.Context, what string, userID string, send func(context.Context) error) {
	deliver := func(ctx context.Context) { a.deliver(ctx, what, userID, send) }
	if err := a.background(ctx, deliver); err != nil {
		deliver(context.WithoutCancel(ctx))
	}
}

// deliver sends one mail and logs its failure; it runs wherever its caller does.
func (a *App) deliver(ctx context.Context, what string, userID string, send func(context.Context) error) {
	if err := send(ctx); err != nil {
		a.Logger.ErrorContext(ctx, "notification failed", "kind", what, "user_id", userID, "err", err)
	}
}

// Drain waits until every job handed to the background — mails, and the lookups
// and tokens behind forgot and resend — has finished or failed, so a graceful
// shutdown loses no work a request acknowledged. Call it once no more requests
// arrive (after the HTTP server has shut down).
func (a *App) Drain() {
	if a.queue != nil {
		a.queue.pending.Wait()
	}
}
