package httpapi_test

import (
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	httpapi "github.com/authd/authd/adapters/http"
	"github.com/authd/authd/app"
)

// metricValue scrapes /metrics through the API and returns the value of the one
// series written exactly as series (name and labels in exposition order), or 0
// when it is absent.
func (e *env) metricValue(t testing.TB, series string) float64 {
	t.Helper()
	r := e.do(t, "GET", "/metrics", nil)
	r.expect(t, 200, "")
	for line := range strings.SplitSeq(string(r.Body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: value %q: %v", series, v, err)
			}
			return f
		}
	}
	return 0
}

// moves runs act and fails t unless each series grew by exactly its delta.
func (e *env) moves(t testing.TB, deltas map[string]float64, act func()) {
	t.Helper()
	before := map[string]float64{}
	for s := range deltas {
		before[s] = e.metricValue(t, s)
	}
	act()
	for s, want := range deltas {
		if got := e.metricValue(t, s) - before[s]; got != want {
			t.Errorf("%s moved by %v, want %v", s, got, want)
		}
	}
}

func TestMetrics(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		logs := &syncBuffer{}
		e := newEnvWith(t, backend, envSetup{
			config: func(c *app.Config) { c.LockoutThreshold = 1 }, // the second wrong password backs off
			options: []func(*httpapi.Options){func(o *httpapi.Options) {
				o.Logger = slog.New(slog.NewJSONHandler(logs, nil))
				o.RateLimits.Forgot = httpapi.Limit{Max: 1, Window: time.Minute}
			}},
		})
		requests := func(method, route, status string) string {
			return `authd_http_requests_total{method="` + method + `",route="` + route + `",status="` + status + `"}`
		}

		t.Run("refused requests keep their route, unmatched ones share one", func(t *testing.T) {
			e.moves(t, map[string]float64{
				requests("GET", "unmatched", "404"):       2,
				requests("PUT", "/v1/auth/me", "405"):     1,
				requests("POST", "/v1/auth/login", "415"): 1,
				requests("GET", "/v1/users/:id", "401"):   1,
			}, func() {
				e.do(t, "GET", "/v1/nothing/here", nil, invalidRequest("a path the document lacks")).expect(t, 404, "not_found")
				e.do(t, "GET", "/nothing-either", nil, invalidRequest("a path the document lacks")).expect(t, 404, "not_found")
				e.do(t, "PUT", "/v1/auth/me", nil, invalidRequest("a method the path does not answer")).expect(t, 405, "invalid_request")
				e.do(t, "POST", "/v1/auth/login", "a=b", header("Content-Type", "text/plain"), invalidRequest("a text/plain body")).
					expect(t, 415, "unsupported_media_type")
				e.do(t, "GET", "/v1/users/some-id", nil).expect(t, 401, "token_missing")
			})
			body := string(e.do(t, "GET", "/metrics", nil).Body)
			if strings.Contains(body, `route="/"`) || strings.Contains(body, "nothing") || strings.Contains(body, "some-id") {
				t.Errorf("metrics label a route \"/\" or a raw path:\n%s", grep(body, "authd_http_requests_total"))
			}
		})

		t.Run("a 413 is counted, logged and has a request id", func(t *testing.T) {
			e.moves(t, map[string]float64{requests("POST", "/v1/auth/signup", "413"): 1}, func() {
				r := served(t, e).postDeclaring(t, "/v1/auth/signup", httpapi.DefaultBodyLimit+1)
				r.expect(t, 413, "payload_too_large")
				id := r.Header.Get("X-Request-Id")
				if id == "" {
					t.Fatalf("413 has no X-Request-Id")
				}
				if line := grep(logs.String(), id); !strings.Contains(line, `"status":413`) || !strings.Contains(line, `"code":"payload_too_large"`) {
					t.Errorf("no request log line with the 413's id %s, status and code; logs:\n%s", id, logs.String())
				}
			})
		})

		email := uniqEmail("metrics")
		t.Run("mails by kind and result", func(t *testing.T) {
			e.moves(t, map[string]float64{
				`authd_mails_total{kind="activation",result="sent"}`:     1,
				`authd_mails_total{kind="password_reset",result="sent"}`: 1,
			}, func() {
				e.activeUser(t, email)
				e.do(t, "POST", "/v1/auth/password/forgot", map[string]string{"email": email}).expect(t, 202, "")
			})
		})

		t.Run("rate limits by limiter", func(t *testing.T) {
			e.moves(t, map[string]float64{
				`authd_rate_limited_total{limiter="ip",route="/v1/auth/password/forgot"}`: 1,
				`authd_rate_limited_total{limiter="identifier",route="/v1/auth/login"}`:   1,
				`authd_logins_total{outcome="invalid_credentials"}`:                       1,
				`authd_logins_total{outcome="rate_limited"}`:                              1,
				`authd_logins_total{outcome="validation_failed"}`:                         1,
			}, func() {
				// The forgot budget of 1 was spent by the mail test.
				e.do(t, "POST", "/v1/auth/password/forgot", map[string]string{"email": email}).expect(t, 429, "rate_limited")
				wrong := map[string]string{"email": "nobody-" + email, "password": "wrong password"}
				e.do(t, "POST", "/v1/auth/login", wrong).expect(t, 401, "invalid_credentials")
				e.do(t, "POST", "/v1/auth/login", wrong).expect(t, 429, "rate_limited")
				e.do(t, "POST", "/v1/auth/login", map[string]string{}, invalidRequest("no password")).expect(t, 422, "validation_failed")
			})
		})

		t.Run("logins, refreshes and revocations by outcome", func(t *testing.T) {
			var tk tokens
			e.moves(t, map[string]float64{`authd_logins_total{outcome="success"}`: 1}, func() { tk = e.login(t, email) })

			var next tokens
			e.moves(t, map[string]float64{
				`authd_refreshes_total{outcome="rotated"}`: 1,
				`authd_refreshes_total{outcome="grace"}`:   1,
			}, func() {
				r := e.refresh(t, tk.RefreshToken)
				r.expect(t, 200, "")
				r.decode(t, &next)
				e.refresh(t, tk.RefreshToken).expect(t, 200, "") // one step behind, within the grace
			})
			e.clock.Advance(time.Minute)
			e.moves(t, map[string]float64{
				`authd_refreshes_total{outcome="reused"}`:                1,
				`authd_refreshes_total{outcome="revoked"}`:               1,
				`authd_session_revocations_total{cause="refresh_reuse"}`: 1,
			}, func() {
				e.refresh(t, tk.RefreshToken).expect(t, 401, "refresh_token_reused")
				e.refresh(t, next.RefreshToken).expect(t, 401, "token_revoked")
			})

			e.moves(t, map[string]float64{
				`authd_session_revocations_total{cause="logout"}`:          1,
				`authd_session_revocations_total{cause="logout_all"}`:      1,
				`authd_session_revocations_total{cause="password_change"}`: 1,
				`authd_logins_total{outcome="success"}`:                    3,
			}, func() {
				a := e.login(t, email)
				e.do(t, "POST", "/v1/auth/logout", nil, bearer(a.AccessToken)).expect(t, 204, "")
				a = e.login(t, email)
				e.do(t, "POST", "/v1/auth/password", map[string]string{"current_password": password, "new_password": password + "!"},
					bearer(a.AccessToken)).expect(t, 204, "")
				a = e.loginWith(t, email, password+"!")
				e.do(t, "POST", "/v1/auth/logout", map[string]string{"scope": "all"}, bearer(a.AccessToken)).expect(t, 204, "")
				// A refused request revokes nothing and counts nothing.
				e.do(t, "POST", "/v1/auth/logout", nil, bearer(a.AccessToken)).expect(t, 401, "token_revoked")
			})
		})
	})
}

// grep returns the lines of s that contain substr.
func grep(s, substr string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
