package main

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/authd/authd/adapters/argon2"
)

// MemoryLimit is AUTH_MEMORY_LIMIT: the Go runtime's soft memory limit
// (runtime/debug.SetMemoryLimit). "auto" derives it from the hashing bound (see
// derivedMemoryLimit), "off" or "0" sets none, and a size such as "256MiB" is
// taken as given.
type MemoryLimit int64

// Special MemoryLimit values; any positive value is a size in bytes.
const (
	// MemoryLimitAuto derives the limit from AUTH_HASH_CONCURRENCY and AUTH_ARGON2.
	MemoryLimitAuto MemoryLimit = -1
	// MemoryLimitOff leaves the runtime without a limit (only GOGC paces the GC).
	MemoryLimitOff MemoryLimit = 0
)

// memoryLimitBase is the allowance of the derived limit for everything but the
// argon2 buffers: the HTTP server and its connections, the database driver, the
// runtime itself.
const memoryLimitBase = 24 << 20

// memoryLimitFactor is how many times the memory of the hashes that may run at
// once the derived limit allows, in halves (3: 1.5 times). The slots' buffers are
// pooled and stay allocated (adapters/argon2, pool.go), and sync.Pool may keep one
// buffer more than there are slots on 2 CPUs, which the half on top covers; the base
// covers the connections' buffers under a storm (18 MB of heap besides the buffers
// with 500 clients) and the rest. Measured on 2 CPUs (81 MiB): 500 concurrent logins
// run at 0.72–1.00 (median 0.87) of the hashing ceiling in 115–130 MiB of RSS, about
// 31 MiB of it the binary's own pages; 62 MiB (no half on top) made the collector
// run back to back and cut the throughput by 40%. Without a limit the heap grows to
// twice its peak under GOGC=100, which put RSS at 165 MiB under 500 logins before the
// pool.
const memoryLimitFactor = 3

// UnmarshalText reads "auto", "off", "0" or a size (SI or IEC units).
func (m *MemoryLimit) UnmarshalText(text []byte) error {
	switch s := strings.ToLower(strings.TrimSpace(string(text))); s {
	case "", "auto":
		*m = MemoryLimitAuto
	case "off", "0":
		*m = MemoryLimitOff
	default:
		n, err := humanize.ParseBytes(s)
		if err != nil || n > 1<<50 {
			return errors.New("invalid memory limit (want auto, off or a size such as 256MiB)")
		}
		*m = MemoryLimit(n)
	}
	return nil
}

// derivedMemoryLimit is the "auto" limit: memoryLimitBase plus 1.5 times the
// memory of slots concurrent argon2 computations of argon2KiB each. At the
// defaults on 2 CPUs (2 slots, m=19456) that is 24 + 1.5 × 2 × 19 = 81 MiB.
func derivedMemoryLimit(slots int, argon2KiB uint32) int64 {
	return memoryLimitBase + memoryLimitFactor*int64(slots)*int64(argon2KiB)<<10/2
}

// memoryLimitPlan is what applyMemoryLimit will do: set limit (when set is true)
// and why, for the start-up log, and the GC percentage to set (0: leave GOGC).
type memoryLimitPlan struct {
	set       bool
	limit     int64
	source    string
	gcPercent int
}

// limitedGCPercent is the GOGC authd runs with under a limit it set itself and no
// GOGC from the operator. With the limit bounding the heap, GOGC=100 only makes
// the collector run more often than memory needs: on the read path (/me on
// SQLite, 64 clients) 400 raised throughput by 14% and brought p99 ÷ p50 from
// 4.4–4.6 to 3.6–3.7 (README, Benchmarks), while under a login storm the limit,
// not GOGC, paces the collector as before.
const limitedGCPercent = 400

// planMemoryLimit decides the soft memory limit. GOMEMLIMIT in the environment is
// the operator's word to the Go runtime and wins over AUTH_MEMORY_LIMIT, which is
// then left alone; otherwise an explicit size is used as given, "off" sets none,
// and "auto" derives the limit from the hashing bound.
//
// Under a limit it sets, and when GOGC is not set, the plan also raises the GC
// percentage to limitedGCPercent.
func planMemoryLimit(cfg MemoryLimit, slots int, argon2KiB uint32, gomemlimit, gogc string) memoryLimitPlan {
	var p memoryLimitPlan
	switch {
	case strings.TrimSpace(gomemlimit) != "":
		return memoryLimitPlan{source: "GOMEMLIMIT"}
	case cfg == MemoryLimitOff:
		return memoryLimitPlan{source: "off"}
	case cfg == MemoryLimitAuto:
		p = memoryLimitPlan{set: true, limit: derivedMemoryLimit(slots, argon2KiB), source: "derived"}
	default:
		p = memoryLimitPlan{set: true, limit: int64(cfg), source: "AUTH_MEMORY_LIMIT"}
	}
	if strings.TrimSpace(gogc) == "" {
		p.gcPercent = limitedGCPercent
	}
	return p
}

// applyMemoryLimit sets the runtime's soft memory limit as planned, logs it, and
// returns a func that restores the previous limit (serve runs in tests too).
func applyMemoryLimit(p memoryLimitPlan, logger *slog.Logger) (restore func()) {
	if !p.set {
		limit := debug.SetMemoryLimit(-1) // reads without changing
		shown := "none"
		if limit != math.MaxInt64 {
			shown = humanize.IBytes(uint64(limit))
		}
		logger.Info("memory limit left to the Go runtime", "source", p.source, "limit", shown)
		return func() {}
	}
	prev := debug.SetMemoryLimit(p.limit)
	if p.gcPercent == 0 {
		logger.Info("memory limit set", "source", p.source, "limit", humanize.IBytes(uint64(p.limit)))
		return func() { debug.SetMemoryLimit(prev) }
	}
	prevGC := debug.SetGCPercent(p.gcPercent)
	logger.Info("memory limit set", "source", p.source, "limit", humanize.IBytes(uint64(p.limit)), "gogc", p.gcPercent)
	return func() {
		debug.SetGCPercent(prevGC)
		debug.SetMemoryLimit(prev)
	}
}

// minMemoryLimit is the smallest explicit limit accepted: below it the GC would
// run nearly all the time.
const minMemoryLimit = 16 << 20

// validate rejects an explicit limit too small to run in.
func (m MemoryLimit) validate() error {
	if m > 0 && m < minMemoryLimit {
		return fmt.Errorf("must be at least 16MiB (or auto, or off), got %d bytes", int64(m))
	}
	return nil
}

// String renders the limit as configured, for the start-up log.
func (m MemoryLimit) String() string {
	switch {
	case m == MemoryLimitAuto:
		return "auto"
	case m == MemoryLimitOff:
		return "off"
	}
	return fmt.Sprint(int64(m))
}

// startMemoryLimit applies AUTH_MEMORY_LIMIT (or leaves GOMEMLIMIT's) for serve and
// returns the func that restores the previous limit.
func startMemoryLimit(cfg Config, logger *slog.Logger) (restore func()) {
	var kib uint32
	if p, err := argon2.ParseParams(cfg.Argon2); err == nil { // validated at load
		kib = p.Memory
	}
	return applyMemoryLimit(planMemoryLimit(cfg.MemoryLimit, cfg.HashConcurrency, kib, os.Getenv("GOMEMLIMIT"), os.Getenv("GOGC")), logger)
}
