package argon2

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Params are the argon2id cost parameters. Memory is in KiB, as in the PHC string
// (m=19456 is 19 MiB). Salt and key lengths are not configurable through
// AUTH_ARGON2; they are fixed at values every current recommendation accepts.
type Params struct {
	// Memory is the memory cost in KiB (m).
	Memory uint32
	// Time is the number of passes over the memory (t).
	Time uint32
	// Threads is the degree of parallelism (p). It changes the output, so it is
	// part of the stored hash and a change triggers a re-hash like any other.
	Threads uint8
	// SaltLen is the length of the random salt in bytes.
	SaltLen uint32
	// KeyLen is the length of the derived key in bytes.
	KeyLen uint32
}

// Bounds on what a parameter string or a stored hash may ask for. The lower ones are
// those of the argon2 specification (RFC 9106 §3.1): anything smaller is not argon2.
// The upper ones stop a typo in configuration, or a tampered hash in the database,
// from allocating gigabytes per login.
const (
	maxMemoryKiB = 4 << 20 // 4 GiB
	maxTime      = 1024
	minSaltLen   = 8
	maxSaltLen   = 1024
	minKeyLen    = 4
	maxKeyLen    = 1024
)

// DefaultParams returns the OWASP-recommended minimum configuration, m=19456 (19 MiB),
// t=2, p=1, with a 16-byte salt and a 32-byte key. It is AUTH_ARGON2's default.
func DefaultParams() Params {
	return Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// String renders the cost part of the parameters in the form ParseParams reads and
// the PHC string carries, e.g. "m=19456,t=2,p=1".
func (p Params) String() string {
	return fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads)
}

// ParseParams reads an AUTH_ARGON2 value such as "m=19456,t=2,p=1": the three keys
// m, t and p, each exactly once, in any order, separated by commas. Salt and key
// lengths take their defaults. Anything argon2 cannot compute with (t=0, p=0, memory
// below 8 KiB per thread) or that is absurdly large is an error; weak but valid
// values such as the cheap m=1024,t=1,p=1 that tests use are accepted, and
// Validate tells whether they meet the recommended minimum.
func ParseParams(s string) (Params, error) {
	p := DefaultParams()
	seen := map[string]bool{}
	for part := range strings.SplitSeq(strings.TrimSpace(s), ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" || value == "" {
			return Params{}, fmt.Errorf("argon2 parameters %q: %q is not key=value (want e.g. m=19456,t=2,p=1)", s, part)
		}
		if seen[name] {
			return Params{}, fmt.Errorf("argon2 parameters %q: %s given twice", s, name)
		}
		seen[name] = true
		var bits int
		switch name {
		case "m", "t":
			bits = 32
		case "p":
			bits = 8
		default:
			return Params{}, fmt.Errorf("argon2 parameters %q: unknown key %q (want m, t and p)", s, name)
		}
		n, err := strconv.ParseUint(value, 10, bits)
		if err != nil {
			return Params{}, fmt.Errorf("argon2 parameters %q: %s=%s is not a whole number below 2^%d", s, name, value, bits)
		}
		switch name {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			p.Threads = uint8(n)
		}
	}
	for _, name := range []string{"m", "t", "p"} {
		if !seen[name] {
			return Params{}, fmt.Errorf("argon2 parameters %q: %s is missing (want e.g. m=19456,t=2,p=1)", s, name)
		}
	}
	if err := p.check(); err != nil {
		return Params{}, fmt.Errorf("argon2 parameters %q: %w", s, err)
	}
	return p, nil
}

// check reports parameters that argon2 cannot run with or that exceed the sanity
// bounds. It is applied to configuration and to every stored hash before any memory
// is allocated for it.
func (p Params) check() error {
	switch {
	case p.Time < 1:
		return errors.New("t must be at least 1")
	case p.Time > maxTime:
		return fmt.Errorf("t must be at most %d", maxTime)
	case p.Threads < 1:
		return errors.New("p must be at least 1")
	case p.Memory < 8*uint32(p.Threads):
		return fmt.Errorf("m must be at least 8 KiB per thread (%d for p=%d)", 8*uint32(p.Threads), p.Threads)
	case p.Memory > maxMemoryKiB:
		return fmt.Errorf("m must be at most %d KiB (4 GiB)", maxMemoryKiB)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length must be %d to %d bytes", minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length must be %d to %d bytes", minKeyLen, maxKeyLen)
	}
	return nil
}

// owaspMinimums are the equivalent minimum configurations of the OWASP Password
// Storage Cheat Sheet for argon2id with p=1: more memory buys fewer passes.
var owaspMinimums = []struct{ memory, time uint32 }{
	{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5},
}

// Validate reports whether p is at least as strong as one of the OWASP minimum
// configurations (m=47104,t=1 … m=7168,t=5, p=1), with a salt and key of at least
// 16 bytes. ParseParams accepts weaker values so that tests can hash cheaply; the
// composition root calls Validate and warns when production runs below the line.
func (p Params) Validate() error {
	if err := p.check(); err != nil {
		return err
	}
	if p.SaltLen < 16 || p.KeyLen < 16 {
		return fmt.Errorf("argon2 salt and key should be at least 16 bytes (have %d and %d)", p.SaltLen, p.KeyLen)
	}
	for _, row := range owaspMinimums {
		if p.Memory >= row.memory && p.Time >= row.time {
			return nil
		}
	}
	return fmt.Errorf("argon2 parameters %s are below the OWASP minimum (m=19456,t=2,p=1 or an equivalent such as m=47104,t=1 or m=9216,t=4)", p)
}
