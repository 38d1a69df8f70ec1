package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/domain"
)

func TestAccountValidate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	valid := func() domain.Account {
		return domain.Account{
			User: domain.User{ID: "0190c0de-0000-7000-8000-000000000001", Email: "ann@example.com", Username: "ann",
				Role: domain.RoleUser, Status: domain.StatusActive, CreatedAt: at, UpdatedAt: at},
			Factors:       []domain.Factor{{ID: "f1", Type: domain.FactorTOTP, Status: domain.FactorActive, Secret: []byte("sealed")}},
			RecoveryCodes: []string{"h1"},
			Passkeys:      []domain.Passkey{{ID: "p1", CredentialID: []byte("c"), PublicKey: []byte("k")}},
			Sessions:      []domain.Session{{ID: "s1", ExpiresAt: at, AAL: domain.AAL2}},
		}
	}
	a := valid()
	if err := a.Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v, want nil", err)
	}
	for name, breakIt := range map[string]func(*domain.Account){
		"id":            func(a *domain.Account) { a.User.ID = "a/b" },
		"long id":       func(a *domain.Account) { a.User.ID = strings.Repeat("a", 65) },
		"email":         func(a *domain.Account) { a.User.Email = "ann" },
		"role":          func(a *domain.Account) { a.User.Role = "root" },
		"status":        func(a *domain.Account) { a.User.Status = "" },
		"created":       func(a *domain.Account) { a.User.CreatedAt = time.Time{} },
		"factor type":   func(a *domain.Account) { a.Factors[0].Type = "sms" },
		"factor secret": func(a *domain.Account) { a.Factors[0].Secret = nil },
		"code":          func(a *domain.Account) { a.RecoveryCodes = []string{""} },
		"passkey":       func(a *domain.Account) { a.Passkeys[0].CredentialID = nil },
		"session aal":   func(a *domain.Account) { a.Sessions[0].AAL = "aal3" },
		"session id":    func(a *domain.Account) { a.Sessions[0].ID = "" },
	} {
		a := valid()
		breakIt(&a)
		if err := a.Validate(); !domain.IsCode(err, domain.CodeValidationFailed) {
			t.Errorf("%s: Validate = %v, want validation_failed", name, err)
		}
	}
}
