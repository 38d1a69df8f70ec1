package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// newIdentity returns an identity of u at provider with a fresh subject.
func newIdentity(t testing.TB, u *domain.User, provider string) *domain.Identity {
	t.Helper()
	return &domain.Identity{Provider: provider, Subject: "sub|" + newID(t), UserID: u.ID,
		Email: "ext-" + u.ID + "@example.org", CreatedAt: base}
}

func sameIdentity(t testing.TB, got, want *domain.Identity) {
	t.Helper()
	if got.Provider != want.Provider || got.Subject != want.Subject || got.UserID != want.UserID || got.Email != want.Email {
		t.Fatalf("identity = %+v, want %+v", got, want)
	}
	sameTime(t, "identity created_at", got.CreatedAt, want.CreatedAt)
	sameTimePtr(t, "identity last_used_at", got.LastUsedAt, want.LastUsedAt)
}

// newFlow returns a provider flow expiring at expires.
func newFlow(t testing.TB, linkUserID string, expires time.Time) *domain.ProviderFlow {
	t.Helper()
	return &domain.ProviderFlow{Hash: newHash(t), Provider: "google", Secret: []byte{0, 1, 2, 0xff},
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", RedirectURI: "http://127.0.0.1:5173/cb?x=1",
		AppState: "app-state ü", LinkUserID: linkUserID, CreatedAt: base, ExpiresAt: expires}
}

