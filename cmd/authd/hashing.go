package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/metrics"
)

// hasherOptions are the hasher's queue bound (AUTH_HASH_QUEUE_TIMEOUT) and its
// queue-wait histogram on reg.
func hasherOptions(cfg Config, reg prometheus.Registerer) []argon2.Option {
	return []argon2.Option{
		argon2.WithQueueTimeout(cfg.HashQueueTimeout),
		argon2.WithWaitObserver(metrics.RegisterHashQueueWait(reg)),
	}
}
