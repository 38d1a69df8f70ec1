package domain

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a user may do: ordinary users manage themselves, admins everyone.
type Role string

// The roles.
const (
	RoleUser  Role = "user"
	RoleAdmin Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleUser || r == RoleAdmin }

// Status is where an account is in its lifecycle.
type Status string

// The statuses. A pending account has not proved it owns its e-mail yet; a disabled
// one was switched off by an admin and can neither log in nor refresh.
const (
	StatusPending  Status = "pending"
	StatusActive   Status = "active"
	StatusDisabled Status = "disabled"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	return s == StatusPending || s == StatusActive || s == StatusDisabled
}

// User is an account. Email and Username are stored normalised, so uniqueness holds
// whatever case a client typed.
type User struct {
	ID           string
	Email        string
	Username     string // empty when the user chose none
	Name         string
	Mobile       string
	Role         Role
	Status       Status
	PasswordHash string // PHC string; never serialised to clients
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ActivatedAt  *time.Time
	// MFAEnabled is true while the account has an active second factor; the MFA
	// store keeps it in step with the factors, and profile updates never write it.
	MFAEnabled bool
	// Locale is the BCP 47 tag the account's mail is written in ("" for accounts
	// made before locales: they get the default).
	Locale string
}

// Length limits of user fields.
const (
	MaxEmailLength    = 254
	MinUsernameLength = 3
	MaxUsernameLength = 32
	MaxNameLength     = 100
	MaxMobileLength   = 20
)

var (
	usernamePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$`)
	mobilePattern   = regexp.MustCompile(`^\+?[0-9 ()-]{4,20}$`)
)

// NormalizeEmail trims and lower-cases an address: the rule addresses were stored
// under before the Identifiers port (ports.Identifiers) normalised them by Unicode.
// It is kept so that lookups can still find an account stored under it; new
// addresses are never stored in this form. Lower-casing the local part is not
// strictly RFC 5321, but every mainstream provider treats it case-insensitively
// and users expect "Ann@x.io" and "ann@x.io" to be one account.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ValidateEmail checks a normalised address and returns a field error or nil.
func ValidateEmail(field, email string) *FieldError {
	switch {
	case email == "":
		return &FieldError{Field: field, Code: "required", Message: "Email is required."}
	case len(email) > MaxEmailLength:
		return &FieldError{Field: field, Code: "too_long", Message: "Email must be at most 254 characters."}
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		return &FieldError{Field: field, Code: "invalid_email", Message: "Email is not a valid address."}
	}
	return nil
}

// ValidateUsername checks a normalised username; empty is allowed (no username).
func ValidateUsername(field, username string) *FieldError {
	if username == "" {
		return nil
	}
	n := utf8.RuneCountInString(username)
	if n < MinUsernameLength || n > MaxUsernameLength || !usernamePattern.MatchString(username) {
		return &FieldError{Field: field, Code: "invalid_username",
			Message: "Username must be 3-32 characters of a-z, 0-9, '.', '_' or '-', starting and ending with a letter or digit."}
	}
	if strings.Contains(username, "@") {
		return &FieldError{Field: field, Code: "invalid_username", Message: "Username must not contain '@'."}
	}
	return nil
}

// ValidateName checks a display name.
func ValidateName(field, name string) *FieldError {
	if utf8.RuneCountInString(name) > MaxNameLength {
		return &FieldError{Field: field, Code: "too_long", Message: "Name must be at most 100 characters."}
	}
	if !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\r\n") {
		return &FieldError{Field: field, Code: "invalid", Message: "Name contains invalid characters."}
	}
	return nil
}

// ValidateMobile checks a phone number; empty is allowed.
func ValidateMobile(field, mobile string) *FieldError {
	if mobile != "" && !mobilePattern.MatchString(mobile) {
		return &FieldError{Field: field, Code: "invalid_mobile", Message: "Mobile must be 4-20 digits, optionally with +, spaces, dashes or parentheses."}
	}
	return nil
}

// CanLogIn returns nil when an account in this status may log in or refresh, and
// the error to answer otherwise. requireActivation false lets pending accounts in.
func (u *User) CanLogIn(requireActivation bool) error {
	switch u.Status {
	case StatusDisabled:
		return Errorf(CodeAccountDisabled, "This account is disabled.")
	case StatusPending:
		if requireActivation {
			return Errorf(CodeAccountNotActive, "This account has not been activated yet.")
		}
	}
	return nil
}
