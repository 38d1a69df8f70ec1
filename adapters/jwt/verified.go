package jwt

import (
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"github.com/authd/authd/domain"
)

// DefaultVerifiedCacheSize is how many verified access tokens an Issuer remembers
// when Options.VerifiedCacheSize is zero: a few MiB at most, and enough for every
// client of a busy instance within a token's 15-minute life.
const DefaultVerifiedCacheSize = 16384

// verifiedShards splits the cache so that concurrent requests rarely wait on the
// same lock.
const verifiedShards = 16

// verifiedCache remembers access tokens this Issuer has verified, keyed by the
// SHA-256 of the token, so a token presented again skips the signature check (an
// Ed25519 or ECDSA verification and the JSON parse, most of a /me request's CPU).
// Only successful verifications are stored, each with the key id that signed it,
// and an entry is used only before the token's exp: an expired token goes the full
// way and is refused as before. The cache lives and dies with its Issuer, whose key
// set is fixed, so a rotation that drops a key (a restart with the new
// AUTH_JWT_KEYS) starts from an empty cache; a hit checks the kid against the key
// set all the same. Revocation is unaffected: the caller checks the session on
// every request, hit or miss.
type verifiedCache struct {
	perShard int
	shards   [verifiedShards]verifiedShard
}

// verifiedShard is one lock's share of the cache.
type verifiedShard struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]verifiedEntry
}

// verifiedEntry is what a hit returns, with the bounds of its validity.
type verifiedEntry struct {
	claims    domain.AccessClaims
	kid       string
	notBefore time.Time // nbf less the leeway: before it the token is not valid yet
}

// newVerifiedCache returns a cache of about size entries, or nil (no caching) when
// size is negative.
func newVerifiedCache(size int) *verifiedCache {
	if size < 0 {
		return nil
	}
	if size == 0 {
		size = DefaultVerifiedCacheSize
	}
	c := &verifiedCache{perShard: max(1, size/verifiedShards)}
	for i := range c.shards {
		c.shards[i].m = make(map[[sha256.Size]byte]verifiedEntry)
	}
	return c
}

// get returns a copy of the claims of a cached token that is valid at now and
// whose kid is still trusted (known reports that).
func (c *verifiedCache) get(key [sha256.Size]byte, now time.Time, known func(kid string) bool) (*domain.AccessClaims, bool) {
	sh := &c.shards[key[0]%verifiedShards]
	sh.mu.Lock()
	e, ok := sh.m[key]
	if ok && (!now.Before(e.claims.ExpiresAt) || now.Before(e.notBefore) || !known(e.kid)) {
		delete(sh.m, key)
		ok = false
	}
	sh.mu.Unlock()
	if !ok {
		return nil, false
	}
	claims := e.claims
	claims.AMR = slices.Clone(claims.AMR) // the caller's copy, not the cache's
	return &claims, true
}

// put remembers a verified token. A full shard first drops its expired entries,
// then, if still full, an arbitrary one (Go's map iteration starts at a random
// place), which keeps the size bounded without the bookkeeping of an LRU list.
func (c *verifiedCache) put(key [sha256.Size]byte, e verifiedEntry, now time.Time) {
	sh := &c.shards[key[0]%verifiedShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[key]; !ok && len(sh.m) >= c.perShard {
		for k, old := range sh.m {
			if !now.Before(old.claims.ExpiresAt) {
				delete(sh.m, k)
			}
		}
		for k := range sh.m {
			if len(sh.m) < c.perShard {
				break
			}
			delete(sh.m, k)
		}
	}
	sh.m[key] = e
}

// len returns the number of entries, for tests.
func (c *verifiedCache) len() int {
	n := 0
	for i := range c.shards {
		c.shards[i].mu.Lock()
		n += len(c.shards[i].m)
		c.shards[i].mu.Unlock()
	}
	return n
}
