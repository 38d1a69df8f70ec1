package sqlstore

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.UserStore = (*UserStore)(nil)

// UserStore keeps accounts in the users table. Uniqueness of e-mail and username is
// the database's job (unique indexes), never a query before the insert, so
// concurrent sign-ups cannot both win.
type UserStore struct{ s *Store }

// Create inserts u with fx. Returns email_taken or username_taken.
func (us *UserStore) Create(ctx context.Context, u *domain.User, fx domain.Effects) error {
	return us.s.withEffects(ctx, fx, func(ctx context.Context, db bun.IDB) error {
		_, err := db.NewInsert().Model(newUserRow(u)).Exec(ctx)
		return err
	})
}

// CreatePending inserts u, its activation token and fx in one transaction.
func (us *UserStore) CreatePending(ctx context.Context, u *domain.User, activation *domain.OneTimeToken, fx domain.Effects) error {
	return us.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(newUserRow(u)).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(newTokenRow(activation)).Exec(ctx); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// ByID returns the user with that id, or not_found.
func (us *UserStore) ByID(ctx context.Context, id string) (*domain.User, error) {
	return us.s.userByPrepared(ctx, qUserByID, id)
}

// ByEmail returns the user with that normalised e-mail, or not_found.
func (us *UserStore) ByEmail(ctx context.Context, email string) (*domain.User, error) {
	return us.s.userByPrepared(ctx, qUserByEmail, email)
}

// ByUsername returns the user with that normalised username, or not_found. The
// empty username matches no one (it is stored as NULL).
func (us *UserStore) ByUsername(ctx context.Context, username string) (*domain.User, error) {
	if username == "" {
		return nil, domain.Errorf(domain.CodeNotFound, "The record does not exist.")
	}
	return userWhere(ctx, us.s.db, "username = ?", username)
}

// userWhere loads the one user matching the condition, or returns not_found.
func userWhere(ctx context.Context, db bun.IDB, cond string, arg any) (*domain.User, error) {
	var r userRow
	if err := db.NewSelect().Model(&r).Where(cond, arg).Limit(1).Scan(ctx); err != nil {
		return nil, translate(err)
	}
	return r.domain(), nil
}

// Update reads the user with a row lock (SELECT … FOR UPDATE on PostgreSQL and
// MySQL; SQLite's write transaction holds the whole database), applies change and
// writes the profile columns back, all in one transaction: no other write to the
// account can fall between the read change sees and the write. Returns the user as
// written; not_found, email_taken, username_taken, or change's own error.
func (us *UserStore) Update(ctx context.Context, id string, change func(*domain.User) (domain.Effects, error)) (*domain.User, error) {
	var out *domain.User
	err := us.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var r userRow
		q := tx.NewSelect().Model(&r).Where("id = ?", id).Limit(1)
		q = us.s.forUpdate(q)
		if err := q.Scan(ctx); err != nil {
			return err
		}
		u := r.domain()
		fx, err := change(u)
		if err != nil {
			return err
		}
		u.ID = id
		if _, err := tx.NewUpdate().Model(newUserRow(u)).
			Column("email", "username", "name", "mobile", "locale", "role", "status", "activated_at", "updated_at").
			WherePK().Exec(ctx); err != nil {
			return err
		}
		out = u
		return writeEffects(ctx, tx, fx)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete removes the user, its sessions and its one-time tokens in one transaction
// (the foreign keys cascade as well; deleting explicitly keeps the rule visible and
// independent of the cascade), with fx. Returns not_found.
func (us *UserStore) Delete(ctx context.Context, id string, fx domain.Effects) error {
	return us.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*tokenRow)(nil)).Where("user_id = ?", id).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*sessionRow)(nil)).Where("user_id = ?", id).Exec(ctx); err != nil {
			return err
		}
		res, err := tx.NewDelete().Model((*userRow)(nil)).Where("id = ?", id).Exec(ctx)
		if err != nil {
			return err
		}
		if err := mustHaveMatched(res); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// List returns up to limit users with ids after afterID, in id order. Keyset
// pagination on the primary key stays fast and stable however deep the page.
func (us *UserStore) List(ctx context.Context, afterID string, limit int) ([]domain.User, error) {
	if limit <= 0 {
		return []domain.User{}, nil
	}
	var rows []userRow
	q := us.s.db.NewSelect().Model(&rows).OrderExpr("id ASC").Limit(int64(limit))
	if afterID != "" {
		q = q.Where("id > ?", afterID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]domain.User, len(rows))
	for i := range rows {
		out[i] = *rows[i].domain()
	}
	return out, nil
}

// mustHaveMatched returns not_found when a statement matched no row.
func mustHaveMatched(res interface{ RowsAffected() (int64, error) }) error {
	n, err := res.RowsAffected()
	if err != nil {
		return translate(err)
	}
	if n == 0 {
		return domain.Errorf(domain.CodeNotFound, "The record does not exist.")
	}
	return nil
}
