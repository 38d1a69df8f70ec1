package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.MFAStore = (*MFAStore)(nil)

// MFAStore keeps second factors in mfa_factors, recovery codes in recovery_codes
// and pending MFA logins in mfa_tokens (mfa_tokens.go). Each method that changes
// more than one row is one transaction; the single-use rules are conditional
// UPDATEs and DELETEs whose affected-row count decides who won.
type MFAStore struct{ s *Store }

// MFA returns the MFA store.
func (s *Store) MFA() ports.MFAStore { return s.mfa }

// factorRow is one row of mfa_factors. Secret is the sealed secret.
type factorRow struct {
	bun.BaseModel `bun:"table:mfa_factors"`

	ID         string     `bun:"id,pk"`
	UserID     string     `bun:"user_id"`
	Type       string     `bun:"type"`
	Status     string     `bun:"status"`
	Secret     []byte     `bun:"secret"`
	LastStep   int64      `bun:"last_step"`
	CreatedAt  time.Time  `bun:"created_at"`
	LastUsedAt *time.Time `bun:"last_used_at"`
}

func (r *factorRow) domain() domain.Factor {
	return domain.Factor{ID: r.ID, UserID: r.UserID, Type: domain.FactorType(r.Type),
		Status: domain.FactorStatus(r.Status), Secret: r.Secret, LastStep: r.LastStep,
		CreatedAt: r.CreatedAt.UTC(), LastUsedAt: utcPtr(r.LastUsedAt)}
}

// recoveryCodeRow is one row of recovery_codes.
type recoveryCodeRow struct {
	bun.BaseModel `bun:"table:recovery_codes"`

	UserID    string    `bun:"user_id,pk"`
	Hash      string    `bun:"hash,pk"`
	CreatedAt time.Time `bun:"created_at"`
}

// lockUser locks the user's row for the rest of tx (PostgreSQL, MySQL; SQLite's
// write transaction is exclusive anyway), which serialises the MFA changes of one
// account, and returns not_found when there is no such user.
func (m *MFAStore) lockUser(ctx context.Context, tx bun.Tx, userID string) error {
	q := tx.NewSelect().Model((*userRow)(nil)).Column("id").Where("id = ?", userID)
	q = m.s.forUpdate(q)
	var id string
	if err := q.Scan(ctx, &id); err != nil {
		if isNoRows(err) {
			return domain.Errorf(domain.CodeNotFound, "The user does not exist.")
		}
		return err
	}
	return nil
}

// PutFactor replaces the user's pending factor of f's type with f; an active one
// refuses with conflict. The user's row is locked first, so two enrolments of one
// account take turns.
func (m *MFAStore) PutFactor(ctx context.Context, f *domain.Factor, fx domain.Effects) error {
	return m.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := m.lockUser(ctx, tx, f.UserID); err != nil {
			return err
		}
		active, err := tx.NewSelect().Model((*factorRow)(nil)).
			Where("user_id = ?", f.UserID).Where("type = ?", string(f.Type)).
			Where("status = ?", string(domain.FactorActive)).Exists(ctx)
		if err != nil {
			return err
		}
		if active {
			return domain.Errorf(domain.CodeConflict, "An active factor of this type exists; remove it first.")
		}
		if _, err := tx.NewDelete().Model((*factorRow)(nil)).
			Where("user_id = ?", f.UserID).Where("type = ?", string(f.Type)).Exec(ctx); err != nil {
			return err
		}
		row := &factorRow{ID: f.ID, UserID: f.UserID, Type: string(f.Type), Status: string(domain.FactorPending),
			Secret: f.Secret, LastStep: f.LastStep, CreatedAt: ts(f.CreatedAt)}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// Factors returns the user's factors, oldest first.
func (m *MFAStore) Factors(ctx context.Context, userID string) ([]domain.Factor, error) {
	var rows []factorRow
	if err := m.s.db.NewSelect().Model(&rows).Where("user_id = ?", userID).
		OrderExpr("created_at ASC, id ASC").Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Factor, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// acceptStep is the compare-and-swap on a factor: it sets status and the step
// where the factor is still f (id, user) in status from and its last step is below
// step. It reports whether it matched; when it did not, notFoundOrReplay tells why.
func acceptStep(ctx context.Context, db bun.IDB, f *domain.Factor, from, to domain.FactorStatus, step int64, at time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*factorRow)(nil)).
		Set("status = ?", string(to)).Set("last_step = ?", step).Set("last_used_at = ?", ts(at)).
		Where("id = ?", f.ID).Where("user_id = ?", f.UserID).
		Where("status = ?", string(from)).Where("last_step < ?", step).Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := affected(res)
	return n == 1, err
}

// notFoundOrReplay explains a compare-and-swap that matched nothing: not_found
// when f is no longer a factor in status want, else conflict (the step was taken).
func notFoundOrReplay(ctx context.Context, db bun.IDB, f *domain.Factor, want domain.FactorStatus) error {
	exists, err := db.NewSelect().Model((*factorRow)(nil)).
		Where("id = ?", f.ID).Where("user_id = ?", f.UserID).Where("status = ?", string(want)).Exists(ctx)
	if err != nil {
		return err
	}
	if !exists {
		return domain.Errorf(domain.CodeNotFound, "The factor does not exist.")
	}
	return domain.Errorf(domain.CodeConflict, "This code was used already.")
}

