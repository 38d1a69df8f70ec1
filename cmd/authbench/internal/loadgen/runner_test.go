package loadgen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/cmd/authbench/internal/fakeauthd"
	"github.com/authd/authd/cmd/authbench/internal/loadgen"
)

// newRunner starts fake behind an httptest server and returns a runner aimed at it.
func newRunner(t *testing.T, fake *fakeauthd.Server, opts loadgen.Options) *loadgen.Runner {
	t.Helper()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	base, err := loadgen.CheckTarget(context.Background(), srv.URL, false)
	if err != nil {
		t.Fatalf("CheckTarget(%s) = %v, want nil", srv.URL, err)
	}
	c := loadgen.NewClient(base, opts.Concurrency, 5*time.Second, false)
	t.Cleanup(c.Close)
	r, err := loadgen.NewRunner(c, opts)
	if err != nil {
		t.Fatalf("NewRunner(%+v) = %v, want nil", opts, err)
	}
	return r
}

// Each scenario runs for ~200 ms against the fake; every request the runner counts
// must be one the fake served (setup excluded), none may fail, and refresh must
// never present a stale token.
func TestRunCountsAddUp(t *testing.T) {
	t.Parallel()
	fake := fakeauthd.New()
	const workers, users = 4, 3
	r := newRunner(t, fake, loadgen.Options{Concurrency: workers, Duration: 200 * time.Millisecond, Users: users})
	ctx := context.Background()

	path := map[loadgen.Scenario]string{
		loadgen.Signup: "/v1/auth/signup", loadgen.Login: "/v1/auth/login",
		loadgen.Refresh: "/v1/auth/refresh", loadgen.Me: "/v1/auth/me",
	}
	for _, sc := range loadgen.AllScenarios {
		before := map[string]int64{}
		for p, n := range fake.Served {
			before[p] = n.Load()
		}
		start := time.Now()
		s, err := r.Run(ctx, sc)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("Run(%s) = %v, want nil", sc, err)
		}
		served := fake.Served[path[sc]].Load() - before[path[sc]]
		if s.Scenario != string(sc) || s.Requests == 0 || s.Requests != served {
			t.Errorf("%s: summary %q counted %d requests, fake served %d; want equal and above 0", sc, s.Scenario, s.Requests, served)
		}
		if s.Errors != 0 || len(s.ErrorsByStatus) != 0 {
			t.Errorf("%s: errors = %d %+v, want none", sc, s.Errors, s.ErrorsByStatus)
		}
		if took < 200*time.Millisecond || took > 2*time.Second {
			t.Errorf("%s: Run took %v, want about 200ms", sc, took)
		}
		if s.Elapsed < 200*time.Millisecond || s.Elapsed > took {
			t.Errorf("%s: Elapsed = %v, want between 200ms and the call's %v", sc, s.Elapsed, took)
		}
		if want := float64(s.Requests) / s.Elapsed.Seconds(); s.ReqPerSec < want*0.99 || s.ReqPerSec > want*1.01 {
			t.Errorf("%s: ReqPerSec = %v, want %v", sc, s.ReqPerSec, want)
		}
		if s.P50 <= 0 || s.P50 > s.P99 || s.P99 > s.Max {
			t.Errorf("%s: p50 %v, p99 %v, max %v; want 0 < p50 <= p99 <= max", sc, s.P50, s.P99, s.Max)
		}
	}
	// Setup: the accounts once (not once per scenario), a session per worker for
	// refresh and for me.
	if got, want := fake.Served["/v1/auth/signup"].Load(), int64(users); got < want {
		t.Errorf("signups served = %d, want at least the %d setup accounts", got, want)
	}
	if n := fake.Reused.Load(); n != 0 {
		t.Errorf("stale refresh tokens presented = %d, want 0", n)
	}
}

