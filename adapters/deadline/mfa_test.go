package deadline_test

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

func (f *fake) MFA() ports.MFAStore { return fakeMFA{f} }

type fakeMFA struct{ f *fake }

func (m fakeMFA) PutFactor(ctx context.Context, _ *domain.Factor, _ domain.Effects) error {
	return m.f.do(ctx, "MFA.PutFactor")
}
func (m fakeMFA) Factors(ctx context.Context, _ string) ([]domain.Factor, error) {
	return []domain.Factor{{ID: "f1"}}, m.f.do(ctx, "MFA.Factors")
}
func (m fakeMFA) Activate(ctx context.Context, _ domain.FactorActivation, _ domain.Effects) error {
	return m.f.do(ctx, "MFA.Activate")
}
func (m fakeMFA) AcceptStep(ctx context.Context, _ *domain.Factor, _ int64, _ time.Time, _ domain.Effects) error {
	return m.f.do(ctx, "MFA.AcceptStep")
}
func (m fakeMFA) DeleteFactor(ctx context.Context, _ *domain.Factor, _ domain.Effects) error {
	return m.f.do(ctx, "MFA.DeleteFactor")
}
func (m fakeMFA) Reset(ctx context.Context, _ string, _ time.Time, _ domain.Effects) error {
	return m.f.do(ctx, "MFA.Reset")
}
func (m fakeMFA) ReplaceRecoveryCodes(ctx context.Context, _ string, _ []string, _ time.Time, _ domain.Effects) error {
	return m.f.do(ctx, "MFA.ReplaceRecoveryCodes")
}
func (m fakeMFA) UseRecoveryCode(ctx context.Context, _, _ string, _ domain.Effects) (int, error) {
	return 7, m.f.do(ctx, "MFA.UseRecoveryCode")
}
func (m fakeMFA) RecoveryCodesLeft(ctx context.Context, _ string) (int, error) {
	return 8, m.f.do(ctx, "MFA.RecoveryCodesLeft")
}
func (m fakeMFA) CreateChallenge(ctx context.Context, _ *domain.MFAChallenge, _ domain.Effects) error {
	return m.f.do(ctx, "MFA.CreateChallenge")
}
func (m fakeMFA) Challenge(ctx context.Context, _ string, _ time.Time) (*domain.MFAChallenge, error) {
	return &domain.MFAChallenge{UserID: "u1"}, m.f.do(ctx, "MFA.Challenge")
}
func (m fakeMFA) FailChallenge(ctx context.Context, _ string, _ domain.Effects) error {
	return m.f.do(ctx, "MFA.FailChallenge")
}
func (m fakeMFA) ConsumeChallenge(ctx context.Context, _ string, _ time.Time) (*domain.MFAChallenge, error) {
	return &domain.MFAChallenge{UserID: "u2"}, m.f.do(ctx, "MFA.ConsumeChallenge")
}

// mfaPortCalls are the MFA store's rows of portCalls.
func mfaPortCalls(at time.Time) []portCall {
	f := &domain.Factor{ID: "f1", UserID: "u1", Type: domain.FactorTOTP}
	return []portCall{
		{"MFA.PutFactor", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.MFA().PutFactor(ctx, f, domain.Effects{})
		}},
		{"MFA.Factors", func(ctx context.Context, b ports.Backend) (any, error) { return b.MFA().Factors(ctx, "u1") }},
		{"MFA.Activate", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.MFA().Activate(ctx, domain.FactorActivation{Factor: *f, Step: 1, At: at}, domain.Effects{})
		}},
		{"MFA.AcceptStep", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.MFA().AcceptStep(ctx, f, 1, at, domain.Effects{})
		}},
		{"MFA.DeleteFactor", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.MFA().DeleteFactor(ctx, f, domain.Effects{})
		}},
		{"MFA.Reset", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.MFA().Reset(ctx, "u1", at, domain.Effects{})
		}},
		{"MFA.ReplaceRecoveryCodes", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.MFA().ReplaceRecoveryCodes(ctx, "u1", []string{"h"}, at, domain.Effects{})
		}},
		{"MFA.UseRecoveryCode", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.MFA().UseRecoveryCode(ctx, "u1", "h", domain.Effects{})
		}},
		{"MFA.RecoveryCodesLeft", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.MFA().RecoveryCodesLeft(ctx, "u1")
		}},
		{"MFA.CreateChallenge", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.MFA().CreateChallenge(ctx, &domain.MFAChallenge{}, domain.Effects{})
		}},
		{"MFA.Challenge", func(ctx context.Context, b ports.Backend) (any, error) { return b.MFA().Challenge(ctx, "h", at) }},
		{"MFA.FailChallenge", func(ctx context.Context, b ports.Backend) (any, error) {
			return nil, b.MFA().FailChallenge(ctx, "h", domain.Effects{})
		}},
		{"MFA.ConsumeChallenge", func(ctx context.Context, b ports.Backend) (any, error) {
			return b.MFA().ConsumeChallenge(ctx, "h", at)
		}},
	}
}
