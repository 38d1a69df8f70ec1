package httpapi_test

import (
	"context"

	"github.com/authd/authd/domain"
)

// signInMail is one sign-in mail as the test mailbox received it.
type signInMail struct {
	UserID, Locale, Token, Code string
}

func (m *mailbox) SendSignIn(_ context.Context, u domain.User, token, code string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.signIns[u.Email] = append(m.signIns[u.Email], signInMail{UserID: u.ID, Locale: u.Locale, Token: token, Code: code})
	return nil
}

// signInsFor returns the sign-in mails sent to email, oldest first.
func (m *mailbox) signInsFor(email string) []signInMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]signInMail(nil), m.signIns[email]...)
}
