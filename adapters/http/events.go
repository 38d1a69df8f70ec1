package httpapi

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// eventView is an audit event as the API shows it.
type eventView struct {
	ID        string           `json:"id"`
	Type      domain.EventType `json:"type"`
	UserID    *string          `json:"user_id"`
	ActorID   *string          `json:"actor_id"`
	SessionID *string          `json:"session_id"`
	IP        string           `json:"ip"`
	UserAgent string           `json:"user_agent"`
	At        string           `json:"at"`
	Data      map[string]any   `json:"data"`
}

// orNull is s, or JSON null for "".
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newEventView(e domain.Event) eventView {
	v := app.NewEventView(e)
	return eventView{ID: v.ID, Type: v.Type, UserID: orNull(v.UserID), ActorID: orNull(v.ActorID),
		SessionID: orNull(v.SessionID), IP: v.IP, UserAgent: v.UserAgent, At: formatTime(v.At), Data: v.Data}
}

// eventPageBody is one page of events; NextCursor is null on the last page.
type eventPageBody struct {
	Events     []eventView `json:"events"`
	NextCursor *string     `json:"next_cursor"`
}

func newEventPageBody(p *app.EventPage) eventPageBody {
	out := eventPageBody{Events: make([]eventView, 0, len(p.Events))}
	for _, e := range p.Events {
		out.Events = append(out.Events, newEventView(e))
	}
	if p.NextCursor != "" {
		out.NextCursor = &p.NextCursor
	}
	return out
}

// queryLimit reads ?limit=: absent is 0 (the default page size).
func queryLimit(c *fiber.Ctx) (int, error) {
	s := c.Query("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, domain.Invalid(domain.FieldError{Field: "limit", Code: "invalid", Message: "Limit must be a positive integer."})
	}
	return n, nil
}

// listEvents serves GET /v1/audit-events (admins).
func (h *handlers) listEvents(c *fiber.Ctx) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	q := app.EventQuery{UserID: c.Query("user_id"), Type: c.Query("type"), Cursor: c.Query("cursor"), Limit: limit}
	if s := c.Query("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return domain.Invalid(domain.FieldError{Field: "since", Code: "invalid",
				Message: "Since must be an RFC 3339 time, such as 2026-01-02T15:04:05Z."})
		}
		q.Since = t
	}
	page, err := h.app.ListEvents(c.UserContext(), principal(c), q)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, newEventPageBody(page))
}

// myEvents serves GET /v1/auth/events: the caller's own events.
func (h *handlers) myEvents(c *fiber.Ctx) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	page, err := h.app.MyEvents(c.UserContext(), principal(c), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return sendJSON(c, fiber.StatusOK, newEventPageBody(page))
}

// sessionView is one of the caller's live sessions.
type sessionView struct {
	ID         string   `json:"id"`
	CreatedAt  string   `json:"created_at"`
	LastUsedAt string   `json:"last_used_at"`
	IP         string   `json:"ip"`
	UserAgent  string   `json:"user_agent"`
	AAL        string   `json:"aal"`
	AMR        []string `json:"amr"`
	Current    bool     `json:"current"`
}

type sessionsBody struct {
	Sessions []sessionView `json:"sessions"`
}

// mySessions serves GET /v1/auth/sessions.
func (h *handlers) mySessions(c *fiber.Ctx) error {
	views, err := h.app.MySessions(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := sessionsBody{Sessions: make([]sessionView, 0, len(views))}
	for _, v := range views {
		out.Sessions = append(out.Sessions, sessionView{
			ID: v.Session.ID, CreatedAt: formatTime(v.Session.CreatedAt), LastUsedAt: formatTime(v.Session.RotatedAt),
			IP: v.Session.IP, UserAgent: v.Session.UserAgent, AAL: v.AAL, AMR: v.AMR, Current: v.Current,
		})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendJSON(c, fiber.StatusOK, out)
}

// revokeMySession serves DELETE /v1/auth/sessions/{id}.
func (h *handlers) revokeMySession(c *fiber.Ctx) error {
	revoked(c, revokedByUser)
	if err := h.app.RevokeMySession(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