// Activate confirms the pending factor and, in the same transaction, turns the
// account's MFA on, replaces its recovery codes, revokes its sessions and opens the
// new one.
func (m *MFAStore) Activate(ctx context.Context, act domain.FactorActivation, fx domain.Effects) error {
	f := act.Factor
	return m.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := m.lockUser(ctx, tx, f.UserID); err != nil {
			return err
		}
		ok, err := acceptStep(ctx, tx, &f, domain.FactorPending, domain.FactorActive, act.Step, act.At)
		if err != nil {
			return err
		}
		if !ok {
			return notFoundOrReplay(ctx, tx, &f, domain.FactorPending)
		}
		if err := setMFA(ctx, tx, f.UserID, true); err != nil {
			return err
		}
		if act.RecoveryCodes != nil {
			if err := replaceCodes(ctx, tx, f.UserID, act.RecoveryCodes, act.At); err != nil {
				return err
			}
		}
		if _, err := revokeSessions(ctx, tx, f.UserID, "", act.At); err != nil {
			return err
		}
		if act.Session != nil {
			if _, err := tx.NewInsert().Model(newSessionRow(act.Session)).Exec(ctx); err != nil {
				return err
			}
		}
		return writeEffects(ctx, tx, fx)
	})
}

// AcceptStep is one conditional UPDATE (last_step < step), with fx when there is
// any: of N concurrent submissions of one code exactly one matches a row.
func (m *MFAStore) AcceptStep(ctx context.Context, f *domain.Factor, step int64, at time.Time, fx domain.Effects) error {
	return m.s.withEffects(ctx, fx, func(ctx context.Context, db bun.IDB) error {
		ok, err := acceptStep(ctx, db, f, domain.FactorActive, domain.FactorActive, step, at)
		if err != nil || ok {
			return err
		}
		return notFoundOrReplay(ctx, db, f, domain.FactorActive)
	})
}

// DeleteFactor removes f; when no active factor and no passkey is left, the
// recovery codes go and the account's MFA is off.
func (m *MFAStore) DeleteFactor(ctx context.Context, f *domain.Factor, fx domain.Effects) error {
	return m.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := m.lockUser(ctx, tx, f.UserID); err != nil {
			return err
		}
		res, err := tx.NewDelete().Model((*factorRow)(nil)).
			Where("id = ?", f.ID).Where("user_id = ?", f.UserID).Exec(ctx)
		if err != nil {
			return err
		}
		if err := mustHaveMatched(res); err != nil {
			return err
		}
		if err := mfaOffWhenNoneLeft(ctx, tx, f.UserID); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// Reset removes every factor, passkey and code of the user, turns MFA off and
// revokes its sessions.
func (m *MFAStore) Reset(ctx context.Context, userID string, at time.Time, fx domain.Effects) error {
	return m.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := m.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		for _, model := range []any{(*factorRow)(nil), (*recoveryCodeRow)(nil), (*mfaTokenRow)(nil),
			(*passkeyRow)(nil), (*ceremonyRow)(nil)} {
			if _, err := tx.NewDelete().Model(model).Where("user_id = ?", userID).Exec(ctx); err != nil {
				return err
			}
		}
		if err := setMFA(ctx, tx, userID, false); err != nil {
			return err
		}
		if _, err := revokeSessions(ctx, tx, userID, "", at); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// ReplaceRecoveryCodes deletes the user's codes and inserts hashes, in one
// transaction.
func (m *MFAStore) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, at time.Time, fx domain.Effects) error {
	return m.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := m.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		if err := replaceCodes(ctx, tx, userID, hashes, at); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// UseRecoveryCode is one DELETE of the code: whoever deletes the row used it.
func (m *MFAStore) UseRecoveryCode(ctx context.Context, userID, hash string, fx domain.Effects) (int, error) {
	var left int
	err := m.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewDelete().Model((*recoveryCodeRow)(nil)).
			Where("user_id = ?", userID).Where("hash = ?", hash).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := affected(res)
		if err != nil {
			return err
		}
		if n != 1 {
			return domain.Errorf(domain.CodeNotFound, "No such recovery code.")
		}
		count, err := tx.NewSelect().Model((*recoveryCodeRow)(nil)).Where("user_id = ?", userID).Count(ctx)
		if err != nil {
			return err
		}
		left = int(count)
		return writeEffects(ctx, tx, fx)
	})
	return left, err
}

// RecoveryCodesLeft counts the user's codes.
func (m *MFAStore) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	n, err := m.s.db.NewSelect().Model((*recoveryCodeRow)(nil)).Where("user_id = ?", userID).Count(ctx)
	return int(n), translate(err)
}

// setMFA writes the account's MFA flag.
func setMFA(ctx context.Context, db bun.IDB, userID string, on bool) error {
	res, err := db.NewUpdate().Model((*userRow)(nil)).Set("mfa_enabled = ?", on).Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return err
	}
	return mustHaveMatched(res)
}

// replaceCodes makes hashes the user's only recovery codes.
func replaceCodes(ctx context.Context, db bun.IDB, userID string, hashes []string, at time.Time) error {
	if _, err := db.NewDelete().Model((*recoveryCodeRow)(nil)).Where("user_id = ?", userID).Exec(ctx); err != nil {
		return err
	}
	if len(hashes) == 0 {
		return nil
	}
	rows := make([]recoveryCodeRow, len(hashes))
	for i, h := range hashes {
		rows[i] = recoveryCodeRow{UserID: userID, Hash: h, CreatedAt: ts(at)}
	}
	_, err := db.NewInsert().Model(&rows).Exec(ctx)
	return err
}
