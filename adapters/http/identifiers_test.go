package httpapi_test

import (
	"strings"
	"testing"

	"github.com/authd/authd/adapters/backendtest"
)

// fullwidth maps ASCII letters, digits and "@.-" to their fullwidth forms.
func fullwidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f {
			return r - '!' + '\uff01'
		}
		return r
	}, s)
}

// TestLookalikeEmails signs up an address and then a lookalike of it on every
// backend: each lookalike either names the same account (409 on sign-up, and a
// login with it opens the first account) or is refused outright, so the stored
// form and the uniqueness index never hold two accounts that look the same.
func TestLookalikeEmails(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		same := []struct {
			name string
			// stored is the address as first signed up, already normalised; variant
			// looks the same and must name the same account.
			stored, variant string
		}{
			{"decomposed after composed", "jos\u00e9", "jose\u0301"},
			{"composed after decomposed", "ren\u00e9e", "rene\u0301e"},
			{"fullwidth", "ann", "\uff41\uff4e\uff4e"},
			{"upper case", "lee", "LEE"},
			{"upper-case accent", "\u00e9lodie", "\u00c9LODIE"},
			{"full case folding", "strasse", "stra\u00dfe"},
			{"kelvin sign", "kate", "\u212aate"},
		}
		for _, tt := range same {
			t.Run(tt.name, func(t *testing.T) {
				stored := uniqEmail(tt.stored)
				variant := strings.Replace(stored, tt.stored, tt.variant, 1)
				if tt.name == "fullwidth" {
					variant = fullwidth(stored)
				}
				id := e.activeUser(t, stored)
				e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": variant, "password": password}).
					expect(t, 409, "email_taken")
				if got := e.login(t, variant).User; got.ID != id || got.Email != stored {
					t.Fatalf("login as %+q opened (%s, %+q), want the first account (%s, %+q)", variant, got.ID, got.Email, id, stored)
				}
			})
		}

		// A decomposed address is stored composed, whichever form came first.
		decomposed := uniqEmail("zoe\u0301")
		if got, want := e.signUp(t, decomposed).Email, strings.Replace(decomposed, "zoe\u0301", "zo\u00e9", 1); got != want {
			t.Fatalf("signed up %+q, stored %+q, want the composed %+q", decomposed, got, want)
		}
		// An A-label domain names the same domain as its Unicode form.
		unicodeDomain := strings.Replace(uniqEmail("ulla"), "example.com", "b\u00fccher.example", 1)
		e.signUp(t, unicodeDomain)
		e.do(t, "POST", "/v1/auth/signup", map[string]string{
			"email": strings.Replace(unicodeDomain, "b\u00fccher", "xn--bcher-kva", 1), "password": password,
		}).expect(t, 409, "email_taken")

		refused := []struct {
			name, email, code string
		}{
			{"zero-width space", "ann\u200b@example.com", "invalid_characters"},
			{"zero-width joiner", "an\u200dn@example.com", "invalid_characters"},
			{"soft hyphen", "an\u00adn@example.com", "invalid_characters"},
			{"byte order mark", "\ufeffann@example.com", "invalid_characters"},
			{"right-to-left override", "\u202eann@example.com", "invalid_characters"},
			{"cyrillic a in the domain", "ann@ex\u0430mple.com", "mixed_scripts"},
			{"cyrillic a in the local part", "\u0430nn@example.com", "mixed_scripts"},
			{"mixed-script punycode", "ann@xn--exmple-4nf.com", "mixed_scripts"},
			{"ip literal", "x@[127.0.0.1]", "invalid_email"},
			{"bare ip", "x@127.0.0.1", "invalid_email"},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				for _, path := range []string{"/v1/auth/signup", "/v1/auth/login"} {
					r := e.do(t, "POST", path, map[string]string{"email": tt.email, "password": password})
					expectField(t, r, "email", tt.code)
				}
				for _, path := range []string{"/v1/auth/password/forgot", "/v1/auth/activate/resend"} {
					expectField(t, e.do(t, "POST", path, map[string]string{"email": tt.email}), "email", tt.code)
				}
			})
		}
	})
}

