package sqlstore_test

import (
	"testing"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/storetest"
	"github.com/authd/authd/ports"
)

// sqlBackends are the backends this package implements.
var sqlBackends = []string{"sqlite", "postgres", "mysql"}

// TestContract runs the store contract suite on every SQL dialect, each on fresh
// databases from backendtest.
func TestContract(t *testing.T) {
	for _, name := range sqlBackends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) ports.Backend { return backendtest.Open(t, name) })
		})
	}
}
