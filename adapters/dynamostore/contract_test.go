package dynamostore_test

import (
	"testing"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/storetest"
	"github.com/authd/authd/ports"
)

// TestContract runs the store contract suite, unchanged, against DynamoDB. The
// subtest carries the backend's name, like the SQL stores' runs, so CI's per-backend
// summary lists it.
func TestContract(t *testing.T) {
	t.Run("dynamodb", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) ports.Backend { return backendtest.Open(t, "dynamodb") })
	})
}
