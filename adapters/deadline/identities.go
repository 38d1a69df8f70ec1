package deadline

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// identities bounds each call of the identity store.
type identities struct {
	s ports.IdentityStore
	g guard
}

var _ ports.IdentityStore = identities{}

// Identities returns the identity store, bounded.
func (b *Backend) Identities() ports.IdentityStore { return identities{b.inner.Identities(), b.g} }

func (i identities) PutFlow(ctx context.Context, f *domain.ProviderFlow) error {
	return i.g.run(ctx, func(ctx context.Context) error { return i.s.PutFlow(ctx, f) })
}

func (i identities) ConsumeFlow(ctx context.Context, hash string, now time.Time) (*domain.ProviderFlow, error) {
	return value(i.g, ctx, func(ctx context.Context) (*domain.ProviderFlow, error) { return i.s.ConsumeFlow(ctx, hash, now) })
}

func (i identities) ByIdentity(ctx context.Context, provider, subject string) (*domain.Identity, error) {
	return value(i.g, ctx, func(ctx context.Context) (*domain.Identity, error) { return i.s.ByIdentity(ctx, provider, subject) })
}

func (i identities) Identities(ctx context.Context, userID string) ([]domain.Identity, error) {
	return value(i.g, ctx, func(ctx context.Context) ([]domain.Identity, error) { return i.s.Identities(ctx, userID) })
}

func (i identities) CreateUser(ctx context.Context, u *domain.User, id *domain.Identity, fx domain.Effects) error {
	return i.g.run(ctx, func(ctx context.Context) error { return i.s.CreateUser(ctx, u, id, fx) })
}

func (i identities) Link(ctx context.Context, id *domain.Identity, fx domain.Effects) error {
	return i.g.run(ctx, func(ctx context.Context) error { return i.s.Link(ctx, id, fx) })
}

func (i identities) Use(ctx context.Context, provider, subject string, at time.Time) error {
	return i.g.run(ctx, func(ctx context.Context) error { return i.s.Use(ctx, provider, subject, at) })
}

func (i identities) Unlink(ctx context.Context, userID, provider string, keepWayIn bool, fx domain.Effects) error {
	return i.g.run(ctx, func(ctx context.Context) error { return i.s.Unlink(ctx, userID, provider, keepWayIn, fx) })
}
