package dynamostore_test

import (
	"testing"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/storetest"
	"github.com/authd/authd/ports"
)

// TestContract runs the store contract suite, unchanged, against DynamoDB.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) ports.Backend { return backendtest.Open(t, "dynamodb") })
}
