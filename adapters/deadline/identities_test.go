package deadline_test

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

func (f *fake) Identities() ports.IdentityStore { return fakeIdentities{f} }

type fakeIdentities struct{ f *fake }

func (i fakeIdentities) PutFlow(ctx context.Context, _ *domain.ProviderFlow) error {
	return i.f.do(ctx, "Identities.PutFlow")
}
func (i fakeIdentities) ConsumeFlow(ctx context.Context, _ string, _ time.Time) (*domain.ProviderFlow, error) {
	return &domain.ProviderFlow{Hash: "f"}, i.f.do(ctx, "Identities.ConsumeFlow")
}
func (i fakeIdentities) ByIdentity(ctx context.Context, _, _ string) (*domain.Identity, error) {
	return &domain.Identity{Subject: "s1"}, i.f.do(ctx, "Identities.ByIdentity")
}
func (i fakeIdentities) Identities(ctx context.Context, _ string) ([]domain.Identity, error) {
	return []domain.Identity{{Subject: "s2"}}, i.f.do(ctx, "Identities.Identities")
}
func (i fakeIdentities) CreateUser(ctx context.Context, _ *domain.User, _ *domain.Identity, _ domain.Effects) error {
	return i.f.do(ctx, "Identities.CreateUser")
}
func (i fakeIdentities) Link(ctx context.Context, _ *domain.Identity, _ domain.Effects) error {
	return i.f.do(ctx, "Identities.Link")
}
func (i fakeIdentities) Use(ctx context.Context, _, _ string, _ time.Time) error {
	return i.f.do(ctx, "Identities.Use")
}
func (i fakeIdentities) Unlink(ctx context.Context, _, _ string, _ bool, _ domain.Effects) error {
	return i.f.do(ctx, "Identities.Unlink")
}

// identityPortCalls are the identity store's rows of portCalls.
func identityPortCalls(at time.Time) []portCall {
	id := &domain.Identity{Provider: "p", Subject: "s", UserID: "u1"}
	return []portCall{
		{"Identities.PutFlow", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Identities().PutFlow(ctx, &domain.ProviderFlow{Hash: "f"})
		}},
		{"Identities.ConsumeFlow", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Identities().ConsumeFlow(ctx, "f", at)
		}},
		{"Identities.ByIdentity", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Identities().ByIdentity(ctx, "p", "s")
		}},
		{"Identities.Identities", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.Identities().Identities(ctx, "u1")
		}},
		{"Identities.CreateUser", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Identities().CreateUser(ctx, &domain.User{ID: "u1"}, id, domain.Effects{})
		}},
		{"Identities.Link", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Identities().Link(ctx, id, domain.Effects{})
		}},
		{"Identities.Use", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Identities().Use(ctx, "p", "s", at)
		}},
		{"Identities.Unlink", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.Identities().Unlink(ctx, "u1", "p", true, domain.Effects{})
		}},
	}
}
