package app_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/identifiers"
	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/app"
)

// benchApp is the App as authd wires it (background mail, the outbox dispatcher
// running), over a fresh backend, with cheap hashing so that the store's share of
// a sign-up or login — where events cost — is not hidden behind argon2.
func benchApp(b *testing.B, backend string) *app.App {
	b.Helper()
	store := backendtest.Open(b, backend)
	seed, _ := jwt.GenerateEd25519Seed()
	keys, _ := jwt.Ed25519KeySet(seed)
	refreshKey, _ := jwt.GenerateRefreshKey()
	codec, _ := jwt.NewRefreshCodec(refreshKey)
	cfg := app.DefaultConfig()
	cfg.AsyncNotify = true
	a := app.New(app.Deps{
		Users: store.Users(), Credentials: store.Credentials(), Throttle: store.Throttle(), Sessions: store.Sessions(), Tokens: store.Tokens(),
		Events: store.Events(), Outbox: store.Outbox(), Sealer: testSealer(b),
		Hasher:        argon2.New(argon2.Params{Memory: 1024, Time: 1, Threads: 1}, 0),
		AccessTokens:  jwt.NewIssuer(keys, jwt.Options{Issuer: "https://auth.test", Audience: "authd"}),
		RefreshTokens: codec, Notifier: &outbox{tokens: map[string]string{}},
		Clock: systemClock{}, Random: rand.Reader, Identifiers: identifiers.New(),
	}, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.RunDispatcher(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	return a
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now().UTC() }

var benchSeq atomic.Int64

func BenchmarkSignUp(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			a := benchApp(b, backend)
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					email := fmt.Sprintf("bench-%d-%d@example.com", time.Now().UnixNano(), benchSeq.Add(1))
					if _, err := a.SignUp(context.Background(), app.SignUpInput{Email: email, Password: password}); err != nil {
						b.Error(err)
					}
				}
			})
		})
	}
}

func BenchmarkLogin(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			a := benchApp(b, backend)
			const users = 64
			for i := range users {
				if _, err := a.CreateAdmin(context.Background(), app.SignUpInput{Email: fmt.Sprintf("login-%d@example.com", i), Password: password}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					email := fmt.Sprintf("login-%d@example.com", benchSeq.Add(1)%users)
					if _, err := a.Login(context.Background(), app.LoginInput{Email: email, Password: password}); err != nil {
						b.Error(err)
					}
				}
			})
		})
	}
}
