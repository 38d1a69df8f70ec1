package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	httpapi "github.com/authd/authd/adapters/http"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestProtocol(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		logs := &syncBuffer{}
		e := newEnv(t, backend, func(o *httpapi.Options) {
			o.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		})

		t.Run("malformed JSON is invalid_request", func(t *testing.T) {
			for _, body := range []string{`{"email":`, `{"email":"a"} {"x":1}`, `[1,2]`, `"text"`} {
				e.do(t, "POST", "/v1/auth/signup", body, invalidRequest("malformed JSON or not an object")).expect(t, 400, "invalid_request")
			}
		})

		t.Run("a wrong JSON type names the field", func(t *testing.T) {
			p := e.do(t, "POST", "/v1/auth/signup", `{"email":5,"password":"long enough"}`, invalidRequest("a number for a string")).expect(t, 422, "validation_failed")
			if len(p.Errors) != 1 || p.Errors[0].Field != "email" || p.Errors[0].Code != "invalid_type" {
				t.Errorf("errors = %+v, want one invalid_type error on email", p.Errors)
			}
		})

		t.Run("a body that is not JSON is 415", func(t *testing.T) {
			e.do(t, "POST", "/v1/auth/login", "email=a&password=b", header("Content-Type", "application/x-www-form-urlencoded"),
				invalidRequest("a form body")).
				expect(t, 415, "unsupported_media_type")
			e.do(t, "POST", "/v1/auth/login", `{"email":"a@b.io","password":"x"}`, header("Content-Type", "text/plain"),
				invalidRequest("a text/plain body")).
				expect(t, 415, "unsupported_media_type")
			// A structured +json type is JSON.
			e.do(t, "POST", "/v1/auth/login", `{}`, header("Content-Type", "application/merge-patch+json"),
				invalidRequest("a +json media type the document does not list, and no password")).
				expect(t, 422, "validation_failed")
		})

		t.Run("a body over the limit is 413", func(t *testing.T) {
			// fasthttp refuses the body before Fiber runs; app.Test reports that as
			// an error, so this exchange goes over a real socket.
			served(t, e).postDeclaring(t, "/v1/auth/signup", httpapi.DefaultBodyLimit+1).expect(t, 413, "payload_too_large")
		})

		t.Run("unknown route and wrong method", func(t *testing.T) {
			e.do(t, "GET", "/v1/nothing/here", nil, invalidRequest("a path the document lacks")).expect(t, 404, "not_found")
			r := e.do(t, "PUT", "/v1/auth/me", nil, invalidRequest("a method the path does not answer"))
			r.expect(t, 405, "invalid_request")
			if got, want := r.Header.Get("Allow"), "DELETE, GET, PATCH"; got != want {
				t.Errorf("Allow = %q, want %q", got, want)
			}
		})

		t.Run("CORS", func(t *testing.T) {
			r := e.do(t, "OPTIONS", "/v1/auth/login", nil, header("Origin", "https://app.example"),
				header("Access-Control-Request-Method", "POST"), header("Access-Control-Request-Headers", "content-type,authorization"))
			if r.Status != 204 || r.Header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("preflight: status %d, Allow-Origin %q; want 204 and *", r.Status, r.Header.Get("Access-Control-Allow-Origin"))
			}
			if got := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers")); !strings.Contains(got, "authorization") {
				t.Errorf("Access-Control-Allow-Headers = %q, want authorization in it", got)
			}
			r = e.do(t, "GET", "/healthz", nil, header("Origin", "https://app.example"))
			if got := r.Header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "Retry-After") {
				t.Errorf("Access-Control-Expose-Headers = %q, want Retry-After in it", got)
			}
		})

		t.Run("request id", func(t *testing.T) {
			r := e.do(t, "GET", "/healthz", nil, header("X-Request-ID", "abc-123"))
			if got := r.Header.Get("X-Request-ID"); got != "abc-123" {
				t.Errorf("X-Request-ID = %q, want the client's abc-123", got)
			}
			r = e.do(t, "GET", "/healthz", nil, header("X-Request-ID", "bad id\twith spaces"))
			if got := r.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, " ") {
				t.Errorf("X-Request-ID = %q, want a generated id", got)
			}
		})

		t.Run("logs carry no secrets", func(t *testing.T) {
			email := uniqEmail("logs")
			e.activeUser(t, email)
			tk := e.login(t, email)
			e.do(t, "GET", "/v1/auth/me", nil, bearer(tk.AccessToken)).expect(t, 200, "")
			e.refresh(t, tk.RefreshToken).expect(t, 200, "")
			out := logs.String()
			if !strings.Contains(out, `"route":"/v1/auth/me"`) {
				t.Errorf("no request log line with the route template; logs:\n%s", out)
			}
			for name, secret := range map[string]string{"password": password, "access token": tk.AccessToken, "refresh token": tk.RefreshToken} {
				if strings.Contains(out, secret) {
					t.Errorf("the %s reached the log", name)
				}
			}
		})

		t.Run("a panic is a 500 internal without internals", func(t *testing.T) {
			panicLogs := &syncBuffer{}
			pe := newEnv(t, backend, func(o *httpapi.Options) {
				o.Logger = slog.New(slog.NewJSONHandler(panicLogs, nil))
				o.Ready = func(context.Context) error { panic("secret internals") }
			})
			r := pe.do(t, "GET", "/readyz", nil)
			r.expect(t, 500, "internal")
			if strings.Contains(string(r.Body), "secret") {
				t.Errorf("500 body discloses the panic: %s", r.Body)
			}
			if !strings.Contains(panicLogs.String(), "secret internals") {
				t.Errorf("the panic was not logged; logs:\n%s", panicLogs.String())
			}
		})
	})
}

