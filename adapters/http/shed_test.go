package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/app"
	"github.com/authd/authd/ports"
)

// TestHashingOverloadAnswers503 fills a service's door to password work — one
// login inside, held in its password check — and checks that a login
// (known and unknown account alike), a sign-up and a signed-in password check each
// give up after the admission wait with 503 unavailable, problem+json and a
// Retry-After, that the wait shows in the histogram, and that a shed request
// touched nothing: it counted no back-off attempt and changed no password.
func TestHashingOverloadAnswers503(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		seed, err := jwt.GenerateEd25519Seed()
		if err != nil {
			t.Fatal(err)
		}
		key := ed25519.NewKeyFromSeed(seed)
		open := newEnvWith(t, backend, envSetup{signingKey: key})
		email, holder := uniqEmail("shed"), uniqEmail("holder")
		open.activeUser(t, email)
		open.activeUser(t, holder)
		tk := open.login(t, email)

		// The busy service shares the database and key. Its door admits one
		// password operation and makes the next wait 5 ms; the login let in first
		// stops inside its password check until released. One back-off attempt is free, so a shed
		// request that had reserved one would leave the next login rate limited.
		gate := &gatedHasher{entered: make(chan struct{}), release: make(chan struct{})}
		busy := newEnvWith(t, backend, envSetup{
			backend: open.backend, signingKey: key,
			wrapHasher: func(h ports.Hasher) ports.Hasher { gate.Hasher = h; return gate },
			config: func(c *app.Config) {
				c.PasswordWorkLimit, c.PasswordWorkWait = 1, 5*time.Millisecond
				c.LockoutThreshold = 1
			},
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
		inside := make(chan int, 1)
		go func() {
			inside <- busy.do(t, "POST", "/v1/auth/login", map[string]string{"email": holder, "password": password}).Status
		}()
		<-gate.entered
		for _, c := range cases {
			r := busy.do(t, c.method, c.path, c.body, c.opts...)
			r.expect(t, 503, "unavailable")
			if got := r.Header.Get("Content-Type"); got != "application/problem+json" {
				t.Errorf("%s: Content-Type = %q, want application/problem+json", c.name, got)
			}
			if got := r.Header.Get("Retry-After"); got != "1" {
				t.Errorf("%s: Retry-After = %q, want 1", c.name, got)
			}
		}
		close(gate.release)
		if got := <-inside; got != 200 {
			t.Errorf("the login inside the door answered %d, want 200", got)
		}
		if got := busy.metricValue(t, "authd_hash_queue_wait_seconds_count"); got < float64(len(cases)) {
			t.Errorf("authd_hash_queue_wait_seconds_count = %v, want at least %d", got, len(cases))
		}
		// Neither the password nor the back-off was touched by the shed requests.
		busy.login(t, email)
	})
}

// gatedHasher holds the first Verify until release is closed, telling entered
// when it starts waiting; every other call goes straight to the Hasher.
type gatedHasher struct {
	ports.Hasher
	once             sync.Once
	entered, release chan struct{}
}

func (g *gatedHasher) Verify(ctx context.Context, password, encoded string) (bool, bool, error) {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.entered)
		<-g.release
	}
	return g.Hasher.Verify(ctx, password, encoded)
}
