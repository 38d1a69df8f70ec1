package deadline

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// passkeys bounds each call of the passkey store.
type passkeys struct {
	s ports.PasskeyStore
	g guard
}

// Passkeys returns the passkey store, bounded.
func (b *Backend) Passkeys() ports.PasskeyStore { return passkeys{b.inner.Passkeys(), b.g} }

func (p passkeys) Add(ctx context.Context, pk *domain.Passkey, on *domain.MFAOn, fx domain.Effects) error {
	return p.g.run(ctx, func(ctx context.Context) error { return p.s.Add(ctx, pk, on, fx) })
}

func (p passkeys) Passkeys(ctx context.Context, userID string) ([]domain.Passkey, error) {
	return value(p.g, ctx, func(ctx context.Context) ([]domain.Passkey, error) { return p.s.Passkeys(ctx, userID) })
}

func (p passkeys) ByCredentialID(ctx context.Context, id []byte) (*domain.Passkey, error) {
	return value(p.g, ctx, func(ctx context.Context) (*domain.Passkey, error) { return p.s.ByCredentialID(ctx, id) })
}

func (p passkeys) Rename(ctx context.Context, userID, id, name string, fx domain.Effects) (*domain.Passkey, error) {
	return value(p.g, ctx, func(ctx context.Context) (*domain.Passkey, error) { return p.s.Rename(ctx, userID, id, name, fx) })
}

func (p passkeys) Use(ctx context.Context, pk *domain.Passkey, count uint32, backedUp bool, at time.Time, fx domain.Effects) error {
	return p.g.run(ctx, func(ctx context.Context) error { return p.s.Use(ctx, pk, count, backedUp, at, fx) })
}

func (p passkeys) Remove(ctx context.Context, userID, id string, fx domain.Effects) error {
	return p.g.run(ctx, func(ctx context.Context) error { return p.s.Remove(ctx, userID, id, fx) })
}

func (p passkeys) CreateCeremony(ctx context.Context, c *domain.PasskeyCeremony) error {
	return p.g.run(ctx, func(ctx context.Context) error { return p.s.CreateCeremony(ctx, c) })
}

func (p passkeys) ConsumeCeremony(ctx context.Context, hash string, now time.Time) (*domain.PasskeyCeremony, error) {
	return value(p.g, ctx, func(ctx context.Context) (*domain.PasskeyCeremony, error) { return p.s.ConsumeCeremony(ctx, hash, now) })
}
