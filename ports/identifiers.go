package ports

import "github.com/authd/authd/domain"

// Identifiers turns what a person typed as an e-mail address or a username into the
// one form it is stored and looked up under, so that strings which look the same
// (composed and decomposed accents, fullwidth letters, another case) name one
// account, and strings built to deceive (invisible or bidi control characters, a
// Cyrillic letter among Latin ones, an IP-literal domain) name none. The Unicode
// tables this needs live in an adapter; the use cases still check the result's
// shape with domain.ValidateEmail and domain.ValidateUsername.
type Identifiers interface {
	// Email returns the normalised form of raw, or a field error under field:
	// invalid_characters (control, invisible or bidi characters), mixed_scripts (a
	// part of the address mixes scripts), invalid_email (an IP-literal or malformed
	// domain). An empty raw is returned as "" with no error, for the caller to
	// require.
	Email(field, raw string) (string, *domain.FieldError)
	// Username returns the normalised form of raw (RFC 8265 UsernameCaseMapped), or
	// a field error under field: invalid_characters (control, invisible or bidi
	// characters), invalid_username (anything else the profile refuses). An empty or
	// blank raw is "" (no username) with no error.
	Username(field, raw string) (string, *domain.FieldError)
}
