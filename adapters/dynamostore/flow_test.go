package dynamostore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/dynamostore"
	"github.com/authd/authd/domain"
)

// TestUserLifecycle walks a user through the UserStore and CredentialStore methods
// and checks the guards follow the e-mail and username.
func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openStore(t, dynamostore.Options{})
	users, creds := s.Users(), s.Credentials()

	u := newUser(t, "ann@example.com", "ann")
	if err := users.Create(ctx, u, domain.Effects{}); err != nil {
		t.Fatalf("Create() error = %v, want nil", err)
	}
	wantCode(t, "Create(same e-mail)", users.Create(ctx, newUser(t, "ann@example.com", "other"), domain.Effects{}), domain.CodeEmailTaken)
	wantCode(t, "Create(same username)", users.Create(ctx, newUser(t, "x@example.com", "ann"), domain.Effects{}), domain.CodeUsernameTaken)

	got, err := users.ByEmail(ctx, "ann@example.com")
	if err != nil || got.ID != u.ID || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("ByEmail() = %+v, %v; want id %s created %v", got, err, u.ID, u.CreatedAt)
	}

	rename := func(email, username, name string) func(*domain.User) (domain.Effects, error) {
		return func(cur *domain.User) (domain.Effects, error) {
			cur.Email, cur.Username, cur.Name = email, username, name
			return domain.Effects{}, nil
		}
	}
	if _, err := users.Update(ctx, u.ID, rename("ann2@example.com", "", "Ann")); err != nil {
		t.Fatalf("Update() error = %v, want nil", err)
	}
	_, err = users.ByEmail(ctx, "ann@example.com")
	wantCode(t, "ByEmail(old address)", err, domain.CodeNotFound)
	_, err = users.ByUsername(ctx, "ann")
	wantCode(t, "ByUsername(released name)", err, domain.CodeNotFound)
	if err := users.Create(ctx, newUser(t, "ann@example.com", "ann"), domain.Effects{}); err != nil {
		t.Fatalf("Create(freed e-mail and username) error = %v, want nil", err)
	}
	_, err = users.Update(ctx, u.ID, rename("ann@example.com", "", "Ann"))
	wantCode(t, "Update(to taken e-mail)", err, domain.CodeEmailTaken)
	got, err = users.ByID(ctx, u.ID)
	if err != nil || got.Email != "ann2@example.com" || got.Name != "Ann" {
		t.Fatalf("ByID() = %+v, %v; want ann2@example.com, name Ann", got, err)
	}

	list, err := users.List(ctx, "", 1)
	if err != nil || len(list) != 1 || list[0].ID != u.ID {
		t.Fatalf("List(first page) = %d users, %v; want 1 user %s", len(list), err, u.ID)
	}
	list, err = users.List(ctx, u.ID, 10)
	if err != nil || len(list) != 1 || list[0].ID <= u.ID {
		t.Fatalf("List(after %s) = %+v, %v; want the one later user", u.ID, list, err)
	}

	if err := users.Delete(ctx, u.ID, domain.Effects{}); err != nil {
		t.Fatalf("Delete() error = %v", err)
	}
	wantCode(t, "Delete(again)", users.Delete(ctx, u.ID, domain.Effects{}), domain.CodeNotFound)
	wantCode(t, "SetPasswordHash(deleted)", creds.SetPasswordHash(ctx, u.ID, "h", time.Now()), domain.CodeNotFound)
	if err := users.Create(ctx, newUser(t, "ann2@example.com", ""), domain.Effects{}); err != nil {
		t.Fatalf("Create(e-mail of deleted user) error = %v, want nil", err)
	}
}

