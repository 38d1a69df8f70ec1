package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/sqlstore"
	"github.com/authd/authd/domain"
)

// BenchmarkPurgeDuringRefresh measures, on a SQLite file, what a purge pass does to
// refreshes running at the same time: 16 goroutines rotate their own sessions one
// after another (SessionStore.Rotate, the refresh path's write) while the table
// holds AUTH_BENCH_PURGE_SESSIONS sessions, 12 % of them expired. Per round it
// reports the p99 of Rotate over 2 s without a purge and over the refreshes that
// overlapped a purge pass, for the purge before batching (one DELETE per table, no
// index on expires_at) and now (batches of 500 by the index), alternating; the
// expired rows are seeded again before each pass. It skips unless
// AUTH_BENCH_PURGE_SESSIONS is set (the README has the command), so that
// `make bench` stays short; AUTH_BENCH_PURGE_ROUNDS sets the rounds (default 3).
func BenchmarkPurgeDuringRefresh(b *testing.B) {
	total := envInt(b, "AUTH_BENCH_PURGE_SESSIONS", 0)
	if total == 0 {
		b.Skip("set AUTH_BENCH_PURGE_SESSIONS (e.g. 200000) to run the purge benchmark")
	}
	rounds := envInt(b, "AUTH_BENCH_PURGE_ROUNDS", 3)
	expired := total * 12 / 100
	ctx := context.Background()
	now := time.Now().UTC()

	type variant struct {
		name  string
		store *sqlstore.Store
		purge func(*sqlstore.Store, context.Context, time.Time) (int64, error)
	}
	variants := []*variant{
		{name: "before", purge: sqlstore.PurgeUnbatched},
		{name: "after", purge: func(s *sqlstore.Store, ctx context.Context, now time.Time) (int64, error) {
			return s.PurgeExpired(ctx, now)
		}},
	}
	workers := make(map[string][]string)
	for _, v := range variants {
		s, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "authd.db"), sqlstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		if err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if v.name == "before" {
			for _, ix := range []string{"sessions_expires_at_idx", "one_time_tokens_expires_at_idx"} {
				if _, err := sqlstore.DB(s).ExecContext(ctx, "DROP INDEX "+ix); err != nil {
					b.Fatal(err)
				}
			}
		}
		v.store = s
		u := testUser(b)
		if err := s.Users().Create(ctx, u, domain.Effects{}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		seedSessions(b, s, u.ID, "live", total-expired, now.Add(30*24*time.Hour))
		seedSessions(b, s, u.ID, "expired-0", expired, now.Add(-time.Hour))
		for i := range 16 {
			id := fmt.Sprintf("worker-%02d", i)
			sess := &domain.Session{ID: id, UserID: u.ID, RotatedAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
			if err := s.Sessions().Create(ctx, sess, domain.Effects{}); err != nil {
				b.Fatal(err)
			}
			workers[v.name] = append(workers[v.name], id)
		}
		b.Logf("%s: seeded %d sessions (%d expired) in %v", v.name, total, expired, time.Since(start).Round(time.Millisecond))
	}

	counters := make(map[string][]uint64)
	ratios := make(map[string][]float64)
	b.ResetTimer()
	for round := range rounds {
		for _, v := range variants {
			if round > 0 {
				seedSessions(b, v.store, userOf(b, v.store), fmt.Sprintf("expired-%d", round), expired, now.Add(-time.Hour))
			}
			if counters[v.name] == nil {
				counters[v.name] = make([]uint64, 16)
			}
			calm := rotateLoad(b, v.store, workers[v.name], counters[v.name], 2*time.Second, nil)
			var took time.Duration
			var from, to time.Time
			busy := rotateLoad(b, v.store, workers[v.name], counters[v.name], 0, func() {
				time.Sleep(300 * time.Millisecond)
				from = time.Now()
				n, err := v.purge(v.store, ctx, now)
				to = time.Now()
				took = to.Sub(from)
				if err != nil || n != int64(expired) {
					b.Errorf("%s purge = %d, %v; want %d, nil", v.name, n, err, expired)
				}
				time.Sleep(300 * time.Millisecond)
			})
			var during []time.Duration
			for _, s := range busy {
				if s.start.Before(to) && s.end.After(from) {
					during = append(during, s.end.Sub(s.start))
				}
			}
			calmP99, busyP99 := p99(durations(calm)), p99(during)
			ratio := float64(busyP99) / float64(calmP99)
			ratios[v.name] = append(ratios[v.name], ratio)
			b.Logf("round %d %-6s: p99 without purge %6.2f ms (%d rotations); during the purge %7.2f ms (%d rotations, max %7.2f ms); ×%.2f; purge of %d rows took %v",
				round+1, v.name, ms(calmP99), len(calm), ms(busyP99), len(during), ms(slices.Max(append(during, 0))), ratio, expired, took.Round(time.Millisecond))
		}
	}
	for _, v := range variants {
		b.ReportMetric(median(ratios[v.name]), "p99-ratio-"+v.name)
	}
}

// sample is one Rotate call's start and end.
type sample struct{ start, end time.Time }

// rotateLoad runs 16 goroutines, each rotating its own session one call after
// another, for d, or until during (if not nil) returns, and returns every call.
func rotateLoad(b *testing.B, s *sqlstore.Store, ids []string, counters []uint64, d time.Duration, during func()) []sample {
	b.Helper()
	ctx := context.Background()
	stop := make(chan struct{})
	var mu sync.Mutex
	var all []sample
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []sample
			for {
				select {
				case <-stop:
					mu.Lock()
					all = append(all, mine...)
					mu.Unlock()
					return
				default:
				}
				start := time.Now()
				if err := s.Sessions().Rotate(ctx, id, counters[i], start); err != nil {
					b.Errorf("Rotate %s from %d: %v", id, counters[i], err)
				}
				counters[i]++
				mine = append(mine, sample{start, time.Now()})
			}
		}()
	}
	if during != nil {
		during()
	} else {
		time.Sleep(d)
	}
	close(stop)
	wg.Wait()
	return all
}