func TestRateLimits(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		limits := func(o *httpapi.Options) {
			o.RateLimits = httpapi.RateLimits{Login: httpapi.Limit{Max: 2, Window: time.Minute}}
		}
		login := map[string]string{"email": "nobody@example.com", "password": "whatever1"}

		t.Run("X-Forwarded-For is ignored from an untrusted peer", func(t *testing.T) {
			e := newEnv(t, backend, limits)
			e.do(t, "POST", "/v1/auth/login", login, header("X-Forwarded-For", "203.0.113.1")).expect(t, 401, "invalid_credentials")
			e.do(t, "POST", "/v1/auth/login", login, header("X-Forwarded-For", "203.0.113.2")).expect(t, 401, "invalid_credentials")
			r := e.do(t, "POST", "/v1/auth/login", login, header("X-Forwarded-For", "203.0.113.3"))
			r.expect(t, 429, "rate_limited")
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
				t.Errorf("Retry-After = %q, want 1..60 seconds", r.Header.Get("Retry-After"))
			}
			// Other endpoints have their own budgets (off here).
			e.do(t, "POST", "/v1/auth/password/forgot", map[string]string{"email": "nobody@example.com"}).expect(t, 202, "")
		})

		t.Run("X-Forwarded-For is believed from a trusted proxy", func(t *testing.T) {
			// app.Test connections come from 0.0.0.0.
			e := newEnv(t, backend, limits, func(o *httpapi.Options) { o.TrustedProxies = []string{"0.0.0.0"} })
			for range 2 {
				e.do(t, "POST", "/v1/auth/login", login, header("X-Forwarded-For", "203.0.113.1")).expect(t, 401, "invalid_credentials")
			}
			e.do(t, "POST", "/v1/auth/login", login, header("X-Forwarded-For", "203.0.113.2")).expect(t, 401, "invalid_credentials")
			e.do(t, "POST", "/v1/auth/login", login, header("X-Forwarded-For", "203.0.113.1")).expect(t, 429, "rate_limited")
		})

		t.Run("a client cannot pick its bucket by prepending to X-Forwarded-For", func(t *testing.T) {
			// The trusted proxy appends the peer it saw (203.0.113.7), behind an inner
			// proxy in 10.0.0.0/8; what the client wrote on the left is ignored.
			e := newEnv(t, backend, limits, func(o *httpapi.Options) { o.TrustedProxies = []string{"0.0.0.0", "10.0.0.0/8"} })
			for _, spoof := range []string{"198.51.100.1", "198.51.100.2, 192.0.2.1"} {
				e.do(t, "POST", "/v1/auth/login", login, header("X-Forwarded-For", spoof+", 203.0.113.7, 10.1.2.3")).expect(t, 401, "invalid_credentials")
			}
			e.do(t, "POST", "/v1/auth/login", login, header("X-Forwarded-For", "198.51.100.3, 203.0.113.7")).expect(t, 429, "rate_limited")
			e.do(t, "POST", "/v1/auth/login", login, header("X-Forwarded-For", "203.0.113.8")).expect(t, 401, "invalid_credentials")
		})
	})
}

