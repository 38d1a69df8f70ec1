package argon2_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/domain"
)

// cheap are parameters that make a hash take about a millisecond.
var cheap = argon2.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashAndVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := argon2.New(cheap, 0)
	encoded, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if prefix := "$argon2id$v=19$m=1024,t=1,p=1$"; !strings.HasPrefix(encoded, prefix) {
		t.Fatalf("Hash = %q, want prefix %q", encoded, prefix)
	}
	if parts := strings.Split(encoded, "$"); len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Fatalf("Hash = %q, want 6 $-parts with a 16-byte salt (22 chars) and 32-byte key (43 chars)", encoded)
	}
	again, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatalf("second Hash: %v", err)
	}
	if again == encoded {
		t.Errorf("two hashes of one password are equal (%q); want distinct salts", encoded)
	}

	tests := []struct {
		password string
		wantOK   bool
	}{
		{"correct horse battery staple", true},
		{"correct horse battery stapl", false},
		{"", false},
		{"Correct horse battery staple", false},
	}
	for _, tt := range tests {
		ok, rehash, err := h.Verify(ctx, tt.password, encoded)
		if err != nil || ok != tt.wantOK || rehash {
			t.Errorf("Verify(%q) = %v, %v, %v; want %v, false, nil", tt.password, ok, rehash, err, tt.wantOK)
		}
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	old := argon2.New(cheap, 1)
	encoded, err := old.Hash(ctx, "password1")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	tests := []struct {
		name string
		p    argon2.Params
	}{
		{"memory", argon2.Params{Memory: 2048, Time: 1, Threads: 1}},
		{"time", argon2.Params{Memory: 1024, Time: 2, Threads: 1}},
		{"threads", argon2.Params{Memory: 1024, Time: 1, Threads: 2}},
		{"key length", argon2.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 16}},
		{"salt length", argon2.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 32}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := argon2.New(tt.p, 1).Verify(ctx, "password1", encoded)
			if err != nil || !ok || !rehash {
				t.Errorf("Verify under %+v = %v, %v, %v; want true, true, nil", tt.p, ok, rehash, err)
			}
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := argon2.New(cheap, 1)
	good, err := h.Hash(ctx, "password1")
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	tests := map[string]string{
		"empty": "",
		// bcrypt and argon2i are foreign formats that verify (foreign_test.go).
		"argon2i junk":     "$argon2i$v=19$m=1024,t=1,p=1x$" + salt + "$" + key,
		"unknown scheme":   "$md5$" + salt + "$" + key,
		"version 16":       "$argon2id$v=16$m=1024,t=1,p=1$" + salt + "$" + key,
		"zero time":        "$argon2id$v=19$m=1024,t=0,p=1$" + salt + "$" + key,
		"zero threads":     "$argon2id$v=19$m=1024,t=1,p=0$" + salt + "$" + key,
		"huge memory":      "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key,
		"junk in params":   "$argon2id$v=19$m=1024,t=1,p=1x$" + salt + "$" + key,
		"leading zero":     "$argon2id$v=19$m=01024,t=1,p=1$" + salt + "$" + key,
		"bad salt base64":  "$argon2id$v=19$m=1024,t=1,p=1$!!!$" + key,
		"short salt":       "$argon2id$v=19$m=1024,t=1,p=1$AAAA$" + key,
		"missing key":      "$argon2id$v=19$m=1024,t=1,p=1$" + salt,
		"padded key":       "$argon2id$v=19$m=1024,t=1,p=1$" + salt + "$" + key + "=",
		"extra section":    good + "$x",
		"truncated header": "$argon2id$v=19$",
	}
	for name, encoded := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := h.Verify(ctx, "password1", encoded)
			if !errors.Is(err, argon2.ErrMalformedHash) || ok || rehash {
				t.Errorf("Verify(%q) = %v, %v, %v; want false, false, ErrMalformedHash", encoded, ok, rehash, err)
			}
		})
	}
}

