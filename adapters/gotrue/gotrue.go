// Package gotrue reads the accounts of a GoTrue (Supabase Auth) PostgreSQL
// database, its auth.users table, for `authd import --from-gotrue` (ARCHITECTURE.md
// §13). It only reads: one keyset-paged SELECT at a time, so a large table streams
// in bounded memory. Columns that later GoTrue migrations added (banned_until,
// deleted_at, is_sso_user, is_anonymous, email_confirmed_at) are read when the
// table has them.
package gotrue

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/authd/authd/domain"
)

// User is one row of auth.users, as far as authd can use it.
type User struct {
	ID                string
	Email             string
	EncryptedPassword string // bcrypt ($2a$10$…), or "" for accounts without a password
	Phone             string
	ConfirmedAt       *time.Time
	BannedUntil       *time.Time
	Deleted           bool
	SSO               bool
	Anonymous         bool
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Metadata          map[string]any // raw_user_meta_data
}

// Reader pages through auth.users in id order.
type Reader struct {
	db    *sql.DB
	query string
	after string
}

// Open connects to the GoTrue database url (postgres://…) and checks that it
// has an auth.users table.
func Open(ctx context.Context, url string) (*Reader, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("gotrue: %w", err)
	}
	db.SetMaxOpenConns(2)
	rows, err := db.QueryContext(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = 'users'`)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("gotrue: read the columns of auth.users: %w", err)
	}
	cols := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			_ = rows.Close()
			_ = db.Close()
			return nil, fmt.Errorf("gotrue: %w", err)
		}
		cols[c] = true
	}
	_ = rows.Close()
	if !cols["id"] || !cols["email"] || !cols["encrypted_password"] {
		_ = db.Close()
		return nil, fmt.Errorf("gotrue: the database has no auth.users table with id, email and encrypted_password")
	}
	return &Reader{db: db, query: selectFor(cols)}, nil
}

// selectFor is the page query over the columns the table has; a missing one
// reads as NULL or false.
func selectFor(cols map[string]bool) string {
	pick := func(col, fallback string) string {
		if cols[col] {
			return col
		}
		return fallback
	}
	confirmed := "NULL::timestamptz"
	switch {
	case cols["email_confirmed_at"]:
		confirmed = "email_confirmed_at"
	case cols["confirmed_at"]:
		confirmed = "confirmed_at"
	}
	return fmt.Sprintf(`SELECT id::text, COALESCE(email, ''), COALESCE(encrypted_password, ''), COALESCE(%s, ''),
		%s, %s, %s IS NOT NULL, COALESCE(%s, false), COALESCE(%s, false),
		COALESCE(created_at, now()), COALESCE(updated_at, created_at, now()), COALESCE(%s::text, '{}')
		FROM auth.users WHERE id::text > $1 ORDER BY id::text LIMIT $2`,
		pick("phone", "NULL::text"), confirmed, pick("banned_until", "NULL::timestamptz"),
		pick("deleted_at", "NULL::timestamptz"), pick("is_sso_user", "NULL::boolean"),
		pick("is_anonymous", "NULL::boolean"), pick("raw_user_meta_data", "NULL::jsonb"))
}

// Next returns up to limit rows after the last one returned; none at the end.
func (r *Reader) Next(ctx context.Context, limit int) ([]User, error) {
	rows, err := r.db.QueryContext(ctx, r.query, r.after, limit)
	if err != nil {
		return nil, fmt.Errorf("gotrue: read auth.users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var meta string
		if err := rows.Scan(&u.ID, &u.Email, &u.EncryptedPassword, &u.Phone, &u.ConfirmedAt, &u.BannedUntil,
			&u.Deleted, &u.SSO, &u.Anonymous, &u.CreatedAt, &u.UpdatedAt, &meta); err != nil {
			return nil, fmt.Errorf("gotrue: read auth.users: %w", err)
		}
		if meta != "" {
			_ = json.Unmarshal([]byte(meta), &u.Metadata) // metadata that is no object is left out
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("gotrue: read auth.users: %w", err)
	}
	if len(out) > 0 {
		r.after = out[len(out)-1].ID
	}
	return out, nil
}

// Count returns the number of rows of auth.users, for a progress display.
func (r *Reader) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM auth.users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("gotrue: count auth.users: %w", err)
	}
	return n, nil
}

// Close releases the connection.
func (r *Reader) Close() error { return r.db.Close() }

// Account maps u to an authd account, or says why it is left out: deleted,
// anonymous and SSO-only users, and users without an e-mail address (phone-only),
// have nothing authd can sign in. The id is kept, so the application's own rows
// that name auth.users.id (the JWT sub) still name the same account. email is
// the address as authd normalises it (the caller's Identifiers). The bcrypt hash
// is kept as it is and becomes argon2id at the first login. A confirmed address
// makes the account active, an unconfirmed one pending; banned_until in the
// future disables it. The metadata's full_name (or name) becomes the name.
func (u User) Account(email func(string) (string, error), now time.Time) (*domain.Account, string) {
	switch {
	case u.Deleted:
		return nil, "deleted"
	case u.Anonymous:
		return nil, "anonymous"
	case u.Email == "":
		return nil, "no e-mail address"
	case u.SSO && u.EncryptedPassword == "":
		return nil, "single sign-on only"
	}
	addr, err := email(u.Email)
	if err != nil {
		return nil, "e-mail address refused: " + err.Error()
	}
	if u.EncryptedPassword != "" && !strings.HasPrefix(u.EncryptedPassword, "$2") {
		return nil, "password hash is not bcrypt"
	}
	du := domain.User{ID: strings.ToLower(u.ID), Email: addr, Role: domain.RoleUser, Status: domain.StatusPending,
		PasswordHash: u.EncryptedPassword, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
		Name: metaName(u.Metadata)}
	if u.ConfirmedAt != nil {
		at := u.ConfirmedAt.UTC()
		du.Status, du.ActivatedAt = domain.StatusActive, &at
	}
	if u.BannedUntil != nil && u.BannedUntil.After(now) {
		du.Status = domain.StatusDisabled
	}
	if p := "+" + strings.TrimPrefix(u.Phone, "+"); u.Phone != "" && len(p) <= domain.MaxMobileLength {
		du.Mobile = p
	}
	return &domain.Account{User: du}, ""
}

// metaName is the display name GoTrue's clients keep in the user metadata.
func metaName(meta map[string]any) string {
	for _, k := range []string{"full_name", "name"} {
		if s, ok := meta[k].(string); ok && s != "" && utf8.ValidString(s) {
			if r := []rune(strings.TrimSpace(s)); len(r) > domain.MaxNameLength {
				return string(r[:domain.MaxNameLength])
			}
			return strings.TrimSpace(s)
		}
	}
	return ""
}
