package dynamostore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/authd/authd/adapters/dynamostore"
	"github.com/authd/authd/domain"
)

// The benchmarks run against the test DynamoDB (AUTH_TEST_DYNAMODB_URL or a
// container) and skip without one. Against DynamoDB Local they measure the adapter
// and the emulator, not the AWS service.

func BenchmarkUserCreate(b *testing.B) {
	s, _ := openStore(b, dynamostore.Options{})
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		if err := s.Users().Create(ctx, newUser(b, fmt.Sprintf("bench-%d@example.com", i), fmt.Sprintf("bench%d", i))); err != nil {
			b.Fatalf("Create() error = %v", err)
		}
	}
}

func BenchmarkUserByEmail(b *testing.B) {
	s, _ := openStore(b, dynamostore.Options{})
	ctx := context.Background()
	if err := s.Users().Create(ctx, newUser(b, "reader@example.com", "")); err != nil {
		b.Fatalf("Create() error = %v", err)
	}
	for b.Loop() {
		if _, err := s.Users().ByEmail(ctx, "reader@example.com"); err != nil {
			b.Fatalf("ByEmail() error = %v", err)
		}
	}
}

func BenchmarkSessionRotate(b *testing.B) {
	s, _ := openStore(b, dynamostore.Options{})
	ctx := context.Background()
	now := time.Now()
	sess := &domain.Session{ID: "bench", UserID: "u", RotatedAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.Sessions().Create(ctx, sess); err != nil {
		b.Fatalf("Sessions.Create() error = %v", err)
	}
	var counter uint64
	for b.Loop() {
		if err := s.Sessions().Rotate(ctx, "bench", counter, now); err != nil {
			b.Fatalf("Rotate(%d) error = %v", counter, err)
		}
		counter++
	}
}
