package storetest

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// archiver is a backend that can export and restore whole accounts.
type archiver interface{ Archive() ports.Archive }

// archiveOf returns b's Archive, failing the test when b has none.
func archiveOf(t testing.TB, b ports.Backend) ports.Archive {
	t.Helper()
	a, ok := b.(archiver)
	if !ok {
		t.Fatalf("%T has no Archive()", b)
	}
	return a.Archive()
}

// fullAccount stores an account with everything an archive carries: an active
// TOTP factor with a sealed-looking secret and a last step, recovery codes, a
// passkey, and two live sessions (the activation's and a rotated one) besides a
// revoked one, which is not exported.
func fullAccount(t *testing.T, b ports.Backend) *domain.User {
	t.Helper()
	ctx := t.Context()
	u := createUser(t, b, func(u *domain.User) { u.Username = "arch" + u.ID[len(u.ID)-8:]; u.Status = domain.StatusActive })
	f := &domain.Factor{ID: newID(t), UserID: u.ID, Type: domain.FactorTOTP, Secret: []byte("sealed\x00secret-" + u.ID), CreatedAt: base}
	noErr(t, "PutFactor", b.MFA().PutFactor(ctx, f, domain.Effects{}))
	s1 := newSession(t, u.ID)
	s1.AAL, s1.AMR, s1.AuthTime = domain.AAL2, []string{"pwd", "otp", "mfa"}, base
	noErr(t, "Activate", b.MFA().Activate(ctx, domain.FactorActivation{Factor: *f, Step: 42, At: base,
		RecoveryCodes: []string{"code-b", "code-a"}, Session: s1}, domain.Effects{}))
	noErr(t, "Passkeys.Add", b.Passkeys().Add(ctx, newPasskey(t, u), nil, domain.Effects{}))
	s2 := createSession(t, b, u.ID)
	noErr(t, "Rotate", b.Sessions().Rotate(ctx, s2.ID, 0, base.Add(time.Second)))
	noErr(t, "Rotate", b.Sessions().Rotate(ctx, s2.ID, 1, base.Add(2*time.Second)))
	s3 := createSession(t, b, u.ID)
	noErr(t, "Revoke", b.Sessions().Revoke(ctx, s3.ID, base, domain.Effects{}))
	// A live reset token and an expired activation token (not exported).
	createToken(t, b, domain.TokenPasswordReset, u.ID, time.Now().Add(time.Hour))
	createToken(t, b, domain.TokenActivation, u.ID, time.Now().Add(-time.Minute))
	used := base.Add(time.Minute)
	noErr(t, "Identities.Link", b.Identities().Link(ctx, &domain.Identity{Provider: "google", Subject: "sub-" + u.ID,
		UserID: u.ID, Email: u.Email, CreatedAt: base, LastUsedAt: &used}, domain.Effects{}))
	return getUser(t, b, u.ID)
}