func TestOperations(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnv(t, backend)

		t.Run("jwks and discovery", func(t *testing.T) {
			r := e.do(t, "GET", "/.well-known/jwks.json", nil)
			r.expect(t, 200, "")
			if got := r.Header.Get("Cache-Control"); got != "public, max-age=300" {
				t.Errorf("Cache-Control = %q, want public, max-age=300", got)
			}
			var set struct {
				Keys []map[string]any `json:"keys"`
			}
			r.decode(t, &set)
			if len(set.Keys) != 1 || set.Keys[0]["kty"] != "OKP" || set.Keys[0]["d"] != nil {
				t.Errorf("keys = %v, want one public OKP key", set.Keys)
			}
			r = e.do(t, "GET", "/.well-known/openid-configuration", nil)
			r.expect(t, 200, "")
			var d struct {
				Issuer  string   `json:"issuer"`
				JWKSURI string   `json:"jwks_uri"`
				Algs    []string `json:"id_token_signing_alg_values_supported"`
			}
			r.decode(t, &d)
			if d.Issuer != testIssuer || d.JWKSURI != "http://localhost:8080/.well-known/jwks.json" || len(d.Algs) != 1 || d.Algs[0] != "EdDSA" {
				t.Errorf("discovery = %+v, want issuer %s, the jwks URL and [EdDSA]", d, testIssuer)
			}
		})

		t.Run("no keys publishes an empty set", func(t *testing.T) {
			h := newEnv(t, backend, func(o *httpapi.Options) { o.Keys = nil })
			r := h.do(t, "GET", "/.well-known/jwks.json", nil)
			r.expect(t, 200, "")
			if got := strings.TrimSpace(string(r.Body)); got != `{"keys":[]}` {
				t.Errorf("jwks = %s, want {\"keys\":[]}", got)
			}
		})

		t.Run("health and readiness", func(t *testing.T) {
			e.do(t, "GET", "/healthz", nil).expect(t, 200, "")
			e.do(t, "GET", "/readyz", nil).expect(t, 200, "")
			e.ready.set(errors.New("dial tcp: connection refused"))
			r := e.do(t, "GET", "/readyz", nil)
			r.expect(t, 503, "unavailable")
			if r.Header.Get("Retry-After") == "" || strings.Contains(string(r.Body), "refused") {
				t.Errorf("503: Retry-After %q, body %s; want a Retry-After and no cause", r.Header.Get("Retry-After"), r.Body)
			}
			// HEAD, as probes send it: the same status and headers, no body.
			r = e.do(t, "HEAD", "/readyz", nil)
			if r.Status != 503 || r.Header.Get("Retry-After") == "" || len(r.Body) != 0 {
				t.Errorf("HEAD /readyz while down: %d, Retry-After %q, %d body bytes; want 503 with Retry-After and no body",
					r.Status, r.Header.Get("Retry-After"), len(r.Body))
			}
			e.ready.set(nil)
			e.do(t, "GET", "/readyz", nil).expect(t, 200, "")
			for _, path := range []string{"/healthz", "/readyz"} {
				r := e.do(t, "HEAD", path, nil)
				if r.Status != 200 || len(r.Body) != 0 {
					t.Errorf("HEAD %s: %d with %d body bytes, want 200 and no body", path, r.Status, len(r.Body))
				}
			}
		})

		t.Run("metrics by route template", func(t *testing.T) {
			e.do(t, "GET", "/v1/users/some-id", nil).expect(t, 401, "token_missing")
			r := e.do(t, "GET", "/metrics", nil)
			r.expect(t, 200, "")
			body := string(r.Body)
			for _, want := range []string{
				`authd_http_requests_total{method="GET",route="/v1/users/:id",status="401"} 1`,
				`authd_http_request_duration_seconds_bucket{method="GET",route="/v1/users/:id",status="401"`,
				"go_goroutines", "process_",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("metrics lack %q", want)
				}
			}
			if strings.Contains(body, "some-id") {
				t.Errorf("metrics carry a raw path")
			}
		})

		t.Run("openapi.json and docs", func(t *testing.T) {
			r := e.do(t, "GET", "/openapi.json", nil)
			r.expect(t, 200, "")
			var served struct {
				OpenAPI string                    `json:"openapi"`
				Servers []struct{ URL string }    `json:"servers"`
				Paths   map[string]map[string]any `json:"paths"`
			}
			r.decode(t, &served)
			doc := specDoc(t)
			if served.OpenAPI != "3.0.3" || len(served.Servers) != 1 || served.Servers[0].URL != "http://localhost:8080" || len(served.Paths) != doc.Paths.Len() {
				t.Errorf("served document: openapi %s, servers %v, %d paths; want 3.0.3, the public URL, %d paths",
					served.OpenAPI, served.Servers, len(served.Paths), doc.Paths.Len())
			}
			r = e.do(t, "GET", "/docs/reference", nil)
			r.expect(t, 200, "")
			page := string(r.Body)
			for path := range doc.Paths.Map() {
				if !strings.Contains(page, path) {
					t.Errorf("reference page lacks %s", path)
				}
			}
			if strings.Contains(page, "<script") || strings.Contains(page, "https://cdn") {
				t.Errorf("reference page loads scripts or external assets")
			}
		})
	})
}
