package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

func testTokens(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	ctx := context.Background()
	later := base.Add(time.Hour)

	t.Run("CreateReplacesSameKindOnly", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		oldAct := createToken(t, b, domain.TokenActivation, u.ID, later)
		reset := createToken(t, b, domain.TokenPasswordReset, u.ID, later)
		newAct := createToken(t, b, domain.TokenActivation, u.ID, later)

		_, err := b.Tokens().ConsumeActivation(ctx, oldAct, base, domain.Effects{})
		wantCode(t, "ConsumeActivation(replaced)", err, domain.CodeTokenInvalid)
		_, err = b.Tokens().ConsumeActivation(ctx, newAct, base, domain.Effects{})
		noErr(t, "ConsumeActivation(newest)", err)
		_, err = b.Tokens().ConsumeReset(ctx, reset, "h", base, domain.Effects{})
		noErr(t, "ConsumeReset(other kind, untouched)", err)

		tok := &domain.OneTimeToken{Hash: newHash(t), Kind: domain.TokenActivation, UserID: newID(t),
			CreatedAt: base, ExpiresAt: later}
		wantCode(t, "Create(unknown user)", b.Tokens().Create(ctx, tok, domain.Effects{}), domain.CodeNotFound)
	})

	t.Run("ConsumeActivation", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		hash := createToken(t, b, domain.TokenActivation, u.ID, later)
		now := base.Add(time.Minute)

		got, err := b.Tokens().ConsumeActivation(ctx, hash, now, domain.Effects{})
		noErr(t, "ConsumeActivation", err)
		if got.ID != u.ID || got.Status != domain.StatusActive {
			t.Errorf("returned user %s in status %q, want %s active", got.ID, got.Status, u.ID)
		}
		sameTimePtr(t, "returned ActivatedAt", got.ActivatedAt, &now)
		stored := getUser(t, b, u.ID)
		if stored.Status != domain.StatusActive {
			t.Errorf("stored status = %q, want active", stored.Status)
		}
		sameTimePtr(t, "stored ActivatedAt", stored.ActivatedAt, &now)

		_, err = b.Tokens().ConsumeActivation(ctx, hash, now, domain.Effects{})
		wantCode(t, "ConsumeActivation(used)", err, domain.CodeTokenInvalid)
		_, err = b.Tokens().ConsumeActivation(ctx, newHash(t), now, domain.Effects{})
		wantCode(t, "ConsumeActivation(unknown)", err, domain.CodeTokenInvalid)
	})

	t.Run("ConsumeActivationLeavesDisabledUserDisabled", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b, func(u *domain.User) { u.Status = domain.StatusDisabled })
		hash := createToken(t, b, domain.TokenActivation, u.ID, later)
		got, err := b.Tokens().ConsumeActivation(ctx, hash, base, domain.Effects{})
		noErr(t, "ConsumeActivation", err)
		if got.Status != domain.StatusDisabled || got.ActivatedAt != nil {
			t.Errorf("returned status %q, ActivatedAt %v; want disabled, nil", got.Status, got.ActivatedAt)
		}
		if s := getUser(t, b, u.ID).Status; s != domain.StatusDisabled {
			t.Errorf("stored status = %q, want disabled", s)
		}
		_, err = b.Tokens().ConsumeActivation(ctx, hash, base, domain.Effects{})
		wantCode(t, "ConsumeActivation(used)", err, domain.CodeTokenInvalid)
	})

	t.Run("WrongKindIsInvalidAndKept", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		act := createToken(t, b, domain.TokenActivation, u.ID, later)
		reset := createToken(t, b, domain.TokenPasswordReset, u.ID, later)
		_, err := b.Tokens().ConsumeActivation(ctx, reset, base, domain.Effects{})
		wantCode(t, "ConsumeActivation(reset token)", err, domain.CodeTokenInvalid)
		_, err = b.Tokens().ConsumeReset(ctx, act, "h", base, domain.Effects{})
		wantCode(t, "ConsumeReset(activation token)", err, domain.CodeTokenInvalid)
		_, err = b.Tokens().ConsumeActivation(ctx, act, base, domain.Effects{})
		noErr(t, "ConsumeActivation(its own kind)", err)
		_, err = b.Tokens().ConsumeReset(ctx, reset, "h", base, domain.Effects{})
		noErr(t, "ConsumeReset(its own kind)", err)
	})

	t.Run("Expired", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		act := createToken(t, b, domain.TokenActivation, u.ID, base)
		reset := createToken(t, b, domain.TokenPasswordReset, u.ID, base)
		after := base.Add(time.Second)

		_, err := b.Tokens().ConsumeActivation(ctx, act, after, domain.Effects{})
		wantCode(t, "ConsumeActivation(expired)", err, domain.CodeTokenExpired)
		_, err = b.Tokens().ConsumeActivation(ctx, act, after, domain.Effects{})
		wantCode(t, "ConsumeActivation(expired, deleted)", err, domain.CodeTokenInvalid)
		if s := getUser(t, b, u.ID).Status; s != domain.StatusPending {
			t.Errorf("status after expired activation = %q, want pending", s)
		}

		_, err = b.Tokens().ConsumeReset(ctx, reset, "never-set", after, domain.Effects{})
		wantCode(t, "ConsumeReset(expired)", err, domain.CodeTokenExpired)
		_, err = b.Tokens().ConsumeReset(ctx, reset, "never-set", after, domain.Effects{})
		wantCode(t, "ConsumeReset(expired, deleted)", err, domain.CodeTokenInvalid)
		if h := getUser(t, b, u.ID).PasswordHash; h == "never-set" {
			t.Errorf("expired reset token changed the password hash")
		}
	})

	t.Run("ConsumeReset", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b, func(u *domain.User) { u.Status = domain.StatusActive })
		other := createUser(t, b)
		s1, s2 := createSession(t, b, u.ID), createSession(t, b, u.ID)
		foreign := createSession(t, b, other.ID)
		hash := createToken(t, b, domain.TokenPasswordReset, u.ID, later)
		now := base.Add(time.Minute)

		got, err := b.Tokens().ConsumeReset(ctx, hash, "reset-hash", now, domain.Effects{})
		noErr(t, "ConsumeReset", err)
		if got.ID != u.ID || got.PasswordHash != "reset-hash" || got.Email != u.Email {
			t.Errorf("returned user %s %s hash %q, want %s %s %q", got.ID, got.Email, got.PasswordHash, u.ID, u.Email, "reset-hash")
		}
		stored := getUser(t, b, u.ID)
		if stored.PasswordHash != "reset-hash" || stored.Status != domain.StatusActive {
			t.Errorf("stored hash %q status %q, want %q active", stored.PasswordHash, stored.Status, "reset-hash")
		}
		sameTimePtr(t, "session 1 RevokedAt", getSession(t, b, s1.ID).RevokedAt, &now)
		sameTimePtr(t, "session 2 RevokedAt", getSession(t, b, s2.ID).RevokedAt, &now)
		sameTimePtr(t, "other user's session RevokedAt", getSession(t, b, foreign.ID).RevokedAt, nil)

		_, err = b.Tokens().ConsumeReset(ctx, hash, "again", now, domain.Effects{})
		wantCode(t, "ConsumeReset(used)", err, domain.CodeTokenInvalid)
		_, err = b.Tokens().ConsumeReset(ctx, newHash(t), "again", now, domain.Effects{})
		wantCode(t, "ConsumeReset(unknown)", err, domain.CodeTokenInvalid)
	})
}