// sameAccount fails unless got carries what want does, field by field.
func sameAccount(t testing.TB, got, want *domain.Account) {
	t.Helper()
	sameUser(t, &got.User, &want.User)
	if got.User.PasswordHash != want.User.PasswordHash || got.User.MFAEnabled != want.User.MFAEnabled {
		t.Fatalf("user hash/mfa = %q/%v, want %q/%v", got.User.PasswordHash, got.User.MFAEnabled, want.User.PasswordHash, want.User.MFAEnabled)
	}
	if len(got.Factors) != len(want.Factors) {
		t.Fatalf("factors = %d, want %d", len(got.Factors), len(want.Factors))
	}
	for i := range got.Factors {
		g, w := got.Factors[i], want.Factors[i]
		if g.ID != w.ID || g.UserID != w.UserID || g.Type != w.Type || g.Status != w.Status || !bytes.Equal(g.Secret, w.Secret) || g.LastStep != w.LastStep {
			t.Fatalf("factor = %+v, want %+v", g, w)
		}
		sameTime(t, "factor created_at", g.CreatedAt, w.CreatedAt)
		sameTimePtr(t, "factor last_used_at", g.LastUsedAt, w.LastUsedAt)
	}
	if !slices.Equal(got.RecoveryCodes, want.RecoveryCodes) {
		t.Fatalf("recovery codes = %v, want %v", got.RecoveryCodes, want.RecoveryCodes)
	}
	if len(got.Passkeys) != len(want.Passkeys) {
		t.Fatalf("passkeys = %d, want %d", len(got.Passkeys), len(want.Passkeys))
	}
	for i := range got.Passkeys {
		samePasskey(t, &got.Passkeys[i], &want.Passkeys[i])
	}
	if len(got.Sessions) != len(want.Sessions) {
		t.Fatalf("sessions = %d, want %d", len(got.Sessions), len(want.Sessions))
	}
	for i := range got.Sessions {
		g, w := got.Sessions[i], want.Sessions[i]
		if g.ID != w.ID || g.UserID != w.UserID || g.Counter != w.Counter || g.AAL != w.AAL || !slices.Equal(g.AMR, w.AMR) || g.RevokedAt != nil {
			t.Fatalf("session = %+v, want %+v", g, w)
		}
		sameTime(t, "session rotated_at", g.RotatedAt, w.RotatedAt)
		sameTime(t, "session expires_at", g.ExpiresAt, w.ExpiresAt)
		sameTime(t, "session auth_time", g.AuthTime, w.AuthTime)
	}
	if len(got.Tokens) != len(want.Tokens) {
		t.Fatalf("tokens = %d, want %d", len(got.Tokens), len(want.Tokens))
	}
	for i := range got.Tokens {
		g, w := got.Tokens[i], want.Tokens[i]
		if g.Hash != w.Hash || g.Kind != w.Kind || g.UserID != w.UserID || g.NewEmail != w.NewEmail {
			t.Fatalf("token = %+v, want %+v", g, w)
		}
		sameTime(t, "token expires_at", g.ExpiresAt, w.ExpiresAt)
	}
	if len(got.Identities) != len(want.Identities) {
		t.Fatalf("identities = %d, want %d", len(got.Identities), len(want.Identities))
	}
	for i := range got.Identities {
		g, w := got.Identities[i], want.Identities[i]
		if g.Provider != w.Provider || g.Subject != w.Subject || g.UserID != w.UserID || g.Email != w.Email {
			t.Fatalf("identity = %+v, want %+v", g, w)
		}
		sameTime(t, "identity created_at", g.CreatedAt, w.CreatedAt)
		sameTimePtr(t, "identity last_used_at", g.LastUsedAt, w.LastUsedAt)
	}
}

