package sqlstore

import (
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
)

// The row types mirror the tables created by the migrations. They live here, not on
// the domain types, so that bun tags and SQL NULL conventions stay in the adapter.

// userRow is one row of users. Username is stored as NULL when empty, so the unique
// index admits any number of users without one. The table's failed_logins and
// last_failed_login_at columns are no longer used (failed logins are counted per
// identifier in login_attempts); they stay, with their defaults, so that instances
// of the previous release keep working during a rolling upgrade.
type userRow struct {
	bun.BaseModel `bun:"table:users"`

	ID           string     `bun:"id,pk"`
	Email        string     `bun:"email"`
	Username     string     `bun:"username,nullzero"`
	Name         string     `bun:"name"`
	Mobile       string     `bun:"mobile"`
	Role         string     `bun:"role"`
	Status       string     `bun:"status"`
	PasswordHash string     `bun:"password_hash"`
	CreatedAt    time.Time  `bun:"created_at"`
	UpdatedAt    time.Time  `bun:"updated_at"`
	ActivatedAt  *time.Time `bun:"activated_at"`
	MFAEnabled   bool       `bun:"mfa_enabled"`
	Locale       string     `bun:"locale"`
}

// sessionRow is one row of sessions.
type sessionRow struct {
	bun.BaseModel `bun:"table:sessions"`

	ID        string     `bun:"id,pk"`
	UserID    string     `bun:"user_id"`
	Counter   int64      `bun:"counter"`
	RotatedAt time.Time  `bun:"rotated_at"`
	CreatedAt time.Time  `bun:"created_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
	UserAgent string     `bun:"user_agent"`
	IP        string     `bun:"ip"`
	AAL       string     `bun:"aal"`
	AMR       string     `bun:"amr"` // space-separated
	AuthTime  *time.Time `bun:"auth_time"`
}

// tokenRow is one row of one_time_tokens, keyed by the token's hash.
type tokenRow struct {
	bun.BaseModel `bun:"table:one_time_tokens"`

	Hash      string    `bun:"hash,pk"`
	Kind      string    `bun:"kind"`
	UserID    string    `bun:"user_id"`
	NewEmail  string    `bun:"new_email"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
}

// attemptsRow is one row of login_attempts: the password attempts counted on one
// login identifier (KeyHash, opaque), see ports.LoginThrottle.
type attemptsRow struct {
	bun.BaseModel `bun:"table:login_attempts"`

	KeyHash   string     `bun:"key_hash,pk"`
	Attempts  int64      `bun:"attempts"`
	NextAt    *time.Time `bun:"next_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
}

// secretRow is one row of secrets.
type secretRow struct {
	bun.BaseModel `bun:"table:secrets"`

	Name      string    `bun:"name,pk"`
	Value     []byte    `bun:"value"`
	CreatedAt time.Time `bun:"created_at"`
}

// ts is the stored form of a time: UTC, microseconds (the finest all three
// databases keep), so a value reads back exactly as written on every backend.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// tsPtr is ts for optional times.
func tsPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

// utcPtr returns an optional time read from the database in UTC.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

func newUserRow(u *domain.User) *userRow {
	return &userRow{
		ID: u.ID, Email: u.Email, Username: u.Username, Name: u.Name, Mobile: u.Mobile,
		Role: string(u.Role), Status: string(u.Status), PasswordHash: u.PasswordHash,
		CreatedAt: ts(u.CreatedAt), UpdatedAt: ts(u.UpdatedAt), ActivatedAt: tsPtr(u.ActivatedAt),
		MFAEnabled: u.MFAEnabled, Locale: u.Locale,
	}
}

func (r *userRow) domain() *domain.User {
	return &domain.User{
		ID: r.ID, Email: r.Email, Username: r.Username, Name: r.Name, Mobile: r.Mobile,
		Role: domain.Role(r.Role), Status: domain.Status(r.Status), PasswordHash: r.PasswordHash,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ActivatedAt: utcPtr(r.ActivatedAt),
		MFAEnabled: r.MFAEnabled, Locale: r.Locale,
	}
}

func newSessionRow(s *domain.Session) *sessionRow {
	return &sessionRow{
		ID: s.ID, UserID: s.UserID, Counter: int64(s.Counter), RotatedAt: ts(s.RotatedAt),
		CreatedAt: ts(s.CreatedAt), ExpiresAt: ts(s.ExpiresAt), RevokedAt: tsPtr(s.RevokedAt),
		UserAgent: s.UserAgent, IP: s.IP,
		AAL: string(s.AAL), AMR: strings.Join(s.AMR, " "), AuthTime: authTimePtr(s.AuthTime),
	}
}

func (r *sessionRow) domain() *domain.Session {
	s := &domain.Session{
		ID: r.ID, UserID: r.UserID, Counter: uint64(r.Counter), RotatedAt: r.RotatedAt.UTC(),
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), RevokedAt: utcPtr(r.RevokedAt),
		UserAgent: r.UserAgent, IP: r.IP,
		AAL: domain.AAL(r.AAL), AMR: strings.Fields(r.AMR), AuthTime: r.CreatedAt.UTC(),
	}
	// Sessions from before assurance levels were password logins (the migration's
	// defaults say aal1; amr and auth_time are read as pwd and the creation time).
	if s.AAL == "" {
		s.AAL = domain.AAL1
	}
	if len(s.AMR) == 0 {
		s.AMR = []string{domain.AMRPassword}
	}
	if r.AuthTime != nil {
		s.AuthTime = r.AuthTime.UTC()
	}
	return s
}

// authTimePtr is the stored auth_time: NULL when unset (read as created_at).
func authTimePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return tsPtr(&t)
}
