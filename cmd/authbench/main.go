// Command authbench drives a running authd over HTTP — sign-up, login, refresh and
// me — at a fixed concurrency for a bounded time or request count, and reports
// requests, errors, requests per second, p50/p99/max latency and the server's peak
// resident memory, as a table and as JSON (ARCHITECTURE.md §7).
//
// It refuses any target that is not a loopback address unless -allow-remote is
// given: load is only ever aimed at the machine it runs on by default.
//
// Usage:
//
//	authbench [-url http://127.0.0.1:8080] [-c 16] [-d 10s] [-n 0] [-scenario all]
//	          [-users 0] [-pid PID] [-json FILE|-] [-ready-timeout 0] [-timeout 10s]
//	          [-allow-remote] [-max-samples 1000000] [-health-interval 0]
//	          [-honor-retry-after]
//	authbench -free-port
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/authd/authd/cmd/authbench/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "authbench:", err)
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	url          string
	opts         loadgen.Options
	scenarios    []loadgen.Scenario
	jsonOut      string
	allowRemote  bool
	timeout      time.Duration
	readyTimeout time.Duration
	freePort     bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("authbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "authbench drives a running authd (loopback only) and reports req/s, latency, errors and server RSS.")
		fmt.Fprintln(fs.Output(), "Usage: authbench [flags]   |   authbench -free-port")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "base URL of the authd under test (loopback only unless -allow-remote)")
	fs.IntVar(&c.opts.Concurrency, "c", 16, "concurrency: workers, each with one request in flight")
	fs.DurationVar(&c.opts.Duration, "d", 10*time.Second, "duration of each scenario (0: bounded by -n only; when -n is given and -d is not, -n alone bounds)")
	fs.Int64Var(&c.opts.Requests, "n", 0, "measured requests per scenario (0: bounded by -d only)")
	scenario := fs.String("scenario", "all", "signup, login, refresh, me, a comma-separated list, or all")
	fs.IntVar(&c.opts.Users, "users", 0, "accounts signed up before login/refresh/me (0: one per worker)")
	fs.IntVar(&c.opts.PID, "pid", 0, "PID of the server, to sample its VmRSS during and read its VmHWM after the run")
	fs.StringVar(&c.jsonOut, "json", "", "also write the results as JSON to this file (- for stdout; the table then goes to stderr)")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a target that is not a loopback address")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "timeout of each request")
	fs.DurationVar(&c.readyTimeout, "ready-timeout", 0, "first wait up to this long for GET /readyz to answer 200 (0: do not wait)")
	fs.DurationVar(&c.opts.HealthInterval, "health-interval", 0, "ask GET /healthz this often during each scenario and report the answers (0: do not)")
	fs.BoolVar(&c.opts.HonorRetryAfter, "honor-retry-after", false, "after a 429 or 503 with Retry-After, a worker waits that long before its next request")
	fs.IntVar(&c.opts.MaxSamples, "max-samples", loadgen.DefaultMaxSamples, "latency samples kept per scenario (a uniform reservoir beyond that)")
	fs.BoolVar(&c.freePort, "free-port", false, "print a free TCP port on 127.0.0.1 and exit (for scripts)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	durationSet := false
	fs.Visit(func(f *flag.Flag) { durationSet = durationSet || f.Name == "d" })
	if c.opts.Requests > 0 && !durationSet {
		c.opts.Duration = 0
	}
	if c.timeout <= 0 {
		return c, errors.New("-timeout must be positive")
	}
	var err error
	c.scenarios, err = loadgen.ParseScenarios(*scenario)
	return c, err
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.freePort {
		return printFreePort(stdout)
	}
	base, err := loadgen.CheckTarget(ctx, cfg.url, cfg.allowRemote)
	if err != nil {
		return err
	}
	if cfg.opts.PID != 0 {
		if _, err := loadgen.ReadMemory(cfg.opts.PID); err != nil {
			return err
		}
	}
	client := loadgen.NewClient(base, cfg.opts.Concurrency, cfg.timeout, cfg.allowRemote)
	defer client.Close()
	runner, err := loadgen.NewRunner(client, cfg.opts)
	if err != nil {
		return err
	}
	if cfg.readyTimeout > 0 {
		if err := loadgen.WaitReady(ctx, client, cfg.opts.PID, cfg.readyTimeout); err != nil {
			return err
		}
	}

	rep := loadgen.Report{
		URL:             base.String(),
		StartedAt:       time.Now().UTC().Truncate(time.Second),
		Concurrency:     cfg.opts.Concurrency,
		DurationSeconds: cfg.opts.Duration.Seconds(),
		RequestLimit:    cfg.opts.Requests,
		Users:           cfg.opts.Users,
		ServerPID:       cfg.opts.PID,
	}
	if rep.Users == 0 {
		rep.Users = cfg.opts.Concurrency
	}
	var runErr error
	for _, sc := range cfg.scenarios {
		fmt.Fprintf(stderr, "authbench: %s: %d workers, %s\n", sc, cfg.opts.Concurrency, bound(cfg.opts))
		s, err := runner.Run(ctx, sc)
		if s.Requests > 0 || err == nil {
			rep.Results = append(rep.Results, s)
		}
		if err != nil {
			runErr = fmt.Errorf("%s: %w", sc, err)
			break
		}
	}
	if cfg.opts.PID != 0 {
		if m, err := loadgen.ReadMemory(cfg.opts.PID); err == nil {
			// The kernel folds per-thread RSS counters into VmHWM lazily, so a
			// sample taken during the run can exceed it by a little; report the larger.
			rep.ServerPeakRSSMiB = loadgen.MiB(m.HWM)
			for _, s := range rep.Results {
				rep.ServerPeakRSSMiB = max(rep.ServerPeakRSSMiB, s.PeakRSSMiB)
			}
		} else if runErr == nil {
			runErr = err
		}
	}
	return errors.Join(runErr, writeOutputs(rep, cfg.jsonOut, stdout, stderr))
}

// writeOutputs prints the table and, when asked, the JSON, keeping stdout
// machine-readable when the JSON goes there.
func writeOutputs(rep loadgen.Report, jsonOut string, stdout, stderr io.Writer) error {
	if len(rep.Results) == 0 {
		return nil
	}
	table := stdout
	if jsonOut == "-" {
		table = stderr
	}
	if err := loadgen.WriteTable(table, rep); err != nil {
		return err
	}
	switch jsonOut {
	case "":
		return nil
	case "-":
		return loadgen.WriteJSON(stdout, rep)
	}
	f, err := os.Create(jsonOut)
	if err != nil {
		return err
	}
	if err := loadgen.WriteJSON(f, rep); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func bound(o loadgen.Options) string {
	switch {
	case o.Duration > 0 && o.Requests > 0:
		return fmt.Sprintf("%s or %d requests", o.Duration, o.Requests)
	case o.Duration > 0:
		return o.Duration.String()
	default:
		return fmt.Sprintf("%d requests", o.Requests)
	}
}

// printFreePort asks the kernel for a free loopback port. Another process could
// take it before the caller binds it; for a benchmark script that window is
// acceptable, and it needs no tool beyond this binary.
func printFreePort(w io.Writer) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, port)
	return err
}
