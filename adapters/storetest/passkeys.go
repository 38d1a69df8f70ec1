package storetest

import (
	"bytes"
	"crypto/rand"
	"slices"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// newPasskey returns a passkey of u with every field set and a fresh credential id.
func newPasskey(t testing.TB, u *domain.User) *domain.Passkey {
	t.Helper()
	cred := make([]byte, 32)
	handle := make([]byte, domain.UserHandleBytes)
	_, _ = rand.Read(cred)
	_, _ = rand.Read(handle)
	used := base.Add(time.Minute)
	return &domain.Passkey{ID: newID(t), UserID: u.ID, CredentialID: cred, PublicKey: []byte("cose-key-" + u.ID),
		UserHandle: handle, SignCount: 3, AAGUID: bytes.Repeat([]byte{0xad}, 16), AttestationType: "none",
		Transports: []string{"internal", "hybrid"}, BackupEligible: true, BackedUp: true, Name: "Laptop ü",
		CreatedAt: base, LastUsedAt: &used}
}

func samePasskey(t testing.TB, got *domain.Passkey, want *domain.Passkey) {
	t.Helper()
	if got.ID != want.ID || got.UserID != want.UserID || !bytes.Equal(got.CredentialID, want.CredentialID) ||
		!bytes.Equal(got.PublicKey, want.PublicKey) || !bytes.Equal(got.UserHandle, want.UserHandle) ||
		got.SignCount != want.SignCount || !bytes.Equal(got.AAGUID, want.AAGUID) ||
		got.AttestationType != want.AttestationType || !slices.Equal(got.Transports, want.Transports) ||
		got.BackupEligible != want.BackupEligible || got.BackedUp != want.BackedUp || got.Name != want.Name {
		t.Fatalf("passkey = %+v, want %+v", got, want)
	}
	sameTime(t, "passkey created_at", got.CreatedAt, want.CreatedAt)
	sameTimePtr(t, "passkey last_used_at", got.LastUsedAt, want.LastUsedAt)
}

// testPasskeys is the contract of ports.PasskeyStore.
func testPasskeys(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	ps := b.Passkeys()
	ctx := t.Context()
	add := func(t *testing.T, u *domain.User) *domain.Passkey {
		t.Helper()
		p := newPasskey(t, u)
		noErr(t, "Add", ps.Add(ctx, p, nil, domain.Effects{}))
		return p
	}
	mfaOn := func(t *testing.T, u *domain.User) bool {
		t.Helper()
		got, err := b.Users().ByID(ctx, u.ID)
		noErr(t, "Users.ByID", err)
		return got.MFAEnabled
	}

	t.Run("add round-trips and credential ids are unique across accounts", func(t *testing.T) {
		u, other := createUser(t, b), createUser(t, b)
		p := newPasskey(t, u)
		ev := newEvent(t, domain.EventPasskeyAdded, u.ID, base)
		noErr(t, "Add", ps.Add(ctx, p, nil, effectsOf(ev)))
		wantEvents(t, b, u.ID, ev)
		got, err := ps.ByCredentialID(ctx, p.CredentialID)
		noErr(t, "ByCredentialID", err)
		samePasskey(t, got, p)
		list, err := ps.Passkeys(ctx, u.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("Passkeys = %v, %v; want one", list, err)
		}
		samePasskey(t, &list[0], p)
		if mfaOn(t, u) {
			t.Fatal("Add without MFAOn turned MFA on")
		}

		dup := newPasskey(t, other)
		dup.CredentialID = p.CredentialID
		ev2 := newEvent(t, domain.EventPasskeyAdded, other.ID, base)
		wantCode(t, "Add of a credential another account holds", ps.Add(ctx, dup, nil, effectsOf(ev2)), domain.CodeConflict)
		if list, _ := ps.Passkeys(ctx, other.ID); len(list) != 0 {
			t.Fatalf("the refused passkey was stored: %+v", list)
		}
		wantEvents(t, b, other.ID)
		wantCode(t, "Add for an unknown user", ps.Add(ctx, newPasskey(t, &domain.User{ID: newID(t)}), nil, domain.Effects{}), domain.CodeNotFound)
		_, err = ps.ByCredentialID(ctx, []byte("no such credential"))
		wantCode(t, "ByCredentialID of an unknown id", err, domain.CodeNotFound)
	})

	t.Run("the first passkey turns MFA on in the same step", func(t *testing.T) {
		u := createUser(t, b)
		old := createSession(t, b, u.ID)
		s := newSession(t, u.ID)
		s.AAL, s.AMR = domain.AAL2, []string{"pwd", "hwk", "mfa"}
		p := newPasskey(t, u)
		noErr(t, "Add with MFAOn", ps.Add(ctx, p, &domain.MFAOn{RecoveryCodes: []string{"h1", "h2"}, Session: s, At: base}, domain.Effects{}))
		if !mfaOn(t, u) {
			t.Fatal("MFA is off after the first passkey")
		}
		if left, err := b.MFA().RecoveryCodesLeft(ctx, u.ID); err != nil || left != 2 {
			t.Fatalf("recovery codes = %d, %v; want 2", left, err)
		}
		if o, _ := b.Sessions().ByID(ctx, old.ID); o == nil || o.RevokedAt == nil {
			t.Fatalf("the earlier session is not revoked: %+v", o)
		}
		if n, err := b.Sessions().ByID(ctx, s.ID); err != nil || n.RevokedAt != nil || n.AAL != domain.AAL2 {
			t.Fatalf("new session = %+v, %v", n, err)
		}
	})

	t.Run("use is a compare-and-swap on the counter", func(t *testing.T) {
		u := createUser(t, b)
		p := add(t, u)
		at := base.Add(time.Hour)
		noErr(t, "Use", ps.Use(ctx, p, 9, false, at, domain.Effects{}))
		got, err := ps.ByCredentialID(ctx, p.CredentialID)
		noErr(t, "ByCredentialID", err)
		if got.SignCount != 9 || got.BackedUp {
			t.Fatalf("after Use: count %d backed up %v, want 9, false", got.SignCount, got.BackedUp)
		}
		sameTimePtr(t, "last_used_at", got.LastUsedAt, &at)
		wantCode(t, "Use from a stale counter", ps.Use(ctx, p, 10, false, at, domain.Effects{}), domain.CodeConflict)
		const n = 8
		ok, codes, errs := race(n, func(i int) error { return ps.Use(ctx, got, uint32(10+i), true, at, domain.Effects{}) })
		wantOneWinner(t, "concurrent Use from one counter", n, ok, codes, errs, domain.CodeConflict)
		gone := *p
		gone.ID = newID(t)
		wantCode(t, "Use of an unknown passkey", ps.Use(ctx, &gone, 1, false, at, domain.Effects{}), domain.CodeNotFound)
	})

	t.Run("rename and remove touch only the owner's passkey", func(t *testing.T) {
		u, other := createUser(t, b), createUser(t, b)
		p := add(t, u)
		_, err := ps.Rename(ctx, other.ID, p.ID, "mine now", domain.Effects{})
		wantCode(t, "Rename by another account", err, domain.CodeNotFound)
		got, err := ps.Rename(ctx, u.ID, p.ID, "Phone", domain.Effects{})
		if err != nil || got.Name != "Phone" || got.ID != p.ID {
			t.Fatalf("Rename = %+v, %v; want Phone", got, err)
		}
		got, err = ps.Rename(ctx, u.ID, p.ID, "Phone", domain.Effects{})
		if err != nil || got.Name != "Phone" {
			t.Fatalf("Rename to the same name = %+v, %v", got, err)
		}
		wantCode(t, "Remove by another account", ps.Remove(ctx, other.ID, p.ID, domain.Effects{}), domain.CodeNotFound)
		ev := newEvent(t, domain.EventPasskeyRemoved, u.ID, base)
		noErr(t, "Remove", ps.Remove(ctx, u.ID, p.ID, effectsOf(ev)))
		wantEvents(t, b, u.ID, ev)
		wantCode(t, "Remove again", ps.Remove(ctx, u.ID, p.ID, domain.Effects{}), domain.CodeNotFound)
		_, err = ps.ByCredentialID(ctx, p.CredentialID)
		wantCode(t, "ByCredentialID after Remove", err, domain.CodeNotFound)
		again := newPasskey(t, other)
		again.CredentialID = p.CredentialID
		noErr(t, "Add of a removed credential id", ps.Add(ctx, again, nil, domain.Effects{}))
	})

	t.Run("MFA stays on while any second factor is left", func(t *testing.T) {
		u := createUser(t, b)
		first := newPasskey(t, u)
		noErr(t, "Add", ps.Add(ctx, first, &domain.MFAOn{RecoveryCodes: []string{"h1"}, At: base}, domain.Effects{}))
		second := add(t, u)
		noErr(t, "Remove first", ps.Remove(ctx, u.ID, first.ID, domain.Effects{}))
		if !mfaOn(t, u) {
			t.Fatal("MFA went off with a passkey left")
		}
		// A TOTP factor next to the passkey: removing the passkey keeps MFA on,
		// removing the factor then turns it off.
		f := &domain.Factor{ID: newID(t), UserID: u.ID, Type: domain.FactorTOTP, Secret: []byte("s"), CreatedAt: base}
		noErr(t, "PutFactor", b.MFA().PutFactor(ctx, f, domain.Effects{}))
		noErr(t, "Activate", b.MFA().Activate(ctx, domain.FactorActivation{Factor: *f, Step: 1, At: base}, domain.Effects{}))
		noErr(t, "Remove second", ps.Remove(ctx, u.ID, second.ID, domain.Effects{}))
		if !mfaOn(t, u) {
			t.Fatal("MFA went off with an active TOTP factor left")
		}
		third := add(t, u)
		noErr(t, "DeleteFactor", b.MFA().DeleteFactor(ctx, f, domain.Effects{}))
		if !mfaOn(t, u) {
			t.Fatal("MFA went off when the TOTP factor went, with a passkey left")
		}
		noErr(t, "Remove third", ps.Remove(ctx, u.ID, third.ID, domain.Effects{}))
		if mfaOn(t, u) {
			t.Fatal("MFA is still on with no second factor left")
		}
		if left, _ := b.MFA().RecoveryCodesLeft(ctx, u.ID); left != 0 {
			t.Fatalf("recovery codes left with MFA off: %d", left)
		}
	})

	t.Run("account deletion and MFA reset take the passkeys and free their ids", func(t *testing.T) {
		u, v := createUser(t, b), createUser(t, b)
		p, q := add(t, u), add(t, v)
		noErr(t, "Users.Delete", b.Users().Delete(ctx, u.ID, domain.Effects{}))
		noErr(t, "MFA.Reset", b.MFA().Reset(ctx, v.ID, base, domain.Effects{}))
		for _, x := range []*domain.Passkey{p, q} {
			_, err := ps.ByCredentialID(ctx, x.CredentialID)
			wantCode(t, "ByCredentialID after deletion/reset", err, domain.CodeNotFound)
			w := createUser(t, b)
			again := newPasskey(t, w)
			again.CredentialID = x.CredentialID
			noErr(t, "Add of a freed credential id", ps.Add(ctx, again, nil, domain.Effects{}))
		}
		if list, _ := ps.Passkeys(ctx, v.ID); len(list) != 0 {
			t.Fatalf("passkeys after Reset: %+v", list)
		}
	})

	t.Run("a ceremony is consumed once and expires", func(t *testing.T) {
		u := createUser(t, b)
		now := time.Now()
		c := &domain.PasskeyCeremony{Hash: newHash(t), Kind: domain.CeremonyLogin, UserID: u.ID, MFAHash: newHash(t),
			State: []byte(`{"challenge":"x"}`), CreatedAt: now, ExpiresAt: now.Add(domain.PasskeyCeremonyTTL)}
		noErr(t, "CreateCeremony", ps.CreateCeremony(ctx, c))
		got, err := ps.ConsumeCeremony(ctx, c.Hash, now)
		noErr(t, "ConsumeCeremony", err)
		if got.Kind != c.Kind || got.UserID != u.ID || got.MFAHash != c.MFAHash || string(got.State) != string(c.State) {
			t.Fatalf("ceremony = %+v, want %+v", got, c)
		}
		sameTime(t, "ceremony expires_at", got.ExpiresAt, c.ExpiresAt)
		_, err = ps.ConsumeCeremony(ctx, c.Hash, now)
		wantCode(t, "ConsumeCeremony again", err, domain.CodeTokenInvalid)

		open := &domain.PasskeyCeremony{Hash: newHash(t), Kind: domain.CeremonyLogin, State: []byte("{}"),
			CreatedAt: now, ExpiresAt: now.Add(domain.PasskeyCeremonyTTL)}
		noErr(t, "CreateCeremony without a user", ps.CreateCeremony(ctx, open))
		const n = 8
		ok, codes, errs := race(n, func(int) error { _, err := ps.ConsumeCeremony(ctx, open.Hash, now); return err })
		wantOneWinner(t, "concurrent ConsumeCeremony", n, ok, codes, errs, domain.CodeTokenInvalid)

		old := &domain.PasskeyCeremony{Hash: newHash(t), Kind: domain.CeremonyRegistration, UserID: u.ID, State: []byte("{}"),
			CreatedAt: now.Add(-10 * time.Minute), ExpiresAt: now.Add(-5 * time.Minute)}
		noErr(t, "CreateCeremony (expired)", ps.CreateCeremony(ctx, old))
		_, err = ps.ConsumeCeremony(ctx, old.Hash, now)
		wantCode(t, "ConsumeCeremony of an expired one", err, domain.CodeTokenExpired)
		_, err = ps.ConsumeCeremony(ctx, old.Hash, now)
		wantCode(t, "ConsumeCeremony of an expired one, again", err, domain.CodeTokenInvalid)
		wantCode(t, "CreateCeremony for an unknown user", ps.CreateCeremony(ctx, &domain.PasskeyCeremony{Hash: newHash(t),
			Kind: domain.CeremonyRegistration, UserID: newID(t), State: []byte("{}"), CreatedAt: now, ExpiresAt: now.Add(time.Minute)}), domain.CodeNotFound)
	})
}