// testIdentities is the contract of ports.IdentityStore.
func testIdentities(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	is := b.Identities()
	ctx := t.Context()

	t.Run("link round-trips, lists oldest first and writes its effects", func(t *testing.T) {
		u := createUser(t, b)
		g := newIdentity(t, u, "google")
		ev := newEvent(t, domain.EventIdentityLinked, u.ID, base)
		noErr(t, "Link", is.Link(ctx, g, effectsOf(ev)))
		wantEvents(t, b, u.ID, ev)
		got, err := is.ByIdentity(ctx, g.Provider, g.Subject)
		noErr(t, "ByIdentity", err)
		sameIdentity(t, got, g)
		gh := newIdentity(t, u, "github")
		gh.CreatedAt = base.Add(time.Second)
		noErr(t, "Link github", is.Link(ctx, gh, domain.Effects{}))
		list, err := is.Identities(ctx, u.ID)
		noErr(t, "Identities", err)
		if len(list) != 2 || list[0].Provider != "google" || list[1].Provider != "github" {
			t.Fatalf("Identities = %+v, want google then github", list)
		}
		sameIdentity(t, &list[1], gh)
		none, err := is.Identities(ctx, createUser(t, b).ID)
		if err != nil || len(none) != 0 {
			t.Fatalf("Identities of an account without = %v, %v; want none", none, err)
		}
	})

	t.Run("a subject is linked to one account only; one identity per provider", func(t *testing.T) {
		u, other := createUser(t, b), createUser(t, b)
		g := newIdentity(t, u, "google")
		noErr(t, "Link", is.Link(ctx, g, domain.Effects{}))
		taken := *g
		taken.UserID = other.ID
		ev := newEvent(t, domain.EventIdentityLinked, other.ID, base)
		wantCode(t, "Link of a subject linked elsewhere", is.Link(ctx, &taken, effectsOf(ev)), domain.CodeConflict)
		wantEvents(t, b, other.ID)
		second := newIdentity(t, u, "google")
		wantCode(t, "Link of a second google identity", is.Link(ctx, second, domain.Effects{}), domain.CodeConflict)
		wantCode(t, "ByIdentity of the refused one", func() error { _, err := is.ByIdentity(ctx, "google", second.Subject); return err }(), domain.CodeNotFound)
		// The same subject at another provider is another identity.
		elsewhere := *g
		elsewhere.Provider, elsewhere.UserID = "gitlab", other.ID
		noErr(t, "Link of the subject at another provider", is.Link(ctx, &elsewhere, domain.Effects{}))
		ghost := newIdentity(t, &domain.User{ID: newID(t)}, "google")
		wantCode(t, "Link to a missing user", is.Link(ctx, ghost, domain.Effects{}), domain.CodeNotFound)
	})

	t.Run("concurrent links of one subject: one wins", func(t *testing.T) {
		const n = 8
		users := make([]*domain.User, n)
		for i := range users {
			users[i] = createUser(t, b)
		}
		subject := "race|" + newID(t)
		ok, codes, errs := race(n, func(i int) error {
			return is.Link(ctx, &domain.Identity{Provider: "google", Subject: subject, UserID: users[i].ID, CreatedAt: base}, domain.Effects{})
		})
		wantOneWinner(t, "Link", n, ok, codes, errs, domain.CodeConflict)
	})

	t.Run("create user with identity is atomic", func(t *testing.T) {
		u := newUser(t)
		u.PasswordHash, u.Status, u.ActivatedAt = "", domain.StatusActive, ptr(base)
		id := newIdentity(t, u, "google")
		ev := newEvent(t, domain.EventUserCreated, u.ID, base)
		noErr(t, "CreateUser", is.CreateUser(ctx, u, id, effectsOf(ev)))
		sameUser(t, getUser(t, b, u.ID), u)
		got, err := is.ByIdentity(ctx, id.Provider, id.Subject)
		noErr(t, "ByIdentity", err)
		sameIdentity(t, got, id)
		wantEvents(t, b, u.ID, ev)

		// The identity taken: no account is made.
		v := newUser(t)
		dup := *id
		dup.UserID = v.ID
		wantCode(t, "CreateUser with a linked identity", is.CreateUser(ctx, v, &dup, effectsOf(newEvent(t, domain.EventUserCreated, v.ID, base))), domain.CodeConflict)
		wantCode(t, "ByID of the refused account", func() error { _, err := b.Users().ByID(ctx, v.ID); return err }(), domain.CodeNotFound)
		wantCode(t, "ByEmail of the refused account", func() error { _, err := b.Users().ByEmail(ctx, v.Email); return err }(), domain.CodeNotFound)
		wantEvents(t, b, v.ID)

		// The e-mail taken: no identity is linked.
		w := newUser(t)
		w.Email = u.Email
		wid := newIdentity(t, w, "google")
		wantCode(t, "CreateUser with a taken e-mail", is.CreateUser(ctx, w, wid, domain.Effects{}), domain.CodeEmailTaken)
		wantCode(t, "ByIdentity of the refused identity", func() error { _, err := is.ByIdentity(ctx, "google", wid.Subject); return err }(), domain.CodeNotFound)
	})

	t.Run("use records the last login", func(t *testing.T) {
		u := createUser(t, b)
		g := newIdentity(t, u, "google")
		noErr(t, "Link", is.Link(ctx, g, domain.Effects{}))
		at := base.Add(time.Hour)
		noErr(t, "Use", is.Use(ctx, g.Provider, g.Subject, at))
		got, err := is.ByIdentity(ctx, g.Provider, g.Subject)
		noErr(t, "ByIdentity", err)
		sameTimePtr(t, "last_used_at", got.LastUsedAt, &at)
		wantCode(t, "Use of an unknown identity", is.Use(ctx, "google", "nobody|"+newID(t), at), domain.CodeNotFound)
	})

	t.Run("unlink frees the subject; deleting the account unlinks", func(t *testing.T) {
		u, other := createUser(t, b), createUser(t, b)
		g := newIdentity(t, u, "google")
		noErr(t, "Link", is.Link(ctx, g, domain.Effects{}))
		wantCode(t, "Unlink by another account", is.Unlink(ctx, other.ID, "google", false, domain.Effects{}), domain.CodeNotFound)
		ev := newEvent(t, domain.EventIdentityUnlinked, u.ID, base)
		noErr(t, "Unlink", is.Unlink(ctx, u.ID, "google", true, effectsOf(ev)))
		wantEvents(t, b, u.ID, ev)
		wantCode(t, "ByIdentity after unlink", func() error { _, err := is.ByIdentity(ctx, g.Provider, g.Subject); return err }(), domain.CodeNotFound)
		wantCode(t, "Unlink again", is.Unlink(ctx, u.ID, "google", false, domain.Effects{}), domain.CodeNotFound)
		moved := *g
		moved.UserID = other.ID
		noErr(t, "Link the freed subject to another account", is.Link(ctx, &moved, domain.Effects{}))

		noErr(t, "Users.Delete", b.Users().Delete(ctx, other.ID, domain.Effects{}))
		wantCode(t, "ByIdentity after the account's deletion", func() error { _, err := is.ByIdentity(ctx, g.Provider, g.Subject); return err }(), domain.CodeNotFound)
		again := *g
		again.UserID = u.ID
		noErr(t, "Link the subject freed by the deletion", is.Link(ctx, &again, domain.Effects{}))
	})

	t.Run("unlink keeps a way in: password, another identity or a passkey", func(t *testing.T) {
		noPassword := func(u *domain.User) { u.PasswordHash = "" }
		u := createUser(t, b, noPassword)
		g, gh := newIdentity(t, u, "google"), newIdentity(t, u, "github")
		noErr(t, "Link", is.Link(ctx, g, domain.Effects{}))
		noErr(t, "Link", is.Link(ctx, gh, domain.Effects{}))
		noErr(t, "Unlink with another identity left", is.Unlink(ctx, u.ID, "github", true, domain.Effects{}))
		ev := newEvent(t, domain.EventIdentityUnlinked, u.ID, base)
		wantCode(t, "Unlink of the last way in", is.Unlink(ctx, u.ID, "google", true, effectsOf(ev)), domain.CodeLastLoginMethod)
		wantEvents(t, b, u.ID)
		if _, err := is.ByIdentity(ctx, g.Provider, g.Subject); err != nil {
			t.Fatalf("the refused unlink removed the identity: %v", err)
		}
		noErr(t, "Passkeys.Add", b.Passkeys().Add(ctx, newPasskey(t, u), nil, domain.Effects{}))
		noErr(t, "Unlink with a passkey left", is.Unlink(ctx, u.ID, "google", true, domain.Effects{}))

		withPassword := createUser(t, b)
		noErr(t, "Link", is.Link(ctx, newIdentity(t, withPassword, "google"), domain.Effects{}))
		noErr(t, "Unlink with a password left", is.Unlink(ctx, withPassword.ID, "google", true, domain.Effects{}))

		// Two concurrent unlinks of the last two identities: one wins, the
		// other is last_login_method.
		for range 3 {
			v := createUser(t, b, noPassword)
			noErr(t, "Link", is.Link(ctx, newIdentity(t, v, "google"), domain.Effects{}))
			noErr(t, "Link", is.Link(ctx, newIdentity(t, v, "github"), domain.Effects{}))
			providers := []string{"google", "github"}
			ok, codes, errs := race(2, func(i int) error { return is.Unlink(ctx, v.ID, providers[i], true, domain.Effects{}) })
			wantOneWinner(t, "concurrent Unlink", 2, ok, codes, errs, domain.CodeLastLoginMethod)
			left, err := is.Identities(ctx, v.ID)
			if err != nil || len(left) != 1 {
				t.Fatalf("identities after the race = %v, %v; want one", left, err)
			}
		}
	})

	t.Run("flows are single use and expire", func(t *testing.T) {
		u := createUser(t, b)
		f := newFlow(t, u.ID, base.Add(domain.ProviderFlowTTL))
		noErr(t, "PutFlow", is.PutFlow(ctx, f))
		wantCode(t, "PutFlow with a taken hash", is.PutFlow(ctx, f), domain.CodeConflict)
		got, err := is.ConsumeFlow(ctx, f.Hash, base.Add(time.Minute))
		noErr(t, "ConsumeFlow", err)
		if got.Hash != f.Hash || got.Provider != f.Provider || !bytes.Equal(got.Secret, f.Secret) ||
			got.CodeChallenge != f.CodeChallenge || got.RedirectURI != f.RedirectURI || got.AppState != f.AppState ||
			got.LinkUserID != f.LinkUserID {
			t.Fatalf("ConsumeFlow = %+v, want %+v", got, f)
		}
		sameTime(t, "flow created_at", got.CreatedAt, f.CreatedAt)
		sameTime(t, "flow expires_at", got.ExpiresAt, f.ExpiresAt)
		_, err = is.ConsumeFlow(ctx, f.Hash, base.Add(time.Minute))
		wantCode(t, "ConsumeFlow again", err, domain.CodeTokenInvalid)
		_, err = is.ConsumeFlow(ctx, newHash(t), base)
		wantCode(t, "ConsumeFlow of an unknown hash", err, domain.CodeTokenInvalid)

		old := newFlow(t, "", base.Add(time.Minute))
		noErr(t, "PutFlow", is.PutFlow(ctx, old))
		_, err = is.ConsumeFlow(ctx, old.Hash, base.Add(time.Minute))
		wantCode(t, "ConsumeFlow when expired", err, domain.CodeTokenExpired)
		_, err = is.ConsumeFlow(ctx, old.Hash, base)
		wantCode(t, "ConsumeFlow after the expired attempt", err, domain.CodeTokenInvalid)

		const n = 8
		raced := newFlow(t, "", base.Add(time.Hour))
		noErr(t, "PutFlow", is.PutFlow(ctx, raced))
		ok, codes, errs := race(n, func(int) error { _, err := is.ConsumeFlow(ctx, raced.Hash, base); return err })
		wantOneWinner(t, "ConsumeFlow", n, ok, codes, errs, domain.CodeTokenInvalid)
	})
}
