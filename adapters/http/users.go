package httpapi

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// updateUserRequest is the PATCH body; an absent (or null) field is left alone.
type updateUserRequest struct {
	Name     *string        `json:"name"`
	Username *string        `json:"username"`
	Mobile   *string        `json:"mobile"`
	Locale   *string        `json:"locale"`
	Role     *domain.Role   `json:"role"`
	Status   *domain.Status `json:"status"`
}

func (h *handlers) listUsers(c *fiber.Ctx) error {
	limit := 0
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return domain.Invalid(domain.FieldError{Field: "limit", Code: "invalid", Message: "Limit must be a positive integer."})
		}
		limit = n
	}
	page, err := h.app.ListUsers(c.UserContext(), principal(c), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, newUserPageBody(page))
}

func (h *handlers) getUser(c *fiber.Ctx) error {
	u, err := h.app.GetUser(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, userBody{User: newUserView(u)})
}

func (h *handlers) updateUser(c *fiber.Ctx) error {
	var req updateUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Status != nil && *req.Status == domain.StatusDisabled {
		revoked(c, revokedUserDisabled)
	}
	u, err := h.app.UpdateUser(c.UserContext(), principal(c), c.Params("id"), app.UserPatch{
		Name: req.Name, Username: req.Username, Mobile: req.Mobile, Locale: req.Locale, Role: req.Role, Status: req.Status,
	})
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, userBody{User: newUserView(u)})
}

func (h *handlers) deleteUser(c *fiber.Ctx) error {
	revoked(c, revokedUserDeleted)
	if err := h.app.DeleteUser(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (h *handlers) adminActivate(c *fiber.Ctx) error {
	u, err := h.app.AdminActivate(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, userBody{User: newUserView(u)})
}