// testArchive is the contract of ports.Archive.
func testArchive(t *testing.T, b ports.Backend, open func(t *testing.T) ports.Backend) {
	ctx := t.Context()
	a := archiveOf(t, b)
	read := func(t *testing.T, a ports.Archive, u ...domain.User) []domain.Account {
		t.Helper()
		accs, err := a.Accounts(ctx, u, time.Now())
		noErr(t, "Accounts", err)
		if len(accs) != len(u) {
			t.Fatalf("Accounts returned %d, want %d", len(accs), len(u))
		}
		return accs
	}

	t.Run("an account reads with its factors, codes, passkeys, live sessions and identities only", func(t *testing.T) {
		u := fullAccount(t, b)
		plain := createUser(t, b)
		accs := read(t, a, *u, *plain)
		acc := accs[0]
		if acc.User.ID != u.ID || len(acc.Factors) != 1 || acc.Factors[0].Status != domain.FactorActive || acc.Factors[0].LastStep != 42 {
			t.Fatalf("account = %+v, want the user with one active factor at step 42", acc)
		}
		if !slices.Equal(acc.RecoveryCodes, []string{"code-a", "code-b"}) {
			t.Errorf("recovery codes = %v, want [code-a code-b] (sorted)", acc.RecoveryCodes)
		}
		if len(acc.Passkeys) != 1 || len(acc.Sessions) != 2 {
			t.Fatalf("passkeys, sessions = %d, %d; want 1, 2 (the revoked session left out)", len(acc.Passkeys), len(acc.Sessions))
		}
		if len(acc.Tokens) != 1 || acc.Tokens[0].Kind != domain.TokenPasswordReset {
			t.Errorf("tokens = %+v, want the live reset token only", acc.Tokens)
		}
		if len(acc.Identities) != 1 || acc.Identities[0].Provider != "google" || acc.Identities[0].Subject != "sub-"+u.ID {
			t.Errorf("identities = %+v, want the google identity", acc.Identities)
		}
		if c := acc.Sessions[len(acc.Sessions)-1].Counter; c != 2 {
			t.Errorf("rotated session's counter = %d, want 2", c)
		}
		if p := accs[1]; p.User.ID != plain.ID || len(p.Factors)+len(p.RecoveryCodes)+len(p.Passkeys)+len(p.Sessions)+len(p.Tokens)+len(p.Identities) != 0 {
			t.Errorf("plain account = %+v, want the user alone", p)
		}
	})

	t.Run("restore into another store round-trips and keeps working", func(t *testing.T) {
		u := fullAccount(t, b)
		want := read(t, a, *u)[0]
		dst := open(t)
		conflicts, err := archiveOf(t, dst).Restore(ctx, []domain.Account{want}, false, domain.Effects{})
		noErr(t, "Restore", err)
		if len(conflicts) != 0 {
			t.Fatalf("conflicts = %v, want none", conflicts)
		}
		moved := getUser(t, dst, u.ID)
		got := read(t, archiveOf(t, dst), *moved)[0]
		sameAccount(t, &got, &want)
		// What the stores guard still holds in the target: the login finds it by
		// e-mail and username, the counter rotates on, the TOTP step is not
		// replayable, a recovery code is single use, the credential id is taken.
		if _, err := dst.Users().ByEmail(ctx, u.Email); err != nil {
			t.Errorf("ByEmail in the target: %v", err)
		}
		if _, err := dst.Users().ByUsername(ctx, u.Username); err != nil {
			t.Errorf("ByUsername in the target: %v", err)
		}
		last := got.Sessions[len(got.Sessions)-1]
		noErr(t, "Rotate in the target", dst.Sessions().Rotate(ctx, last.ID, last.Counter, time.Now()))
		wantCode(t, "Rotate an old counter", dst.Sessions().Rotate(ctx, last.ID, last.Counter, time.Now()), domain.CodeConflict)
		wantCode(t, "AcceptStep replay", dst.MFA().AcceptStep(ctx, &got.Factors[0], 42, time.Now(), domain.Effects{}), domain.CodeConflict)
		noErr(t, "AcceptStep next", dst.MFA().AcceptStep(ctx, &got.Factors[0], 43, time.Now(), domain.Effects{}))
		left, err := dst.MFA().UseRecoveryCode(ctx, u.ID, "code-a", domain.Effects{})
		if err != nil || left != 1 {
			t.Errorf("UseRecoveryCode = %d, %v; want 1, nil", left, err)
		}
		if _, err := dst.Passkeys().ByCredentialID(ctx, want.Passkeys[0].CredentialID); err != nil {
			t.Errorf("ByCredentialID in the target: %v", err)
		}
		if id, err := dst.Identities().ByIdentity(ctx, "google", "sub-"+u.ID); err != nil || id.UserID != u.ID {
			t.Errorf("ByIdentity in the target = %+v, %v; want the moved account", id, err)
		}
		if _, err := dst.Tokens().ConsumeReset(ctx, want.Tokens[0].Hash, "$argon2id$new", time.Now(), domain.Effects{}); err != nil {
			t.Errorf("ConsumeReset of the moved token: %v", err)
		}
		other := createUser(t, dst)
		p := newPasskey(t, other)
		p.CredentialID = want.Passkeys[0].CredentialID
		wantCode(t, "Add a restored credential id again", dst.Passkeys().Add(ctx, p, nil, domain.Effects{}), domain.CodeConflict)
	})

	t.Run("conflicts: skip writes the others, fail writes nothing", func(t *testing.T) {
		dst := open(t)
		da := archiveOf(t, dst)
		existing := createUser(t, b)
		sameEmail := newUser(t) // another id, the address of an account in dst
		fresh := newUser(t)
		fresh2 := newUser(t)
		accs := read(t, a, *existing)
		noErr(t, "Users.Create", dst.Users().Create(ctx, &accs[0].User, domain.Effects{}))
		dupEmail := *sameEmail
		dupEmail.Email = existing.Email
		// An account whose external identity another account of dst holds.
		holder := createUser(t, dst)
		noErr(t, "Identities.Link", dst.Identities().Link(ctx, &domain.Identity{Provider: "github", Subject: "s-" + holder.ID,
			UserID: holder.ID, CreatedAt: base}, domain.Effects{}))
		dupIdentity := domain.Account{User: *newUser(t), Identities: []domain.Identity{{Provider: "github", Subject: "s-" + holder.ID, CreatedAt: base}}}
		batch := []domain.Account{{User: *fresh}, accs[0], {User: dupEmail}, dupIdentity}

		conflicts, err := da.Restore(ctx, batch, false, domain.Effects{})
		wantCode(t, "Restore with fail", err, domain.CodeConflict)
		if !slices.Equal(conflicts, []string{existing.ID, dupEmail.ID, dupIdentity.User.ID}) {
			t.Errorf("conflicts = %v, want [%s %s %s]", conflicts, existing.ID, dupEmail.ID, dupIdentity.User.ID)
		}
		if _, err := dst.Users().ByID(ctx, fresh.ID); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("a failed batch wrote the fresh account (ByID: %v), want nothing written", err)
		}

		batch = append(batch, domain.Account{User: *fresh2})
		conflicts, err = da.Restore(ctx, batch, true, domain.Effects{})
		noErr(t, "Restore with skip", err)
		if !slices.Equal(conflicts, []string{existing.ID, dupEmail.ID, dupIdentity.User.ID}) {
			t.Errorf("conflicts = %v, want [%s %s %s]", conflicts, existing.ID, dupEmail.ID, dupIdentity.User.ID)
		}
		getUser(t, dst, fresh.ID)
		getUser(t, dst, fresh2.ID)
		if _, err := dst.Users().ByID(ctx, dupIdentity.User.ID); !domain.IsCode(err, domain.CodeNotFound) {
			t.Errorf("the account with a taken identity was written (ByID: %v)", err)
		}
		if id, err := dst.Identities().ByIdentity(ctx, "github", "s-"+holder.ID); err != nil || id.UserID != holder.ID {
			t.Errorf("the held identity = %+v, %v; want it still the holder's", id, err)
		}
		if got := getUser(t, dst, existing.ID); got.Email != existing.Email {
			t.Errorf("the existing account changed: %+v", got)
		}
	})

	t.Run("an account with more sessions than one DynamoDB transaction holds", func(t *testing.T) {
		u := createUser(t, b)
		for range 70 {
			createSession(t, b, u.ID)
		}
		want := read(t, a, *u)[0]
		if len(want.Sessions) != 70 {
			t.Fatalf("read %d sessions, want 70", len(want.Sessions))
		}
		dst := open(t)
		_, err := archiveOf(t, dst).Restore(ctx, []domain.Account{want}, false, domain.Effects{})
		noErr(t, "Restore", err)
		got := read(t, archiveOf(t, dst), *getUser(t, dst, u.ID))[0]
		sameAccount(t, &got, &want)
	})

	t.Run("count", func(t *testing.T) {
		dst := open(t)
		da := archiveOf(t, dst)
		if n, err := da.Count(ctx); err != nil || n != 0 {
			t.Fatalf("Count of an empty store = %d, %v; want 0", n, err)
		}
		for range 3 {
			createUser(t, dst)
		}
		if n, err := da.Count(ctx); err != nil || n != 3 {
			t.Fatalf("Count = %d, %v; want 3", n, err)
		}
	})

	t.Run("secrets are listed in name order", func(t *testing.T) {
		dst := open(t)
		for _, n := range []string{"zeta", "alpha"} {
			if _, err := dst.Secrets().Secret(ctx, n, []byte("v-"+n)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := archiveOf(t, dst).Secrets(ctx)
		noErr(t, "Secrets", err)
		if len(got) != 2 || got[0].Name != "alpha" || string(got[0].Value) != "v-alpha" || got[1].Name != "zeta" {
			t.Fatalf("Secrets = %+v, want alpha then zeta with their values", got)
		}
	})
}
