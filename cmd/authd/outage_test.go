package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
)

// throughProxy rewrites a database URL so that it reaches its server through a
// proxy, returning the new URL and the server address the proxy must reach.
func throughProxy(t *testing.T, raw string, proxy func(target string) string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme == "dynamodb" {
		q := u.Query()
		ep, err := url.Parse(q.Get("endpoint"))
		if err != nil || ep.Host == "" {
			t.Fatalf("dynamodb URL %q has no endpoint to proxy", raw)
		}
		ep.Host = proxy(ep.Host)
		q.Set("endpoint", ep.String())
		u.RawQuery = q.Encode()
		return u.String()
	}
	host := u.Host
	if !strings.Contains(host, ":") {
		host += map[string]string{"postgres": ":5432", "postgresql": ":5432", "mysql": ":3306"}[u.Scheme]
	}
	u.Host = proxy(host)
	return u.String()
}

// TestDatabaseOutage cuts the connection to the database under a running authd: the
// API and /readyz answer 503 unavailable with Retry-After — never a 500 with driver
// text — and when the database is back the same process serves again, no restart.
func TestDatabaseOutage(t *testing.T) {
	for _, name := range backendtest.Names() {
		if name == "sqlite" {
			continue // embedded: there is no server connection to lose
		}
		t.Run(name, func(t *testing.T) { testDatabaseOutage(t, name) })
	}
}

func testDatabaseOutage(t *testing.T, name string) {
	var proxy *faultProxy
	dbURL := throughProxy(t, backendtest.URL(t, name), func(target string) string {
		proxy = newFaultProxy(t, target)
		return proxy.addr()
	})
	s := startServer(t, testConfig(t, dbURL, map[string]string{"AUTH_REQUIRE_ACTIVATION": "false"}))
	s.expect(201, "POST", "/v1/auth/signup", "", map[string]any{"email": "cy@example.com", "password": "long enough pw"})
	login := s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": "cy@example.com", "password": "long enough pw"})

	proxy.cut()
	for _, probe := range []struct{ method, path, bearer string }{
		{"GET", "/readyz", ""},
		{"GET", "/v1/auth/me", str(login, "access_token")},
	} {
		status, body := s.call(probe.method, probe.path, probe.bearer, nil)
		if status != 503 || str(body, "code") != "unavailable" {
			t.Fatalf("%s %s with the database down: %d %v, want 503 unavailable", probe.method, probe.path, status, body)
		}
	}
	resp, err := http.Get(s.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ra := resp.Header.Get("Retry-After"); ra == "" {
		t.Fatalf("/readyz with the database down has no Retry-After header")
	}
	status, body := s.call("POST", "/v1/auth/login", "", map[string]any{"email": "cy@example.com", "password": "long enough pw"})
	if status != 503 || str(body, "code") != "unavailable" {
		t.Fatalf("login with the database down: %d %v, want 503 unavailable", status, body)
	}
	if detail := str(body, "detail"); strings.Contains(strings.ToLower(detail), "dial") || strings.Contains(detail, "127.0.0.1") {
		t.Fatalf("503 detail leaks driver text: %q", detail)
	}

	proxy.restore()
	s.waitReady(t, 20*time.Second, "the database came back")
	s.expect(200, "GET", "/v1/auth/me", str(login, "access_token"), nil)
	s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": "cy@example.com", "password": "long enough pw"})
}

// waitReady polls /readyz until it answers 200, failing t after within; after says
// what the wait follows, for the failure message.
func (s *server) waitReady(t *testing.T, within time.Duration, after string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		status, _ := s.call("GET", "/readyz", "", nil)
		if status == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d %v after %s", status, within, after)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
