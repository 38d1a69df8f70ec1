package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Test-only views for the purge tests and benchmark.

// PurgeExpiredBatch is PurgeExpired with batches of at most batch rows.
func PurgeExpiredBatch(s *Store, ctx context.Context, now time.Time, batch int) (int64, error) {
	return s.purgeExpired(ctx, now, batch)
}

// PurgeQueries returns the batch-delete statement of each purged table, keyed by
// table, with its two arguments (time, batch size) still to be bound.
func PurgeQueries(s *Store) map[string]string {
	q := make(map[string]string, len(purgeTables))
	for _, t := range purgeTables {
		q[t.name] = s.purgeQuery(t)
	}
	return q
}

// DB is the store's bun handle, for tests that inspect query plans or seed in bulk.
func DB(s *Store) *bun.DB { return s.db }

// PurgeUnbatched is the purge as it was before batching: one DELETE … WHERE
// expires_at < ? per table, holding the SQLite writer slot throughout. The purge
// benchmark compares against it.
func PurgeUnbatched(s *Store, ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, model := range []any{(*sessionRow)(nil), (*tokenRow)(nil), (*attemptsRow)(nil)} {
		res, err := s.exec(ctx, s.db.NewDelete().Model(model).Where("expires_at < ?", ts(now)))
		if err != nil {
			return total, translate(err)
		}
		n, err := affected(res)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
