package sqlstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.Outbox = (*Outbox)(nil)

// Outbox keeps deliveries in the outbox table. A claim is one transaction that
// selects due rows and moves their due_at to the end of the lease: on PostgreSQL
// and MySQL the SELECT takes row locks with FOR UPDATE SKIP LOCKED, so concurrent
// claimers pass over each other's rows instead of waiting; on SQLite the
// transaction holds the database's write lock (BEGIN IMMEDIATE), so claims simply
// take turns.
type Outbox struct{ s *Store }

// outboxRow is one row of outbox.
type outboxRow struct {
	bun.BaseModel `bun:"table:outbox"`

	ID        string     `bun:"id,pk"`
	Channel   string     `bun:"channel"`
	EventID   string     `bun:"event_id"`
	UserID    string     `bun:"user_id"`
	Kind      string     `bun:"kind"`
	Payload   []byte     `bun:"payload"`
	Sealed    []byte     `bun:"sealed"`
	CreatedAt time.Time  `bun:"created_at"`
	DueAt     time.Time  `bun:"due_at"`
	Attempts  int64      `bun:"attempts"`
	LastError string     `bun:"last_error"`
	Lease     string     `bun:"lease"`
	DeadAt    *time.Time `bun:"dead_at"`
}

func newOutboxRow(d *domain.Delivery) *outboxRow {
	return &outboxRow{ID: d.ID, Channel: string(d.Channel), EventID: d.EventID, UserID: d.UserID,
		Kind: d.Kind, Payload: d.Payload, Sealed: d.Sealed, CreatedAt: ts(d.CreatedAt), DueAt: ts(d.DueAt),
		Attempts: int64(d.Attempts), LastError: d.LastError, Lease: d.Lease, DeadAt: tsPtr(d.DeadAt)}
}

func (r *outboxRow) domain() domain.Delivery {
	return domain.Delivery{ID: r.ID, Channel: domain.DeliveryChannel(r.Channel), EventID: r.EventID,
		UserID: r.UserID, Kind: r.Kind, Payload: r.Payload, Sealed: r.Sealed, CreatedAt: r.CreatedAt.UTC(),
		DueAt: r.DueAt.UTC(), Attempts: int(r.Attempts), LastError: r.LastError, Lease: r.Lease,
		DeadAt: utcPtr(r.DeadAt)}
}

