package sqlstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/sqlstore"
	"github.com/authd/authd/domain"
)

// TestSQLiteWriteWaitIsBounded holds SQLite's write lock with a transaction that
// does not finish (an Update whose change function blocks) and starts another write
// with a short context. Waiting in this process's writer queue (same Store) ends
// with the context, which is what lets AUTH_DB_TIMEOUT bound SQLite calls. Waiting
// for a lock another process holds (another Store on the file) happens inside
// SQLite's busy handler, which the driver's interrupt does not cut short: there the
// busy timeout is the bound (10 s, or the URL's _busy_timeout), so the README tells
// multi-process deployments to keep it at most AUTH_DB_TIMEOUT.
func TestSQLiteWriteWaitIsBounded(t *testing.T) {
	t.Parallel()
	const wait = 200 * time.Millisecond
	for _, tt := range []struct {
		name      string
		sameStore bool
		query     string
		bound     time.Duration
	}{
		{name: "queued behind a writer of this process", sameStore: true, bound: wait},
		{name: "locked by another connection pool", query: "?_busy_timeout=600", bound: 600 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := "sqlite://" + filepath.Join(t.TempDir(), "wait.db") + tt.query
			holder := openSQLite(t, url)
			if err := holder.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			waiter := holder
			if !tt.sameStore {
				waiter = openSQLite(t, url)
			}
			u := testUser(t)
			if err := holder.Users().Create(ctx, u, domain.Effects{}); err != nil {
				t.Fatalf("Create: %v", err)
			}

			inside, release := make(chan struct{}), make(chan struct{})
			var releaseOnce sync.Once
			releaseHolder := func() { releaseOnce.Do(func() { close(release) }) }
			// Should the wait ignore its context, the holder lets go later, so that
			// the test fails on the time taken instead of hanging.
			defer time.AfterFunc(tt.bound+3*time.Second, releaseHolder).Stop()
			held := make(chan error, 1)
			go func() {
				_, err := holder.Users().Update(ctx, u.ID, func(*domain.User) (domain.Effects, error) {
					close(inside)
					<-release
					return domain.Effects{}, nil
				})
				held <- err
			}()
			<-inside

			wctx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			start := time.Now()
			err := waiter.Users().Create(wctx, testUser(t), domain.Effects{})
			took := time.Since(start)
			releaseHolder()
			if err == nil {
				t.Fatalf("a write while the lock was held succeeded, want it to give up")
			}
			if took > tt.bound+time.Second {
				t.Errorf("the waiting write returned after %v, want about %v", took, tt.bound)
			}
			if code := domain.ErrorCode(err); code != domain.CodeUnavailable {
				t.Errorf("code %q (%v), want %q", code, err, domain.CodeUnavailable)
			}
			if err := <-held; err != nil {
				t.Errorf("the holding Update: %v", err)
			}
		})
	}
}

func openSQLite(t *testing.T, url string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), url, sqlstore.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
