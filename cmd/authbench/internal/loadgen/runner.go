package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Options bound and shape a run.
type Options struct {
	// Concurrency is the number of workers, each with at most one request in flight.
	Concurrency int
	// Duration bounds each scenario in wall time; 0 means no time bound. Requests in
	// flight when it passes are completed and counted.
	Duration time.Duration
	// Requests bounds each scenario in measured requests; 0 means no count bound.
	// With both bounds set, whichever is reached first ends the scenario.
	Requests int64
	// Users is how many accounts are signed up, unmeasured, before the first
	// scenario that signs in; 0 means one per worker.
	Users int
	// MaxSamples bounds the latency reservoir; 0 means DefaultMaxSamples.
	MaxSamples int
	// PID, when not 0, is the server process whose VmRSS is sampled during each
	// scenario.
	PID int
	// SampleInterval is how often VmRSS is sampled; 0 means 100 ms.
	SampleInterval time.Duration
	// HealthInterval, when positive, has GET /healthz asked this often during each
	// scenario, and the answers summarised.
	HealthInterval time.Duration
	// HonorRetryAfter has a worker told to come back later (a 429 or 503 with
	// Retry-After) wait that long before its next request, as a well-behaved client
	// does; otherwise it sends the next one at once.
	HonorRetryAfter bool
}

// maxSetupConcurrency bounds the sign-ups in flight while accounts are created.
const maxSetupConcurrency = 8

// Runner drives the scenarios against one server. The accounts it creates carry a
// per-run identifier, so repeated runs against one database never collide.
type Runner struct {
	client   *Client
	opts     Options
	runID    string
	password string
	users    int

	usersOnce sync.Once
	usersErr  error
}

// NewRunner validates opts and returns a runner that sends its requests with client.
func NewRunner(client *Client, opts Options) (*Runner, error) {
	switch {
	case opts.Concurrency < 1:
		return nil, errors.New("concurrency must be at least 1")
	case opts.Duration < 0 || opts.Requests < 0 || opts.Users < 0 || opts.MaxSamples < 0:
		return nil, errors.New("duration, request count, users and samples cannot be negative")
	case opts.Duration == 0 && opts.Requests == 0:
		return nil, errors.New("give a duration, a request count or both: a run must end by itself")
	}
	if opts.Users == 0 {
		opts.Users = opts.Concurrency
	}
	if opts.SampleInterval <= 0 {
		opts.SampleInterval = 100 * time.Millisecond
	}
	runID := strconv.FormatInt(time.Now().Unix(), 36) + strconv.FormatUint(rand.Uint64()%(36*36*36*36), 36)
	return &Runner{
		client: client,
		opts:   opts,
		runID:  runID,
		// Not a secret: these accounts exist only for the benchmark.
		password: "bench-" + runID + "-password",
		users:    opts.Users,
	}, nil
}

// Run runs one scenario to its bound and summarises it. Setup work (creating the
// accounts, opening each worker's session) happens before the clock starts. When
// ctx is cancelled the run stops early and returns what it measured with ctx's error.
func (r *Runner) Run(ctx context.Context, sc Scenario) (Summary, error) {
	if sc.needsUsers() {
		if err := r.ensureUsers(ctx); err != nil {
			return Summary{Scenario: string(sc)}, err
		}
	}
	workers := make([]*worker, r.opts.Concurrency)
	for i := range workers {
		workers[i] = &worker{id: i}
	}
	if sc == Refresh || sc == Me {
		if err := r.openSessions(ctx, workers); err != nil {
			return Summary{Scenario: string(sc)}, err
		}
	}

	var rss *sampler
	if r.opts.PID != 0 {
		rss = startSampler(r.opts.PID, r.opts.SampleInterval)
	}
	rec := NewRecorder(r.opts.MaxSamples)
	stopProbe := make(chan struct{})
	var health func() HealthProbe
	if r.opts.HealthInterval > 0 {
		health = probeHealth(ctx, r.client, r.opts.HealthInterval, stopProbe)
	}
	var tickets, next atomic.Int64
	start := time.Now()
	deadline := start.Add(r.opts.Duration)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				if r.opts.Duration > 0 && !time.Now().Before(deadline) {
					return
				}
				if r.opts.Requests > 0 && tickets.Add(1) > r.opts.Requests {
					return
				}
				o := r.step(ctx, sc, w, &next)
				if ctx.Err() != nil {
					return // an interrupted request says nothing about the server
				}
				rec.Record(o)
				if r.opts.HonorRetryAfter && o.RetryAfter > 0 {
					pause(ctx, min(o.RetryAfter, time.Until(deadline)))
				}
			}
		})
	}
	wg.Wait()
	s := rec.Summarize(string(sc), time.Since(start))
	close(stopProbe)
	if health != nil {
		h := health()
		s.Health = &h
	}
	if rss != nil {
		s.PeakRSSMiB = MiB(rss.Stop())
	}
	return s, ctx.Err()
}

// pause sleeps for d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// ensureUsers signs up the accounts that login, refresh and me use, once per
// runner, with as many requests in flight as there are workers up to
// maxSetupConcurrency: set-up must not itself overload the server's hashing, which
// sheds what waits too long (AUTH_HASH_QUEUE_TIMEOUT).
func (r *Runner) ensureUsers(ctx context.Context) error {
	r.usersOnce.Do(func() {
		r.usersErr = forEach(ctx, r.users, min(r.opts.Concurrency, maxSetupConcurrency), func(ctx context.Context, i int) error {
			o := r.client.Signup(ctx, r.userEmail(int64(i)), r.password)
			if !o.OK {
				return fmt.Errorf("setup: signing up bench account %d: %s%s", i, describe(o), hint(o))
			}
			return nil
		})
	})
	return r.usersErr
}

// openSessions signs every worker in before the clock starts.
func (r *Runner) openSessions(ctx context.Context, workers []*worker) error {
	return forEach(ctx, len(workers), len(workers), func(ctx context.Context, i int) error {
		if o := r.openSession(ctx, workers[i]); !o.OK {
			return fmt.Errorf("setup: signing in worker %d: %s%s", i, describe(o), hint(o))
		}
		return nil
	})
}

// forEach calls fn for 0..n-1 with at most limit calls in flight, stops starting
// new calls after the first error, and returns that error.
func forEach(ctx context.Context, n, limit int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, limit) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx)
}

// describe renders an outcome's status and code for an error message.
func describe(o Outcome) string { return ErrorLabel(StatusCount{Status: o.Status, Code: o.Code}) }

// hint suggests the server setting behind the setup failures that have one.
func hint(o Outcome) string {
	switch o.Code {
	case "account_not_active":
		return " (run the server with AUTH_REQUIRE_ACTIVATION=false)"
	case "rate_limited":
		return " (raise the server's AUTH_RATE_LIMIT_* settings for benchmarking)"
	case "remote_refused":
		return " (the target is not loopback; see -allow-remote)"
	}
	return ""
}

// WaitReady polls GET /readyz until it answers 200 or timeout passes. When pid is
// not 0 it also fails as soon as that process is gone, so a server that crashed on
// start is reported at once rather than after the whole timeout.
func WaitReady(ctx context.Context, c *Client, pid int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := Outcome{Code: "not tried"}
	for {
		if pid != 0 {
			if _, err := ReadMemory(pid); err != nil {
				return fmt.Errorf("waiting for %s: %w", PathReady, err)
			}
		}
		if last = c.Ready(ctx); last.OK {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: last answer %s", PathReady, timeout, describe(last))
		case <-tick.C:
		}
	}
}
