// Package archivefile writes and reads the account archive of `authd export` and
// `authd import` (ARCHITECTURE.md §13): JSON Lines, one record a line, each an
// object with a "kind". The first line is the header (format and version), the
// last the end record with the counts per kind, so a cut-off file is told from a
// whole one. An account's records follow its user record; its factors, recovery
// codes, passkeys and sessions name it by user_id. Bytes (sealed secrets,
// credential ids, keys) are standard base64, times RFC 3339 with nanoseconds.
//
// The file holds every password hash, sealed TOTP secret and generated key: it
// is written with mode 0600 and must be kept like the database itself.
//
// Adding a kind of account data is one record type here: a field in record, a
// case in Writer.Account and in Reader.Next.
package archivefile

import (
	"time"

	"github.com/authd/authd/domain"
)

// Format and Version name the layout; a reader refuses any other.
const (
	Format  = "authd-archive"
	Version = 1
)

// The record kinds.
const (
	KindHeader        = "header"
	KindSecret        = "secret"
	KindUser          = "user"
	KindFactor        = "factor"
	KindRecoveryCodes = "recovery_codes"
	KindPasskey       = "passkey"
	KindSession       = "session"
	KindToken         = "token"
	KindIdentity      = "identity"
	KindEvent         = "event"
	KindEnd           = "end"
)

// Counts are how many records of each kind a file holds (the end record), or an
// import or copy wrote.
type Counts map[string]int64

// record is one line. Only the fields of its kind are set.
type record struct {
	Kind string `json:"kind"`

	// header
	Format    string     `json:"format,omitempty"`
	Version   int        `json:"version,omitempty"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	Source    string     `json:"source,omitempty"`

	// end
	Counts Counts `json:"counts,omitempty"`

	// secret
	Name  string `json:"name,omitempty"`
	Value []byte `json:"value,omitempty"`

	User          *userRecord     `json:"user,omitempty"`
	UserID        string          `json:"user_id,omitempty"`
	Factor        *factorRecord   `json:"factor,omitempty"`
	RecoveryCodes []string        `json:"hashes,omitempty"`
	Passkey       *passkeyRecord  `json:"passkey,omitempty"`
	Session       *sessionRecord  `json:"session,omitempty"`
	Token         *tokenRecord    `json:"token,omitempty"`
	Identity      *identityRecord `json:"identity,omitempty"`
	Event         *eventRecord    `json:"event,omitempty"`
}

type userRecord struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	Username     string     `json:"username,omitempty"`
	Name         string     `json:"name,omitempty"`
	Mobile       string     `json:"mobile,omitempty"`
	Role         string     `json:"role"`
	Status       string     `json:"status"`
	PasswordHash string     `json:"password_hash,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ActivatedAt  *time.Time `json:"activated_at,omitempty"`
	MFAEnabled   bool       `json:"mfa_enabled,omitempty"`
	Locale       string     `json:"locale,omitempty"`
}

type factorRecord struct {
	ID         string     `json:"id"`
	Type       string     `json:"type"`
	Status     string     `json:"status"`
	Secret     []byte     `json:"secret"` // sealed, bound to the factor id
	LastStep   int64      `json:"last_step"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

type passkeyRecord struct {
	ID              string     `json:"id"`
	CredentialID    []byte     `json:"credential_id"`
	PublicKey       []byte     `json:"public_key"`
	UserHandle      []byte     `json:"user_handle"`
	SignCount       uint32     `json:"sign_count"`
	AAGUID          []byte     `json:"aaguid,omitempty"`
	AttestationType string     `json:"attestation_type,omitempty"`
	Transports      []string   `json:"transports,omitempty"`
	BackupEligible  bool       `json:"backup_eligible,omitempty"`
	BackedUp        bool       `json:"backed_up,omitempty"`
	Name            string     `json:"name,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	LastUsedAt      *time.Time `json:"last_used_at,omitempty"`
}

type sessionRecord struct {
	ID        string    `json:"id"`
	Counter   uint64    `json:"counter"`
	RotatedAt time.Time `json:"rotated_at"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	UserAgent string    `json:"user_agent,omitempty"`
	IP        string    `json:"ip,omitempty"`
	AAL       string    `json:"aal"`
	AMR       []string  `json:"amr"`
	AuthTime  time.Time `json:"auth_time"`
}

type tokenRecord struct {
	Hash      string    `json:"hash"` // SHA-256 of the token: the token itself is only in the mail
	Kind      string    `json:"kind"`
	NewEmail  string    `json:"new_email,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func fromToken(t domain.OneTimeToken) *tokenRecord {
	return &tokenRecord{Hash: t.Hash, Kind: string(t.Kind), NewEmail: t.NewEmail, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC()}
}

func (r *tokenRecord) domain(userID string) domain.OneTimeToken {
	return domain.OneTimeToken{Hash: r.Hash, Kind: domain.TokenKind(r.Kind), UserID: userID, NewEmail: r.NewEmail,
		CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt}
}

