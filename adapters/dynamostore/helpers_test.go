package dynamostore_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/dynamostore"
	"github.com/authd/authd/domain"
)

// openStore returns a migrated store on a fresh table of the test DynamoDB, with
// opts (fault injection), and the table's URL.
func openStore(t testing.TB, opts dynamostore.Options) (*dynamostore.Store, string) {
	t.Helper()
	url := backendtest.URL(t, "dynamodb")
	s, err := dynamostore.Open(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("Open(%q) error = %v, want nil", url, err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate() error = %v, want nil", err)
	}
	return s, url
}

// newUser returns a valid pending user with the given id suffix, e-mail and username.
func newUser(t testing.TB, email, username string) *domain.User {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Millisecond)
	id, err := domain.NewID(now, randReader{})
	if err != nil {
		t.Fatalf("NewID: %v", err)
	}
	return &domain.User{
		ID: id, Email: email, Username: username, Role: domain.RoleUser,
		Status: domain.StatusPending, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		CreatedAt: now, UpdatedAt: now,
	}
}

// wantCode fails t unless err carries code.
func wantCode(t testing.TB, what string, err error, code domain.Code) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("%s: error code = %q (%v), want %q", what, got, err, code)
	}
}

type randReader struct{}

func (randReader) Read(p []byte) (int, error) { return rand.Read(p) }
