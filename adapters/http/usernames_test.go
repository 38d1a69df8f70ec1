package httpapi_test

import (
	"strings"
	"testing"

	"github.com/authd/authd/adapters/backendtest"
)

// TestUsernames covers a username's life: taken on update is 409, case does not
// make a second one, and deleting the account frees it for a new sign-up.
func TestUsernames(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		first, second := uniqEmail("un1"), uniqEmail("un2")
		// A valid username unique to this run: the e-mail's letters and digits.
		name := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, first)[:16]

		r := e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": first, "password": password, "username": name})
		r.expect(t, 201, "")
		e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": e.mail.activationFor(first)}).expect(t, 200, "")
		id2 := e.activeUser(t, second)
		tk2 := e.login(t, second)

		// Taking the first user's name, in any case, is a conflict and changes nothing.
		e.do(t, "PATCH", "/v1/users/"+id2, map[string]string{"username": strings.ToUpper(name)}, bearer(tk2.AccessToken)).
			expect(t, 409, "username_taken")
		var b userBody
		r = e.do(t, "GET", "/v1/auth/me", nil, bearer(tk2.AccessToken))
		r.expect(t, 200, "")
		r.decode(t, &b)
		if b.User.Username != "" {
			t.Fatalf("after a refused update username = %q, want it unchanged (empty)", b.User.Username)
		}
		r = e.do(t, "PATCH", "/v1/users/"+id2, map[string]string{"username": "Free." + name[:8]}, bearer(tk2.AccessToken))
		r.expect(t, 200, "")
		r.decode(t, &b)
		if want := "free." + name[:8]; b.User.Username != want {
			t.Fatalf("username = %q, want the normalised %q", b.User.Username, want)
		}
		e.do(t, "PATCH", "/v1/users/"+id2, map[string]string{"username": "no spaces allowed"}, bearer(tk2.AccessToken)).
			expect(t, 422, "validation_failed")

		// Deleting the first account frees its e-mail and its username.
		tk1 := e.loginWith(t, first, password)
		e.do(t, "DELETE", "/v1/auth/me", map[string]string{"password": password}, bearer(tk1.AccessToken)).expect(t, 204, "")
		e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": first, "password": password, "username": name}).
			expect(t, 201, "")
	})
}
