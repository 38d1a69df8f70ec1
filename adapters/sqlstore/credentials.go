package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/ports"
)

var _ ports.CredentialStore = (*CredentialStore)(nil)

// CredentialStore changes password hashes and counts failed logins in the users
// table, so every instance on the database sees the same count.
type CredentialStore struct{ s *Store }

// SetPasswordHash replaces the user's password hash. Returns not_found.
func (cs *CredentialStore) SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error {
	res, err := cs.s.exec(ctx, cs.s.db.NewUpdate().Model((*userRow)(nil)).
		Set("password_hash = ?", hash).Set("updated_at = ?", ts(at)).
		Where("id = ?", userID))
	if err != nil {
		return translate(err)
	}
	return mustHaveMatched(res)
}

// ChangePassword sets the hash and revokes every other session of the user in one
// transaction, so no moment exists in which the new password is set but a stolen
// session still lives. keepSessionID "" revokes all. Returns not_found.
func (cs *CredentialStore) ChangePassword(ctx context.Context, userID, hash, keepSessionID string, at time.Time) error {
	return cs.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*userRow)(nil)).
			Set("password_hash = ?", hash).Set("updated_at = ?", ts(at)).
			Where("id = ?", userID).Exec(ctx)
		if err != nil {
			return err
		}
		if err := mustHaveMatched(res); err != nil {
			return err
		}
		_, err = revokeSessions(ctx, tx, userID, keepSessionID, at)
		return err
	})
}

// RecordLoginFailure adds one to the user's consecutive failures and returns the new
// count. The increment happens in the database (failed_logins + 1), so concurrent
// failures on several instances are all counted. Returns not_found.
func (cs *CredentialStore) RecordLoginFailure(ctx context.Context, userID string, at time.Time) (int, error) {
	var count int64
	err := cs.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*userRow)(nil)).
			Set("failed_logins = failed_logins + 1").Set("last_failed_login_at = ?", ts(at)).
			Where("id = ?", userID).Exec(ctx)
		if err != nil {
			return err
		}
		if err := mustHaveMatched(res); err != nil {
			return err
		}
		return tx.NewSelect().Model((*userRow)(nil)).Column("failed_logins").
			Where("id = ?", userID).Scan(ctx, &count)
	})
	return int(count), err
}

// ResetLoginFailures sets the count back to zero and forgets the time of the last
// failure. Returns not_found.
func (cs *CredentialStore) ResetLoginFailures(ctx context.Context, userID string) error {
	res, err := cs.s.exec(ctx, cs.s.db.NewUpdate().Model((*userRow)(nil)).
		Set("failed_logins = 0").Set("last_failed_login_at = NULL").
		Where("id = ?", userID))
	if err != nil {
		return translate(err)
	}
	return mustHaveMatched(res)
}

// revokeSessions stamps every live session of the user (unrevoked and not expired
// at `at`) except exceptID as revoked at `at`, and returns how many it revoked. An
// expired session is left as it is: it is no longer live, so it is neither revoked
// nor counted, as on every other backend.
func revokeSessions(ctx context.Context, db bun.IDB, userID, exceptID string, at time.Time) (int, error) {
	q := db.NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", ts(at)).
		Where("user_id = ?", userID).Where("revoked_at IS NULL").Where("expires_at > ?", ts(at))
	if exceptID != "" {
		q = q.Where("id <> ?", exceptID)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, err := affected(res)
	return int(n), err
}
