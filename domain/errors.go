// Package domain holds authd's entities and rules. It imports only the standard
// library, so every adapter and use case can depend on it without dragging a driver
// or a framework along.
package domain

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, machine-readable error code. Clients branch on it, so a code
// never changes meaning once released; the HTTP adapter maps each to one status.
type Code string

// The error codes of the API contract (ARCHITECTURE.md §3).
const (
	CodeInvalidRequest       Code = "invalid_request"
	CodeValidationFailed     Code = "validation_failed"
	CodeEmailTaken           Code = "email_taken"
	CodeUsernameTaken        Code = "username_taken"
	CodeConflict             Code = "conflict"
	CodeInvalidCredentials   Code = "invalid_credentials"
	CodeAccountNotActive     Code = "account_not_active"
	CodeAccountDisabled      Code = "account_disabled"
	CodeTokenMissing         Code = "token_missing"
	CodeTokenInvalid         Code = "token_invalid"
	CodeTokenExpired         Code = "token_expired"
	CodeTokenRevoked         Code = "token_revoked"
	CodeRefreshTokenReused   Code = "refresh_token_reused"
	CodeFreshTokenRequired   Code = "fresh_token_required"
	CodeMFARequired          Code = "mfa_required"
	CodeAAL2Required         Code = "aal2_required"
	CodeInvalidCode          Code = "invalid_code"
	CodeLastLoginMethod      Code = "last_login_method"
	CodeProviderError        Code = "provider_error"
	CodeForbidden            Code = "forbidden"
	CodeNotFound             Code = "not_found"
	CodePayloadTooLarge      Code = "payload_too_large"
	CodeHeadersTooLarge      Code = "headers_too_large"
	CodeUnsupportedMediaType Code = "unsupported_media_type"
	CodeRateLimited          Code = "rate_limited"
	CodeUnavailable          Code = "unavailable"
	CodeInternal             Code = "internal"
)

// FieldError names one invalid field of a request and why it is invalid.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is the one error type that crosses the port boundary. Adapters translate
// driver errors into it; the HTTP adapter turns its Code into a status code.
type Error struct {
	// Code is the machine-readable classification.
	Code Code
	// Message is a human-readable sentence safe to show to a client.
	Message string
	// Fields lists per-field problems for CodeValidationFailed.
	Fields []FieldError
	// RetryAfter, when positive, tells a client how long to wait (rate_limited,
	// unavailable).
	RetryAfter time.Duration
	// Extensions are extra members of the problem document (RFC 9457 §3.2), such
	// as the mfa_token and methods of mfa_required. Only client-safe values.
	Extensions map[string]any
	// Err is the underlying cause, kept for logs and errors.Is; never shown to clients.
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error that keeps err as its cause.
func Wrap(code Code, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// Invalid builds a validation error from field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: CodeValidationFailed, Message: "The request has invalid fields.", Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, CodeInternal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the client-safe message of err: the message of its *Error, or
// a generic sentence for anything else so that internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return ErrorCode(err) == code }
