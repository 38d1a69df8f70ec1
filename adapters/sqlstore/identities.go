package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// IdentityStore implements ports.IdentityStore on the identities and
// provider_flows tables. Uniqueness of (provider, subject) is the primary key's
// job and one identity per provider and account a unique index's, never a query
// before the insert.
type IdentityStore struct{ s *Store }

var _ ports.IdentityStore = (*IdentityStore)(nil)

// Identities returns the identity store.
func (s *Store) Identities() ports.IdentityStore { return &IdentityStore{s: s} }

// identityRow is one row of identities.
type identityRow struct {
	bun.BaseModel `bun:"table:identities"`

	Provider   string     `bun:"provider,pk"`
	Subject    string     `bun:"subject,pk"`
	UserID     string     `bun:"user_id"`
	Email      string     `bun:"email"`
	CreatedAt  time.Time  `bun:"created_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
}

func (r *identityRow) domain() domain.Identity {
	return domain.Identity{Provider: r.Provider, Subject: r.Subject, UserID: r.UserID, Email: r.Email,
		CreatedAt: r.CreatedAt.UTC(), LastUsedAt: utcPtr(r.LastUsedAt)}
}

func newIdentityRow(id *domain.Identity) *identityRow {
	return &identityRow{Provider: id.Provider, Subject: id.Subject, UserID: id.UserID, Email: id.Email,
		CreatedAt: ts(id.CreatedAt), LastUsedAt: tsPtr(id.LastUsedAt)}
}

// flowRow is one row of provider_flows.
type flowRow struct {
	bun.BaseModel `bun:"table:provider_flows"`

	Hash          string    `bun:"hash,pk"`
	Provider      string    `bun:"provider"`
	Secret        []byte    `bun:"secret"`
	CodeChallenge string    `bun:"code_challenge"`
	RedirectURI   string    `bun:"redirect_uri"`
	AppState      string    `bun:"app_state"`
	LinkUserID    string    `bun:"link_user_id"`
	CreatedAt     time.Time `bun:"created_at"`
	ExpiresAt     time.Time `bun:"expires_at"`
}

func errIdentityNotFound() error {
	return domain.Errorf(domain.CodeNotFound, "The identity is not linked.")
}

func errIdentityTaken(err error) error {
	return domain.Wrap(domain.CodeConflict, err, "This identity is linked already.")
}

// PutFlow inserts the flow.
func (is *IdentityStore) PutFlow(ctx context.Context, f *domain.ProviderFlow) error {
	row := &flowRow{Hash: f.Hash, Provider: f.Provider, Secret: f.Secret, CodeChallenge: f.CodeChallenge,
		RedirectURI: f.RedirectURI, AppState: f.AppState, LinkUserID: f.LinkUserID,
		CreatedAt: ts(f.CreatedAt), ExpiresAt: ts(f.ExpiresAt)}
	_, err := is.s.exec(ctx, is.s.db.NewInsert().Model(row))
	return translate(err)
}

// ConsumeFlow deletes the row and returns it, in one transaction: the DELETE's
// affected-row count decides which of concurrent consumers got it.
func (is *IdentityStore) ConsumeFlow(ctx context.Context, hash string, now time.Time) (*domain.ProviderFlow, error) {
	var r flowRow
	err := is.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&r).Where("hash = ?", hash).Limit(1).Scan(ctx); err != nil {
			if isNoRows(err) {
				return errFlowInvalid()
			}
			return err
		}
		res, err := tx.NewDelete().Model((*flowRow)(nil)).Where("hash = ?", hash).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := affected(res); err != nil || n != 1 {
			if err == nil {
				err = errFlowInvalid()
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !now.Before(r.ExpiresAt) {
		return nil, domain.Errorf(domain.CodeTokenExpired, "The sign-in through the provider took too long; start again.")
	}
	return &domain.ProviderFlow{Hash: r.Hash, Provider: r.Provider, Secret: r.Secret, CodeChallenge: r.CodeChallenge,
		RedirectURI: r.RedirectURI, AppState: r.AppState, LinkUserID: r.LinkUserID,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}, nil
}

func errFlowInvalid() error {
	return domain.Errorf(domain.CodeTokenInvalid, "The sign-in through the provider is not valid; start again.")
}

// ByIdentity reads the row by its primary key.
func (is *IdentityStore) ByIdentity(ctx context.Context, provider, subject string) (*domain.Identity, error) {
	var r identityRow
	err := is.s.db.NewSelect().Model(&r).Where("provider = ? AND subject = ?", provider, subject).Limit(1).Scan(ctx)
	if isNoRows(err) {
		return nil, errIdentityNotFound()
	}
	if err != nil {
		return nil, translate(err)
	}
	id := r.domain()
	return &id, nil
}

// Identities lists the user's rows, oldest first.
func (is *IdentityStore) Identities(ctx context.Context, userID string) ([]domain.Identity, error) {
	var rows []identityRow
	if err := is.s.db.NewSelect().Model(&rows).Where("user_id = ?", userID).
		OrderExpr("created_at ASC, provider ASC").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Identity, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// CreateUser inserts the user, its identity and fx in one transaction.
func (is *IdentityStore) CreateUser(ctx context.Context, u *domain.User, id *domain.Identity, fx domain.Effects) error {
	return is.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(newUserRow(u)).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(newIdentityRow(id)).Exec(ctx); err != nil {
			if domain.IsCode(translate(err), domain.CodeConflict) {
				return errIdentityTaken(err)
			}
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// Link inserts the identity with fx: the primary key answers conflict for a
// subject linked anywhere, the unique index for a second identity of the
// provider, the foreign key not_found.
func (is *IdentityStore) Link(ctx context.Context, id *domain.Identity, fx domain.Effects) error {
	return is.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(newIdentityRow(id)).Exec(ctx); err != nil {
			if domain.IsCode(translate(err), domain.CodeConflict) {
				return errIdentityTaken(err)
			}
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// Use sets last_used_at.
func (is *IdentityStore) Use(ctx context.Context, provider, subject string, at time.Time) error {
	res, err := is.s.exec(ctx, is.s.db.NewUpdate().Model((*identityRow)(nil)).Set("last_used_at = ?", ts(at)).
		Where("provider = ? AND subject = ?", provider, subject))
	if err != nil {
		return translate(err)
	}
	if n, err := affected(res); err != nil || n != 1 {
		if err == nil {
			err = errIdentityNotFound()
		}
		return err
	}
	return nil
}

// Unlink deletes the user's identity of provider with fx. With keepWayIn the
// user's row is locked first, so unlinks (and other changes that lock it) of
// one account take turns, and the other ways in are counted inside the lock.
func (is *IdentityStore) Unlink(ctx context.Context, userID, provider string, keepWayIn bool, fx domain.Effects) error {
	return is.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if keepWayIn {
			if err := is.keepsWayIn(ctx, tx, userID, provider); err != nil {
				return err
			}
		}
		res, err := tx.NewDelete().Model((*identityRow)(nil)).Where("user_id = ? AND provider = ?", userID, provider).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := affected(res); err != nil || n != 1 {
			if err == nil {
				err = errIdentityNotFound()
			}
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// keepsWayIn answers last_login_method unless the user, its row locked, has a
// password, an identity other than provider's, or a passkey.
func (is *IdentityStore) keepsWayIn(ctx context.Context, tx bun.Tx, userID, provider string) error {
	var hash string
	q := is.s.forUpdate(tx.NewSelect().Model((*userRow)(nil)).Column("password_hash").Where("id = ?", userID))
	if err := q.Scan(ctx, &hash); err != nil {
		if isNoRows(err) {
			return errIdentityNotFound()
		}
		return err
	}
	if hash != "" {
		return nil
	}
	others, err := tx.NewSelect().Model((*identityRow)(nil)).Where("user_id = ? AND provider <> ?", userID, provider).Count(ctx)
	if err != nil {
		return err
	}
	passkeys, err := tx.NewSelect().Model((*passkeyRow)(nil)).Where("user_id = ?", userID).Count(ctx)
	if err != nil {
		return err
	}
	if others == 0 && passkeys == 0 {
		return errLastWayIn()
	}
	return nil
}

func errLastWayIn() error {
	return domain.Errorf(domain.CodeLastLoginMethod,
		"This identity is the account's only way to log in; set a password (forgot password) or link another provider first.")
}
