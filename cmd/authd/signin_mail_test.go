package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/notify/smtptest"
)

// TestSignInByMailOverSMTP runs sign-in by mail through the real wiring on every
// backend, with the mail read from a real SMTP server as a client reads it: the
// code from the text part, the link from both parts. With the variable off, the
// endpoints are not there.
func TestSignInByMailOverSMTP(t *testing.T) {
	const publicURL = "https://auth.example.test"
	backendtest.Each(t, func(t *testing.T, backend string) {
		mb := smtptest.Start(t, smtptest.Options{})
		s := startServer(t, testConfig(t, backendtest.URL(t, backend), map[string]string{
			"AUTH_SMTP_URL": "smtp://" + mb.Addr(), "AUTH_MAIL_FROM": "authd <no-reply@example.com>",
			"AUTH_PUBLIC_URL": publicURL, "AUTH_SMTP_TIMEOUT": "5s",
			"AUTH_PASSWORDLESS": "true", "AUTH_PASSWORDLESS_SIGNUP": "true",
		}))
		email := "sol-" + strings.ToLower(backend) + "@example.com"
		s.expect(202, "POST", "/v1/auth/otp", "", map[string]any{"email": email})
		d := mb.Next(t, 15*time.Second)
		_, parts := readMail(t, d.Data)
		// The code stands on a line of its own in the text part.
		m := regexp.MustCompile(`(?m)^\s+([0-9]{6})\s*$`).FindStringSubmatch(parts["text/plain"])
		code := ""
		if m != nil {
			code = m[1]
		}
		if code == "" || !strings.Contains(parts["text/html"], code) {
			t.Fatalf("no 6-digit code in both parts:\n%s\n%s", parts["text/plain"], parts["text/html"])
		}
		token := mailToken(t, d, email, "Your sign-in code: "+code, publicURL, "/sign-in")
		out := s.expect(200, "POST", "/v1/auth/otp/verify", "", map[string]any{"email": email, "code": code})
		if u, _ := out["user"].(map[string]any); u["email"] != email || u["status"] != "active" {
			t.Fatalf("verify: user %v, want the new active account of %s", out["user"], email)
		}
		// One pair: the code spent it, so its link is spent too.
		s.expect(401, "POST", "/v1/auth/otp/verify", "", map[string]any{"token": token})
	})

	off := startServer(t, testConfig(t, backendtest.URL(t, "sqlite"), nil))
	off.expect(404, "POST", "/v1/auth/otp", "", map[string]any{"email": "sol@example.com"})
}
