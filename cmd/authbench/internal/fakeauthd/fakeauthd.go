// Package fakeauthd is a small in-memory stand-in for the four endpoints of authd
// that authbench drives (signup, login, refresh, me) plus /readyz. It keeps to the
// status codes, token response and problem "code" of ARCHITECTURE.md §3, and to the
// refresh rule of §4 that a stale token is reuse, so the load generator's tests can
// check that what it counts is what the server served — and that it never presents
// a stale refresh token.
package fakeauthd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// Server is the fake. Its zero value is not usable; call New.
type Server struct {
	// RequireActivation makes login answer 403 account_not_active, like an authd
	// started without AUTH_REQUIRE_ACTIVATION=false.
	RequireActivation bool
	// FailEvery, when above 0, answers every FailEvery-th login with 429
	// rate_limited, to exercise the error accounting.
	FailEvery int64

	// Served counts requests per path, setup included.
	Served   map[string]*atomic.Int64
	failedMu sync.Mutex
	failed   map[string]int64 // "path status" → requests refused with it

	// Reused counts refresh requests that presented a stale token.
	Reused atomic.Int64

	mu       sync.Mutex
	users    map[string]string // email → password
	sessions map[string]int    // session id → current refresh counter
	access   map[string]bool   // access tokens issued
	nextID   int
}

// New returns a fake with no accounts.
func New() *Server {
	s := &Server{
		Served:   make(map[string]*atomic.Int64),
		failed:   make(map[string]int64),
		users:    make(map[string]string),
		sessions: make(map[string]int),
		access:   make(map[string]bool),
	}
	for _, p := range []string{"/v1/auth/signup", "/v1/auth/login", "/v1/auth/refresh", "/v1/auth/me", "/readyz"} {
		s.Served[p] = new(atomic.Int64)
	}
	return s
}

// Failed returns how many requests to path the fake answered with status.
func (s *Server) Failed(path string, status int) int64 {
	s.failedMu.Lock()
	defer s.failedMu.Unlock()
	return s.failed[fmt.Sprintf("%s %d", path, status)]
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	counter, ok := s.Served[r.URL.Path]
	if !ok {
		s.problem(w, r, http.StatusNotFound, "not_found")
		return
	}
	n := counter.Add(1)
	var body map[string]string
	if r.Method == http.MethodPost && json.NewDecoder(r.Body).Decode(&body) != nil {
		s.problem(w, r, http.StatusBadRequest, "invalid_request")
		return
	}
	switch r.URL.Path {
	case "/readyz":
		w.WriteHeader(http.StatusOK)
	case "/v1/auth/signup":
		s.signup(w, r, body)
	case "/v1/auth/login":
		if s.FailEvery > 0 && n%s.FailEvery == 0 {
			s.problem(w, r, http.StatusTooManyRequests, "rate_limited")
			return
		}
		s.login(w, r, body)
	case "/v1/auth/refresh":
		s.refresh(w, r, body)
	case "/v1/auth/me":
		s.me(w, r)
	}
}

func (s *Server) signup(w http.ResponseWriter, r *http.Request, body map[string]string) {
	s.mu.Lock()
	_, taken := s.users[body["email"]]
	if !taken {
		s.users[body["email"]] = body["password"]
	}
	s.mu.Unlock()
	if taken {
		s.problem(w, r, http.StatusConflict, "email_taken")
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": map[string]string{"email": body["email"]}})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, body map[string]string) {
	s.mu.Lock()
	password, known := s.users[body["email"]]
	s.mu.Unlock()
	switch {
	case !known || password != body["password"]:
		s.problem(w, r, http.StatusUnauthorized, "invalid_credentials")
	case s.RequireActivation:
		s.problem(w, r, http.StatusForbidden, "account_not_active")
	default:
		s.mu.Lock()
		s.nextID++
		sid := fmt.Sprintf("s%d", s.nextID)
		s.sessions[sid] = 0
		s.mu.Unlock()
		s.tokens(w, sid, 0)
	}
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request, body map[string]string) {
	sid, counter, _ := strings.Cut(body["refresh_token"], ".")
	s.mu.Lock()
	current, known := s.sessions[sid]
	stale := known && counter != fmt.Sprint(current)
	if stale {
		delete(s.sessions, sid) // reuse revokes the session, as in §4
	} else if known {
		current++
		s.sessions[sid] = current
	}
	s.mu.Unlock()
	switch {
	case !known:
		s.problem(w, r, http.StatusUnauthorized, "token_invalid")
	case stale:
		s.Reused.Add(1)
		s.problem(w, r, http.StatusUnauthorized, "refresh_token_reused")
	default:
		s.tokens(w, sid, current)
	}
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	ok := s.access[token]
	s.mu.Unlock()
	if !ok {
		s.problem(w, r, http.StatusUnauthorized, "token_invalid")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": map[string]string{"id": "u"}})
}

// tokens answers with a token response for session sid at counter.
func (s *Server) tokens(w http.ResponseWriter, sid string, counter int) {
	access := fmt.Sprintf("at-%s-%d", sid, counter)
	s.mu.Lock()
	s.access[access] = true
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    900,
		"refresh_token": fmt.Sprintf("%s.%d", sid, counter),
	})
}

func (s *Server) problem(w http.ResponseWriter, r *http.Request, status int, code string) {
	s.failedMu.Lock()
	s.failed[fmt.Sprintf("%s %d", r.URL.Path, status)]++
	s.failedMu.Unlock()
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status, "code": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
