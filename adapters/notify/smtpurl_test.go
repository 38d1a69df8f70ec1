package notify_test

import (
	"strings"
	"testing"

	"github.com/authd/authd/adapters/notify"
)

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want notify.SMTPConfig
	}{
		{"smtp://mail.example.com", notify.SMTPConfig{Host: "mail.example.com", Port: 587, StartTLS: "opportunistic"}},
		{"smtp://u:p@mail.example.com:2525", notify.SMTPConfig{Host: "mail.example.com", Port: 2525, Username: "u", Password: "p", StartTLS: "opportunistic"}},
		{"smtp://user%40example.com:p%2Fw%3Ad@mail.example.com/", notify.SMTPConfig{Host: "mail.example.com", Port: 587, Username: "user@example.com", Password: "p/w:d", StartTLS: "opportunistic"}},
		{"smtp://mail.example.com?starttls=required", notify.SMTPConfig{Host: "mail.example.com", Port: 587, StartTLS: "required"}},
		{"smtps://u:p@mail.example.com", notify.SMTPConfig{Host: "mail.example.com", Port: 465, Username: "u", Password: "p", ImplicitTLS: true, StartTLS: "opportunistic"}},
		{"smtps://[::1]:1465", notify.SMTPConfig{Host: "::1", Port: 1465, ImplicitTLS: true, StartTLS: "opportunistic"}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := notify.ParseSMTPURL(tt.raw)
			if err != nil {
				t.Fatalf("ParseSMTPURL(%q) error: %v", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("ParseSMTPURL(%q) = %+v, want %+v", tt.raw, got, tt.want)
			}
		})
	}
}

func TestParseSMTPURLRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want string
	}{
		{"http://mail.example.com", "scheme"},
		{"mail.example.com:25", "scheme"},
		{"smtp://", "host"},
		{"smtp://u:hunter2@mail.example.com:0", "port"},
		{"smtp://u:hunter2@mail.example.com:99999", "port"},
		{"smtp://u:hunter2@mail.example.com/inbox", "path"},
		{"smtp://mail.example.com?tls=yes", "unknown query parameter"},
		{"smtp://mail.example.com?starttls=maybe", "starttls"},
		{"smtps://mail.example.com?starttls=required", "starttls"},
		{"smtp://u:hunter2@mail.example.com:port", "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			_, err := notify.ParseSMTPURL(tt.raw)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseSMTPURL(%q) error = %v, want one mentioning %q", tt.raw, err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q repeats the password", err)
			}
		})
	}
}
