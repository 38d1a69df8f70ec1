package main

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/authd/authd/adapters/backendtest"
)

// goTrueSchema is auth.users with the columns GoTrue's migrations leave it with
// (up to is_anonymous), written out here: the columns authd reads, and enough of
// the others that a query naming a wrong one would fail.
const goTrueSchema = `
CREATE SCHEMA auth;
CREATE TABLE auth.users (
	instance_id uuid NULL,
	id uuid NOT NULL PRIMARY KEY,
	aud varchar(255) NULL,
	"role" varchar(255) NULL,
	email varchar(255) NULL,
	encrypted_password varchar(255) NULL,
	email_confirmed_at timestamptz NULL,
	invited_at timestamptz NULL,
	confirmation_token varchar(255) NULL,
	confirmation_sent_at timestamptz NULL,
	recovery_token varchar(255) NULL,
	recovery_sent_at timestamptz NULL,
	email_change_token_new varchar(255) NULL,
	email_change varchar(255) NULL,
	email_change_sent_at timestamptz NULL,
	last_sign_in_at timestamptz NULL,
	raw_app_meta_data jsonb NULL,
	raw_user_meta_data jsonb NULL,
	is_super_admin bool NULL,
	created_at timestamptz NULL,
	updated_at timestamptz NULL,
	phone text NULL UNIQUE DEFAULT NULL,
	phone_confirmed_at timestamptz NULL,
	confirmed_at timestamptz GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
	banned_until timestamptz NULL,
	deleted_at timestamptz NULL,
	is_sso_user boolean NOT NULL DEFAULT false,
	is_anonymous boolean NOT NULL DEFAULT false
);`

// goTrueUser is one row the test writes, with its password.
type goTrueUser struct {
	id, email, password, extra string // extra: "confirmed", "pending", "banned", "deleted", "phone", "sso"
}

var goTrueUsers = []goTrueUser{
	{"3b0b9f3e-6c1a-4c55-9a65-0f6f0d2b7a01", "ann@example.com", "ann's long password", "confirmed"},
	{"3b0b9f3e-6c1a-4c55-9a65-0f6f0d2b7a02", "Eve@Example.COM", "eve's long password", "confirmed"},
	{"3b0b9f3e-6c1a-4c55-9a65-0f6f0d2b7a03", "bob@example.com", "bob's long password", "pending"},
	{"3b0b9f3e-6c1a-4c55-9a65-0f6f0d2b7a04", "carol@example.com", "carol's long password", "banned"},
	{"3b0b9f3e-6c1a-4c55-9a65-0f6f0d2b7a05", "dave@example.com", "dave's long password", "deleted"},
	{"3b0b9f3e-6c1a-4c55-9a65-0f6f0d2b7a06", "", "", "phone"},
	{"3b0b9f3e-6c1a-4c55-9a65-0f6f0d2b7a07", "sso@example.com", "", "sso"},
}

// goTrueDatabase makes a PostgreSQL database holding the users above, each
// password hashed by golang.org/x/crypto/bcrypt at GoTrue's cost (10).
func goTrueDatabase(t *testing.T) string {
	t.Helper()
	url := backendtest.URL(t, "postgres")
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, goTrueSchema); err != nil {
		t.Fatalf("create auth.users: %v", err)
	}
	for _, u := range goTrueUsers {
		var hash any
		if u.password != "" {
			h, err := bcrypt.GenerateFromPassword([]byte(u.password), bcrypt.DefaultCost)
			if err != nil {
				t.Fatal(err)
			}
			hash = string(h)
		}
		var email any
		if u.email != "" {
			email = u.email
		}
		q := `INSERT INTO auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
			raw_app_meta_data, raw_user_meta_data, created_at, updated_at, phone, banned_until, deleted_at, is_sso_user)
			VALUES ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, $3,
			CASE WHEN $4 IN ('confirmed', 'banned', 'deleted', 'sso') THEN now() - interval '1 day' END,
			'{"provider":"email","providers":["email"]}', $5, now() - interval '2 days', now() - interval '1 day',
			CASE WHEN $4 = 'phone' THEN '447700900123' END,
			CASE WHEN $4 = 'banned' THEN now() + interval '100 years' END,
			CASE WHEN $4 = 'deleted' THEN now() END,
			$4 = 'sso')`
		meta := `{}`
		if strings.HasPrefix(u.email, "Eve") {
			meta = `{"full_name":"Eve Example","avatar_url":"https://example.com/e.png"}`
		}
		if _, err := db.ExecContext(ctx, q, u.id, email, hash, u.extra, meta); err != nil {
			t.Fatalf("insert %s: %v", u.id, err)
		}
	}
	return url
}

