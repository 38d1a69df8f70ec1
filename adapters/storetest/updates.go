package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// testUpdateRaces pins that Users.Update is one read-modify-write: a profile edit
// racing a role or status change never undoes it.
func testUpdateRaces(t *testing.T, b ports.Backend, _ func(t *testing.T) ports.Backend) {
	ctx := context.Background()

	t.Run("EditHeldBetweenReadAndWriteKeepsConcurrentDisable", func(t *testing.T) {
		t.Parallel()
		u := createUser(t, b, func(u *domain.User) { u.Status, u.Role = domain.StatusActive, domain.RoleAdmin })
		read := make(chan struct{})
		var once sync.Once
		edited := make(chan error, 1)
		go func() {
			_, err := b.Users().Update(ctx, u.ID, func(cur *domain.User) (domain.Effects, error) {
				cur.Name = "Renamed"
				once.Do(func() {
					close(read)
					// Hold the change between its read and its write, as a slow
					// request would, while the admin's change goes in.
					time.Sleep(100 * time.Millisecond)
				})
				return domain.Effects{}, nil
			})
			edited <- err
		}()
		<-read
		_, err := b.Users().Update(ctx, u.ID, func(cur *domain.User) (domain.Effects, error) {
			cur.Status, cur.Role = domain.StatusDisabled, domain.RoleUser
			return domain.Effects{}, nil
		})
		noErr(t, "Update(disable and demote)", err)
		noErr(t, "Update(rename)", <-edited)

		got := getUser(t, b, u.ID)
		if got.Status != domain.StatusDisabled || got.Role != domain.RoleUser || got.Name != "Renamed" {
			t.Fatalf("after a rename racing a disable and demotion: status %s role %s name %q; want disabled, user, \"Renamed\" (neither change lost)",
				got.Status, got.Role, got.Name)
		}
	})

	t.Run("ConcurrentEditsAndDisable", func(t *testing.T) {
		t.Parallel()
		// Four edits and one disable: five writers, so even a store that retries
		// lost races (DynamoDB) needs at most five rounds per writer.
		const edits = 4
		u := createUser(t, b, func(u *domain.User) { u.Status = domain.StatusActive })
		ok, codes, errs := race(edits+1, func(i int) error {
			_, err := b.Users().Update(ctx, u.ID, func(cur *domain.User) (domain.Effects, error) {
				if i == edits {
					cur.Status = domain.StatusDisabled
				} else {
					cur.Mobile = fmt.Sprintf("+1 555 010%d", i)
				}
				return domain.Effects{}, nil
			})
			return err
		})
		if ok != edits+1 {
			t.Fatalf("concurrent Updates: %d succeeded, failures %v (%v), want all %d", ok, codes, errs, edits+1)
		}
		if got := getUser(t, b, u.ID); got.Status != domain.StatusDisabled {
			t.Fatalf("status after edits racing a disable = %s, want disabled", got.Status)
		}
	})
}
