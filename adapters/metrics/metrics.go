// Package metrics holds authd's Prometheus collectors that live below the HTTP
// adapter: mail deliveries (a ports.Notifier decorator, since mails go out in the
// background where no request sees them fail), the argon2 hashing queue and the
// SQL connection pool. The HTTP request metrics and the outcomes of the use cases
// are counted by adapters/http, which sees every answer. The use cases know nothing
// of any of it.
package metrics

import (
	"context"
	"database/sql"
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Mail kinds, the kind label of authd_mails_total.
const (
	kindActivation    = "activation"
	kindPasswordReset = "password_reset"
	kindRecoveryCode  = "recovery_code_used"
	kindEmailChange   = "email_change"
	kindEmailNotice   = "email_change_notice"
	kindSignIn        = "sign_in"
)

// notifier counts the deliveries of the notifier it wraps.
type notifier struct {
	next  ports.Notifier
	mails *prometheus.CounterVec
}

var _ ports.Notifier = (*notifier)(nil)

// Notifier wraps next so that every delivery is counted in authd_mails_total by
// kind (activation, password_reset) and result (sent, failed).
func Notifier(next ports.Notifier, reg prometheus.Registerer) ports.Notifier {
	n := &notifier{next: next, mails: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "authd", Name: "mails_total",
		Help: "Mails handed to the mail transport, by kind and result (sent, failed).",
	}, []string{"kind", "result"})}
	n.mails = register(reg, n.mails)
	for _, k := range []string{kindActivation, kindPasswordReset, kindRecoveryCode, kindEmailChange, kindEmailNotice, kindSignIn} {
		for _, r := range []string{"sent", "failed"} {
			n.mails.WithLabelValues(k, r)
		}
	}
	return n
}

// SendActivation delivers through the wrapped notifier and counts the result.
func (n *notifier) SendActivation(ctx context.Context, u domain.User, token string) error {
	return n.count(kindActivation, n.next.SendActivation(ctx, u, token))
}

// SendPasswordReset delivers through the wrapped notifier and counts the result.
func (n *notifier) SendPasswordReset(ctx context.Context, u domain.User, token string) error {
	return n.count(kindPasswordReset, n.next.SendPasswordReset(ctx, u, token))
}

// SendRecoveryCodeUsed delivers through the wrapped notifier and counts the result.
func (n *notifier) SendRecoveryCodeUsed(ctx context.Context, u domain.User, remaining int) error {
	return n.count(kindRecoveryCode, n.next.SendRecoveryCodeUsed(ctx, u, remaining))
}

// SendEmailChange delivers through the wrapped notifier and counts the result.
func (n *notifier) SendEmailChange(ctx context.Context, u domain.User, to domain.MailAddresses, token string) error {
	return n.count(kindEmailChange, n.next.SendEmailChange(ctx, u, to, token))
}

// SendEmailChangeNotice delivers through the wrapped notifier and counts the result.
func (n *notifier) SendEmailChangeNotice(ctx context.Context, u domain.User, to domain.MailAddresses) error {
	return n.count(kindEmailNotice, n.next.SendEmailChangeNotice(ctx, u, to))
}

func (n *notifier) count(kind string, err error) error {
	result := "sent"
	if err != nil {
		result = "failed"
	}
	n.mails.WithLabelValues(kind, result).Inc()
	return err
}

// HashingLoad is what the hashing gauges read: computations holding a slot,
// callers waiting for one, and the number of slots (AUTH_HASH_CONCURRENCY).
type HashingLoad func() (inFlight, waiting, slots int)

// RegisterHashing publishes the argon2 queue as gauges read at scrape time:
// authd_hash_in_flight, authd_hash_waiting and authd_hash_slots. A waiting count
// above zero for long means logins queue for CPU and memory.
func RegisterHashing(reg prometheus.Registerer, load HashingLoad) {
	gauge := func(name, help string, pick func(inFlight, waiting, slots int) int) {
		register(reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "authd", Subsystem: "hash", Name: name, Help: help},
			func() float64 { return float64(pick(load())) }))
	}
	gauge("in_flight", "Password hashes and verifications running now.", func(n, _, _ int) int { return n })
	gauge("waiting", "Password hashes and verifications waiting for a slot.", func(_, n, _ int) int { return n })
	gauge("slots", "Password hashes and verifications that may run at once.", func(_, _, n int) int { return n })
}

// dbPool exports database/sql pool statistics.
type dbPool struct {
	stats func() sql.DBStats
	descs map[string]*prometheus.Desc
}

// RegisterDBPool publishes the SQL connection pool (sqlstore's Stats) as
// authd_db_* metrics, read at scrape time. DynamoDB has no pool and none of them.
func RegisterDBPool(reg prometheus.Registerer, stats func() sql.DBStats) {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("authd_db_"+name, help, nil, nil)
	}
	register(reg, &dbPool{stats: stats, descs: map[string]*prometheus.Desc{
		"max_open":      d("max_open_connections", "Maximum open connections of the pool (0: unlimited)."),
		"open":          d("open_connections", "Open connections, in use and idle."),
		"in_use":        d("in_use_connections", "Connections in use."),
		"idle":          d("idle_connections", "Idle connections."),
		"wait_count":    d("wait_count_total", "Times a query waited for a free connection."),
		"wait_duration": d("wait_duration_seconds_total", "Time spent waiting for a free connection."),
	}})
}

// Describe sends the pool's descriptors.
func (p *dbPool) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range p.descs {
		ch <- d
	}
}

// Collect reads the pool statistics once and sends them.
func (p *dbPool) Collect(ch chan<- prometheus.Metric) {
	s := p.stats()
	gauge := func(key string, v float64) {
		ch <- prometheus.MustNewConstMetric(p.descs[key], prometheus.GaugeValue, v)
	}
	counter := func(key string, v float64) {
		ch <- prometheus.MustNewConstMetric(p.descs[key], prometheus.CounterValue, v)
	}
	gauge("max_open", float64(s.MaxOpenConnections))
	gauge("open", float64(s.OpenConnections))
	gauge("in_use", float64(s.InUse))
	gauge("idle", float64(s.Idle))
	counter("wait_count", float64(s.WaitCount))
	counter("wait_duration", s.WaitDuration.Seconds())
}

// register adds c to reg, or returns the equal collector already there (a second
// wiring on one registry, as tests do).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("metrics: registering: " + err.Error())
	}
	return c
}

// SendSignIn delivers through the wrapped notifier and counts the result.
func (n *notifier) SendSignIn(ctx context.Context, u domain.User, token, code string) error {
	return n.count(kindSignIn, n.next.SendSignIn(ctx, u, token, code))
}
