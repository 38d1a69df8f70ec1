package httpapi

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// The request bodies of the /v1/auth endpoints. Fields a body does not list (role,
// status in a sign-up) are ignored by the decoder and so can never be set.
type (
	signUpRequest struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Username string `json:"username"`
		Name     string `json:"name"`
		Mobile   string `json:"mobile"`
		Locale   string `json:"locale"`
	}
	tokenRequest struct {
		Token string `json:"token"`
	}
	emailRequest struct {
		Email string `json:"email"`
	}
	loginRequest struct {
		Email    string `json:"email"`
		Username string `json:"username"`
		Password string `json:"password"`
	}
	refreshRequest struct {
		RefreshToken string `json:"refresh_token"`
	}
	logoutRequest struct {
		Scope domain.LogoutScope `json:"scope"`
	}
	changePasswordRequest struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	resetPasswordRequest struct {
		Token       string `json:"token"`
		NewPassword string `json:"new_password"`
	}
	passwordRequest struct {
		Password string `json:"password"`
	}
)

func (h *handlers) signUp(c *fiber.Ctx) error {
	var req signUpRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := h.app.SignUp(c.UserContext(), app.SignUpInput{
		Email: req.Email, Password: req.Password, Username: req.Username, Name: req.Name, Mobile: req.Mobile,
		Locale: req.Locale, PreferredLocales: acceptLanguages(c.Get(fiber.HeaderAcceptLanguage)),
		Client: client(c),
	})
	if err != nil {
		return err
	}
	c.Location("/v1/users/" + u.ID)
	return sendJSON(c, fiber.StatusCreated, userBody{User: newUserView(u)})
}

func (h *handlers) activate(c *fiber.Ctx) error {
	var req tokenRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := h.app.Activate(c.UserContext(), req.Token, client(c))
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, userBody{User: newUserView(u)})
}

// mailLink serves the "mail me a link" endpoints (resend activation, forgot
// password): an address in, 202 out whether or not it has an account.
func mailLink(send func(ctx context.Context, email string, client app.Client) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req emailRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if err := send(c.UserContext(), req.Email, client(c)); err != nil {
			return err
		}
		// No body: SendStatus would write the status text, which is not JSON.
		c.Status(fiber.StatusAccepted)
		return nil
	}
}

func (h *handlers) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	pair, err := h.app.Login(c.UserContext(), app.LoginInput{
		Email: req.Email, Username: req.Username, Password: req.Password,
		Client: client(c),
	})
	if err != nil {
		return err
	}
	return sendTokens(c, pair)
}

// refresh takes the refresh token from the body's refresh_token or, failing that,
// from `Authorization: Bearer` (convenient for clients that keep it in a header).
func (h *handlers) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	token := req.RefreshToken
	if token == "" {
		token = bearerToken(c)
	}
	pair, err := h.app.Refresh(c.UserContext(), token, client(c))
	if err != nil {
		return err
	}
	if pair.Replayed {
		c.Locals(refreshReplayedKey, true)
	}
	return sendTokens(c, pair)
}

// sendTokens writes the token response; RFC 6749 §5.1 forbids caching it.
func sendTokens(c *fiber.Ctx, pair *app.TokenPair) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
	return sendJSON(c, fiber.StatusOK, newTokenBody(pair))
}

func (h *handlers) logout(c *fiber.Ctx) error {
	var req logoutRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	revoked(c, logoutCause(req.Scope))
	if err := h.app.Logout(c.UserContext(), principal(c), req.Scope); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handlers) me(c *fiber.Ctx) error {
	u, err := h.app.Me(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, userBody{User: newUserView(u)})
}

func (h *handlers) changePassword(c *fiber.Ctx) error {
	var req changePasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	revoked(c, revokedPasswordChange)
	if err := h.app.ChangePassword(c.UserContext(), principal(c), req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handlers) resetPassword(c *fiber.Ctx) error {
	var req resetPasswordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	revoked(c, revokedPasswordReset)
	if err := h.app.ResetPassword(c.UserContext(), req.Token, req.NewPassword, client(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handlers) deleteAccount(c *fiber.Ctx) error {
	var req passwordRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	revoked(c, revokedAccountDeleted)
	if err := h.app.DeleteAccount(c.UserContext(), principal(c), req.Password); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
