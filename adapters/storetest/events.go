package storetest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// newEvent returns an event of type typ about userID, at `at`, with every field
// set, so that a round trip shows which ones a store loses.
func newEvent(t testing.TB, typ domain.EventType, userID string, at time.Time) domain.Event {
	t.Helper()
	return domain.Event{ID: newIDAt(t, at), Type: typ, UserID: userID, ActorID: newID(t), SessionID: newID(t),
		IP: "2001:db8::7", UserAgent: "storetest/1.0 (ünïcode)", At: at,
		Data: map[string]any{"reason": "logout", "count": 2, "changed": []any{"name", "role"}}}
}

// newIDAt is a UUIDv7 of time at, so that id order follows the events' times.
func newIDAt(t testing.TB, at time.Time) string {
	t.Helper()
	id, err := domain.NewID(at, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// effectsOf is the Effects of the given events.
func effectsOf(events ...domain.Event) domain.Effects { return domain.Effects{Events: events} }

// userEvents lists every event about userID, newest first.
func userEvents(t testing.TB, b ports.Backend, userID string) []domain.Event {
	t.Helper()
	got, err := b.Events().List(context.Background(), domain.EventFilter{UserID: userID, Limit: 100})
	noErr(t, "Events.List", err)
	return got
}

// wantEvents fails t unless the events about userID are exactly want (by id,
// newest first), each stored field for field.
func wantEvents(t testing.TB, b ports.Backend, userID string, want ...domain.Event) {
	t.Helper()
	got := userEvents(t, b, userID)
	if len(got) != len(want) {
		t.Fatalf("events of %s: %d (%v), want %d", userID, len(got), ids(got), len(want))
	}
	for i := range want {
		sameEvent(t, got[i], want[i])
	}
}

func ids(events []domain.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = string(e.Type) + "/" + e.ID
	}
	return out
}

// sameEvent compares every field; Data as JSON (a store keeps it as a JSON object).
func sameEvent(t testing.TB, got, want domain.Event) {
	t.Helper()
	if got.ID != want.ID || got.Type != want.Type || got.UserID != want.UserID || got.ActorID != want.ActorID ||
		got.SessionID != want.SessionID || got.IP != want.IP || got.UserAgent != want.UserAgent {
		t.Errorf("event = %+v, want %+v", got, want)
	}
	sameTime(t, "event At", got.At, want.At)
	g, _ := json.Marshal(got.Data)
	w, _ := json.Marshal(want.Data)
	var gv, wv any
	_ = json.Unmarshal(g, &gv)
	_ = json.Unmarshal(w, &wv)
	if !reflect.DeepEqual(gv, wv) {
		t.Errorf("event data = %s, want %s", g, w)
	}
}

// testEvents checks that every state-changing method writes exactly the events it
// is given, in its own atomic step: on success all of them, on failure none.
func testEvents(t *testing.T, b ports.Backend, open func(t *testing.T) ports.Backend) {
	ctx := context.Background()
	// Each event a millisecond after the one before, so id order is creation order.
	var tick atomic.Int64
	ev := func(t *testing.T, typ domain.EventType, userID string) domain.Event {
		return newEvent(t, typ, userID, base.Add(time.Duration(tick.Add(1))*time.Millisecond))
	}

	t.Run("UsersCreate", func(t *testing.T) {
		t.Parallel()
		u := newUser(t)
		e := ev(t, domain.EventUserCreated, u.ID)
		noErr(t, "Create", b.Users().Create(ctx, u, effectsOf(e)))
		wantEvents(t, b, u.ID, e)

		dup := newUser(t)
		dup.Email = u.Email
		wantCode(t, "Create(email taken)", b.Users().Create(ctx, dup, effectsOf(ev(t, domain.EventUserCreated, dup.ID))), domain.CodeEmailTaken)
		wantEvents(t, b, dup.ID)
	})

	t.Run("UsersUpdate", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		e := ev(t, domain.EventUserUpdated, u.ID)
		_, err := b.Users().Update(ctx, u.ID, func(cur *domain.User) (domain.Effects, error) {
			cur.Name = "Renamed"
			return effectsOf(e), nil
		})
		noErr(t, "Update", err)
		wantEvents(t, b, u.ID, e)

		refused := domain.Errorf(domain.CodeConflict, "no")
		_, err = b.Users().Update(ctx, u.ID, func(cur *domain.User) (domain.Effects, error) {
			return effectsOf(ev(t, domain.EventUserUpdated, u.ID)), refused
		})
		wantCode(t, "Update(change refused)", err, domain.CodeConflict)
		other := createUser(t, b, func(o *domain.User) { o.Username = "taken-" + o.ID[:8] })
		_, err = b.Users().Update(ctx, u.ID, func(cur *domain.User) (domain.Effects, error) {
			cur.Username = other.Username
			return effectsOf(ev(t, domain.EventUserUpdated, u.ID)), nil
		})
		wantCode(t, "Update(username taken)", err, domain.CodeUsernameTaken)
		wantEvents(t, b, u.ID, e)
	})

	t.Run("UsersDelete", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		e := ev(t, domain.EventUserDeleted, u.ID)
		noErr(t, "Delete", b.Users().Delete(ctx, u.ID, effectsOf(e)))
		wantEvents(t, b, u.ID, e) // the account's events outlive it
		wantCode(t, "Delete(again)", b.Users().Delete(ctx, u.ID, effectsOf(ev(t, domain.EventUserDeleted, u.ID))), domain.CodeNotFound)
		wantEvents(t, b, u.ID, e)
	})

	t.Run("ChangePassword", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		e := ev(t, domain.EventPasswordChange, u.ID)
		noErr(t, "ChangePassword", b.Credentials().ChangePassword(ctx, u.ID, "h2", "", base, effectsOf(e)))
		wantEvents(t, b, u.ID, e)
		ghost := newID(t)
		wantCode(t, "ChangePassword(unknown)", b.Credentials().ChangePassword(ctx, ghost, "h", "", base,
			effectsOf(ev(t, domain.EventPasswordChange, ghost))), domain.CodeNotFound)
		wantEvents(t, b, ghost)
	})

	t.Run("Sessions", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		s := newSession(t, u.ID)
		opened := ev(t, domain.EventLoginSucceeded, u.ID)
		noErr(t, "Sessions.Create", b.Sessions().Create(ctx, s, effectsOf(opened)))
		ghost := newID(t)
		wantCode(t, "Sessions.Create(unknown user)", b.Sessions().Create(ctx, newSession(t, ghost),
			effectsOf(ev(t, domain.EventLoginSucceeded, ghost))), domain.CodeNotFound)
		wantEvents(t, b, ghost)

		revoked := ev(t, domain.EventSessionRevoked, u.ID)
		noErr(t, "Revoke", b.Sessions().Revoke(ctx, s.ID, base, effectsOf(revoked)))
		wantCode(t, "Revoke(unknown)", b.Sessions().Revoke(ctx, newID(t), base,
			effectsOf(ev(t, domain.EventSessionRevoked, u.ID))), domain.CodeNotFound)

		createSession(t, b, u.ID)
		createSession(t, b, u.ID)
		all := ev(t, domain.EventSessionRevoked, u.ID)
		n, err := b.Sessions().RevokeAll(ctx, u.ID, "", base.Add(time.Minute), effectsOf(all))
		noErr(t, "RevokeAll", err)
		if n != 2 {
			t.Errorf("RevokeAll with events revoked %d, want 2", n)
		}
		wantEvents(t, b, u.ID, all, revoked, opened)
		if live, err := b.Sessions().Live(ctx, u.ID, base.Add(time.Minute)); err != nil || len(live) != 0 {
			t.Errorf("Live after RevokeAll = %d sessions, %v; want none", len(live), err)
		}
	})

	t.Run("Tokens", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		requested := ev(t, domain.EventActivationRequested, u.ID)
		tok := &domain.OneTimeToken{Hash: newHash(t), Kind: domain.TokenActivation, UserID: u.ID,
			CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
		noErr(t, "Tokens.Create", b.Tokens().Create(ctx, tok, effectsOf(requested)))
		ghost := newID(t)
		wantCode(t, "Tokens.Create(unknown user)", b.Tokens().Create(ctx, &domain.OneTimeToken{Hash: newHash(t),
			Kind: domain.TokenActivation, UserID: ghost, CreatedAt: base, ExpiresAt: base.Add(time.Hour)},
			effectsOf(ev(t, domain.EventActivationRequested, ghost))), domain.CodeNotFound)
		wantEvents(t, b, ghost)

		// A failed consumption writes nothing (the events name ghost, which
		// ForUser keeps, so that they could be found if they were written).
		_, err := b.Tokens().ConsumeActivation(ctx, newHash(t), base, effectsOf(ev(t, domain.EventUserActivated, ghost)))
		wantCode(t, "ConsumeActivation(unknown)", err, domain.CodeTokenInvalid)
		expired := createToken(t, b, domain.TokenPasswordReset, u.ID, base.Add(-time.Second))
		_, err = b.Tokens().ConsumeReset(ctx, expired, "h", base, effectsOf(ev(t, domain.EventPasswordReset, ghost)))
		wantCode(t, "ConsumeReset(expired)", err, domain.CodeTokenExpired)
		wantEvents(t, b, u.ID, requested)
		wantEvents(t, b, ghost)

		// The caller does not know the token's user: the store fills it in.
		activated := ev(t, domain.EventUserActivated, "")

		_, err = b.Tokens().ConsumeActivation(ctx, tok.Hash, base, effectsOf(activated))
		noErr(t, "ConsumeActivation", err)
		activated.UserID = u.ID
		wantEvents(t, b, u.ID, activated, requested)

		reset := createToken(t, b, domain.TokenPasswordReset, u.ID, base.Add(time.Hour))
		resetEv := ev(t, domain.EventPasswordReset, "")
		_, err = b.Tokens().ConsumeReset(ctx, reset, "h3", base, effectsOf(resetEv))
		noErr(t, "ConsumeReset", err)
		resetEv.UserID = u.ID
		wantEvents(t, b, u.ID, resetEv, activated, requested)
	})

	t.Run("Append", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		e1 := newEvent(t, domain.EventLoginFailed, u.ID, base)
		e2 := newEvent(t, domain.EventLoginFailed, u.ID, base.Add(time.Second))
		noErr(t, "Append", b.Events().Append(ctx, effectsOf(e1, e2)))
		wantEvents(t, b, u.ID, e2, e1)
		noErr(t, "Append(nothing)", b.Events().Append(ctx, domain.Effects{}))
	})

	t.Run("List", func(t *testing.T) { t.Parallel(); testEventList(t, open(t)) })
	t.Run("Purge", func(t *testing.T) { t.Parallel(); testEventPurge(t, open(t)) })
	t.Run("DeliveriesAreAtomic", func(t *testing.T) { t.Parallel(); testDeliveriesAtomic(t, open(t)) })
}

