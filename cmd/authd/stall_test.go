package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
)

// stallAnswer is what one request got during the freeze.
type stallAnswer struct {
	what        string
	took        time.Duration
	status      int
	code        string
	retryAfter  string
	contentType string
	err         error
}

// TestDatabaseStall freezes the database under a running authd, keeping its
// connections open: with AUTH_DB_TIMEOUT=2s, 30 parallel requests — /v1/auth/me with
// a valid token, /readyz, logins — each answer 503 unavailable with Retry-After as
// problem+json within 3 s, a second wave as well, and after the thaw the same
// process serves again. SQLite is embedded: there is no connection to stall.
func TestDatabaseStall(t *testing.T) {
	for _, name := range backendtest.Names() {
		if name == "sqlite" {
			continue
		}
		t.Run(name, func(t *testing.T) { testDatabaseStall(t, name) })
	}
}

func testDatabaseStall(t *testing.T, name string) {
	const dbTimeout, freezeFor = 2 * time.Second, 6 * time.Second
	var proxy *faultProxy
	dbURL := throughProxy(t, backendtest.URL(t, name), func(target string) string {
		proxy = newFaultProxy(t, target)
		return proxy.addr()
	})
	s := startServer(t, testConfig(t, dbURL, map[string]string{
		"AUTH_REQUIRE_ACTIVATION": "false",
		"AUTH_DB_TIMEOUT":         dbTimeout.String(),
		"AUTH_RATE_LIMIT_LOGIN":   "0",
	}))
	creds := map[string]any{"email": "dee@example.com", "password": "long enough pw"}
	s.expect(201, "POST", "/v1/auth/signup", "", creds)
	access := str(s.expect(200, "POST", "/v1/auth/login", "", creds), "access_token")

	proxy.freeze()
	frozenAt := time.Now()
	for wave := range 2 {
		var slowest time.Duration
		for _, a := range stallWave(s, access, wave) {
			slowest = max(slowest, a.took)
			switch {
			case a.err != nil:
				t.Errorf("wave %d, %s: %v after %v", wave, a.what, a.err, a.took)
			case a.took > dbTimeout+time.Second:
				t.Errorf("wave %d, %s answered after %v, want within %v", wave, a.what, a.took, dbTimeout+time.Second)
			}
			if a.err != nil {
				continue
			}
			if secs, err := strconv.Atoi(a.retryAfter); a.status != 503 || a.code != "unavailable" || err != nil || secs <= 0 {
				t.Errorf("wave %d, %s: %d %q, Retry-After %q; want 503 unavailable with a positive Retry-After",
					wave, a.what, a.status, a.code, a.retryAfter)
			}
			if a.contentType != "application/problem+json" {
				t.Errorf("wave %d, %s: Content-Type %q, want application/problem+json", wave, a.what, a.contentType)
			}
		}
		t.Logf("wave %d: the slowest of 30 answered after %v", wave, slowest.Round(time.Millisecond))
	}
	if t.Failed() {
		t.FailNow()
	}
	time.Sleep(time.Until(frozenAt.Add(freezeFor)))
	proxy.thaw()

	s.waitReady(t, 10*time.Second, "the database thawed")
	s.expect(200, "GET", "/v1/auth/me", access, nil)
	s.expect(200, "POST", "/v1/auth/login", "", creds)
}

// stallWave sends 30 requests at once — ten each of /v1/auth/me, /readyz and a
// login — and returns what each got. The logins use addresses of their own, so that
// attempts the frozen database applies after the thaw throttle nobody the test
// uses afterwards.
func stallWave(s *server, access string, wave int) []stallAnswer {
	client := &http.Client{Timeout: 20 * time.Second}
	answers := make([]stallAnswer, 30)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var req *http.Request
			switch i % 3 {
			case 0:
				req, _ = http.NewRequest("GET", s.base+"/v1/auth/me", nil)
				req.Header.Set("Authorization", "Bearer "+access)
			case 1:
				req, _ = http.NewRequest("GET", s.base+"/readyz", nil)
			case 2:
				body, _ := json.Marshal(map[string]any{"email": fmt.Sprintf("frozen-%d-%d@example.com", wave, i), "password": "long enough pw"})
				req, _ = http.NewRequest("POST", s.base+"/v1/auth/login", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
			}
			a := stallAnswer{what: req.Method + " " + req.URL.Path}
			start := time.Now()
			resp, err := client.Do(req)
			a.took = time.Since(start)
			if err != nil {
				a.err = err
				answers[i] = a
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var problem struct{ Code string }
			_ = json.Unmarshal(raw, &problem)
			a.status, a.code = resp.StatusCode, problem.Code
			a.retryAfter, a.contentType = resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type")
			answers[i] = a
		}()
	}
	wg.Wait()
	return answers
}
