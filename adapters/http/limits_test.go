package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	httpapi "github.com/authd/authd/adapters/http"
)

// emailOfLength returns a valid, unique ASCII address of exactly n bytes (n >= 80).
func emailOfLength(t *testing.T, n int) string {
	t.Helper()
	local := strings.ReplaceAll(strings.TrimSuffix(uniqEmail("lim"), "@example.com"), "-", "")
	local += strings.Repeat("a", 64-len(local))
	host := ".example.com"
	rest := n - len(local) - 1 - len(host)
	var labels []string
	for rest > 0 {
		l := min(rest, 60)
		if rest-l == 1 { // a label needs a character after its dot
			l--
		}
		labels = append(labels, strings.Repeat("b", l))
		rest -= l + 1
	}
	e := local + "@" + strings.Join(labels, ".") + host
	if len(e) != n {
		t.Fatalf("emailOfLength(%d) built %d bytes", n, len(e))
	}
	return e
}

// TestDocumentedLimits checks each limit openapi.json states on the sign-up fields
// and on listUsers' limit against the server: a value at the limit is accepted and
// one past it refused. The harness checks the document's side: the value at the
// limit must match it, the one past it must not (invalidRequest).
func TestDocumentedLimits(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)
		signUp := func(fields map[string]string, opts ...reqOption) response {
			body := map[string]string{"email": uniqEmail("limits"), "password": password}
			for k, v := range fields {
				body[k] = v
			}
			return e.do(t, "POST", "/v1/auth/signup", body, opts...)
		}
		username := func(n int) string { return "u" + strings.Repeat("x", n-2) + "1" }
		cases := []struct {
			field     string
			at, past  string
			pastCode  string
			pastWhy   string
			beforeMin string // one below a minimum, when the field has one
		}{
			{field: "email", at: emailOfLength(t, 254), past: emailOfLength(t, 255), pastCode: "too_long"},
			{field: "password", at: strings.Repeat("é", 128), past: strings.Repeat("é", 129), pastCode: "too_long",
				beforeMin: strings.Repeat("é", 7)},
			{field: "username", at: username(32), past: username(33), pastCode: "invalid_username"},
			{field: "name", at: strings.Repeat("Ä", 100), past: strings.Repeat("Ä", 101), pastCode: "too_long"},
			{field: "mobile", at: "+" + strings.Repeat("1", 20), past: "+" + strings.Repeat("1", 21), pastCode: "invalid_mobile"},
		}
		for _, c := range cases {
			t.Run(c.field, func(t *testing.T) {
				signUp(map[string]string{c.field: c.at}).expect(t, 201, "")
				expectField(t, signUp(map[string]string{c.field: c.past}, invalidRequest(c.field+" one past its documented limit")), c.field, c.pastCode)
				if c.beforeMin != "" {
					expectField(t, signUp(map[string]string{c.field: c.beforeMin}, invalidRequest(c.field+" one below its documented minimum")), c.field, "too_short")
				}
			})
		}
		t.Run("limit", func(t *testing.T) {
			_, adm := e.admin(t)
			e.do(t, "GET", "/v1/users?limit=100", nil, bearer(adm.AccessToken)).expect(t, 200, "")
			e.do(t, "GET", "/v1/users?limit=1", nil, bearer(adm.AccessToken)).expect(t, 200, "")
			expectField(t, e.do(t, "GET", "/v1/users?limit=101", nil, bearer(adm.AccessToken), invalidRequest("limit above its documented maximum")), "limit", "invalid")
			expectField(t, e.do(t, "GET", "/v1/users?limit=0", nil, bearer(adm.AccessToken), invalidRequest("limit below its documented minimum")), "limit", "invalid")
		})
	})
}

// TestCORSExposesRateLimitHeaders checks that a cross-origin response of a
// rate-limited operation carries the limiter's headers and lets a browser script
// read them and Retry-After (Access-Control-Expose-Headers).
func TestCORSExposesRateLimitHeaders(t *testing.T) {
	e := newEnv(t, "sqlite", func(o *httpapi.Options) {
		o.CORSOrigins = []string{"https://app.example.com"}
		o.RateLimits = httpapi.RateLimits{Login: httpapi.Limit{Max: 5, Window: time.Minute}}
	})
	email := uniqEmail("cors")
	e.activeUser(t, email)
	r := e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password},
		header("Origin", "https://app.example.com"))
	r.expect(t, 200, "")
	if got := r.Header.Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
		t.Fatalf("Access-Control-Allow-Origin = %q, want https://app.example.com", got)
	}
	exposed := map[string]bool{}
	for _, h := range strings.Split(r.Header.Get("Access-Control-Expose-Headers"), ",") {
		exposed[http.CanonicalHeaderKey(strings.TrimSpace(h))] = true
	}
	for _, h := range []string{"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset", "Retry-After"} {
		if !exposed[h] {
			t.Errorf("Access-Control-Expose-Headers = %q, want it to name %s", r.Header.Get("Access-Control-Expose-Headers"), h)
		}
		if h != "Retry-After" && r.Header.Get(h) == "" {
			t.Errorf("the response has no %s header, want the limiter's", h)
		}
	}
}
