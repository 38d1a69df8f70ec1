package domain

import (
	"regexp"
	"strings"
)

// DefaultLocale is the language of mail for accounts that stated none, unless
// AUTH_DEFAULT_LOCALE says otherwise.
const DefaultLocale = "en"

// MaxLocaleLength bounds a stored locale tag (BCP 47 tags in use are far shorter).
const MaxLocaleLength = 35

// localePattern is the shape of a BCP 47 language tag as this service keeps it: a
// 2-3 letter language, then subtags of 1-8 letters or digits (script, region,
// variants). Private-use and grandfathered forms are not accepted.
var localePattern = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// NormalizeLocale returns raw in BCP 47's conventional case — language lower
// ("es"), script title ("Latn"), region upper ("ES") — and whether it has the shape
// of a language tag. "" is not a locale.
func NormalizeLocale(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxLocaleLength || !localePattern.MatchString(raw) {
		return "", false
	}
	parts := strings.Split(raw, "-")
	for i, p := range parts {
		switch {
		case i == 0:
			parts[i] = strings.ToLower(p)
		case len(p) == 2 && isLetters(p), len(p) == 3 && isDigits(p):
			parts[i] = strings.ToUpper(p)
		case len(p) == 4 && isLetters(p):
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		default:
			parts[i] = strings.ToLower(p)
		}
	}
	return strings.Join(parts, "-"), true
}

// ValidateLocale checks that raw is a language tag. Returns nil or an invalid_locale
// field error.
func ValidateLocale(field, raw string) *FieldError {
	if _, ok := NormalizeLocale(raw); !ok {
		return &FieldError{Field: field, Code: "invalid_locale",
			Message: "Use a BCP 47 language tag such as en, es or es-ES."}
	}
	return nil
}

// LocaleFallbacks returns the tags to try for locale, most specific first:
// "es-ES" gives "es-ES", "es".
func LocaleFallbacks(locale string) []string {
	var out []string
	for l := locale; l != ""; {
		out = append(out, l)
		i := strings.LastIndex(l, "-")
		if i < 0 {
			break
		}
		l = l[:i]
	}
	return out
}

func isLetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
