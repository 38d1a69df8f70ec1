package loadgen

import (
	"context"
	"sync"
	"time"
)

// HealthProbe is what GET /healthz answered while a scenario ran: the server must
// keep answering it however loaded its password hashing is.
type HealthProbe struct {
	// Checks counts probes sent; Failed those without a 200 (timeouts included).
	Checks int `json:"checks"`
	Failed int `json:"failed"`
	// MaxMs is the slowest probe in milliseconds.
	MaxMs float64 `json:"max_ms"`
}

// probeHealth asks /healthz every interval, on a connection of its own, until
// stop is closed, and returns the tally.
func probeHealth(ctx context.Context, c *Client, interval time.Duration, stop <-chan struct{}) func() HealthProbe {
	var mu sync.Mutex
	var p HealthProbe
	var slowest time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			o := c.Health(ctx)
			if ctx.Err() != nil {
				return
			}
			mu.Lock()
			p.Checks++
			if !o.OK {
				p.Failed++
			}
			slowest = max(slowest, o.Latency)
			mu.Unlock()
		}
	}()
	return func() HealthProbe {
		<-done
		mu.Lock()
		defer mu.Unlock()
		p.MaxMs = millis(slowest)
		return p
	}
}
