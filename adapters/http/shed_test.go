package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/jwt"
)

// TestHashingOverloadAnswers503 fills the only hashing slot of a service and checks
// that a login (known and unknown account alike), a sign-up and a signed-in
// password check each give up after the queue timeout with 503 unavailable,
// problem+json and a Retry-After, and that the wait shows in the histogram.
func TestHashingOverloadAnswers503(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		seed, err := jwt.GenerateEd25519Seed()
		if err != nil {
			t.Fatal(err)
		}
		key := ed25519.NewKeyFromSeed(seed)
		open := newEnvWith(t, backend, envSetup{signingKey: key})
		email := uniqEmail("shed")
		open.activeUser(t, email)
		tk := open.login(t, email)

		// The busy service shares the database and key; its hashes are costly
		// enough (tens of milliseconds or more) to hold its one slot while a
		// request waits the 5 ms queue timeout.
		busy := newEnvWith(t, backend, envSetup{
			backend: open.backend, signingKey: key,
			hasher:    argon2.Params{Memory: 32768, Time: 4, Threads: 1},
			hashSlots: 1, hashOptions: []argon2.Option{argon2.WithQueueTimeout(5 * time.Millisecond)},
		})
		cases := []struct {
			name, method, path string
			body               map[string]string
			opts               []reqOption
		}{
			{"login, known account", "POST", "/v1/auth/login", map[string]string{"email": email, "password": password}, nil},
			{"login, unknown account", "POST", "/v1/auth/login", map[string]string{"email": uniqEmail("nobody"), "password": password}, nil},
			{"sign-up", "POST", "/v1/auth/signup", map[string]string{"email": uniqEmail("new"), "password": password}, nil},
			{"password check", "POST", "/v1/auth/password",
				map[string]string{"current_password": password, "new_password": "another horse battery"}, []reqOption{bearer(tk.AccessToken)}},
		}
		for _, c := range cases {
			busy.holdHashingSlot(t)
			r := busy.do(t, c.method, c.path, c.body, c.opts...)
			r.expect(t, 503, "unavailable")
			if got := r.Header.Get("Content-Type"); got != "application/problem+json" {
				t.Errorf("%s: Content-Type = %q, want application/problem+json", c.name, got)
			}
			if got := r.Header.Get("Retry-After"); got != "1" {
				t.Errorf("%s: Retry-After = %q, want 1", c.name, got)
			}
		}
		if got := busy.metricValue(t, "authd_hash_queue_wait_seconds_count"); got < float64(len(cases)) {
			t.Errorf("authd_hash_queue_wait_seconds_count = %v, want at least %d", got, len(cases))
		}
		// The password was not changed by the shed request.
		open.login(t, email)
	})
}

// holdHashingSlot waits until e's hasher is idle, starts one hash in the
// background and returns once it holds the slot.
func (e *env) holdHashingSlot(t *testing.T) {
	t.Helper()
	waitLoad(t, e.hasher, 0)
	go func() { _, _ = e.hasher.Hash(context.Background(), "holding the slot") }()
	waitLoad(t, e.hasher, 1)
}

func waitLoad(t *testing.T, h *argon2.Hasher, inFlight int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, _, _ := h.Load()
		if n == inFlight {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("hashes in flight = %d, want %d", n, inFlight)
		}
		time.Sleep(time.Millisecond)
	}
}
