package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// The external identity provider endpoints (ARCHITECTURE.md §10): the browser
// visits authorize and callback; the app links, lists and unlinks identities
// with an access token. POST /v1/auth/token, which exchanges the code the
// callback hands back, is shared with sign-in by mail.

// providerRoutes registers them; authorize and callback share the login's
// per-IP budget (each stores or spends a flow, the callback calls the provider).
func (h *handlers) providerRoutes(r router, auth fiber.Handler, rl RateLimits) {
	r.add(fiber.MethodGet, "/v1/auth/providers/:name/authorize", limit(rl.Login), h.providerAuthorize)
	r.add(fiber.MethodGet, "/v1/auth/providers/:name/callback", limit(rl.Login), h.providerCallback)
	r.add(fiber.MethodGet, "/v1/auth/identities", auth, h.listIdentities)
	r.add(fiber.MethodPost, "/v1/auth/identities/:name", auth, h.linkIdentity)
	r.add(fiber.MethodDelete, "/v1/auth/identities/:name", auth, h.unlinkIdentity)
}

type (
	linkIdentityRequest struct {
		RedirectURI         string `json:"redirect_uri"`
		CodeChallenge       string `json:"code_challenge"`
		CodeChallengeMethod string `json:"code_challenge_method"`
		State               string `json:"state"`
	}
	linkIdentityBody struct {
		URL string `json:"url"`
	}
	identityView struct {
		Provider   string  `json:"provider"`
		Subject    string  `json:"subject"`
		Email      string  `json:"email"`
		CreatedAt  string  `json:"created_at"`
		LastUsedAt *string `json:"last_used_at"`
	}
	identitiesBody struct {
		Identities []identityView `json:"identities"`
	}
)

func newIdentityView(id *domain.Identity) identityView {
	v := identityView{Provider: id.Provider, Subject: id.Subject, Email: id.Email, CreatedAt: formatTime(id.CreatedAt)}
	if id.LastUsedAt != nil {
		s := formatTime(*id.LastUsedAt)
		v.LastUsedAt = &s
	}
	return v
}

// redirect answers 302 to location; the URLs carry one-time values, so the
// answer is never cached and sends no Referer on.
func redirect(c *fiber.Ctx, location string) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set(fiber.HeaderLocation, location)
	return c.SendStatus(fiber.StatusFound)
}

func (h *handlers) providerAuthorize(c *fiber.Ctx) error {
	to, _, err := h.app.ProviderAuthorize(c.UserContext(), app.ProviderAuthorizeInput{
		Provider: c.Params("name"), RedirectURI: c.Query("redirect_uri"), CodeChallenge: c.Query("code_challenge"),
		CodeChallengeMethod: c.Query("code_challenge_method"), State: c.Query("state"),
	})
	if err != nil {
		return err
	}
	return redirect(c, to)
}

func (h *handlers) providerCallback(c *fiber.Ctx) error {
	to, err := h.app.ProviderCallback(c.UserContext(), app.ProviderCallbackInput{
		Provider: c.Params("name"), State: c.Query("state"), Code: c.Query("code"), Error: c.Query("error"),
		PreferredLocales: acceptLanguages(c.Get(fiber.HeaderAcceptLanguage)), Client: client(c),
	})
	if err != nil {
		return err
	}
	return redirect(c, to)
}

func (h *handlers) listIdentities(c *fiber.Ctx) error {
	ids, err := h.app.ListIdentities(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	body := identitiesBody{Identities: make([]identityView, 0, len(ids))}
	for i := range ids {
		body.Identities = append(body.Identities, newIdentityView(&ids[i]))
	}
	return sendJSON(c, fiber.StatusOK, body)
}

func (h *handlers) linkIdentity(c *fiber.Ctx) error {
	var req linkIdentityRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	to, err := h.app.LinkProviderStart(c.UserContext(), principal(c), app.ProviderAuthorizeInput{
		Provider: c.Params("name"), RedirectURI: req.RedirectURI, CodeChallenge: req.CodeChallenge,
		CodeChallengeMethod: req.CodeChallengeMethod, State: req.State,
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, fiber.StatusOK, linkIdentityBody{URL: to})
}

func (h *handlers) unlinkIdentity(c *fiber.Ctx) error {
	if err := h.app.UnlinkIdentity(c.UserContext(), principal(c), c.Params("name")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
