package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/metrics"
	"github.com/authd/authd/ports"
)

// metricsOff is the AUTH_METRICS_LISTEN value that serves /metrics nowhere.
const metricsOff = "off"

// pooled is a backend with a SQL connection pool (sqlstore); DynamoDB has none.
type pooled interface {
	Stats() sql.DBStats
}

// instrument registers the collectors below the HTTP adapter on reg — mail
// deliveries, the hashing queue, the SQL pool — and returns the notifier to give
// the use cases, wrapped so that its deliveries are counted. backend is the raw
// store (not the deadline wrapper), whose type says whether it has a pool.
func instrument(reg *prometheus.Registry, backend ports.Backend, hasher *argon2.Hasher, n ports.Notifier) ports.Notifier {
	metrics.RegisterHashing(reg, hasher.Load)
	if p, ok := backend.(pooled); ok {
		metrics.RegisterDBPool(reg, p.Stats)
	}
	return metrics.Notifier(n, reg)
}

// metricsServer serves /metrics on AUTH_METRICS_LISTEN, apart from the API.
type metricsServer struct {
	srv *http.Server
	ln  net.Listener
}

// startMetrics listens on AUTH_METRICS_LISTEN when it names an address; with it
// empty /metrics is a route of the API, with "off" it is nowhere.
func (m *Main) startMetrics() error {
	addr := m.Config.MetricsListen
	if addr == "" || addr == metricsOff {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("AUTH_METRICS_LISTEN: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second}
	m.metrics = &metricsServer{srv: srv, ln: ln}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("metrics listener stopped", "err", err)
		}
	}()
	m.Logger.Info("metrics listening", "addr", ln.Addr().String())
	return nil
}

// MetricsAddr is the address of the metrics listener, or "" when /metrics has none
// of its own.
func (m *Main) MetricsAddr() string {
	if m.metrics == nil {
		return ""
	}
	return m.metrics.ln.Addr().String()
}

// stopMetrics shuts the metrics listener down within ctx.
func (m *Main) stopMetrics(ctx context.Context) error {
	if m.metrics == nil {
		return nil
	}
	if err := m.metrics.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("metrics shutdown: %w", err)
	}
	return nil
}
