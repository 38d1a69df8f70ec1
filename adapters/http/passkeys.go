package httpapi

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// The passkey endpoints (ARCHITECTURE.md §9). Options and credentials are the
// WebAuthn JSON forms, passed through as they are.

// passkeyRoutes registers them; the login ceremony shares the login's per-IP
// budget.
func (h *handlers) passkeyRoutes(r router, auth fiber.Handler, rl RateLimits) {
	r.add(fiber.MethodPost, "/v1/auth/passkeys/register/options", auth, h.passkeyRegistrationOptions)
	r.add(fiber.MethodPost, "/v1/auth/passkeys/register", auth, h.registerPasskey)
	r.add(fiber.MethodPost, "/v1/auth/passkeys/login/options", limit(rl.Login), h.passkeyLoginOptions)
	r.add(fiber.MethodPost, "/v1/auth/passkeys/login", limit(rl.Login), h.loginPasskey)
	r.add(fiber.MethodGet, "/v1/auth/passkeys", auth, h.listPasskeys)
	r.add(fiber.MethodPatch, "/v1/auth/passkeys/:id", auth, h.renamePasskey)
	r.add(fiber.MethodDelete, "/v1/auth/passkeys/:id", auth, h.removePasskey)
}

type (
	registerPasskeyRequest struct {
		CeremonyID string          `json:"ceremony_id"`
		Credential json.RawMessage `json:"credential"`
		Name       string          `json:"name"`
	}
	passkeyLoginOptionsRequest struct {
		MFAToken string `json:"mfa_token"`
	}
	passkeyLoginRequest struct {
		CeremonyID string          `json:"ceremony_id"`
		Credential json.RawMessage `json:"credential"`
		MFAToken   string          `json:"mfa_token"`
	}
	renamePasskeyRequest struct {
		Name *string `json:"name"`
	}
)

// passkeyView is the public shape of a passkey: never its key.
type passkeyView struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	CreatedAt  string   `json:"created_at"`
	LastUsedAt *string  `json:"last_used_at"`
	BackedUp   bool     `json:"backed_up"`
	Transports []string `json:"transports"`
}

func newPasskeyView(p *domain.Passkey) passkeyView {
	v := passkeyView{ID: p.ID, Name: p.Name, CreatedAt: formatTime(p.CreatedAt), BackedUp: p.BackedUp,
		Transports: p.Transports}
	if v.Transports == nil {
		v.Transports = []string{}
	}
	if p.LastUsedAt != nil {
		s := formatTime(*p.LastUsedAt)
		v.LastUsedAt = &s
	}
	return v
}

type (
	ceremonyBody struct {
		CeremonyID string          `json:"ceremony_id"`
		PublicKey  json.RawMessage `json:"publicKey"`
	}
	// passkeyRegistrationBody carries the token pair's members only when the
	// registration turned MFA on (a new session replaced every other one).
	passkeyRegistrationBody struct {
		Passkey       passkeyView `json:"passkey"`
		RecoveryCodes []string    `json:"recovery_codes"`
		*tokenBody
	}
	passkeyBody struct {
		Passkey passkeyView `json:"passkey"`
	}
	passkeysBody struct {
		Passkeys []passkeyView `json:"passkeys"`
	}
)

func sendCeremony(c *fiber.Ctx, o *app.PasskeyOptions) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, fiber.StatusOK, ceremonyBody{CeremonyID: o.CeremonyID, PublicKey: o.PublicKey})
}

func (h *handlers) passkeyRegistrationOptions(c *fiber.Ctx) error {
	o, err := h.app.PasskeyRegistrationOptions(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	return sendCeremony(c, o)
}

func (h *handlers) registerPasskey(c *fiber.Ctx) error {
	var req registerPasskeyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	revoked(c, revokedMFAEnabled)
	out, err := h.app.RegisterPasskey(c.UserContext(), principal(c), app.RegisterPasskeyInput{
		CeremonyID: req.CeremonyID, Credential: req.Credential, Name: req.Name, Client: client(c),
	})
	if err != nil {
		return err
	}
	body := passkeyRegistrationBody{Passkey: newPasskeyView(&out.Passkey), RecoveryCodes: out.RecoveryCodes}
	if out.Pair != nil {
		t := newTokenBody(out.Pair)
		body.tokenBody = &t
	}
	// Recovery codes and tokens are shown once: never cached.
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
	return sendJSON(c, fiber.StatusCreated, body)
}

func (h *handlers) passkeyLoginOptions(c *fiber.Ctx) error {
	var req passkeyLoginOptionsRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	o, err := h.app.PasskeyLoginOptions(c.UserContext(), req.MFAToken)
	if err != nil {
		return err
	}
	return sendCeremony(c, o)
}

func (h *handlers) loginPasskey(c *fiber.Ctx) error {
	var req passkeyLoginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	pair, err := h.app.LoginPasskey(c.UserContext(), app.PasskeyLoginInput{
		CeremonyID: req.CeremonyID, Credential: req.Credential, MFAToken: req.MFAToken, Client: client(c),
	})
	if err != nil {
		return err
	}
	return sendTokens(c, pair)
}

func (h *handlers) listPasskeys(c *fiber.Ctx) error {
	ps, err := h.app.ListPasskeys(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	body := passkeysBody{Passkeys: make([]passkeyView, 0, len(ps))}
	for i := range ps {
		body.Passkeys = append(body.Passkeys, newPasskeyView(&ps[i]))
	}
	return sendJSON(c, fiber.StatusOK, body)
}

func (h *handlers) renamePasskey(c *fiber.Ctx) error {
	var req renamePasskeyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	name := ""
	if req.Name != nil {
		name = *req.Name
	}
	p, err := h.app.RenamePasskey(c.UserContext(), principal(c), c.Params("id"), name)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, passkeyBody{Passkey: newPasskeyView(p)})
}

func (h *handlers) removePasskey(c *fiber.Ctx) error {
	if err := h.app.RemovePasskey(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
