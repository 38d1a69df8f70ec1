// Package argon2 implements ports.Hasher with argon2id in the PHC string format
// ($argon2id$v=19$m=19456,t=2,p=1$salt$hash), on github.com/alexedwards/argon2id (the
// PHC string) and github.com/minio/argon2 (the key derivation: golang.org/x/crypto's
// argon2 with its memory taken from a sync.Pool, so that a login storm reuses the
// slots' 19 MiB blocks instead of allocating, zeroing and collecting 19 MiB per login;
// see pool.go). Every hash and verification runs under a concurrency bound, because
// each one needs the full memory cost: a login storm must queue, not take the process
// down. A caller waits for a slot at most the queue timeout
// (DefaultQueueTimeout unless WithQueueTimeout says otherwise) and is then told
// unavailable with a Retry-After, so an overload is answered instead of piling up.
package argon2

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alexedwards/argon2id"
	xargon2 "golang.org/x/crypto/argon2"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.Hasher = (*Hasher)(nil)

// ErrMalformedHash is the cause of Verify's error for a stored string that is not an
// argon2id v19 PHC hash within the sanity bounds. It means corrupt or foreign data
// in the store, never a wrong password.
var ErrMalformedHash = errors.New("argon2: stored hash is not a valid argon2id PHC string")

// ErrQueueTimeout is the cause of the unavailable error of a hash, verification or
// Waste that found no free slot within the queue timeout.
var ErrQueueTimeout = errors.New("argon2: no hashing slot free within the queue timeout")

// busyRetryAfter is the Retry-After suggested when a caller gives up waiting for a
// hashing slot: one hash takes tens of milliseconds, so the queue drains quickly.
const busyRetryAfter = time.Second

// DefaultQueueTimeout is how long a hash or verification waits for a slot before it
// answers unavailable, unless WithQueueTimeout sets another bound. It is
// AUTH_HASH_QUEUE_TIMEOUT's default.
const DefaultQueueTimeout = 3 * time.Second

// Option adjusts a Hasher made by New.
type Option func(*Hasher)

// WithQueueTimeout bounds the wait for a hashing slot to d; a d of zero or less
// keeps DefaultQueueTimeout.
func WithQueueTimeout(d time.Duration) Option {
	return func(h *Hasher) {
		if d > 0 {
			h.queueTimeout = d
		}
	}
}

// WithWaitObserver has observe told how long each caller waited for a slot, whether
// it got one or gave up, for the queue-wait histogram. observe must be cheap and
// safe for concurrent use.
func WithWaitObserver(observe func(wait time.Duration)) Option {
	return func(h *Hasher) { h.observeWait = observe }
}

// Hasher hashes and verifies passwords with argon2id under a concurrency bound. It
// is safe for concurrent use.
type Hasher struct {
	params       Params
	derive       deriveFunc // params' key derivation on pooled memory (pool.go)
	sem          chan struct{}
	queueTimeout time.Duration
	observeWait  func(wait time.Duration)

	// wasteSalt and wasteKey are the fixed dummy hash that Waste verifies against.
	wasteSalt []byte
	wasteKey  []byte

	// inFlight counts computations holding a slot; observe, when set by tests,
	// is told the count each time one starts.
	inFlight atomic.Int32
	observe  func(inFlight int)
	// waiting counts callers blocked on a slot.
	waiting atomic.Int32
}

// New returns a Hasher that hashes with p and runs at most maxConcurrent argon2
// computations at once (runtime.NumCPU() when maxConcurrent ≤ 0). With the default
// 19 MiB per hash, the bound caps hashing memory at maxConcurrent × 19 MiB. p should
// come from DefaultParams or ParseParams; salt and key lengths of zero take the
// defaults. A caller waits for a slot at most DefaultQueueTimeout, or what
// WithQueueTimeout says.
func New(p Params, maxConcurrent int, opts ...Option) *Hasher {
	d := DefaultParams()
	if p.SaltLen == 0 {
		p.SaltLen = d.SaltLen
	}
	if p.KeyLen == 0 {
		p.KeyLen = d.KeyLen
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.NumCPU()
	}
	h := &Hasher{
		params:       p,
		derive:       pooledDerive(p),
		sem:          make(chan struct{}, maxConcurrent),
		queueTimeout: DefaultQueueTimeout,
		wasteSalt:    make([]byte, p.SaltLen),
		wasteKey:     make([]byte, p.KeyLen),
	}
	for _, o := range opts {
		o(h)
	}
	for i := range h.wasteSalt {
		h.wasteSalt[i] = byte(i)
	}
	return h
}

// Hash returns the PHC string of password under the configured parameters, with a
// fresh random salt. It fails with unavailable, carrying a RetryAfter, when no slot
// frees within the queue timeout or ctx ends first.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.params.check(); err != nil {
		return "", fmt.Errorf("argon2: configured parameters: %w", err)
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	p := h.params
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("argon2: salt: %w", err)
	}
	key := h.derive([]byte(password), salt, p.KeyLen)
	b64 := base64.RawStdEncoding
	return phcPrefix(p) + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key), nil
}

