package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
)

// scrape GETs url and returns the status and body.
func scrape(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestMetricsListener runs the real wiring with each AUTH_METRICS_LISTEN choice:
// empty serves /metrics with the API, an address on its own listener (and the API
// then has none), off nowhere. The pool gauges appear for SQL backends only.
func TestMetricsListener(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, name string) {
		t.Run("default: on the API listener", func(t *testing.T) {
			s := startServer(t, testConfig(t, backendtest.URL(t, name), nil))
			if s.m.MetricsAddr() != "" {
				t.Errorf("MetricsAddr = %q, want none by default", s.m.MetricsAddr())
			}
			s.expect(200, "GET", "/healthz", "", nil)
			status, body := scrape(t, s.base+"/metrics")
			if status != 200 || !strings.Contains(body, "authd_http_requests_total") {
				t.Fatalf("GET /metrics on the API: %d, want 200 with the HTTP metrics", status)
			}
			wantPool := name != "dynamodb"
			for series, want := range map[string]bool{
				"authd_hash_slots ":                    true,
				"authd_hash_waiting ":                  true,
				`authd_mails_total{kind="activation",`: true,
				"authd_db_open_connections ":           wantPool,
				"authd_db_wait_count_total ":           wantPool,
			} {
				if got := strings.Contains(body, "\n"+series); got != want {
					t.Errorf("%s in /metrics: %v, want %v", series, got, want)
				}
			}
		})

		t.Run("an address of its own", func(t *testing.T) {
			s := startServer(t, testConfig(t, backendtest.URL(t, name), map[string]string{"AUTH_METRICS_LISTEN": "127.0.0.1:0"}))
			addr := s.m.MetricsAddr()
			if addr == "" || strings.TrimPrefix(s.base, "http://") == addr {
				t.Fatalf("MetricsAddr = %q, want a listener apart from the API's %s", addr, s.base)
			}
			s.expect(200, "GET", "/healthz", "", nil)
			if status, _ := s.call("GET", "/metrics", "", nil); status != 404 {
				t.Errorf("GET /metrics on the API: %d, want 404 when it has a listener of its own", status)
			}
			status, body := scrape(t, "http://"+addr+"/metrics")
			if status != 200 || !strings.Contains(body, `authd_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
				t.Errorf("GET /metrics on %s: %d, want 200 counting the API's requests; body:\n%.2000s", addr, status, body)
			}
			if status, _ := scrape(t, "http://"+addr+"/v1/auth/me"); status != 404 {
				t.Errorf("GET /v1/auth/me on the metrics listener: %d, want 404 (only /metrics is served there)", status)
			}
		})

		t.Run("off", func(t *testing.T) {
			s := startServer(t, testConfig(t, backendtest.URL(t, name), map[string]string{"AUTH_METRICS_LISTEN": "off"}))
			if s.m.MetricsAddr() != "" {
				t.Errorf("MetricsAddr = %q, want none when off", s.m.MetricsAddr())
			}
			if status, _ := s.call("GET", "/metrics", "", nil); status != 404 {
				t.Errorf("GET /metrics on the API: %d, want 404 when off", status)
			}
		})
	})
}