func TestVerifyReferenceVector(t *testing.T) {
	t.Parallel()
	// The argon2id v19 test vector of the reference implementation
	// (phc-winner-argon2, src/test.c): password "password", salt "somesalt",
	// m=65536, t=2, p=1. It proves the hashes interoperate with other
	// implementations, and its parameters differ from the configured ones.
	const vector = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	h := argon2.New(cheap, 1)
	tests := []struct {
		password string
		wantOK   bool
	}{
		{"password", true},
		{"passwort", false},
	}
	for _, tt := range tests {
		ok, rehash, err := h.Verify(context.Background(), tt.password, vector)
		if err != nil || ok != tt.wantOK || !rehash {
			t.Errorf("Verify(%q, reference vector) = %v, %v, %v; want %v, true, nil", tt.password, ok, rehash, err, tt.wantOK)
		}
	}
}

func TestConcurrencyBound(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 2} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			t.Parallel()
			h := argon2.New(cheap, limit)
			var peak atomic.Int32
			argon2.SetObserver(h, func(inFlight int) {
				for {
					p := peak.Load()
					if int32(inFlight) <= p || peak.CompareAndSwap(p, int32(inFlight)) {
						break
					}
				}
				// Hold the slot a moment so that a broken bound would show as
				// overlap; the assertion counts, it does not time.
				time.Sleep(2 * time.Millisecond)
			})
			ctx := context.Background()
			encoded, err := h.Hash(ctx, "password1")
			if err != nil {
				t.Fatalf("Hash: %v", err)
			}
			var wg sync.WaitGroup
			for i := range 12 {
				wg.Go(func() {
					switch i % 3 {
					case 0:
						if _, err := h.Hash(ctx, "password1"); err != nil {
							t.Errorf("Hash: %v", err)
						}
					case 1:
						if _, _, err := h.Verify(ctx, "password1", encoded); err != nil {
							t.Errorf("Verify: %v", err)
						}
					default:
						if err := h.Waste(ctx, "password1"); err != nil {
							t.Errorf("Waste: %v", err)
						}
					}
				})
			}
			wg.Wait()
			if got := int(peak.Load()); got != limit {
				t.Errorf("peak computations in flight = %d, want %d", got, limit)
			}
		})
	}
}

func TestWaitHonoursContext(t *testing.T) {
	t.Parallel()
	h := argon2.New(cheap, 1)
	entered := make(chan struct{})
	release := make(chan struct{})
	var first atomic.Bool
	argon2.SetObserver(h, func(int) {
		if first.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	})
	done := make(chan error)
	go func() {
		_, err := h.Hash(context.Background(), "password1")
		done <- err
	}()
	<-entered // the only slot is now held

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "password1"); !domain.IsCode(err, domain.CodeUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("Hash with cancelled ctx = %v, want unavailable wrapping context.Canceled", err)
	}
	if _, _, err := h.Verify(ctx, "password1", "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$c29tZWtleXNvbWVrZXlzb21la2V5c29tZWtleXh4eHg"); !domain.IsCode(err, domain.CodeUnavailable) {
		t.Errorf("Verify with cancelled ctx = %v, want unavailable", err)
	}
	if err := h.Waste(ctx, "password1"); !domain.IsCode(err, domain.CodeUnavailable) { // must return rather than block
		t.Errorf("Waste with cancelled ctx = %v, want unavailable", err)
	}

	close(release)
	if err := <-done; err != nil {
		t.Errorf("Hash holding the slot: %v", err)
	}
}

func TestWaste(t *testing.T) {
	t.Parallel()
	h := argon2.New(cheap, 1)
	var calls atomic.Int32
	argon2.SetObserver(h, func(int) { calls.Add(1) })
	if err := h.Waste(context.Background(), "anything"); err != nil {
		t.Fatalf("Waste = %v, want nil", err)
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("Waste ran %d computations, want 1", got)
	}
}
