package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/sqlstore"
	"github.com/authd/authd/domain"
)

// TestPurgeExpiredInBatches purges three batches' worth and more of expired
// sessions and tokens completely, and leaves the live ones, on every SQL backend.
func TestPurgeExpiredInBatches(t *testing.T) {
	const batch = 4
	const expired, live = 3*batch + 1, 3
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, name := range sqlBackends {
		t.Run(name, func(t *testing.T) {
			store, u := openWithUser(t, name)
			var liveIDs []string
			for i := range expired + live {
				if i >= expired {
					liveIDs = append(liveIDs, addSession(t, store, u.ID, now, now.Add(time.Hour)))
					continue
				}
				addSession(t, store, u.ID, now, now.Add(-time.Duration(i+1)*time.Minute))
			}
			// One batch and one more of expired tokens, each its own user's (a user
			// holds one token of a kind).
			for i := range batch + 1 {
				owner := testUser(t)
				if err := store.Users().Create(ctx, owner, domain.Effects{}); err != nil {
					t.Fatal(err)
				}
				tk := &domain.OneTimeToken{Hash: hexHash(byte(i)), Kind: domain.TokenActivation, UserID: owner.ID,
					CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Second)}
				if err := store.Tokens().Create(ctx, tk, domain.Effects{}); err != nil {
					t.Fatal(err)
				}
			}

			n, err := sqlstore.PurgeExpiredBatch(store, ctx, now, batch)
			if want := int64(expired + batch + 1); err != nil || n != want {
				t.Fatalf("PurgeExpired in batches of %d = %d, %v; want %d, nil", batch, n, err, want)
			}
			for table, want := range map[string]int{"sessions": live, "one_time_tokens": 0} {
				if got := countRows(t, store, table); got != want {
					t.Errorf("%s after purge: %d rows, want %d", table, got, want)
				}
			}
			for _, id := range liveIDs {
				if _, err := store.Sessions().ByID(ctx, id); err != nil {
					t.Errorf("live session %s after purge: %v, want it kept", id, err)
				}
			}
		})
	}
}

// TestPurgeExpiredStopsOnCancel returns the context's error, not a silent partial
// success, when ctx is done.
func TestPurgeExpiredStopsOnCancel(t *testing.T) {
	store := backendtest.Open(t, "sqlite").(*sqlstore.Store)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n, err := store.PurgeExpired(ctx, time.Now()); err == nil || n != 0 {
		t.Errorf("PurgeExpired on a cancelled context = %d, %v; want 0 and an error", n, err)
	}
}

// TestPurgeUsesIndex checks on every SQL backend that a purge batch with nothing
// due finds its rows through the expires_at index instead of reading the table
// whole. The tables hold a few live rows; on PostgreSQL, which would rightly scan
// so small a table sequentially, the test's connection sets enable_seqscan = off,
// so that the plan shows which index the statement can use.
func TestPurgeUsesIndex(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	for _, name := range sqlBackends {
		t.Run(name, func(t *testing.T) {
			store, u := openWithUser(t, name)
			for range 20 {
				addSession(t, store, u.ID, now, now.Add(time.Hour))
			}
			for i, kind := range []domain.TokenKind{domain.TokenActivation, domain.TokenPasswordReset} {
				tk := &domain.OneTimeToken{Hash: hexHash(byte(i)), Kind: kind, UserID: u.ID,
					CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
				if err := store.Tokens().Create(ctx, tk, domain.Effects{}); err != nil {
					t.Fatal(err)
				}
			}
			conn, err := sqlstore.DB(store).Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = conn.Close() }()
			if name == "postgres" {
				if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
					t.Fatal(err)
				}
			}
			for table, query := range sqlstore.PurgeQueries(store) {
				plan := explain(t, conn, name, query, now)
				if index := table + "_expires_at_idx"; !usesIndex(name, plan, index) {
					t.Errorf("%s: plan of %q\n%s\nwant a range scan of %s", table, query, plan, index)
				}
			}
		})
	}
}

// explain returns the query plan of query with the purge's arguments bound, as
// text: PostgreSQL's JSON, MySQL's rows as JSON objects, SQLite's plan details.
func explain(t *testing.T, conn interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, backend, query string, now time.Time) string {
	t.Helper()
	prefix := map[string]string{"postgres": "EXPLAIN (FORMAT JSON) ", "mysql": "EXPLAIN ", "sqlite": "EXPLAIN QUERY PLAN "}[backend]
	rows, err := conn.QueryContext(context.Background(), prefix+query, now.Add(-time.Hour), 500)
	if err != nil {
		t.Fatalf("%s%s: %v", prefix, query, err)
	}
	defer func() { _ = rows.Close() }()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make(map[string]string, len(cols))
		for i, c := range cols {
			row[strings.ToLower(c)] = vals[i].String
		}
		switch backend {
		case "postgres":
			out = append(out, row["query plan"])
		case "sqlite":
			out = append(out, row["detail"])
		default:
			b, _ := json.Marshal(row)
			out = append(out, string(b))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

// usesIndex reports whether plan reads the table through index by a range or
// lookup rather than whole.
func usesIndex(backend, plan, index string) bool {
	switch backend {
	case "postgres":
		var nodes []struct{ Plan pgPlan }
		if err := json.Unmarshal([]byte(plan), &nodes); err != nil || len(nodes) == 0 {
			return false
		}
		return nodes[0].Plan.scans(index)
	case "mysql":
		for _, line := range strings.Split(plan, "\n") {
			var row map[string]string
			if json.Unmarshal([]byte(line), &row) == nil && row["key"] == index && row["type"] == "range" {
				return true
			}
		}
		return false
	default:
		return strings.Contains(plan, "USING COVERING INDEX "+index+" (expires_at<?)") ||
			strings.Contains(plan, "USING INDEX "+index+" (expires_at<?)")
	}
}

// pgPlan is one node of PostgreSQL's JSON plan.
type pgPlan struct {
	NodeType  string   `json:"Node Type"`
	IndexName string   `json:"Index Name"`
	IndexCond string   `json:"Index Cond"`
	Plans     []pgPlan `json:"Plans"`
}

// scans reports whether this node or one below it scans index with a condition.
func (p pgPlan) scans(index string) bool {
	switch p.NodeType {
	case "Index Scan", "Index Only Scan", "Bitmap Index Scan":
		if p.IndexName == index && strings.Contains(p.IndexCond, "expires_at <") {
			return true
		}
	}
	for _, c := range p.Plans {
		if c.scans(index) {
			return true
		}
	}
	return false
}

// countRows counts the rows of table.
func countRows(t *testing.T, store *sqlstore.Store, table string) int {
	t.Helper()
	var n int
	if err := sqlstore.DB(store).QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
