package domain_test

import (
	"slices"
	"testing"

	"github.com/authd/authd/domain"
)

func TestNormalizeLocale(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"en", "en", true},
		{" ES-es ", "es-ES", true},
		{"zh-hant-tw", "zh-Hant-TW", true},
		{"es-419", "es-419", true},
		{"sr-latn-rs-1996", "sr-Latn-RS-1996", true},
		{"", "", false},
		{"e", "", false},
		{"english", "", false},
		{"es_ES", "", false},
		{"es-", "", false},
		{"-es", "", false},
		{"es-ES;q=1", "", false},
		{"en-abcdefghi", "", false},
		{"en-" + string(make([]byte, 40)), "", false},
	} {
		got, ok := domain.NormalizeLocale(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizeLocale(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	if fe := domain.ValidateLocale("locale", "xx yy"); fe == nil || fe.Code != "invalid_locale" {
		t.Errorf("ValidateLocale(bad) = %+v, want invalid_locale", fe)
	}
	if got, want := domain.LocaleFallbacks("zh-Hant-TW"), []string{"zh-Hant-TW", "zh-Hant", "zh"}; !slices.Equal(got, want) {
		t.Errorf("LocaleFallbacks = %v, want %v", got, want)
	}
}
