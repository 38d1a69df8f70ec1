package argon2

import (
	minioargon2 "github.com/minio/argon2"
)

// deriveFunc computes the argon2id key of password and salt at the Hasher's
// configured cost.
type deriveFunc func(password, salt []byte, keyLen uint32) []byte

// pooledDerive returns p's key derivation on memory that is reused from one call to
// the next, or nil when p cannot be computed with (Hash and Waste refuse such
// parameters before they derive anything).
//
// golang.org/x/crypto/argon2 allocates the whole memory cost on every call (19 MiB
// at the default cost). Under a login storm that is 19 MiB of fresh heap per login:
// the runtime zeroes it, the soft memory limit makes the collector run for nearly
// every hash, and the scavenger hands the freed pages back to the kernel only to
// fault them in again for the next one. A CPU profile of a 500-client storm put 13%
// of authd's time there (runtime.memclrNoHeapPointers, madvise and the page faults
// under them). github.com/minio/argon2 is x/crypto's argon2 — the same assembly —
// with the blocks taken from a sync.Pool and cleared before they go back, so that
// the memory of the hashing slots is allocated once and stays while logins keep
// coming. The Hasher's semaphore bounds the computations in flight; sync.Pool keeps
// one idle buffer per P out of the other Ps' reach, so the pool can hold up to
// slots + GOMAXPROCS - 1 buffers (a 500-client storm on 2 CPUs allocated 3 in its
// whole life, against one per login before). An idle server's buffers go after two
// collections (sync.Pool's rule; the runtime collects at least every two minutes).
// The clearing also means no password-derived memory lingers in freed heap, as it
// does after x/crypto.
func pooledDerive(p Params) deriveFunc {
	if p.check() != nil {
		return nil
	}
	derive := minioargon2.NewIDKey(p.Time, p.Memory, p.Threads)
	return func(password, salt []byte, keyLen uint32) []byte {
		return derive(password, salt, nil, nil, keyLen)
	}
}