// identityRecord is a linked external identity (§10).
type identityRecord struct {
	Provider   string     `json:"provider"`
	Subject    string     `json:"subject"`
	Email      string     `json:"email,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

func fromIdentity(id domain.Identity) *identityRecord {
	return &identityRecord{Provider: id.Provider, Subject: id.Subject, Email: id.Email, CreatedAt: id.CreatedAt.UTC(),
		LastUsedAt: id.LastUsedAt}
}

func (r *identityRecord) domain(userID string) domain.Identity {
	return domain.Identity{Provider: r.Provider, Subject: r.Subject, UserID: userID, Email: r.Email,
		CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt}
}

type eventRecord struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	UserID    string         `json:"user_id,omitempty"`
	ActorID   string         `json:"actor_id,omitempty"`
	SessionID string         `json:"session_id,omitempty"`
	IP        string         `json:"ip,omitempty"`
	UserAgent string         `json:"user_agent,omitempty"`
	At        time.Time      `json:"at"`
	Data      map[string]any `json:"data,omitempty"`
}

func fromUser(u domain.User) *userRecord {
	return &userRecord{ID: u.ID, Email: u.Email, Username: u.Username, Name: u.Name, Mobile: u.Mobile,
		Role: string(u.Role), Status: string(u.Status), PasswordHash: u.PasswordHash,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(), ActivatedAt: u.ActivatedAt,
		MFAEnabled: u.MFAEnabled, Locale: u.Locale}
}

func (r *userRecord) domain() domain.User {
	return domain.User{ID: r.ID, Email: r.Email, Username: r.Username, Name: r.Name, Mobile: r.Mobile,
		Role: domain.Role(r.Role), Status: domain.Status(r.Status), PasswordHash: r.PasswordHash,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ActivatedAt: r.ActivatedAt,
		MFAEnabled: r.MFAEnabled, Locale: r.Locale}
}

func fromFactor(f domain.Factor) *factorRecord {
	return &factorRecord{ID: f.ID, Type: string(f.Type), Status: string(f.Status), Secret: f.Secret,
		LastStep: f.LastStep, CreatedAt: f.CreatedAt.UTC(), LastUsedAt: f.LastUsedAt}
}

func (r *factorRecord) domain(userID string) domain.Factor {
	return domain.Factor{ID: r.ID, UserID: userID, Type: domain.FactorType(r.Type), Status: domain.FactorStatus(r.Status),
		Secret: r.Secret, LastStep: r.LastStep, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt}
}

func fromPasskey(p domain.Passkey) *passkeyRecord {
	return &passkeyRecord{ID: p.ID, CredentialID: p.CredentialID, PublicKey: p.PublicKey, UserHandle: p.UserHandle,
		SignCount: p.SignCount, AAGUID: p.AAGUID, AttestationType: p.AttestationType, Transports: p.Transports,
		BackupEligible: p.BackupEligible, BackedUp: p.BackedUp, Name: p.Name,
		CreatedAt: p.CreatedAt.UTC(), LastUsedAt: p.LastUsedAt}
}

func (r *passkeyRecord) domain(userID string) domain.Passkey {
	return domain.Passkey{ID: r.ID, UserID: userID, CredentialID: r.CredentialID, PublicKey: r.PublicKey,
		UserHandle: r.UserHandle, SignCount: r.SignCount, AAGUID: r.AAGUID, AttestationType: r.AttestationType,
		Transports: r.Transports, BackupEligible: r.BackupEligible, BackedUp: r.BackedUp, Name: r.Name,
		CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt}
}

func fromSession(s domain.Session) *sessionRecord {
	aal, amr := s.Assurance()
	return &sessionRecord{ID: s.ID, Counter: s.Counter, RotatedAt: s.RotatedAt.UTC(), CreatedAt: s.CreatedAt.UTC(),
		ExpiresAt: s.ExpiresAt.UTC(), UserAgent: s.UserAgent, IP: s.IP, AAL: aal, AMR: amr, AuthTime: s.AuthTime.UTC()}
}

func (r *sessionRecord) domain(userID string) domain.Session {
	return domain.Session{ID: r.ID, UserID: userID, Counter: r.Counter, RotatedAt: r.RotatedAt, CreatedAt: r.CreatedAt,
		ExpiresAt: r.ExpiresAt, UserAgent: r.UserAgent, IP: r.IP, AAL: domain.AAL(r.AAL), AMR: r.AMR, AuthTime: r.AuthTime}
}

func fromEvent(e domain.Event) *eventRecord {
	return &eventRecord{ID: e.ID, Type: string(e.Type), UserID: e.UserID, ActorID: e.ActorID, SessionID: e.SessionID,
		IP: e.IP, UserAgent: e.UserAgent, At: e.At.UTC(), Data: e.Data}
}

func (r *eventRecord) domain() domain.Event {
	return domain.Event{ID: r.ID, Type: domain.EventType(r.Type), UserID: r.UserID, ActorID: r.ActorID,
		SessionID: r.SessionID, IP: r.IP, UserAgent: r.UserAgent, At: r.At, Data: r.Data}
}
