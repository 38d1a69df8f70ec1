package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

func testSessions(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	ctx := context.Background()

	t.Run("CreateThenByID", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		s := newSession(t, u.ID)
		s.Counter = 41
		noErr(t, "Create", b.Sessions().Create(ctx, s, domain.Effects{}))
		got := getSession(t, b, s.ID)
		if got.ID != s.ID || got.UserID != s.UserID || got.Counter != 41 || got.UserAgent != s.UserAgent || got.IP != s.IP {
			t.Errorf("session = %+v, want %+v", *got, *s)
		}
		sameTime(t, "RotatedAt", got.RotatedAt, s.RotatedAt)
		sameTime(t, "CreatedAt", got.CreatedAt, s.CreatedAt)
		sameTime(t, "ExpiresAt", got.ExpiresAt, s.ExpiresAt)
		sameTimePtr(t, "RevokedAt", got.RevokedAt, nil)

		wantCode(t, "Create(same id)", b.Sessions().Create(ctx, s, domain.Effects{}), domain.CodeConflict)
		_, err := b.Sessions().ByID(ctx, newID(t))
		wantCode(t, "ByID(unknown)", err, domain.CodeNotFound)
	})

	t.Run("CreateForUnknownUser", func(t *testing.T) {
		t.Parallel()
		s := newSession(t, newID(t))
		wantCode(t, "Create(unknown user)", b.Sessions().Create(ctx, s, domain.Effects{}), domain.CodeNotFound)
		_, err := b.Sessions().ByID(ctx, s.ID)
		wantCode(t, "ByID(session refused for unknown user)", err, domain.CodeNotFound)
	})

	t.Run("Rotate", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		s := createSession(t, b, u.ID)
		at := base.Add(time.Minute)
		noErr(t, "Rotate(0)", b.Sessions().Rotate(ctx, s.ID, 0, at))
		got := getSession(t, b, s.ID)
		if got.Counter != 1 {
			t.Errorf("Counter = %d, want 1", got.Counter)
		}
		sameTime(t, "RotatedAt", got.RotatedAt, at)

		wantCode(t, "Rotate(stale from)", b.Sessions().Rotate(ctx, s.ID, 0, at), domain.CodeConflict)
		wantCode(t, "Rotate(future from)", b.Sessions().Rotate(ctx, s.ID, 5, at), domain.CodeConflict)
		noErr(t, "Rotate(1)", b.Sessions().Rotate(ctx, s.ID, 1, at.Add(time.Second)))
		if got := getSession(t, b, s.ID).Counter; got != 2 {
			t.Errorf("Counter = %d, want 2", got)
		}

		noErr(t, "Revoke", b.Sessions().Revoke(ctx, s.ID, at, domain.Effects{}))
		wantCode(t, "Rotate(revoked)", b.Sessions().Rotate(ctx, s.ID, 2, at), domain.CodeConflict)
		wantCode(t, "Rotate(unknown)", b.Sessions().Rotate(ctx, newID(t), 0, at), domain.CodeNotFound)
	})

	t.Run("RevokeIsIdempotent", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		s := createSession(t, b, u.ID)
		first := base.Add(time.Minute)
		noErr(t, "Revoke", b.Sessions().Revoke(ctx, s.ID, first, domain.Effects{}))
		noErr(t, "Revoke(again)", b.Sessions().Revoke(ctx, s.ID, first.Add(time.Hour), domain.Effects{}))
		sameTimePtr(t, "RevokedAt", getSession(t, b, s.ID).RevokedAt, &first)
		wantCode(t, "Revoke(unknown)", b.Sessions().Revoke(ctx, newID(t), first, domain.Effects{}), domain.CodeNotFound)
	})

	t.Run("RevokeAll", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		other := createUser(t, b)
		keep := createSession(t, b, u.ID)
		a, c := createSession(t, b, u.ID), createSession(t, b, u.ID)
		early := createSession(t, b, u.ID)
		foreign := createSession(t, b, other.ID)
		earlyAt, at := base.Add(time.Minute), base.Add(time.Hour)
		noErr(t, "Revoke", b.Sessions().Revoke(ctx, early.ID, earlyAt, domain.Effects{}))

		n, err := b.Sessions().RevokeAll(ctx, u.ID, keep.ID, at, domain.Effects{})
		noErr(t, "RevokeAll(except keep)", err)
		if n != 2 {
			t.Errorf("RevokeAll(except keep) = %d, want 2", n)
		}
		sameTimePtr(t, "RevokedAt a", getSession(t, b, a.ID).RevokedAt, &at)
		sameTimePtr(t, "RevokedAt c", getSession(t, b, c.ID).RevokedAt, &at)
		sameTimePtr(t, "RevokedAt of earlier revoked", getSession(t, b, early.ID).RevokedAt, &earlyAt)
		sameTimePtr(t, "RevokedAt kept", getSession(t, b, keep.ID).RevokedAt, nil)
		sameTimePtr(t, "RevokedAt other user's", getSession(t, b, foreign.ID).RevokedAt, nil)

		n, err = b.Sessions().RevokeAll(ctx, u.ID, "", at.Add(time.Hour), domain.Effects{})
		noErr(t, "RevokeAll(none excepted)", err)
		if n != 1 {
			t.Errorf("RevokeAll(none excepted) = %d, want 1", n)
		}
		sameTimePtr(t, "RevokedAt kept", getSession(t, b, keep.ID).RevokedAt, ptr(at.Add(time.Hour)))

		n, err = b.Sessions().RevokeAll(ctx, newID(t), "", at, domain.Effects{})
		noErr(t, "RevokeAll(unknown user)", err)
		if n != 0 {
			t.Errorf("RevokeAll(unknown user) = %d, want 0", n)
		}
	})

	t.Run("RevokeAllCountsLiveSessionsOnly", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		at := base.Add(time.Hour)
		earlyAt := base.Add(time.Minute)
		withExpiry := func(exp time.Time) *domain.Session {
			s := newSession(t, u.ID)
			s.ExpiresAt = exp
			noErr(t, "Create", b.Sessions().Create(ctx, s, domain.Effects{}))
			return s
		}
		live1, live2 := withExpiry(at.Add(time.Hour)), withExpiry(at.Add(time.Microsecond))
		expired := withExpiry(at.Add(-time.Minute))
		endsNow := withExpiry(at) // not live at `at`: a session lives while ExpiresAt > now
		revoked := withExpiry(at.Add(time.Hour))
		excepted := withExpiry(at.Add(time.Hour))
		noErr(t, "Revoke", b.Sessions().Revoke(ctx, revoked.ID, earlyAt, domain.Effects{}))

		n, err := b.Sessions().RevokeAll(ctx, u.ID, excepted.ID, at, domain.Effects{})
		noErr(t, "RevokeAll", err)
		if n != 2 {
			t.Errorf("RevokeAll over 2 live, 1 expired, 1 ending at `at`, 1 revoked and 1 excepted session = %d, want 2", n)
		}
		sameTimePtr(t, "RevokedAt live 1", getSession(t, b, live1.ID).RevokedAt, &at)
		sameTimePtr(t, "RevokedAt live 2", getSession(t, b, live2.ID).RevokedAt, &at)
		sameTimePtr(t, "RevokedAt expired", getSession(t, b, expired.ID).RevokedAt, nil)
		sameTimePtr(t, "RevokedAt ending at `at`", getSession(t, b, endsNow.ID).RevokedAt, nil)
		sameTimePtr(t, "RevokedAt earlier revoked", getSession(t, b, revoked.ID).RevokedAt, &earlyAt)
		sameTimePtr(t, "RevokedAt excepted", getSession(t, b, excepted.ID).RevokedAt, nil)

		n, err = b.Sessions().RevokeAll(ctx, u.ID, "", at, domain.Effects{})
		noErr(t, "RevokeAll(again, none excepted)", err)
		if n != 1 {
			t.Errorf("RevokeAll(again, none excepted) = %d, want 1 (the excepted session)", n)
		}
		n, err = b.Sessions().RevokeAll(ctx, u.ID, "", at, domain.Effects{})
		noErr(t, "RevokeAll(nothing live left)", err)
		if n != 0 {
			t.Errorf("RevokeAll(nothing live left) = %d, want 0", n)
		}
	})
}
