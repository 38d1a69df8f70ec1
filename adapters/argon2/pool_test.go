package argon2_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/alexedwards/argon2id"
	minioargon2 "github.com/minio/argon2"
	xargon2 "golang.org/x/crypto/argon2"

	"github.com/authd/authd/adapters/argon2"
)

// TestPooledArgon2idVector checks the pooled derivation against RFC 9106 §5.3's
// argon2id test vector (which needs the secret and associated data that x/crypto
// does not take), twice on the same pool, so that a buffer handed back dirty would
// change the second tag.
func TestPooledArgon2idVector(t *testing.T) {
	t.Parallel()
	derive := minioargon2.NewIDKey(3, 32, 4)
	password := bytes.Repeat([]byte{0x01}, 32)
	salt := bytes.Repeat([]byte{0x02}, 16)
	secret := bytes.Repeat([]byte{0x03}, 8)
	ad := bytes.Repeat([]byte{0x04}, 12)
	const want = "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"
	for i := range 3 {
		if got := hex.EncodeToString(derive(password, salt, secret, ad, 32)); got != want {
			t.Fatalf("call %d: tag %s, want %s", i+1, got, want)
		}
	}
}

// TestPooledDeriveMatchesXCrypto has one Hasher hash and verify many passwords in a
// row and at once, each result checked against golang.org/x/crypto/argon2.IDKey,
// which allocates fresh memory every time: a reused buffer must never leak one
// computation into the next.
func TestPooledDeriveMatchesXCrypto(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := argon2.New(cheap, 4)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 8 {
				password := fmt.Sprintf("password %d/%d", g, i)
				encoded, err := h.Hash(ctx, password)
				if err != nil {
					t.Errorf("Hash: %v", err)
					return
				}
				p, salt, key, err := argon2id.DecodeHash(encoded)
				if err != nil {
					t.Errorf("DecodeHash(%q): %v", encoded, err)
					return
				}
				if want := xargon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength); !bytes.Equal(key, want) {
					t.Errorf("%q: key %x, x/crypto computes %x", password, key, want)
				}
				if ok, _, err := h.Verify(ctx, password, encoded); err != nil || !ok {
					t.Errorf("Verify(own hash of %q) = %v, %v", password, ok, err)
				}
				if ok, _, err := h.Verify(ctx, password+"!", encoded); err != nil || ok {
					t.Errorf("Verify(wrong password) = %v, %v; want false, nil", ok, err)
				}
			}
		})
	}
	wg.Wait()
}

// TestHashesInterchangeWithArgon2idPackage: hashes stored before the pool (made by
// github.com/alexedwards/argon2id) verify, and the Hasher's verify with that package,
// at the configured cost and at another one.
func TestHashesInterchangeWithArgon2idPackage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := argon2.New(cheap, 0)
	for _, lp := range []*argon2id.Params{
		{Memory: cheap.Memory, Iterations: cheap.Time, Parallelism: cheap.Threads, SaltLength: 16, KeyLength: 32},
		{Memory: 2048, Iterations: 2, Parallelism: 2, SaltLength: 16, KeyLength: 32},
	} {
		old, err := argon2id.CreateHash("open sesame", lp)
		if err != nil {
			t.Fatal(err)
		}
		ok, rehash, err := h.Verify(ctx, "open sesame", old)
		if err != nil || !ok {
			t.Errorf("Verify(%q) = %v, %v", old, ok, err)
		}
		if wantRehash := lp.Memory != cheap.Memory; rehash != wantRehash {
			t.Errorf("Verify(%q) needsRehash = %v, want %v", old, rehash, wantRehash)
		}
		if ok, _, _ := h.Verify(ctx, "open sesame?", old); ok {
			t.Errorf("Verify(%q) accepted a wrong password", old)
		}
	}
	ours, err := h.Hash(ctx, "open sesame")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := argon2id.ComparePasswordAndHash("open sesame", ours); err != nil || !ok {
		t.Errorf("argon2id.ComparePasswordAndHash(%q) = %v, %v", ours, ok, err)
	}
}

// TestVerifyReusesHashingMemory: after a warm-up, verifications at the configured
// cost allocate next to nothing, where x/crypto would allocate the whole memory cost
// (here 19 MiB, the default) every time.
func TestVerifyReusesHashingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes at the default cost")
	}
	ctx := context.Background()
	h := argon2.New(argon2.DefaultParams(), 1)
	encoded, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range n {
		if ok, _, err := h.Verify(ctx, "correct horse battery staple", encoded); err != nil || !ok {
			t.Fatalf("Verify = %v, %v", ok, err)
		}
		if err := h.Waste(ctx, "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	cost := uint64(argon2.DefaultParams().Memory) << 10
	// A collection in between may drop the pooled buffer once (sync.Pool keeps it
	// through one): allow one fresh allocation of the memory cost, not 2n. Under the
	// race detector the pool itself drops a quarter of its buffers: allow 60% of the
	// computations a fresh one (x/crypto needs one for each; 2n draws at a quarter
	// exceed 60% with odds of about 1 in 5,000).
	limit := cost + cost/2
	if raceDetector {
		limit = cost * 2 * n * 6 / 10
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > limit {
		t.Errorf("%d verifications and dummy hashes allocated %d MiB; want at most %d MiB (the memory cost is %d MiB)", 2*n, got>>20, limit>>20, cost>>20)
	}
}
