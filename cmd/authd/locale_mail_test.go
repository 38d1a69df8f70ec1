package main

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/notify/smtptest"
)

// TestSpanishMailOverSMTP signs up with `Accept-Language: es-ES` and reads the
// activation mail from a real SMTP server the way a mail client does: the
// encoded subject, the text and HTML parts of the multipart body. The account's
// later mails (a password reset) come in Spanish too, and a template from
// AUTH_MAIL_TEMPLATES_DIR replaces the built-in one.
func TestSpanishMailOverSMTP(t *testing.T) {
	const publicURL = "https://auth.example.test"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "password_reset.es.subject.tmpl"),
		[]byte("Nueva contraseña para {{.Email}}"), 0o600); err != nil {
		t.Fatal(err)
	}
	mb := smtptest.Start(t, smtptest.Options{})
	s := startServer(t, testConfig(t, backendtest.URL(t, "sqlite"), map[string]string{
		"AUTH_SMTP_URL":           "smtp://" + mb.Addr(),
		"AUTH_MAIL_FROM":          "authd <no-reply@example.com>",
		"AUTH_PUBLIC_URL":         publicURL,
		"AUTH_SMTP_TIMEOUT":       "5s",
		"AUTH_MAIL_TEMPLATES_DIR": dir,
	}))

	email := "lucia@example.com"
	body, _ := json.Marshal(map[string]string{"email": email, "password": "correct horse battery", "name": "Lucía"})
	req, err := http.NewRequest("POST", s.base+"/v1/auth/signup", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "es-ES,es;q=0.9,en;q=0.8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		User struct {
			Locale string `json:"locale"`
		} `json:"user"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != 201 || created.User.Locale != "es-ES" {
		t.Fatalf("sign-up: status %d, locale %q; want 201, es-ES", resp.StatusCode, created.User.Locale)
	}

	d := mb.Next(t, 15*time.Second)
	token := mailToken(t, d, email, "Activa tu cuenta", publicURL, "/activate")
	h, parts := readMail(t, d.Data)
	if got := h.Get("Content-Language"); got != "es" {
		t.Errorf("Content-Language = %q, want es", got)
	}
	for _, want := range []string{"Hola, Lucía:", "Confirma que " + email + " es tu dirección de correo", "caduca en 24 horas"} {
		if !strings.Contains(parts["text/plain"], want) {
			t.Errorf("text part lacks %q:\n%s", want, parts["text/plain"])
		}
	}
	for _, want := range []string{`<html lang="es">`, "Hola, Lucía:", "Activar la cuenta", "caduca en 24 horas"} {
		if !strings.Contains(parts["text/html"], want) {
			t.Errorf("HTML part lacks %q:\n%s", want, parts["text/html"])
		}
	}
	if strings.Contains(parts["text/plain"], "Hello") || strings.Contains(parts["text/html"], "Hello") {
		t.Errorf("the Spanish mail has English in it")
	}
	s.expect(200, "POST", "/v1/auth/activate", "", map[string]any{"token": token})

	// The reset mail: Spanish body, subject from the override directory (non-ASCII,
	// so encoded in the header as RFC 2047 words).
	s.expect(202, "POST", "/v1/auth/password/forgot", "", map[string]any{"email": email})
	d = mb.Next(t, 15*time.Second)
	h, parts = readMail(t, d.Data)
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || subject != "Nueva contraseña para "+email {
		t.Errorf("reset subject %q (%v), want the override's \"Nueva contraseña para %s\"", subject, err, email)
	}
	if !strings.Contains(parts["text/plain"], "Restablecer") && !strings.Contains(parts["text/plain"], "restablecer la contraseña") {
		t.Errorf("reset text part is not the built-in Spanish one:\n%s", parts["text/plain"])
	}
}

// A broken template in AUTH_MAIL_TEMPLATES_DIR stops the start with its name.
func TestBrokenMailTemplateStopsStart(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "activation.es.html.tmpl"), []byte("<p>{{if .Link}}</p>"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AUTH_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "a.db"),
		"AUTH_MAIL_TEMPLATES_DIR": dir}
	_, err := LoadConfig(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err == nil || !strings.Contains(err.Error(), "AUTH_MAIL_TEMPLATES_DIR") || !strings.Contains(err.Error(), "activation.es.html.tmpl") {
		t.Fatalf("LoadConfig = %v, want an AUTH_MAIL_TEMPLATES_DIR error naming activation.es.html.tmpl", err)
	}
	env["AUTH_MAIL_TEMPLATES_DIR"] = ""
	env["AUTH_DEFAULT_LOCALE"] = "not a tag"
	if _, err := LoadConfig(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err == nil ||
		!strings.Contains(err.Error(), "AUTH_DEFAULT_LOCALE") {
		t.Fatalf("LoadConfig = %v, want an AUTH_DEFAULT_LOCALE error", err)
	}
}
