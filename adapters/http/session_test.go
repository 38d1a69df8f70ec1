package httpapi_test

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
)

func TestRefreshAndLogout(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)

		t.Run("rotation via body and via header", func(t *testing.T) {
			email := uniqEmail("rot")
			e.activeUser(t, email)
			first := e.login(t, email)
			r := e.refresh(t, first.RefreshToken)
			r.expect(t, 200, "")
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("refresh Cache-Control = %q, want no-store", r.Header.Get("Cache-Control"))
			}
			var second tokens
			r.decode(t, &second)
			if second.RefreshToken == first.RefreshToken || second.AccessToken == "" {
				t.Fatalf("refresh returned the same refresh token %q", second.RefreshToken)
			}
			r = e.do(t, "POST", "/v1/auth/refresh", nil, bearer(second.RefreshToken))
			r.expect(t, 200, "")
			var third tokens
			r.decode(t, &third)
			if third.RefreshToken == second.RefreshToken {
				t.Errorf("header refresh did not rotate")
			}
			e.do(t, "GET", "/v1/auth/me", nil, bearer(third.AccessToken)).expect(t, 200, "")
			e.do(t, "POST", "/v1/auth/refresh", nil).expect(t, 401, "token_missing")
			e.do(t, "POST", "/v1/auth/refresh", map[string]string{"refresh_token": "garbage"}).expect(t, 401, "token_invalid")
		})

		t.Run("concurrent refreshes with one token rotate once", func(t *testing.T) {
			email := uniqEmail("race")
			e.activeUser(t, email)
			tk := e.login(t, email)
			const n = 8
			got := make([]string, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := e.refresh(t, tk.RefreshToken)
					if r.Status != 200 {
						t.Errorf("refresh %d: status %d, body %s", i, r.Status, r.Body)
						return
					}
					var out tokens
					if err := json.Unmarshal(r.Body, &out); err != nil {
						t.Errorf("refresh %d: %v", i, err)
					}
					got[i] = out.RefreshToken
				}()
			}
			wg.Wait()
			for i := range got {
				if got[i] != got[0] || got[i] == tk.RefreshToken {
					t.Fatalf("refresh tokens = %q, want one new token for all", got)
				}
			}
			// Exactly one rotation: the shared new token rotates once more.
			e.refresh(t, got[0]).expect(t, 200, "")
		})

		t.Run("reuse after the grace revokes the session", func(t *testing.T) {
			email := uniqEmail("reuse")
			e.activeUser(t, email)
			tk := e.login(t, email)
			e.refresh(t, tk.RefreshToken).expect(t, 200, "")
			e.refresh(t, tk.RefreshToken).expect(t, 200, "") // within the grace: a client race
			e.clock.Advance(11 * time.Second)
			e.refresh(t, tk.RefreshToken).expect(t, 401, "refresh_token_reused")
			e.do(t, "GET", "/v1/auth/me", nil, bearer(tk.AccessToken)).expect(t, 401, "token_revoked")
		})

		t.Run("logout scopes take effect at once", func(t *testing.T) {
			email := uniqEmail("logout")
			e.activeUser(t, email)
			a, b, c := e.login(t, email), e.login(t, email), e.login(t, email)

			e.do(t, "POST", "/v1/auth/logout", nil, bearer(a.AccessToken)).expect(t, 204, "")
			e.do(t, "GET", "/v1/auth/me", nil, bearer(a.AccessToken)).expect(t, 401, "token_revoked")
			e.refresh(t, a.RefreshToken).expect(t, 401, "token_revoked")
			e.do(t, "GET", "/v1/auth/me", nil, bearer(b.AccessToken)).expect(t, 200, "")

			e.do(t, "POST", "/v1/auth/logout", map[string]string{"scope": "others"}, bearer(b.AccessToken)).expect(t, 204, "")
			e.do(t, "GET", "/v1/auth/me", nil, bearer(c.AccessToken)).expect(t, 401, "token_revoked")
			e.do(t, "GET", "/v1/auth/me", nil, bearer(b.AccessToken)).expect(t, 200, "")

			d := e.login(t, email)
			e.do(t, "POST", "/v1/auth/logout", map[string]string{"scope": "nonsense"}, bearer(d.AccessToken),
				invalidRequest("a scope outside the enum")).expect(t, 422, "validation_failed")
			e.do(t, "POST", "/v1/auth/logout", map[string]string{"scope": "all"}, bearer(d.AccessToken)).expect(t, 204, "")
			for _, tk := range []tokens{b, d} {
				e.do(t, "GET", "/v1/auth/me", nil, bearer(tk.AccessToken)).expect(t, 401, "token_revoked")
			}
		})

		t.Run("access token checks", func(t *testing.T) {
			e.do(t, "GET", "/v1/auth/me", nil).expect(t, 401, "token_missing")
			r := e.do(t, "GET", "/v1/auth/me", nil, header("Authorization", "Basic Zm9vOmJhcg=="))
			r.expect(t, 401, "token_missing")
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			e.do(t, "GET", "/v1/auth/me", nil, bearer("not.a.jwt")).expect(t, 401, "token_invalid")
			email := uniqEmail("exp")
			e.activeUser(t, email)
			tk := e.login(t, email)
			r = e.do(t, "GET", "/v1/auth/me", nil, header("Authorization", "bearer "+tk.AccessToken))
			r.expect(t, 200, "")
			var me userBody
			r.decode(t, &me)
			if me.User.Email != email {
				t.Errorf("me = %s, want %s", me.User.Email, email)
			}
			e.clock.Advance(16 * time.Minute)
			e.do(t, "GET", "/v1/auth/me", nil, bearer(tk.AccessToken)).expect(t, 401, "token_expired")
		})
	})
}

