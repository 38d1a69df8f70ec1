package loadgen

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
)

// Scenario names one kind of request the benchmark repeats.
type Scenario string

// The scenarios, each one endpoint of ARCHITECTURE.md §3.
const (
	// Signup creates a new account per request: argon2id hashing and an insert.
	Signup Scenario = "signup"
	// Login signs in one of the pre-created accounts per request: a user lookup,
	// an argon2id verification and a new session.
	Login Scenario = "login"
	// Refresh rotates a refresh token; each worker rotates its own session's token
	// in sequence, so no request ever presents a stale token.
	Refresh Scenario = "refresh"
	// Me reads the caller's account with an access token: JWT verification, a
	// session revocation check and a user lookup.
	Me Scenario = "me"
)

// AllScenarios is the order in which "all" runs them: signup first, so that its
// accounts do not skew the later lookups more than necessary, and the cheap reads
// last.
var AllScenarios = []Scenario{Signup, Login, Refresh, Me}

// ParseScenarios reads a comma-separated list of scenario names, or "all".
func ParseScenarios(s string) ([]Scenario, error) {
	if strings.TrimSpace(s) == "all" {
		return slices.Clone(AllScenarios), nil
	}
	var out []Scenario
	for name := range strings.SplitSeq(s, ",") {
		sc := Scenario(strings.TrimSpace(name))
		if !slices.Contains(AllScenarios, sc) {
			return nil, fmt.Errorf("unknown scenario %q (want signup, login, refresh, me or all)", name)
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// needsUsers reports whether the scenario signs in to pre-created accounts.
func (s Scenario) needsUsers() bool { return s != Signup }

// worker is the state one goroutine keeps across its requests: the tokens of its
// own session, so that rotation is strictly sequential per session.
type worker struct {
	id      int
	access  string
	refresh string
}

// step sends one measured request of scenario sc for worker w.
func (r *Runner) step(ctx context.Context, sc Scenario, w *worker, next *atomic.Int64) Outcome {
	switch sc {
	case Signup:
		return r.client.Signup(ctx, r.signupEmail(next.Add(1)), r.password)
	case Login:
		return r.client.Login(ctx, r.userEmail(next.Add(1)), r.password, nil)
	case Refresh:
		if w.refresh == "" {
			if o := r.openSession(ctx, w); !o.OK {
				return o
			}
		}
		var t Tokens
		o := r.client.Refresh(ctx, w.refresh, &t)
		if o.OK && t.RefreshToken == "" {
			o.OK, o.Code = false, "bad_body"
		}
		// After a failure the token's state on the server is unknown (a timeout may
		// have rotated it), so the worker starts a fresh session rather than risk
		// presenting a stale token and having its session revoked as stolen.
		w.refresh = t.RefreshToken
		return o
	case Me:
		if w.access == "" {
			if o := r.openSession(ctx, w); !o.OK {
				return o
			}
		}
		o := r.client.Me(ctx, w.access)
		if o.Status == 401 {
			w.access = ""
		}
		return o
	}
	return Outcome{Code: "unknown_scenario"}
}

// openSession signs worker w in, unmeasured, as one of the pre-created accounts.
// Workers outnumbering the accounts share accounts but never sessions.
func (r *Runner) openSession(ctx context.Context, w *worker) Outcome {
	var t Tokens
	o := r.client.Login(ctx, r.userEmail(int64(w.id)), r.password, &t)
	if o.OK {
		w.access, w.refresh = t.AccessToken, t.RefreshToken
	}
	return o
}

func (r *Runner) signupEmail(seq int64) string {
	return fmt.Sprintf("bench-%s-s%d@example.com", r.runID, seq)
}

// userEmail names pre-created account i modulo the number of accounts.
func (r *Runner) userEmail(i int64) string {
	return fmt.Sprintf("bench-%s-u%d@example.com", r.runID, i%int64(r.users))
}
