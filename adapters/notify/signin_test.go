package notify_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/notify"
	"github.com/authd/authd/domain"
)

// The sign-in mail carries the link and the code in both parts, in the
// recipient's language, also to an address without an account (no ID, no name).
func TestSMTPNotifierSignIn(t *testing.T) {
	t.Parallel()
	n, srv := localeNotifier(t, notify.TemplateOptions{})
	for _, c := range []struct {
		user                            domain.User
		subject, greeting, expiry, lang string
	}{
		{testUser, "Your sign-in code: 042137", "Hello Ann Émile,", "expire in 10 minutes", "en"},
		{func() domain.User { u := testUser; u.Locale = "es-ES"; return u }(),
			"Tu código de acceso: 042137", "Hola, Ann Émile:", "caducan en 10 minutos", "es"},
		{domain.User{Email: "new@example.org", Locale: "es"}, "Tu código de acceso: 042137", "Hola:", "caducan en 10 minutos", "es"},
	} {
		if err := n.SendSignIn(t.Context(), c.user, token, "042137"); err != nil {
			t.Fatalf("SendSignIn: %v", err)
		}
		got := srv.Next(t, 5*time.Second)
		if !slices.Equal(got.To, []string{c.user.Email}) {
			t.Errorf("envelope To = %q, want [%s]", got.To, c.user.Email)
		}
		m := parseMail(t, got.Data)
		if m.subject != c.subject {
			t.Errorf("subject %q, want %q", m.subject, c.subject)
		}
		path, tok, link := tokenFromLink(t, m.text)
		if path != notify.SignInPath || tok != token {
			t.Errorf("text link path, token = %q, %q; want %q, %q", path, tok, notify.SignInPath, token)
		}
		for _, want := range []string{c.greeting, c.expiry, "042137", c.user.Email} {
			if !strings.Contains(m.text, want) || !strings.Contains(m.html, want) {
				t.Errorf("a part does not say %q:\ntext:\n%s\nhtml:\n%s", want, m.text, m.html)
			}
		}
		if !strings.Contains(m.html, `href="`+link+`"`) || !strings.Contains(m.html, `<html lang="`+c.lang+`">`) {
			t.Errorf("HTML part lacks the href to %q or lang=%s:\n%s", link, c.lang, m.html)
		}
	}
}

// The log notifier writes the link and the code, for a developer without SMTP.
func TestLogNotifierSignIn(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	n := notify.NewLogNotifier(slog.New(slog.NewJSONHandler(&buf, nil)), "http://localhost:8080/")
	if err := n.SendSignIn(t.Context(), domain.User{Email: "ann@example.com"}, "tok", "123456"); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", buf.String(), err)
	}
	if line["kind"] != "sign_in" || line["link"] != "http://localhost:8080/sign-in?token=tok" || line["code"] != "123456" ||
		line["email"] != "ann@example.com" {
		t.Fatalf("log line = %v", line)
	}
}