// TestLookalikeUsernames: a username is mapped by PRECIS (width, case) before the
// a-z rule, so a fullwidth or upper-case twin is the same name and an invisible
// character is refused.
func TestLookalikeUsernames(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		email := uniqEmail("un")
		name := "u" + strings.NewReplacer("-", "", "@example.com", "").Replace(email)[2:]
		r := e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": email, "password": password, "username": name})
		r.expect(t, 201, "")
		for _, variant := range []string{fullwidth(name), strings.ToUpper(name), fullwidth(strings.ToUpper(name))} {
			e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": uniqEmail("un2"), "password": password, "username": variant}).
				expect(t, 409, "username_taken")
		}
		for _, tt := range []struct{ username, code string }{
			{name + "\u200b", "invalid_characters"},
			{"\u202e" + name, "invalid_characters"},
			{name[:3] + "\u0430", "invalid_username"}, // Cyrillic a: outside a-z after mapping
		} {
			r := e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": uniqEmail("un3"), "password": password, "username": tt.username})
			expectField(t, r, "username", tt.code)
			r = e.do(t, "POST", "/v1/auth/login", map[string]string{"username": tt.username, "password": password})
			if tt.code == "invalid_characters" {
				expectField(t, r, "username", tt.code)
			} else {
				r.expect(t, 401, "invalid_credentials")
			}
		}
	})
}

// TestControlCharacters: a control character in any string of a body, a path or
// a query is refused alike on every backend, naming the field, before a store sees
// it (where drivers used to answer 500 on one backend and 401 on another).
func TestControlCharacters(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		bodies := []struct {
			name, path, field string
			body              map[string]string
			offSpec           string // why the body breaks openapi.json beyond the control character, if it does
		}{
			{"login email", "/v1/auth/login", "email", map[string]string{"email": "ann\x00@example.com", "password": password}, ""},
			{"login username", "/v1/auth/login", "username", map[string]string{"username": "ann\x00", "password": password}, ""},
			{"login password", "/v1/auth/login", "password", map[string]string{"email": "ann@example.com", "password": password + "\x00"}, ""},
			{"sign-up name", "/v1/auth/signup", "name", map[string]string{"email": uniqEmail("cc"), "password": password, "name": "Ann\x00Lee"}, ""},
			{"sign-up mobile", "/v1/auth/signup", "mobile", map[string]string{"email": uniqEmail("cc"), "password": password, "mobile": "+1 555\x0012"}, "a control character breaks the mobile pattern"},
			{"sign-up tab in email", "/v1/auth/signup", "email", map[string]string{"email": "an\tn@example.com", "password": password}, ""},
			{"forgot DEL", "/v1/auth/password/forgot", "email", map[string]string{"email": "ann\x7f@example.com"}, ""},
			{"activation token", "/v1/auth/activate", "token", map[string]string{"token": "abc\x1b"}, "a control character breaks the token pattern"},
			{"refresh token", "/v1/auth/refresh", "refresh_token", map[string]string{"refresh_token": "\x00"}, "a control character breaks the refresh token pattern"},
		}
		for _, tt := range bodies {
			t.Run(tt.name, func(t *testing.T) {
				var opts []reqOption
				if tt.offSpec != "" {
					opts = append(opts, invalidRequest(tt.offSpec))
				}
				expectField(t, e.do(t, "POST", tt.path, tt.body, opts...), tt.field, "invalid_characters")
			})
		}

		t.Run("patch fields", func(t *testing.T) {
			email := uniqEmail("ccp")
			id := e.activeUser(t, email)
			tk := e.login(t, email)
			r := e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"name": "a\x00", "username": "b\x00b"}, bearer(tk.AccessToken))
			p := r.expect(t, 422, "validation_failed")
			if len(p.Errors) != 2 || p.Errors[0].Field != "name" || p.Errors[1].Field != "username" {
				t.Fatalf("errors = %+v, want name and username, in field order", p.Errors)
			}
		})

		t.Run("path and query", func(t *testing.T) {
			_, admin := e.admin(t)
			e.do(t, "GET", "/v1/users/%00", nil, bearer(admin.AccessToken)).expect(t, 404, "not_found")
			e.do(t, "POST", "/v1/users/a%1Fb/activate", nil, bearer(admin.AccessToken)).expect(t, 404, "not_found")
			e.do(t, "PATCH", "/v1/users/%00", map[string]string{"name": "x"}, bearer(admin.AccessToken)).expect(t, 404, "not_found")
			e.do(t, "GET", "/v1/users/%00", nil).expect(t, 404, "not_found")
			expectField(t, e.do(t, "GET", "/v1/users?cursor=%00", nil, bearer(admin.AccessToken), invalidRequest("a control character breaks the cursor pattern")), "cursor", "invalid_characters")
			expectField(t, e.do(t, "GET", "/v1/users?limit=1%0A", nil, bearer(admin.AccessToken), invalidRequest("limit is not an integer")), "limit", "invalid_characters")
		})
	})
}

// expectField fails unless r is 422 validation_failed with exactly one field error,
// under field with code.
func expectField(t *testing.T, r response, field, code string) {
	t.Helper()
	p := r.expect(t, 422, "validation_failed")
	if len(p.Errors) != 1 || p.Errors[0].Field != field || p.Errors[0].Code != code {
		t.Fatalf("errors = %+v, want one {%s %s}; body: %s", p.Errors, field, code, r.Body)
	}
}
