package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
)

// mfaTokenRow is one row of mfa_tokens: a login waiting for its second factor,
// keyed by the hash of its mfa_token. AMR is space-separated.
type mfaTokenRow struct {
	bun.BaseModel `bun:"table:mfa_tokens"`

	Hash      string    `bun:"hash,pk"`
	UserID    string    `bun:"user_id"`
	AMR       string    `bun:"amr"`
	Attempts  int64     `bun:"attempts"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
}

func (r *mfaTokenRow) domain() *domain.MFAChallenge {
	return &domain.MFAChallenge{Hash: r.Hash, UserID: r.UserID, AMR: strings.Fields(r.AMR),
		Attempts: int(r.Attempts), CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
}

func errChallengeInvalid() error {
	return domain.Errorf(domain.CodeTokenInvalid, "The MFA token is not valid; log in again.")
}

func errChallengeExpired() error {
	return domain.Errorf(domain.CodeTokenExpired, "The MFA token has expired; log in again.")
}

// CreateChallenge inserts the mfa token; the foreign key answers not_found for a
// user that is gone.
func (m *MFAStore) CreateChallenge(ctx context.Context, c *domain.MFAChallenge, fx domain.Effects) error {
	row := &mfaTokenRow{Hash: c.Hash, UserID: c.UserID, AMR: strings.Join(c.AMR, " "),
		Attempts: int64(c.Attempts), CreatedAt: ts(c.CreatedAt), ExpiresAt: ts(c.ExpiresAt)}
	return m.s.withEffects(ctx, fx, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(row).Exec(ctx)
		return err
	})
}

// Challenge reads the token and judges it: void after the last allowed wrong code,
// expired after its time.
func (m *MFAStore) Challenge(ctx context.Context, hash string, now time.Time) (*domain.MFAChallenge, error) {
	var r mfaTokenRow
	if err := m.s.db.NewSelect().Model(&r).Where("hash = ?", hash).Limit(1).Scan(ctx); err != nil {
		if isNoRows(err) {
			return nil, errChallengeInvalid()
		}
		return nil, translate(err)
	}
	return judgeChallenge(&r, now)
}

func judgeChallenge(r *mfaTokenRow, now time.Time) (*domain.MFAChallenge, error) {
	if r.Attempts >= domain.MFAChallengeMaxAttempts {
		return nil, errChallengeInvalid()
	}
	if !now.Before(r.ExpiresAt) {
		return nil, errChallengeExpired()
	}
	return r.domain(), nil
}

// FailChallenge adds one wrong code with one conditional UPDATE, so concurrent
// wrong codes are each counted and none beyond the limit.
func (m *MFAStore) FailChallenge(ctx context.Context, hash string, fx domain.Effects) error {
	return m.s.withEffects(ctx, fx, func(ctx context.Context, db bun.IDB) error {
		res, err := db.NewUpdate().Model((*mfaTokenRow)(nil)).Set("attempts = attempts + 1").
			Where("hash = ?", hash).Where("attempts < ?", domain.MFAChallengeMaxAttempts).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := affected(res)
		if err != nil {
			return err
		}
		if n != 1 {
			return errChallengeInvalid()
		}
		return nil
	})
}

// ConsumeChallenge deletes the token in a transaction that read it first under
// the write lock (SQLite) or a row lock: the one DELETE that matches wins.
func (m *MFAStore) ConsumeChallenge(ctx context.Context, hash string, now time.Time) (*domain.MFAChallenge, error) {
	var out *domain.MFAChallenge
	err := m.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var r mfaTokenRow
		q := tx.NewSelect().Model(&r).Where("hash = ?", hash)
		q = m.s.forUpdate(q)
		if err := q.Scan(ctx); err != nil {
			if isNoRows(err) {
				return errChallengeInvalid()
			}
			return err
		}
		c, err := judgeChallenge(&r, now)
		if err != nil {
			return err
		}
		res, err := tx.NewDelete().Model((*mfaTokenRow)(nil)).Where("hash = ?", hash).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := affected(res); err != nil || n != 1 {
			if err == nil {
				err = errChallengeInvalid()
			}
			return err
		}
		out = c
		return nil
	})
	return out, err
}
