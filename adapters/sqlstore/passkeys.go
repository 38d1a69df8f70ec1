package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.PasskeyStore = (*PasskeyStore)(nil)

// PasskeyStore keeps passkeys in passkeys (credential_id under a unique index)
// and ceremony states in webauthn_ceremonies.
type PasskeyStore struct{ s *Store }

// Passkeys returns the passkey store.
func (s *Store) Passkeys() ports.PasskeyStore { return &PasskeyStore{s: s} }

// passkeyRow is one row of passkeys. Transports is space-separated.
type passkeyRow struct {
	bun.BaseModel `bun:"table:passkeys"`

	ID              string     `bun:"id,pk"`
	UserID          string     `bun:"user_id"`
	CredentialID    []byte     `bun:"credential_id"`
	PublicKey       []byte     `bun:"public_key"`
	UserHandle      []byte     `bun:"user_handle"`
	SignCount       int64      `bun:"sign_count"`
	AAGUID          []byte     `bun:"aaguid"`
	AttestationType string     `bun:"attestation_type"`
	Transports      string     `bun:"transports"`
	BackupEligible  bool       `bun:"backup_eligible"`
	BackedUp        bool       `bun:"backed_up"`
	Name            string     `bun:"name"`
	CreatedAt       time.Time  `bun:"created_at"`
	LastUsedAt      *time.Time `bun:"last_used_at"`
}

func newPasskeyRow(p *domain.Passkey) *passkeyRow {
	aaguid := p.AAGUID
	if aaguid == nil {
		aaguid = []byte{}
	}
	return &passkeyRow{ID: p.ID, UserID: p.UserID, CredentialID: p.CredentialID, PublicKey: p.PublicKey,
		UserHandle: p.UserHandle, SignCount: int64(p.SignCount), AAGUID: aaguid,
		AttestationType: p.AttestationType, Transports: strings.Join(p.Transports, " "),
		BackupEligible: p.BackupEligible, BackedUp: p.BackedUp, Name: p.Name,
		CreatedAt: ts(p.CreatedAt), LastUsedAt: tsPtr(p.LastUsedAt)}
}

func (r *passkeyRow) domain() domain.Passkey {
	return domain.Passkey{ID: r.ID, UserID: r.UserID, CredentialID: r.CredentialID, PublicKey: r.PublicKey,
		UserHandle: r.UserHandle, SignCount: uint32(r.SignCount), AAGUID: r.AAGUID,
		AttestationType: r.AttestationType, Transports: strings.Fields(r.Transports),
		BackupEligible: r.BackupEligible, BackedUp: r.BackedUp, Name: r.Name,
		CreatedAt: r.CreatedAt.UTC(), LastUsedAt: utcPtr(r.LastUsedAt)}
}

