package dynamostore_test

import (
	"testing"

	"github.com/authd/authd/adapters/dynamostore"
	"github.com/authd/authd/adapters/storetest"
)

// BenchmarkStore runs the shared store benchmarks against the test DynamoDB
// (AUTH_TEST_DYNAMODB_URL or a container), skipping without one. Against DynamoDB
// Local they measure the adapter and the emulator, not the AWS service.
func BenchmarkStore(b *testing.B) {
	b.Run("dynamodb", func(b *testing.B) {
		s, _ := openStore(b, dynamostore.Options{})
		storetest.Bench(b, s)
	})
}