func TestPasswordsAndDeletion(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)

		t.Run("change password keeps only the caller's session", func(t *testing.T) {
			email := uniqEmail("chpw")
			e.activeUser(t, email)
			mine, other := e.login(t, email), e.login(t, email)
			e.do(t, "POST", "/v1/auth/password", map[string]string{"current_password": "wrong one!", "new_password": "another good one"},
				bearer(mine.AccessToken)).expect(t, 401, "invalid_credentials")
			e.do(t, "POST", "/v1/auth/password", map[string]string{"current_password": password, "new_password": "short"},
				bearer(mine.AccessToken), invalidRequest("a new password under the minimum length")).expect(t, 422, "validation_failed")
			e.do(t, "POST", "/v1/auth/password", map[string]string{"current_password": password, "new_password": "another good one"},
				bearer(mine.AccessToken)).expect(t, 204, "")
			e.do(t, "GET", "/v1/auth/me", nil, bearer(mine.AccessToken)).expect(t, 200, "")
			e.do(t, "GET", "/v1/auth/me", nil, bearer(other.AccessToken)).expect(t, 401, "token_revoked")
			e.refresh(t, other.RefreshToken).expect(t, 401, "token_revoked")
			e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password}).expect(t, 401, "invalid_credentials")
			e.loginWith(t, email, "another good one")
		})

		t.Run("forgot and reset", func(t *testing.T) {
			email := uniqEmail("reset")
			e.activeUser(t, email)
			s1, s2 := e.login(t, email), e.login(t, email)
			e.do(t, "POST", "/v1/auth/password/forgot", map[string]string{"email": uniqEmail("ghost")}).expect(t, 202, "")
			e.do(t, "POST", "/v1/auth/password/forgot", map[string]string{"email": email}).expect(t, 202, "")
			token := e.mail.resetFor(email)
			if token == "" {
				t.Fatal("no reset mail")
			}
			// A refused password leaves the token usable.
			e.do(t, "POST", "/v1/auth/password/reset", map[string]string{"token": token, "new_password": "short"},
				invalidRequest("a new password under the minimum length")).expect(t, 422, "validation_failed")
			e.do(t, "POST", "/v1/auth/password/reset", map[string]string{"token": token, "new_password": "brand new secret"}).expect(t, 204, "")
			for _, s := range []tokens{s1, s2} {
				e.do(t, "GET", "/v1/auth/me", nil, bearer(s.AccessToken)).expect(t, 401, "token_revoked")
			}
			e.do(t, "POST", "/v1/auth/password/reset", map[string]string{"token": token, "new_password": "yet another one"}).expect(t, 401, "token_invalid")
			e.loginWith(t, email, "brand new secret")

			e.do(t, "POST", "/v1/auth/password/forgot", map[string]string{"email": email}).expect(t, 202, "")
			e.clock.Advance(61 * time.Minute)
			e.do(t, "POST", "/v1/auth/password/reset", map[string]string{"token": e.mail.resetFor(email), "new_password": "too late now"}).expect(t, 401, "token_expired")
		})

		t.Run("delete account", func(t *testing.T) {
			email := uniqEmail("del")
			e.activeUser(t, email)
			tk := e.login(t, email)
			e.do(t, "DELETE", "/v1/auth/me", map[string]string{"password": "wrong password"}, bearer(tk.AccessToken)).expect(t, 401, "invalid_credentials")
			e.do(t, "DELETE", "/v1/auth/me", map[string]string{}, bearer(tk.AccessToken), invalidRequest("no password")).expect(t, 422, "validation_failed")
			e.do(t, "DELETE", "/v1/auth/me", map[string]string{"password": password}, bearer(tk.AccessToken)).expect(t, 204, "")
			e.do(t, "GET", "/v1/auth/me", nil, bearer(tk.AccessToken)).expect(t, 401, "token_revoked")
			e.refresh(t, tk.RefreshToken).expect(t, 401, "token_revoked")
			e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password}).expect(t, 401, "invalid_credentials")
			e.signUp(t, email) // the address is free again
		})
	})
}
