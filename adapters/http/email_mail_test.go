package httpapi_test

import (
	"context"
	"slices"

	"github.com/authd/authd/domain"
)

func (m *mailbox) SendEmailChange(_ context.Context, _ domain.User, to domain.MailAddresses, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.change[to.NewEmail] = token
	return nil
}

func (m *mailbox) SendEmailChangeNotice(_ context.Context, _ domain.User, to domain.MailAddresses) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.changeFrom[to.OldEmail] = append(m.changeFrom[to.OldEmail], to.NewEmail)
	return nil
}

// changeFor returns the latest e-mail-change token mailed to the new address, or "".
func (m *mailbox) changeFor(newEmail string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.change[newEmail]
}

// changeNoticesFor returns the new addresses that notices to oldEmail named.
func (m *mailbox) changeNoticesFor(oldEmail string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.changeFrom[oldEmail])
}

func (c countingMail) SendEmailChange(ctx context.Context, u domain.User, to domain.MailAddresses, token string) error {
	c.n.Add(1)
	return c.next.SendEmailChange(ctx, u, to, token)
}

func (c countingMail) SendEmailChangeNotice(ctx context.Context, u domain.User, to domain.MailAddresses) error {
	return c.next.SendEmailChangeNotice(ctx, u, to)
}

func (c countingMail) SendSignIn(ctx context.Context, u domain.User, token, code string) error {
	c.n.Add(1)
	return c.next.SendSignIn(ctx, u, token, code)
}
