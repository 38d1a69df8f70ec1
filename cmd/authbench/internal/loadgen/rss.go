package loadgen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is the resident memory of a process, in bytes, as /proc/PID/status reports it.
type Memory struct {
	// RSS is the current resident set (VmRSS).
	RSS int64
	// HWM is the peak resident set over the process's whole life (VmHWM).
	HWM int64
}

// ParseStatus reads VmRSS and VmHWM from the text of /proc/PID/status. Both lines
// must be present: a kernel thread or a zombie has neither, and reporting 0 for it
// would be a figure that looks real and is not.
func ParseStatus(r io.Reader) (Memory, error) {
	var m Memory
	var haveRSS, haveHWM bool
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if key == "State" && ok {
			if state := strings.TrimSpace(val); strings.HasPrefix(state, "Z") || strings.HasPrefix(state, "X") {
				return Memory{}, errors.New("the process has exited")
			}
		}
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) != 2 || fields[1] != "kB" {
			return Memory{}, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("%s: %w", key, err)
		}
		if key == "VmRSS" {
			m.RSS, haveRSS = kb*1024, true
		} else {
			m.HWM, haveHWM = kb*1024, true
		}
	}
	if err := sc.Err(); err != nil {
		return Memory{}, err
	}
	if !haveRSS || !haveHWM {
		return Memory{}, errors.New("no VmRSS/VmHWM lines (not a live user process?)")
	}
	return m, nil
}

// ReadMemory reads the memory figures of process pid from /proc.
func ReadMemory(pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("server pid %d: %w", pid, err)
	}
	defer f.Close()
	m, err := ParseStatus(f)
	if err != nil {
		return Memory{}, fmt.Errorf("server pid %d: %w", pid, err)
	}
	return m, nil
}

// sampler polls a process's VmRSS at a fixed interval and keeps the largest value.
// VmHWM alone cannot attribute a peak to one scenario of several, so each scenario
// runs its own sampler; the lifetime VmHWM is read once at the end.
type sampler struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	peak int64
}

// startSampler begins sampling pid every interval, taking one sample at once.
func startSampler(pid int, interval time.Duration) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.sample(pid)
			select {
			case <-s.stop:
				s.sample(pid)
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) sample(pid int) {
	m, err := ReadMemory(pid)
	if err != nil {
		return // the process may be gone; the run itself reports that
	}
	s.mu.Lock()
	s.peak = max(s.peak, m.RSS)
	s.mu.Unlock()
}

// Stop ends sampling and returns the largest VmRSS seen, in bytes.
func (s *sampler) Stop() int64 {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// MiB converts bytes to mebibytes, rounded to one decimal.
func MiB(b int64) float64 { return math.Round(float64(b)/(1<<20)*10) / 10 }
