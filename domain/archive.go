package domain

import "regexp"

// Account is one account with everything that keeps it working after a move to
// another database (ARCHITECTURE.md §13): the user with its password hash, its
// second factors (secrets still sealed: they open under the same encryption key
// and the same ids), its recovery-code hashes, its passkeys and its live sessions
// with their refresh counters, its external identities. A new kind of account
// data is one more field here, read and written by each store's Archive.
type Account struct {
	User          User
	Factors       []Factor
	RecoveryCodes []string // hashes, as stored
	Passkeys      []Passkey
	Sessions      []Session
	// Tokens are the account's live one-time tokens (activation, password reset,
	// e-mail change; their hashes), so that a link mailed before the move still
	// works after it.
	Tokens []OneTimeToken
	// Identities are the account's linked external identities (§10), so that a
	// provider's user still signs in to the same account after the move.
	Identities []Identity
}

// Secret is one generated secret of a store (signing keys, the refresh key, the
// generated encryption key), moved with the accounts so that their tokens still
// verify and their sealed values still open.
type Secret struct {
	Name  string
	Value []byte
}

// archiveIDPattern is what an imported id may be: UUIDs (authd's, GoTrue's) and
// other opaque ids of at most 64 URL-safe characters.
var archiveIDPattern = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)

// Limits of imported account data.
const (
	maxArchiveRecoveryCodes = 100
	maxArchiveBytes         = 4096
)

// Validate checks an account read from an archive or another system before it is
// written: the user's fields as sign-up would check them (e-mail and username
// normalised already), known roles, statuses, factor types and levels, ids of a
// sane form and sizes within bounds. The error names the account and the field.
func (a *Account) Validate() error {
	u := &a.User
	bad := func(field, why string) error {
		return Errorf(CodeValidationFailed, "account %.64q: %s: %s", u.ID, field, why)
	}
	if !archiveIDPattern.MatchString(u.ID) {
		return bad("id", "not 1-64 characters of A-Z, a-z, 0-9, '-' or '_'")
	}
	for _, fe := range []*FieldError{ValidateEmail("email", u.Email), ValidateUsername("username", u.Username),
		ValidateName("name", u.Name), ValidateMobile("mobile", u.Mobile)} {
		if fe != nil {
			return bad(fe.Field, fe.Message)
		}
	}
	switch {
	case !u.Role.Valid():
		return bad("role", "not user or admin")
	case !u.Status.Valid():
		return bad("status", "not pending, active or disabled")
	case u.CreatedAt.IsZero() || u.UpdatedAt.IsZero():
		return bad("created_at", "missing")
	case len(u.Locale) > 35 || len(u.PasswordHash) > 1024:
		return bad("locale or password_hash", "too long")
	case len(a.RecoveryCodes) > maxArchiveRecoveryCodes:
		return bad("recovery_codes", "more than 100")
	}
	for _, h := range a.RecoveryCodes {
		if h == "" || len(h) > 128 {
			return bad("recovery_codes", "a hash is empty or longer than 128")
		}
	}
	for _, f := range a.Factors {
		if !archiveIDPattern.MatchString(f.ID) || f.Type != FactorTOTP || (f.Status != FactorPending && f.Status != FactorActive) ||
			len(f.Secret) == 0 || len(f.Secret) > maxArchiveBytes {
			return bad("factor "+f.ID, "id, type (totp), status (pending, active) or secret invalid")
		}
	}
	for _, p := range a.Passkeys {
		if !archiveIDPattern.MatchString(p.ID) || len(p.CredentialID) == 0 || len(p.CredentialID) > 1023 ||
			len(p.PublicKey) == 0 || len(p.PublicKey) > maxArchiveBytes || len(p.UserHandle) > 64 {
			return bad("passkey "+p.ID, "id, credential_id, public_key or user_handle invalid")
		}
	}
	for _, t := range a.Tokens {
		if t.Hash == "" || len(t.Hash) > 128 || (t.Kind != TokenActivation && t.Kind != TokenPasswordReset && t.Kind != TokenEmailChange) ||
			t.ExpiresAt.IsZero() || (t.Kind == TokenEmailChange) != (t.NewEmail != "") {
			return bad("token", "hash, kind (activation, password_reset, email_change), new_email or expires_at invalid")
		}
	}
	providers := map[string]bool{}
	for _, id := range a.Identities {
		if id.Provider == "" || len(id.Provider) > 64 || id.Subject == "" || len(id.Subject) > 255 || len(id.Email) > 254 ||
			id.CreatedAt.IsZero() || providers[id.Provider] {
			return bad("identity "+id.Provider, "provider, subject, email or created_at invalid, or a second identity of one provider")
		}
		providers[id.Provider] = true
	}
	for _, s := range a.Sessions {
		if !archiveIDPattern.MatchString(s.ID) || s.ExpiresAt.IsZero() || (s.AAL != AAL1 && s.AAL != AAL2) {
			return bad("session "+s.ID, "id, expires_at or aal (aal1, aal2) invalid")
		}
	}
	return nil
}
