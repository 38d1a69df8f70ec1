package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/authd/authd/adapters/backendtest"
)

// TestProgressOnATerminalOnly runs the real binary's export on a pseudo-terminal:
// the progress display shows there; to a pipe only the counts are written.
func TestProgressOnATerminalOnly(t *testing.T) {
	src := backendtest.URL(t, "sqlite")
	setUpSource(t, src)
	bin := buildBinary(t)
	env := map[string]string{"AUTH_DATABASE_URL": src}

	cmd := binaryCommand(t, bin, env, "export", "--out", filepath.Join(t.TempDir(), "a.jsonl"))
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	// The terminal is read by a goroutine until the child's side closes; the
	// buffers are locked, since a read that outlives the wait below still writes.
	out := &syncBuffer{}
	done := make(chan struct{})
	go func() { _, _ = io.Copy(out, tty); close(done) }()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("export on a terminal: %v\n%s", err, out.String())
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	if got := out.String(); !strings.Contains(got, "exporting") || !strings.Contains(got, "(2/2, ") || !strings.Contains(got, "exported secret=3 user=2") {
		t.Fatalf("export on a terminal wrote %q, want the progress (exporting, 2/2 accounts) and the counts", got)
	}

	var stderr strings.Builder
	cmd = binaryCommand(t, bin, env, "export", "--out", filepath.Join(t.TempDir(), "b.jsonl"))
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if got := stderr.String(); strings.Contains(got, "exporting") || !strings.HasPrefix(got, "authd: exported secret=3") {
		t.Fatalf("export to a pipe wrote %q, want only the counts", got)
	}

	// With stdout on a terminal and no --out, nothing is written there.
	cmd = binaryCommand(t, bin, env, "export")
	tty2, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer tty2.Close()
	out2 := &syncBuffer{}
	done2 := make(chan struct{})
	go func() { _, _ = io.Copy(out2, tty2); close(done2) }()
	err = cmd.Wait()
	select {
	case <-done2:
	case <-time.After(5 * time.Second):
	}
	if err == nil || strings.Contains(out2.String(), "password_hash") {
		t.Fatalf("export to a terminal: err %v, output %q; want a refusal and no record", err, out2.String())
	}
}
