package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.Archive = (*Archive)(nil)

// Archive reads and writes whole accounts for export, import and copy. Each read
// is one query per table for the whole page of users (id IN …), so a page of a
// thousand accounts costs six queries, not six thousand.
type Archive struct{ s *Store }

// Archive returns the store's account archive.
func (s *Store) Archive() ports.Archive { return &Archive{s: s} }

// Accounts reads the page's factors, codes, passkeys, live sessions, live
// one-time tokens and identities.
func (a *Archive) Accounts(ctx context.Context, users []domain.User, now time.Time) ([]domain.Account, error) {
	out := make([]domain.Account, len(users))
	if len(users) == 0 {
		return out, nil
	}
	ids := make([]string, len(users))
	at := make(map[string]*domain.Account, len(users))
	for i := range users {
		ids[i] = users[i].ID
		out[i].User = users[i]
		at[users[i].ID] = &out[i]
	}
	db := a.s.db
	live := func(q *bun.SelectQuery) *bun.SelectQuery { return q.Where("expires_at > ?", ts(now)) }
	if err := ofUsers(ctx, db.NewSelect(), ids, "created_at ASC, id ASC", func(r *factorRow) {
		at[r.UserID].Factors = append(at[r.UserID].Factors, r.domain())
	}); err != nil {
		return nil, err
	}
	if err := ofUsers(ctx, db.NewSelect(), ids, "user_id ASC, hash ASC", func(r *recoveryCodeRow) {
		at[r.UserID].RecoveryCodes = append(at[r.UserID].RecoveryCodes, r.Hash)
	}); err != nil {
		return nil, err
	}
	if err := ofUsers(ctx, db.NewSelect(), ids, "created_at ASC, id ASC", func(r *passkeyRow) {
		at[r.UserID].Passkeys = append(at[r.UserID].Passkeys, r.domain())
	}); err != nil {
		return nil, err
	}
	if err := ofUsers(ctx, live(db.NewSelect().Where("revoked_at IS NULL")), ids, "created_at ASC, id ASC", func(r *sessionRow) {
		at[r.UserID].Sessions = append(at[r.UserID].Sessions, *r.domain())
	}); err != nil {
		return nil, err
	}
	if err := ofUsers(ctx, live(db.NewSelect()), ids, "created_at ASC, hash ASC", func(r *tokenRow) {
		at[r.UserID].Tokens = append(at[r.UserID].Tokens, domain.OneTimeToken{Hash: r.Hash, Kind: domain.TokenKind(r.Kind),
			UserID: r.UserID, NewEmail: r.NewEmail, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()})
	}); err != nil {
		return nil, err
	}
	if err := ofUsers(ctx, db.NewSelect(), ids, "created_at ASC, provider ASC", func(r *identityRow) {
		at[r.UserID].Identities = append(at[r.UserID].Identities, r.domain())
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// ofUsers reads the rows of R's table that belong to the users ids, with q's
// conditions and in order, and hands each to add.
func ofUsers[R any](ctx context.Context, q *bun.SelectQuery, ids []string, order string, add func(*R)) error {
	var rows []R
	if err := q.Model(&rows).Where("user_id IN (?)", bun.In(ids)).OrderExpr(order).Scan(ctx); err != nil {
		return translate(err)
	}
	for i := range rows {
		add(&rows[i])
	}
	return nil
}

// Count counts the users table.
func (a *Archive) Count(ctx context.Context) (int64, error) {
	n, err := a.s.db.NewSelect().Model((*userRow)(nil)).Count(ctx)
	if err != nil {
		return 0, translate(err)
	}
	return int64(n), nil
}

// Secrets reads the secrets table.
func (a *Archive) Secrets(ctx context.Context) ([]domain.Secret, error) {
	var rows []secretRow
	if err := a.s.db.NewSelect().Model(&rows).OrderExpr("name ASC").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Secret, len(rows))
	for i, r := range rows {
		out[i] = domain.Secret{Name: r.Name, Value: r.Value}
	}
	return out, nil
}

// Restore finds the conflicts and inserts the rest in one transaction, table by
// table in multi-row inserts.
func (a *Archive) Restore(ctx context.Context, accts []domain.Account, skipConflicts bool, fx domain.Effects) ([]string, error) {
	var conflicts []string
	err := a.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		conflicts = nil
		taken, err := takenAccounts(ctx, tx, accts)
		if err != nil {
			return err
		}
		var users []userRow
		var factors []factorRow
		var codes []recoveryCodeRow
		var passkeys []passkeyRow
		var sessions []sessionRow
		var tokens []tokenRow
		var identities []identityRow
		now := ts(time.Now())
		for i := range accts {
			acc := &accts[i]
			if taken(acc) {
				conflicts = append(conflicts, acc.User.ID)
				continue
			}
			users = append(users, *newUserRow(&acc.User))
			for _, f := range acc.Factors {
				factors = append(factors, factorRow{ID: f.ID, UserID: acc.User.ID, Type: string(f.Type),
					Status: string(f.Status), Secret: f.Secret, LastStep: f.LastStep,
					CreatedAt: ts(f.CreatedAt), LastUsedAt: tsPtr(f.LastUsedAt)})
			}
			for _, h := range acc.RecoveryCodes {
				codes = append(codes, recoveryCodeRow{UserID: acc.User.ID, Hash: h, CreatedAt: now})
			}
			for j := range acc.Passkeys {
				p := acc.Passkeys[j]
				p.UserID = acc.User.ID
				passkeys = append(passkeys, *newPasskeyRow(&p))
			}
			for j := range acc.Sessions {
				s := acc.Sessions[j]
				s.UserID = acc.User.ID
				sessions = append(sessions, *newSessionRow(&s))
			}
			for j := range acc.Tokens {
				tok := acc.Tokens[j]
				tok.UserID = acc.User.ID
				tokens = append(tokens, *newTokenRow(&tok))
			}
			for j := range acc.Identities {
				id := acc.Identities[j]
				id.UserID = acc.User.ID
				identities = append(identities, *newIdentityRow(&id))
			}
		}
		if len(conflicts) > 0 && !skipConflicts {
			return domain.Errorf(domain.CodeConflict, "%d accounts exist in the target already.", len(conflicts))
		}
		for _, insert := range []func() error{
			func() error { return insertRows(ctx, tx, users) },
			func() error { return insertRows(ctx, tx, factors) },
			func() error { return insertRows(ctx, tx, codes) },
			func() error { return insertRows(ctx, tx, passkeys) },
			func() error { return insertRows(ctx, tx, sessions) },
			func() error { return insertRows(ctx, tx, tokens) },
			func() error { return insertRows(ctx, tx, identities) },
		} {
			if err := insert(); err != nil {
				return err
			}
		}
		return writeEffects(ctx, tx, fx)
	})
	return conflicts, err
}

