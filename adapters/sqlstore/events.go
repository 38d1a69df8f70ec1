package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.EventStore = (*EventStore)(nil)

// EventStore keeps the audit log in audit_events.
type EventStore struct{ s *Store }

// eventRow is one row of audit_events. Data is the JSON object of domain.Event.Data.
type eventRow struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID        string    `bun:"id,pk"`
	Type      string    `bun:"type"`
	UserID    string    `bun:"user_id"`
	ActorID   string    `bun:"actor_id"`
	SessionID string    `bun:"session_id"`
	IP        string    `bun:"ip"`
	UserAgent string    `bun:"user_agent"`
	At        time.Time `bun:"at"`
	Data      string    `bun:"data"`
}

func newEventRow(e *domain.Event) (*eventRow, error) {
	data := "{}"
	if len(e.Data) > 0 {
		b, err := json.Marshal(e.Data)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: event %s data: %w", e.Type, err)
		}
		data = string(b)
	}
	return &eventRow{ID: e.ID, Type: string(e.Type), UserID: e.UserID, ActorID: e.ActorID,
		SessionID: e.SessionID, IP: e.IP, UserAgent: e.UserAgent, At: ts(e.At), Data: data}, nil
}

func (r *eventRow) domain() (domain.Event, error) {
	e := domain.Event{ID: r.ID, Type: domain.EventType(r.Type), UserID: r.UserID, ActorID: r.ActorID,
		SessionID: r.SessionID, IP: r.IP, UserAgent: r.UserAgent, At: r.At.UTC()}
	if r.Data != "" && r.Data != "{}" {
		if err := json.Unmarshal([]byte(r.Data), &e.Data); err != nil {
			return e, fmt.Errorf("sqlstore: event %s data: %w", r.ID, err)
		}
	}
	return e, nil
}

// writeEffects inserts fx's events and deliveries through db — the transaction of
// the change they belong to, so that they commit or roll back with it. Every
// state-changing method calls it inside its own transaction (ports: the Effects
// convention). An empty fx writes nothing.
func writeEffects(ctx context.Context, db bun.IDB, fx domain.Effects) error {
	if len(fx.Events) > 0 {
		rows := make([]*eventRow, len(fx.Events))
		for i := range fx.Events {
			r, err := newEventRow(&fx.Events[i])
			if err != nil {
				return err
			}
			rows[i] = r
		}
		if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
	}
	if len(fx.Deliveries) > 0 {
		rows := make([]*outboxRow, len(fx.Deliveries))
		for i := range fx.Deliveries {
			rows[i] = newOutboxRow(&fx.Deliveries[i])
		}
		if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// withEffects runs one writing statement and fx atomically: alone (as the caller
// did before events existed) when fx is empty, else in one transaction with fx.
// The statement's result is returned either way, for the caller's not_found check.
func (s *Store) withEffects(ctx context.Context, fx domain.Effects, stmt func(ctx context.Context, db bun.IDB) error) error {
	if fx.Empty() {
		return translate(s.writing(ctx, func() error { return stmt(ctx, s.db) }))
	}
	return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := stmt(ctx, tx); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// Append writes fx on its own, in one transaction.
func (es *EventStore) Append(ctx context.Context, fx domain.Effects) error {
	if fx.Empty() {
		return nil
	}
	return es.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error { return writeEffects(ctx, tx, fx) })
}

// List returns the events matching f, newest first. The type prefix is matched
// with LIKE, its own '%' and '_' escaped (event types contain '_').
func (es *EventStore) List(ctx context.Context, f domain.EventFilter) ([]domain.Event, error) {
	if f.Limit <= 0 {
		return []domain.Event{}, nil
	}
	var rows []eventRow
	q := es.s.db.NewSelect().Model(&rows).OrderExpr("id DESC").Limit(int64(f.Limit))
	if f.UserID != "" {
		q = q.Where("user_id = ?", f.UserID)
	}
	switch {
	case strings.HasSuffix(f.Type, "."):
		q = q.Where("type LIKE ? ESCAPE '!'", likeEscape(f.Type)+"%")
	case f.Type != "":
		q = q.Where("type = ?", f.Type)
	}
	if !f.Since.IsZero() {
		q = q.Where("at >= ?", ts(f.Since))
	}
	if f.Before != "" {
		q = q.Where("id < ?", f.Before)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Event, 0, len(rows))
	for i := range rows {
		e, err := rows[i].domain()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// likeEscape escapes LIKE's wildcards with '!'.
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// Purge deletes events recorded before `before` and deliveries that died before
// it, in batches (see PurgeExpired), and returns how many rows went.
func (es *EventStore) Purge(ctx context.Context, before time.Time) (int64, error) {
	return es.s.purgeBefore(ctx, before, purgeBatch, []purgeTable{
		{name: "audit_events", key: "id", column: "at"},
		{name: "outbox", key: "id", column: "dead_at"},
	})
}
