package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/cmd/authbench/internal/fakeauthd"
	"github.com/authd/authd/cmd/authbench/internal/loadgen"
)

// The whole command against the fake: table on stdout, JSON in the file, the
// server's peak RSS read from the given PID (this test's own process).
func TestRunWritesTableAndJSON(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(fakeauthd.New())
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "authbench.json")
	var stdout, stderr bytes.Buffer
	args := []string{"-url", srv.URL, "-c", "2", "-n", "30", "-scenario", "all", "-users", "3",
		"-pid", strconv.Itoa(os.Getpid()), "-json", out, "-ready-timeout", "2s"}
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("run(%q) = %v, want nil; stderr:\n%s", args, err, stderr.String())
	}
	for _, sc := range loadgen.AllScenarios {
		if !strings.Contains(stdout.String(), "\n"+string(sc)+" ") && !strings.Contains(stdout.String(), " "+string(sc)+" ") {
			t.Errorf("table lacks a %s row:\n%s", sc, stdout.String())
		}
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("reading -json file: %v", err)
	}
	var rep loadgen.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("-json file is not a report: %v", err)
	}
	if len(rep.Results) != 4 || rep.ServerPeakRSSMiB <= 0 || rep.RequestLimit != 30 || rep.DurationSeconds != 0 {
		t.Errorf("report: %d results, peak %v MiB, limit %d, duration %v; want 4, above 0, 30, 0 (-n alone bounds)",
			len(rep.Results), rep.ServerPeakRSSMiB, rep.RequestLimit, rep.DurationSeconds)
	}
	for _, s := range rep.Results {
		if s.Requests != 30 || s.Errors != 0 {
			t.Errorf("%s: requests, errors = %d, %d; want 30, 0", s.Scenario, s.Requests, s.Errors)
		}
	}
}

func TestRunJSONToStdout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(fakeauthd.New())
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-url", srv.URL, "-c", "1", "-n", "5", "-scenario", "me", "-json", "-"}, &stdout, &stderr); err != nil {
		t.Fatalf("run = %v, want nil", err)
	}
	var rep loadgen.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || len(rep.Results) != 1 {
		t.Errorf("stdout with -json - = %q (%v), want only the JSON report with 1 result", stdout.String(), err)
	}
	if !strings.Contains(stderr.String(), "req/s") {
		t.Errorf("stderr = %q, want the table there", stderr.String())
	}
}

func TestRunRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"remote host", []string{"-url", "http://10.1.2.3:8080"}, "not a loopback"},
		{"unknown scenario", []string{"-scenario", "logout"}, "unknown scenario"},
		{"no bound", []string{"-d", "0"}, "must end by itself"},
		{"stray argument", []string{"signup"}, "unexpected arguments"},
		{"bad timeout", []string{"-timeout", "0s"}, "-timeout"},
		{"gone server", []string{"-pid", "-7"}, "server pid -7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestFreePort(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"-free-port"}, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatalf("run(-free-port) = %v, want nil", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(stdout.String()))
	if err != nil || port < 1 || port > 65535 {
		t.Errorf("-free-port printed %q, want a port number", stdout.String())
	}
}

func TestParseFlagsDurationBound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		duration time.Duration
		requests int64
	}{
		{nil, 10 * time.Second, 0},
		{[]string{"-n", "100"}, 0, 100},
		{[]string{"-n", "100", "-d", "3s"}, 3 * time.Second, 100},
		{[]string{"-d", "1m"}, time.Minute, 0},
	}
	for _, tt := range tests {
		cfg, err := parseFlags(tt.args, &bytes.Buffer{})
		if err != nil || cfg.opts.Duration != tt.duration || cfg.opts.Requests != tt.requests {
			t.Errorf("parseFlags(%q) = duration %v, requests %d, %v; want %v, %d, nil", tt.args, cfg.opts.Duration, cfg.opts.Requests, err, tt.duration, tt.requests)
		}
	}
}
