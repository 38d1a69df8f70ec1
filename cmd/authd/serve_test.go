package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freeAddr returns a 127.0.0.1 address with a port that was free a moment ago, for
// a server that must be told its address up front (AUTH_LISTEN) rather than use :0.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	return addr
}

// serveEnv is the environment of a `serve` run on addr with a fresh SQLite file.
func serveEnv(t *testing.T, addr string) map[string]string {
	return map[string]string{
		"AUTH_DATABASE_URL":     "sqlite://" + filepath.Join(t.TempDir(), "authd.db"),
		"AUTH_LISTEN":           addr,
		"AUTH_ARGON2":           "m=1024,t=1,p=1",
		"AUTH_LOG_LEVEL":        "info",
		"AUTH_SHUTDOWN_TIMEOUT": "20s",
	}
}

// waitHealthy polls /healthz on addr until it answers 200, failing the test after
// within or as soon as exited reports that the server stopped.
func waitHealthy(t *testing.T, addr string, within time.Duration, exited <-chan struct{}, logs func() string) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(within)
	for {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("authd stopped before /healthz answered 200; stderr:\n%s", logs())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz did not answer 200 within %s (last error %v); stderr:\n%s", within, err, logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRefused waits, bounded, until addr refuses connections.
func waitRefused(t *testing.T, addr string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections %s after shutdown began", addr, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeShutsDownGracefully runs `authd serve` and cancels its context, as
// SIGINT/SIGTERM do through signal.NotifyContext: a request in flight when shutdown
// begins still gets its answer, run returns 0, the port is closed and the shutdown
// is logged.
func TestServeShutsDownGracefully(t *testing.T) {
	addr := freeAddr(t)
	t.Chdir(t.TempDir()) // no stray .env
	clearConfigEnv(t)
	for k, v := range serveEnv(t, addr) {
		t.Setenv(k, v)
	}

	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	code := make(chan int, 1)
	exited := make(chan struct{})
	go func() {
		code <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, stderr)
		close(exited)
	}()
	t.Cleanup(func() { // a failed test still stops the server before its files go
		cancel()
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
		}
	})
	waitHealthy(t, addr, 60*time.Second, exited, stderr.String)

	// A sign-up in flight: the headers are read (the server answered 100 Continue),
	// the body is still to come when shutdown begins.
	body := `{"email":"slow@example.com","password":"correct horse battery"}`
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(60 * time.Second)); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /v1/auth/signup HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, len(body))
	br := bufio.NewReader(conn)
	if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("before the body: got %q (%v), want HTTP/1.1 100 Continue", line, err)
	}
	if _, err := br.ReadString('\n'); err != nil { // the blank line ending the interim response
		t.Fatal(err)
	}

	cancel()
	waitRefused(t, addr, 15*time.Second) // shutdown has begun: no new connections
	time.Sleep(300 * time.Millisecond)   // past the server's idle-connection sweep
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatalf("send the in-flight body after shutdown began: %v", err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight request got no answer: %v; stderr:\n%s", err, stderr.String())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("in-flight sign-up: status %d, want 201", resp.StatusCode)
	}

	select {
	case got := <-code:
		if got != 0 {
			t.Fatalf("run returned %d, want 0; stderr:\n%s", got, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("run did not return within 30s of the cancellation; stderr:\n%s", stderr.String())
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after run returned", addr)
	}
	if logs := stderr.String(); !strings.Contains(logs, `"msg":"shutting down"`) {
		t.Fatalf("stderr has no shutdown line:\n%s", logs)
	}
}

// TestBinaryStopsOnSIGTERM builds the real binary, serves with it, and sends it
// SIGTERM, as a container runtime or systemd does: it must exit 0, promptly.
func TestBinaryStopsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	bin := buildBinary(t)
	addr := freeAddr(t)
	cmd := binaryCommand(t, bin, serveEnv(t, addr), "serve")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	waited := make(chan error, 1)
	exited := make(chan struct{})
	go func() { waited <- cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	waitHealthy(t, addr, 60*time.Second, exited, stderr.String)

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("authd exited with %v after SIGTERM, want status 0; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("authd did not exit within 15s of SIGTERM; stderr:\n%s", stderr.String())
	}
	if logs := stderr.String(); !strings.Contains(logs, `"msg":"shutting down"`) {
		t.Fatalf("stderr has no shutdown line:\n%s", logs)
	}
}

// buildBinary builds the real authd binary into t's temp dir and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "authd")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// binaryCommand prepares bin with args in an empty working directory (no stray
// .env), with the process environment minus every AUTH_ variable, plus env.
func binaryCommand(t *testing.T, bin string, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AUTH_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}
