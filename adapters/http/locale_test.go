package httpapi_test

import (
	"testing"

	"github.com/authd/authd/adapters/backendtest"
)

func TestLocale(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		signUp := func(t *testing.T, body map[string]string, opts ...reqOption) userJSON {
			t.Helper()
			r := e.do(t, "POST", "/v1/auth/signup", body, opts...)
			r.expect(t, 201, "")
			var b userBody
			r.decode(t, &b)
			return b.User
		}
		for _, c := range []struct {
			name, bodyLocale, accept, want string
		}{
			{"default", "", "", "en"},
			{"from Accept-Language, by q-value", "", "fr;q=0.5, es-es;q=0.9, *;q=0.1", "es-ES"},
			{"malformed ranges skipped", "", "12, de-AT", "de-AT"},
			{"the body wins", "ES", "de", "es"},
		} {
			t.Run(c.name, func(t *testing.T) {
				body := map[string]string{"email": uniqEmail("locale"), "password": password}
				if c.bodyLocale != "" {
					body["locale"] = c.bodyLocale
				}
				var opts []reqOption
				if c.accept != "" {
					opts = append(opts, header("Accept-Language", c.accept))
				}
				if got := signUp(t, body, opts...).Locale; got != c.want {
					t.Errorf("locale = %q, want %q", got, c.want)
				}
			})
		}
		t.Run("a malformed body locale is refused", func(t *testing.T) {
			p := e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": uniqEmail("badloc"), "password": password,
				"locale": "not a tag"}).expect(t, 422, "validation_failed")
			if len(p.Errors) != 1 || p.Errors[0].Field != "locale" || p.Errors[0].Code != "invalid_locale" {
				t.Errorf("errors = %+v, want locale invalid_locale", p.Errors)
			}
		})
		t.Run("PATCH /v1/auth/me changes it", func(t *testing.T) {
			email := uniqEmail("patchloc")
			e.activeUser(t, email)
			at := bearer(e.login(t, email).AccessToken)
			r := e.do(t, "PATCH", "/v1/auth/me", map[string]string{"locale": "es-mx"}, at)
			r.expect(t, 200, "")
			var b userBody
			r.decode(t, &b)
			if b.User.Locale != "es-MX" {
				t.Errorf("locale after PATCH = %q, want es-MX", b.User.Locale)
			}
			e.do(t, "PATCH", "/v1/auth/me", map[string]string{"locale": "-x-"}, at).expect(t, 422, "validation_failed")
			r = e.do(t, "GET", "/v1/auth/me", nil, at)
			r.decode(t, &b)
			if b.User.Locale != "es-MX" {
				t.Errorf("locale after a refused PATCH = %q, want es-MX kept", b.User.Locale)
			}
		})
	})
}
