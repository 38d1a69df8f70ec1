package deadline_test

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

func (f *fake) Passkeys() ports.PasskeyStore { return fakePasskeys{f} }

type fakePasskeys struct{ f *fake }

func (p fakePasskeys) Add(ctx context.Context, _ *domain.Passkey, _ *domain.MFAOn, _ domain.Effects) error {
	return p.f.do(ctx, "Passkeys.Add")
}
func (p fakePasskeys) Passkeys(ctx context.Context, _ string) ([]domain.Passkey, error) {
	return []domain.Passkey{{ID: "p1"}}, p.f.do(ctx, "Passkeys.Passkeys")
}
func (p fakePasskeys) ByCredentialID(ctx context.Context, _ []byte) (*domain.Passkey, error) {
	return &domain.Passkey{ID: "p2"}, p.f.do(ctx, "Passkeys.ByCredentialID")
}
func (p fakePasskeys) Rename(ctx context.Context, _, _, _ string, _ domain.Effects) (*domain.Passkey, error) {
	return &domain.Passkey{ID: "p3"}, p.f.do(ctx, "Passkeys.Rename")
}
func (p fakePasskeys) Use(ctx context.Context, _ *domain.Passkey, _ uint32, _ bool, _ time.Time, _ domain.Effects) error {
	return p.f.do(ctx, "Passkeys.Use")
}
func (p fakePasskeys) Remove(ctx context.Context, _, _ string, _ domain.Effects) error {
	return p.f.do(ctx, "Passkeys.Remove")
}
func (p fakePasskeys) CreateCeremony(ctx context.Context, _ *domain.PasskeyCeremony) error {
	return p.f.do(ctx, "Passkeys.CreateCeremony")
}
func (p fakePasskeys) ConsumeCeremony(ctx context.Context, _ string, _ time.Time) (*domain.PasskeyCeremony, error) {
	return &domain.PasskeyCeremony{Hash: "h"}, p.f.do(ctx, "Passkeys.ConsumeCeremony")
}

// passkeyPortCalls are the passkey store's rows of portCalls.
func passkeyPortCalls(at time.Time) []portCall {
	p := &domain.Passkey{ID: "p1", UserID: "u1"}
	return []portCall{
		{"Passkeys.Add", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Passkeys().Add(ctx, p, nil, domain.Effects{})
		}},
		{"Passkeys.Passkeys", func(ctx context.Context, b ports.Backend) (any, error) { return b.Passkeys().Passkeys(ctx, "u1") }},
		{"Passkeys.ByCredentialID", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Passkeys().ByCredentialID(ctx, []byte{1})
		}},
		{"Passkeys.Rename", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Passkeys().Rename(ctx, "u1", "p1", "n", domain.Effects{})
		}},
		{"Passkeys.Use", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Passkeys().Use(ctx, p, 2, false, at, domain.Effects{})
		}},
		{"Passkeys.Remove", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Passkeys().Remove(ctx, "u1", "p1", domain.Effects{})
		}},
		{"Passkeys.CreateCeremony", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Passkeys().CreateCeremony(ctx, &domain.PasskeyCeremony{})
		}},
		{"Passkeys.ConsumeCeremony", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Passkeys().ConsumeCeremony(ctx, "h", at)
		}},
	}
}
