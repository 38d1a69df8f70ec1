package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/notify"
	"github.com/authd/authd/adapters/notify/smtptest"
	"github.com/authd/authd/domain"
)

const (
	publicURL = "https://auth.example.com/base/"
	sender    = "authd <no-reply@example.com>"
	// token holds characters that must be escaped in a query string.
	token = "tok+en/with=odd&chars"
)

var testUser = domain.User{ID: "u-1", Email: "ann@example.com", Name: "Ann Émile"}

// parsedMail is a received message taken apart with net/mail and mime/multipart.
type parsedMail struct {
	from, to, subject string
	text, html        string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil {
		t.Fatalf("parse From %q: %v", msg.Header.Get("From"), err)
	}
	to, err := mail.ParseAddress(msg.Header.Get("To"))
	if err != nil {
		t.Fatalf("parse To %q: %v", msg.Header.Get("To"), err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	pm := parsedMail{from: from.Address, to: to.Address, subject: subject}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			pm.text = string(body)
		case "text/html":
			pm.html = string(body)
		default:
			t.Errorf("unexpected part of type %q", ct)
		}
	}
	return pm
}

var linkPattern = regexp.MustCompile(`https://auth\.example\.com/base(/[a-z-]+)\?token=[^\s"<>]+`)

// tokenFromLink finds the link in body and returns its path and decoded token.
func tokenFromLink(t *testing.T, body string) (path, tok, link string) {
	t.Helper()
	link = linkPattern.FindString(body)
	if link == "" {
		t.Fatalf("no link to %s in body:\n%s", publicURL, body)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("parse link %q: %v", link, err)
	}
	return strings.TrimPrefix(u.Path, "/base"), u.Query().Get("token"), link
}

func TestSMTPNotifierDelivers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		server   smtptest.Options
		trust    bool // give the client the server's root
		insecure bool
		wantTLS  bool
	}{
		{name: "plain without auth", server: smtptest.Options{}},
		{name: "plain with AUTH PLAIN to localhost", server: smtptest.Options{User: "mailer", Pass: "s3cret"}},
		{name: "STARTTLS with AUTH PLAIN", server: smtptest.Options{User: "mailer", Pass: "s3cret", StartTLS: true}, trust: true, wantTLS: true},
		{name: "STARTTLS skipping verification", server: smtptest.Options{StartTLS: true}, insecure: true, wantTLS: true},
		{name: "smtps with AUTH PLAIN", server: smtptest.Options{User: "mailer", Pass: "s3cret", ImplicitTLS: true}, trust: true, wantTLS: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := smtptest.Start(t, tt.server)
			scheme := "smtp"
			if tt.server.ImplicitTLS {
				scheme = "smtps"
			}
			u := url.URL{Scheme: scheme, Host: srv.Addr()}
			if tt.server.User != "" {
				u.User = url.UserPassword(tt.server.User, tt.server.Pass)
			}
			cfg, err := notify.ParseSMTPURL(u.String())
			if err != nil {
				t.Fatalf("ParseSMTPURL: %v", err)
			}
			cfg.From, cfg.PublicURL, cfg.Timeout = sender, publicURL, 5*time.Second
			cfg.InsecureSkipVerify = tt.insecure
			if tt.trust {
				cfg.TLSConfig = &tls.Config{RootCAs: srv.Roots, MinVersion: tls.VersionTLS12}
			}
			n, err := notify.NewSMTPNotifier(cfg)
			if err != nil {
				t.Fatalf("NewSMTPNotifier: %v", err)
			}

			sends := []struct {
				send        func(context.Context, domain.User, string) error
				wantSubject string
				wantPath    string
				wantExpiry  string
			}{
				{n.SendActivation, "Activate your account", notify.ActivationPath, "expires in 24 hours"},
				{n.SendPasswordReset, "Reset your password", notify.PasswordResetPath, "expires in 1 hour."},
			}
			for _, s := range sends {
				if err := s.send(t.Context(), testUser, token); err != nil {
					t.Fatalf("send %q: %v", s.wantSubject, err)
				}
				got := srv.Next(t, 5*time.Second)
				if got.From != "no-reply@example.com" || !slices.Equal(got.To, []string{testUser.Email}) {
					t.Errorf("envelope = %q -> %q, want no-reply@example.com -> [%s]", got.From, got.To, testUser.Email)
				}
				if got.TLS != tt.wantTLS {
					t.Errorf("server saw TLS = %v, want %v", got.TLS, tt.wantTLS)
				}
				if got.AuthUser != tt.server.User {
					t.Errorf("server saw AUTH user %q, want %q", got.AuthUser, tt.server.User)
				}
				m := parseMail(t, got.Data)
				if m.from != "no-reply@example.com" || m.to != testUser.Email || m.subject != s.wantSubject {
					t.Errorf("From/To/Subject = %q/%q/%q, want no-reply@example.com/%s/%q",
						m.from, m.to, m.subject, testUser.Email, s.wantSubject)
				}
				path, tok, link := tokenFromLink(t, m.text)
				if path != s.wantPath || tok != token {
					t.Errorf("text link path, token = %q, %q; want %q, %q", path, tok, s.wantPath, token)
				}
				if !strings.Contains(m.text, s.wantExpiry) {
					t.Errorf("text part does not say %q:\n%s", s.wantExpiry, m.text)
				}
				if !strings.Contains(m.text, "Hello Ann Émile,") {
					t.Errorf("text part does not greet the user by name:\n%s", m.text)
				}
				if !strings.Contains(m.html, `href="`+link+`"`) {
					t.Errorf("HTML part has no href to %q:\n%s", link, m.html)
				}
				if !strings.Contains(m.html, "Ann Émile") {
					t.Errorf("HTML part does not greet the user by name:\n%s", m.html)
				}
			}
		})
	}
}

