package main

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/notify/smtptest"
)

// readMail parses a received message and returns its headers and its body parts by
// media type (text/plain, text/html), decoded from their transfer encoding.
func readMail(t *testing.T, raw []byte) (mail.Header, map[string]string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail is not RFC 5322: %v\n%s", err, raw)
	}
	parts := map[string]string{}
	collectParts(t, msg.Header.Get("Content-Type"), msg.Body, parts)
	return msg.Header, parts
}

// collectParts walks a (possibly nested) multipart body into parts.
func collectParts(t *testing.T, contentType string, body io.Reader, parts map[string]string) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", contentType, err)
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("read %s part: %v", mediaType, err)
		}
		parts[mediaType] = string(b)
		return
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("read %s: %v", mediaType, err)
		}
		collectParts(t, p.Header.Get("Content-Type"), p, parts)
	}
}

// mailToken checks one mail authd sent to email — envelope, headers, a text and an
// HTML part both carrying the link to publicURL+page — and returns the link's token.
func mailToken(t *testing.T, d smtptest.Message, email, subject, publicURL, page string) string {
	t.Helper()
	if d.From != "no-reply@example.com" || len(d.To) != 1 || d.To[0] != email {
		t.Fatalf("envelope MAIL FROM %q RCPT TO %q, want no-reply@example.com and [%s]", d.From, d.To, email)
	}
	h, parts := readMail(t, d.Data)
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != email {
		t.Fatalf("To header %q (%v), want %s", h.Get("To"), err, email)
	}
	if from, err := mail.ParseAddress(h.Get("From")); err != nil || from.Address != "no-reply@example.com" || from.Name != "authd" {
		t.Fatalf("From header %q (%v), want authd <no-reply@example.com>", h.Get("From"), err)
	}
	if got := h.Get("Subject"); got != subject {
		t.Fatalf("Subject %q, want %q", got, subject)
	}
	text, html := parts["text/plain"], parts["text/html"]
	if text == "" || html == "" {
		t.Fatalf("mail parts %v, want a text/plain and a text/html part", mediaTypes(parts))
	}
	re := regexp.MustCompile(regexp.QuoteMeta(publicURL+page+"?token=") + `[^\s"'<>&]+`)
	link := re.FindString(text)
	if link == "" {
		t.Fatalf("text part has no %s%s?token= link:\n%s", publicURL, page, text)
	}
	if !strings.Contains(html, link) {
		t.Fatalf("HTML part lacks the text part's link %q:\n%s", link, html)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	return u.Query().Get("token")
}

func mediaTypes(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestMailFlowOverSMTP runs activation and password reset the way a user does: the
// tokens come from the mails a real SMTP server received. Then the mail server goes
// away, and sign-up still succeeds with the failure logged.
func TestMailFlowOverSMTP(t *testing.T) {
	const publicURL = "https://auth.example.test"
	mb := smtptest.Start(t, smtptest.Options{})
	s := startServer(t, testConfig(t, backendtest.URL(t, "sqlite"), map[string]string{
		"AUTH_SMTP_URL":     "smtp://" + mb.Addr(),
		"AUTH_MAIL_FROM":    "authd <no-reply@example.com>",
		"AUTH_PUBLIC_URL":   publicURL,
		"AUTH_SMTP_TIMEOUT": "5s",
	}))

	email := "cy@example.com"
	s.expect(201, "POST", "/v1/auth/signup", "", map[string]any{"email": email, "password": "correct horse battery"})
	token := mailToken(t, mb.Next(t, 15*time.Second), email, "Activate your account", publicURL, "/activate")
	activated := s.expect(200, "POST", "/v1/auth/activate", "", map[string]any{"token": token})
	if got := str(activated, "user", "status"); got != "active" {
		t.Fatalf("status after activation = %q, want active", got)
	}

	s.expect(202, "POST", "/v1/auth/password/forgot", "", map[string]any{"email": email})
	token = mailToken(t, mb.Next(t, 15*time.Second), email, "Reset your password", publicURL, "/reset-password")
	s.expect(204, "POST", "/v1/auth/password/reset", "", map[string]any{"token": token, "new_password": "a whole new password"})
	s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": "a whole new password"})
	s.expect(401, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": "correct horse battery"})

	// The mail server goes away: sign-up still answers 201, and the failed attempt
	// is logged (the mail stays in the outbox for a retry) — without the link,
	// which carries the token.
	mb.Close()
	s.expect(201, "POST", "/v1/auth/signup", "", map[string]any{"email": "di@example.com", "password": "correct horse battery"})
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(s.logs.String(), `"msg":"delivery failed; will retry"`) ||
		!strings.Contains(s.logs.String(), `"channel":"mail","kind":"activation"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no \"delivery failed\" line for the activation mail in the log within 15s:\n%s", s.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if logs := s.logs.String(); strings.Contains(logs, "token=") {
		t.Fatalf("the log contains a link with a token:\n%s", logs)
	}
}
