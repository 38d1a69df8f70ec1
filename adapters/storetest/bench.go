package storetest

import (
	"context"
	"github.com/authd/authd/domain"
	"testing"
	"time"

	"github.com/authd/authd/ports"
)

// Bench measures the store operations on the hot paths — sign-up (Create), login
// (ByEmail) and refresh (Rotate) — on one backend. Every store runs the same
// benchmarks under the same names (Store/<backend>/<operation>), so one benchstat
// table compares the backends.
func Bench(b *testing.B, backend ports.Backend) {
	ctx := context.Background()
	b.Run("CreateUser", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			u := newUser(b)
			b.StartTimer()
			if err := backend.Users().Create(ctx, u, domain.Effects{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ByEmail", func(b *testing.B) {
		u := createUser(b, backend)
		for b.Loop() {
			if _, err := backend.Users().ByEmail(ctx, u.Email); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Rotate", func(b *testing.B) {
		s := createSession(b, backend, createUser(b, backend).ID)
		now := time.Now()
		var counter uint64
		for b.Loop() {
			if err := backend.Sessions().Rotate(ctx, s.ID, counter, now); err != nil {
				b.Fatal(err)
			}
			counter++
		}
	})
	// Concurrent refreshes of different sessions: what a login storm's follow-up
	// looks like. On SQLite this measures how writers queue for the one write lock.
	b.Run("RotateParallel", func(b *testing.B) {
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			s := createSession(b, backend, createUser(b, backend).ID)
			now := time.Now()
			var counter uint64
			for pb.Next() {
				if err := backend.Sessions().Rotate(ctx, s.ID, counter, now); err != nil {
					b.Error(err)
					return
				}
				counter++
			}
		})
	})
}
