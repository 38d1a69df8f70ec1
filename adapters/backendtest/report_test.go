package backendtest

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoServerReason checks the skip reason of a server backend with no URL and no
// container: when something answers on the usual local port (here a listener of
// the test's own, standing in for it) the reason starts with how to use it;
// otherwise it does not claim a server.
func TestNoServerReason(t *testing.T) {
	containerErr := errors.New("rootless Docker not found")
	for name, wantURL := range map[string]string{
		"postgres": "AUTH_TEST_POSTGRES_URL=postgres://postgres@%s/postgres?sslmode=disable to use it",
		"mysql":    "AUTH_TEST_MYSQL_URL=mysql://root@%s/test to use it",
	} {
		t.Run(name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			l := localServers[name]
			l.addr = ln.Addr().String()

			got := noServerReason(l, containerErr)
			want := l.title + " answers on " + l.addr + ": set " + strings.ReplaceAll(wantURL, "%s", l.addr)
			if !strings.HasPrefix(got, want) || !strings.Contains(got, containerErr.Error()) {
				t.Errorf("with a server on %s: reason %q, want it to start with %q and keep the container error", l.addr, got, want)
			}

			ln.Close()
			got = noServerReason(l, containerErr)
			if strings.Contains(got, "answers on") || !strings.HasPrefix(got, l.envVar+" is not set") || !strings.Contains(got, containerErr.Error()) {
				t.Errorf("with nothing on %s: reason %q, want %s is not set and the container error, no server claimed", l.addr, got, l.envVar)
			}
		})
	}
}

// TestRecordAndSummary records outcomes the way the providers do and runs the
// Makefile's summary over them: one record per backend and outcome per process,
// and one summary line per backend.
func TestRecordAndSummary(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(ReportDirEnv, dir)
	recorded.mu.Lock()
	recorded.done = nil
	recorded.mu.Unlock()
	t.Cleanup(func() { recorded.done = nil })

	record("sqlite", outcomeRan, "in-process")
	record("sqlite", outcomeRan, "in-process")
	record("postgres", outcomeSkipped, "PostgreSQL answers on 127.0.0.1:5432:\tset it")
	record("postgres", outcomeSkipped, "a second reason is not recorded")
	record("mysql", outcomeRan, "container mysql:8.4")
	record("mysql", outcomeFailed, "cannot reach the server")

	files, _ := filepath.Glob(filepath.Join(dir, "*.tsv"))
	if len(files) != 1 {
		t.Fatalf("report files %v, want one for this process", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(data), "\n"); lines != 4 {
		t.Errorf("report has %d records, want 4 (one per backend and outcome):\n%s", lines, data)
	}

	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run summary.sh")
	}
	out, err := exec.Command(bash, "summary.sh", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("summary.sh: %v\n%s", err, out)
	}
	want := "backend mysql:    ran in 1 package (container mysql:8.4); FAILED (AUTH_TEST_REQUIRE_ALL=1) in 1 package: cannot reach the server\n" +
		"backend postgres: SKIPPED in 1 package: PostgreSQL answers on 127.0.0.1:5432: set it\n" +
		"backend sqlite:   ran in 1 package (in-process)\n"
	if string(out) != want {
		t.Errorf("summary.sh printed\n%s\nwant\n%s", out, want)
	}
}
