package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/domain"
)

// TestExpiredSessionsArePurged: with a short refresh lifetime and purge interval, a
// session that expired disappears from the database on its own.
func TestExpiredSessionsArePurged(t *testing.T) {
	db := "sqlite://" + filepath.Join(t.TempDir(), "authd.db")
	s := startServer(t, testConfig(t, db, map[string]string{
		"AUTH_REQUIRE_ACTIVATION": "false", "AUTH_REFRESH_TTL": "1s", "AUTH_PURGE_INTERVAL": "100ms",
	}))
	s.expect(201, "POST", "/v1/auth/signup", "", map[string]any{"email": "old@example.com", "password": "long enough pw"})
	login := s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": "old@example.com", "password": "long enough pw"})
	ctx := context.Background()
	claims, err := s.m.Issuer.Verify(ctx, str(login, "access_token"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.m.Backend.Sessions().ByID(ctx, claims.SessionID); err != nil {
		t.Fatalf("fresh session: %v, want it stored", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := s.m.Backend.Sessions().ByID(ctx, claims.SessionID)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("session still stored 15s after it expired (last lookup: %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The pass logs once its deletes have committed, so the line can follow the
	// lookup above by a moment.
	for !strings.Contains(s.logs.String(), "purged expired sessions and tokens") {
		if time.Now().After(deadline) {
			t.Fatalf("no purge line in the log 15s after the session expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
