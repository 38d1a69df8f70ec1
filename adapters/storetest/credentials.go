package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

func testCredentials(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	ctx := context.Background()

	t.Run("SetPasswordHash", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		noErr(t, "SetPasswordHash", b.Credentials().SetPasswordHash(ctx, u.ID, "rehashed", base.Add(time.Minute)))
		if got := getUser(t, b, u.ID).PasswordHash; got != "rehashed" {
			t.Errorf("PasswordHash = %q, want %q", got, "rehashed")
		}
		wantCode(t, "SetPasswordHash(unknown)",
			b.Credentials().SetPasswordHash(ctx, newID(t), "x", base), domain.CodeNotFound)
	})

	t.Run("ChangePasswordKeepsNamedSession", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		other := createUser(t, b)
		s1, keep, s3 := createSession(t, b, u.ID), createSession(t, b, u.ID), createSession(t, b, u.ID)
		foreign := createSession(t, b, other.ID)
		at := base.Add(time.Hour)

		noErr(t, "ChangePassword", b.Credentials().ChangePassword(ctx, u.ID, "changed", keep.ID, at, domain.Effects{}))

		if got := getUser(t, b, u.ID).PasswordHash; got != "changed" {
			t.Errorf("PasswordHash = %q, want %q", got, "changed")
		}
		for _, s := range []*domain.Session{s1, s3} {
			sameTimePtr(t, "RevokedAt of another session", getSession(t, b, s.ID).RevokedAt, &at)
		}
		if got := getSession(t, b, keep.ID).RevokedAt; got != nil {
			t.Errorf("kept session RevokedAt = %v, want nil", got)
		}
		if got := getSession(t, b, foreign.ID).RevokedAt; got != nil {
			t.Errorf("other user's session RevokedAt = %v, want nil", got)
		}

		noErr(t, "ChangePassword(keep none)", b.Credentials().ChangePassword(ctx, u.ID, "again", "", at.Add(time.Hour), domain.Effects{}))
		sameTimePtr(t, "RevokedAt of formerly kept session", getSession(t, b, keep.ID).RevokedAt, ptr(at.Add(time.Hour)))
		sameTimePtr(t, "RevokedAt of earlier revoked session", getSession(t, b, s1.ID).RevokedAt, &at)

		wantCode(t, "ChangePassword(unknown)",
			b.Credentials().ChangePassword(ctx, newID(t), "x", "", at, domain.Effects{}), domain.CodeNotFound)
	})
}
