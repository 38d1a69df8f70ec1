package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// walkthroughScript extracts the shell blocks of the README's API walk-through, in
// order, up to its "Errors and limits" part (whose example fails on purpose), and
// leaves out the block that starts the server. It fails t when the section or its
// blocks are missing, so a README reshuffle cannot silently empty the test.
func walkthroughScript(t *testing.T, readme string) string {
	t.Helper()
	start := strings.Index(readme, "\n## API walk-through\n")
	end := strings.Index(readme, "\n### Errors and limits\n")
	if start < 0 || end < start {
		t.Fatal("README has no API walk-through section ending at \"### Errors and limits\"")
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(readme[start:end], -1)
	var b strings.Builder
	n := 0
	for _, m := range blocks {
		if strings.Contains(m[1], "make run") {
			continue // how to start the server; the test starts its own
		}
		b.WriteString(m[1])
		b.WriteString("\n")
		n++
	}
	if n < 6 {
		t.Fatalf("README walk-through has %d runnable shell blocks, want the whole walk-through (at least 6)", n)
	}
	return b.String()
}

// TestREADMEWalkthrough runs the README's API walk-through, every command as
// written, against the built binary on a fresh SQLite database: only the API and
// LOG variables of its first block are pointed at the test's server. curl fails on
// any HTTP error status, so a command whose answer changed breaks the test.
func TestREADMEWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	for _, tool := range []string{"bash", "curl", "jq", "oathtool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README walk-through needs %s on PATH: %v", tool, err)
		}
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	script := walkthroughScript(t, string(readme))
	dir := t.TempDir()
	logPath := filepath.Join(dir, "authd.log")
	addr := freeAddr(t)
	for _, v := range []struct{ from, to string }{
		{"\nAPI=http://localhost:8080\n", "\nAPI=http://" + addr + "\n"},
		{"\nLOG=authd.log\n", "\nLOG=" + logPath + "\n"},
	} {
		if !strings.Contains("\n"+script, v.from) {
			t.Fatalf("walk-through has no line %q to point at the test server", strings.TrimSpace(v.from))
		}
		script = strings.Replace("\n"+script, v.from, v.to, 1)[1:]
	}

	env := map[string]string{
		"AUTH_DATABASE_URL": "sqlite://" + filepath.Join(dir, "authd.db"),
		"AUTH_LISTEN":       addr,
		"AUTH_PUBLIC_URL":   "http://" + addr,
		// The server listens on an IP address, which cannot be a WebAuthn RP ID;
		// the README's server runs on localhost:8080, whose defaults these are.
		"AUTH_WEBAUTHN_RP_ID":   "localhost",
		"AUTH_WEBAUTHN_ORIGINS": "http://localhost:8080",
		// As the README starts it: with sign-in by mail on, ending at an app on
		// 127.0.0.1 if asked.
		"AUTH_PASSWORDLESS":  "true",
		"AUTH_REDIRECT_URLS": "http://127.0.0.1/callback",
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	bin := buildBinary(t)
	cmd := binaryCommand(t, bin, env, "serve")
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	waitHealthy(t, addr, 60*time.Second, exited, func() string { b, _ := os.ReadFile(logPath); return string(b) })

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// Every curl of the walk-through fails the script on an HTTP error status.
	prelude := "set -euo pipefail\ncurl() { command curl --fail-with-body \"$@\"; }\n"
	sh := exec.CommandContext(ctx, "bash", "-c", prelude+script)
	sh.Dir = filepath.Join("..", "..") // `go run ./cmd/authd` works from the checkout, as for a reader
	sh.Env = os.Environ()
	for k, v := range env {
		sh.Env = append(sh.Env, k+"="+v)
	}
	var out bytes.Buffer
	sh.Stdout, sh.Stderr = &out, &out
	if err := sh.Run(); err != nil {
		logs, _ := os.ReadFile(logPath)
		t.Fatalf("README walk-through failed: %v\n--- its output:\n%s\n--- the server's log:\n%s", err, out.String(), logs)
	}
	for _, want := range []string{`"status": "active"`, "HTTP/1.1 204", `"Bea B."`, `"disabled"`,
		`"mfa_required"`, `"aal2"`, `"recovery_codes_remaining": 9`, `"email": "bea@example.net"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("walk-through output lacks %q:\n%s", want, out.String())
		}
	}
}
