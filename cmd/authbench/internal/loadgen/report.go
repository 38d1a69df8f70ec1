package loadgen

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// topErrors is how many error kinds the table lists per scenario.
const topErrors = 5

// Report is one benchmark run: how it was driven and what each scenario measured.
// Its JSON form is what -json writes.
type Report struct {
	URL         string    `json:"url"`
	StartedAt   time.Time `json:"started_at"`
	Concurrency int       `json:"concurrency"`
	// DurationSeconds is the time bound per scenario, 0 when only a count bound was set.
	DurationSeconds float64 `json:"duration_seconds"`
	// RequestLimit is the count bound per scenario, 0 when only a time bound was set.
	RequestLimit int64 `json:"request_limit"`
	Users        int   `json:"users"`
	ServerPID    int   `json:"server_pid,omitempty"`
	// ServerPeakRSSMiB is the server's VmHWM after the run: its peak resident set over
	// its whole life, setup and every scenario included (or the highest VmRSS
	// sample, when the kernel's lazily updated VmHWM is a little below it).
	ServerPeakRSSMiB float64   `json:"server_peak_rss_mib,omitempty"`
	Results          []Summary `json:"results"`
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, rep Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// WriteTable writes the human-readable form: one row per scenario, then the most
// frequent errors of each scenario that had any, then the server's peak RSS.
func WriteTable(w io.Writer, rep Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\trequests\terrors\treq/s\tp50 ms\tp99 ms\tmax ms\tpeak RSS MiB\t")
	for _, s := range rep.Results {
		rss := "-"
		if s.PeakRSSMiB > 0 {
			rss = strconv.FormatFloat(s.PeakRSSMiB, 'f', 1, 64)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%s\t\n",
			s.Scenario, s.Requests, s.Errors, s.ReqPerSec, s.P50Ms, s.P99Ms, s.MaxMs, rss)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range rep.Results {
		if s.Health != nil {
			if _, err := fmt.Fprintf(w, "%s: %d ok; slowest answer of any kind %.0f ms; /healthz %d checks, %d failed, slowest %.0f ms\n",
				s.Scenario, s.Requests-s.Errors, s.MaxAnyMs, s.Health.Checks, s.Health.Failed, s.Health.MaxMs); err != nil {
				return err
			}
		}
	}
	for _, s := range rep.Results {
		if len(s.ErrorsByStatus) == 0 {
			continue
		}
		var parts []string
		for _, e := range s.ErrorsByStatus[:min(topErrors, len(s.ErrorsByStatus))] {
			parts = append(parts, fmt.Sprintf("%s ×%d", ErrorLabel(e), e.Count))
		}
		if more := len(s.ErrorsByStatus) - topErrors; more > 0 {
			parts = append(parts, fmt.Sprintf("%d more kinds", more))
		}
		if _, err := fmt.Fprintf(w, "%s errors: %s\n", s.Scenario, strings.Join(parts, ", ")); err != nil {
			return err
		}
	}
	if rep.ServerPeakRSSMiB > 0 {
		_, err := fmt.Fprintf(w, "server pid %d peak RSS (VmHWM, whole life): %.1f MiB\n", rep.ServerPID, rep.ServerPeakRSSMiB)
		return err
	}
	return nil
}

// ErrorLabel renders an error kind: "429 rate_limited", or "no response (timeout)"
// for a transport error.
func ErrorLabel(e StatusCount) string {
	switch {
	case e.Status == 0:
		return "no response (" + e.Code + ")"
	case e.Code == "":
		return strconv.Itoa(e.Status)
	default:
		return strconv.Itoa(e.Status) + " " + e.Code
	}
}
