package app

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/authd/authd/domain"
)

// UserPage is one page of ListUsers; NextCursor is empty on the last page.
type UserPage struct {
	Users      []domain.User
	NextCursor string
}

// ListUsers returns users in a stable order (by id, which is time-ordered), limit at
// a time; cursor is the opaque NextCursor of the previous page. Admins only.
// Returns forbidden, validation_failed (bad cursor, or a limit below 1 or above
// MaxPageSize).
func (a *App) ListUsers(ctx context.Context, p Principal, cursor string, limit int) (*UserPage, error) {
	if err := a.requireAdmin(p); err != nil {
		return nil, err
	}
	switch {
	case limit == 0:
		limit = a.cfg.DefaultPageSize
	case limit < 0:
		return nil, domain.Invalid(domain.FieldError{Field: "limit", Code: "invalid", Message: "Limit must be positive."})
	case limit > a.cfg.MaxPageSize:
		return nil, domain.Invalid(domain.FieldError{Field: "limit", Code: "invalid",
			Message: fmt.Sprintf("Limit must be at most %d.", a.cfg.MaxPageSize)})
	}
	after := ""
	if cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || !domain.IsID(string(b)) {
			return nil, domain.Invalid(domain.FieldError{Field: "cursor", Code: "invalid", Message: "Cursor is not valid."})
		}
		after = string(b)
	}
	// Ask for one extra row to learn whether another page exists without a count.
	users, err := a.Users.List(ctx, after, limit+1)
	if err != nil {
		return nil, err
	}
	page := &UserPage{Users: users}
	if len(users) > limit {
		page.Users = users[:limit]
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(users[limit-1].ID))
	}
	return page, nil
}

// GetUser returns one account to its owner or an admin. Returns forbidden, not_found.
func (a *App) GetUser(ctx context.Context, p Principal, id string) (*domain.User, error) {
	if !p.IsAdmin() && p.UserID != id {
		return nil, errForbidden()
	}
	if err := a.adminAssurance(p); err != nil {
		return nil, err
	}
	return a.Users.ByID(ctx, id)
}

// UserPatch holds the fields an update changes; nil leaves a field alone. Role and
// Status are honoured for admins only.
type UserPatch struct {
	Name     *string
	Username *string
	Mobile   *string
	Locale   *string
	Role     *domain.Role
	Status   *domain.Status
}

