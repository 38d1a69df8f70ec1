package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/app"
)

// syncBuffer is a log sink that tests read while the server writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is one running authd started through the real wiring.
type server struct {
	t    *testing.T
	m    *Main
	base string
	logs *syncBuffer
}

// testConfig is the configuration of an end-to-end run against databaseURL: cheap
// argon2 for speed, port 0, everything else the documented defaults.
func testConfig(t *testing.T, databaseURL string, extra map[string]string) Config {
	t.Helper()
	env := map[string]string{
		"AUTH_DATABASE_URL": databaseURL,
		"AUTH_LISTEN":       "127.0.0.1:0",
		"AUTH_ARGON2":       "m=1024,t=1,p=1",
		"AUTH_LOG_LEVEL":    "debug",
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := LoadConfig(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	return cfg
}

// startServer opens and starts authd with cfg, stopping it when the test ends.
func startServer(t *testing.T, cfg Config) *server {
	t.Helper()
	logs := &syncBuffer{}
	m, err := Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := m.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	s := &server{t: t, m: m, base: "http://" + m.Addr(), logs: logs}
	t.Cleanup(s.stop)
	return s
}

// stop shuts the server down; calling it twice is harmless.
func (s *server) stop() {
	if s.m == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.m.Close(ctx); err != nil {
		s.t.Errorf("Close: %v", err)
	}
	s.m = nil
}

// call sends a JSON request and decodes a JSON answer into a map.
func (s *server) call(method, path, bearer string, body any) (int, map[string]any) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			s.t.Fatalf("%s %s: status %d, body is not JSON: %q", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out
}

// expect calls and fails the test unless the status is want.
func (s *server) expect(want int, method, path, bearer string, body any) map[string]any {
	s.t.Helper()
	got, out := s.call(method, path, bearer, body)
	if got != want {
		s.t.Fatalf("%s %s: status %d, want %d; body %v", method, path, got, want, out)
	}
	return out
}

// linkToken waits for the log notifier's line with a link to page for email and
// returns the token in it — what a developer copies from the log in the README's
// walk-through.
func (s *server) linkToken(page, email string) string {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(s.logs.String()))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var token string
		for sc.Scan() {
			var line struct {
				Email string `json:"email"`
				Link  string `json:"link"`
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil || line.Email != email || !strings.Contains(line.Link, "/"+page+"?") {
				continue
			}
			u, err := url.Parse(line.Link)
			if err != nil {
				s.t.Fatalf("link %q: %v", line.Link, err)
			}
			token = u.Query().Get("token") // the newest line wins
		}
		if token != "" {
			return token
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("no %s link for %s in the log:\n%s", page, email, s.logs.String())
	return ""
}

func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, p := range path {
		mm, _ := cur.(map[string]any)
		cur = mm[p]
	}
	s, _ := cur.(string)
	return s
}

// TestEndToEnd runs the README's walk-through against the real wiring on every
// backend: sign-up, activation from the logged link, login, me, refresh, logout,
// password reset — and a restart that keeps users, sessions and keys.
func TestEndToEnd(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, name string) {
		cfg := testConfig(t, backendtest.URL(t, name), nil)
		s := startServer(t, cfg)

		email := "ann@example.com"
		user := s.expect(201, "POST", "/v1/auth/signup", "", map[string]any{
			"email": "Ann@Example.com", "password": "correct horse battery", "username": "ann"})
		if got := str(user, "user", "status"); got != "pending" {
			t.Fatalf("status after signup = %q, want pending", got)
		}
		if got, _ := s.call("POST", "/v1/auth/login", "", map[string]any{"email": email, "password": "correct horse battery"}); got != 403 {
			t.Fatalf("login before activation: status %d, want 403", got)
		}
		activated := s.expect(200, "POST", "/v1/auth/activate", "", map[string]any{"token": s.linkToken("activate", email)})
		if got := str(activated, "user", "status"); got != "active" {
			t.Fatalf("status after activation = %q, want active", got)
		}

		login := s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"username": "ann", "password": "correct horse battery"})
		access, refresh := str(login, "access_token"), str(login, "refresh_token")
		if got := str(s.expect(200, "GET", "/v1/auth/me", access, nil), "user", "email"); got != email {
			t.Fatalf("me: email %q, want %q", got, email)
		}
		rotated := s.expect(200, "POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": refresh})
		access2, refresh2 := str(rotated, "access_token"), str(rotated, "refresh_token")
		if refresh2 == refresh || refresh2 == "" {
			t.Fatalf("refresh returned refresh token %q, want a new one", refresh2)
		}
		s.expect(200, "GET", "/v1/auth/me", access2, nil)

		// A restart on the same database keeps the account, the session and the
		// generated keys: tokens minted before it still work after it.
		s.stop()
		s = startServer(t, cfg)
		s.expect(200, "GET", "/v1/auth/me", access2, nil)
		rotated = s.expect(200, "POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": refresh2})
		access3 := str(rotated, "access_token")

		s.expect(204, "POST", "/v1/auth/logout", access3, nil)
		out := s.expect(401, "GET", "/v1/auth/me", access3, nil)
		if got := str(out, "code"); got != "token_revoked" {
			t.Fatalf("me after logout: code %q, want token_revoked", got)
		}

		// Password reset through the logged link ends every session.
		other := s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": "correct horse battery"})
		s.expect(202, "POST", "/v1/auth/password/forgot", "", map[string]any{"email": email})
		reset := s.linkToken("reset-password", email)
		s.expect(204, "POST", "/v1/auth/password/reset", "", map[string]any{"token": reset, "new_password": "a whole new password"})
		s.expect(401, "GET", "/v1/auth/me", str(other, "access_token"), nil)
		s.expect(401, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": "correct horse battery"})
		s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": "a whole new password"})

		jwks := s.expect(200, "GET", "/.well-known/jwks.json", "", nil)
		if keys, _ := jwks["keys"].([]any); len(keys) != 1 {
			t.Fatalf("jwks has %d keys, want 1 (the generated Ed25519 key)", len(keys))
		}
		s.expect(200, "GET", "/readyz", "", nil)
	})
}

