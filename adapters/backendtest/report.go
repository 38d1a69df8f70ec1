package backendtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ReportDirEnv names the directory in which every test process records, per
// backend, whether its tests got a database or were skipped and why. `make test`
// sets it to a fresh temporary directory and, after `go test`, prints one line per
// backend from the records (adapters/backendtest/summary.sh), so that a green run
// says which backends it did not test. Unset, nothing is recorded.
const ReportDirEnv = "AUTH_TEST_REPORT_DIR"

// The outcomes a record can carry.
const (
	outcomeRan     = "ran"     // a test got a database of the backend (reason: how)
	outcomeSkipped = "skipped" // a test was skipped for want of one
	outcomeFailed  = "failed"  // the same, failed under AUTH_TEST_REQUIRE_ALL=1
)

// recorded remembers which (backend, outcome) pairs this process has written, so
// each is written once however many tests share it.
var recorded struct {
	mu   sync.Mutex
	done map[string]bool
}

// record appends "backend TAB outcome TAB package TAB reason" to this process's
// file under ReportDirEnv — for outcomeRan the reason is how the server was
// reached (Provider.Via) — the first time this process sees that backend with that
// outcome. Writing is best effort: a test never fails because of its report.
func record(backend, outcome, reason string) {
	dir := os.Getenv(ReportDirEnv)
	if dir == "" {
		return
	}
	recorded.mu.Lock()
	defer recorded.mu.Unlock()
	key := backend + "\t" + outcome
	if recorded.done[key] {
		return
	}
	if recorded.done == nil {
		recorded.done = map[string]bool{}
	}
	recorded.done[key] = true
	pkg := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
	line := strings.Join([]string{backend, outcome, pkg, oneLine(reason)}, "\t") + "\n"
	f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("%s-%d.tsv", pkg, os.Getpid())), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = f.WriteString(line)
}

// oneLine folds a reason onto one line without tabs, for the record format.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