// insertChunk is the most rows one INSERT carries: at 16 columns at most, its
// placeholders stay below SQLite's 32,766 (and PostgreSQL's and MySQL's 65,535).
const insertChunk = 1000

// insertRows inserts rows in multi-row INSERTs of at most insertChunk rows.
func insertRows[T any](ctx context.Context, tx bun.Tx, rows []T) error {
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), insertChunk)]
		if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
			return err
		}
		rows = rows[len(chunk):]
	}
	return nil
}

// takenAccounts reads which of accts' ids, e-mails, usernames and external
// identities the store holds and returns the test of one account against them.
func takenAccounts(ctx context.Context, tx bun.Tx, accts []domain.Account) (func(*domain.Account) bool, error) {
	ids, emails, names := []string{}, []string{}, []string{}
	for i := range accts {
		u := &accts[i].User
		ids, emails = append(ids, u.ID), append(emails, u.Email)
		if u.Username != "" {
			names = append(names, u.Username)
		}
	}
	if len(names) == 0 {
		names = append(names, "")
	}
	var rows []userRow
	err := tx.NewSelect().Model(&rows).Column("id", "email", "username").
		Where("id IN (?) OR email IN (?) OR username IN (?)", bun.In(ids), bun.In(emails), bun.In(names)).Scan(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen["i"+r.ID], seen["e"+r.Email] = true, true
		if r.Username != "" {
			seen["u"+r.Username] = true
		}
	}
	var subjects []string
	for i := range accts {
		for _, id := range accts[i].Identities {
			subjects = append(subjects, id.Subject)
		}
	}
	if len(subjects) > 0 {
		var held []identityRow
		if err := tx.NewSelect().Model(&held).Column("provider", "subject").Where("subject IN (?)", bun.In(subjects)).Scan(ctx); err != nil {
			return nil, err
		}
		for _, r := range held {
			seen["p"+r.Provider+"\x00"+r.Subject] = true
		}
	}
	return func(acc *domain.Account) bool {
		u := &acc.User
		if seen["i"+u.ID] || seen["e"+u.Email] || (u.Username != "" && seen["u"+u.Username]) {
			return true
		}
		for _, id := range acc.Identities {
			if seen["p"+id.Provider+"\x00"+id.Subject] {
				return true
			}
		}
		return false
	}, nil
}
