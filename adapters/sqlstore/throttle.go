package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.LoginThrottle = (*LoginThrottle)(nil)

// LoginThrottle counts password attempts per login identifier in login_attempts.
type LoginThrottle struct{ s *Store }

// Reserve makes sure key has a row, then locks it (FOR UPDATE on PostgreSQL and
// MySQL; SQLite's write transaction is exclusive), decides with policy.Admit and
// writes the new count in the same transaction: concurrent attempts on one key are
// admitted one after the other, each seeing the count of the one before.
//
// The row is created by a statement of its own before the transaction: an insert
// that meets an existing row inside the transaction would hold a shared lock on
// MySQL that two attempts then both try to upgrade (a deadlock).
func (lt *LoginThrottle) Reserve(ctx context.Context, key string, now time.Time, policy domain.Backoff) (time.Duration, error) {
	if _, err := lt.s.exec(ctx, lt.s.db.NewInsert().Ignore().Model(&attemptsRow{
		KeyHash: key, ExpiresAt: ts(now),
	})); err != nil {
		return 0, translate(err)
	}
	var wait time.Duration
	err := lt.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var r attemptsRow
		q := tx.NewSelect().Model(&r).Where("key_hash = ?", key)
		q = lt.s.forUpdate(q)
		err := q.Scan(ctx)
		found := err == nil
		if err != nil && !isNoRows(err) {
			return err
		}
		cur := domain.Attempts{Count: int(r.Attempts), ExpiresAt: r.ExpiresAt}
		if r.NextAt != nil {
			cur.NextAt = *r.NextAt
		}
		next, w := policy.Admit(cur, now)
		if wait = w; wait > 0 {
			return nil
		}
		row := &attemptsRow{KeyHash: key, Attempts: int64(next.Count), ExpiresAt: ts(next.ExpiresAt)}
		if !next.NextAt.IsZero() {
			row.NextAt = tsPtr(&next.NextAt)
		}
		if !found {
			// Purged between the two statements: this transaction creates it,
			// unless a concurrent attempt just did (then this one goes uncounted,
			// a loss of one attempt in a race with the purge, not an error).
			_, err = tx.NewInsert().Ignore().Model(row).Exec(ctx)
			return err
		}
		_, err = tx.NewUpdate().Model(row).Column("attempts", "next_at", "expires_at").WherePK().Exec(ctx)
		return err
	})
	return wait, err
}

// Clear resets key's count. The row stays (the purge removes it once it expires):
// deleting it under concurrent attempts on the same key — a correct password
// among parallel logins — made them deadlock with the delete on MySQL, or find
// the row gone and collide creating it again.
func (lt *LoginThrottle) Clear(ctx context.Context, key string) error {
	_, err := lt.s.exec(ctx, lt.s.db.NewUpdate().Model((*attemptsRow)(nil)).
		Set("attempts = 0").Set("next_at = NULL").Where("key_hash = ?", key))
	return translate(err)
}
