package sqlstore_test

import (
	"testing"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/storetest"
)

// BenchmarkStore runs the shared store benchmarks on each SQL backend. Backends
// without a server are skipped (or fail under AUTH_TEST_REQUIRE_ALL=1).
func BenchmarkStore(b *testing.B) {
	for _, name := range sqlBackends {
		b.Run(name, func(b *testing.B) { storetest.Bench(b, backendtest.Open(b, name)) })
	}
}
