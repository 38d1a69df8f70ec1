package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/metrics"
)

// hasherOptions are the hasher's queue bound (AUTH_HASH_QUEUE_TIMEOUT). The
// queue-wait histogram is observed at the use cases' door (passwordWaitObserver),
// where password operations now wait, not in the hasher behind it.
func hasherOptions(cfg Config) []argon2.Option {
	return []argon2.Option{argon2.WithQueueTimeout(cfg.HashQueueTimeout)}
}

// passwordWaitObserver publishes authd_hash_queue_wait_seconds on reg and returns
// the function the use cases call with each admission wait.
func passwordWaitObserver(reg prometheus.Registerer) func(time.Duration) {
	return metrics.RegisterHashQueueWait(reg)
}
