package loadgen_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/cmd/authbench/internal/loadgen"
)

func sampleReport() loadgen.Report {
	rec := loadgen.NewRecorder(0)
	for i := 1; i <= 100; i++ {
		rec.Record(loadgen.Outcome{OK: true, Status: 200, Latency: time.Duration(i) * time.Millisecond})
	}
	for range 3 {
		rec.Record(loadgen.Outcome{Status: 429, Code: "rate_limited"})
	}
	rec.Record(loadgen.Outcome{Code: "timeout"})
	login := rec.Summarize("login", 4*time.Second)
	login.PeakRSSMiB = 61.5
	me := loadgen.NewRecorder(0).Summarize("me", time.Second)
	return loadgen.Report{URL: "http://127.0.0.1:8080", Concurrency: 16, DurationSeconds: 10,
		Users: 16, ServerPID: 4242, ServerPeakRSSMiB: 80.2, Results: []loadgen.Summary{login, me}}
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := loadgen.WriteTable(&buf, sampleReport()); err != nil {
		t.Fatalf("WriteTable = %v, want nil", err)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	want := [][]string{
		{"scenario", "requests", "errors", "req/s", "p50", "ms", "p99", "ms", "max", "ms", "peak", "RSS", "MiB"},
		{"login", "104", "4", "25.0", "50.00", "99.00", "100.00", "61.5"},
		{"me", "0", "0", "0.0", "0.00", "0.00", "0.00", "-"},
		{"login", "errors:", "429", "rate_limited", "×3,", "no", "response", "(timeout)", "×1"},
		{"server", "pid", "4242", "peak", "RSS", "(VmHWM,", "whole", "life):", "80.2", "MiB"},
	}
	if len(lines) != len(want) {
		t.Fatalf("table has %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("line %d = %q, want fields %q", i, lines[i], w)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := loadgen.WriteJSON(&buf, sampleReport()); err != nil {
		t.Fatalf("WriteJSON = %v, want nil", err)
	}
	var got struct {
		Concurrency      int     `json:"concurrency"`
		ServerPeakRSSMiB float64 `json:"server_peak_rss_mib"`
		Results          []map[string]any
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, buf.String())
	}
	if got.Concurrency != 16 || got.ServerPeakRSSMiB != 80.2 || len(got.Results) != 2 {
		t.Fatalf("concurrency, peak, results = %d, %v, %d; want 16, 80.2, 2", got.Concurrency, got.ServerPeakRSSMiB, len(got.Results))
	}
	login := got.Results[0]
	for key, want := range map[string]any{"scenario": "login", "requests": 104.0, "errors": 4.0, "req_per_sec": 25.0,
		"p50_ms": 50.0, "p99_ms": 99.0, "max_ms": 100.0, "peak_rss_mib": 61.5, "elapsed_seconds": 4.0} {
		if login[key] != want {
			t.Errorf("results[0].%s = %v, want %v", key, login[key], want)
		}
	}
	errs, _ := login["errors_by_status"].([]any)
	if len(errs) != 2 {
		t.Fatalf("errors_by_status = %v, want 2 entries", login["errors_by_status"])
	}
	if first, _ := errs[0].(map[string]any); first["status"] != 429.0 || first["code"] != "rate_limited" || first["count"] != 3.0 {
		t.Errorf("errors_by_status[0] = %v, want status 429, code rate_limited, count 3", first)
	}
}

func TestErrorLabel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   loadgen.StatusCount
		want string
	}{
		{loadgen.StatusCount{Status: 429, Code: "rate_limited"}, "429 rate_limited"},
		{loadgen.StatusCount{Status: 502}, "502"},
		{loadgen.StatusCount{Code: "connection"}, "no response (connection)"},
	} {
		if got := loadgen.ErrorLabel(tt.in); got != tt.want {
			t.Errorf("ErrorLabel(%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
