package deadline

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.MFAStore = mfa{}

type mfa struct {
	s ports.MFAStore
	g guard
}

func (m mfa) PutFactor(ctx context.Context, f *domain.Factor, fx domain.Effects) error {
	return m.g.run(ctx, func(ctx context.Context) error { return m.s.PutFactor(ctx, f, fx) })
}

func (m mfa) Factors(ctx context.Context, userID string) ([]domain.Factor, error) {
	return value(m.g, ctx, func(ctx context.Context) ([]domain.Factor, error) { return m.s.Factors(ctx, userID) })
}

func (m mfa) Activate(ctx context.Context, act domain.FactorActivation, fx domain.Effects) error {
	return m.g.run(ctx, func(ctx context.Context) error { return m.s.Activate(ctx, act, fx) })
}

func (m mfa) AcceptStep(ctx context.Context, f *domain.Factor, step int64, at time.Time, fx domain.Effects) error {
	return m.g.run(ctx, func(ctx context.Context) error { return m.s.AcceptStep(ctx, f, step, at, fx) })
}

func (m mfa) DeleteFactor(ctx context.Context, f *domain.Factor, fx domain.Effects) error {
	return m.g.run(ctx, func(ctx context.Context) error { return m.s.DeleteFactor(ctx, f, fx) })
}

func (m mfa) Reset(ctx context.Context, userID string, at time.Time, fx domain.Effects) error {
	return m.g.run(ctx, func(ctx context.Context) error { return m.s.Reset(ctx, userID, at, fx) })
}

func (m mfa) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, at time.Time, fx domain.Effects) error {
	return m.g.run(ctx, func(ctx context.Context) error { return m.s.ReplaceRecoveryCodes(ctx, userID, hashes, at, fx) })
}

func (m mfa) UseRecoveryCode(ctx context.Context, userID, hash string, fx domain.Effects) (int, error) {
	return value(m.g, ctx, func(ctx context.Context) (int, error) { return m.s.UseRecoveryCode(ctx, userID, hash, fx) })
}

func (m mfa) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	return value(m.g, ctx, func(ctx context.Context) (int, error) { return m.s.RecoveryCodesLeft(ctx, userID) })
}

func (m mfa) CreateChallenge(ctx context.Context, c *domain.MFAChallenge, fx domain.Effects) error {
	return m.g.run(ctx, func(ctx context.Context) error { return m.s.CreateChallenge(ctx, c, fx) })
}

func (m mfa) Challenge(ctx context.Context, hash string, now time.Time) (*domain.MFAChallenge, error) {
	return value(m.g, ctx, func(ctx context.Context) (*domain.MFAChallenge, error) { return m.s.Challenge(ctx, hash, now) })
}

func (m mfa) FailChallenge(ctx context.Context, hash string, fx domain.Effects) error {
	return m.g.run(ctx, func(ctx context.Context) error { return m.s.FailChallenge(ctx, hash, fx) })
}

func (m mfa) ConsumeChallenge(ctx context.Context, hash string, now time.Time) (*domain.MFAChallenge, error) {
	return value(m.g, ctx, func(ctx context.Context) (*domain.MFAChallenge, error) {
		return m.s.ConsumeChallenge(ctx, hash, now)
	})
}
