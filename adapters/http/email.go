package httpapi

import "github.com/gofiber/fiber/v2"

// The e-mail change (ARCHITECTURE.md §11): a signed-in request that mails a link to
// the new address, and the confirmation that the link's page posts.

type emailChangeRequest struct {
	NewEmail string `json:"new_email"`
	Password string `json:"password"`
}

// The request sends mail to an address of the caller's choosing, so it shares the
// per-IP budget of the other mail-sending operations (AUTH_RATE_LIMIT_FORGOT): a
// signed-in account cannot turn the service into a mail cannon.
func (h *handlers) emailRoutes(r router, auth fiber.Handler, rl RateLimits) {
	r.add(fiber.MethodPost, "/v1/auth/email", limit(rl.Forgot), auth, h.requestEmailChange)
	r.add(fiber.MethodPost, "/v1/auth/email/confirm", h.confirmEmailChange)
	r.add(fiber.MethodGet, "/confirm-email", emailChangePage)
}

func (h *handlers) requestEmailChange(c *fiber.Ctx) error {
	var req emailChangeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := h.app.RequestEmailChange(c.UserContext(), principal(c), req.NewEmail, req.Password); err != nil {
		return err
	}
	// No body: SendStatus would write the status text, which is not JSON.
	c.Status(fiber.StatusAccepted)
	return nil
}

func (h *handlers) confirmEmailChange(c *fiber.Ctx) error {
	var req tokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := h.app.ConfirmEmailChange(c.UserContext(), req.Token, client(c))
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, userBody{User: newUserView(u)})
}

func emailChangePage(c *fiber.Ctx) error {
	return renderPage(c, "confirm_email.html.tmpl", "Confirm your new e-mail address")
}
