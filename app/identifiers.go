package app

import (
	"context"

	"github.com/authd/authd/domain"
)

// email normalises an address through the Identifiers port and checks the result's
// shape, returning the stored form or the one field error to report.
func (a *App) email(field, raw string) (string, *domain.FieldError) {
	email, fe := a.Identifiers.Email(field, raw)
	if fe != nil {
		return "", fe
	}
	return email, domain.ValidateEmail(field, email)
}

// username normalises a username through the Identifiers port and checks the
// result's shape; "" (no username) passes.
func (a *App) username(field, raw string) (string, *domain.FieldError) {
	username, fe := a.Identifiers.Username(field, raw)
	if fe != nil {
		return "", fe
	}
	return username, domain.ValidateUsername(field, username)
}

// userByEmail finds the account of a normalised address. Accounts created before
// Unicode normalisation were stored under domain.NormalizeEmail (trim and
// lower-case), which differs from today's form only for some non-ASCII addresses
// (decomposed accents, "ß", fullwidth letters); when the normalised form names no
// account, the old form of what the client typed is tried, so that those accounts
// stay reachable. New accounts are only ever stored in the normalised form, so the
// fallback cannot find a lookalike created after the upgrade.
func (a *App) userByEmail(ctx context.Context, email, raw string) (*domain.User, error) {
	u, err := a.Users.ByEmail(ctx, email)
	if legacy := domain.NormalizeEmail(raw); domain.IsCode(err, domain.CodeNotFound) && legacy != email {
		return a.Users.ByEmail(ctx, legacy)
	}
	return u, err
}