// TestSessionsAndTokens covers rotation, revocation and both one-time tokens.
func TestSessionsAndTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openStore(t, dynamostore.Options{})
	u := newUser(t, "bob@example.com", "")
	if err := s.Users().Create(ctx, u, domain.Effects{}); err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	now := time.Now().UTC()
	sessions := s.Sessions()
	for _, id := range []string{"s1", "s2", "s3"} {
		err := sessions.Create(ctx, &domain.Session{ID: id, UserID: u.ID, RotatedAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, domain.Effects{})
		if err != nil {
			t.Fatalf("Sessions.Create(%s) error = %v", id, err)
		}
	}
	wantCode(t, "Sessions.Create(dup)", sessions.Create(ctx, &domain.Session{ID: "s1", UserID: u.ID, ExpiresAt: now}, domain.Effects{}), domain.CodeConflict)
	wantCode(t, "Rotate(unknown)", sessions.Rotate(ctx, "nope", 0, now), domain.CodeNotFound)

	var wins int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			err := sessions.Rotate(ctx, "s1", 0, now)
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else if !domain.IsCode(err, domain.CodeConflict) {
				t.Errorf("Rotate() error = %v, want nil or conflict", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("concurrent Rotate winners = %d, want 1", wins)
	}
	if err := sessions.Revoke(ctx, "s2", now, domain.Effects{}); err != nil {
		t.Fatalf("Revoke() error = %v", err)
	}
	n, err := sessions.RevokeAll(ctx, u.ID, "s3", now, domain.Effects{})
	if err != nil || n != 1 {
		t.Fatalf("RevokeAll(except s3) = %d, %v; want 1 (s1), nil", n, err)
	}
	wantCode(t, "Rotate(revoked)", sessions.Rotate(ctx, "s1", 1, now), domain.CodeConflict)

	tokens := s.Tokens()
	old := &domain.OneTimeToken{Hash: "h-old", Kind: domain.TokenActivation, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	tok := &domain.OneTimeToken{Hash: "h-new", Kind: domain.TokenActivation, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	for _, tk := range []*domain.OneTimeToken{old, tok} {
		if err := tokens.Create(ctx, tk, domain.Effects{}); err != nil {
			t.Fatalf("Tokens.Create(%s) error = %v", tk.Hash, err)
		}
	}
	_, err = tokens.ConsumeActivation(ctx, "h-old", now, domain.Effects{})
	wantCode(t, "ConsumeActivation(replaced token)", err, domain.CodeTokenInvalid)
	got, err := tokens.ConsumeActivation(ctx, "h-new", now, domain.Effects{})
	if err != nil || got.Status != domain.StatusActive || got.ActivatedAt == nil {
		t.Fatalf("ConsumeActivation() = %+v, %v; want active user", got, err)
	}
	_, err = tokens.ConsumeActivation(ctx, "h-new", now, domain.Effects{})
	wantCode(t, "ConsumeActivation(used)", err, domain.CodeTokenInvalid)

	reset := &domain.OneTimeToken{Hash: "h-reset", Kind: domain.TokenPasswordReset, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := tokens.Create(ctx, reset, domain.Effects{}); err != nil {
		t.Fatalf("Tokens.Create(reset) error = %v", err)
	}
	_, err = tokens.ConsumeReset(ctx, "h-reset", "new-hash", now.Add(time.Hour), domain.Effects{})
	wantCode(t, "ConsumeReset(expired)", err, domain.CodeTokenExpired)
	if err := tokens.Create(ctx, &domain.OneTimeToken{Hash: "h-reset2", Kind: domain.TokenPasswordReset, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Minute)}, domain.Effects{}); err != nil {
		t.Fatalf("Tokens.Create(reset2) error = %v", err)
	}
	got, err = tokens.ConsumeReset(ctx, "h-reset2", "new-hash", now, domain.Effects{})
	if err != nil || got.PasswordHash != "new-hash" {
		t.Fatalf("ConsumeReset() = %+v, %v; want hash new-hash", got, err)
	}
	s3, err := sessions.ByID(ctx, "s3")
	if err != nil || s3.RevokedAt == nil {
		t.Fatalf("ByID(s3) after reset = %+v, %v; want revoked", s3, err)
	}
	wantCode(t, "Tokens.Create(unknown user)", tokens.Create(ctx, &domain.OneTimeToken{Hash: "x", Kind: domain.TokenActivation, UserID: "nobody", ExpiresAt: now}, domain.Effects{}), domain.CodeNotFound)

	secret, err := s.Secrets().Secret(ctx, "k", []byte("first"))
	if err != nil || string(secret) != "first" {
		t.Fatalf("Secret(first) = %q, %v; want first", secret, err)
	}
	secret, err = s.Secrets().Secret(ctx, "k", []byte("second"))
	if err != nil || string(secret) != "first" {
		t.Fatalf("Secret(second) = %q, %v; want first", secret, err)
	}
}
