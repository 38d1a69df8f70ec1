package notify_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/notify"
	"github.com/authd/authd/adapters/notify/smtptest"
	"github.com/authd/authd/domain"
)

// The confirmation goes to the new address with its link; the notice goes to the
// old address, names the new one and carries no link.
func TestSMTPNotifierEmailChange(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t, smtptest.Options{})
	cfg, err := notify.ParseSMTPURL("smtp://" + srv.Addr())
	if err != nil {
		t.Fatalf("ParseSMTPURL: %v", err)
	}
	cfg.From, cfg.PublicURL, cfg.Timeout = sender, publicURL, 5*time.Second
	n, err := notify.NewSMTPNotifier(cfg)
	if err != nil {
		t.Fatalf("NewSMTPNotifier: %v", err)
	}
	to := domain.MailAddresses{OldEmail: testUser.Email, NewEmail: "ann.new@example.org"}

	if err := n.SendEmailChange(t.Context(), testUser, to, token); err != nil {
		t.Fatalf("SendEmailChange: %v", err)
	}
	got := srv.Next(t, 5*time.Second)
	if !slices.Equal(got.To, []string{to.NewEmail}) {
		t.Errorf("confirmation envelope To = %q, want [%s]", got.To, to.NewEmail)
	}
	m := parseMail(t, got.Data)
	if m.to != to.NewEmail || m.subject != "Confirm your new e-mail address" {
		t.Errorf("To/Subject = %q/%q, want %s/Confirm your new e-mail address", m.to, m.subject, to.NewEmail)
	}
	path, tok, link := tokenFromLink(t, m.text)
	if path != notify.EmailChangePath || tok != token {
		t.Errorf("text link path, token = %q, %q; want %q, %q", path, tok, notify.EmailChangePath, token)
	}
	for _, want := range []string{to.OldEmail, to.NewEmail, "expires in 24 hours"} {
		if !strings.Contains(m.text, want) || !strings.Contains(m.html, want) {
			t.Errorf("a part does not say %q:\ntext:\n%s\nhtml:\n%s", want, m.text, m.html)
		}
	}
	if !strings.Contains(m.html, `href="`+link+`"`) {
		t.Errorf("HTML part has no href to %q:\n%s", link, m.html)
	}

	if err := n.SendEmailChangeNotice(t.Context(), testUser, to); err != nil {
		t.Fatalf("SendEmailChangeNotice: %v", err)
	}
	got = srv.Next(t, 5*time.Second)
	if !slices.Equal(got.To, []string{to.OldEmail}) {
		t.Errorf("notice envelope To = %q, want [%s]", got.To, to.OldEmail)
	}
	m = parseMail(t, got.Data)
	if m.to != to.OldEmail || m.subject != "Your e-mail address is being changed" {
		t.Errorf("To/Subject = %q/%q, want %s/Your e-mail address is being changed", m.to, m.subject, to.OldEmail)
	}
	if !strings.Contains(m.text, to.NewEmail) || !strings.Contains(m.html, to.NewEmail) {
		t.Errorf("the notice does not name the new address:\n%s\n%s", m.text, m.html)
	}
	if strings.Contains(m.text, "token=") || strings.Contains(m.html, "token=") {
		t.Errorf("the notice to the old address carries a link with a token")
	}
}
