package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.TokenStore = (*TokenStore)(nil)

// TokenStore keeps activation, password-reset and e-mail-change tokens by their hash in
// one_time_tokens, and applies each token's effect in the transaction that consumes
// it.
type TokenStore struct{ s *Store }

// Create stores t and deletes the user's earlier tokens of the same kind, so only
// the newest link works. The user's row is locked first (PostgreSQL, MySQL; SQLite's
// write transaction is exclusive anyway), which serialises concurrent Creates for
// one user and tells a deleted user (not_found) from a clash of hashes (conflict).
func (tk *TokenStore) Create(ctx context.Context, t *domain.OneTimeToken, fx domain.Effects) error {
	row := newTokenRow(t)
	return tk.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*userRow)(nil)).Column("id").Where("id = ?", t.UserID)
		q = tk.s.forUpdate(q)
		var id string
		if err := q.Scan(ctx, &id); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*tokenRow)(nil)).
			Where("user_id = ?", t.UserID).Where("kind = ?", string(t.Kind)).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// ConsumeActivation deletes the activation token and moves its user from pending to
// active in one transaction; users in another status are left as they are. Returns
// the user afterwards, token_invalid or token_expired.
func (tk *TokenStore) ConsumeActivation(ctx context.Context, hash string, now time.Time, fx domain.Effects) (*domain.User, error) {
	return tk.consume(ctx, hash, domain.TokenActivation, now, fx, func(ctx context.Context, tx bun.Tx, tok *tokenRow) error {
		userID := tok.UserID
		_, err := tx.NewUpdate().Model((*userRow)(nil)).
			Set("status = ?", string(domain.StatusActive)).
			Set("activated_at = ?", ts(now)).Set("updated_at = ?", ts(now)).
			Where("id = ?", userID).Where("status = ?", string(domain.StatusPending)).
			Exec(ctx)
		return err
	})
}

// ConsumeReset deletes the reset token and, in the same transaction, sets the new
// password hash and revokes every session of the user.
// Returns the user afterwards, token_invalid or token_expired.
func (tk *TokenStore) ConsumeReset(ctx context.Context, hash, newPasswordHash string, now time.Time, fx domain.Effects) (*domain.User, error) {
	return tk.consume(ctx, hash, domain.TokenPasswordReset, now, fx, func(ctx context.Context, tx bun.Tx, tok *tokenRow) error {
		userID := tok.UserID
		if _, err := tx.NewUpdate().Model((*userRow)(nil)).
			Set("password_hash = ?", newPasswordHash).
			Set("updated_at = ?", ts(now)).
			Where("id = ?", userID).Exec(ctx); err != nil {
			return err
		}
		_, err := revokeSessions(ctx, tx, userID, "", now)
		return err
	})
}

// ConsumeEmailChange deletes the token and moves its user to the token's new
// address in one transaction. The unique index on users.email is the guard: when
// another account holds the address the UPDATE fails, the transaction rolls back
// (the token with it, so it stays usable) and the answer is email_taken.
func (tk *TokenStore) ConsumeEmailChange(ctx context.Context, hash string, now time.Time, fx domain.Effects) (*domain.User, error) {
	return tk.consume(ctx, hash, domain.TokenEmailChange, now, fx, func(ctx context.Context, tx bun.Tx, tok *tokenRow) error {
		if tok.NewEmail == "" {
			return errTokenInvalid()
		}
		_, err := tx.NewUpdate().Model((*userRow)(nil)).
			Set("email = ?", tok.NewEmail).Set("updated_at = ?", ts(now)).
			Where("id = ?", tok.UserID).Exec(ctx)
		return translate(err)
	})
}

// consume is the shared shape of the Consume methods: find the token of the kind,
// delete it — the DELETE that removes the row is the one winner among concurrent
// consumers, the others match nothing — and apply the effect to its user. An expired
// token is deleted and reported as token_expired; the deletion is committed.
func (tk *TokenStore) consume(ctx context.Context, hash string, kind domain.TokenKind, now time.Time, fx domain.Effects,
	apply func(ctx context.Context, tx bun.Tx, tok *tokenRow) error,
) (*domain.User, error) {
	var (
		user    *domain.User
		expired bool
	)
	err := tk.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		user, expired = nil, false
		var tok tokenRow
		err := tx.NewSelect().Model(&tok).Where("hash = ?", hash).Where("kind = ?", string(kind)).Limit(1).Scan(ctx)
		if isNoRows(err) {
			return errTokenInvalid()
		}
		if err != nil {
			return err
		}
		res, err := tx.NewDelete().Model((*tokenRow)(nil)).Where("hash = ?", hash).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := affected(res); err != nil {
			return err
		} else if n == 0 {
			return errTokenInvalid() // consumed by a concurrent call
		}
		if !now.Before(tok.ExpiresAt) {
			expired = true
			return nil // commit the deletion
		}
		if err := apply(ctx, tx, &tok); err != nil {
			return err
		}
		u, err := userWhere(ctx, tx, "id = ?", tok.UserID)
		if domain.IsCode(err, domain.CodeNotFound) {
			return errTokenInvalid()
		}
		if err != nil {
			return err
		}
		user = u
		return writeEffects(ctx, tx, fx.ForUser(tok.UserID))
	})
	if err != nil {
		return nil, err
	}
	if expired {
		return nil, domain.Errorf(domain.CodeTokenExpired, "The token has expired.")
	}
	return user, nil
}

func newTokenRow(t *domain.OneTimeToken) *tokenRow {
	return &tokenRow{Hash: t.Hash, Kind: string(t.Kind), UserID: t.UserID, NewEmail: t.NewEmail,
		CreatedAt: ts(t.CreatedAt), ExpiresAt: ts(t.ExpiresAt)}
}

// errTokenInvalid is the answer for an unknown, used or wrong-kind token.
func errTokenInvalid() error {
	return domain.Errorf(domain.CodeTokenInvalid, "The token is invalid or has already been used.")
}
