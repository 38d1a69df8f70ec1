package gotrue_test

import (
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/gotrue"
	"github.com/authd/authd/domain"
)

func TestAccountMapping(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	lower := func(s string) (string, error) { return strings.ToLower(s), nil }
	confirmed := now.Add(-time.Hour)
	base := gotrue.User{ID: "3B0B9F3E-6C1A-4C55-9A65-0F6F0D2B7A01", Email: "Ann@Example.com", EncryptedPassword: "$2a$10$x",
		ConfirmedAt: &confirmed, CreatedAt: now, UpdatedAt: now, Phone: "447700900123",
		Metadata: map[string]any{"full_name": "  " + strings.Repeat("é", 120) + " "}}

	acc, why := base.Account(lower, now)
	if acc == nil {
		t.Fatalf("Account = nil (%s), want an account", why)
	}
	u := acc.User
	if u.ID != strings.ToLower(base.ID) || u.Email != "ann@example.com" || u.Status != domain.StatusActive ||
		u.ActivatedAt == nil || u.PasswordHash != "$2a$10$x" || u.Mobile != "+447700900123" || len([]rune(u.Name)) != domain.MaxNameLength {
		t.Fatalf("account = %+v", u)
	}

	banned := base
	until := now.Add(time.Hour)
	banned.BannedUntil = &until
	if acc, _ := banned.Account(lower, now); acc.User.Status != domain.StatusDisabled {
		t.Errorf("banned: status %s, want disabled", acc.User.Status)
	}
	expired := base
	past := now.Add(-time.Hour)
	expired.BannedUntil = &past
	if acc, _ := expired.Account(lower, now); acc.User.Status != domain.StatusActive {
		t.Errorf("ban over: status %s, want active", acc.User.Status)
	}
	pending := base
	pending.ConfirmedAt = nil
	if acc, _ := pending.Account(lower, now); acc.User.Status != domain.StatusPending || acc.User.ActivatedAt != nil {
		t.Errorf("unconfirmed: %+v, want pending", acc.User)
	}
	for name, mod := range map[string]func(*gotrue.User){
		"deleted":   func(u *gotrue.User) { u.Deleted = true },
		"anonymous": func(u *gotrue.User) { u.Anonymous = true },
		"no e-mail": func(u *gotrue.User) { u.Email = "" },
		"sso only":  func(u *gotrue.User) { u.SSO, u.EncryptedPassword = true, "" },
		"md5 hash":  func(u *gotrue.User) { u.EncryptedPassword = "5f4dcc3b5aa765d61d8327deb882cf99" },
	} {
		u := base
		mod(&u)
		if acc, why := u.Account(lower, now); acc != nil || why == "" {
			t.Errorf("%s: Account = %+v, %q; want nil and a reason", name, acc, why)
		}
	}
}