// ceremonyRow is one row of webauthn_ceremonies.
type ceremonyRow struct {
	bun.BaseModel `bun:"table:webauthn_ceremonies"`

	Hash      string    `bun:"hash,pk"`
	Kind      string    `bun:"kind"`
	UserID    string    `bun:"user_id,nullzero"`
	MFAHash   string    `bun:"mfa_hash"`
	State     []byte    `bun:"state"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
}

func errPasskeyNotFound() error {
	return domain.Errorf(domain.CodeNotFound, "The passkey does not exist.")
}

// Add inserts the passkey; the unique index on credential_id answers conflict,
// the foreign key not_found. With on, the account's first second factor, the
// MFA flag, the codes, the revocation and the new session share its
// transaction.
func (ps *PasskeyStore) Add(ctx context.Context, p *domain.Passkey, on *domain.MFAOn, fx domain.Effects) error {
	return ps.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := ps.s.mfa.lockUser(ctx, tx, p.UserID); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(newPasskeyRow(p)).Exec(ctx); err != nil {
			if domain.IsCode(translate(err), domain.CodeConflict) {
				return domain.Wrap(domain.CodeConflict, err, "This passkey is registered already.")
			}
			return err
		}
		if on != nil {
			if err := setMFA(ctx, tx, p.UserID, true); err != nil {
				return err
			}
			if err := replaceCodes(ctx, tx, p.UserID, on.RecoveryCodes, on.At); err != nil {
				return err
			}
			if _, err := revokeSessions(ctx, tx, p.UserID, "", on.At); err != nil {
				return err
			}
			if on.Session != nil {
				if _, err := tx.NewInsert().Model(newSessionRow(on.Session)).Exec(ctx); err != nil {
					return err
				}
			}
		}
		return writeEffects(ctx, tx, fx)
	})
}

// Passkeys lists the user's passkeys, oldest first.
func (ps *PasskeyStore) Passkeys(ctx context.Context, userID string) ([]domain.Passkey, error) {
	var rows []passkeyRow
	if err := ps.s.db.NewSelect().Model(&rows).Where("user_id = ?", userID).
		OrderExpr("created_at ASC, id ASC").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Passkey, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// ByCredentialID reads the passkey through the unique index.
func (ps *PasskeyStore) ByCredentialID(ctx context.Context, credentialID []byte) (*domain.Passkey, error) {
	var r passkeyRow
	if err := ps.s.db.NewSelect().Model(&r).Where("credential_id = ?", credentialID).Limit(1).Scan(ctx); err != nil {
		if isNoRows(err) {
			return nil, errPasskeyNotFound()
		}
		return nil, translate(err)
	}
	p := r.domain()
	return &p, nil
}

// Rename is one UPDATE of the user's passkey and a read of it, in a transaction.
func (ps *PasskeyStore) Rename(ctx context.Context, userID, id, name string, fx domain.Effects) (*domain.Passkey, error) {
	var r passkeyRow
	err := ps.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*passkeyRow)(nil)).Set("name = ?", name).
			Where("id = ?", id).Where("user_id = ?", userID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := affected(res); err != nil || n != 1 {
			if err == nil {
				err = errPasskeyNotFound()
			}
			return err
		}
		if err := tx.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
	if err != nil {
		return nil, err
	}
	p := r.domain()
	return &p, nil
}

// Use is one conditional UPDATE on the counter read: of two logins that read one
// counter, one wins.
func (ps *PasskeyStore) Use(ctx context.Context, p *domain.Passkey, count uint32, backedUp bool, at time.Time, fx domain.Effects) error {
	return ps.s.withEffects(ctx, fx, func(ctx context.Context, db bun.IDB) error {
		res, err := db.NewUpdate().Model((*passkeyRow)(nil)).
			Set("sign_count = ?", int64(count)).Set("backed_up = ?", backedUp).Set("last_used_at = ?", ts(at)).
			Where("id = ?", p.ID).Where("user_id = ?", p.UserID).Where("sign_count = ?", int64(p.SignCount)).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := affected(res)
		if err != nil || n == 1 {
			return err
		}
		exists, err := db.NewSelect().Model((*passkeyRow)(nil)).Where("id = ?", p.ID).Where("user_id = ?", p.UserID).Exists(ctx)
		if err != nil {
			return err
		}
		if !exists {
			return errPasskeyNotFound()
		}
		return domain.Errorf(domain.CodeConflict, "The passkey's counter moved; try again.")
	})
}

// Remove deletes the passkey; when the account has no passkey and no active
// factor left, its codes go and MFA is off.
func (ps *PasskeyStore) Remove(ctx context.Context, userID, id string, fx domain.Effects) error {
	return ps.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := ps.s.mfa.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		res, err := tx.NewDelete().Model((*passkeyRow)(nil)).Where("id = ?", id).Where("user_id = ?", userID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := affected(res); err != nil || n != 1 {
			if err == nil {
				err = errPasskeyNotFound()
			}
			return err
		}
		if err := mfaOffWhenNoneLeft(ctx, tx, userID); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// mfaOffWhenNoneLeft turns the account's MFA off and deletes its recovery codes
// when it has no active factor and no passkey any more.
func mfaOffWhenNoneLeft(ctx context.Context, tx bun.Tx, userID string) error {
	factor, err := tx.NewSelect().Model((*factorRow)(nil)).
		Where("user_id = ?", userID).Where("status = ?", string(domain.FactorActive)).Exists(ctx)
	if err != nil || factor {
		return err
	}
	passkey, err := tx.NewSelect().Model((*passkeyRow)(nil)).Where("user_id = ?", userID).Exists(ctx)
	if err != nil || passkey {
		return err
	}
	if err := setMFA(ctx, tx, userID, false); err != nil {
		return err
	}
	_, err = tx.NewDelete().Model((*recoveryCodeRow)(nil)).Where("user_id = ?", userID).Exec(ctx)
	return err
}

// CreateCeremony inserts the ceremony state.
func (ps *PasskeyStore) CreateCeremony(ctx context.Context, c *domain.PasskeyCeremony) error {
	row := &ceremonyRow{Hash: c.Hash, Kind: string(c.Kind), UserID: c.UserID, MFAHash: c.MFAHash,
		State: c.State, CreatedAt: ts(c.CreatedAt), ExpiresAt: ts(c.ExpiresAt)}
	_, err := ps.s.exec(ctx, ps.s.db.NewInsert().Model(row))
	return translate(err)
}

// ConsumeCeremony deletes the row and returns it, in one transaction: the
// DELETE's affected-row count decides which of concurrent consumers got it.
func (ps *PasskeyStore) ConsumeCeremony(ctx context.Context, hash string, now time.Time) (*domain.PasskeyCeremony, error) {
	var r ceremonyRow
	err := ps.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&r).Where("hash = ?", hash).Limit(1).Scan(ctx); err != nil {
			if isNoRows(err) {
				return errCeremonyInvalid()
			}
			return err
		}
		res, err := tx.NewDelete().Model((*ceremonyRow)(nil)).Where("hash = ?", hash).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := affected(res); err != nil || n != 1 {
			if err == nil {
				err = errCeremonyInvalid()
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !now.Before(r.ExpiresAt) {
		return nil, domain.Errorf(domain.CodeTokenExpired, "The passkey ceremony has expired; start again.")
	}
	return &domain.PasskeyCeremony{Hash: r.Hash, Kind: domain.CeremonyKind(r.Kind), UserID: r.UserID,
		MFAHash: r.MFAHash, State: r.State, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}, nil
}

func errCeremonyInvalid() error {
	return domain.Errorf(domain.CodeTokenInvalid, "The passkey ceremony is not valid; start again.")
}
