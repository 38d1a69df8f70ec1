package app

import (
	"bytes"
	"context"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// The loops of authd export, import and copy (ARCHITECTURE.md §13). They hold one
// page of accounts at a time, so memory is bounded by the batch size, never the
// database; the file format and the terminal are the caller's (cmd/authd).

// ExportAccounts pages through every account of users in id order, batch users at
// a time, reads each page's factors, codes, passkeys and live sessions (at now)
// from arch, and hands the page to emit.
func ExportAccounts(ctx context.Context, users ports.UserStore, arch ports.Archive, now time.Time, batch int, emit func([]domain.Account) error) error {
	after := ""
	for {
		page, err := users.List(ctx, after, batch)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		accts, err := arch.Accounts(ctx, page, now)
		if err != nil {
			return err
		}
		if err := emit(accts); err != nil {
			return err
		}
		if len(page) < batch {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// ExportEvents pages through the whole audit log, newest first, batch at a time.
func ExportEvents(ctx context.Context, events ports.EventStore, batch int, emit func([]domain.Event) error) error {
	before := ""
	for {
		page, err := events.List(ctx, domain.EventFilter{Before: before, Limit: batch})
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := emit(page); err != nil {
			return err
		}
		if len(page) < batch {
			return nil
		}
		before = page[len(page)-1].ID
	}
}

// RestoreSecret stores s in dst unless dst holds a value under its name already,
// and reports whether dst now holds s's value. A different stored value (the
// target generated its own keys when authd started on it first) is a conflict:
// tokens of the source would not verify there.
func RestoreSecret(ctx context.Context, dst ports.SecretStore, s domain.Secret) (same bool, err error) {
	stored, err := dst.Secret(ctx, s.Name, s.Value)
	if err != nil {
		return false, err
	}
	return bytes.Equal(stored, s.Value), nil
}

// Restorer writes accounts and events into a store in batches. Add and AddEvent
// queue; a full batch, and Flush, writes it.
type Restorer struct {
	Archive ports.Archive
	Events  ports.EventStore
	// Batch is the number of accounts (or events) written at once.
	Batch int
	// Skip writes the other accounts of a batch that has conflicts; without it a
	// conflict stops the restore with nothing of that batch written.
	Skip bool
	// OnConflict, when set, is told the id of each account skipped as a conflict.
	OnConflict func(id string)
	// Check, when set, vets (and may normalise) each account before it is
	// queued; its error stops the restore. Imports from a file or another system
	// set it; a copy between two authd stores does not.
	Check func(*domain.Account) error
	// Written counts the records written per kind ("user", "factor", …, "event"),
	// Conflicts the accounts skipped.
	Written   map[string]int64
	Conflicts int64

	accts  []domain.Account
	events []domain.Event
}

// Add queues a, writing the batch when it is full.
func (r *Restorer) Add(ctx context.Context, a domain.Account) error {
	if r.Check != nil {
		if err := r.Check(&a); err != nil {
			return err
		}
	}
	r.accts = append(r.accts, a)
	if len(r.accts) >= r.Batch {
		return r.flushAccounts(ctx)
	}
	return nil
}

// AddEvent queues e, writing the batch when it is full.
func (r *Restorer) AddEvent(ctx context.Context, e domain.Event) error {
	r.events = append(r.events, e)
	if len(r.events) >= r.Batch {
		return r.flushEvents(ctx)
	}
	return nil
}

// Flush writes what is queued.
func (r *Restorer) Flush(ctx context.Context) error {
	if err := r.flushAccounts(ctx); err != nil {
		return err
	}
	return r.flushEvents(ctx)
}

func (r *Restorer) count(kind string, n int) {
	if r.Written == nil {
		r.Written = map[string]int64{}
	}
	if n > 0 {
		r.Written[kind] += int64(n)
	}
}

func (r *Restorer) flushAccounts(ctx context.Context) error {
	if len(r.accts) == 0 {
		return nil
	}
	conflicts, err := r.Archive.Restore(ctx, r.accts, r.Skip, domain.Effects{})
	skipped := make(map[string]bool, len(conflicts))
	for _, id := range conflicts {
		skipped[id] = true
		if r.OnConflict != nil {
			r.OnConflict(id)
		}
	}
	if err != nil {
		return err
	}
	r.Conflicts += int64(len(conflicts))
	for i := range r.accts {
		a := &r.accts[i]
		if skipped[a.User.ID] {
			continue
		}
		r.count("user", 1)
		r.count("factor", len(a.Factors))
		if len(a.RecoveryCodes) > 0 {
			r.count("recovery_codes", 1)
		}
		r.count("passkey", len(a.Passkeys))
		r.count("session", len(a.Sessions))
		r.count("token", len(a.Tokens))
		r.count("identity", len(a.Identities))
	}
	r.accts = r.accts[:0]
	return nil
}

// flushEvents appends the queued events in one write. Events that are there
// already (a second import of one file) are a conflict of the batch; with Skip
// the batch is written again one event at a time, leaving those out.
func (r *Restorer) flushEvents(ctx context.Context) error {
	if len(r.events) == 0 {
		return nil
	}
	err := r.Events.Append(ctx, domain.Effects{Events: r.events})
	if err != nil && r.Skip && domain.IsCode(err, domain.CodeConflict) {
		for _, e := range r.events {
			switch err := r.Events.Append(ctx, domain.Effects{Events: []domain.Event{e}}); {
			case domain.IsCode(err, domain.CodeConflict):
			case err != nil:
				return err
			default:
				r.count("event", 1)
			}
		}
		r.events = r.events[:0]
		return nil
	}
	if err != nil {
		return err
	}
	r.count("event", len(r.events))
	r.events = r.events[:0]
	return nil
}
