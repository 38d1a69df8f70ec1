package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
)

// authCodeRow is one row of auth_codes.
type authCodeRow struct {
	bun.BaseModel `bun:"table:auth_codes"`

	Hash          string    `bun:"hash,pk"`
	UserID        string    `bun:"user_id"`
	Method        string    `bun:"method"`
	RedirectURI   string    `bun:"redirect_uri"`
	CodeChallenge string    `bun:"code_challenge"`
	CreatedAt     time.Time `bun:"created_at"`
	ExpiresAt     time.Time `bun:"expires_at"`
}

func errAuthCodeInvalid() error {
	return domain.Errorf(domain.CodeTokenInvalid, "The authorization code is not valid.")
}

// PutAuthCode inserts the code and writes fx in one transaction; the primary key
// refuses a taken hash (conflict).
func (tk *TokenStore) PutAuthCode(ctx context.Context, c *domain.AuthCode, fx domain.Effects) error {
	row := &authCodeRow{Hash: c.Hash, UserID: c.UserID, Method: c.Method, RedirectURI: c.RedirectURI,
		CodeChallenge: c.CodeChallenge, CreatedAt: ts(c.CreatedAt), ExpiresAt: ts(c.ExpiresAt)}
	return tk.s.withEffects(ctx, fx, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(row).Exec(ctx) // a taken hash: conflict (translate)
		return err
	})
}

// ConsumeAuthCode reads the code under a row lock (the write lock on SQLite) and
// deletes it in the same transaction: the one DELETE that matches wins. An
// expired code is deleted too, and refused.
func (tk *TokenStore) ConsumeAuthCode(ctx context.Context, hash string, now time.Time) (*domain.AuthCode, error) {
	var out *domain.AuthCode
	err := tk.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var r authCodeRow
		if err := tk.s.forUpdate(tx.NewSelect().Model(&r).Where("hash = ?", hash)).Scan(ctx); err != nil {
			if isNoRows(err) {
				return errAuthCodeInvalid()
			}
			return err
		}
		res, err := tx.NewDelete().Model((*authCodeRow)(nil)).Where("hash = ?", hash).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := affected(res); err != nil || n != 1 {
			if err == nil {
				err = errAuthCodeInvalid()
			}
			return err
		}
		out = &domain.AuthCode{Hash: r.Hash, UserID: r.UserID, Method: r.Method, RedirectURI: r.RedirectURI,
			CodeChallenge: r.CodeChallenge, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !now.Before(out.ExpiresAt) {
		return nil, domain.Errorf(domain.CodeTokenExpired, "The authorization code has expired.")
	}
	return out, nil
}