// phcPrefix is the canonical start of a PHC string at p, up to the salt: what Hash
// writes and what decode insists on.
func phcPrefix(p Params) string {
	return fmt.Sprintf("$argon2id$v=%d$%s$", xargon2.Version, p)
}

// Verify reports whether password matches encoded, comparing in constant time, and
// whether encoded was made with parameters (m, t, p, salt or key length) other than
// the configured ones, so the caller should store a fresh hash after a successful
// login. The foreign formats of foreign.go (bcrypt, argon2i, Django PBKDF2-SHA256,
// scrypt) verify too and always need a rehash. A string that is none of these, well
// formed, is an error wrapping ErrMalformedHash; a wait that times out or is cancelled is unavailable, as for Hash.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, needsRehash bool, err error) {
	if IsForeign(encoded) {
		// A foreign format (foreign.go) is checked under the same bound and, when it
		// matches, always replaced by an argon2id hash.
		release, err := h.acquire(ctx)
		if err != nil {
			return false, false, err
		}
		defer release()
		_, ok, err := h.verifyForeign(password, encoded)
		if err != nil {
			return false, false, err
		}
		return ok, ok, nil
	}
	stored, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return false, false, err
	}
	defer release()
	var got []byte
	if stored == h.params {
		got = h.derive([]byte(password), salt, stored.KeyLen)
	} else {
		// An older cost: a one-off allocation, and the login then stores a fresh
		// hash at the configured cost.
		got = xargon2.IDKey([]byte(password), salt, stored.Time, stored.Memory, stored.Threads, stored.KeyLen)
	}
	return subtle.ConstantTimeCompare(got, want) == 1, stored != h.params, nil
}

// Waste spends the time and memory of one verification under the configured
// parameters against a fixed dummy hash and discards the outcome, so that a login
// for an unknown account costs what one for a known account costs. It waits for a
// slot exactly as Verify does and fails the same way, unavailable with a RetryAfter,
// so that under overload an unknown account is answered as a known one would be.
func (h *Hasher) Waste(ctx context.Context, password string) error {
	if err := h.params.check(); err != nil {
		return fmt.Errorf("argon2: configured parameters: %w", err)
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	key := h.derive([]byte(password), h.wasteSalt, h.params.KeyLen)
	subtle.ConstantTimeCompare(key, h.wasteKey)
	return nil
}

// acquire waits for a hashing slot for at most the queue timeout, or until ctx
// ends; the returned func frees it.
func (h *Hasher) acquire(ctx context.Context) (func(), error) {
	h.waiting.Add(1)
	var waited time.Duration
	var err error
	select {
	case h.sem <- struct{}{}:
		// A free slot is taken without arming a timer or reading the clock.
	default:
		start := time.Now()
		err = h.wait(ctx)
		waited = time.Since(start)
	}
	h.waiting.Add(-1)
	if h.observeWait != nil {
		h.observeWait(waited)
	}
	if err != nil {
		return nil, err
	}
	n := h.inFlight.Add(1)
	if h.observe != nil {
		h.observe(int(n))
	}
	return func() {
		h.inFlight.Add(-1)
		<-h.sem
	}, nil
}

// wait blocks until a slot is taken, the queue timeout passes or ctx ends.
func (h *Hasher) wait(ctx context.Context) error {
	t := time.NewTimer(h.queueTimeout)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-t.C:
		return busy(fmt.Errorf("%w (%v)", ErrQueueTimeout, h.queueTimeout))
	case <-ctx.Done():
		return busy(fmt.Errorf("argon2: waiting for a hashing slot: %w", ctx.Err()))
	}
}

// busy is the unavailable answer of a caller that got no slot.
func busy(cause error) error {
	return &domain.Error{
		Code:       domain.CodeUnavailable,
		Message:    "The service is busy; try again shortly.",
		RetryAfter: busyRetryAfter,
		Err:        cause,
	}
}

// Load reports the computations holding a slot, the callers waiting for one and
// the number of slots, for the hashing-queue gauges; it costs two atomic loads.
func (h *Hasher) Load() (inFlight, waiting, slots int) {
	return int(h.inFlight.Load()), int(h.waiting.Load()), cap(h.sem)
}

// decode parses a stored PHC string into its parameters, salt and key, and checks
// the parameters against the sanity bounds before anything is allocated for them.
func decode(encoded string) (p Params, salt, key []byte, err error) {
	lp, salt, key, err := argon2id.DecodeHash(encoded)
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	p = Params{
		Memory:  lp.Memory,
		Time:    lp.Iterations,
		Threads: lp.Parallelism,
		SaltLen: lp.SaltLength,
		KeyLen:  lp.KeyLength,
	}
	if err := p.check(); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %w", ErrMalformedHash, err)
	}
	if want := phcPrefix(p); !strings.HasPrefix(encoded, want) {
		// DecodeHash reads numbers with Sscanf, which tolerates trailing junk and
		// leading zeros; insist on the canonical form this package writes.
		return Params{}, nil, nil, fmt.Errorf("%w: parameters are not in canonical form", ErrMalformedHash)
	}
	return p, salt, key, nil
}
