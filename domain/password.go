package domain

import "unicode/utf8"

// Password policy per NIST SP 800-63B: a length range and no composition rules.
// Length counts Unicode code points, not bytes, so "pässwörd" is 8 characters.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 128
)

// ValidatePassword checks a candidate password against the policy and returns a
// field error naming field, or nil.
func ValidatePassword(field, password string) *FieldError {
	if password == "" {
		return &FieldError{Field: field, Code: "required", Message: "Password is required."}
	}
	if !utf8.ValidString(password) {
		return &FieldError{Field: field, Code: "invalid", Message: "Password must be valid UTF-8."}
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		return &FieldError{Field: field, Code: "too_short", Message: "Password must be at least 8 characters."}
	}
	if n > MaxPasswordLength {
		return &FieldError{Field: field, Code: "too_long", Message: "Password must be at most 128 characters."}
	}
	return nil
}
