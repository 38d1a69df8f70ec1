package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// hashWaitBuckets span a free slot (the first bucket) to the default queue timeout
// of 3 s and a little beyond, for an operator who raises AUTH_HASH_QUEUE_TIMEOUT.
var hashWaitBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10}

// RegisterHashQueueWait publishes authd_hash_queue_wait_seconds, a histogram of
// how long each password operation (login, sign-up, password change or reset,
// deletion) waited for admission to the hashing work (zero when there was room),
// those shed after AUTH_HASH_QUEUE_TIMEOUT included. It returns the function the
// use cases call with each wait.
func RegisterHashQueueWait(reg prometheus.Registerer) func(wait time.Duration) {
	h := register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "authd", Subsystem: "hash", Name: "queue_wait_seconds",
		Help:    "Time password operations waited for admission to hashing, shed ones included.",
		Buckets: hashWaitBuckets,
	}))
	return func(wait time.Duration) { h.Observe(wait.Seconds()) }
}
