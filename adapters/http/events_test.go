package httpapi_test

import (
	"net/url"
	"slices"
	"testing"

	"github.com/authd/authd/adapters/backendtest"
)

type sessionJSON struct {
	ID         string   `json:"id"`
	CreatedAt  string   `json:"created_at"`
	LastUsedAt string   `json:"last_used_at"`
	IP         string   `json:"ip"`
	UserAgent  string   `json:"user_agent"`
	AAL        string   `json:"aal"`
	AMR        []string `json:"amr"`
	Current    bool     `json:"current"`
}

type eventJSON struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	UserID    *string        `json:"user_id"`
	ActorID   *string        `json:"actor_id"`
	SessionID *string        `json:"session_id"`
	IP        string         `json:"ip"`
	UserAgent string         `json:"user_agent"`
	Data      map[string]any `json:"data"`
}

type eventPage struct {
	Events     []eventJSON `json:"events"`
	NextCursor *string     `json:"next_cursor"`
}

func (e *env) sessions(t *testing.T, access string) []sessionJSON {
	t.Helper()
	var body struct {
		Sessions []sessionJSON `json:"sessions"`
	}
	r := e.do(t, "GET", "/v1/auth/sessions", nil, bearer(access))
	r.expect(t, 200, "")
	r.decode(t, &body)
	return body.Sessions
}

func (e *env) events(t *testing.T, path, access string) eventPage {
	t.Helper()
	var p eventPage
	r := e.do(t, "GET", path, nil, bearer(access))
	r.expect(t, 200, "")
	r.decode(t, &p)
	return p
}

func types(p eventPage) []string {
	out := make([]string, len(p.Events))
	for i, ev := range p.Events {
		out[i] = ev.Type
	}
	return out
}

func TestYourDevices(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		email := uniqEmail("devices")
		e.activeUser(t, email)
		login := func(ua string) tokens {
			var tk tokens
			r := e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password}, header("User-Agent", ua))
			r.expect(t, 200, "")
			r.decode(t, &tk)
			return tk
		}
		laptop, phone := login("Laptop/1.0"), login("Phone/2.0")
		got := e.sessions(t, laptop.AccessToken)
		if len(got) != 2 {
			t.Fatalf("sessions = %+v, want 2", got)
		}
		var phoneID string
		for _, s := range got {
			if s.AAL != "aal1" || !slices.Equal(s.AMR, []string{"pwd"}) {
				t.Errorf("session %s: aal %q amr %v, want aal1 [pwd]", s.ID, s.AAL, s.AMR)
			}
			switch s.UserAgent {
			case "Laptop/1.0":
				if !s.Current {
					t.Errorf("the laptop's own session is not marked current")
				}
			case "Phone/2.0":
				phoneID = s.ID
				if s.Current {
					t.Errorf("the phone's session is marked current for the laptop")
				}
			default:
				t.Errorf("session with user agent %q, want Laptop/1.0 or Phone/2.0", s.UserAgent)
			}
		}

		// Another account cannot see or end them.
		other := uniqEmail("devices-other")
		e.activeUser(t, other)
		stranger := e.login(t, other)
		e.do(t, "DELETE", "/v1/auth/sessions/"+phoneID, nil, bearer(stranger.AccessToken)).expect(t, 404, "not_found")
		e.do(t, "DELETE", "/v1/auth/sessions/not-a-uuid", nil, bearer(laptop.AccessToken)).expect(t, 404, "not_found")
		e.refresh(t, phone.RefreshToken).expect(t, 200, "")

		// The owner ends the phone's session: its refresh token dies at once.
		e.do(t, "DELETE", "/v1/auth/sessions/"+phoneID, nil, bearer(laptop.AccessToken)).expect(t, 204, "")
		e.do(t, "DELETE", "/v1/auth/sessions/"+phoneID, nil, bearer(laptop.AccessToken)).expect(t, 404, "not_found")
		if left := e.sessions(t, laptop.AccessToken); len(left) != 1 || !left[0].Current {
			t.Errorf("sessions after ending the phone's = %+v, want only the current one", left)
		}
		mine := e.events(t, "/v1/auth/events?limit=1", laptop.AccessToken)
		if len(mine.Events) != 1 || mine.Events[0].Type != "session.revoked" || mine.Events[0].Data["reason"] != "revoked_by_user" ||
			mine.Events[0].SessionID == nil || *mine.Events[0].SessionID != phoneID {
			t.Errorf("latest event = %+v, want session.revoked (revoked_by_user) of %s", mine.Events, phoneID)
		}
	})
}

