package httpapi_test

import (
	"net/url"
	"testing"

	"github.com/authd/authd/adapters/backendtest"
)

func TestUsers(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		adminID, adm := e.admin(t)

		t.Run("list pages through every user exactly once", func(t *testing.T) {
			want := map[string]bool{adminID: true}
			for range 7 {
				want[e.signUp(t, uniqEmail("page")).ID] = true
			}
			seen := map[string]int{}
			cursor, pages := "", 0
			for {
				path := "/v1/users?limit=3"
				if cursor != "" {
					path += "&cursor=" + url.QueryEscape(cursor)
				}
				r := e.do(t, "GET", path, nil, bearer(adm.AccessToken))
				r.expect(t, 200, "")
				var page struct {
					Users      []userJSON `json:"users"`
					NextCursor *string    `json:"next_cursor"`
				}
				r.decode(t, &page)
				if len(page.Users) > 3 {
					t.Fatalf("page of %d users, want at most 3", len(page.Users))
				}
				for _, u := range page.Users {
					seen[u.ID]++
				}
				pages++
				if page.NextCursor == nil {
					break
				}
				cursor = *page.NextCursor
				if pages > 100 {
					t.Fatal("pagination does not end")
				}
			}
			for id := range want {
				if seen[id] != 1 {
					t.Errorf("user %s seen %d times, want 1", id, seen[id])
				}
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("user %s seen %d times, want 1", id, n)
				}
			}
			e.do(t, "GET", "/v1/users?limit=zero", nil, bearer(adm.AccessToken), invalidRequest("a limit that is not an integer")).expect(t, 422, "validation_failed")
			e.do(t, "GET", "/v1/users?cursor=%25%25", nil, bearer(adm.AccessToken), invalidRequest("a cursor outside the base64url alphabet")).expect(t, 422, "validation_failed")
			// Well-formed base64 that names no id is no cursor either: 422, not an
			// empty page that looks like the end of the list.
			e.do(t, "GET", "/v1/users?cursor=enp6eg", nil, bearer(adm.AccessToken)).expect(t, 422, "validation_failed")
		})

		t.Run("a normal user reaches only their own record", func(t *testing.T) {
			email := uniqEmail("normal")
			id := e.activeUser(t, email)
			tk := e.login(t, email)
			e.do(t, "GET", "/v1/users", nil, bearer(tk.AccessToken)).expect(t, 403, "forbidden")
			e.do(t, "GET", "/v1/users/"+adminID, nil, bearer(tk.AccessToken)).expect(t, 403, "forbidden")
			e.do(t, "PATCH", "/v1/users/"+adminID, map[string]string{"name": "x"}, bearer(tk.AccessToken)).expect(t, 403, "forbidden")
			e.do(t, "DELETE", "/v1/users/"+adminID, nil, bearer(tk.AccessToken)).expect(t, 403, "forbidden")
			e.do(t, "POST", "/v1/users/"+adminID+"/activate", nil, bearer(tk.AccessToken)).expect(t, 403, "forbidden")
			e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"role": "admin"}, bearer(tk.AccessToken)).expect(t, 403, "forbidden")
			e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"status": "active"}, bearer(tk.AccessToken)).expect(t, 403, "forbidden")

			e.do(t, "GET", "/v1/users/"+id, nil, bearer(tk.AccessToken)).expect(t, 200, "")
			r := e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"name": "  Bea  ", "mobile": "+1 555 0100"}, bearer(tk.AccessToken))
			r.expect(t, 200, "")
			var b userBody
			r.decode(t, &b)
			if b.User.Name != "Bea" || b.User.Mobile != "+1 555 0100" || b.User.Role != "user" {
				t.Errorf("patched user = %+v, want name Bea, the mobile, role user", b.User)
			}
			// null is "leave alone", as the document says, even for the admin-only fields.
			r = e.do(t, "PATCH", "/v1/users/"+id, map[string]any{"name": nil, "mobile": "+1 555 0199", "role": nil, "status": nil},
				bearer(tk.AccessToken))
			r.expect(t, 200, "")
			r.decode(t, &b)
			if b.User.Name != "Bea" || b.User.Mobile != "+1 555 0199" || b.User.Role != "user" || b.User.Status != "active" {
				t.Errorf("patched user = %+v, want name Bea kept, the new mobile, role user and status active kept", b.User)
			}
			e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"mobile": "letters"}, bearer(tk.AccessToken), invalidRequest("a mobile outside its pattern")).expect(t, 422, "validation_failed")
		})

		t.Run("admin sets role and status; disabling revokes sessions", func(t *testing.T) {
			email := uniqEmail("managed")
			id := e.activeUser(t, email)
			tk := e.login(t, email)
			r := e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"role": "admin"}, bearer(adm.AccessToken))
			r.expect(t, 200, "")
			var b userBody
			r.decode(t, &b)
			if b.User.Role != "admin" {
				t.Errorf("role = %q, want admin", b.User.Role)
			}
			e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"role": "root"}, bearer(adm.AccessToken),
				invalidRequest("a role outside the enum")).expect(t, 422, "validation_failed")
			e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"status": "disabled"}, bearer(adm.AccessToken)).expect(t, 200, "")
			e.do(t, "GET", "/v1/auth/me", nil, bearer(tk.AccessToken)).expect(t, 401, "token_revoked")
			e.refresh(t, tk.RefreshToken).expect(t, 403, "account_disabled")
			e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password}).expect(t, 403, "account_disabled")
			e.do(t, "GET", "/v1/users/00000000-0000-7000-8000-000000000000", nil, bearer(adm.AccessToken)).expect(t, 404, "not_found")
		})

		t.Run("admin activate", func(t *testing.T) {
			email := uniqEmail("adminact")
			u := e.signUp(t, email)
			r := e.do(t, "POST", "/v1/users/"+u.ID+"/activate", nil, bearer(adm.AccessToken))
			r.expect(t, 200, "")
			var b userBody
			r.decode(t, &b)
			if b.User.Status != "active" || b.User.ActivatedAt == nil {
				t.Errorf("user = %+v, want active with activated_at", b.User)
			}
			e.login(t, email)
			// Again: an active account is returned as it is.
			e.do(t, "POST", "/v1/users/"+u.ID+"/activate", nil, bearer(adm.AccessToken)).expect(t, 200, "")
			// A disabled account stays disabled: "activate" is no back door around
			// the admin's explicit status change.
			e.do(t, "PATCH", "/v1/users/"+u.ID, map[string]string{"status": "disabled"}, bearer(adm.AccessToken)).expect(t, 200, "")
			e.do(t, "POST", "/v1/users/"+u.ID+"/activate", nil, bearer(adm.AccessToken)).expect(t, 409, "conflict")
			var after userBody
			r = e.do(t, "GET", "/v1/users/"+u.ID, nil, bearer(adm.AccessToken))
			r.expect(t, 200, "")
			r.decode(t, &after)
			if after.User.Status != "disabled" {
				t.Errorf("status after activating a disabled account = %q, want disabled", after.User.Status)
			}
		})

		t.Run("deleting needs a fresh admin token", func(t *testing.T) {
			email := uniqEmail("victim")
			id := e.activeUser(t, email)
			r := e.refresh(t, adm.RefreshToken)
			r.expect(t, 200, "")
			var stale tokens
			r.decode(t, &stale)
			r = e.do(t, "DELETE", "/v1/users/"+id, nil, bearer(stale.AccessToken))
			r.expect(t, 401, "fresh_token_required")
			if got := r.Header.Get("WWW-Authenticate"); got == "" {
				t.Errorf("fresh_token_required without a WWW-Authenticate challenge")
			}
			fresh := e.login(t, adm.User.Email)
			e.do(t, "DELETE", "/v1/users/"+id, nil, bearer(fresh.AccessToken)).expect(t, 204, "")
			e.do(t, "GET", "/v1/users/"+id, nil, bearer(fresh.AccessToken)).expect(t, 404, "not_found")
			e.do(t, "DELETE", "/v1/users/"+id, nil, bearer(fresh.AccessToken)).expect(t, 404, "not_found")
		})
	})
}