// Claim leases up to limit due rows to lease until `until`, in one transaction.
func (o *Outbox) Claim(ctx context.Context, lease string, now, until time.Time, limit int) ([]domain.Delivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	if o.s.target.dialect != dialectMySQL {
		return o.claimReturning(ctx, lease, now, until, limit)
	}
	var out []domain.Delivery
	err := o.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		out = nil
		var rows []outboxRow
		q := tx.NewSelect().Model(&rows).
			Where("dead_at IS NULL").Where("due_at <= ?", ts(now)).
			OrderExpr("due_at ASC").Limit(int64(limit))
		if o.s.target.dialect != dialectSQLite {
			q = q.For("UPDATE SKIP LOCKED")
		}
		if err := q.Scan(ctx); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]string, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		if _, err := tx.NewUpdate().Model((*outboxRow)(nil)).
			Set("attempts = attempts + 1").Set("lease = ?", lease).Set("due_at = ?", ts(until)).
			Where("id IN (?)", bun.In(ids)).Exec(ctx); err != nil {
			return err
		}
		for i := range rows {
			d := rows[i].domain()
			d.Attempts++
			d.Lease = lease
			d.DueAt = ts(until)
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// claimReturning is Claim as one statement, UPDATE … RETURNING over the due rows
// (PostgreSQL: selected FOR UPDATE SKIP LOCKED; SQLite: under the write lock the
// statement holds): one round trip instead of a transaction of four. MySQL has no
// UPDATE … RETURNING, so Claim runs its transaction there.
func (o *Outbox) claimReturning(ctx context.Context, lease string, now, until time.Time, limit int) ([]domain.Delivery, error) {
	due := o.s.db.NewSelect().Model((*outboxRow)(nil)).Column("id").
		Where("dead_at IS NULL").Where("due_at <= ?", ts(now)).OrderExpr("due_at ASC").Limit(int64(limit))
	if o.s.target.dialect == dialectPostgres {
		due = due.For("UPDATE SKIP LOCKED")
	}
	var rows []outboxRow
	err := o.s.writing(ctx, func() error {
		return o.s.db.NewUpdate().Model((*outboxRow)(nil)).
			Set("attempts = attempts + 1").Set("lease = ?", lease).Set("due_at = ?", ts(until)).
			Where("id IN (?)", due).Returning("*").Scan(ctx, &rows)
	})
	if err != nil && !isNoRows(err) {
		return nil, translate(err)
	}
	out := make([]domain.Delivery, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	// RETURNING keeps no order; hand the rows over oldest first, as the claim took them.
	slices.SortFunc(out, func(a, b domain.Delivery) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Complete deletes the rows their leases still hold: one DELETE per lease (a
// dispatcher's pass has one).
func (o *Outbox) Complete(ctx context.Context, ds []domain.Delivery) error {
	byLease := map[string][]string{}
	for _, d := range ds {
		byLease[d.Lease] = append(byLease[d.Lease], d.ID)
	}
	for lease, ids := range byLease {
		_, err := o.s.exec(ctx, o.s.db.NewDelete().Model((*outboxRow)(nil)).
			Where("id IN (?)", bun.In(ids)).Where("lease = ?", lease).Where("dead_at IS NULL"))
		if err != nil {
			return translate(err)
		}
	}
	return nil
}

// Retry makes the row due at next if d's lease still holds it.
func (o *Outbox) Retry(ctx context.Context, d domain.Delivery, next time.Time, lastErr string) error {
	return o.leased(ctx, d, func(ctx context.Context, db bun.IDB) (int64, error) {
		res, err := db.NewUpdate().Model((*outboxRow)(nil)).
			Set("due_at = ?", ts(next)).Set("last_error = ?", truncateError(lastErr)).Set("lease = ''").
			Where("id = ?", d.ID).Where("lease = ?", d.Lease).Where("dead_at IS NULL").Exec(ctx)
		if err != nil {
			return 0, err
		}
		return affected(res)
	})
}

// Bury marks the row dead and drops its secret if d's lease still holds it.
func (o *Outbox) Bury(ctx context.Context, d domain.Delivery, at time.Time, lastErr string) error {
	return o.leased(ctx, d, func(ctx context.Context, db bun.IDB) (int64, error) {
		res, err := db.NewUpdate().Model((*outboxRow)(nil)).
			Set("dead_at = ?", ts(at)).Set("last_error = ?", truncateError(lastErr)).
			Set("sealed = NULL").Set("lease = ''").
			Where("id = ?", d.ID).Where("lease = ?", d.Lease).Where("dead_at IS NULL").Exec(ctx)
		if err != nil {
			return 0, err
		}
		return affected(res)
	})
}

// leased runs one statement conditioned on d's lease; when it matched nothing, a
// second look tells a lost lease (conflict) from a missing row (not_found).
func (o *Outbox) leased(ctx context.Context, d domain.Delivery, stmt func(ctx context.Context, db bun.IDB) (int64, error)) error {
	var n int64
	err := o.s.writing(ctx, func() error {
		var err error
		n, err = stmt(ctx, o.s.db)
		return err
	})
	if err != nil {
		return translate(err)
	}
	if n == 1 {
		return nil
	}
	exists, err := o.s.db.NewSelect().Model((*outboxRow)(nil)).Where("id = ?", d.ID).Exists(ctx)
	if err != nil {
		return translate(err)
	}
	if !exists {
		return domain.Errorf(domain.CodeNotFound, "The delivery does not exist.")
	}
	return domain.Errorf(domain.CodeConflict, "The delivery's lease was lost.")
}

// Counts returns how many rows are pending and dead.
func (o *Outbox) Counts(ctx context.Context) (pending, dead int64, err error) {
	var rows []struct {
		Dead bool  `bun:"dead"`
		N    int64 `bun:"n"`
	}
	err = o.s.db.NewSelect().Model((*outboxRow)(nil)).
		ColumnExpr("dead_at IS NOT NULL AS dead").ColumnExpr("COUNT(*) AS n").
		GroupExpr("dead_at IS NOT NULL").Scan(ctx, &rows)
	if err != nil {
		return 0, 0, translate(err)
	}
	for _, r := range rows {
		if r.Dead {
			dead = r.N
		} else {
			pending = r.N
		}
	}
	return pending, dead, nil
}

// truncateError bounds a recorded delivery error, which comes from a mail or web
// server and may be long.
func truncateError(s string) string {
	if len(s) > 1000 {
		return s[:1000]
	}
	return s
}