func TestAuditLog(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		adminID, adm := e.admin(t)
		email := uniqEmail("audited")
		id := e.activeUser(t, email)
		e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": "wrong password!"},
			header("User-Agent", "Guesser/0.1")).expect(t, 401, "invalid_credentials")
		tk := e.login(t, email)
		e.do(t, "POST", "/v1/auth/logout", map[string]string{"scope": "others"}, bearer(tk.AccessToken)).expect(t, 204, "")

		want := []string{"session.revoked", "login.succeeded", "login.failed", "user.activated", "user.created"}
		mine := e.events(t, "/v1/auth/events", tk.AccessToken)
		if !slices.Equal(types(mine), want) {
			t.Fatalf("own events = %v, want %v", types(mine), want)
		}
		failed := mine.Events[2]
		if failed.UserAgent != "Guesser/0.1" || failed.Data["reason"] != "invalid_credentials" || failed.UserID == nil || *failed.UserID != id {
			t.Errorf("login.failed = %+v, want the guesser's user agent, reason invalid_credentials, user %s", failed, id)
		}

		// Paging: one at a time, newest first, until next_cursor is null.
		var paged []string
		path := "/v1/audit-events?limit=1&user_id=" + id
		for range 10 {
			p := e.events(t, path, adm.AccessToken)
			paged = append(paged, types(p)...)
			if p.NextCursor == nil {
				break
			}
			path = "/v1/audit-events?limit=1&user_id=" + id + "&cursor=" + *p.NextCursor
		}
		if !slices.Equal(paged, want) {
			t.Errorf("paged audit events = %v, want %v", paged, want)
		}
		logins := e.events(t, "/v1/audit-events?type=login.&user_id="+id, adm.AccessToken)
		if !slices.Equal(types(logins), []string{"login.succeeded", "login.failed"}) {
			t.Errorf("type=login. = %v, want login.succeeded, login.failed", types(logins))
		}
		if got := e.events(t, "/v1/audit-events?since="+url.QueryEscape("2999-01-01T00:00:00Z"), adm.AccessToken); len(got.Events) != 0 {
			t.Errorf("since the year 2999 = %v, want none", types(got))
		}
		admins := e.events(t, "/v1/audit-events?type=login.succeeded&user_id="+adminID, adm.AccessToken)
		if len(admins.Events) != 1 {
			t.Errorf("the admin's own login events = %v, want one", types(admins))
		}

		e.do(t, "GET", "/v1/audit-events", nil, bearer(tk.AccessToken)).expect(t, 403, "forbidden")
		e.do(t, "GET", "/v1/audit-events?type=nope", nil, bearer(adm.AccessToken)).expect(t, 422, "validation_failed")
		e.do(t, "GET", "/v1/audit-events?type=user.created", nil, bearer(adm.AccessToken)).expect(t, 200, "")
		e.do(t, "GET", "/v1/audit-events?since=yesterday", nil, bearer(adm.AccessToken),
			invalidRequest("since is not RFC 3339")).expect(t, 422, "validation_failed")
		e.do(t, "GET", "/v1/auth/events?cursor=bm90LWFuLWlk", nil, bearer(tk.AccessToken)).expect(t, 422, "validation_failed")
		e.do(t, "GET", "/v1/auth/events", nil).expect(t, 401, "token_missing")
	})
}
