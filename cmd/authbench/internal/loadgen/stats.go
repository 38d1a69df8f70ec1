package loadgen

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// DefaultMaxSamples bounds the latency reservoir. A million durations take 8 MB and
// cover every realistic run exactly: ten seconds at 50,000 successful requests/s is
// half of it. Only beyond it does the reservoir start to sample.
const DefaultMaxSamples = 1_000_000

// Outcome is what one measured request produced.
type Outcome struct {
	// Latency is the time from sending the request to having read its whole body.
	Latency time.Duration
	// OK reports whether the response had the status the scenario expects.
	OK bool
	// Status is the HTTP status, or 0 when no response arrived (a transport error).
	Status int
	// Code is the problem+json "code" of an error response, or a short label for a
	// transport error ("timeout", "connection"); empty when unknown.
	Code string
	// RetryAfter is the Retry-After of a 429 or 503, zero when there was none.
	RetryAfter time.Duration
}

// StatusCount is how many failed requests ended with one status and error code.
type StatusCount struct {
	Status int    `json:"status"`
	Code   string `json:"code,omitempty"`
	Count  int64  `json:"count"`
}

// Recorder collects the outcomes of one scenario. It is safe for concurrent use by
// the workers; a mutex is cheap next to an HTTP round trip, and a single reservoir
// keeps the sampling uniform across workers, which per-worker reservoirs would not
// without weighting.
type Recorder struct {
	mu       sync.Mutex
	max      int
	rng      *rand.Rand
	samples  []time.Duration
	seen     int64 // successful outcomes offered to the reservoir
	requests int64
	errors   int64
	slowest  time.Duration
	// slowestAny is the slowest answer of any kind, refusals included.
	slowestAny time.Duration
	byStatus   map[StatusCount]int64 // keyed with Count zero
}

// NewRecorder returns a recorder whose latency reservoir holds at most maxSamples
// durations; maxSamples <= 0 means DefaultMaxSamples.
func NewRecorder(maxSamples int) *Recorder {
	if maxSamples <= 0 {
		maxSamples = DefaultMaxSamples
	}
	return &Recorder{
		max:      maxSamples,
		rng:      rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		samples:  make([]time.Duration, 0, min(maxSamples, 4096)),
		byStatus: make(map[StatusCount]int64),
	}
}

// Record adds one outcome. Latencies are kept for successful requests only, so a
// fast stream of refusals (429s, 401s) cannot make the server look quick; errors
// are counted by status and code instead.
func (r *Recorder) Record(o Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	r.slowestAny = max(r.slowestAny, o.Latency)
	if !o.OK {
		r.errors++
		r.byStatus[StatusCount{Status: o.Status, Code: o.Code}]++
		return
	}
	r.slowest = max(r.slowest, o.Latency)
	r.seen++
	if len(r.samples) < r.max {
		r.samples = append(r.samples, o.Latency)
		return
	}
	// Algorithm R: the i-th sample replaces a random slot with probability max/i,
	// which leaves every sample seen so far equally likely to be kept.
	if j := r.rng.Int64N(r.seen); j < int64(r.max) {
		r.samples[j] = o.Latency
	}
}

// Summary is the statistics of one scenario, as printed and written to JSON.
type Summary struct {
	Scenario string `json:"scenario"`
	// Requests counts every measured request, successful or not.
	Requests int64 `json:"requests"`
	// Errors counts requests without the expected status, transport errors included.
	Errors int64 `json:"errors"`
	// Elapsed is the wall time from the first request to the last response.
	Elapsed time.Duration `json:"-"`
	// ElapsedSeconds mirrors Elapsed for JSON readers.
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	// ReqPerSec is successful requests per second of Elapsed.
	ReqPerSec float64 `json:"req_per_sec"`
	// P50, P99 and Max are latencies of successful requests.
	P50 time.Duration `json:"-"`
	P99 time.Duration `json:"-"`
	Max time.Duration `json:"-"`
	// P50Ms, P99Ms and MaxMs mirror the latencies in milliseconds for JSON readers.
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
	// MaxAnyMs is the slowest answer of any kind, errors and refusals included:
	// under overload, how long a client waited before it was told anything.
	MaxAnyMs float64 `json:"max_any_ms"`
	// Health is the /healthz probe made during the scenario (ProbeHealth).
	Health *HealthProbe `json:"healthz,omitempty"`
	// PeakRSSMiB is the largest resident set of the server sampled during the
	// scenario, or 0 when no server PID was given.
	PeakRSSMiB float64 `json:"peak_rss_mib,omitempty"`
	// ErrorsByStatus lists failed requests by status and code, most frequent first.
	ErrorsByStatus []StatusCount `json:"errors_by_status,omitempty"`
}

// Summarize computes the statistics of everything recorded so far, over elapsed.
func (r *Recorder) Summarize(scenario string, elapsed time.Duration) Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	sorted := slices.Clone(r.samples)
	slices.Sort(sorted)
	s := Summary{
		Scenario:       scenario,
		Requests:       r.requests,
		Errors:         r.errors,
		Elapsed:        elapsed,
		ElapsedSeconds: round3(elapsed.Seconds()),
		P50:            Percentile(sorted, 50),
		P99:            Percentile(sorted, 99),
		Max:            r.slowest,
	}
	if elapsed > 0 {
		s.ReqPerSec = round3(float64(r.requests-r.errors) / elapsed.Seconds())
	}
	s.P50Ms, s.P99Ms, s.MaxMs = millis(s.P50), millis(s.P99), millis(s.Max)
	s.MaxAnyMs = millis(r.slowestAny)
	for k, n := range r.byStatus {
		k.Count = n
		s.ErrorsByStatus = append(s.ErrorsByStatus, k)
	}
	slices.SortFunc(s.ErrorsByStatus, func(a, b StatusCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Status, b.Status), cmp.Compare(a.Code, b.Code))
	})
	return s
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest sample with at least p% of the samples at or
// below it. It never interpolates, so every figure reported is a latency that a
// request really had. An empty slice gives 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func millis(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
