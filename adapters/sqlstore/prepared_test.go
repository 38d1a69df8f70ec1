package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/authd/authd/adapters/sqlstore"
	"github.com/authd/authd/domain"
)

// TestPreparedStatementsSurviveAFailedPrepare: the hot statements are prepared on
// first use. A use before Migrate fails (there is no table to prepare against);
// that failure must not stick, or the store would answer errors for its whole life
// after one early request.
func TestPreparedStatementsSurviveAFailedPrepare(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "early.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Sessions().ByID(ctx, "no-such-session"); err == nil {
		t.Fatalf("Sessions().ByID before Migrate = nil error, want one (no table yet)")
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	_, err = s.Sessions().ByID(ctx, "no-such-session")
	if got := domain.ErrorCode(err); got != domain.CodeNotFound {
		t.Errorf("Sessions().ByID after Migrate: code %q (%v), want %q", got, err, domain.CodeNotFound)
	}
	u := testUser(t)
	if err := s.Users().Create(ctx, u, domain.Effects{}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	for range 2 { // the second use runs the statement prepared by the first
		got, err := s.Users().ByEmail(ctx, u.Email)
		if err != nil || got.ID != u.ID {
			t.Errorf("Users().ByEmail = %v, %v; want user %s", got, err, u.ID)
		}
	}
}