// testEventList checks the filters, the order and the paging of List on a backend
// of its own.
func testEventList(t *testing.T, b ports.Backend) {
	ctx := context.Background()
	ann, bob := newID(t), newID(t)
	var all []domain.Event
	types := []domain.EventType{domain.EventUserCreated, domain.EventLoginFailed, domain.EventLoginSucceeded,
		domain.EventUserUpdated, domain.EventSessionRevoked, domain.EventLoginFailed}
	for i, typ := range types {
		user := ann
		if i%2 == 1 {
			user = bob
		}
		e := newEvent(t, typ, user, base.Add(time.Duration(i)*time.Minute))
		all = append(all, e)
		noErr(t, "Append", b.Events().Append(ctx, effectsOf(e)))
	}
	newest := func(evs ...domain.Event) []string {
		out := make([]string, len(evs))
		for i := range evs {
			out[len(evs)-1-i] = evs[i].ID
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    domain.EventFilter
		want []string
	}{
		{"everything", domain.EventFilter{Limit: 10}, newest(all...)},
		{"limit", domain.EventFilter{Limit: 2}, newest(all[4], all[5])},
		{"one account", domain.EventFilter{UserID: bob, Limit: 10}, newest(all[1], all[3], all[5])},
		{"a type", domain.EventFilter{Type: "login.failed", Limit: 10}, newest(all[1], all[5])},
		{"a prefix", domain.EventFilter{Type: "login.", Limit: 10}, newest(all[1], all[2], all[5])},
		{"a prefix of one account", domain.EventFilter{UserID: ann, Type: "user.", Limit: 10}, newest(all[0])},
		{"since", domain.EventFilter{Since: base.Add(3 * time.Minute), Limit: 10}, newest(all[3:]...)},
		{"before a cursor", domain.EventFilter{Before: all[3].ID, Limit: 10}, newest(all[:3]...)},
		{"cursor and since", domain.EventFilter{Before: all[4].ID, Since: base.Add(2 * time.Minute), Limit: 10}, newest(all[2], all[3])},
		{"cursor of one account", domain.EventFilter{UserID: bob, Before: all[5].ID, Limit: 1}, newest(all[3])},
		{"a prefix, paged", domain.EventFilter{Type: "login.", Before: all[5].ID, Limit: 1}, newest(all[2])},
		{"nothing", domain.EventFilter{Type: "mfa.", Limit: 10}, []string{}},
	} {
		got, err := b.Events().List(ctx, tc.f)
		noErr(t, tc.name, err)
		gotIDs := make([]string, len(got))
		for i, e := range got {
			gotIDs[i] = e.ID
		}
		if !reflect.DeepEqual(gotIDs, tc.want) {
			t.Errorf("%s: ids %v, want %v", tc.name, gotIDs, tc.want)
		}
	}
	got, err := b.Events().List(ctx, domain.EventFilter{UserID: ann, Limit: 1})
	noErr(t, "List", err)
	if len(got) == 1 {
		sameEvent(t, got[0], all[4])
	}
}

// testEventPurge checks that Purge deletes the events recorded before its time and
// the deliveries buried before it, and nothing else.
func testEventPurge(t *testing.T, b ports.Backend) {
	ctx := context.Background()
	user := newID(t)
	old := newEvent(t, domain.EventLoginFailed, user, base.Add(-48*time.Hour))
	recent := newEvent(t, domain.EventLoginFailed, user, base)
	dead, alive := newDelivery(t, base.Add(-48*time.Hour)), newDelivery(t, base.Add(-48*time.Hour))
	noErr(t, "Append", b.Events().Append(ctx, domain.Effects{Events: []domain.Event{old, recent},
		Deliveries: []domain.Delivery{dead, alive}}))
	claimed, err := b.Outbox().Claim(ctx, "lease-1", base, base.Add(time.Minute), 10)
	noErr(t, "Claim", err)
	if len(claimed) != 2 {
		t.Fatalf("claimed %d deliveries, want 2", len(claimed))
	}
	for _, d := range claimed {
		if d.ID == dead.ID {
			noErr(t, "Bury", b.Outbox().Bury(ctx, d, base.Add(-25*time.Hour), "gave up"))
		}
	}
	n, err := b.Events().Purge(ctx, base.Add(-24*time.Hour))
	noErr(t, "Purge", err)
	if n != 2 {
		t.Errorf("Purge removed %d rows, want 2 (one event, one dead delivery)", n)
	}
	wantEvents(t, b, user, recent)
	pending, deadN, err := b.Outbox().Counts(ctx)
	noErr(t, "Counts", err)
	if pending != 1 || deadN != 0 {
		t.Errorf("after Purge %d pending, %d dead; want 1 pending (still alive), 0 dead", pending, deadN)
	}
}

// testDeliveriesAtomic checks that deliveries are written with their change and
// not at all when it fails.
func testDeliveriesAtomic(t *testing.T, b ports.Backend) {
	ctx := context.Background()
	u := newUser(t)
	fx := domain.Effects{Events: []domain.Event{newEvent(t, domain.EventUserCreated, u.ID, base)},
		Deliveries: []domain.Delivery{newDelivery(t, base)}}
	noErr(t, "Create", b.Users().Create(ctx, u, fx))
	dup := newUser(t)
	dup.Email = u.Email
	wantCode(t, "Create(email taken)", b.Users().Create(ctx, dup, domain.Effects{
		Events: []domain.Event{newEvent(t, domain.EventUserCreated, dup.ID, base)}, Deliveries: []domain.Delivery{newDelivery(t, base)}}),
		domain.CodeEmailTaken)
	_, err := b.Tokens().ConsumeActivation(ctx, newHash(t), base, domain.Effects{Deliveries: []domain.Delivery{newDelivery(t, base)}})
	wantCode(t, "ConsumeActivation(unknown)", err, domain.CodeTokenInvalid)
	pending, dead, err := b.Outbox().Counts(ctx)
	noErr(t, "Counts", err)
	if pending != 1 || dead != 0 {
		t.Errorf("outbox after one write and two refused ones: %d pending, %d dead; want 1, 0", pending, dead)
	}
}

// testCreatePending checks that a pending account, its activation token and its
// effects are written together, or — when the address is taken — none of them.
func testCreatePending(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	ctx := context.Background()
	t.Parallel()
	u := newUser(t)
	tok := &domain.OneTimeToken{Hash: newHash(t), Kind: domain.TokenActivation, UserID: u.ID,
		CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	e := newEvent(t, domain.EventUserCreated, u.ID, base)
	noErr(t, "CreatePending", b.Users().CreatePending(ctx, u, tok, effectsOf(e)))
	sameUser(t, getUser(t, b, u.ID), u)
	wantEvents(t, b, u.ID, e)

	dup := newUser(t)
	dup.Email = u.Email
	dupTok := &domain.OneTimeToken{Hash: newHash(t), Kind: domain.TokenActivation, UserID: dup.ID,
		CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	wantCode(t, "CreatePending(email taken)", b.Users().CreatePending(ctx, dup, dupTok,
		effectsOf(newEvent(t, domain.EventUserCreated, dup.ID, base))), domain.CodeEmailTaken)
	wantEvents(t, b, dup.ID)
	_, err := b.Tokens().ConsumeActivation(ctx, dupTok.Hash, base, domain.Effects{})
	wantCode(t, "ConsumeActivation(the refused sign-up's token)", err, domain.CodeTokenInvalid)

	// The sign-up's token is an ordinary one: a newer one replaces it.
	again := &domain.OneTimeToken{Hash: newHash(t), Kind: domain.TokenActivation, UserID: u.ID, CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	noErr(t, "Tokens.Create", b.Tokens().Create(ctx, again, domain.Effects{}))
	_, err = b.Tokens().ConsumeActivation(ctx, tok.Hash, base, domain.Effects{})
	wantCode(t, "ConsumeActivation(the replaced sign-up token)", err, domain.CodeTokenInvalid)
	got, err := b.Tokens().ConsumeActivation(ctx, again.Hash, base, domain.Effects{})
	noErr(t, "ConsumeActivation", err)
	if got.ID != u.ID || got.Status != domain.StatusActive {
		t.Errorf("activated %s (%s), want %s active", got.ID, got.Status, u.ID)
	}
}
