package app_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// TestCheckIdentities stores accounts the way the old rule (trim and lower-case)
// did, on every backend, and expects each one today's rule would refuse, change or
// fold onto another account to be reported, and no other.
func TestCheckIdentities(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		var users ports.UserStore
		var hasher ports.Hasher
		f := newFixtureOn(t, backend, func(d *app.Deps) { users, hasher = d.Users, d.Hasher }, nil)
		ctx := context.Background()
		hash, err := hasher.Hash(ctx, password)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		rows := []struct{ id, email string }{ // ids in List order
			{"00000000-0000-7000-8000-000000000001", "jos\u00e9@example.com"},
			{"00000000-0000-7000-8000-000000000002", "jose\u0301@example.com"},
			{"00000000-0000-7000-8000-000000000003", "ann@example.com"},
			{"00000000-0000-7000-8000-000000000004", "\uff41\uff4e\uff4e@example.com"},
			{"00000000-0000-7000-8000-000000000005", "x@[127.0.0.1]"},
			{"00000000-0000-7000-8000-000000000006", "stra\u00dfe@example.com"},
			{"00000000-0000-7000-8000-000000000007", "lee@example.com"},
		}
		for _, r := range rows {
			u := &domain.User{ID: r.id, Email: r.email, Role: domain.RoleUser, Status: domain.StatusActive,
				PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
			if err := users.Create(ctx, u, domain.Effects{}); err != nil {
				t.Fatalf("Create(%+q): %v", r.email, err)
			}
		}
		got, err := f.app.CheckIdentities(ctx)
		if err != nil {
			t.Fatal(err)
		}
		id := func(i int) string { return rows[i-1].id }
		want := []app.IdentityIssue{
			{UserID: id(2), Field: "email", Stored: rows[1].email, Normalised: rows[0].email, CollidesWith: id(1)},
			{UserID: id(4), Field: "email", Stored: rows[3].email, Normalised: "ann@example.com", CollidesWith: id(3)},
			{UserID: id(5), Field: "email", Stored: "x@[127.0.0.1]", Refused: "invalid_email"},
			{UserID: id(6), Field: "email", Stored: rows[5].email, Normalised: "strasse@example.com"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("CheckIdentities:\n got %+v\nwant %+v", got, want)
		}

		// An account stored under the old rule is still found by what its user types,
		// though today's form of it ("strasse") differs.
		pair, err := f.app.Login(ctx, app.LoginInput{Email: "Stra\u00dfe@example.com", Password: password})
		if err != nil || pair.User.ID != id(6) {
			t.Fatalf("login to a legacy address: %v, want the account %s", err, id(6))
		}
	})
}