// UpdateUser changes an account's profile (owner or admin) and, for admins, its role
// and status. The patch is applied to the account as stored at the moment of the
// write, inside one store step, so a concurrent change of another field (an admin
// disabling the account while its owner renames it) is never undone. Disabling an
// account also revokes its sessions. Returns forbidden (not the owner, or a
// non-admin setting role/status), not_found, validation_failed, username_taken.
func (a *App) UpdateUser(ctx context.Context, p Principal, id string, patch UserPatch) (*domain.User, error) {
	if !p.IsAdmin() && (p.UserID != id || patch.Role != nil || patch.Status != nil) {
		return nil, errForbidden()
	}
	if err := a.adminAssurance(p); err != nil {
		return nil, err
	}
	var usernameErr *domain.FieldError
	if patch.Username != nil {
		username := ""
		username, usernameErr = a.username("username", *patch.Username)
		patch.Username = &username
	}
	if err := patch.validate(usernameErr); err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	disabling := false
	var fx domain.Effects
	u, err := a.Users.Update(ctx, id, func(u *domain.User) (domain.Effects, error) {
		before := *u
		disabling = patch.apply(u, now)
		var err error
		fx, err = a.userUpdated(p, &before, u)
		return fx, err
	})
	if err != nil {
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	if disabling {
		revoked, err := a.record(by(p), domain.EventSessionRevoked, u.ID, map[string]any{"reason": "account_disabled"})
		if err != nil {
			return nil, err
		}
		if _, err := a.Sessions.RevokeAll(ctx, u.ID, "", now, revoked); err != nil {
			return nil, err
		}
		a.effectsDelivered(ctx, revoked)
	}
	return u, nil
}

// userUpdated is the user.updated event of a change from before to after: the
// names of the fields that changed, and the new role and status when those did.
// A patch that changed nothing records nothing.
func (a *App) userUpdated(p Principal, before, after *domain.User) (domain.Effects, error) {
	var changed []string
	data := map[string]any{}
	for _, f := range []struct {
		name     string
		old, new string
	}{
		{"name", before.Name, after.Name}, {"username", before.Username, after.Username},
		{"mobile", before.Mobile, after.Mobile}, {"locale", before.Locale, after.Locale}, {"role", string(before.Role), string(after.Role)},
		{"status", string(before.Status), string(after.Status)},
	} {
		if f.old != f.new {
			changed = append(changed, f.name)
			if f.name == "role" || f.name == "status" {
				data[f.name] = f.new
			}
		}
	}
	if len(changed) == 0 {
		return domain.Effects{}, nil
	}
	data["changed"] = changed
	return a.record(by(p), domain.EventUserUpdated, after.ID, data)
}

// validate checks the patch's values on their own; none depends on the account.
// The username has been normalised already, usernameErr being its verdict.
func (patch UserPatch) validate(usernameErr *domain.FieldError) error {
	fields := []*domain.FieldError{usernameErr}
	if patch.Name != nil {
		fields = append(fields, domain.ValidateName("name", strings.TrimSpace(*patch.Name)))
	}
	if patch.Mobile != nil {
		fields = append(fields, domain.ValidateMobile("mobile", strings.TrimSpace(*patch.Mobile)))
	}
	if patch.Locale != nil {
		fields = append(fields, domain.ValidateLocale("locale", *patch.Locale))
	}
	if patch.Role != nil && !patch.Role.Valid() {
		fields = append(fields, &domain.FieldError{Field: "role", Code: "invalid", Message: "Role must be user or admin."})
	}
	if patch.Status != nil && !patch.Status.Valid() {
		fields = append(fields, &domain.FieldError{Field: "status", Code: "invalid", Message: "Status must be pending, active or disabled."})
	}
	return validate(fields...)
}

// apply writes the patch onto u, the account as currently stored, and reports
// whether it disables an account that was not disabled.
func (patch UserPatch) apply(u *domain.User, now time.Time) (disabling bool) {
	if patch.Name != nil {
		u.Name = strings.TrimSpace(*patch.Name)
	}
	if patch.Username != nil {
		u.Username = *patch.Username // normalised by UpdateUser
	}
	if patch.Mobile != nil {
		u.Mobile = strings.TrimSpace(*patch.Mobile)
	}
	if patch.Locale != nil {
		u.Locale, _ = domain.NormalizeLocale(*patch.Locale) // validated first
	}
	if patch.Role != nil {
		u.Role = *patch.Role
	}
	if patch.Status != nil {
		disabling = *patch.Status == domain.StatusDisabled && u.Status != domain.StatusDisabled
		if *patch.Status == domain.StatusActive && u.ActivatedAt == nil {
			u.ActivatedAt = &now
		}
		u.Status = *patch.Status
	}
	u.UpdatedAt = now
	return disabling
}

// DeleteUser removes any account with its sessions and tokens. Admins only, and only
// with a fresh token (one minted by a login, not a refresh), so a stolen long-lived
// session cannot wipe accounts. Returns forbidden, fresh_token_required, not_found.
func (a *App) DeleteUser(ctx context.Context, p Principal, id string) error {
	if err := a.requireAdmin(p); err != nil {
		return err
	}
	if !p.Fresh {
		return domain.Errorf(domain.CodeFreshTokenRequired, "Deleting a user needs a token from a recent login; log in again.")
	}
	fx, err := a.record(by(p), domain.EventUserDeleted, id, map[string]any{"by": "admin"})
	if err != nil {
		return err
	}
	if err := a.Users.Delete(ctx, id, fx); err != nil {
		return err
	}
	a.effectsDelivered(ctx, fx)
	return nil
}

// AdminActivate activates a pending account without its token; an active account
// is returned as it is. A disabled account is refused with conflict: it was
// switched off on purpose, and turning it back on is an explicit status change
// (UpdateUser), not a side effect of "activate". The status is judged in the same
// store step that writes it, so a concurrent disable is not undone. Admins only.
// Returns forbidden, not_found, conflict.
func (a *App) AdminActivate(ctx context.Context, p Principal, id string) (*domain.User, error) {
	if err := a.requireAdmin(p); err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	var fx domain.Effects
	u, err := a.Users.Update(ctx, id, func(u *domain.User) (domain.Effects, error) {
		fx = domain.Effects{}
		switch u.Status {
		case domain.StatusDisabled:
			return fx, domain.Errorf(domain.CodeConflict,
				"The account is disabled; to turn it back on, set its status to active.")
		case domain.StatusPending:
			u.Status, u.ActivatedAt, u.UpdatedAt = domain.StatusActive, &now, now
			var err error
			fx, err = a.record(by(p), domain.EventUserActivated, u.ID, map[string]any{"by": "admin"})
			return fx, err
		}
		return fx, nil
	})
	if err != nil {
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	return u, nil
}

func errForbidden() error {
	return domain.Errorf(domain.CodeForbidden, "You are not allowed to do this.")
}
