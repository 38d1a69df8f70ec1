package loadgen_test

import (
	"slices"
	"testing"
	"time"

	"github.com/authd/authd/cmd/authbench/internal/loadgen"
)

// ms returns 1..n milliseconds, sorted.
func ms(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"single sample is every percentile", ms(1), 99, time.Millisecond},
		{"p50 of 100", ms(100), 50, 50 * time.Millisecond},
		{"p99 of 100", ms(100), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(100), 100, 100 * time.Millisecond},
		{"p99 of 10 rounds up to the top rank", ms(10), 99, 10 * time.Millisecond},
		{"p50 of 10", ms(10), 50, 5 * time.Millisecond},
		{"p50 of 3 is the middle", ms(3), 50, 2 * time.Millisecond},
		{"tiny p still picks the first sample", ms(10), 0.01, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := loadgen.Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(%d samples, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

func TestRecorderSummarize(t *testing.T) {
	t.Parallel()
	rec := loadgen.NewRecorder(0)
	// 100 successes of 1..100 ms, recorded out of order.
	for _, i := range []int{3, 1, 2} {
		for j := i; j <= 100; j += 3 {
			rec.Record(loadgen.Outcome{OK: true, Status: 200, Latency: time.Duration(j) * time.Millisecond})
		}
	}
	// Errors: their latencies must not count.
	for range 3 {
		rec.Record(loadgen.Outcome{Status: 429, Code: "rate_limited", Latency: time.Hour})
	}
	rec.Record(loadgen.Outcome{Status: 401, Code: "refresh_token_reused", Latency: time.Hour})
	rec.Record(loadgen.Outcome{Status: 500, Code: "internal"})
	rec.Record(loadgen.Outcome{Status: 0, Code: "timeout"})
	rec.Record(loadgen.Outcome{Status: 0, Code: "timeout"})

	s := rec.Summarize("login", 2*time.Second)
	if s.Scenario != "login" || s.Requests != 107 || s.Errors != 7 {
		t.Errorf("scenario, requests, errors = %q, %d, %d; want login, 107, 7", s.Scenario, s.Requests, s.Errors)
	}
	if s.ReqPerSec != 50 {
		t.Errorf("ReqPerSec = %v, want 50 (100 successes over 2 s)", s.ReqPerSec)
	}
	if s.P50 != 50*time.Millisecond || s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Errorf("p50, p99, max = %v, %v, %v; want 50ms, 99ms, 100ms", s.P50, s.P99, s.Max)
	}
	if s.P50Ms != 50 || s.P99Ms != 99 || s.MaxMs != 100 || s.ElapsedSeconds != 2 {
		t.Errorf("JSON mirrors p50, p99, max, elapsed = %v, %v, %v, %v; want 50, 99, 100, 2", s.P50Ms, s.P99Ms, s.MaxMs, s.ElapsedSeconds)
	}
	want := []loadgen.StatusCount{
		{Status: 429, Code: "rate_limited", Count: 3},
		{Status: 0, Code: "timeout", Count: 2},
		{Status: 401, Code: "refresh_token_reused", Count: 1},
		{Status: 500, Code: "internal", Count: 1},
	}
	if !slices.Equal(s.ErrorsByStatus, want) {
		t.Errorf("ErrorsByStatus = %+v, want %+v (by count, then status)", s.ErrorsByStatus, want)
	}
}

func TestRecorderNothingRecorded(t *testing.T) {
	t.Parallel()
	s := loadgen.NewRecorder(0).Summarize("me", 0)
	if s.Requests != 0 || s.ReqPerSec != 0 || s.P99 != 0 || s.ErrorsByStatus != nil {
		t.Errorf("empty summary = %+v, want zero counts, rate, latency and no errors", s)
	}
}

func TestRecorderReservoirStaysBoundedAndUniform(t *testing.T) {
	t.Parallel()
	const n, capacity = 20_000, 500
	rec := loadgen.NewRecorder(capacity)
	for i := 1; i <= n; i++ {
		rec.Record(loadgen.Outcome{OK: true, Latency: time.Duration(i) * time.Microsecond})
	}
	s := rec.Summarize("signup", time.Second)
	if s.Requests != n || s.Max != n*time.Microsecond {
		t.Errorf("requests, max = %d, %v; want %d, %v (exact despite sampling)", s.Requests, s.Max, n, time.Duration(n)*time.Microsecond)
	}
	// A uniform sample of 500 puts the median within a few percent of 10 ms; a
	// reservoir that kept only the first or last samples would be far off.
	if lo, hi := 8*time.Millisecond, 12*time.Millisecond; s.P50 < lo || s.P50 > hi {
		t.Errorf("sampled p50 = %v, want within [%v, %v]", s.P50, lo, hi)
	}
	if s.P99 < 19*time.Millisecond {
		t.Errorf("sampled p99 = %v, want at least 19ms", s.P99)
	}
}

func TestRecorderConcurrentUse(t *testing.T) {
	t.Parallel()
	rec := loadgen.NewRecorder(100)
	done := make(chan struct{})
	for w := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 1000 {
				ok := (w+i)%10 != 0
				status := map[bool]int{true: 200, false: 503}[ok]
				rec.Record(loadgen.Outcome{OK: ok, Status: status, Latency: time.Duration(i)})
			}
		}()
	}
	for range 8 {
		<-done
	}
	s := rec.Summarize("me", time.Second)
	if s.Requests != 8000 || s.Errors != 800 {
		t.Errorf("requests, errors = %d, %d; want 8000, 800", s.Requests, s.Errors)
	}
}
