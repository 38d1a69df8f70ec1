package storetest

import (
	"context"
	"testing"

	"github.com/authd/authd/ports"
)

// testBackend checks the backend's own methods: Ping on a reachable database and
// Close on one opened for the test alone.
func testBackend(t *testing.T, b ports.Backend, open func(t *testing.T) ports.Backend) {
	t.Run("Ping", func(t *testing.T) {
		t.Parallel()
		if err := b.Ping(context.Background()); err != nil {
			t.Errorf("Ping on a live backend = %v, want nil", err)
		}
	})

	t.Run("Close", func(t *testing.T) {
		t.Parallel()
		private := open(t)
		if err := private.Ping(context.Background()); err != nil {
			t.Fatalf("Ping before Close = %v, want nil", err)
		}
		if err := private.Close(); err != nil {
			t.Errorf("Close = %v, want nil", err)
		}
	})
}
