package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/sqlstore"
	"github.com/authd/authd/domain"
)

// TestSQLiteConcurrentWriters runs 50 goroutines that each write through every
// kind of transaction on one file-backed SQLite database. SQLite allows one writer
// at a time; the busy timeout and immediate transactions must make them queue, so
// that no caller ever sees "database is locked".
func TestSQLiteConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "writers.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}

	const writers = 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	start := make(chan struct{})
	for range writers {
		u := testUser(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- writeEverything(ctx, s, u)
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("writer failed: %v", err)
		}
	}
	page, err := s.Users().List(ctx, "", 100)
	if err != nil || len(page) != writers {
		t.Fatalf("List after the writers = %d users, %v; want %d", len(page), err, writers)
	}
}

// writeEverything creates a user and exercises each write path of the store once.
func writeEverything(ctx context.Context, s *sqlstore.Store, u *domain.User) error {
	now := time.Now()
	if err := s.Users().Create(ctx, u, domain.Effects{}); err != nil {
		return err
	}
	sess := &domain.Session{ID: u.ID, UserID: u.ID, RotatedAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.Sessions().Create(ctx, sess, domain.Effects{}); err != nil {
		return err
	}
	if err := s.Sessions().Rotate(ctx, sess.ID, 0, now); err != nil {
		return err
	}
	if _, err := s.Throttle().Reserve(ctx, u.ID, now, domain.Backoff{Threshold: 5, Base: time.Second, Max: time.Minute, Forget: time.Hour}); err != nil {
		return err
	}
	if _, err := s.Users().Update(ctx, u.ID, func(u *domain.User) (domain.Effects, error) { u.Name = "written"; return domain.Effects{}, nil }); err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(u.ID))
	tok := &domain.OneTimeToken{Hash: hex.EncodeToString(sum[:]), Kind: domain.TokenActivation, UserID: u.ID,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.Tokens().Create(ctx, tok, domain.Effects{}); err != nil {
		return err
	}
	if _, err := s.Tokens().ConsumeActivation(ctx, tok.Hash, now, domain.Effects{}); err != nil {
		return err
	}
	if err := s.Credentials().ChangePassword(ctx, u.ID, "new", sess.ID, now, domain.Effects{}); err != nil {
		return err
	}
	if _, err := s.Secrets().Secret(ctx, "shared", []byte(u.ID)); err != nil {
		return err
	}
	return nil
}

// TestSQLiteConcurrentFirstOpen opens one new SQLite file from several stores at
// once, as instances starting together on an empty volume do: the first connection
// turns the file to WAL, which briefly needs an exclusive lock that SQLite's busy
// handler does not wait for. Every Open must still succeed.
func TestSQLiteConcurrentFirstOpen(t *testing.T) {
	const rounds, openers = 20, 8
	for round := range rounds {
		url := "sqlite://" + filepath.Join(t.TempDir(), fmt.Sprintf("first-%d.db", round))
		errs := make(chan error, openers)
		for range openers {
			go func() {
				s, err := sqlstore.Open(context.Background(), url, sqlstore.Options{})
				if err == nil {
					err = s.Close()
				}
				errs <- err
			}()
		}
		for range openers {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: concurrent Open of a new file: %v, want nil", round, err)
			}
		}
	}
}
