package httpapi_test

import (
	"testing"

	"github.com/authd/authd/adapters/backendtest"
)

// TestAccountStatusCountsAtOnce: this service judges an access token by the account
// as it is now, not as it was when the token was minted.
func TestAccountStatusCountsAtOnce(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		_, adm := e.admin(t)
		email := uniqEmail("status")
		id := e.activeUser(t, email)
		tk := e.login(t, email)

		// Set back to pending (activation required): the existing token stops working
		// with account_not_active; the session itself was not revoked.
		e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"status": "pending"}, bearer(adm.AccessToken)).expect(t, 200, "")
		e.do(t, "GET", "/v1/auth/me", nil, bearer(tk.AccessToken)).expect(t, 403, "account_not_active")
		e.do(t, "POST", "/v1/auth/logout", nil, bearer(tk.AccessToken)).expect(t, 403, "account_not_active")
		e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"status": "active"}, bearer(adm.AccessToken)).expect(t, 200, "")
		e.do(t, "GET", "/v1/auth/me", nil, bearer(tk.AccessToken)).expect(t, 200, "")

		// Promoted: the same token reaches admin endpoints at once; demoted: it no
		// longer does, although it still says "admin" inside.
		e.do(t, "GET", "/v1/users", nil, bearer(tk.AccessToken)).expect(t, 403, "forbidden")
		e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"role": "admin"}, bearer(adm.AccessToken)).expect(t, 200, "")
		e.do(t, "GET", "/v1/users", nil, bearer(tk.AccessToken)).expect(t, 200, "")
		promoted := e.login(t, email)
		e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"role": "user"}, bearer(adm.AccessToken)).expect(t, 200, "")
		e.do(t, "GET", "/v1/users", nil, bearer(promoted.AccessToken)).expect(t, 403, "forbidden")
	})
}
