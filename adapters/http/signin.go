package httpapi

import (
	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/app"
)

// Sign-in by mail (ARCHITECTURE.md §11), when AUTH_PASSWORDLESS is on; off, both
// endpoints answer 404 not_found. The request shares the per-IP budget of the
// other mail-sending operations (forgot), the verification that of the login.

func (h *handlers) signInRoutes(r router, rl RateLimits) {
	r.add(fiber.MethodPost, "/v1/auth/otp", limit(rl.Forgot), h.requestSignIn)
	r.add(fiber.MethodPost, "/v1/auth/otp/verify", limit(rl.Login), h.verifySignIn)
}

// signInVerifyRequest is a sign-in link's token, or an address with its code.
type signInVerifyRequest struct {
	Email string `json:"email"`
	Code  string `json:"code"`
	Token string `json:"token"`
}

// requestSignIn answers 202 whether or not the address has an account.
func (h *handlers) requestSignIn(c *fiber.Ctx) error {
	var req emailRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := h.app.RequestSignIn(c.UserContext(), app.SignInRequestInput{
		Email: req.Email, PreferredLocales: acceptLanguages(c.Get(fiber.HeaderAcceptLanguage)), Client: client(c),
	}); err != nil {
		return err
	}
	c.Status(fiber.StatusAccepted)
	return nil
}

func (h *handlers) verifySignIn(c *fiber.Ctx) error {
	var req signInVerifyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	pair, err := h.app.VerifySignIn(c.UserContext(), app.SignInVerifyInput{
		Email: req.Email, Code: req.Code, Token: req.Token,
		PreferredLocales: acceptLanguages(c.Get(fiber.HeaderAcceptLanguage)), Client: client(c),
	})
	if err != nil {
		return err
	}
	return sendTokens(c, pair)
}
