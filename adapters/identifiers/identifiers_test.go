package identifiers_test

import (
	"strings"
	"testing"

	"github.com/authd/authd/adapters/identifiers"
	"github.com/authd/authd/domain"
)

func TestEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw string
		want      string // the normalised form, when code is empty
		code      string // the field error code, when refused
	}{
		{"ascii is lower-cased", "  Ann@Example.COM ", "ann@example.com", ""},
		{"composed stays composed", "jos\u00e9@example.com", "jos\u00e9@example.com", ""},
		{"decomposed is composed", "jose\u0301@example.com", "jos\u00e9@example.com", ""},
		{"upper-case accent", "JOS\u00c9@example.com", "jos\u00e9@example.com", ""},
		{"fullwidth local part", "\uff41\uff4e\uff4e@example.com", "ann@example.com", ""},
		{"fullwidth at and domain", "ann\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d", "ann@example.com", ""},
		{"full case folding", "Stra\u00dfe@example.de", "strasse@example.de", ""},
		{"kelvin sign", "\u212aate@example.com", "kate@example.com", ""},
		{"unicode domain kept", "ann@B\u00fccher.de", "ann@b\u00fccher.de", ""},
		{"a-label becomes unicode", "ann@xn--bcher-kva.de", "ann@b\u00fccher.de", ""},
		{"cyrillic domain", "\u0438\u0432\u0430\u043d@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", "\u0438\u0432\u0430\u043d@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444", ""},
		{"cyrillic label under .com", "ann@\u043f\u0440\u0438\u043c\u0435\u0440.com", "ann@\u043f\u0440\u0438\u043c\u0435\u0440.com", ""},
		{"japanese label", "ann@\u65e5\u672c\u3054jp.example", "ann@\u65e5\u672c\u3054jp.example", ""},
		{"no at sign is left to the shape check", "Ann", "ann", ""},
		{"empty", "   ", "", ""},

		{"zero-width space", "ann\u200b@example.com", "", "invalid_characters"},
		{"zero-width joiner", "an\u200dn@example.com", "", "invalid_characters"},
		{"byte order mark", "\ufeffann@example.com", "", "invalid_characters"},
		{"soft hyphen", "an\u00adn@example.com", "", "invalid_characters"},
		{"right-to-left override", "ann\u202e@example.com", "", "invalid_characters"},
		{"left-to-right mark", "ann@example.com\u200e", "", "invalid_characters"},
		{"bidi isolate", "\u2067ann@example.com", "", "invalid_characters"},
		{"hangul filler", "ann\u3164@example.com", "", "invalid_characters"},
		{"variation selector", "ann\ufe0f@example.com", "", "invalid_characters"},
		{"nul", "ann\x00@example.com", "", "invalid_characters"},
		{"tab inside", "an\tn@example.com", "", "invalid_characters"},
		{"del", "ann\x7f@example.com", "", "invalid_characters"},
		{"private use", "ann\ue000@example.com", "", "invalid_characters"},
		{"unassigned", "ann\U000e0080@example.com", "", "invalid_characters"},
		{"invalid utf-8", "ann\xff@example.com", "", "invalid_characters"},
		{"cyrillic a in the domain", "ann@ex\u0430mple.com", "", "mixed_scripts"},
		{"cyrillic a via punycode", "ann@xn--exmple-4nf.com", "", "mixed_scripts"},
		{"greek omicron in the domain", "ann@g\u03bfogle.com", "", "mixed_scripts"},
		{"cyrillic a in the local part", "\u0430nn@example.com", "", "mixed_scripts"},
		{"ipv4 literal", "x@[127.0.0.1]", "", "invalid_email"},
		{"ipv6 literal", "x@[IPv6:::1]", "", "invalid_email"},
		{"bare ip", "x@127.0.0.1", "", "invalid_email"},
		{"underscore in domain", "x@ex_ample.com", "", "invalid_email"},
		{"leading hyphen label", "x@-example.com", "", "invalid_email"},
		{"overlong", strings.Repeat("a", 1100) + "@example.com", "", "too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, fe := identifiers.New().Email("email", tt.raw)
			checkResult(t, tt.raw, got, fe, tt.want, "email", tt.code)
		})
	}
}

func TestUsername(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, raw string
		want      string
		code      string
	}{
		{"ascii is lower-cased", " Ann.Lee ", "ann.lee", ""},
		{"fullwidth", "\uff41\uff4e\uff4e", "ann", ""},
		{"fullwidth upper", "\uff21\uff2e\uff2e", "ann", ""},
		{"kelvin sign", "\u212aate", "kate", ""},
		{"decomposed is composed", "jose\u0301", "jos\u00e9", ""}, // refused later by the domain's a-z rule
		{"empty is no username", "  ", "", ""},

		{"zero-width space", "ann\u200b", "", "invalid_characters"},
		{"soft hyphen", "an\u00adn", "", "invalid_characters"},
		{"bidi override", "\u202eann", "", "invalid_characters"},
		{"nul", "ann\x00", "", "invalid_characters"},
		{"inner space", "ann lee", "", "invalid_username"},
		{"symbol", "ann\u2665", "", "invalid_username"},
		{"overlong", strings.Repeat("a", 1100), "", "invalid_username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, fe := identifiers.New().Username("username", tt.raw)
			checkResult(t, tt.raw, got, fe, tt.want, "username", tt.code)
		})
	}
}

// checkResult compares one normalisation with its expectation: the form when
// wantCode is empty, a field error under field with wantCode otherwise.
func checkResult(t *testing.T, raw, got string, fe *domain.FieldError, want, field, wantCode string) {
	t.Helper()
	if wantCode == "" {
		if fe != nil || got != want {
			t.Fatalf("%+q: got (%+q, %+v), want (%+q, nil)", raw, got, fe, want)
		}
		return
	}
	if fe == nil {
		t.Fatalf("%+q: got (%+q, nil), want a %s field error", raw, got, wantCode)
	}
	if fe.Code != wantCode || fe.Field != field || fe.Message == "" || got != "" {
		t.Fatalf("%+q: got (%+q, %+v), want (\"\", {Field: %s Code: %s Message: ...})", raw, got, *fe, field, wantCode)
	}
}
