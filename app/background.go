package app

import (
	"context"
	"sync"

	"github.com/authd/authd/domain"
)

// queue is the bounded background queue of the one kind of work a request must not
// wait for and the outbox does not carry: the account-specific half of "mail me a
// link" (lookup, then token and mail into the outbox), so that forgot and resend
// take as long whether or not the address has an account. Mails themselves never
// wait here: they are outbox rows, sent by the dispatcher. A fixed pool of workers
// drains a buffered channel; pending counts the jobs accepted and not yet finished,
// which is what Drain waits for.
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

// Drain waits until every job handed to the background — the lookups and tokens
// behind forgot and resend — has finished or failed, so a graceful
// shutdown loses no work a request acknowledged. Call it once no more requests
// arrive (after the HTTP server has shut down).
func (a *App) Drain() {
	if a.queue != nil {
		a.queue.pending.Wait()
	}
}