// TestImportFromGoTrue imports a GoTrue database into every backend: confirmed
// users log in with their GoTrue passwords under their GoTrue ids, and the stored
// bcrypt hash is argon2id afterwards; unconfirmed users are pending, banned ones
// disabled, deleted, phone-only and SSO-only ones left out with the reason.
func TestImportFromGoTrue(t *testing.T) {
	source := goTrueDatabase(t)
	backendtest.Each(t, func(t *testing.T, name string) {
		url := backendtest.URL(t, name)
		code, _, errOut := runCLI(t, map[string]string{"AUTH_DATABASE_URL": url}, "", "import", "--from-gotrue", source)
		if code != 0 {
			t.Fatalf("import: exit %d, stderr %s", code, errOut)
		}
		for _, want := range []string{"user=4 ", "left_out=3", "a05 left out: deleted", "a06 left out: no e-mail address", "a07 left out: single sign-on only"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("import stderr %q lacks %q", errOut, want)
			}
		}
		cfg := testConfig(t, url, nil)
		s := startServer(t, cfg)
		for _, u := range goTrueUsers[:2] {
			email := strings.ToLower(u.email)
			s.expect(401, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": u.password + "x"})
			login := s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": u.password})
			me := s.expect(200, "GET", "/v1/auth/me", str(login, "access_token"), nil)
			if got := str(me, "user", "id"); got != u.id {
				t.Errorf("%s: id %q, want GoTrue's %q", email, got, u.id)
			}
			if email == "eve@example.com" && str(me, "user", "name") != "Eve Example" {
				t.Errorf("eve's name = %q, want the metadata's full_name", str(me, "user", "name"))
			}
			b, err := openBackend(context.Background(), cfg, false)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := b.Users().ByEmail(context.Background(), email)
			_ = b.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(stored.PasswordHash, "$argon2id$") {
				t.Errorf("%s: stored hash after login starts %.7q, want $argon2id$", email, stored.PasswordHash)
			}
		}
		if got := str(s.expect(403, "POST", "/v1/auth/login", "", map[string]any{"email": "bob@example.com", "password": goTrueUsers[2].password}), "code"); got != "account_not_active" {
			t.Errorf("unconfirmed user: code %q, want account_not_active", got)
		}
		if got := str(s.expect(403, "POST", "/v1/auth/login", "", map[string]any{"email": "carol@example.com", "password": goTrueUsers[3].password}), "code"); got != "account_disabled" {
			t.Errorf("banned user: code %q, want account_disabled", got)
		}
		s.expect(401, "POST", "/v1/auth/login", "", map[string]any{"email": "dave@example.com", "password": goTrueUsers[4].password})
		s.stop()

		// Importing again skips every account and changes none.
		code, _, errOut = runCLI(t, map[string]string{"AUTH_DATABASE_URL": url}, "", "import", "--from-gotrue", source)
		if code != 0 || !strings.Contains(errOut, "user=0 ") || !strings.Contains(errOut, "skipped=4") {
			t.Fatalf("second import: exit %d, stderr %q; want user=0 and skipped=4", code, errOut)
		}
	})
}
