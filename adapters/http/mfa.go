package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// The second-factor endpoints (ARCHITECTURE.md §8).

// mfaRoutes registers them; the second login step shares the login's per-IP budget.
func (h *handlers) mfaRoutes(r router, auth fiber.Handler, rl RateLimits) {
	r.add(fiber.MethodPost, "/v1/auth/login/mfa", limit(rl.Login), h.loginMFA)
	r.add(fiber.MethodGet, "/v1/auth/mfa", auth, h.getMFA)
	r.add(fiber.MethodPost, "/v1/auth/mfa/totp", auth, h.enrolTOTP)
	r.add(fiber.MethodPost, "/v1/auth/mfa/totp/confirm", auth, h.confirmTOTP)
	r.add(fiber.MethodDelete, "/v1/auth/mfa/totp", auth, h.removeTOTP)
	r.add(fiber.MethodPost, "/v1/auth/mfa/recovery-codes", auth, h.regenerateRecoveryCodes)
	r.add(fiber.MethodDelete, "/v1/users/:id/mfa", auth, h.resetUserMFA)
}

type (
	loginMFARequest struct {
		MFAToken     string `json:"mfa_token"`
		Code         string `json:"code"`
		RecoveryCode string `json:"recovery_code"`
	}
	codeRequest struct {
		Code string `json:"code"`
	}
)

// factorView is the public shape of a factor: never its secret.
type factorView struct {
	ID         string  `json:"id"`
	Type       string  `json:"type"`
	Status     string  `json:"status"`
	CreatedAt  string  `json:"created_at"`
	LastUsedAt *string `json:"last_used_at"`
}

func newFactorView(f *domain.Factor) factorView {
	v := factorView{ID: f.ID, Type: string(f.Type), Status: string(f.Status), CreatedAt: formatTime(f.CreatedAt)}
	if f.LastUsedAt != nil {
		s := formatTime(*f.LastUsedAt)
		v.LastUsedAt = &s
	}
	return v
}

type (
	enrolmentBody struct {
		Factor     factorView `json:"factor"`
		Secret     string     `json:"secret"`
		OTPAuthURI string     `json:"otpauth_uri"`
	}
	confirmationBody struct {
		tokenBody
		RecoveryCodes []string `json:"recovery_codes"`
	}
	recoveryCodesBody struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	mfaStatusBody struct {
		Factors                []factorView `json:"factors"`
		RecoveryCodesRemaining int          `json:"recovery_codes_remaining"`
	}
)

func (h *handlers) loginMFA(c *fiber.Ctx) error {
	var req loginMFARequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	pair, err := h.app.LoginMFA(c.UserContext(), app.LoginMFAInput{
		MFAToken: req.MFAToken, Code: req.Code, RecoveryCode: req.RecoveryCode, Client: client(c),
	})
	if err != nil {
		return err
	}
	return sendTokens(c, pair)
}

func (h *handlers) getMFA(c *fiber.Ctx) error {
	st, err := h.app.GetMFA(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	body := mfaStatusBody{Factors: make([]factorView, 0, len(st.Factors)), RecoveryCodesRemaining: st.RecoveryCodesLeft}
	for i := range st.Factors {
		body.Factors = append(body.Factors, newFactorView(&st.Factors[i]))
	}
	return sendJSON(c, fiber.StatusOK, body)
}

func (h *handlers) enrolTOTP(c *fiber.Ctx) error {
	e, err := h.app.EnrolTOTP(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store") // the secret is shown once
	return sendJSON(c, fiber.StatusCreated, enrolmentBody{Factor: newFactorView(&e.Factor), Secret: e.Secret, OTPAuthURI: e.URI})
}

func (h *handlers) confirmTOTP(c *fiber.Ctx) error {
	var req codeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	revoked(c, revokedMFAEnabled)
	out, err := h.app.ConfirmTOTP(c.UserContext(), principal(c), req.Code, client(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
	return sendJSON(c, fiber.StatusOK, confirmationBody{tokenBody: newTokenBody(out.Pair), RecoveryCodes: out.RecoveryCodes})
}

func (h *handlers) removeTOTP(c *fiber.Ctx) error {
	if err := h.app.RemoveTOTP(c.UserContext(), principal(c), client(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handlers) regenerateRecoveryCodes(c *fiber.Ctx) error {
	codes, err := h.app.RegenerateRecoveryCodes(c.UserContext(), principal(c), client(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, fiber.StatusOK, recoveryCodesBody{RecoveryCodes: codes})
}

func (h *handlers) resetUserMFA(c *fiber.Ctx) error {
	revoked(c, revokedMFAReset)
	if err := h.app.ResetUserMFA(c.UserContext(), principal(c), c.Params("id"), client(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
