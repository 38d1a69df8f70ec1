package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.CredentialStore = (*CredentialStore)(nil)

// CredentialStore changes password hashes in the users table.
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
func (cs *CredentialStore) ChangePassword(ctx context.Context, userID, hash, keepSessionID string, at time.Time, fx domain.Effects) error {
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
		if _, err = revokeSessions(ctx, tx, userID, keepSessionID, at); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
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
