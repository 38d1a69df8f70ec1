// Package backendtest gives tests a fresh database of every backend authd supports,
// so that one suite (the store contract, the HTTP suite, the end-to-end flow) runs
// unchanged against SQLite, PostgreSQL, MySQL and DynamoDB.
//
// Each backend registers a Provider from its own file. A provider finds its server
// from AUTH_TEST_<NAME>_URL, else through testcontainers-go, else skips the test with
// the reason — or fails it when AUTH_TEST_REQUIRE_ALL=1, so a CI run can never pass
// with a backend silently missing.
package backendtest

import (
	"context"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/authd/authd/ports"
)

// Provider makes fresh databases of one backend.
type Provider struct {
	// Name is the backend's name: sqlite, postgres, mysql, dynamodb.
	Name string
	// URL returns the AUTH_DATABASE_URL of a fresh, empty database (or table) that is
	// dropped when t's test ends. It skips or fails t through Unavailable when the
	// backend's server cannot be had.
	URL func(t testing.TB) string
	// Open opens the backend at url and migrates its schema.
	Open func(ctx context.Context, url string) (ports.Backend, error)
	// Via says, once URL has returned, how the server was reached: "url
	// AUTH_TEST_POSTGRES_URL", "container postgres:15-alpine", "in-process". The
	// report records it, so a run shows which backends went through containers.
	Via func() string
}

var (
	mu        sync.Mutex
	providers = map[string]Provider{}
)

// Register adds a provider; each backend's file calls it from init. A test that
// gets a database from it is recorded as having run the backend, and how (see
// ReportDirEnv).
func Register(p Provider) {
	mu.Lock()
	defer mu.Unlock()
	fresh := p.URL
	p.URL = func(t testing.TB) string {
		t.Helper()
		u := fresh(t) // does not return when the backend is skipped
		via := ""
		if p.Via != nil {
			via = p.Via()
		}
		record(p.Name, outcomeRan, via)
		return u
	}
	providers[p.Name] = p
}

// Names returns the backends to test: AUTH_TEST_BACKENDS (comma-separated) when set,
// else every registered one, sorted.
func Names() []string {
	mu.Lock()
	defer mu.Unlock()
	if v := strings.TrimSpace(os.Getenv("AUTH_TEST_BACKENDS")); v != "" {
		var out []string
		chosen := map[string]bool{}
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, n)
				chosen[n] = true
			}
		}
		for n := range providers {
			if !chosen[n] {
				record(n, outcomeSkipped, "not in AUTH_TEST_BACKENDS="+v)
			}
		}
		return out
	}
	out := make([]string, 0, len(providers))
	for n := range providers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Get returns the named provider; it fails t if none is registered.
func Get(t testing.TB, name string) Provider {
	t.Helper()
	mu.Lock()
	p, ok := providers[name]
	mu.Unlock()
	if !ok {
		t.Fatalf("backendtest: no provider named %q", name)
	}
	return p
}

// URL returns the URL of a fresh database of the named backend.
func URL(t testing.TB, name string) string {
	t.Helper()
	return Get(t, name).URL(t)
}

// Open returns a fresh, migrated backend of the given name, closed when t ends.
func Open(t testing.TB, name string) ports.Backend {
	t.Helper()
	p := Get(t, name)
	url := p.URL(t)
	b, err := p.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("backendtest: open %s: %v", name, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// Each runs fn as a subtest per backend from Names, each with its own fresh backend.
func Each(t *testing.T, fn func(t *testing.T, name string)) {
	t.Helper()
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) { fn(t, name) })
	}
}

// RequireAll reports whether AUTH_TEST_REQUIRE_ALL asks that no backend be skipped.
func RequireAll() bool {
	v := os.Getenv("AUTH_TEST_REQUIRE_ALL")
	return v == "1" || strings.EqualFold(v, "true")
}

// Unavailable skips t, saying which backend is missing and why — or fails it under
// AUTH_TEST_REQUIRE_ALL=1.
func Unavailable(t testing.TB, backend, why string) {
	t.Helper()
	if RequireAll() {
		record(backend, outcomeFailed, why)
		t.Fatalf("backend %s unavailable and AUTH_TEST_REQUIRE_ALL=1: %s", backend, why)
	}
	record(backend, outcomeSkipped, why)
	t.Skipf("skipping backend %s: %s", backend, why)
}

// migratable is a backend that creates or upgrades its own schema.
type migratable interface {
	ports.Backend
	Migrate(ctx context.Context) error
}

// migrated finishes opening a backend: it passes on an open error, else migrates b
// and closes it again if that fails.
func migrated[B migratable](ctx context.Context, b B, err error) (ports.Backend, error) {
	if err != nil {
		return nil, err
	}
	if err := b.Migrate(ctx); err != nil {
		_ = b.Close()
		return nil, err
	}
	return b, nil
}
