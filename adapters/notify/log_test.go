package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"testing"

	"github.com/authd/authd/adapters/notify"
	"github.com/authd/authd/domain"
)

func TestLogNotifier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		send     func(*notify.LogNotifier, context.Context, domain.User, string) error
		wantMsg  string
		wantKind string
		wantPath string
	}{
		{"activation", (*notify.LogNotifier).SendActivation, "activation link", "activation", "/activate"},
		{"password reset", (*notify.LogNotifier).SendPasswordReset, "password reset link", "password_reset", "/reset-password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			n := notify.NewLogNotifier(slog.New(slog.NewJSONHandler(&buf, nil)), "http://localhost:8080/")
			if err := tt.send(n, t.Context(), testUser, token); err != nil {
				t.Fatalf("send: %v", err)
			}
			lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
			if len(lines) != 1 {
				t.Fatalf("logged %d lines, want 1:\n%s", len(lines), buf.String())
			}
			var rec map[string]any
			if err := json.Unmarshal(lines[0], &rec); err != nil {
				t.Fatalf("decode log line: %v", err)
			}
			for key, want := range map[string]string{
				"msg": tt.wantMsg, "kind": tt.wantKind, "user_id": testUser.ID, "email": testUser.Email,
			} {
				if got := rec[key]; got != want {
					t.Errorf("log %s = %v, want %q", key, got, want)
				}
			}
			link, _ := rec["link"].(string)
			u, err := url.Parse(link)
			if err != nil {
				t.Fatalf("parse link %q: %v", link, err)
			}
			if u.Scheme != "http" || u.Host != "localhost:8080" || u.Path != tt.wantPath || u.Query().Get("token") != token {
				t.Errorf("link = %q, want http://localhost:8080%s with token %q", link, tt.wantPath, token)
			}
		})
	}
}
