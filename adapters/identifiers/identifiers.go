package identifiers

import (
	"net"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/cases"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Normalizer maps e-mail addresses and usernames to their stored form. The zero
// value is ready to use and safe for concurrent use.
type Normalizer struct{}

var _ ports.Identifiers = Normalizer{}

// New returns a Normalizer.
func New() Normalizer { return Normalizer{} }

// maxRawLength bounds the work spent on one input: no address or username longer
// than this in bytes can normalise to one the domain accepts (every mapping here
// shrinks UTF-8 by at most 3 bytes per character, and 254 is the address limit).
const maxRawLength = 4 * domain.MaxEmailLength

// Email implements ports.Identifiers.
func (Normalizer) Email(field, raw string) (string, *domain.FieldError) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", nil
	}
	if len(s) > maxRawLength {
		return "", &domain.FieldError{Field: field, Code: "too_long", Message: "Email must be at most 254 characters."}
	}
	if !printable(s) {
		return "", invalidCharacters(field, "Email")
	}
	s = fold(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s, nil // no domain to check; the domain's shape check refuses it
	}
	local, host := s[:at], s[at+1:]
	if strings.HasPrefix(host, "[") || net.ParseIP(host) != nil {
		return "", &domain.FieldError{Field: field, Code: "invalid_email", Message: "Email must name a domain, not an IP address."}
	}
	if _, err := idna.Lookup.ToASCII(host); err != nil {
		return "", &domain.FieldError{Field: field, Code: "invalid_email", Message: "Email domain is not a valid domain name."}
	}
	host, err := idna.Lookup.ToUnicode(host)
	if err != nil {
		return "", &domain.FieldError{Field: field, Code: "invalid_email", Message: "Email domain is not a valid domain name."}
	}
	if !singleScript(local) {
		return "", mixedScripts(field, "Email address")
	}
	for _, label := range strings.Split(host, ".") {
		if !singleScript(label) {
			return "", mixedScripts(field, "Email domain")
		}
	}
	return local + "@" + host, nil
}

// Username implements ports.Identifiers.
func (Normalizer) Username(field, raw string) (string, *domain.FieldError) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", nil
	}
	if len(s) > maxRawLength {
		return "", invalidUsername(field)
	}
	if !printable(s) {
		return "", invalidCharacters(field, "Username")
	}
	out, err := precis.UsernameCaseMapped.String(s)
	if err != nil {
		return "", invalidUsername(field)
	}
	return out, nil
}

// fold maps s to one form of what it shows: fullwidth and halfwidth forms to their
// ordinary width, canonical composition, then full case folding (which may
// decompose, hence NFC again).
func fold(s string) string {
	s = norm.NFC.String(width.Fold.String(s))
	return norm.NFC.String(cases.Fold().String(s))
}

// printable reports whether s is valid UTF-8 free of characters that show nothing
// or change how their neighbours show: controls (Cc), format characters (Cf, which
// include zero-width space and joiners, BOM, soft hyphen and every bidi control),
// private-use, surrogate and unassigned code points (anything outside L, M, N, P, S and
// Z), variation selectors and the other
// default-ignorable code points (Hangul fillers, ...). White space is left to the
// shape checks.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs,
			unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point) ||
			!unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z) {
			return false
		}
	}
	return true
}

func invalidCharacters(field, what string) *domain.FieldError {
	return &domain.FieldError{Field: field, Code: "invalid_characters",
		Message: what + " must not contain control, invisible or bidirectional formatting characters."}
}

func mixedScripts(field, what string) *domain.FieldError {
	return &domain.FieldError{Field: field, Code: "mixed_scripts",
		Message: what + " mixes letters of different scripts (such as Latin and Cyrillic)."}
}

func invalidUsername(field string) *domain.FieldError {
	return &domain.FieldError{Field: field, Code: "invalid_username",
		Message: "Username must be 3-32 characters of a-z, 0-9, '.', '_' or '-', starting and ending with a letter or digit."}
}
