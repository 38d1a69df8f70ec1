package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/authd/authd/domain"
)

// Client describes where a request came from: stored on sessions for the user's
// own review, and on every audit event.
type Client struct {
	IP        string
	UserAgent string
}

// origin is who and where a change comes from, as its events record it: the
// client, the acting account ("" for an anonymous caller) and its session.
type origin struct {
	Client
	ActorID   string
	SessionID string
}

// anonymous is the origin of a request without an access token.
func anonymous(c Client) origin { return origin{Client: c} }

// by is the origin of a signed-in caller's request.
func by(p Principal) origin {
	return origin{Client: p.Client, ActorID: p.UserID, SessionID: p.SessionID}
}

// record returns the Effects of one event of type t about userID, from o, with
// data: the event, and a webhook delivery of it when webhooks are on and
// AUTH_WEBHOOK_EVENTS selects t. Every use case builds its events here, so none is
// written without its webhook nor with a type outside the closed list.
func (a *App) record(o origin, t domain.EventType, userID string, data map[string]any) (domain.Effects, error) {
	if !t.Valid() {
		return domain.Effects{}, fmt.Errorf("app: event type %q is not in domain.EventTypes", t)
	}
	id, err := a.newEventID()
	if err != nil {
		return domain.Effects{}, err
	}
	now := a.Clock.Now().UTC()
	e := domain.Event{ID: id, Type: t, UserID: userID, ActorID: o.ActorID, SessionID: o.SessionID,
		IP: o.IP, UserAgent: truncate(o.UserAgent, 256), At: now, Data: data}
	fx := domain.Effects{Events: []domain.Event{e}}
	if a.wantsWebhook(t) {
		d, err := a.webhookDelivery(e)
		if err != nil {
			return domain.Effects{}, err
		}
		fx.Deliveries = append(fx.Deliveries, d)
	}
	return fx, nil
}

// newEventID returns a UUIDv7 greater than every event id this App made before, so
// that events of one instance list in the order they happened even within one
// millisecond (a refresh-token reuse writes two).
func (a *App) newEventID() (string, error) {
	id, err := a.newID()
	if err != nil {
		return "", err
	}
	a.idMu.Lock()
	defer a.idMu.Unlock()
	if id <= a.lastEventID {
		id = domain.NextID(a.lastEventID)
	}
	a.lastEventID = id
	return id, nil
}

// wantsWebhook reports whether events of type t are sent to the webhook.
func (a *App) wantsWebhook(t domain.EventType) bool {
	if !a.cfg.Webhooks {
		return false
	}
	if len(a.cfg.WebhookEvents) == 0 {
		return true
	}
	for _, f := range a.cfg.WebhookEvents {
		if domain.MatchesEventFilter(t, f) {
			return true
		}
	}
	return false
}

// webhookBody is the Standard Webhooks payload: type, timestamp and the event's
// fields as data.
type webhookBody struct {
	Type      domain.EventType `json:"type"`
	Timestamp string           `json:"timestamp"`
	Data      EventView        `json:"data"`
}

// EventView is an event as clients see it, in the audit listings and in webhooks.
type EventView struct {
	ID        string           `json:"id"`
	Type      domain.EventType `json:"type"`
	UserID    string           `json:"user_id"`
	ActorID   string           `json:"actor_id"`
	SessionID string           `json:"session_id"`
	IP        string           `json:"ip"`
	UserAgent string           `json:"user_agent"`
	At        time.Time        `json:"at"`
	Data      map[string]any   `json:"data"`
}

// NewEventView returns the client view of e.
func NewEventView(e domain.Event) EventView {
	data := e.Data
	if data == nil {
		data = map[string]any{}
	}
	return EventView{ID: e.ID, Type: e.Type, UserID: e.UserID, ActorID: e.ActorID, SessionID: e.SessionID,
		IP: e.IP, UserAgent: e.UserAgent, At: e.At.UTC(), Data: data}
}

