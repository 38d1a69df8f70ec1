package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.SessionStore = (*SessionStore)(nil)

// SessionStore keeps logins and their refresh counters in the sessions table.
type SessionStore struct{ s *Store }

// Create inserts s. Returns conflict if the id exists, not_found if the user does
// not.
func (ss *SessionStore) Create(ctx context.Context, s *domain.Session, fx domain.Effects) error {
	return ss.s.withEffects(ctx, fx, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(newSessionRow(s)).Exec(ctx)
		return err
	})
}

// ByID returns the session, revoked or expired, or not_found.
func (ss *SessionStore) ByID(ctx context.Context, id string) (*domain.Session, error) {
	var r sessionRow
	if err := ss.s.queryRow(ctx, &r, qSessionByID, id); err != nil {
		return nil, translate(err)
	}
	return r.domain(), nil
}

// Rotate advances the counter from `from` to from+1 with one conditional UPDATE, the
// compare-and-swap that lets exactly one of N concurrent refreshes win. When it
// matches nothing, a second look tells not_found from conflict.
func (ss *SessionStore) Rotate(ctx context.Context, id string, from uint64, at time.Time) error {
	res, err := ss.s.execPrepared(ctx, qRotate, int64(from)+1, ss.s.timeArg(at), id, int64(from))
	if err != nil {
		return translate(err)
	}
	n, err := affected(res)
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	exists, err := ss.s.db.NewSelect().Model((*sessionRow)(nil)).Where("id = ?", id).Exists(ctx)
	if err != nil {
		return translate(err)
	}
	if !exists {
		return domain.Errorf(domain.CodeNotFound, "The session does not exist.")
	}
	return domain.Errorf(domain.CodeConflict, "The session was rotated or revoked meanwhile.")
}

// Revoke marks the session revoked at `at`, keeping the first time if it already
// was. Returns not_found.
func (ss *SessionStore) Revoke(ctx context.Context, id string, at time.Time, fx domain.Effects) error {
	return ss.s.withEffects(ctx, fx, func(ctx context.Context, db bun.IDB) error {
		res, err := db.NewUpdate().Model((*sessionRow)(nil)).
			Set("revoked_at = COALESCE(revoked_at, ?)", ts(at)).
			Where("id = ?", id).Exec(ctx)
		if err != nil {
			return err
		}
		return mustHaveMatched(res)
	})
}

// RevokeAll revokes every live (unrevoked, unexpired) session of the user except
// exceptID ("" for none) and returns how many it revoked.
func (ss *SessionStore) RevokeAll(ctx context.Context, userID, exceptID string, at time.Time, fx domain.Effects) (int, error) {
	var n int
	err := ss.s.withEffects(ctx, fx, func(ctx context.Context, db bun.IDB) error {
		var err error
		n, err = revokeSessions(ctx, db, userID, exceptID, at)
		return err
	})
	return n, err
}

// Live returns the user's unrevoked, unexpired sessions, newest first.
func (ss *SessionStore) Live(ctx context.Context, userID string, now time.Time) ([]domain.Session, error) {
	var rows []sessionRow
	err := ss.s.db.NewSelect().Model(&rows).
		Where("user_id = ?", userID).Where("revoked_at IS NULL").Where("expires_at > ?", ts(now)).
		OrderExpr("created_at DESC, id DESC").Scan(ctx)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Session, len(rows))
	for i := range rows {
		out[i] = *rows[i].domain()
	}
	return out, nil
}