func TestRunStopsAtRequestCount(t *testing.T) {
	t.Parallel()
	fake := fakeauthd.New()
	r := newRunner(t, fake, loadgen.Options{Concurrency: 8, Requests: 50, PID: os.Getpid()})
	s, err := r.Run(context.Background(), loadgen.Me)
	if err != nil {
		t.Fatalf("Run(me) = %v, want nil", err)
	}
	if s.Requests != 50 || fake.Served["/v1/auth/me"].Load() != 50 {
		t.Errorf("requests counted, served = %d, %d; want 50, 50", s.Requests, fake.Served["/v1/auth/me"].Load())
	}
	if s.PeakRSSMiB <= 0 {
		t.Errorf("PeakRSSMiB sampled from this test's own process = %v, want above 0", s.PeakRSSMiB)
	}
}

func TestRunCountsErrorsByStatus(t *testing.T) {
	t.Parallel()
	fake := fakeauthd.New()
	fake.FailEvery = 3
	r := newRunner(t, fake, loadgen.Options{Concurrency: 4, Requests: 300, Users: 2})
	s, err := r.Run(context.Background(), loadgen.Login)
	if err != nil {
		t.Fatalf("Run(login) = %v, want nil", err)
	}
	refused := fake.Failed("/v1/auth/login", http.StatusTooManyRequests)
	if s.Requests != 300 || s.Errors != refused || refused != 100 {
		t.Errorf("requests, errors, refused by fake = %d, %d, %d; want 300, 100, 100", s.Requests, s.Errors, refused)
	}
	want := loadgen.StatusCount{Status: 429, Code: "rate_limited", Count: refused}
	if len(s.ErrorsByStatus) != 1 || s.ErrorsByStatus[0] != want {
		t.Errorf("ErrorsByStatus = %+v, want [%+v]", s.ErrorsByStatus, want)
	}
}

func TestRunExplainsPendingAccounts(t *testing.T) {
	t.Parallel()
	fake := fakeauthd.New()
	fake.RequireActivation = true
	r := newRunner(t, fake, loadgen.Options{Concurrency: 2, Requests: 10})
	_, err := r.Run(context.Background(), loadgen.Refresh)
	if err == nil || !strings.Contains(err.Error(), "account_not_active") || !strings.Contains(err.Error(), "AUTH_REQUIRE_ACTIVATION=false") {
		t.Errorf("Run(refresh) against a server requiring activation = %v, want an error naming account_not_active and the setting", err)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	r := newRunner(t, fakeauthd.New(), loadgen.Options{Concurrency: 2, Duration: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	s, err := r.Run(ctx, loadgen.Signup)
	if err == nil || time.Since(start) > 5*time.Second || s.Requests == 0 {
		t.Errorf("Run cancelled after 100ms = %d requests, %v after %v; want some requests and the context's error at once", s.Requests, err, time.Since(start))
	}
}

func TestNewRunnerRejectsUnboundedRuns(t *testing.T) {
	t.Parallel()
	for _, opts := range []loadgen.Options{
		{Concurrency: 1},
		{Concurrency: 0, Duration: time.Second},
		{Concurrency: 1, Duration: -time.Second},
		{Concurrency: 1, Requests: 10, Users: -1},
	} {
		if _, err := loadgen.NewRunner(nil, opts); err == nil {
			t.Errorf("NewRunner(%+v) = nil error, want one", opts)
		}
	}
}

func TestWaitReady(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(fakeauthd.New())
	defer srv.Close()
	base, _ := loadgen.CheckTarget(context.Background(), srv.URL, false)
	c := loadgen.NewClient(base, 1, time.Second, false)
	defer c.Close()
	if err := loadgen.WaitReady(context.Background(), c, 0, time.Second); err != nil {
		t.Errorf("WaitReady against a ready server = %v, want nil", err)
	}

	srv.Close()
	start := time.Now()
	if err := loadgen.WaitReady(context.Background(), c, 0, 300*time.Millisecond); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("WaitReady against a closed server = %v after %v, want an error after about 300ms", err, time.Since(start))
	}
}