// webhookDelivery is the outbox row that posts e to the webhook; its EventID is
// the webhook-id header, the same on every retry.
func (a *App) webhookDelivery(e domain.Event) (domain.Delivery, error) {
	body, err := json.Marshal(webhookBody{Type: e.Type, Timestamp: e.At.UTC().Format(time.RFC3339), Data: NewEventView(e)})
	if err != nil {
		return domain.Delivery{}, fmt.Errorf("app: webhook body of %s: %w", e.Type, err)
	}
	id, err := a.newID()
	if err != nil {
		return domain.Delivery{}, err
	}
	return domain.Delivery{ID: id, Channel: domain.ChannelWebhook, EventID: e.ID, UserID: e.UserID,
		Kind: string(e.Type), Payload: body, CreatedAt: e.At, DueAt: e.At}, nil
}

// EventPage is one page of an event listing; NextCursor is empty on the last page.
type EventPage struct {
	Events     []domain.Event
	NextCursor string
}

// EventQuery selects events for ListEvents.
type EventQuery struct {
	UserID string
	Type   string // a type or a prefix ending in "."
	Since  time.Time
	Cursor string
	Limit  int
}

// ListEvents returns the audit log, newest first, to an admin. Returns forbidden,
// validation_failed (an unknown type or prefix, a bad cursor or limit).
func (a *App) ListEvents(ctx context.Context, p Principal, q EventQuery) (*EventPage, error) {
	if !p.IsAdmin() {
		return nil, errForbidden()
	}
	return a.listEvents(ctx, q)
}

// MyEvents returns the caller's own events, newest first. Returns
// validation_failed as ListEvents.
func (a *App) MyEvents(ctx context.Context, p Principal, cursor string, limit int) (*EventPage, error) {
	return a.listEvents(ctx, EventQuery{UserID: p.UserID, Cursor: cursor, Limit: limit})
}

func (a *App) listEvents(ctx context.Context, q EventQuery) (*EventPage, error) {
	limit, err := a.pageLimit(q.Limit)
	if err != nil {
		return nil, err
	}
	var fields []*domain.FieldError
	if q.Type != "" && !typeFilterValid(q.Type) {
		fields = append(fields, &domain.FieldError{Field: "type", Code: "invalid",
			Message: "Type must be an event type or a prefix of one ending in '.'."})
	}
	if q.UserID != "" && !domain.IsID(q.UserID) {
		fields = append(fields, &domain.FieldError{Field: "user_id", Code: "invalid", Message: "User id is not valid."})
	}
	before := ""
	if q.Cursor != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || !domain.IsID(string(b)) {
			fields = append(fields, &domain.FieldError{Field: "cursor", Code: "invalid", Message: "Cursor is not valid."})
		}
		before = string(b)
	}
	if err := validate(fields...); err != nil {
		return nil, err
	}
	events, err := a.Events.List(ctx, domain.EventFilter{UserID: q.UserID, Type: q.Type, Since: q.Since,
		Before: before, Limit: limit + 1})
	if err != nil {
		return nil, err
	}
	page := &EventPage{Events: events}
	if len(events) > limit {
		page.Events = events[:limit]
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(events[limit-1].ID))
	}
	return page, nil
}

// typeFilterValid reports whether f is a known type or a prefix ending in "." of one.
func typeFilterValid(f string) bool {
	for _, i := range domain.EventTypes {
		if domain.MatchesEventFilter(i.Type, f) {
			return true
		}
	}
	return false
}

// pageLimit applies the default page size and refuses limits out of range.
func (a *App) pageLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return a.cfg.DefaultPageSize, nil
	case limit < 0:
		return 0, domain.Invalid(domain.FieldError{Field: "limit", Code: "invalid", Message: "Limit must be positive."})
	case limit > a.cfg.MaxPageSize:
		return 0, domain.Invalid(domain.FieldError{Field: "limit", Code: "invalid",
			Message: fmt.Sprintf("Limit must be at most %d.", a.cfg.MaxPageSize)})
	}
	return limit, nil
}
