package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// testMFA is the contract of ports.MFAStore: factors, the step compare-and-swap,
// recovery codes and mfa tokens, with their races.
func testMFA(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	m := b.MFA()
	ctx := t.Context()
	pending := func(t *testing.T, u *domain.User) *domain.Factor {
		t.Helper()
		f := &domain.Factor{ID: newID(t), UserID: u.ID, Type: domain.FactorTOTP, Status: domain.FactorPending,
			Secret: []byte("sealed-secret-" + u.ID), CreatedAt: base}
		if err := m.PutFactor(ctx, f, domain.Effects{}); err != nil {
			t.Fatalf("PutFactor: %v", err)
		}
		return f
	}
	session := func(u *domain.User) *domain.Session {
		return &domain.Session{ID: newID(t), UserID: u.ID, RotatedAt: base, CreatedAt: base, ExpiresAt: base.Add(time.Hour),
			AAL: domain.AAL2, AMR: []string{"pwd", "otp", "mfa"}, AuthTime: base}
	}
	activate := func(t *testing.T, f *domain.Factor, step int64, codes []string) error {
		t.Helper()
		return m.Activate(ctx, domain.FactorActivation{Factor: *f, Step: step, At: base, RecoveryCodes: codes, Session: session(&domain.User{ID: f.UserID})}, domain.Effects{})
	}

	t.Run("put replaces a pending factor and refuses over an active one", func(t *testing.T) {
		u := createUser(t, b)
		first := pending(t, u)
		second := pending(t, u)
		fs, err := m.Factors(ctx, u.ID)
		if err != nil || len(fs) != 1 || fs[0].ID != second.ID || fs[0].Status != domain.FactorPending ||
			string(fs[0].Secret) != string(second.Secret) || !fs[0].CreatedAt.Equal(base) {
			t.Fatalf("Factors = %+v, %v; want only %s, pending", fs, err, second.ID)
		}
		if err := activate(t, first, 5, nil); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("Activate of the replaced factor = %v, want not_found", err)
		}
		if err := activate(t, second, 5, []string{"h1", "h2"}); err != nil {
			t.Fatalf("Activate: %v", err)
		}
		if err := m.PutFactor(ctx, &domain.Factor{ID: newID(t), UserID: u.ID, Type: domain.FactorTOTP, Secret: []byte("x"), CreatedAt: base}, domain.Effects{}); !domain.IsCode(err, domain.CodeConflict) {
			t.Fatalf("PutFactor over an active factor = %v, want conflict", err)
		}
		if err := m.PutFactor(ctx, &domain.Factor{ID: newID(t), UserID: newID(t), Type: domain.FactorTOTP, Secret: []byte("x"), CreatedAt: base}, domain.Effects{}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("PutFactor for an unknown user = %v, want not_found", err)
		}
	})

	t.Run("activate turns MFA on, sets codes, revokes sessions, opens one", func(t *testing.T) {
		u := createUser(t, b)
		old := session(u)
		if err := b.Sessions().Create(ctx, old, domain.Effects{}); err != nil {
			t.Fatal(err)
		}
		f := pending(t, u)
		s := session(u)
		if err := m.Activate(ctx, domain.FactorActivation{Factor: *f, Step: 7, At: base, RecoveryCodes: []string{"a", "b", "c"}, Session: s}, domain.Effects{}); err != nil {
			t.Fatalf("Activate: %v", err)
		}
		got, err := b.Users().ByID(ctx, u.ID)
		if err != nil || !got.MFAEnabled {
			t.Fatalf("user after Activate: %+v, %v; want MFAEnabled", got, err)
		}
		if o, _ := b.Sessions().ByID(ctx, old.ID); o == nil || o.RevokedAt == nil {
			t.Errorf("the earlier session is not revoked: %+v", o)
		}
		n, err := b.Sessions().ByID(ctx, s.ID)
		if err != nil || n.RevokedAt != nil || n.AAL != domain.AAL2 || !slices.Equal(n.AMR, s.AMR) || !n.AuthTime.Equal(base) {
			t.Fatalf("new session = %+v, %v", n, err)
		}
		if left, err := m.RecoveryCodesLeft(ctx, u.ID); err != nil || left != 3 {
			t.Fatalf("RecoveryCodesLeft = %d, %v; want 3", left, err)
		}
		fs, _ := m.Factors(ctx, u.ID)
		if len(fs) != 1 || fs[0].Status != domain.FactorActive || fs[0].LastStep != 7 || fs[0].LastUsedAt == nil {
			t.Fatalf("factor after Activate = %+v", fs)
		}
		// A profile update does not touch the flag.
		if _, err := b.Users().Update(ctx, u.ID, func(u *domain.User) (domain.Effects, error) { u.Name = "N"; return domain.Effects{}, nil }); err != nil {
			t.Fatal(err)
		}
		if got, _ := b.Users().ByID(ctx, u.ID); !got.MFAEnabled {
			t.Errorf("a profile update turned MFA off")
		}
	})

	t.Run("accept step is a compare-and-swap; 10 concurrent give one winner", func(t *testing.T) {
		u := createUser(t, b)
		f := pending(t, u)
		if err := activate(t, f, 10, nil); err != nil {
			t.Fatal(err)
		}
		f.Status = domain.FactorActive
		for _, step := range []int64{10, 9} {
			if err := m.AcceptStep(ctx, f, step, base, domain.Effects{}); !domain.IsCode(err, domain.CodeConflict) {
				t.Fatalf("AcceptStep(%d) after 10 = %v, want conflict", step, err)
			}
		}
		ok, codes, errs := race(10, func(int) error { return m.AcceptStep(ctx, f, 11, base.Add(time.Minute), domain.Effects{}) })
		wantOneWinner(t, "AcceptStep", 10, ok, codes, errs, domain.CodeConflict)
		other := *f
		other.ID = newID(t)
		if err := m.AcceptStep(ctx, &other, 12, base, domain.Effects{}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("AcceptStep of an unknown factor = %v, want not_found", err)
		}
	})

	t.Run("recovery codes are single use; concurrent uses give one winner", func(t *testing.T) {
		u := createUser(t, b)
		if err := m.ReplaceRecoveryCodes(ctx, u.ID, []string{"h1", "h2", "h3"}, base, domain.Effects{}); err != nil {
			t.Fatal(err)
		}
		left, err := m.UseRecoveryCode(ctx, u.ID, "h2", domain.Effects{})
		if err != nil || left != 2 {
			t.Fatalf("UseRecoveryCode = %d, %v; want 2", left, err)
		}
		if _, err := m.UseRecoveryCode(ctx, u.ID, "h2", domain.Effects{}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("second use = %v, want not_found", err)
		}
		other := createUser(t, b)
		if _, err := m.UseRecoveryCode(ctx, other.ID, "h1", domain.Effects{}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("another account's code = %v, want not_found", err)
		}
		ok, codes, errs := race(10, func(int) error { _, err := m.UseRecoveryCode(ctx, u.ID, "h3", domain.Effects{}); return err })
		wantOneWinner(t, "UseRecoveryCode", 10, ok, codes, errs, domain.CodeNotFound)
		if err := m.ReplaceRecoveryCodes(ctx, u.ID, []string{"n1"}, base, domain.Effects{}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.UseRecoveryCode(ctx, u.ID, "h1", domain.Effects{}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("an old code after replace = %v, want not_found", err)
		}
		if left, _ := m.RecoveryCodesLeft(ctx, u.ID); left != 1 {
			t.Fatalf("left after replace = %d, want 1", left)
		}
		if err := m.ReplaceRecoveryCodes(ctx, newID(t), []string{"x"}, base, domain.Effects{}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("ReplaceRecoveryCodes of an unknown user = %v, want not_found", err)
		}
	})

	t.Run("delete and reset turn MFA off", func(t *testing.T) {
		u := createUser(t, b)
		f := pending(t, u)
		if err := activate(t, f, 1, []string{"c1"}); err != nil {
			t.Fatal(err)
		}
		if err := m.DeleteFactor(ctx, f, domain.Effects{}); err != nil {
			t.Fatal(err)
		}
		if err := m.DeleteFactor(ctx, f, domain.Effects{}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("second DeleteFactor = %v, want not_found", err)
		}
		got, _ := b.Users().ByID(ctx, u.ID)
		left, _ := m.RecoveryCodesLeft(ctx, u.ID)
		if got.MFAEnabled || left != 0 {
			t.Fatalf("after deleting the last factor: MFAEnabled %v, %d codes", got.MFAEnabled, left)
		}
		f = pending(t, u)
		if err := activate(t, f, 1, []string{"c1"}); err != nil {
			t.Fatal(err)
		}
		live := session(u)
		if err := b.Sessions().Create(ctx, live, domain.Effects{}); err != nil {
			t.Fatal(err)
		}
		if err := m.Reset(ctx, u.ID, base, domain.Effects{}); err != nil {
			t.Fatal(err)
		}
		fs, _ := m.Factors(ctx, u.ID)
		got, _ = b.Users().ByID(ctx, u.ID)
		left, _ = m.RecoveryCodesLeft(ctx, u.ID)
		s, _ := b.Sessions().ByID(ctx, live.ID)
		if len(fs) != 0 || got.MFAEnabled || left != 0 || s.RevokedAt == nil {
			t.Fatalf("after Reset: %d factors, MFAEnabled %v, %d codes, session revoked %v", len(fs), got.MFAEnabled, left, s.RevokedAt != nil)
		}
		if err := m.Reset(ctx, newID(t), base, domain.Effects{}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("Reset of an unknown user = %v, want not_found", err)
		}
	})

	t.Run("mfa tokens: single use, 5 wrong codes, expiry", func(t *testing.T) {
		u := createUser(t, b)
		c := &domain.MFAChallenge{Hash: newID(t), UserID: u.ID, AMR: []string{"pwd"}, CreatedAt: base, ExpiresAt: base.Add(domain.MFAChallengeTTL)}
		if err := m.CreateChallenge(ctx, c, domain.Effects{}); err != nil {
			t.Fatal(err)
		}
		got, err := m.Challenge(ctx, c.Hash, base)
		if err != nil || got.UserID != u.ID || !slices.Equal(got.AMR, c.AMR) || got.Attempts != 0 {
			t.Fatalf("Challenge = %+v, %v", got, err)
		}
		if _, err := m.Challenge(ctx, c.Hash, c.ExpiresAt); !domain.IsCode(err, domain.CodeTokenExpired) {
			t.Fatalf("Challenge at expiry = %v, want token_expired", err)
		}
		ok, codes, errs := race(10, func(int) error { _, err := m.ConsumeChallenge(ctx, c.Hash, base); return err })
		wantOneWinner(t, "ConsumeChallenge", 10, ok, codes, errs, domain.CodeTokenInvalid)

		d := &domain.MFAChallenge{Hash: newID(t), UserID: u.ID, AMR: []string{"pwd"}, CreatedAt: base, ExpiresAt: base.Add(domain.MFAChallengeTTL)}
		if err := m.CreateChallenge(ctx, d, domain.Effects{}); err != nil {
			t.Fatal(err)
		}
		ok, codes, errs = race(8, func(int) error { return m.FailChallenge(ctx, d.Hash, domain.Effects{}) })
		if ok != domain.MFAChallengeMaxAttempts || codes[domain.CodeTokenInvalid] != 8-domain.MFAChallengeMaxAttempts {
			t.Fatalf("8 concurrent FailChallenge: %d counted, %v (%v); want %d", ok, codes, errs, domain.MFAChallengeMaxAttempts)
		}
		if _, err := m.Challenge(ctx, d.Hash, base); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("Challenge after 5 wrong codes = %v, want token_invalid", err)
		}
		if _, err := m.ConsumeChallenge(ctx, d.Hash, base); !domain.IsCode(err, domain.CodeTokenInvalid) {
			t.Fatalf("ConsumeChallenge after 5 wrong codes = %v, want token_invalid", err)
		}
		if err := m.CreateChallenge(ctx, &domain.MFAChallenge{Hash: newID(t), UserID: newID(t), CreatedAt: base, ExpiresAt: base.Add(time.Minute)}, domain.Effects{}); !domain.IsCode(err, domain.CodeNotFound) {
			t.Fatalf("CreateChallenge for an unknown user = %v, want not_found", err)
		}
	})

	t.Run("deleting the account takes its factors and codes", func(t *testing.T) {
		u := createUser(t, b)
		f := pending(t, u)
		if err := activate(t, f, 1, []string{"z"}); err != nil {
			t.Fatal(err)
		}
		if err := b.Users().Delete(ctx, u.ID, domain.Effects{}); err != nil {
			t.Fatal(err)
		}
		fs, err := m.Factors(ctx, u.ID)
		left, _ := m.RecoveryCodesLeft(ctx, u.ID)
		if err != nil || len(fs) != 0 || left != 0 {
			t.Fatalf("after Delete: %d factors (%v), %d codes", len(fs), err, left)
		}
	})
}
