package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	neturl "net/url"
	"sort"
	"strings"

	"github.com/authd/authd/adapters/archivefile"
	"github.com/authd/authd/app"
	"github.com/authd/authd/ports"
)

// The commands of ARCHITECTURE.md §13: authd export, import and copy move every
// account with what keeps it working between databases, through the JSON Lines
// archive of adapters/archivefile (export, import) or straight from one store
// into another (copy). They hold one batch of accounts at a time. This file has
// what the three share; export.go, import.go (and gotrue.go) and copy.go one each.

// archiver is a backend that reads and writes whole accounts (both stores are).
type archiver interface {
	ports.Backend
	Archive() ports.Archive
}

// defaultArchiveBatch is how many accounts are read or written at once.
const defaultArchiveBatch = 500

// moveFlags are the flags export, import and copy share.
type moveFlags struct {
	batch      int
	events     bool
	onConflict string
}

func (m *moveFlags) register(fs *flag.FlagSet, events, conflict bool) {
	fs.IntVar(&m.batch, "batch", defaultArchiveBatch, "accounts (or events) read and written at once")
	if events {
		fs.BoolVar(&m.events, "events", false, "move the audit log too")
	}
	if conflict {
		fs.StringVar(&m.onConflict, "on-conflict", "skip", "an account whose id, e-mail or username the target holds: skip it (reported), or fail (nothing of that batch is written)")
	}
}

func (m *moveFlags) check(name string) error {
	if m.batch < 1 || m.batch > 5000 {
		return usageError(fmt.Sprintf("%s: --batch must be 1 to 5000", name))
	}
	if m.onConflict != "" && m.onConflict != "skip" && m.onConflict != "fail" {
		return usageError(fmt.Sprintf("%s: --on-conflict must be skip or fail, not %q", name, m.onConflict))
	}
	return nil
}

// openArchiver opens the database url names, with cfg's pool settings, migrating
// it when asked.
func openArchiver(ctx context.Context, cfg Config, url string, migrate bool) (archiver, error) {
	cfg.DatabaseURL = bulkURL(url)
	b, err := openBackend(ctx, cfg, migrate)
	if err != nil {
		return nil, err
	}
	a, ok := b.(archiver)
	if !ok {
		_ = b.Close()
		return nil, fmt.Errorf("the %s backend cannot export accounts", cfg.Backend())
	}
	return a, nil
}

// bulkURL turns off pgx's per-connection statement cache for a PostgreSQL URL
// that does not choose a mode itself: every batch's multi-row INSERT is a new
// statement text, and caching (and preparing on the server) 512 of them per
// connection would grow memory with the number of batches, not the batch size.
func bulkURL(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return raw
	}
	q := u.Query()
	if q.Get("default_query_exec_mode") == "" {
		q.Set("default_query_exec_mode", "exec")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// newRestorer returns the batch writer into dst; skipped accounts are listed on
// stderr, one line each.
func newRestorer(dst archiver, m *moveFlags, stderr io.Writer) *app.Restorer {
	return &app.Restorer{Archive: dst.Archive(), Events: dst.Events(), Batch: m.batch, Skip: m.onConflict != "fail",
		OnConflict: func(id string) {
			fmt.Fprintf(stderr, "authd: account %s: its id, e-mail or username exists in the target; %s\n", id,
				map[bool]string{true: "skipped", false: "nothing of its batch was written"}[m.onConflict != "fail"])
		}}
}

// merge returns a with b's counts added.
func merge(a map[string]int64, b archivefile.Counts) archivefile.Counts {
	out := archivefile.Counts{}
	for k, n := range a {
		out[k] += n
	}
	for k, n := range b {
		out[k] += n
	}
	return out
}

// formatCounts is the closing line: every kind with its count, in a fixed order.
func formatCounts(c archivefile.Counts, conflicts int64) string {
	order := []string{archivefile.KindSecret, archivefile.KindUser, archivefile.KindFactor, archivefile.KindRecoveryCodes,
		archivefile.KindPasskey, archivefile.KindSession, archivefile.KindToken, archivefile.KindIdentity, archivefile.KindEvent}
	var parts []string
	seen := map[string]bool{}
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%s=%d", k, c[k]))
		seen[k] = true
	}
	var rest []string
	for k := range c {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		parts = append(parts, fmt.Sprintf("%s=%d", k, c[k]))
	}
	parts = append(parts, fmt.Sprintf("skipped=%d", conflicts))
	return strings.Join(parts, " ")
}
