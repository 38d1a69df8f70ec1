package main

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
)

// memSecrets is a SecretStore in memory: the first candidate under a name wins.
type memSecrets struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memSecrets) Secret(_ context.Context, name string, candidate []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	if v, ok := s.m[name]; ok {
		return v, nil
	}
	s.m[name] = candidate
	return candidate, nil
}

// TestSealerKey: without AUTH_ENCRYPTION_KEY every instance on one database seals
// under the one generated key; with it, the stored key is neither used nor written.
func TestSealerKey(t *testing.T) {
	ctx, logger := context.Background(), slog.New(slog.DiscardHandler)
	store := &memSecrets{}
	first, err := sealer(ctx, Config{}, store, logger)
	if err != nil {
		t.Fatal(err)
	}
	second, err := sealer(ctx, Config{}, store, logger)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := first.Seal([]byte("seed"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := second.Open(sealed, []byte("aad")); err != nil || string(got) != "seed" {
		t.Fatalf("second instance opens %q, %v; want the first's value", got, err)
	}

	configured := Config{EncryptionKey: bytes.Repeat([]byte{7}, 32)}
	own, err := sealer(ctx, configured, &memSecrets{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := own.Open(sealed, []byte("aad")); err == nil {
		t.Fatal("the configured key opened a value sealed under the generated one")
	}
	empty := &memSecrets{}
	if _, err := sealer(ctx, configured, empty, logger); err != nil || len(empty.m) != 0 {
		t.Fatalf("with AUTH_ENCRYPTION_KEY set, the store got %d secrets (err %v)", len(empty.m), err)
	}
}
