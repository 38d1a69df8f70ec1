package app

import "github.com/authd/authd/domain"

// Step-up rules (ARCHITECTURE.md §8): with MFA on, the operations that could take
// an account over need a session that passed a second factor.

func errAAL2Required() error {
	return domain.Errorf(domain.CodeAAL2Required,
		"This needs a session that passed a second factor; log in again with it.")
}

// requireStepUp refuses a caller below aal2 when u, the caller's account, has MFA
// on. Password change, account deletion, factor removal and new recovery codes go
// through it. Returns aal2_required.
func requireStepUp(p Principal, u *domain.User) error {
	if u.MFAEnabled && p.AAL != domain.AAL2 {
		return errAAL2Required()
	}
	return nil
}

// requireFactorManagement is the gate of enrolling and managing factors: an aal2
// session once MFA is on, else a fresh token (minted by a login, not a refresh),
// so that a stolen long-lived refresh token cannot bind the attacker's
// authenticator. Returns aal2_required, fresh_token_required.
func requireFactorManagement(p Principal, u *domain.User) error {
	if u.MFAEnabled {
		return requireStepUp(p, u)
	}
	if !p.Fresh {
		return domain.Errorf(domain.CodeFreshTokenRequired,
			"Setting up a second factor needs a token from a recent login; log in again.")
	}
	return nil
}

// requireAdmin admits admins and, with AdminRequireMFA, only their aal2
// sessions: the gate of every /v1/users operation an admin performs on someone
// else's account. Returns forbidden, aal2_required.
func (a *App) requireAdmin(p Principal) error {
	if !p.IsAdmin() {
		return errForbidden()
	}
	return a.adminAssurance(p)
}

// adminAssurance refuses an admin session below aal2 when AdminRequireMFA is set;
// for anyone else it passes. Returns aal2_required.
func (a *App) adminAssurance(p Principal) error {
	if a.cfg.AdminRequireMFA && p.IsAdmin() && p.AAL != domain.AAL2 {
		return domain.Errorf(domain.CodeAAL2Required,
			"User administration needs an admin session that passed a second factor.")
	}
	return nil
}