// seedSessions inserts n sessions of user expiring around expires (a microsecond
// apart), 500 rows per INSERT, in one transaction.
func seedSessions(b *testing.B, s *sqlstore.Store, user, prefix string, n int, expires time.Time) {
	b.Helper()
	ctx := context.Background()
	tx, err := sqlstore.DB(s).BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	const per = 500
	for i := 0; i < n; i += per {
		var sb strings.Builder
		sb.WriteString("INSERT INTO sessions (id, user_id, counter, rotated_at, created_at, expires_at, user_agent, ip) VALUES ")
		var args []any
		for j := i; j < min(i+per, n); j++ {
			if j > i {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, 0, ?, ?, ?, 'bench', '127.0.0.1')")
			at := expires.Add(time.Duration(j) * time.Microsecond)
			args = append(args, fmt.Sprintf("%s-%09d", prefix, j), user, at.Add(-time.Hour), at.Add(-time.Hour), at)
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// userOf returns the id of the benchmark's one user.
func userOf(b *testing.B, s *sqlstore.Store) string {
	b.Helper()
	var id string
	if err := sqlstore.DB(s).QueryRowContext(context.Background(), "SELECT id FROM users LIMIT 1").Scan(&id); err != nil {
		b.Fatal(err)
	}
	return id
}

// envInt reads a non-negative integer from the environment, or def.
func envInt(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		b.Fatalf("%s=%q: want a non-negative integer", name, v)
	}
	return n
}

func durations(ss []sample) []time.Duration {
	d := make([]time.Duration, len(ss))
	for i, s := range ss {
		d[i] = s.end.Sub(s.start)
	}
	return d
}

// p99 is the nearest-rank 99th percentile (0 for no samples).
func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	slices.Sort(d)
	return d[(len(d)*99+99)/100-1]
}

func median(x []float64) float64 {
	x = slices.Clone(x)
	slices.Sort(x)
	if len(x) == 0 {
		return 0
	}
	return x[len(x)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