func TestSMTPNotifierFailures(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	tests := []struct {
		name   string
		want   string // in the error, so each case fails for its own reason
		config func(t *testing.T) notify.SMTPConfig
	}{
		{"wrong password", "AUTH failed", func(t *testing.T) notify.SMTPConfig {
			host, port := smtptest.Start(t, smtptest.Options{User: "mailer", Pass: "s3cret"}).HostPort()
			return notify.SMTPConfig{Host: host, Port: port, Username: "mailer", Password: "wrong"}
		}},
		{"untrusted certificate", "certificate", func(t *testing.T) notify.SMTPConfig {
			host, port := smtptest.Start(t, smtptest.Options{StartTLS: true}).HostPort()
			return notify.SMTPConfig{Host: host, Port: port}
		}},
		{"STARTTLS required but not offered", "STARTTLS", func(t *testing.T) notify.SMTPConfig {
			host, port := smtptest.Start(t, smtptest.Options{}).HostPort()
			return notify.SMTPConfig{Host: host, Port: port, StartTLS: notify.StartTLSRequired}
		}},
		{"connection refused", "refused", func(t *testing.T) notify.SMTPConfig {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatalf("listen: %v", err)
			}
			port := ln.Addr().(*net.TCPAddr).Port
			_ = ln.Close()
			return notify.SMTPConfig{Host: "127.0.0.1", Port: port}
		}},
		{"server accepts but never greets", "timeout", func(t *testing.T) notify.SMTPConfig {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatalf("listen: %v", err)
			}
			t.Cleanup(func() { _ = ln.Close() })
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					t.Cleanup(func() { _ = c.Close() })
				}
			}()
			return notify.SMTPConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.config(t)
			cfg.From, cfg.PublicURL, cfg.Timeout = sender, publicURL, timeout
			n, err := notify.NewSMTPNotifier(cfg)
			if err != nil {
				t.Fatalf("NewSMTPNotifier: %v", err)
			}
			start := time.Now()
			err = n.SendActivation(t.Context(), testUser, token)
			elapsed := time.Since(start)
			if err == nil {
				t.Fatal("SendActivation succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want one mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "tok") {
				t.Errorf("error %q mentions the token", err)
			}
			if limit := 4 * timeout; elapsed > limit {
				t.Errorf("SendActivation took %v, want at most %v", elapsed, limit)
			}
		})
	}
}

func TestNewSMTPNotifierRejectsBadConfig(t *testing.T) {
	t.Parallel()
	valid := notify.SMTPConfig{Host: "mail.example.com", Port: 587, From: sender, PublicURL: publicURL}
	tests := []struct {
		name   string
		mutate func(*notify.SMTPConfig)
		want   string
	}{
		{"sender not an address", func(c *notify.SMTPConfig) { c.From = "nobody" }, "sender"},
		{"relative public URL", func(c *notify.SMTPConfig) { c.PublicURL = "/auth" }, "public URL"},
		{"public URL with query", func(c *notify.SMTPConfig) { c.PublicURL = "https://a.example?x=1" }, "query"},
		{"no host", func(c *notify.SMTPConfig) { c.Host = "" }, "host"},
		{"port out of range", func(c *notify.SMTPConfig) { c.Port = 70000 }, "port"},
		{"unknown STARTTLS policy", func(c *notify.SMTPConfig) { c.StartTLS = "sometimes" }, "StartTLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid
			tt.mutate(&cfg)
			_, err := notify.NewSMTPNotifier(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewSMTPNotifier error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := notify.NewSMTPNotifier(valid); err != nil {
		t.Errorf("NewSMTPNotifier(valid) = %v, want nil", err)
	}
}
