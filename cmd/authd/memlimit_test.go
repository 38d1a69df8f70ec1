package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"testing"
)

// TestDerivedMemoryLimit checks the documented formula: 24 MiB plus 1.5 times the
// memory of the hashes that may run at once.
func TestDerivedMemoryLimit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		slots int
		kib   uint32
		want  int64
	}{
		{2, 19456, 81 << 20}, // the defaults on 2 CPUs, as README says
		{1, 19456, 24<<20 + 19456<<10*3/2},
		{8, 65536, (24 + 3*8*64/2) << 20},
	} {
		if got := derivedMemoryLimit(c.slots, c.kib); got != c.want {
			t.Errorf("derivedMemoryLimit(%d, %d) = %d, want %d", c.slots, c.kib, got, c.want)
		}
	}
}

// TestPlanMemoryLimit checks which limit applies: GOMEMLIMIT wins over anything,
// off sets none, an explicit size is taken, auto derives.
func TestPlanMemoryLimit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		cfg        MemoryLimit
		gomemlimit string
		gogc       string
		want       memoryLimitPlan
	}{
		{"auto", MemoryLimitAuto, "", "", memoryLimitPlan{set: true, limit: 81 << 20, source: "derived", gcPercent: 400}},
		{"auto, GOGC set", MemoryLimitAuto, "", "100", memoryLimitPlan{set: true, limit: 81 << 20, source: "derived"}},
		{"explicit", 256 << 20, "", "", memoryLimitPlan{set: true, limit: 256 << 20, source: "AUTH_MEMORY_LIMIT", gcPercent: 400}},
		{"off", MemoryLimitOff, "", "", memoryLimitPlan{source: "off"}},
		{"GOMEMLIMIT over auto", MemoryLimitAuto, "200MiB", "", memoryLimitPlan{source: "GOMEMLIMIT"}},
		{"GOMEMLIMIT over explicit", 256 << 20, "off", "", memoryLimitPlan{source: "GOMEMLIMIT"}},
	} {
		if got := planMemoryLimit(c.cfg, 2, 19456, c.gomemlimit, c.gogc); got != c.want {
			t.Errorf("%s: plan = %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestMemoryLimitUnmarshal checks the accepted spellings of AUTH_MEMORY_LIMIT.
func TestMemoryLimitUnmarshal(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]MemoryLimit{
		"auto": MemoryLimitAuto, "AUTO": MemoryLimitAuto, "off": MemoryLimitOff, "0": MemoryLimitOff,
		"128MiB": 128 << 20, "100MB": 100_000_000, "67108864": 64 << 20,
	} {
		var got MemoryLimit
		if err := got.UnmarshalText([]byte(in)); err != nil || got != want {
			t.Errorf("UnmarshalText(%q) = %d, %v; want %d, nil", in, got, err, want)
		}
	}
	var m MemoryLimit
	if err := m.UnmarshalText([]byte("lots")); err == nil {
		t.Errorf("UnmarshalText(lots) = %d, nil; want an error", m)
	}
}

// TestApplyMemoryLimitSetsAndRestores applies a plan and checks the runtime's
// limit before and after the restore; a plan that sets nothing changes nothing.
// It changes process-wide state, so it does not run in parallel.
func TestApplyMemoryLimitSetsAndRestores(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	before := debug.SetMemoryLimit(-1)
	gcBefore := debug.SetGCPercent(-1)
	debug.SetGCPercent(gcBefore)
	restore := applyMemoryLimit(memoryLimitPlan{set: true, limit: 1 << 40, source: "test", gcPercent: 333}, logger)
	if got := debug.SetMemoryLimit(-1); got != 1<<40 {
		t.Errorf("limit while applied = %d, want %d", got, int64(1<<40))
	}
	if got := debug.SetGCPercent(333); got != 333 {
		t.Errorf("GOGC while applied = %d, want 333", got)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit after restore = %d, want %d", got, before)
	}
	if got := debug.SetGCPercent(gcBefore); got != gcBefore {
		t.Errorf("GOGC after restore = %d, want %d", got, gcBefore)
	}
	applyMemoryLimit(memoryLimitPlan{source: "GOMEMLIMIT"}, logger)()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("limit after a plan that sets none = %d, want %d", got, before)
	}
}
