package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// outbox counts the dispatcher's work on the outbox it wraps.
type outbox struct {
	next     ports.Outbox
	attempts *prometheus.CounterVec
	outcomes *prometheus.CounterVec
}

var _ ports.Outbox = (*outbox)(nil)

// Outbox wraps next so that delivery attempts (authd_delivery_attempts_total, by
// channel: each claimed row is one attempt) and their outcomes
// (authd_deliveries_total by channel and outcome: delivered, retried, dead) are
// counted, and registers authd_deliveries_pending and authd_deliveries_dead, read
// from the store at each scrape — every instance reports the same figures, the
// database's.
func Outbox(next ports.Outbox, reg prometheus.Registerer) ports.Outbox {
	o := &outbox{next: next,
		attempts: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "authd", Name: "delivery_attempts_total",
			Help: "Attempts to send an outbox row (mail or webhook), by channel.",
		}, []string{"channel"})),
		outcomes: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "authd", Name: "deliveries_total",
			Help: "Ends of delivery attempts by channel and outcome: delivered, retried (failed, due again later), dead (given up after AUTH_DELIVERY_MAX_AGE).",
		}, []string{"channel", "outcome"})),
	}
	for _, ch := range []domain.DeliveryChannel{domain.ChannelMail, domain.ChannelWebhook} {
		o.attempts.WithLabelValues(string(ch))
		for _, out := range []string{"delivered", "retried", "dead"} {
			o.outcomes.WithLabelValues(string(ch), out)
		}
	}
	c := &outboxCounts{next: next,
		pending: prometheus.NewDesc("authd_deliveries_pending", "Outbox rows waiting to be sent (all instances).", nil, nil),
		dead:    prometheus.NewDesc("authd_deliveries_dead", "Outbox rows given up after AUTH_DELIVERY_MAX_AGE (all instances), until the retention purge.", nil, nil),
	}
	register(reg, c)
	return o
}

// Claim counts each claimed row as one attempt.
func (o *outbox) Claim(ctx context.Context, lease string, now, until time.Time, limit int) ([]domain.Delivery, error) {
	rows, err := o.next.Claim(ctx, lease, now, until, limit)
	for _, d := range rows {
		o.attempts.WithLabelValues(string(d.Channel)).Inc()
	}
	return rows, err
}

// Complete counts the delivered rows (sends that succeeded: a row whose lease ran
// out during its send is counted again by whoever sends it next).
func (o *outbox) Complete(ctx context.Context, ds []domain.Delivery) error {
	err := o.next.Complete(ctx, ds)
	for _, d := range ds {
		_ = o.count(d, "delivered", err)
	}
	return err
}

// Retry counts a row that failed and is due again.
func (o *outbox) Retry(ctx context.Context, d domain.Delivery, next time.Time, lastErr string) error {
	return o.count(d, "retried", o.next.Retry(ctx, d, next, lastErr))
}

// Bury counts a row given up.
func (o *outbox) Bury(ctx context.Context, d domain.Delivery, at time.Time, lastErr string) error {
	return o.count(d, "dead", o.next.Bury(ctx, d, at, lastErr))
}

// Counts passes through.
func (o *outbox) Counts(ctx context.Context) (int64, int64, error) { return o.next.Counts(ctx) }

func (o *outbox) count(d domain.Delivery, outcome string, err error) error {
	if err == nil {
		o.outcomes.WithLabelValues(string(d.Channel), outcome).Inc()
	}
	return err
}

// outboxCounts reads the pending and dead counts from the store when scraped, at
// most once per scrapeEvery, so that frequent scrapes do not become queries.
type outboxCounts struct {
	next          ports.Outbox
	pending, dead *prometheus.Desc

	mu       sync.Mutex
	at       time.Time
	p, deadN int64
	ok       bool
}

const scrapeEvery = 10 * time.Second

func (c *outboxCounts) Describe(ch chan<- *prometheus.Desc) { ch <- c.pending; ch <- c.dead }

func (c *outboxCounts) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) >= scrapeEvery {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		p, d, err := c.next.Counts(ctx)
		cancel()
		c.at = time.Now()
		if err == nil {
			c.p, c.deadN, c.ok = p, d, true
		}
	}
	if c.ok {
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(c.p))
		ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(c.deadN))
	}
}
