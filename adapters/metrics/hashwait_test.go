package metrics_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/authd/authd/adapters/metrics"
)

// TestHashQueueWaitHistogram observes a free slot, a short wait and a shed wait
// and checks the histogram's count, sum and bucket placement.
func TestHashQueueWaitHistogram(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	observe := metrics.RegisterHashQueueWait(reg)
	if again := metrics.RegisterHashQueueWait(reg); again == nil {
		t.Fatal("a second registration on one registry returned nil")
	}
	for _, d := range []time.Duration{0, 20 * time.Millisecond, 3 * time.Second} {
		observe(d)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) != 1 || mfs[0].GetName() != "authd_hash_queue_wait_seconds" {
		t.Fatalf("gathered %v, want one family authd_hash_queue_wait_seconds", mfs)
	}
	h := mfs[0].GetMetric()[0].GetHistogram()
	if got := h.GetSampleCount(); got != 3 {
		t.Errorf("count = %d, want 3", got)
	}
	if got, want := h.GetSampleSum(), 3.02; got < want-1e-9 || got > want+1e-9 {
		t.Errorf("sum = %v, want %v", got, want)
	}
	cumulative := map[float64]uint64{0.001: 1, 0.025: 2, 2: 2, 3: 3}
	for _, b := range h.GetBucket() {
		if want, ok := cumulative[b.GetUpperBound()]; ok && b.GetCumulativeCount() != want {
			t.Errorf("bucket le=%v holds %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
}
