package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

func testUsers(t *testing.T, b ports.Backend, open func(t *testing.T) ports.Backend) {
	ctx := context.Background()

	t.Run("CreateThenLoadByEachKey", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b, func(u *domain.User) {
			u.Username = "ann-" + u.ID[len(u.ID)-8:]
			u.Status, u.Role = domain.StatusActive, domain.RoleAdmin
			u.ActivatedAt = ptr(base.Add(time.Second))
		})
		byID, err := b.Users().ByID(ctx, u.ID)
		noErr(t, "ByID", err)
		sameUser(t, byID, u)
		byEmail, err := b.Users().ByEmail(ctx, u.Email)
		noErr(t, "ByEmail", err)
		sameUser(t, byEmail, u)
		byName, err := b.Users().ByUsername(ctx, u.Username)
		noErr(t, "ByUsername", err)
		sameUser(t, byName, u)
	})

	t.Run("NotFound", func(t *testing.T) {
		t.Parallel()
		ghost := newUser(t)
		_, err := b.Users().ByID(ctx, ghost.ID)
		wantCode(t, "ByID(unknown)", err, domain.CodeNotFound)
		_, err = b.Users().ByEmail(ctx, ghost.Email)
		wantCode(t, "ByEmail(unknown)", err, domain.CodeNotFound)
		_, err = b.Users().ByUsername(ctx, "nobody-"+ghost.ID[len(ghost.ID)-8:])
		wantCode(t, "ByUsername(unknown)", err, domain.CodeNotFound)
		_, err = b.Users().ByUsername(ctx, "")
		wantCode(t, "ByUsername(empty)", err, domain.CodeNotFound)
		_, err = b.Users().Update(ctx, ghost.ID, setProfile(ghost))
		wantCode(t, "Update(unknown)", err, domain.CodeNotFound)
		wantCode(t, "Delete(unknown)", b.Users().Delete(ctx, ghost.ID, domain.Effects{}), domain.CodeNotFound)
	})

	t.Run("UniqueEmailAndUsername", func(t *testing.T) {
		t.Parallel()
		name := "bob-" + newID(t)[24:]
		first := createUser(t, b, func(u *domain.User) { u.Username = name })

		dupEmail := newUser(t)
		dupEmail.Email = first.Email
		wantCode(t, "Create(same email)", b.Users().Create(ctx, dupEmail, domain.Effects{}), domain.CodeEmailTaken)

		dupName := newUser(t)
		dupName.Username = name
		wantCode(t, "Create(same username)", b.Users().Create(ctx, dupName, domain.Effects{}), domain.CodeUsernameTaken)

		// Any number of users may have no username.
		createUser(t, b)
		createUser(t, b)
	})

	t.Run("UpdateProfileOnly", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		noErr(t, "SetPasswordHash", b.Credentials().SetPasswordHash(ctx, u.ID, "new-hash", base))

		// change sees the stored account (with the new hash); what it does to the
		// hash is not written: Update writes profile fields only.
		want := *u
		want.Email = "changed-" + u.Email
		want.Username = "carol-" + u.ID[len(u.ID)-8:]
		want.Name, want.Mobile, want.Locale = "Carol", "+1 555 0100", "en"
		want.Role, want.Status = domain.RoleAdmin, domain.StatusDisabled
		want.ActivatedAt = ptr(base.Add(time.Minute))
		want.UpdatedAt = base.Add(time.Hour)
		var seenHash string
		got, err := b.Users().Update(ctx, u.ID, func(cur *domain.User) (domain.Effects, error) {
			seenHash = cur.PasswordHash
			if _, err := setProfile(&want)(cur); err != nil {
				return domain.Effects{}, err
			}
			cur.PasswordHash = "must-not-be-written"
			return domain.Effects{}, nil
		})
		noErr(t, "Update", err)
		if seenHash != "new-hash" {
			t.Errorf("change saw PasswordHash %q, want the stored %q", seenHash, "new-hash")
		}
		want.PasswordHash = "new-hash"
		stored := getUser(t, b, u.ID)
		sameUser(t, stored, &want)
		if got.ID != u.ID || got.Email != want.Email || got.Status != want.Status {
			t.Errorf("Update returned %s %s %s, want %s %s %s", got.ID, got.Email, got.Status, u.ID, want.Email, want.Status)
		}

		// Updating with unchanged values still finds the user.
		_, err = b.Users().Update(ctx, u.ID, func(*domain.User) (domain.Effects, error) { return domain.Effects{}, nil })
		noErr(t, "Update(unchanged)", err)
		sameUser(t, getUser(t, b, u.ID), &want)
	})

	t.Run("UpdateAbortedByChange", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b)
		refusal := domain.Errorf(domain.CodeForbidden, "no")
		_, err := b.Users().Update(ctx, u.ID, func(cur *domain.User) (domain.Effects, error) {
			cur.Name, cur.Status = "Never written", domain.StatusDisabled
			return domain.Effects{}, refusal
		})
		if err != refusal {
			t.Fatalf("Update with a refusing change = %v, want that change's error as it is", err)
		}
		sameUser(t, getUser(t, b, u.ID), u)
	})

	t.Run("UpdateToTakenEmailOrUsername", func(t *testing.T) {
		t.Parallel()
		other := createUser(t, b, func(u *domain.User) { u.Username = "dave-" + u.ID[len(u.ID)-8:] })
		u := createUser(t, b)

		byEmail := *u
		byEmail.Email = other.Email
		_, err := b.Users().Update(ctx, u.ID, setProfile(&byEmail))
		wantCode(t, "Update(taken email)", err, domain.CodeEmailTaken)
		byName := *u
		byName.Username = other.Username
		_, err = b.Users().Update(ctx, u.ID, setProfile(&byName))
		wantCode(t, "Update(taken username)", err, domain.CodeUsernameTaken)
		sameUser(t, getUser(t, b, u.ID), u)

		// Clearing a username frees it.
		released := *other
		released.Username = ""
		_, err = b.Users().Update(ctx, other.ID, setProfile(&released))
		noErr(t, "Update(clear username)", err)
		_, err = b.Users().Update(ctx, u.ID, setProfile(&byName))
		noErr(t, "Update(take freed username)", err)
	})

	t.Run("DeleteFreesIdentityAndRemovesSessionsAndTokens", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b, func(u *domain.User) { u.Username = "erin-" + u.ID[len(u.ID)-8:] })
		s := createSession(t, b, u.ID)
		act := createToken(t, b, domain.TokenActivation, u.ID, base.Add(time.Hour))
		reset := createToken(t, b, domain.TokenPasswordReset, u.ID, base.Add(time.Hour))

		noErr(t, "Delete", b.Users().Delete(ctx, u.ID, domain.Effects{}))

		_, err := b.Users().ByID(ctx, u.ID)
		wantCode(t, "ByID(deleted)", err, domain.CodeNotFound)
		_, err = b.Sessions().ByID(ctx, s.ID)
		wantCode(t, "Sessions.ByID(deleted user's)", err, domain.CodeNotFound)
		_, err = b.Tokens().ConsumeActivation(ctx, act, base, domain.Effects{})
		wantCode(t, "ConsumeActivation(deleted user's)", err, domain.CodeTokenInvalid)
		_, err = b.Tokens().ConsumeReset(ctx, reset, "h", base, domain.Effects{})
		wantCode(t, "ConsumeReset(deleted user's)", err, domain.CodeTokenInvalid)
		wantCode(t, "Delete(again)", b.Users().Delete(ctx, u.ID, domain.Effects{}), domain.CodeNotFound)

		again := newUser(t)
		again.Email, again.Username = u.Email, u.Username
		noErr(t, "Create(reusing email and username)", b.Users().Create(ctx, again, domain.Effects{}))
	})

	t.Run("ListPages", func(t *testing.T) {
		t.Parallel()
		own := open(t) // a database of its own: every listed user is one of ours
		var want []string
		for range 25 {
			want = append(want, createUser(t, own).ID)
		}
		slices.Sort(want)
		for _, size := range []int{1, 7, 10, 25, 100} {
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				if pages > 30 {
					t.Fatalf("page size %d: more than 30 pages for 25 users", size)
				}
				page, err := own.Users().List(ctx, after, size)
				noErr(t, "List", err)
				if len(page) > size {
					t.Fatalf("page size %d: got %d users", size, len(page))
				}
				for _, u := range page {
					got = append(got, u.ID)
				}
				if len(page) < size || len(page) == 0 {
					break
				}
				after = page[len(page)-1].ID
			}
			if !slices.Equal(got, want) {
				t.Errorf("page size %d: listed ids\n%v\nwant (each once, ascending)\n%v", size, got, want)
			}
		}
		page, err := own.Users().List(ctx, want[len(want)-1], 10)
		noErr(t, "List(after last)", err)
		if len(page) != 0 {
			t.Errorf("List after the last id returned %d users, want 0", len(page))
		}
		page, err = own.Users().List(ctx, want[9], 3)
		noErr(t, "List(after 10th)", err)
		if len(page) != 3 || page[0].ID != want[10] {
			t.Errorf("List(after 10th, 3) = %d users starting %v, want 3 starting %s", len(page), firstID(page), want[10])
		}
		sameUser(t, &page[0], getUser(t, own, want[10]))
	})
}

// firstID returns the id of the first user of a page, or "" for an empty page.
func firstID(page []domain.User) string {
	if len(page) == 0 {
		return ""
	}
	return page[0].ID
}
