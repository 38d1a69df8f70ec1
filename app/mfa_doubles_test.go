package app_test

import (
	"context"

	"github.com/authd/authd/domain"
)

// The recording notifiers of the other tests take the recovery-code notice too.

func (g *gatedMail) SendRecoveryCodeUsed(ctx context.Context, u domain.User, remaining int) error {
	return g.next.SendRecoveryCodeUsed(ctx, u, remaining)
}

func (m *failingMail) SendRecoveryCodeUsed(context.Context, domain.User, int) error { return nil }
