package sqlstore

import (
	"context"
	"time"
)

// PurgeExpired deletes the sessions, one-time tokens and login-attempt counts whose
// lifetime ended before now and returns how many rows went. Nothing can use them any more — the use cases
// check expiry on every read — so keeping them would only grow the tables without
// bound; DynamoDB's TTL does the same job there. cmd/authd calls it periodically
// (AUTH_PURGE_INTERVAL).
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
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
