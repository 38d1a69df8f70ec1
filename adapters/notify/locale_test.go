package notify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/notify"
	"github.com/authd/authd/adapters/notify/smtptest"
)

// localeNotifier is an SMTP notifier on a fresh test server with opts.
func localeNotifier(t *testing.T, opts notify.TemplateOptions) (*notify.SMTPNotifier, *smtptest.Server) {
	t.Helper()
	srv := smtptest.Start(t, smtptest.Options{})
	cfg, err := notify.ParseSMTPURL("smtp://" + srv.Addr())
	if err != nil {
		t.Fatalf("ParseSMTPURL: %v", err)
	}
	cfg.From, cfg.PublicURL, cfg.Timeout, cfg.Templates = sender, publicURL, 5*time.Second, opts
	n, err := notify.NewSMTPNotifier(cfg)
	if err != nil {
		t.Fatalf("NewSMTPNotifier: %v", err)
	}
	return n, srv
}

func TestMailLocales(t *testing.T) {
	t.Parallel()
	n, srv := localeNotifier(t, notify.TemplateOptions{})
	for _, c := range []struct {
		locale, subject, greeting, expiry, lang string
	}{
		{"es-ES", "Restablece tu contraseña", "Hola, Ann Émile:", "caduca en 1 hora", "es"},
		{"es", "Restablece tu contraseña", "Hola, Ann Émile:", "caduca en 1 hora", "es"},
		{"fr-CA", "Reset your password", "Hello Ann Émile,", "expires in 1 hour", "en"}, // no French: the default
		{"", "Reset your password", "Hello Ann Émile,", "expires in 1 hour", "en"},
	} {
		u := testUser
		u.Locale = c.locale
		if err := n.SendPasswordReset(t.Context(), u, token); err != nil {
			t.Fatalf("SendPasswordReset(%s): %v", c.locale, err)
		}
		m := parseMail(t, srv.Next(t, 5*time.Second).Data)
		if m.subject != c.subject {
			t.Errorf("locale %q: subject %q, want %q", c.locale, m.subject, c.subject)
		}
		for _, part := range []string{m.text, m.html} {
			if !strings.Contains(part, c.greeting) || !strings.Contains(part, c.expiry) {
				t.Errorf("locale %q: a part lacks %q or %q:\n%s", c.locale, c.greeting, c.expiry, part)
			}
		}
		if !strings.Contains(m.html, `<html lang="`+c.lang+`">`) {
			t.Errorf("locale %q: HTML part is not marked lang=%s", c.locale, c.lang)
		}
	}
}

func TestMailTemplateOverrides(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// One part of a built-in locale replaced; a whole new locale added.
	write("activation.en.subject.tmpl", "Welcome to Example, {{.Name}}")
	write("activation.de.subject.tmpl", "Konto aktivieren")
	write("activation.de.txt.tmpl", "Hallo {{.Name}}, bitte öffne {{.Link}} innerhalb von {{.ValidForMinutes}} Minuten.")
	write("activation.de.html.tmpl", `<p>Hallo {{.Name}}, <a href="{{.Link}}">aktivieren</a></p>`)
	n, srv := localeNotifier(t, notify.TemplateOptions{Dir: dir})

	if err := n.SendActivation(t.Context(), testUser, token); err != nil {
		t.Fatal(err)
	}
	m := parseMail(t, srv.Next(t, 5*time.Second).Data)
	if m.subject != "Welcome to Example, Ann Émile" {
		t.Errorf("overridden subject = %q", m.subject)
	}
	if !strings.Contains(m.text, "Please confirm that") {
		t.Errorf("the built-in text part should stay:\n%s", m.text)
	}
	u := testUser
	u.Locale = "de-AT"
	if err := n.SendActivation(t.Context(), u, token); err != nil {
		t.Fatal(err)
	}
	m = parseMail(t, srv.Next(t, 5*time.Second).Data)
	if m.subject != "Konto aktivieren" || !strings.Contains(m.text, "innerhalb von 1440 Minuten") ||
		!strings.Contains(m.html, ">aktivieren</a>") {
		t.Errorf("German mail = %q\n%s\n%s", m.subject, m.text, m.html)
	}
	// Kinds the directory has no German for fall back to the default.
	if err := n.SendPasswordReset(t.Context(), u, token); err != nil {
		t.Fatal(err)
	}
	if m = parseMail(t, srv.Next(t, 5*time.Second).Data); m.subject != "Reset your password" {
		t.Errorf("reset in de-AT without German templates: subject %q, want the default", m.subject)
	}
}

func TestMailTemplateErrorsNameTheFile(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, file, body, defaultLocale, want string
	}{
		{"syntax", "email_change.es.html.tmpl", "<p>{{.Link</p>", "", "email_change.es.html.tmpl"},
		{"unknown field", "password_reset.en.txt.tmpl", "{{.Token}}", "", "password_reset.en.txt.tmpl"},
		{"unknown kind", "welcome.en.txt.tmpl", "hi", "", "welcome.en.txt.tmpl"},
		{"bad name", "activation.txt.tmpl", "hi", "", "activation.txt.tmpl"},
		{"incomplete locale", "activation.fr.txt.tmpl", "Bonjour", "", "activation.fr.subject.tmpl is missing"},
		{"default without templates", "activation.en.txt.tmpl", "{{.Link}}", "pt", `"pt"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, c.file), []byte(c.body), 0o600); err != nil {
				t.Fatal(err)
			}
			err := notify.CheckTemplates(notify.TemplateOptions{Dir: dir, DefaultLocale: c.defaultLocale})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("CheckTemplates = %v, want an error naming %s", err, c.want)
			}
		})
	}
	if err := notify.CheckTemplates(notify.TemplateOptions{DefaultLocale: "es"}); err != nil {
		t.Errorf("built-in templates with default es: %v", err)
	}
}