// TestConcurrentFirstStart starts two instances at once on one empty database: both
// must migrate, agree on the generated keys, and accept each other's tokens.
func TestConcurrentFirstStart(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, name string) {
		cfg := testConfig(t, backendtest.URL(t, name), nil)
		servers := make([]*server, 2)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range servers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m, err := Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
				if err == nil {
					err = m.Start()
				}
				if err != nil {
					errs[i] = err
					return
				}
				servers[i] = &server{t: t, m: m, base: "http://" + m.Addr(), logs: &syncBuffer{}}
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("instance %d failed to start: %v", i, err)
			}
			t.Cleanup(servers[i].stop)
		}
		a, b := servers[0], servers[1]
		a.expect(201, "POST", "/v1/auth/signup", "", map[string]any{"email": "bo@example.com", "password": "long enough pw"})
		if _, err := a.m.App.CreateAdmin(context.Background(), app.SignUpInput{Email: "root@example.com", Password: "long enough pw"}); err != nil {
			t.Fatal(err)
		}
		login := a.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": "root@example.com", "password": "long enough pw"})
		// The other instance verifies a token the first one minted, and rotates its
		// refresh token: both use the one key pair kept in the database.
		b.expect(200, "GET", "/v1/auth/me", str(login, "access_token"), nil)
		b.expect(200, "POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": str(login, "refresh_token")})
		ka := a.expect(200, "GET", "/.well-known/jwks.json", "", nil)
		kb := b.expect(200, "GET", "/.well-known/jwks.json", "", nil)
		if fmt.Sprint(ka) != fmt.Sprint(kb) {
			t.Fatalf("instances publish different keys:\n%v\n%v", ka, kb)
		}
	})
}
