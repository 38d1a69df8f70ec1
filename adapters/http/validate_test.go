package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"
)

// recorder is a testing.TB that records failures instead of failing, so that the
// validator itself can be tested.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// TestValidatorCatchesMismatches proves that the OpenAPI check in env.do can fail:
// otherwise every other test's "matches openapi.json" would be hollow.
func TestValidatorCatchesMismatches(t *testing.T) {
	json := http.Header{"Content-Type": {"application/json"}}
	problemJSON := http.Header{"Content-Type": {"application/problem+json"}}
	cases := []struct {
		name         string
		method, path string
		r            response
		wantFailure  bool
	}{
		{"healthz as documented", "GET", "/healthz", response{200, json, []byte(`{"status":"ok"}`)}, false},
		{"healthz with a wrong enum", "GET", "/healthz", response{200, json, []byte(`{"status":"fine"}`)}, true},
		{"undocumented status", "GET", "/healthz", response{418, json, []byte(`{}`)}, true},
		{"user missing fields", "GET", "/v1/auth/me", response{200, json, []byte(`{"user":{"id":"x"}}`)}, true},
		{"problem with an unknown code", "GET", "/v1/auth/me", response{401, problemJSON,
			[]byte(`{"type":"about:blank","title":"t","status":401,"detail":"d","code":"nope"}`)}, true},
		{"429 without Retry-After", "POST", "/v1/auth/login", response{429, problemJSON,
			[]byte(`{"type":"https://authd.dev/problems/rate_limited","title":"t","status":429,"detail":"d","code":"rate_limited"}`)}, true},
		{"unknown path answered with a non-problem", "GET", "/nowhere", response{404, json, []byte(`{"x":1}`)}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			validate(rec, tc.method, tc.path, tc.r)
			if got := len(rec.failures) > 0; got != tc.wantFailure {
				t.Errorf("validation failed = %v (%v), want %v", got, rec.failures, tc.wantFailure)
			}
		})
	}
}

// TestRequestCheckCatchesMismatches proves that the request check in env.do can
// fail, both ways: an unmarked request off the document, and a request marked
// invalidRequest that matches it.
func TestRequestCheckCatchesMismatches(t *testing.T) {
	jsonBody := http.Header{"Content-Type": {"application/json"}}
	cases := []struct {
		name         string
		method, path string
		header       http.Header
		body         string
		offSpec      string
		wantFailure  bool
	}{
		{"login as documented", "POST", "/v1/auth/login", jsonBody, `{"email":"a@b.io","password":"x"}`, "", false},
		{"login with an undocumented field", "POST", "/v1/auth/login", jsonBody, `{"email":"a@b.io","password":"x","remember":true}`, "", true},
		{"login without its required password", "POST", "/v1/auth/login", jsonBody, `{"email":"a@b.io"}`, "", true},
		{"login with a wrong type", "POST", "/v1/auth/login", jsonBody, `{"email":"a@b.io","password":7}`, "", true},
		{"login in a form", "POST", "/v1/auth/login", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "email=a&password=b", "", true},
		{"login without a body", "POST", "/v1/auth/login", http.Header{}, "", "", true},
		{"a body where none is taken", "DELETE", "/v1/users/some-id", jsonBody, `{"password":"x"}`, "", true},
		{"a documented query", "GET", "/v1/users?limit=5&cursor=abc", http.Header{}, "", "", false},
		{"a query value below the minimum", "GET", "/v1/users?limit=0", http.Header{}, "", "", true},
		{"an undocumented query parameter", "GET", "/v1/users?sort=email", http.Header{}, "", "", true},
		{"a path the document lacks", "GET", "/v1/nowhere", http.Header{}, "", "", true},
		{"a method the path lacks", "PUT", "/v1/auth/me", http.Header{}, "", "", true},
		{"any bearer token passes: the service authenticates", "GET", "/v1/auth/me", http.Header{"Authorization": {"Bearer garbage"}}, "", "", false},
		{"no bearer token passes too", "GET", "/v1/auth/me", http.Header{}, "", "", false},
		{"marked invalid and off the document", "POST", "/v1/auth/login", jsonBody, `{}`, "no password", false},
		{"marked invalid yet matching", "POST", "/v1/auth/login", jsonBody, `{"email":"a@b.io","password":"x"}`, "stale mark", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			checkRequest(rec, tc.method, tc.path, tc.header, []byte(tc.body), tc.offSpec)
			if got := len(rec.failures) > 0; got != tc.wantFailure {
				t.Errorf("request check failed = %v (%v), want %v", got, rec.failures, tc.wantFailure)
			}
		})
	}
}

// TestRouteDiffCatchesMismatches proves that TestRoutesMatchDocument can fail, in
// both directions, and that middleware and Fiber's automatic HEAD routes are not
// taken for operations.
func TestRouteDiffCatchesMismatches(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{
		"/things":{"get":{"responses":{"200":{"description":"ok"}}}},
		"/things/{id}":{"delete":{"responses":{"204":{"description":"gone"}}}},
		"/gone":{"post":{"responses":{"204":{"description":"ok"}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	ok := func(c *fiber.Ctx) error { return c.SendStatus(204) }
	f := fiber.New()
	f.Use(func(c *fiber.Ctx) error { return c.Next() })
	f.Get("/things", ok) // also registers HEAD /things
	f.Delete("/things/:id", ok)
	f.Patch("/things/:id", ok)
	f.Get("/files/*", ok)
	got := routeDiff(f, doc)
	want := []string{
		"in openapi.json but not served: POST /gone",
		"served GET /files/*: its parameters have no OpenAPI form",
		"served HEAD /files/*: its parameters have no OpenAPI form",
		"served but not in openapi.json: PATCH /things/{id}",
	}
	if !slices.Equal(got, want) {
		t.Errorf("routeDiff =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
