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

// And the e-mail-change mails.

func (g *gatedMail) SendEmailChange(ctx context.Context, u domain.User, to domain.MailAddresses, token string) error {
	return g.next.SendEmailChange(ctx, u, to, token)
}

func (g *gatedMail) SendEmailChangeNotice(ctx context.Context, u domain.User, to domain.MailAddresses) error {
	return g.next.SendEmailChangeNotice(ctx, u, to)
}

func (m *failingMail) SendEmailChange(context.Context, domain.User, domain.MailAddresses, string) error {
	return nil
}

func (m *failingMail) SendEmailChangeNotice(context.Context, domain.User, domain.MailAddresses) error {
	return nil
}

func (o *outbox) SendEmailChange(_ context.Context, u domain.User, to domain.MailAddresses, token string) error {
	u.Email = to.NewEmail
	return o.record(u, token)
}

func (o *outbox) SendEmailChangeNotice(context.Context, domain.User, domain.MailAddresses) error {
	return nil
}

func (m *flakyMail) SendEmailChange(_ context.Context, u domain.User, to domain.MailAddresses, token string) error {
	u.Email = to.NewEmail
	return m.send(u, token)
}

func (m *flakyMail) SendEmailChangeNotice(_ context.Context, u domain.User, to domain.MailAddresses) error {
	u.Email = to.OldEmail
	return m.send(u, "email change to "+to.NewEmail)
}

// And the sign-in mails.

func (g *gatedMail) SendSignIn(ctx context.Context, u domain.User, token, code string) error {
	return g.next.SendSignIn(ctx, u, token, code)
}

func (m *failingMail) SendSignIn(context.Context, domain.User, string, string) error { return nil }

func (o *outbox) SendSignIn(_ context.Context, u domain.User, token, _ string) error {
	return o.record(u, token)
}

func (m *flakyMail) SendSignIn(_ context.Context, u domain.User, token, _ string) error {
	return m.send(u, token)
}
